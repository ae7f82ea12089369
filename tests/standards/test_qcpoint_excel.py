"""The QC-point Excel sets 定性/定量 and the owner (责任人 by account, staff number or name; 责任部门 by code or
name), each checked against the institution's own people and units, every bad row listed in Chinese."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from zhengai.core.services import membership_grant, user_create
from zhengai.core.spreadsheets import workbook_bytes, write_sheet
from zhengai.standards.importers import QCPointImporter
from zhengai.standards.models import QCPoint

HEADERS = ["层面", "质控点代码", "质控点名称", "计算公式", "比较方式", "标准值", "预警值", "定性/定量", "责任人",
           "责任部门"]


def _upload(client, rows):
    workbook = Workbook()
    write_sheet(workbook, "质控点", HEADERS, rows, first=True)
    data = workbook_bytes(workbook)
    return client.post(reverse("standards:qcpoint_import"), {"file": SimpleUploadedFile("q.xlsx", data)})


def test_qualitative_points_and_owners_are_set_by_excel(college, login):
    quality = login(college.users["quality"])
    rows = [["学校", "QL1", "课程思政落实情况", "", "", "", "", "定性", "T001", "U90"],
            ["学校", "QN1", "生师比", "专任教师数", "≥", 10, 8, "定量", "信息学院院长", "质量管理办公室"],
            ["学校", "QN2", "专任教师总数", "专任教师数", "≥", 10, 8, "定量", college.users["quality"].username, ""]]
    response = _upload(quality, rows)
    assert response.status_code == 200, response.content.decode()
    judged = QCPoint.objects.get(institution=college.institution, code="QL1")
    assert judged.qualitative and judged.formula == ""
    assert judged.owner == college.users["teacher"]  # by 工号 T001
    assert judged.lead_unit == college.units["office"]  # by 部门代码
    computed = QCPoint.objects.get(institution=college.institution, code="QN1")
    assert not computed.qualitative and computed.owner == college.users["head"]  # by name
    assert computed.lead_unit == college.units["office"]  # by 部门名称
    assert QCPoint.objects.get(code="QN2").owner == college.users["quality"]  # by account
    # The export carries both back: importing it changes nothing.
    again = quality.post(reverse("standards:qcpoint_import"), {"file": SimpleUploadedFile(
        "e.xlsx", quality.get(reverse("standards:qcpoint_export")).content)})
    assert again.context["result"].unchanged == 3, again.content.decode()


def test_owners_and_units_outside_the_institution_or_ambiguous_are_refused_row_by_row(college, other, login):
    twin = user_create(username="twin", name="信息学院院长", password="x-pass-123")
    membership_grant(user=twin, institution=college.institution, role="teacher")
    quality = login(college.users["quality"])
    rows = [["学校", "Q1", "外校的人", "专任教师数", "≥", 10, 8, "定量", other.users["quality"].username, ""],
            ["学校", "Q2", "外校的部门", "专任教师数", "≥", 10, 8, "定量", "", "另一所学校的部门"],
            ["学校", "Q3", "重名", "专任教师数", "≥", 10, 8, "定量", "信息学院院长", ""],
            ["学校", "Q4", "定性无责任人", "", "", "", "", "定性", "", ""],
            ["学校", "Q5", "定性有公式", "专任教师数", "", "", "", "定性", "T001", ""],
            ["学校", "Q6", "定量无公式", "", "≥", 10, 8, "定量", "", ""],
            ["学校", "Q7", "无此选项", "专任教师数", "≥", 10, 8, "半定量", "", ""]]
    response = _upload(quality, rows)
    assert response.status_code == 400
    errors = {e.row: "；".join(e.messages) for e in response.context["result"].errors}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8]
    assert "“责任人”本校没有账号、工号或姓名为" in errors[2]
    assert "“责任部门”本校没有代码或名称为" in errors[3]
    assert "本校有多人叫“信息学院院长”，请填写账号或工号" in errors[4]
    assert "定性质控点须指定责任人" in errors[5]
    assert "定性质控点不填计算公式" in errors[6]
    assert "定量质控点须填写计算公式" in errors[7]
    assert "“定性/定量”“半定量”不是有效选项" in errors[8]
    assert not QCPoint.objects.filter(institution=college.institution).exists()


def test_the_template_offers_the_new_columns():
    headers = [c.header for c in QCPointImporter.columns]
    assert {"定性/定量", "责任人", "责任部门"} <= set(headers)
