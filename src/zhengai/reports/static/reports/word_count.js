// The report editor: the live 字数 of every field with the server's own rule (rules.count_chars, Word's 字数),
// whose pattern the page hands over in the form's data-word-pattern, so the browser and the save never disagree;
// each element card's state in the index (已填写 / 未填写 / 需修改); and a save that sends only the cards that
// changed. The server stays the judge: it checks every rule again and shows its errors on the cards.
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
  const limitOf = (el) => parseInt(el.dataset.limit || "0", 10);
  const STATES = { filled: "已填写", missing: "未填写", over: "需修改", skip: "不填写" };
  const cards = Array.from(form.querySelectorAll(".element-card"));
  let submitting = false;

  function mark(el, n, limit) {
    el.textContent = n;
    el.classList.toggle("over-limit", Boolean(limit && n > limit));
    return Boolean(limit && n > limit);
  }
  function box(card) { return card.querySelector("input[type=checkbox]"); }
  function applicable(card) { const b = box(card); return !b || b.checked; }
  // Changed since the page was served, or typed before a refused save and still not saved.
  function dirty(card) {
    if (card.dataset.unsaved) return true;
    const b = box(card);
    if (b && b.checked !== b.defaultChecked) return true;
    return Array.from(card.querySelectorAll("textarea")).some((t) => t.value !== t.defaultValue);
  }

  function refreshCard(card) {
    const id = card.dataset.row;
    let over = false;
    card.querySelectorAll("textarea.counted:not(.opinion)").forEach((t) => {
      const label = form.querySelector('.count[data-for="' + t.name + '"]');
      if (label) over = mark(label, count(t.value), limitOf(t)) || over;
    });
    const a = count(form.elements["row-" + id + "-achievements"].value);
    const p = count(form.elements["row-" + id + "-problems"].value);
    const opinion = card.querySelector(".opinion-count");
    if (opinion) over = mark(opinion, a + p, limitOf(opinion)) || over;
    const share = card.querySelector(".share");
    if (share) share.textContent = a + p ? Math.round(100 * p / (a + p)) + "%" : "—";
    const changed = dirty(card);
    // A server error (a forecast effect, say) stands until the author edits the card.
    const serverOver = card.dataset.serverOver && !changed;
    let state = "filled";
    if (!applicable(card)) state = "skip";
    else if (over || serverOver) state = "over";
    else if (!a && !p) state = "missing";
    card.classList.remove("filled", "missing", "over", "skip");
    card.classList.add(state);
    card.classList.toggle("dirty", changed);
    const label = card.querySelector("[data-state-for]");
    if (label) label.textContent = STATES[state] + (changed ? " · 未保存" : "");
    const chip = form.querySelector('[data-index-for="' + id + '"]');
    if (chip) {
      chip.classList.remove("filled", "missing", "over", "skip");
      chip.classList.add(state);
      chip.classList.toggle("dirty", changed);
    }
    return changed;
  }

  function refresh() {
    let total = 0;
    const overview = form.elements.overview;
    if (overview) {
      const n = count(overview.value);
      total += n;
      const label = form.querySelector('.count[data-for="overview"]');
      if (label) mark(label, n, limitOf(overview));
    }
    let anyDirty = overview && overview.value !== overview.defaultValue;
    cards.forEach((card) => {
      if (refreshCard(card)) anyDirty = true;
      if (applicable(card)) {
        card.querySelectorAll("textarea.counted").forEach((t) => { total += count(t.value); });
      }
    });
    const totalEl = document.getElementById("total");
    if (totalEl) totalEl.textContent = total;
    const flag = document.getElementById("dirty");
    if (flag) flag.hidden = !anyDirty;
    return anyDirty;
  }

  cards.forEach((card) => { if (card.classList.contains("over")) card.dataset.serverOver = "1"; });
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  // Only the cards that changed are sent: the others' fields are disabled, so the server leaves them as saved.
  form.addEventListener("submit", () => {
    submitting = true;
    cards.forEach((card) => {
      if (!dirty(card)) card.querySelectorAll("input, textarea").forEach((el) => { el.disabled = true; });
    });
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && refresh()) { event.preventDefault(); event.returnValue = ""; }
  });
  // The index opens the card it points to; 全部展开 opens (and then folds) every card.
  function openTarget() {
    const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  const all = form.querySelector("[data-expand-all]");
  if (all) {
    all.addEventListener("click", () => {
      const open = all.textContent === "全部展开";
      cards.forEach((card) => { card.open = open; });
      all.textContent = open ? "全部折叠" : "全部展开";
    });
  }
  refresh();
})();
