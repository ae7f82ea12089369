"""Layout of the Word files the reports are rendered to, shared by the built-in template's builder
(builtin/make_template.py) and the rendering's post-processing: column widths a word processor keeps, table
header rows that repeat on every page, and 第 X 页 共 Y 页 in the footer."""

from __future__ import annotations

from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn


def fixed_widths(table, widths) -> None:
    """Column widths a word processor keeps: fixed layout, the table's grid, every cell, the table's width."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = tbl_pr.makeelement(qn("w:tblW"), {})
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(int(w.twips) for w in widths)))


def repeat_header(row) -> None:
    """The row repeats at the top of every page the table runs onto (w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:tblHeader")) is None:
        tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / shown value / end runs."""
    for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None), (None, "1"),
                       ("end", None)):
        run = paragraph.add_run()
        if kind:
            run._r.append(run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind}))
        elif text.strip() == instruction:
            instr = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text


def page_numbers(section) -> Any:
    """第 X 页 共 Y 页, centred in the section's footer; returns the paragraph."""
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("第 ")
    _field(p, "PAGE")
    p.add_run(" 页 共 ")
    _field(p, "NUMPAGES")
    p.add_run(" 页")
    return p


def has_page_numbers(document: Any) -> bool:
    """Whether a footer of `document` already carries a PAGE field (a college's template may number its pages
    in its own way: then it is left alone)."""
    for section in document.sections:
        for footer in (section.footer, section.first_page_footer, section.even_page_footer):
            if footer.is_linked_to_previous:
                continue
            root = footer._element
            codes = [t.text or "" for t in root.iter(qn("w:instrText"))]
            codes += [f.get(qn("w:instr")) or "" for f in root.iter(qn("w:fldSimple"))]
            if any(c.split()[:1] == ["PAGE"] for c in codes):
                return True
    return False


def usable_width(section: Any) -> int:
    """The text width of `section`, in EMU."""
    return int(section.page_width - section.left_margin - section.right_margin)
