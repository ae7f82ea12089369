// The page behaviours every template uses, by data attribute: the Content-Security-Policy allows no inline
// script and no on…= attribute, so templates say what they want and this one file does it.
//   data-confirm="…"  on a form (asked on submit) or a button/link (asked on click): go on only if confirmed
//   data-autosubmit   on a select: submit its form when the choice changes
//   data-print        on a button: print the page
//   data-check-all="name"  on a checkbox: tick or untick every checkbox of that name in its form (全选本页)
// Listeners sit on the document, so parts that htmx swaps in behave the same.
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm]:not(form), [data-print]") : null;
    if (!el) return;
    if (el.hasAttribute("data-print")) { window.print(); return; }
    if (!window.confirm(el.dataset.confirm)) event.preventDefault();
  }, true);
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
    if (el.matches && el.matches("input[data-check-all]")) {
      var scope = el.form || document;
      scope.querySelectorAll('input[type="checkbox"][name="' + el.dataset.checkAll + '"]').forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });
})();
