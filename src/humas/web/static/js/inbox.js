/* humas inbox: keyboard shortcuts, bulk selection kept across live refreshes, the "replying" marker.
   Every shortcut is also a visible button; the page works without this file. No inline scripts (CSP). */
(function () {
  "use strict";
  var CURSOR_KEY = "humas.inbox.cursor";
  var cursor = -1;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-row]")); }

  function typing(event) {
    var t = event.target;
    if (!t || !t.tagName) return false;
    var tag = t.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable;
  }

  function setCursor(index, scroll) {
    var list = rows();
    if (!list.length) { cursor = -1; return; }
    cursor = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (row, i) {
      row.classList.toggle("cursor", i === cursor);
      if (i === cursor) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
    });
    if (scroll !== false && list[cursor].scrollIntoView) list[cursor].scrollIntoView({ block: "nearest" });
    try { sessionStorage.setItem(CURSOR_KEY, list[cursor].getAttribute("data-id")); } catch (e) { /* private mode */ }
  }

  function currentRow() { var list = rows(); return cursor >= 0 ? list[cursor] : null; }

  function clickShortcut(key) {
    var row = currentRow();
    var target = row ? row.querySelector('[data-row-shortcut="' + key + '"]') : null;
    if (!target) target = document.querySelector('[data-shortcut="' + key + '"]');
    if (target) { target.click(); return true; }
    return false;
  }

  function focusReply() {
    var box = document.querySelector("#composer textarea, [data-reply-input]");
    if (box) { box.focus(); return true; }
    return false;
  }

  function openHelp() {
    var dialog = document.getElementById("shortcut-help");
    if (!dialog) return;
    if (dialog.showModal) { if (!dialog.open) dialog.showModal(); } else { dialog.setAttribute("open", ""); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var key = event.key;
    var handled = true;
    if (key === "j") setCursor(cursor + 1);
    else if (key === "k") setCursor(cursor < 0 ? 0 : cursor - 1);
    else if (key === "o" || key === "Enter") {
      var row = currentRow();
      if (row) window.location.href = row.getAttribute("data-href"); else handled = false;
    } else if (key === "x") {
      var r = currentRow();
      var box = r && r.querySelector('input[type="checkbox"]');
      if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); } else handled = false;
    } else if (key === "a" || key === "e" || key === "w") handled = clickShortcut(key);
    else if (key === "r") handled = focusReply();
    else if (key === "/") {
      var search = document.querySelector("[data-shortcut-focus='/']");
      if (search) search.focus(); else handled = false;
    } else if (key === "?") openHelp();
    else handled = false;
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-help-open]")) openHelp();
    if (event.target.closest("[data-reply-focus]")) focusReply();
  });

  // Bulk selection and the cursor survive the live refresh of the list (htmx swaps #inbox-results).
  var checked = [];
  function countSelected() {
    var n = document.querySelectorAll('[data-row] input[type="checkbox"]:checked').length;
    var out = document.querySelector("[data-bulk-count]");
    if (out) out.textContent = n ? String(n) : "";
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest("[data-row]")) countSelected();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "inbox-results") return;
    checked = Array.prototype.map.call(
      document.querySelectorAll('[data-row] input[type="checkbox"]:checked'), function (b) { return b.value; });
  });
  function restore() {
    checked.forEach(function (id) {
      var box = document.querySelector('[data-row][data-id="' + id + '"] input[type="checkbox"]');
      if (box) box.checked = true;
    });
    countSelected();
    var saved = null;
    try { saved = sessionStorage.getItem(CURSOR_KEY); } catch (e) { /* private mode */ }
    var list = rows();
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-id") === saved) { setCursor(i, false); return; }
    }
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "inbox-results") restore();
  });
  document.addEventListener("DOMContentLoaded", restore);

  // "Someone else is replying": writing in the composer tells the others (at most every 30 s).
  var lastMark = 0;
  document.addEventListener("input", function (event) {
    var box = event.target.closest && event.target.closest("[data-replying-url]");
    if (!box || !window.fetch || Date.now() - lastMark < 30000) return;
    lastMark = Date.now();
    var headers = {};
    try {
      var hx = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      headers["X-CSRF-Token"] = hx["X-CSRF-Token"] || "";
    } catch (e) { /* no token: the server refuses, nothing breaks */ }
    fetch(box.getAttribute("data-replying-url"), { method: "POST", headers: headers, credentials: "same-origin" });
  });
})();
