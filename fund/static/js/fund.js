// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to an error summary so screen-reader and keyboard users hear the problems first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
});
