"""Length rules of the self-diagnosis reports and the character count they are measured in — pure functions,
no database.

Where the limits come from:

* School (seed 004 附件2): the overview heading says "500 字以内"; note 2 says each element's 自我诊断意见 is
  "总体不超过 500 字" with problems and causes "篇幅不少于 1/2"; notes 3 and 4 cap each element's 改进措施 and
  改进效果 at 200 字.
* The others (seed 003 附件4): 院（部）≤ 8 000 字 in all; 职能部门 2 000—3 000 字; 专业教研室 3 000 字;
  任课教师课程 2 000 字; notes 3 and 4 cap each element's measures and effects at 200 字 as for the school;
  problems and causes "应占一半左右篇幅". The seed names no teacher's own report: a teacher's report is held
  to the course report's 2 000 字, the nearest kind the seed names.

A department's lower bound (2 000) can only be judged on a finished report, so the department's range is
checked when the report is submitted; while drafting it is only a warning. Every other limit is hard: a save
that breaks it is refused. The share of problems and causes is never a refusal, only a flag.

An effect that reads as a forecast is refused at every save and at submission, with the improvement loop's
rule (`diagnosis.effects`): seeds 003 附件4 note 4 and 004 附件2 note 4.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from zhengai.diagnosis.effects import forecast_problem

SCHOOL = "school"
COLLEGE = "college"
DEPARTMENT = "department"
MAJOR = "major"
COURSE = "course"
TEACHER = "teacher"

ERROR = "error"
WARNING = "warning"

# Word's 字数, as one regular expression built from code-point ranges so that the server (Python `re`) and the
# live count in the browser (JavaScript, flag "u") run the very same rule; `WORD_PATTERN_JS` is handed to the
# page. Three kinds of token, tried in this order:
#
# 1. one East Asian character: the CJK ideographs (all planes), kana, bopomofo, the CJK symbols and full-width
#    punctuation, the full-width forms (Ａ１，！￥), and the punctuation and symbols a Chinese input method types
#    that Word sets in the East Asian font: “ ” ‘ ’ — … · ① Ⅱ ■ ★. Word's 中文字符 — one each.
# 2. a run of Hangul: Word's 朝鲜语单词 — one each.
# 3. a run of anything else that is not white space: Word's 非中文单词 — one each. So a number or word with
#    the half-width marks inside or around it ("75%", "3.5", "1+X", "C++", "Web/App", "(C++)", "Java,") is one;
#    a half-width mark standing alone between spaces or CJK characters is a word of its own ("a - b" is 3).
#
# White space (spaces, tabs, line breaks, the no-break and the ideographic space) is in no token: 0.
_EAST_ASIAN = [
    (0x00B7, 0x00B7), (0x2014, 0x2014), (0x2018, 0x2019), (0x201C, 0x201D), (0x2026, 0x2026), (0x2030, 0x2030),
    (0x203B, 0x203B), (0x2103, 0x2103), (0x2116, 0x2116), (0x2160, 0x217F), (0x2190, 0x2193), (0x2460, 0x24FF),
    (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2605, 0x2606), (0x2E80, 0x2FDF), (0x3001, 0x303F), (0x3040, 0x30FF),
    (0x3100, 0x312F), (0x31A0, 0x31FF), (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
    (0xFE10, 0xFE1F), (0xFE30, 0xFE6F), (0xFF01, 0xFF60), (0xFFE0, 0xFFE6), (0x20000, 0x3FFFF),
]
_HANGUL = [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF)]
_SPACE = [(0x09, 0x0D), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200B),
          (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF)]


def _ranges(ranges: list[tuple[int, int]], js: bool) -> str:
    def one(c: int) -> str:
        if js:
            return f"\\u{{{c:X}}}"
        return f"\\U{c:08X}" if c > 0xFFFF else f"\\u{c:04X}"
    return "".join(one(lo) if lo == hi else f"{one(lo)}-{one(hi)}" for lo, hi in ranges)


def _pattern(js: bool) -> str:
    ea, hangul, space = (_ranges(r, js) for r in (_EAST_ASIAN, _HANGUL, _SPACE))
    return f"[{ea}]|[{hangul}]+|[^{ea}{hangul}{space}]+"


WORD_PATTERN = _pattern(js=False)
WORD_PATTERN_JS = _pattern(js=True)   # for `new RegExp(WORD_PATTERN_JS, "gu")`
_TOKEN = re.compile(WORD_PATTERN)


def count_chars(text: str | None) -> int:
    """The 字数 of `text` exactly as Word's 字数统计 gives it: 字数 = 中文字符和朝鲜语单词 + 非中文单词.

    * every CJK character counts 1, and so does every full-width punctuation mark (，。、；：“”（）《》……, each
      … and each — on its own): Word counts them among the 中文字符;
    * a run of half-width letters, digits and the punctuation inside or around them counts 1 — one 非中文单词,
      as Word splits words only at white space and at East Asian characters: "Java" 1, "2025" 1, "75%" 1,
      "3.5" 1, "1+X" 1, "C++" 1, "Web/App" 1, "2025-2026" 1, "Java," 1; a half-width mark alone ("a - b")
      is a word of its own, as in Word;
    * whitespace (spaces, tabs, line breaks, the ideographic space) counts 0.

    So "我们的Java课程 2025年，达标率 95%。" counts 我 们 的 Java 课 程 2025 年 ， 达 标 率 95% 。 = 14.
    The browser's live count (static/reports/word_count.js) runs the same pattern (`WORD_PATTERN_JS`).
    """
    if not text:
        return 0
    # NFC so a character typed as base + combining mark counts once.
    return len(_TOKEN.findall(unicodedata.normalize("NFC", text)))


@dataclass(frozen=True)
class Limits:
    """The length rules of one kind of report (None: no such rule)."""

    overview: int | None = None          # the overview section
    opinion: int | None = None           # each element's opinion (achievements + problems)
    measures: int | None = 200           # each element's 改进措施
    effects: int | None = 200            # each element's 改进效果
    total_max: int | None = None         # the whole report
    total_min: int | None = None         # the whole report, checked on submission only
    total_max_on_submit_only: bool = False
    share_min: Fraction = Fraction(2, 5)  # problems and causes as a share of the opinion
    share_max: Fraction | None = Fraction(3, 5)
    share_rule: str = "一半左右"

    def describe(self) -> list[str]:
        parts = []
        if self.overview:
            parts.append(f"工作概述不超过 {self.overview} 字")
        if self.opinion:
            parts.append(f"每一诊断要素的自我诊断意见不超过 {self.opinion} 字")
        if self.measures:
            parts.append(f"改进措施不超过 {self.measures} 字")
        if self.effects:
            parts.append(f"改进效果不超过 {self.effects} 字")
        if self.total_min and self.total_max:
            parts.append(f"全文 {self.total_min}—{self.total_max} 字（提交时检查）")
        elif self.total_max:
            parts.append(f"全文不超过 {self.total_max} 字")
        parts.append(f"存在问题与原因分析占自我诊断意见的{self.share_rule}")
        return parts


LIMITS: dict[str, Limits] = {
    SCHOOL: Limits(overview=500, opinion=500, share_min=Fraction(1, 2), share_max=None, share_rule="不少于 1/2"),
    COLLEGE: Limits(total_max=8000),
    DEPARTMENT: Limits(total_min=2000, total_max=3000, total_max_on_submit_only=True),
    MAJOR: Limits(total_max=3000),
    COURSE: Limits(total_max=2000),
    TEACHER: Limits(total_max=2000),
}


def limits_for(kind: str, overrides: dict[str, Any] | None = None) -> Limits:
    """The rules of `kind`, with an institution's overrides (a framework's extra["report_limits"][kind]:
    DOMAIN.md asks for each limit's scope to be configurable; these are the seeds' defaults)."""
    base = LIMITS[kind]
    if not overrides:
        return base
    allowed = {f for f in Limits.__dataclass_fields__ if not f.startswith("share")}
    values = {k: v for k, v in overrides.items() if k in allowed}
    return Limits(**{**base.__dict__, **values})


@dataclass
class RowText:
    """What the rules read of one row."""

    label: str                      # "1.2 组织构架"
    achievements: str = ""
    problems: str = ""
    measures: str = ""
    effects: str = ""
    applicable: bool = True


@dataclass
class ReportText:
    """What the rules read of a report (a saved one, or what was just typed)."""

    kind: str
    overview: str = ""
    rows: list[RowText] = field(default_factory=list)
    limits: Limits | None = None


@dataclass(frozen=True)
class Problem:
    """One broken rule: `severity` error refuses a save (or a submission), warning only flags."""

    message: str
    severity: str = ERROR
    label: str = ""     # the element, or "" for the report as a whole
    field: str = ""     # overview, opinion, measures, effects, total, share
    count: int = 0
    limit: int = 0

    def __str__(self) -> str:
        return self.message


def total_chars(report: ReportText) -> int:
    """The whole report's 字数: the overview and every applicable row's four texts."""
    return count_chars(report.overview) + sum(
        count_chars(r.achievements) + count_chars(r.problems) + count_chars(r.measures) + count_chars(r.effects)
        for r in report.rows if r.applicable)


def share(row: RowText) -> Fraction | None:
    """Problems and causes as a share of the opinion, None for an empty opinion."""
    a, p = count_chars(row.achievements), count_chars(row.problems)
    return Fraction(p, a + p) if a + p else None


def _pct(value: Fraction) -> str:
    return f"{round(float(value) * 100)}%"


def check(report: ReportText | Any, *, submitting: bool = False) -> list[Problem]:
    """Every rule `report` breaks. Errors refuse the save (or, with `submitting`, the submission); warnings
    are shown but never block. Each message names the element and the count."""
    if not isinstance(report, ReportText):
        report = as_text(report)
    limits = report.limits or limits_for(report.kind)
    found: list[Problem] = []
    n = count_chars(report.overview)
    if limits.overview and n > limits.overview:
        found.append(Problem(f"自我诊改工作概述 {n} 字，超过 {limits.overview} 字", ERROR, "", "overview", n,
                             limits.overview))
    for row in report.rows:
        if not row.applicable:
            continue
        opinion = count_chars(row.achievements) + count_chars(row.problems)
        for fld, count, limit, name in [("opinion", opinion, limits.opinion, "自我诊断意见"),
                                        ("measures", count_chars(row.measures), limits.measures, "改进措施"),
                                        ("effects", count_chars(row.effects), limits.effects, "改进效果")]:
            if limit and count > limit:
                found.append(Problem(f"“{row.label}”的{name} {count} 字，超过 {limit} 字", ERROR, row.label, fld,
                                     count, limit))
        # The improvement loop's own rule (one place): an effect observed, never forecast.
        forecast = forecast_problem(row.effects)
        if forecast:
            found.append(Problem(f"“{row.label}”的{forecast}", ERROR, row.label, "effects"))
        ratio = share(row)
        if ratio is not None and (ratio < limits.share_min or (limits.share_max and ratio > limits.share_max)):
            found.append(Problem(
                f"“{row.label}”的存在问题与原因分析 {count_chars(row.problems)} 字，占自我诊断意见 {opinion} 字的 "
                f"{_pct(ratio)}，要求{limits.share_rule}", WARNING, row.label, "share", count_chars(row.problems)))
    total = total_chars(report)
    if limits.total_max and total > limits.total_max:
        hard = submitting or not limits.total_max_on_submit_only
        # Name the longest opinion too: the author has to know where to cut, not only that the whole is long.
        longest = max((r for r in report.rows if r.applicable),
                      key=lambda r: count_chars(r.achievements) + count_chars(r.problems), default=None)
        where = ""
        if longest is not None and (n_long := count_chars(longest.achievements) + count_chars(longest.problems)):
            where = f"，其中“{longest.label}”的自我诊断意见最长，{n_long} 字"
        found.append(Problem(f"报告全文 {total} 字，超过 {limits.total_max} 字{where}", ERROR if hard else WARNING,
                             longest.label if where and longest else "", "total", total, limits.total_max))
    if limits.total_min and total < limits.total_min:
        found.append(Problem(f"报告全文 {total} 字，少于 {limits.total_min} 字",
                             ERROR if submitting else WARNING, "", "total", total, limits.total_min))
    return found


def limits_of(report: Any) -> Limits:
    """The limits of a saved report: its kind's, with the institution's overrides kept in its framework's
    `extra["report_limits"][kind]`."""
    overrides = ((getattr(report.framework, "extra", None) or {}).get("report_limits") or {}).get(report.kind)
    return limits_for(report.kind, overrides)


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def as_text(report: Any, rows: Iterable[Any] | None = None) -> ReportText:
    """A ReportText from anything shaped like a report (a model instance with `rows`, or a dict)."""
    get = report.get if isinstance(report, dict) else lambda k, d=None: getattr(report, k, d)
    source = rows if rows is not None else get("rows")
    if hasattr(source, "all"):
        source = source.all()

    def row(r: Any) -> RowText:
        g = r.get if isinstance(r, dict) else lambda k, d=None: getattr(r, k, d)
        return RowText(label=g("element_label", "") or g("label", ""), achievements=g("achievements", "") or "",
                       problems=g("problems", "") or "", measures=g("measures", "") or "",
                       effects=g("effects", "") or "", applicable=bool(g("applicable", True)))

    return ReportText(kind=get("kind"), overview=get("overview", "") or "", rows=[row(r) for r in source or []],
                      limits=get("limits", None) if isinstance(report, dict) else None)
