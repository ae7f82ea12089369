// Next to the role select of an account form: what the 范围代码 of the chosen role is (hints from the
// server, in the #role-hints JSON).
(function () {
  var source = document.getElementById("role-hints");
  if (!source) return;
  var hints = JSON.parse(source.textContent);
  document.querySelectorAll("form[data-role-form]").forEach(function (form) {
    var select = form.querySelector("select[name=role]"), hint = form.querySelector("[data-role-hint]");
    if (!select || !hint) return;
    function show() { hint.textContent = hints[select.value] || ""; }
    select.addEventListener("change", show);
    show();
  });
})();
