// Brobygger: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";
  function focusErrors(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusErrors(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusErrors(event.target); });
  // Print buttons (no inline handlers: the CSP forbids them).
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) { event.preventDefault(); window.print(); }
  });
})();
