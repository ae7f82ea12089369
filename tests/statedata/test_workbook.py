"""The national state-data workbook (2016 layout): catalogue first, A-sheets with a title row, two header rows
and a field-code row; supported sheets into their tables, others named, all or nothing with every bad cell."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from zhengai.statedata import models as sd
from zhengai.statedata.choices import ImportStatus
from zhengai.statedata.workbook import import_workbook

pytestmark = pytest.mark.django_db


def national(sheets: dict[str, tuple[list, list, list, list[list]]], year: str = "2024-2025") -> bytes:
    """A workbook as the national system exports it: 状态数据目录 first, then each sheet with its title row,
    two header rows (a group heading above its sub-columns), the field-code row and the data."""
    workbook = Workbook()
    catalogue = workbook.active
    catalogue.title = "状态数据目录"
    catalogue.append([f"人才培养工作状态数据采集表（{year}学年）"])
    for name in sheets:
        catalogue.append([name])
    for name, (upper, lower, codes, rows) in sheets.items():
        ws = workbook.create_sheet(name)
        ws.append([name])
        ws.append(upper)
        ws.append(lower)
        ws.append(codes)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ADMISSION = (["专业代码", "专业名称", "计划招生数", "实际录取数", "实际报到数", "报到生源", ""],
             ["", "", "", "", "", "本地市", "本省"],
             ["MAJOR", "MAJOR__NAME", "PLANNED", "ADMITTED", "ENROLLED", "FROM_CITY", "FROM_PROVINCE"])
# Columns in another order than the importer's, so that mapping by field code (not position) is tested.
MAJORS = (["在校生数", "专业代码", "专业名称"], ["", "", ""], ["STUDENTS", "MAJOR", "MAJOR__NAME"])


def workbook(admission_rows=None) -> bytes:
    return national({
        "A7-1-1 开设专业表": (*MAJORS, [[120, "510201", "计算机应用技术"], [80, "460104", ""]]),
        "A7-6-1 招生表": (*ADMISSION, admission_rows or [["510201", "计算机应用技术", 50, 48, 45, 20, 40]]),
        "A9-5 质量工程表": (["名称"], [""], ["MC"], [["x"]]),
        "B10 平台逻辑校验表": (["校验"], [""], [""], []),
    })


def test_workbook_rows_per_table(college):
    result = import_workbook(data=workbook(), filename="10001_2016_V2.16.xlsx", institution=college.institution,
                             actor=college.users["steward"])
    assert result.ok, [str(e) for e in result.errors]
    assert result.period == "2024-2025"
    majors = {r.major.code: r.students for r in sd.MajorYear.objects.filter(institution=college.institution)}
    assert majors == {"510201": 120, "460104": 80}
    admission = sd.Admission.objects.get(institution=college.institution)
    assert (admission.planned, admission.enrolled, admission.from_city, admission.from_province) == (50, 45, 20, 40)
    assert admission.period.code == "2024-2025" and admission.last_import.status == ImportStatus.OK
    assert sd.RowChange.objects.filter(record=admission.last_import).count() == 1
    unsupported = {s.code: s.table for s in result.unsupported}
    assert unsupported == {"": "目录", "A9-5": "本平台尚不支持该表", "B10": "分析表，由A表计算"}


def test_bad_cell_refuses_the_whole_workbook(college):
    bad = [["510201", "", 50, "四十八", 45, "", ""], ["999999", "", 1, 1, 1, "", ""]]
    result = import_workbook(data=workbook(bad), filename="w.xlsx", institution=college.institution,
                             actor=college.users["steward"])
    assert not result.ok
    where = {(e.sheet, e.row, e.column) for e in result.errors}
    assert ("A7-6-1 招生表", 5, "D") in where      # 实际录取数 of the first data row (title, 2 headers, codes)
    assert ("A7-6-1 招生表", 6, "A") in where      # an unknown major code
    assert not sd.MajorYear.objects.filter(institution=college.institution).exists()  # the good sheet too


def test_command_prints_per_sheet(college, tmp_path, capsys):
    path = tmp_path / "w.xlsx"
    path.write_bytes(workbook())
    call_command("statedata", "import", str(path), "--institution", college.institution.code,
                 "--period", "2024")
    out = capsys.readouterr().out
    assert "A7-6-1 招生表 → 招生情况：共1行，新增1行" in out
    assert "A9-5 质量工程表：未导入（本平台尚不支持该表）" in out
    assert sd.Admission.objects.filter(institution=college.institution).count() == 1
    with pytest.raises(CommandError):
        call_command("statedata", "import", str(path), "--institution", "nope")


def test_upload_page_shows_sheets_and_logic_findings(college, login):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    url = reverse("statedata:workbook_import")
    data = workbook([["510201", "", 50, 48, 49, "", ""]])      # 报到 49 > 录取 48: a logic-check finding
    response = login(college.users["steward"]).post(url, {"file": SimpleUploadedFile("w.xlsx", data)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A9-5 质量工程表：未导入（本平台尚不支持该表）" in page
    assert "实际报到数49大于实际录取数48" in page
    teacher = login(college.users["teacher"]).post(url, {"file": SimpleUploadedFile("w.xlsx", data)})
    assert teacher.status_code == 403


def test_cooperation_and_feedback_sheets_and_check_l11(college):
    from zhengai.core.models import Period
    from zhengai.statedata import checks

    data = national({
        "A7-5 产学合作表": (["专业代码", "合作企业总数", "订单培养人数"], ["", "", ""],
                          ["MAJOR", "COMPANIES", "ORDER_STUDENTS"], [["510201", 6, 30]]),
        "A7-6-3 上届毕业生就业情况表": (["专业代码", "毕业生数", "用人单位评价", "", ""],
                                  ["", "", "满意或基本满意", "一般", "不满意"], ["", "", "", "", ""],
                                  [["510201", 40, 30, 8, 5]]),
    })
    result = import_workbook(data=data, filename="w.xlsx", institution=college.institution,
                             actor=college.users["steward"])
    assert result.ok, [str(e) for e in result.errors]
    assert sd.Cooperation.objects.get(institution=college.institution).order_students == 30
    feedback = sd.GraduateFeedback.objects.get(institution=college.institution)
    assert (feedback.satisfied, feedback.fair, feedback.dissatisfied) == (30, 8, 5)   # mapped by heading
    [(_, found)] = checks.run(college.institution, Period.objects.get(code="2024-2025"), ["feedback_counts"])
    assert [f.message for f in found] == ["用人单位评价人数之和43大于毕业生数40"]
