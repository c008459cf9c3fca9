// The content calendar: drag a post onto another day to move it (same time of day). Without JS each post has
// a plain "Move" form; this only posts the same form for a drop and reloads the page.
(function () {
  "use strict";
  var calendar = document.querySelector("[data-testid='calendar']");
  if (!calendar) return;
  var token = "";
  try { token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { token = ""; }
  calendar.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest("[data-post-id]");
    if (chip) event.dataTransfer.setData("text/plain", chip.getAttribute("data-post-id"));
  });
  calendar.addEventListener("dragover", function (event) {
    var day = event.target.closest && event.target.closest("[data-date]");
    if (day) { event.preventDefault(); day.classList.add("drop"); }
  });
  calendar.addEventListener("dragleave", function (event) {
    var day = event.target.closest && event.target.closest("[data-date]");
    if (day) day.classList.remove("drop");
  });
  calendar.addEventListener("drop", function (event) {
    var day = event.target.closest && event.target.closest("[data-date]");
    var id = event.dataTransfer.getData("text/plain");
    if (!day || !/^\d+$/.test(id)) return;
    event.preventDefault();
    var body = new URLSearchParams({ date: day.getAttribute("data-date") });
    fetch("/publishing/posts/" + id + "/move", {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": token, "HX-Request": "true" },
    }).then(function () { window.location.reload(); });
  });
})();
