"""The Word file reads as a document: the opinion, measures and effects columns wide enough for prose (fixed
widths a word processor keeps), the table's header row repeated on every page, 第 X 页 共 Y 页 in the footer,
figures formatted by the one rule of core.numbers — and the built-in template still passes the sandbox."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from tests.monitoring.conftest import build_state
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring import services as monitoring
from zhengai.reports import rendering, services
from zhengai.reports.choices import ReportKind
from zhengai.standards.services import library_load

from .test_rendering import SOFFICE, pdf_text
from .test_reports import adopt

LONG = ("专业对口就业率达到90.5263%，较上年提高3.5个百分点；1+X证书通过率75%，C++与Web/App课程改革完成。" * 4)[:190]


def _long_report(college):
    """The software major's report of 2024-2025 on measured state data, seven elements written at length."""
    adopt(college, "wuhan-software")
    library_load(college.institution)
    year = ensure_academic_year(2024)
    build_state(college, year)
    monitoring.recompute(institution=college.institution, period=year)
    report = services.report_create(actor=college.users["major_leader"], kind=ReportKind.MAJOR,
                                    entity=college.majors["soft"], year=2024)
    rows = [{"id": r.pk, "achievements": LONG, "problems": LONG, "measures": LONG[:150], "effects": "措施尚未实施。"}
            for r in report.rows.filter(applicable=True)[:7]]
    services.report_save(actor=college.users["major_leader"], report=report, overview="概述。", rows=rows)
    return report


def _widths(table) -> list[int]:
    return [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.iter(qn("w:gridCol"))]


def _has_header(table) -> bool:
    tr_pr = table.rows[0]._tr.trPr
    return tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None


def test_word_columns_are_wide_headers_repeat_and_pages_are_numbered(college):
    report = _long_report(college)
    document = Document(io.BytesIO(rendering.render_docx(report)))
    main, sources = document.tables[0], document.tables[-1]
    assert len(document.tables) == 2 and len(sources.rows) > 3
    assert [c.text for c in main.rows[0].cells] == rendering.columns(report)
    # The prose columns: fixed layout, the opinion at least 10 cm (about 28 字 a line), measures and effects
    # at least 4.5 cm; every cell of the body carries the same width as the grid.
    grid = _widths(main)
    twips = int(Cm(1).twips)
    assert grid[2] >= 10 * twips and min(grid[3], grid[4]) >= 4.5 * twips, grid
    assert main._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    assert {int(r.cells[2]._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for r in main.rows} == {grid[2]}
    assert _has_header(main) and _has_header(sources)
    # The 数据来源 table fills the text width of its page, its figures formatted as on every page.
    section = document.sections[-1]
    text_width = int((section.page_width - section.left_margin - section.right_margin) / 635)  # EMU → twips
    assert abs(sum(_widths(sources)) - text_width) < 20
    for row in sources.rows[1:]:
        value = row.cells[3].text
        assert value == "无数据" or not re.search(r"\.\d{3,}", value), value
    # 第 X 页 共 Y 页: the PAGE and NUMPAGES fields in the footer.
    footer = document.sections[0].footer
    codes = [t.text.strip() for t in footer._element.iter(qn("w:instrText"))]
    assert codes == ["PAGE", "NUMPAGES"] and "第" in footer.paragraphs[0].text and "页 共" in footer.paragraphs[0].text


def test_the_builtin_template_passes_the_sandbox():
    rendering.check_template(rendering.BUILTIN_TEMPLATE.read_bytes())


@pytest.mark.skipif(not Path(SOFFICE).exists(), reason="LibreOffice (/usr/bin/soffice) is not installed")
def test_libreoffice_numbers_the_pages_and_repeats_the_header(college, tmp_path):
    source = tmp_path / "report.docx"
    source.write_bytes(rendering.render_docx(_long_report(college)))
    profile = Path(f"/tmp/lo-{uuid.uuid4().hex}")
    try:
        done = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                               "pdf", "--outdir", str(tmp_path), str(source)], capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    text = pdf_text((tmp_path / "report.pdf").read_bytes())
    pages = [int(n) for n in re.findall(r"第\s*(\d+)\s*页\s*共\s*\d+\s*页", text)]
    assert len(pages) >= 3 and pages[:3] == [1, 2, 3], text[:400]
    # The table runs over several pages and its header row heads each of them.
    assert text.count("诊断项目诊断要素自我诊断意见改进措施改进效果") >= 2
