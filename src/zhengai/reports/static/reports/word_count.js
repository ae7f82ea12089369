// The live 字数 of the report editor: the server's own rule (rules.count_chars, Word's 字数), whose pattern
// the page hands over in the form's data-word-pattern, so the browser and the save never disagree.
function wordCount(pattern, s) {
  return (s.match(new RegExp(pattern, "gu")) || []).length;
}
if (typeof module !== "undefined") module.exports = { wordCount };
(function () {
  if (typeof document === "undefined") return;
  const form = document.getElementById("report-form");
  if (!form || !form.dataset.wordPattern) return;
  const pattern = form.dataset.wordPattern;
  const count = (s) => wordCount(pattern, s.normalize("NFC"));
  function mark(el, n, limit) { el.textContent = n; el.style.color = limit && n > limit ? "#c00" : ""; }
  function refresh() {
    let total = 0;
    form.querySelectorAll("textarea.counted").forEach((t) => {
      const n = count(t.value);
      const row = t.closest("tr");
      const box = row ? row.querySelector("input[type=checkbox]") : null;
      if (!box || box.checked) total += n;
      const label = form.querySelector('.count[data-for="' + t.name + '"]');
      if (label) mark(label, n, parseInt(t.dataset.limit || "0", 10));
    });
    form.querySelectorAll(".opinion-count").forEach((label) => {
      const id = label.dataset.row;
      const a = count(form.elements["row-" + id + "-achievements"].value);
      const p = count(form.elements["row-" + id + "-problems"].value);
      mark(label, a + p, parseInt(label.dataset.limit || "0", 10));
      const share = form.querySelector('.share[data-row="' + id + '"]');
      share.textContent = a + p ? Math.round(100 * p / (a + p)) + "%" : "—";
    });
    document.getElementById("total").textContent = total;
  }
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();
