"""Writes the built-in Word template of the self-diagnosis reports, `self_diagnosis.docx`, with python-docx.

Run it again after changing it: `python src/zhengai/reports/builtin/make_template.py`. The template is a
docxtpl (Jinja) document — a college's own template uses the same names, listed in rendering.CONTEXT_HELP:
title, entity_label, entity_name, period, overview_heading, overview, columns, rows (project, element,
opinion, measures, effects), signatures (label, name, date), notes."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from zhengai.reports import wordlayout

HERE = Path(__file__).resolve().parent
# A CJK font every platform maps to something: Word shows 宋体; LibreOffice without it substitutes a
# CJK font through fontconfig. Latin text in Times New Roman, as official documents do.
EAST_ASIA = "宋体"
LATIN = "Times New Roman"
# The report table sits in a landscape section (A4, 2 cm margins: 25.7 cm of text width) so that the opinion, up
# to 500 字, reads as prose (about 28 字 a line at 五号) and the measures and effects (200 字 each) as short
# paragraphs, not a column of 8 字 that splits numbers. The widths are written three times — the table's grid,
# each cell and a fixed layout — because Word, LibreOffice and WPS each read a different one.
WIDTHS = [Cm(2.2), Cm(3.0), Cm(10.5), Cm(5.0), Cm(5.0)]


def _font(style_or_run, size: float | None = None, bold: bool | None = None) -> None:
    font = style_or_run.font
    font.name = LATIN
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = style_or_run.element if hasattr(style_or_run, "element") else style_or_run._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), EAST_ASIA if attr == "w:eastAsia" else LATIN)
    # Simplified Chinese text: a renderer that lacks 宋体 then falls back to a simplified-Chinese font.
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _para(doc, text: str, *, size: float = 12, bold: bool = False, center: bool = False):
    p = doc.add_paragraph()
    run = p.add_run(text)
    _font(run, size, bold)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def page_numbers(section) -> None:
    paragraph = wordlayout.page_numbers(section)
    for run in paragraph.runs:
        _font(run, 9)


def build(path: Path = HERE / "self_diagnosis.docx") -> Path:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    section.top_margin = section.bottom_margin = Cm(2.2)
    _font(doc.styles["Normal"], 10.5)
    _para(doc, "{{ title }}", size=16, bold=True, center=True)
    _para(doc, "{{ entity_label }}：{{ entity_name }}　　学年：{{ period }}")
    _para(doc, "一、自我诊改工作概述{{ overview_heading }}", size=14, bold=True)
    _para(doc, "{{ overview }}")
    page_numbers(section)
    # The table and what follows it (signatures, notes, the 数据来源 appendix) in a landscape section.
    wide = doc.add_section(WD_SECTION.NEW_PAGE)
    wide.orientation = WD_ORIENT.LANDSCAPE
    wide.page_width, wide.page_height = Cm(29.7), Cm(21)
    wide.left_margin = wide.right_margin = Cm(2)
    wide.top_margin = wide.bottom_margin = Cm(2)
    _para(doc, "二、自我诊断与改进报告表", size=14, bold=True)
    table = doc.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = ["{{ columns[0] }}", "{{ columns[1] }}", "{{ columns[2] }}", "{{ columns[3] }}", "{{ columns[4] }}"]
    body = ["{{ row.project }}", "{{ row.element }}", "{{ row.opinion }}", "{{ row.measures }}",
            "{{ row.effects }}"]
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(text), 10.5, True)
    # docxtpl's {%tr %} tags take a table row each: the loop repeats the row between them.
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for row in rows %}")
    for i, text in enumerate(body):
        _font(table.rows[2].cells[i].paragraphs[0].add_run(text), 10.5)
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    wordlayout.fixed_widths(table, WIDTHS)
    wordlayout.repeat_header(table.rows[0])
    _para(doc, "")
    doc.add_paragraph("{%p for s in signatures %}")
    _para(doc, "{{ s.label }}：{{ s.name }}　　　　{{ s.date }}")
    doc.add_paragraph("{%p endfor %}")
    _para(doc, "")
    doc.add_paragraph("{%p if notes %}")
    _para(doc, "填写要求", bold=True)
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p for n in notes %}")
    _para(doc, "{{ n }}", size=9)
    doc.add_paragraph("{%p endfor %}")
    doc.core_properties.title = "内部质量保证体系自我诊改报告"
    doc.core_properties.author = ""
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
