"""The length rules and the character count (pure functions, no database)."""

from __future__ import annotations

import pytest

from zhengai.reports import rules
from zhengai.reports.rules import ReportText, RowText, check, count_chars


@pytest.mark.parametrize("text,expected", [
    ("", 0),
    ("质量保证", 4),                       # CJK characters: 1 each
    ("，。、；：“”（）《》？！……", 15),     # full-width punctuation: 1 each (…… is two marks)
    ("Java", 1),                          # an English word: 1
    ("Java 程序设计", 5),                  # the word, then 4 characters; the space counts 0
    ("2025", 1),                          # a number: 1
    ("2025年", 2),
    ("Java8", 1),                         # letters and digits run together: one word
    ("95%", 2),                           # ASCII punctuation: 1
    ("3.5", 3),
    ("  \t\n\u3000", 0),                  # spaces, tabs, line breaks, the ideographic space: 0
    ("hello world", 2),
    ("我们的Java课程 2025年，达标率 95%。", 15),
])
def test_count_chars(text, expected):
    assert count_chars(text) == expected


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
