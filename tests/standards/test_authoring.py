"""The quality office authors QC points in the browser: create, edit, retire and restore, audited; a teacher
may read but not change; another institution sees nothing."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from zhengai.core.models import AuditEntry
from zhengai.standards.models import QCPoint

FORM = {"code": "Q01", "level": "school", "name": "课程思政覆盖率", "formula": "专任教师数", "unit": "%",
        "operator": "ge", "standard": "80", "warning": "70", "cycle": "academic_year", "active": "on"}


def _entries(point: QCPoint) -> list[str]:
    return list(AuditEntry.objects.filter(object_type=ContentType.objects.get_for_model(QCPoint),
                                          object_id=str(point.pk)).values_list("action", flat=True))


def test_quality_office_creates_edits_retires_and_restores_a_point(college, login):
    quality = login(college.users["quality"])
    assert quality.get(reverse("standards:qcpoint_add")).status_code == 200
    response = quality.post(reverse("standards:qcpoint_add"), FORM)
    assert response.status_code == 302, response.content.decode()
    point = QCPoint.objects.get(institution=college.institution, code="Q01")
    assert point.standard == Decimal("80") and not point.builtin
    edit = {k: v for k, v in FORM.items() if k not in ("code", "level")} | {"standard": "85"}
    assert quality.post(reverse("standards:qcpoint_edit", args=[point.pk]), edit).status_code == 302
    point.refresh_from_db()
    assert point.standard == Decimal("85")
    retire = reverse("standards:qcpoint_retire", args=[point.pk])
    assert quality.post(retire, {"active": "0"}).status_code == 302
    point.refresh_from_db()
    assert not point.active
    # Retired points leave the default list but stay (their measurements refer to them).
    row = f'href="{reverse("standards:qcpoint_detail", args=[point.pk])}"'
    assert row not in quality.get(reverse("standards:qcpoint_list")).content.decode()
    assert row in quality.get(reverse("standards:qcpoint_list") + "?retired=1").content.decode()
    assert quality.post(retire, {"active": "1"}).status_code == 302
    point.refresh_from_db()
    assert point.active
    assert sorted(_entries(point)) == sorted(["create", "update", "retire", "restore"])


def test_a_duplicate_code_or_a_bad_line_is_refused_with_a_message(college, login):
    quality = login(college.users["quality"])
    assert quality.post(reverse("standards:qcpoint_add"), FORM).status_code == 302
    again = quality.post(reverse("standards:qcpoint_add"), FORM)
    assert again.status_code == 400 and "已有相同代码" in again.content.decode()
    wrong = quality.post(reverse("standards:qcpoint_add"), FORM | {"code": "Q02", "warning": "90"})
    assert wrong.status_code == 400 and "预警值须不大于标准值" in wrong.content.decode()
    assert QCPoint.objects.filter(institution=college.institution).count() == 1


def test_a_teacher_may_read_but_not_author_and_another_college_gets_404(college, other, login):
    quality = login(college.users["quality"])
    quality.post(reverse("standards:qcpoint_add"), FORM)
    point = QCPoint.objects.get(institution=college.institution, code="Q01")
    teacher = login(college.users["teacher"])
    assert teacher.get(reverse("standards:qcpoint_detail", args=[point.pk])).status_code == 200
    assert teacher.get(reverse("standards:qcpoint_add")).status_code == 403
    assert teacher.post(reverse("standards:qcpoint_add"), FORM | {"code": "Q09"}).status_code == 403
    assert teacher.post(reverse("standards:qcpoint_retire", args=[point.pk]), {"active": "0"}).status_code == 403
    assert "新增质控点" not in teacher.get(reverse("standards:qcpoint_list")).content.decode()
    outsider = login(other.users["quality"])
    assert outsider.get(reverse("standards:qcpoint_detail", args=[point.pk])).status_code == 404
    assert outsider.post(reverse("standards:qcpoint_retire", args=[point.pk]), {"active": "0"}).status_code == 404
    point.refresh_from_db()
    assert point.active and QCPoint.objects.filter(code="Q09").count() == 0


def test_the_list_pages_fifty_points_at_a_time(college, login):
    QCPoint.objects.bulk_create([QCPoint(institution=college.institution, code=f"P{i:03}", name=f"点{i}",
                                         level="school", formula="专任教师数", standard=Decimal(1))
                                 for i in range(60)])
    quality = login(college.users["quality"])
    first = quality.get(reverse("standards:qcpoint_list")).content.decode()
    assert "第 1 / 2 页" in first and "P049" in first and "P050" not in first
    assert "P059" in quality.get(reverse("standards:qcpoint_list") + "?page=2").content.decode()


# ---- the standard chain by Excel -------------------------------------------------------------------------

def _sheet(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    from zhengai.core.spreadsheets import workbook_bytes, write_sheet
    from zhengai.standards.importers import QCPointImporter

    workbook = Workbook()
    write_sheet(workbook, "质控点", [c.header for c in QCPointImporter.columns], rows, first=True)
    return workbook_bytes(workbook)


ROW = ["专业", "专业资源配置标准", "专业师资队伍建设", "MX1", "实践学时占比", "", "实践学时 / 总学时 * 100",
       "%", "≥", 70, 50, 40, "", "", "每学年", "A6", "教职成〔2019〕13号", "是"]


def _upload(client, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("standards:qcpoint_import"), {"file": SimpleUploadedFile("chain.xlsx", data)})


def test_excel_import_builds_the_chain_and_export_then_import_changes_nothing(college, login):
    from zhengai.core.spreadsheets import read_rows
    from zhengai.standards.models import Standard

    quality = login(college.users["quality"])
    template = quality.get(reverse("standards:qcpoint_template"))
    assert template.status_code == 200
    assert read_rows(template.content, "t.xlsx")[0][:4] == ["层面", "维度", "标准", "质控点代码"]
    second = ["学校", "办学条件", "基本办学条件", "SX1", "生师比", "", "折合在校生数 / (专任教师数 + 0.5 * 校外教师数)",
              ":1", "≤", 16, 18, 22, "", "", "每学年", "", "", "是"]
    response = _upload(quality, _sheet([ROW, second]))
    assert response.status_code == 200, response.content.decode()
    point = QCPoint.objects.get(institution=college.institution, code="MX1")
    assert point.level == "major" and point.standard == Decimal("50")
    assert point.standard_item == Standard.objects.get(institution=college.institution, name="专业师资队伍建设")
    assert point.standard_item.dimension.name == "专业资源配置标准"
    before = list(QCPoint.objects.filter(institution=college.institution).order_by("code").values())
    audit_count = AuditEntry.objects.count()
    exported = quality.get(reverse("standards:qcpoint_export"))
    assert exported.status_code == 200
    again = _upload(quality, exported.content)
    assert again.status_code == 200
    assert again.context["result"].unchanged == 2 and again.context["result"].updated == 0
    assert list(QCPoint.objects.filter(institution=college.institution).order_by("code").values()) == before
    assert AuditEntry.objects.count() == audit_count + 1  # the export's own entry, nothing else


def test_a_bad_file_lists_every_bad_row_and_imports_nothing(college, login):
    quality = login(college.users["quality"])
    bad_level = ["宇宙", *ROW[1:3], "B1", *ROW[4:]]
    bad_line = [*ROW[:3], "B2", *ROW[4:10], "abc", *ROW[11:]]
    bad_warning = [*ROW[:3], "B3", *ROW[4:11], 60, *ROW[12:]]
    response = _upload(quality, _sheet([ROW, bad_level, bad_line, bad_warning]))
    assert response.status_code == 400
    result = response.context["result"]
    assert [e.row for e in result.errors] == [3, 4, 5]
    text = response.content.decode()
    assert "层面" in text and "标准值" in text and "预警值须不大于标准值" in text
    assert not QCPoint.objects.filter(institution=college.institution).exists()


def test_a_teacher_may_not_import(college, login):
    teacher = login(college.users["teacher"])
    assert _upload(teacher, _sheet([ROW])).status_code == 403
    assert not QCPoint.objects.filter(institution=college.institution).exists()
