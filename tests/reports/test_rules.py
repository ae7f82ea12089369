"""The length rules and the character count (pure functions, no database)."""

from __future__ import annotations

import pytest

from zhengai.reports import rules
from zhengai.reports.rules import ReportText, RowText, check, count_chars

# Known texts and the 字数 Word's 字数统计 gives them (字数 = 中文字符和朝鲜语单词 + 非中文单词). The browser's
# live count runs the same table (test_word_count_js.py).
WORD_COUNTS = [
    ("", 0),
    ("质量保证", 4),                       # CJK characters: 1 each
    ("，。、；：“”（）《》？！……", 15),     # full-width punctuation: 1 each (…… is two marks)
    ("——", 2),                            # the Chinese dash: two marks
    ("Java", 1),                          # an English word: 1
    ("Java 程序设计", 5),                  # the word, then 4 characters; the space counts 0
    ("2025", 1),                          # a number: 1
    ("2025年", 2),
    ("Java8", 1),                         # letters and digits run together: one word
    ("75%", 1),                           # half-width marks inside or around a run join it
    ("3.5", 1),
    ("1+X", 1),
    ("C++", 1),
    ("Web/App", 1),
    ("2025-2026", 1),
    ("(C++)", 1),                         # half-width brackets join the run …
    ("（C++）", 3),                        # … full-width ones are characters of their own
    ("Java, Python", 2),
    ("a - b", 3),                         # a half-width mark alone is a word, as in Word
    ("达标,原因", 5),
    ("９５％", 3),                          # full-width digits and signs: 1 each
    ("  \t\n\u3000\u00a0", 0),              # spaces, tabs, line breaks, the ideographic and no-break space: 0
    ("hello world", 2),
    ("한국어 단어", 2),                     # Korean: by word (朝鲜语单词)
    ("\U00020000字", 2),                   # an ideograph outside the basic plane: 1
    ("我们的Java课程 2025年，达标率 95%。", 14),
    ("就业率75%，较上年提高3.5个百分点；推行1+X证书，开设C++与Web/App课程。", 30),
]


@pytest.mark.parametrize("text,expected", WORD_COUNTS)
def test_count_chars(text, expected):
    assert count_chars(text) == expected


# The issue's case: a text with "75%", "3.5", "1+X", "C++", "Web/App" that Word counts at exactly the limit.
_MIXED = "就业率75%，较上年提高3.5个百分点；推行1+X证书，开设C++与Web/App课程。"   # 30 字 in Word


def _at(n: int) -> str:
    """A text Word counts as `n` 字 that carries the issue's five half-width runs."""
    return _MIXED + "述" * (n - 30)


def test_the_issues_text_at_each_limit():
    assert count_chars(_at(200)) == 200
    # Each element's measures and effects (200), for every kind of report.
    for kind in rules.LIMITS:
        for fld in ("measures", "effects"):
            assert _errors(ReportText(kind, rows=[_row(**{fld: _at(200)})])) == []
            assert len(_errors(ReportText(kind, rows=[_row(**{fld: _at(201)})]))) == 1
    # The school's overview and each element's opinion (500).
    assert _errors(ReportText("school", overview=_at(500))) == []
    assert _errors(ReportText("school", overview=_at(501))) == ["自我诊改工作概述 501 字，超过 500 字"]
    ok = ReportText("school", rows=[_row(achievements=_at(240), problems="问" * 260)])
    over = ReportText("school", rows=[_row(achievements=_at(241), problems="问" * 260)])
    assert _errors(ok) == [] and _errors(over) == ["“1.2 组织构架”的自我诊断意见 501 字，超过 500 字"]
    # The whole report: 8 000, 3 000, 2 000 (the department's 3 000 only on submission).
    for kind, limit in [("college", 8000), ("major", 3000), ("course", 2000), ("teacher", 2000),
                        ("department", 3000)]:
        assert _errors(ReportText(kind, overview=_at(limit)), submitting=True) == []
        assert _errors(ReportText(kind, overview=_at(limit + 1)), submitting=True) == [
            f"报告全文 {limit + 1} 字，超过 {limit} 字"]
    # The department's floor (2 000) counts the same way.
    assert _errors(ReportText("department", overview=_at(2000)), submitting=True) == []
    assert _errors(ReportText("department", overview=_at(1999)), submitting=True) == ["报告全文 1999 字，少于 2000 字"]


def test_the_old_count_would_have_refused_what_word_accepts():
    # Counted mark by mark these five runs are 14, not 5: 209 for what Word calls 200.
    assert count_chars("75% 3.5 1+X C++ Web/App") == 5


def _row(**kw) -> RowText:
    return RowText(label=kw.pop("label", "1.2 组织构架"), **kw)


def _errors(report: ReportText, **kw) -> list[str]:
    return [p.message for p in rules.errors(check(report, **kw))]


