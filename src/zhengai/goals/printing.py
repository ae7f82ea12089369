"""The printable one-page plan (一页纸工作计划报表, seed 002 表2–3) as HTML and as PDF.

The sheet is laid out for ONE A4 landscape page: fixed column widths, small type, and every free text clipped
(ellipsised in the cell and shortened on the server), so up to about twelve tasks and eight objectives never
spill onto a second page however long the typed texts are."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from . import selectors
from .models import OnePagePlan

# How many characters of each free text the sheet shows; the rest is on the plan's page.
CLIP = {"name": 60, "objective": 260, "summary": 320, "task": 40, "objective_text": 46, "owner": 8}


def sheet_context(plan: OnePagePlan) -> dict[str, Any]:
    sheet = selectors.onepage_sheet(plan)
    objectives = sheet["objectives"]
    # The objective list under the matrix runs in two columns, as the seed's table reads left to right.
    half = (len(objectives) + 1) // 2
    return {"plan": plan, "sheet": sheet, "clip": CLIP,
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
