"""The printable one-page plan (一页纸工作计划报表, seed 002 表2–3) as HTML and as PDF.

The sheet is laid out for ONE A4 landscape page and fills it: the type size is chosen from the plan itself
(few tasks print large, many tasks smaller, down to a floor a reader can still read) and the task rows share
whatever height is left, so neither a five-task plan nor a sixteen-task plan leaves half the page blank. The
choice rests on an estimate of every block's height computed from the task count and the lengths of the typed
texts — the same estimate tells the editor, before a save, that the plan would run onto a second page.
Free texts are still clipped (ellipsised in the cell and shortened on the server): the full text is on the
plan's page."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from . import selectors
from .models import OnePagePlan

# How many characters of each free text the sheet shows; the rest is on the plan's page.
CLIP = {"name": 60, "objective": 260, "summary": 320, "task": 40, "objective_text": 46, "owner": 8}

# The page: A4 landscape with 8 mm margins (the @page rule of the print template).
PAGE_W, PAGE_H = 297 - 16, 210 - 16
# Type sizes tried, largest first; the last is the floor (smaller is not readable on paper).
FONTS = (12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
PT_MM = 25.4 / 72
LINE = 1.3                 # line-height, in em
PAD_EM, BORDER = 0.3, 0.25  # a cell's vertical padding (em, the template's 0.15em twice) and borders (mm)
OBJ_COL, MONTH_COL = 5.5, 6.6                    # fixed matrix columns, mm
SEQ_EM, OWNER_EM, DUE_EM, PROGRESS_EM = 2.4, 7.0, 6.4, 3.2   # columns that grow with the type, em
LABEL_EM = 5.5             # the left label column of the header and footer tables, em
SIGN_MM = 7.0              # the sign-off row: room for a handwritten signature
SAFETY = 0.93              # the share of the page the estimate may fill: the estimate is not the renderer
MAX_ROW_LINES = 4          # a task row grows to at most this many lines when the page has room


def text_em(text: str) -> float:
    """Width of a text in em: CJK and full-width characters one em each, half-width ones about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


def _lines(text: str, width_mm: float, em: float, most: int) -> int:
    if not text:
        return 1
    per_line = max(1.0, (width_mm - 1.6) / em)
    return max(1, min(most, sum(math.ceil(text_em(part) / per_line) or 1 for part in text.splitlines() or [""])))