@pytest.mark.parametrize("n,ok", [(500, True), (501, False)])
def test_school_opinion_per_element(n, ok):
    report = ReportText("school", rows=[_row(achievements="成" * (n - 260), problems="问" * 260)])
    assert _errors(report) == ([] if ok else ["“1.2 组织构架”的自我诊断意见 501 字，超过 500 字"])


@pytest.mark.parametrize("field,label", [("measures", "改进措施"), ("effects", "改进效果")])
@pytest.mark.parametrize("n,ok", [(200, True), (201, False)])
def test_measures_and_effects_per_element(field, label, n, ok):
    for kind in ("school", "college", "major"):  # seed 003 notes 3–4 cap them for every report too
        report = ReportText(kind, rows=[_row(**{field: "措" * n})])
        assert _errors(report) == ([] if ok else [f"“1.2 组织构架”的{label} 201 字，超过 200 字"])


def test_school_overview():
    assert _errors(ReportText("school", overview="述" * 500)) == []
    assert _errors(ReportText("school", overview="述" * 501)) == ["自我诊改工作概述 501 字，超过 500 字"]


@pytest.mark.parametrize("kind,limit", [("college", 8000), ("major", 3000), ("course", 2000), ("teacher", 2000)])
def test_report_totals(kind, limit):
    assert _errors(ReportText(kind, overview="述" * limit)) == []
    assert _errors(ReportText(kind, overview="述" * (limit + 1))) == [f"报告全文 {limit + 1} 字，超过 {limit} 字"]


def test_total_counts_overview_and_applicable_rows_only():
    rows = [_row(achievements="成" * 10, problems="问" * 10, measures="措" * 5, effects="效" * 5),
            _row(label="1.3 制度构架", achievements="成" * 100, applicable=False)]
    assert rules.total_chars(ReportText("college", overview="述" * 7, rows=rows)) == 37


@pytest.mark.parametrize("n,draft_ok,submit_ok", [(1999, True, False), (2000, True, True), (3000, True, True),
                                                  (3001, True, False)])
def test_department_range_only_blocks_on_submission(n, draft_ok, submit_ok):
    report = ReportText("department", overview="述" * n)
    assert (not _errors(report)) is draft_ok
    assert (not _errors(report, submitting=True)) is submit_ok
    if not draft_ok or not submit_ok:
        assert any(p.severity == rules.WARNING and p.field == "total" for p in check(report))


def test_school_share_at_least_half_is_flagged_not_blocked():
    low = ReportText("school", rows=[_row(achievements="成" * 51, problems="问" * 49)])
    found = check(low)
    assert [(p.severity, p.message) for p in found] == [
        (rules.WARNING, "“1.2 组织构架”的存在问题与原因分析 49 字，占自我诊断意见 100 字的 49%，要求不少于 1/2")]
    assert check(ReportText("school", rows=[_row(achievements="成" * 50, problems="问" * 50)])) == []
    assert check(ReportText("school", rows=[_row(achievements="成" * 10, problems="问" * 90)])) == []


@pytest.mark.parametrize("problems,flagged", [(39, True), (40, False), (60, False), (61, True)])
def test_others_share_about_half(problems, flagged):
    report = ReportText("major", rows=[_row(achievements="成" * (100 - problems), problems="问" * problems)])
    shares = [p for p in check(report) if p.field == "share"]
    assert bool(shares) is flagged
    assert all(p.severity == rules.WARNING for p in shares)


def test_rows_not_filled_are_not_checked():
    report = ReportText("school", rows=[_row(achievements="成" * 900, applicable=False)])
    assert check(report) == []


def test_limits_can_be_overridden_per_institution():
    limits = rules.limits_for("college", {"total_max": 10000, "share_min": 0})
    assert limits.total_max == 10000 and limits.share_min == rules.LIMITS["college"].share_min
    assert _errors(ReportText("college", overview="述" * 9000, limits=limits)) == []


def test_as_text_reads_dicts():
    report = rules.as_text({"kind": "school", "overview": "述" * 501,
                            "rows": [{"element_label": "1.1 质量保证理念", "measures": "措" * 201}]})
    assert [p.message for p in check(report)] == ["自我诊改工作概述 501 字，超过 500 字",
                                                  "“1.1 质量保证理念”的改进措施 201 字，超过 200 字"]


def test_an_over_long_report_names_its_longest_opinion_and_the_count():
    rows = [RowText(label="1.1 专业定位", achievements="成" * 1000, problems="问" * 1500),
            RowText(label="1.2 实训条件", achievements="好" * 600, problems="差" * 0)]
    problems = check(ReportText(kind="major", overview="", rows=rows))
    total = [p for p in problems if p.field == "total"]
    assert len(total) == 1 and total[0].severity == rules.ERROR
    assert str(total[0]) == "报告全文 3100 字，超过 3000 字，其中“1.1 专业定位”的自我诊断意见最长，2500 字"
