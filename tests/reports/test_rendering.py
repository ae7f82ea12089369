"""Word, PDF and HTML output: the generated .docx opens in LibreOffice and converts to PDF with its Chinese text
intact; the PDF from the HTML embeds the CJK font; a college's own template is accepted only when it renders."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document

from tests.reports.test_reports import YEAR, adopt
from zhengai.core.models import AuditEntry
from zhengai.reports import rendering, services
from zhengai.reports.choices import ReportKind
from zhengai.reports.models import WordTemplate

SOFFICE = "/usr/bin/soffice"
OPINION_A = "专业建设规划目标基本达成，年度任务完成率百分之九十二。"
OPINION_P = "存在问题：校企合作深度不够，原因是合作机制尚未健全。"


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    return "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for row in t.rows for c in row.cells])


def _streams(data: bytes) -> list[tuple[bytes, bytes]]:
    """(dictionary, decoded stream) of every stream in a PDF."""
    out = []
    for m in re.finditer(rb"<<((?:(?!stream).)*?)>>\s*stream\r?\n(.*?)\r?\nendstream", data, re.S):
        body = m.group(2)
        if b"FlateDecode" in m.group(1):
            try:
                body = zlib.decompress(body)
            except zlib.error:
                continue
        out.append((m.group(1), body))
    return out


def pdf_text(data: bytes) -> str:
    """The text of a PDF whose objects are not in object streams (LibreOffice's): each page's text operators
    read through the ToUnicode map of the font in use. The machines have neither poppler's pdftotext nor a PDF
    library, and a dozen lines of reading are enough for the check."""
    objs = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

    def stream(n: int) -> bytes:
        m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", objs[n], re.S)
        raw = m.group(1) if m else b""
        return zlib.decompress(raw) if b"FlateDecode" in objs[n][: m.start() if m else 0] else raw

    def cmap(n: int) -> dict[int, str]:
        text, table = stream(n), {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
            for a, b, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                for i, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                    table[code] = chr(int(dst, 16) + i)
        return table

    out: list[str] = []
    for body in objs.values():
        if not re.search(rb"/Type\s*/Page[^s]", body):
            continue
        res = body
        ref = re.search(rb"/Resources\s+(\d+) 0 R", body)
        if ref:
            res = objs[int(ref.group(1))]
        fonts_dict = re.search(rb"/Font\s*<<(.*?)>>", res, re.S)
        if fonts_dict is None:  # the font dictionary as an object of its own
            ref = re.search(rb"/Font\s+(\d+) 0 R", res)
            fonts_dict = re.search(rb"<<(.*?)>>", objs[int(ref.group(1))], re.S) if ref else None
        fonts = {}
        for name, n in re.findall(rb"/(\w+)\s+(\d+) 0 R", fonts_dict.group(1) if fonts_dict else b""):
            tu = re.search(rb"/ToUnicode\s+(\d+) 0 R", objs[int(n)])
            fonts[name] = cmap(int(tu.group(1))) if tu else {}
        content = re.search(rb"/Contents\s+(\d+) 0 R", body)
        table: dict[int, str] = {}
        for tok in re.finditer(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>", stream(int(content.group(1)))):
            if tok.group(1):
                table = fonts.get(tok.group(1), {})
            else:
                h = tok.group(2).decode()
                width = 4 if any(k > 255 for k in table) else 2
                out.extend(table.get(int(h[i:i + width], 16), "") for i in range(0, len(h), width))
    return "".join(out)


def written_major_report(college):
    adopt(college)
    report = services.report_create(actor=college.users["major_leader"], kind=ReportKind.MAJOR,
                                    entity=college.majors["soft"], year=YEAR)
    row = report.rows.get(element_label="2.1 专业建设规划")
    services.report_save(actor=college.users["major_leader"], report=report, overview="本专业自我诊改工作概述。",
                         rows=[{"id": row.pk, "applicable": True, "achievements": OPINION_A, "problems": OPINION_P,
                                "measures": "修订合作协议，建立季度例会。", "effects": "措施尚未实施。"}])
    return report


def test_docx_has_the_report(college):
    report = written_major_report(college)
    services.report_submit(actor=college.users["major_leader"], report=report)
    services.report_sign_head(actor=college.users["head"], report=report)
    report.refresh_from_db()
    text = _docx_text(rendering.render_docx(report))
    for expected in ("软件技术专业自我诊改报告", "专业名称：软件技术", "本专业自我诊改工作概述。", "2.1 专业建设规划",
                     OPINION_A, OPINION_P, "修订合作协议，建立季度例会。", "改进效果", "报告人（签字）：软件专业带头人",
                     "部门负责人（签字）：信息学院院长"):
        assert expected in text
    assert "{{" not in text and "{%" not in text


def test_school_docx_heads_the_last_column_as_the_seed_does(college):
    adopt(college)
    report = services.report_create(actor=college.users["quality"], kind=ReportKind.SCHOOL,
                                    entity=college.institution, year=YEAR)
    text = _docx_text(rendering.render_docx(report))
    assert "改进成效" in text and "学校名称：测试职业技术学院" in text and "（500 字以内）" in text
    assert "校长（签字）" in text and "报告人（签字）" not in text
    doc = Document(io.BytesIO(rendering.render_docx(report)))
    assert len(doc.tables[0].rows) == 1 + 16  # the header and the seed template's 16 rows


@pytest.mark.skipif(not Path(SOFFICE).exists(), reason="LibreOffice (/usr/bin/soffice) is not installed")
def test_docx_converts_to_pdf_in_libreoffice_and_keeps_its_chinese(college, tmp_path):
    report = written_major_report(college)
    source = tmp_path / "report.docx"
    source.write_bytes(rendering.render_docx(report))
    profile = Path(f"/tmp/lo-{uuid.uuid4().hex}")
    try:
        done = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                               "pdf", "--outdir", str(tmp_path), str(source)], capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = tmp_path / "report.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr.decode(errors="replace")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    # A CJK font is embedded, and the Chinese reads back from the PDF.
    assert re.search(rb"/BaseFont\s*/\w+\+\w*CJK", data) and b"/FontFile" in data
    text = pdf_text(data)
    for expected in ("软件技术专业自我诊改报告", "本专业自我诊改工作概述。", "2.1 专业建设规划", OPINION_A, OPINION_P,
                     "报告人（签字）"):
        assert expected in text


def test_pdf_from_html_embeds_the_cjk_font(college):
    report = written_major_report(college)
    data = rendering.render_pdf(report)
    assert data.startswith(b"%PDF") and len(data) > 5000
    decoded = b"".join(body for _, body in _streams(data))
    assert re.search(rb"/BaseFont\s*/\w+\+Noto-Sans-CJK-SC", decoded) and b"/FontFile" in decoded
    # A4 portrait: 595 × 842 points.
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d* 841\.\d*|/MediaBox\s*\[\s*0 0 595 842", decoded + data)


def test_html(college):
    report = written_major_report(college)
    html = rendering.render_html(report)
    assert "A4 portrait" in html and "Noto Sans CJK SC" in html and OPINION_P in html


def test_downloads(college, login):
    report = written_major_report(college)
    client = login(college.users["major_leader"])
    docx = client.get(reverse("reports:report_docx", args=[report.pk]))
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert OPINION_A in _docx_text(docx.content)
    pdf = client.get(reverse("reports:report_pdf", args=[report.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert OPINION_A in client.get(reverse("reports:report_html", args=[report.pk])).content.decode()


def _custom_template(body: str) -> bytes:
    doc = Document()
    doc.add_paragraph(body)
    table = doc.add_table(rows=3, cols=2)
    table.rows[0].cells[0].text = "{%tr for row in rows %}"
    table.rows[1].cells[0].text = "{{ row.element }}"
    table.rows[1].cells[1].text = "{{ row.opinion }}"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_a_college_template_replaces_the_builtin_one(college):
    report = written_major_report(college)
    services.template_upload(actor=college.users["quality"], institution=college.institution, kind="major",
                             name="本校专业报告模板.docx", data=_custom_template("本校格式：{{ title }}"))
    text = _docx_text(rendering.render_docx(report))
    assert "本校格式：软件技术专业自我诊改报告" in text and OPINION_A in text
    assert "填写要求" not in text  # the built-in template's own text is gone
    # A second upload replaces the first; deactivating it brings the built-in one back.
    second = services.template_upload(actor=college.users["quality"], institution=college.institution,
                                      kind="major", name="第二版.docx", data=_custom_template("第二版：{{ title }}"))
    assert WordTemplate.objects.filter(kind="major", active=True).get() == second
    services.template_deactivate(actor=college.users["quality"], template=second)
    assert "填写要求" in _docx_text(rendering.render_docx(report))


def test_a_template_that_does_not_render_is_refused(college):
    with pytest.raises(ValidationError, match="不是 Word 文档"):
        services.template_upload(actor=college.users["quality"], institution=college.institution, kind="major",
                                 name="x.docx", data=b"not a zip")
    with pytest.raises(ValidationError, match="无法用样例数据生成报告"):
        services.template_upload(actor=college.users["quality"], institution=college.institution, kind="major",
                                 name="x.docx", data=_custom_template("{{ title "))
    with pytest.raises(PermissionDenied):
        services.template_upload(actor=college.users["head"], institution=college.institution, kind="major",
                                 name="x.docx", data=_custom_template("{{ title }}"))
    assert not WordTemplate.objects.exists()


def test_template_page_is_the_quality_offices(college, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert login(college.users["head"]).get(reverse("reports:template_list")).status_code == 403
    client = login(college.users["quality"])
    assert client.get(reverse("reports:template_list")).status_code == 200
    bad = client.post(reverse("reports:template_list"), {
        "kind": "school", "file": SimpleUploadedFile("bad.docx", _custom_template("{% if %}"))})
    assert bad.status_code == 200 and "无法用样例数据生成报告" in bad.content.decode()
    good = client.post(reverse("reports:template_list"), {
        "kind": "school", "file": SimpleUploadedFile("good.docx", _custom_template("{{ title }}"))})
    assert good.status_code == 302 and WordTemplate.objects.get().name == "good.docx"
    assert client.get(reverse("reports:builtin_template")).content[:2] == b"PK"


def test_a_report_download_is_logged_with_who_and_what(college, login):
    report = written_major_report(college)
    assert login(college.users["major_leader"]).get(reverse("reports:report_docx", args=[report.pk])).status_code == 200
    entry = AuditEntry.objects.get(action="download")
    assert (entry.actor, entry.institution, entry.object_id) == (college.users["major_leader"], college.institution,
                                                                 str(report.pk))
    assert entry.changes["内容"] == f"{report}.docx" and entry.get_action_display() == "下载"
