// The same count as the server's rules.count_chars: a run of ASCII letters/digits is one word, any other
// non-space character one 字, whitespace nothing.
(function () {
  const count = (s) => (s.match(/[A-Za-z0-9]+|\S/gu) || []).length;
  const form = document.getElementById("report-form");
  if (!form) return;
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
