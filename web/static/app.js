// Comfort only: every page works without this file.
// Notices get a print button (printing from the browser's menu works too).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".print-button").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
});
