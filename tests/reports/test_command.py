"""`zhengai report self-diagnosis …` writes the report from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from tests.reports.test_reports import YEAR, adopt
from zhengai.reports import services
from zhengai.reports.choices import ReportKind
from zhengai.reports.models import Report


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", "self-diagnosis", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _text(path) -> str:
    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for row in t.rows for c in row.cells])


def test_school_docx_from_the_evidence_without_saving(college, tmp_path):
    adopt(college)
    out = tmp_path / "school.docx"
    _run("--entity", "school", "--period", str(YEAR), "--format", "docx", "-o", str(out),
         "--institution", college.institution.code)
    text = _text(out)
    assert "测试职业技术学院内部质量保证体系自我诊改报告" in text and "学校名称：测试职业技术学院" in text
    assert "6.4 体系特色" in text and "改进成效" in text and "校长（签字）" in text
    assert not Report.objects.exists()  # a draft for the command is never saved


def test_major_docx_uses_the_saved_report(college, other, tmp_path):
    adopt(college)
    major = college.majors["soft"]
    report = services.report_create(actor=college.users["major_leader"], kind=ReportKind.MAJOR, entity=major,
                                    year=YEAR)
    services.report_save(actor=college.users["major_leader"], report=report, overview="专业诊改概述：已保存的文字")
    out = tmp_path / "major.docx"
    # Two institutions here: the school's code picks the right one.
    _run("--entity", f"major:{major.code}", "--period", str(YEAR), "-o", str(out), "--institution",
         college.institution.code)
    text = _text(out)
    assert "专业诊改概述：已保存的文字" in text and "专业名称：软件技术" in text
    assert "报告人（签字）" in text and "部门负责人（签字）" in text


def test_school_code_as_entity_and_html(college, tmp_path):
    adopt(college)
    out = tmp_path / "school.html"
    _run("--entity", f"school:{college.institution.code}", "--period", str(YEAR), "--format", "html", "-o",
         str(out))
    assert "1.1 质量保证理念" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("entity,message", [
    ("major:999999", "没有代码为“999999”的专业"),
    ("course:NOPE", "没有代码为“NOPE”的课程"),
    ("college:U90", "不是二级学院"),
    ("planet:1", "未知的报告对象类型“planet”"),
    ("major", "请写明专业的代码"),
])
def test_clear_chinese_errors(college, tmp_path, entity, message):
    adopt(college)
    with pytest.raises(CommandError, match=message):
        _run("--entity", entity, "--period", str(YEAR), "-o", str(tmp_path / "x.docx"))


def test_unknown_institution_and_no_framework(college, other, tmp_path):
    with pytest.raises(CommandError, match="有多所院校"):
        _run("--entity", "school", "--period", str(YEAR), "-o", str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match="没有院校代码为“99999”"):
        _run("--entity", "school", "--period", str(YEAR), "-o", str(tmp_path / "x.docx"), "--institution", "99999")
    with pytest.raises(CommandError, match="还没有采用诊断项目表"):
        _run("--entity", "school", "--period", str(YEAR), "-o", str(tmp_path / "x.docx"), "--institution",
             other.institution.code)
