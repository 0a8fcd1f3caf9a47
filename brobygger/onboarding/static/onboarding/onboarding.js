// Onboarding: a button that copies the invitation link. Without it the link can be
// selected and copied by hand from its field.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.clipboard) { return; }
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          var note = button.parentNode.querySelector("[data-copied]");
          if (note) { note.hidden = false; }
        });
      });
    });
  });
})();
