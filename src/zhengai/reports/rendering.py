"""Output of a self-diagnosis report: Word (.docx) from the built-in template or the college's own (docxtpl),
an HTML page, and PDF rendered from that page (WeasyPrint, Chinese in Noto Sans CJK SC, A4 portrait)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from zhengai.core.numbers import with_unit

from . import evidence, rules, sandbox, wordlayout
from .choices import ReportKind
from .models import Report, ReportRow, WordTemplate

BUILTIN_TEMPLATE = Path(__file__).resolve().parent / "builtin" / "self_diagnosis.docx"
COLUMNS = ["诊断项目", "诊断要素", "自我诊断意见", "改进措施", "改进效果"]
ENTITY_LABELS = {ReportKind.SCHOOL: "学校名称", ReportKind.COLLEGE: "部门名称", ReportKind.DEPARTMENT: "部门名称",
                 ReportKind.MAJOR: "专业名称", ReportKind.COURSE: "课程名称", ReportKind.TEACHER: "教师姓名"}
BLANK_NAME = "＿＿＿＿＿＿"
BLANK_DATE = "＿＿＿＿年＿＿月＿＿日"
NOT_FILLED = "／"
# The names a college's own template may use (shown on the upload page).
CONTEXT_HELP = [
    ("title", "报告标题"), ("entity_label", "“学校名称”“部门名称”等"),
    ("entity_name", "学校、部门、专业、课程或教师名称"),
    ("period", "学年"), ("overview_heading", "概述标题后的字数说明"), ("overview", "自我诊改工作概述"),
    ("columns", "表头五列"), ("rows", "表格各行：row.project、row.element、row.opinion、row.achievements、"
                                   "row.problems、row.measures、row.effects、row.applicable"),
    ("signatures", "签字：s.label、s.name、s.date"), ("notes", "填写要求"), ("version", "版本"), ("state", "状态"),
]


def _date(value) -> str:
    if not value:
        return BLANK_DATE
    d = timezone.localtime(value).date() if hasattr(value, "hour") else value
    return f"{d.year}年{d.month}月{d.day}日"


def _name(user) -> str:
    return (getattr(user, "display_name", "") or str(user)) if user else BLANK_NAME


def signatures(report: Report) -> list[dict[str, str]]:
    """Seed 004 附件2 has the president sign the school report; seed 003 附件4 the reporter and the head."""
    if report.kind == ReportKind.SCHOOL:
        return [{"label": "校长（签字）", "name": _name(report.president), "date": _date(report.president_signed_at)}]
    return [{"label": "报告人（签字）", "name": _name(report.reporter), "date": _date(report.reported_at)},
            {"label": "部门负责人（签字）", "name": _name(report.head), "date": _date(report.head_signed_at)}]


def columns(report: Report) -> list[str]:
    template = (report.framework.extra or {}).get("report_template") or {} if report.framework_id else {}
    if report.kind == ReportKind.SCHOOL:
        found = template.get("columns") if template.get("projects") else None
        return list(found) if found and len(found) == 5 else COLUMNS[:4] + ["改进成效"]
    return COLUMNS


def notes(report: Report, limits: rules.Limits) -> list[str]:
    return ["1. 报告内容必须真实、准确。",
            "2. 自我诊断意见需阐明目标达成程度、主要成绩、存在问题、原因分析；存在问题与原因分析"
            f"{'篇幅不少于 1/2' if limits.share_max is None else '应占一半左右篇幅'}。",
            "3. 改进效果指实施改进措施之后已经显现的实际效果，不是预测或估计成效；措施尚未实施的，请加说明。",
            "4. 字数要求：" + "；".join(limits.describe()[:-1]) + "。"]


SOURCE_COLUMNS = ["质控点", "对象", "统计期间", "测量值", "状态", "数据版本", "计算时间"]


def sources(report: Report, rows: list[ReportRow], figures: dict[Any, dict[str, Any]] | None = None
            ) -> list[dict[str, Any]]:
    """数据来源: every figure the report rests on (the measurements in its rows' evidence), once each, with its
    QC point, period, data version and computation time — what makes two reports of one period comparable.
    The figures are read now (`evidence.current`), through the pins of a signed report."""
    figures = evidence.current(report, rows) if figures is None else figures
    entity = report.entity
    name = getattr(entity, "name", str(entity))
    seen, out = set(), []
    for r in rows:
        if not r.applicable:
            continue
        for q in evidence_of(figures, r).get("qc_points", []):
            for m in q.get("measurements", []):
                key = (q.get("code"), m.get("period"))
                if key in seen:
                    continue
                seen.add(key)
                value = m.get("value")
                out.append({"code": q.get("code", ""), "qc_point": f"{q.get('code', '')} {q.get('name', '')}",
                            "entity": name, "period": m.get("period", ""),
                            # One rule for numbers everywhere (core.numbers): "90.53%", never "90.5263%".
                            "value": "无数据" if value is None else with_unit(value, q.get("unit", "")),
                            "status": m.get("status_label", ""),
                            "version": f"第{m['version']}版" if m.get("version") else "—",
                            "computed_at": m.get("computed_at", "—"), "id": m.get("id")})
    return sorted(out, key=lambda s: (s["code"], s["period"]))


def evidence_of(figures: dict[Any, dict[str, Any]], row: ReportRow) -> dict[str, Any]:
    return figures.get(row.pk if row.pk else id(row), row.evidence or {})


def context(report: Report, rows: list[ReportRow] | None = None, *, listing: bool = False) -> dict[str, Any]:
    """What every output shows. `listing` wraps multi-line texts for docxtpl (line breaks kept in Word)."""
    from docxtpl import Listing


    rows = list(report.rows.all()) if rows is None else rows
    wrap = Listing if listing else (lambda s: s)
    limits = rules.limits_of(report)
    out_rows, last = [], None
    for r in rows:
        filled = r.applicable
        out_rows.append({
            "project": r.project_label if r.project_label != last else "", "element": r.element_label,
            "opinion": wrap(r.opinion if filled else NOT_FILLED), "achievements": wrap(r.achievements),
            "problems": wrap(r.problems), "measures": wrap(r.measures if filled else NOT_FILLED),
            "effects": wrap(r.effects if filled else NOT_FILLED), "applicable": filled,
            "project_first": r.project_label != last})
        last = r.project_label
    entity = report.entity
    return {"title": report.title, "entity_label": ENTITY_LABELS[report.kind],
            "entity_name": getattr(entity, "name", str(entity)), "period": report.period.name,
            "overview_heading": f"（{limits.overview} 字以内）" if limits.overview else "",
            "overview": wrap(report.overview), "columns": columns(report), "rows": out_rows,
            "signatures": signatures(report), "notes": notes(report, limits), "version": report.version,
            "state": report.get_state_display(), "sources": sources(report, rows)}


def active_template(institution: Any, kind: str) -> WordTemplate | None:
    return (WordTemplate.objects.filter(institution=institution, kind=kind, active=True)
            .order_by("-uploaded_at", "-pk").first())


def _render(template_source: Any, ctx: dict[str, Any]) -> bytes:
    # The built-in template and a college's own go through the same sandbox: one path, no trusted exception.
    return sandbox.render_docx(template_source, ctx)


def render_docx(report: Report, rows: list[ReportRow] | None = None) -> bytes:
    """The report as Word: the institution's active template of this kind, else the built-in one, ending with
    the 数据来源 appendix (added after rendering, so that a college's own template cannot leave it out)."""
    custom = active_template(report.institution, report.kind)
    ctx = context(report, rows, listing=True)
    if custom is not None:
        with custom.file.open("rb") as f:
            return append_sources(_render(io.BytesIO(f.read()), ctx), ctx["sources"])
    return append_sources(_render(str(BUILTIN_TEMPLATE), ctx), ctx["sources"])


SOURCE_WEIGHTS = [7, 4, 3.5, 3, 2, 2, 3.5]


def append_sources(data: bytes, found: list[dict[str, Any]]) -> bytes:
    """The rendered document with the 数据来源 appendix as its last part: a heading and one table row a figure,
    its columns sized to the page and its header repeated on every page; and page numbers in the footer
    (第 X 页 共 Y 页) when the template has none of its own."""
    from docx import Document
    from docx.shared import Emu, Pt

    document = Document(io.BytesIO(data))
    document.add_paragraph().add_run("附：数据来源").bold = True
    if not found:
        document.add_paragraph("本报告未引用平台测量结果。")
    else:
        document.add_paragraph("报告中引用的每项测量结果：质控点、统计期间、数据版本和计算时间。")
        table = document.add_table(rows=1, cols=len(SOURCE_COLUMNS))
        try:
            table.style = "Table Grid"
        except (KeyError, ValueError):
            pass  # a college's template without Word's grid style: the table stays plain
        for cell, text in zip(table.rows[0].cells, SOURCE_COLUMNS, strict=True):
            cell.text = text
        for item in found:
            cells = table.add_row().cells
            values = [item["qc_point"], item["entity"], item["period"], str(item["value"]), item["status"],
                      item["version"], item["computed_at"]]
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
        for row in table.rows:
            for cell in row.cells:
                for run in (r for p in cell.paragraphs for r in p.runs):
                    run.font.size = Pt(9)
        width = wordlayout.usable_width(document.sections[-1])
        weights = sum(SOURCE_WEIGHTS)
        wordlayout.fixed_widths(table, [Emu(int(width * w / weights)) for w in SOURCE_WEIGHTS])
        wordlayout.repeat_header(table.rows[0])
    if not wordlayout.has_page_numbers(document):
        wordlayout.page_numbers(document.sections[0])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def sample_context() -> dict[str, Any]:
    """Data to try an uploaded template with before accepting it."""
    from docxtpl import Listing

    row = {"project": "1 体系总体构架", "element": "1.1 质量保证理念", "opinion": Listing("目标达成……\n存在问题……"),
           "achievements": Listing("目标达成……"), "problems": Listing("存在问题……"), "measures": Listing("改进措施……"),
           "effects": Listing("措施尚未实施。"), "applicable": True, "project_first": True}
    return {"title": "内部质量保证体系自我诊改报告（样例）", "entity_label": "学校名称", "entity_name": "样例学院",
            "period": "2025-2026学年", "overview_heading": "（500 字以内）", "overview": Listing("概述……"),
            "columns": COLUMNS, "rows": [row, {**row, "project": "", "project_first": False}],
            "signatures": [{"label": "校长（签字）", "name": BLANK_NAME, "date": BLANK_DATE}],
            "notes": ["1. 报告内容必须真实、准确。"], "version": 1, "state": "编写中"}


def check_template(data: bytes) -> None:
    """Refuse a file that is not a Word document, that uses what a report template may not (sandbox.problems),
    or that does not render with sample data within the trial's time and memory limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/document.xml" not in z.namelist():
                raise ValidationError("文件不是 Word 文档（.docx）")
    except zipfile.BadZipFile as exc:
        raise ValidationError("文件不是 Word 文档（.docx）") from exc
    out = sandbox.check_uploaded(data, sample_context())
    if not out:
        raise ValidationError("模板生成的报告为空")


def render_html(report: Report, rows: list[ReportRow] | None = None, *, standalone: bool = True,
                links: bool = True) -> str:
    """`links`: each figure of the 数据来源 appendix links to its measurement (not in a PDF, read offline)."""
    return render_to_string("reports/report_print.html", {**context(report, rows), "standalone": standalone,
                                                          "links": links})


def render_pdf(report: Report, rows: list[ReportRow] | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(report, rows, links=False)).write_pdf()