def _clipped(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class Fit:
    """The sheet's layout: the type size (pt), each task row's height (mm), and whether the plan fits."""

    font: float
    row_mm: float
    task_col_mm: float
    needed_mm: float        # the estimated height at the chosen size (before rows are stretched)
    spills: bool            # even at the floor the sheet would run onto a second page
    room: int               # how many more one-line tasks fit at the floor (0 when it spills)

    @property
    def warning(self) -> str:
        """What the editor shows; empty while the plan fits comfortably."""
        if self.spills:
            return ("按当前的任务数和文字长度，打印稿将超出一页 A4：请合并或精简主要任务，或缩短项目目标、"
                    "概述与预测的文字。")
        if self.room <= 2:
            return f"打印稿已接近一页 A4 的容量：最多还能再增加约 {self.room} 项主要任务。"
        return ""


def _estimate(font: float, texts: dict[str, Any]) -> tuple[float, float, list[int]]:
    """(height of everything but the task rows, task column width, lines of each task title) at `font` pt."""
    em = font * PT_MM
    line = LINE * em
    pad = PAD_EM * em + BORDER
    n_obj = max(texts["objectives"], 1)
    task_col = PAGE_W - n_obj * OBJ_COL - 12 * MONTH_COL - (SEQ_EM + OWNER_EM + DUE_EM + PROGRESS_EM) * em
    wide = PAGE_W - LABEL_EM * em
    fixed = 1.4 * line + 1.5                                        # title
    fixed += line + pad                                             # 项目领导 / 工作名称 / 日期
    fixed += _lines(texts["objective"], wide, em, 3) * line + pad   # 项目目标
    fixed += 2 * (line + pad)                                       # the matrix's two header rows
    fixed += max(0, 6 - texts["tasks"]) * (line + pad)              # blank rows keep the seed's shape
    legend = math.ceil(n_obj / 2) * (line + 0.6)
    costs = (min(texts["costs"], 5) + (texts["costs"] > 5) + (texts["costs"] > 0) or 1) * line
    fixed += max(legend, costs) + pad                               # 目标 legend and 成本
    fixed += _lines(texts["summary"], wide, em, 3) * line + pad     # 概述与预测
    fixed += max(SIGN_MM, line + pad)                               # 编制人 / 审核人 / 批准人
    fixed += 2 * 0.85 * line + 1.0                                  # the footnote (may wrap once)
    titles = [_lines(t, task_col, em, 2) for t in texts["titles"]]
    return fixed, task_col, titles


def fit(plan: OnePagePlan, sheet: dict[str, Any]) -> Fit:
    """Choose the largest type size at which the estimate fits the page, and stretch the task rows to fill it."""
    texts = {"objective": _clipped(plan.objective, CLIP["objective"]),
             "summary": _clipped(plan.summary, CLIP["summary"]), "objectives": len(sheet["objectives"]),
             "costs": len(sheet["costs"]), "tasks": len(sheet["rows"]),
             "titles": [_clipped(r.task.title, CLIP["task"]) for r in sheet["rows"]]}
    usable = PAGE_H * SAFETY
    for font in FONTS:
        fixed, task_col, titles = _estimate(font, texts)
        line = LINE * font * PT_MM
        pad = PAD_EM * font * PT_MM + BORDER
        rows = sum(n * line + pad for n in titles)
        if fixed + rows <= usable or font == FONTS[-1]:
            break
    spills = fixed + rows > usable
    # Room left is counted at the floor: a plan that prints large today can still take more tasks, smaller.
    floor_fixed, _, floor_titles = _estimate(FONTS[-1], texts)
    floor_line, floor_pad = LINE * FONTS[-1] * PT_MM, PAD_EM * FONTS[-1] * PT_MM + BORDER
    floor_rows = sum(n * floor_line + floor_pad for n in floor_titles)
    room = 0 if spills else max(0, int((usable - floor_fixed - floor_rows) // (floor_line + floor_pad)))
    # Stretch: the rows share what is left, each at least its own text and at most a few lines tall.
    tallest = max(titles, default=1)
    count = max(len(titles), 1)
    share = (usable - fixed) / count if not spills else 0
    row_mm = max(tallest * line + pad, min(share, MAX_ROW_LINES * line + pad))
    return Fit(font=font, row_mm=round(row_mm, 2), task_col_mm=round(task_col, 1), needed_mm=round(fixed + rows, 1),
               spills=spills, room=room)


def plan_fit(plan: OnePagePlan) -> Fit:
    return fit(plan, selectors.onepage_sheet(plan))


def sheet_context(plan: OnePagePlan) -> dict[str, Any]:
    sheet = selectors.onepage_sheet(plan)
    objectives = sheet["objectives"]
    # The objective list under the matrix runs in two columns, as the seed's table reads left to right.
    half = (len(objectives) + 1) // 2
    return {"plan": plan, "sheet": sheet, "clip": CLIP, "fit": fit(plan, sheet),
            "legend": list(zip(objectives[:half], [*objectives[half:], None], strict=False)),
            # The seed's table shows six task rows; a shorter plan keeps the shape with empty rows.
            "blanks": range(max(0, 6 - len(sheet["rows"])))}


def sheet_html(plan: OnePagePlan, request: Any = None) -> str:
    return render_to_string("goals/onepage_print.html", sheet_context(plan), request=request)


def sheet_document(plan: OnePagePlan) -> Any:
    """The laid-out WeasyPrint document (its `pages` tell how many pages the sheet takes)."""
    from weasyprint import HTML

    return HTML(string=render_to_string("goals/onepage_print.html", {**sheet_context(plan), "pdf": True})).render()


def sheet_pdf(plan: OnePagePlan) -> bytes:
    return sheet_document(plan).write_pdf()
