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
