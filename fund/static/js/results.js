// The results framework's editor, progressive enhancement only: the page works without it.
// An indicator's MGI fields are shown only while its baseline's source is an MGI indicator.
document.addEventListener("DOMContentLoaded", function () {
  var selects = document.querySelectorAll(".results-form select[id$='-baseline_source']");
  Array.prototype.forEach.call(selects, function (select) {
    var block = select.closest("fieldset.baseline");
    var mgi = block && block.querySelector("[data-mgi]");
    if (!mgi) {
      return;
    }
    var show = function () {
      // Kept in view while one of its fields shows an error, whatever the source.
      mgi.hidden = select.value !== "mgi" && !mgi.querySelector(".field-error");
    };
    select.addEventListener("change", show);
    show();
  });
});
