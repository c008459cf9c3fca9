/* humas: small progressive enhancements (the pages work without them). No inline scripts: CSP forbids them. */
(function () {
  "use strict";
  // Copy a secret (one-time password, API token) to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.classList.add("copied");
      setTimeout(function () { button.classList.remove("copied"); }, 1500);
    });
  });
  // Toasts from htmx errors disappear after a while.
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("#toasts .toast:not([data-timer])").forEach(function (toast) {
      toast.setAttribute("data-timer", "1");
      setTimeout(function () { toast.remove(); }, 6000);
    });
  });
  // Close the mobile menu after navigating.
  document.addEventListener("click", function (event) {
    if (event.target.closest(".sidebar a")) {
      var toggle = document.getElementById("nav-toggle");
      if (toggle) toggle.checked = false;
    }
  });
})();
