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
// Drafts: a note being written survives a lost connection or a reload in this tab.
// sessionStorage, not localStorage: nothing is left behind on a shared ward computer.
(function () {
  "use strict";
  function fields(form) { return form.querySelectorAll("textarea, input[type=text], input[type=number]"); }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var key = "draft:" + form.getAttribute("data-draft");
      var status = form.querySelector(".draft-status");
      var saved = null;
      try { saved = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) { saved = null; }
      if (saved) {
        fields(form).forEach(function (el) {
          if (el.name && saved[el.name] && !el.value) { el.value = saved[el.name]; }
        });
        if (status) { status.textContent = status.getAttribute("data-restored") || ""; }
      }
      form.addEventListener("input", function () {
        var data = {};
        fields(form).forEach(function (el) { if (el.name) { data[el.name] = el.value; } });
        try { window.sessionStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* full */ }
      });
      form.addEventListener("submit", function () {
        // Cleared only when the server has the note: the next page load removes it.
        window.sessionStorage.setItem(key + ":sent", "1");
      });
    });
    // A page without the draft's form means the note reached the server: forget it.
    var onPage = {};
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      onPage["draft:" + form.getAttribute("data-draft")] = true;
    });
    for (var i = window.sessionStorage.length - 1; i >= 0; i--) {
      var name = window.sessionStorage.key(i);
      if (name && name.slice(-5) === ":sent") {
        var draft = name.slice(0, -5);
        if (!onPage[draft]) {
          window.sessionStorage.removeItem(draft);
          window.sessionStorage.removeItem(name);
        }
      }
    }
  });
})();

// The menu on a phone: the button folds the header's menu away and opens it again.
// Without this file the button stays hidden and the menu stays open (base.html, app.css).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu-button");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) { return; }
    function setOpen(open) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
    button.hidden = false;
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and gives the focus back to its button.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  });
})();
