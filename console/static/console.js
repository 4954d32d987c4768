// rss console shortcuts. Nothing here is needed: every page works without
// script. "/" moves focus to the page's first field; "?" lists the menu's
// access keys.
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "/") {
      var f = document.querySelector("main input:not([type=hidden]), main select, main textarea");
      if (f) { e.preventDefault(); f.focus(); }
    }
  });
})();
