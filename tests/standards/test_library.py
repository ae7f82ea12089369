from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from zhengai.frameworks.models import Adoption, Framework
from zhengai.frameworks.services import framework_load, read_builtin
from zhengai.standards.models import OwnTarget, QCPoint, StandardSet
from zhengai.standards.services import library_load, own_target_set, read_library


def test_library_has_40_points_across_the_five_levels_with_sourced_thresholds():
    lib = read_library()
    levels = Counter(p["level"] for p in lib)
    assert len(lib) >= 40
    assert all(levels[level] >= 4 for level in ("school", "major", "course", "teacher", "student"))
    by_code = {p["code"]: p for p in lib}
    assert by_code["S01"]["standard"] == 18 and by_code["S01"]["operator"] == "le"
    assert "教发〔2004〕2号" in by_code["S01"]["threshold_source"]
    assert by_code["M02"]["standard"] == 50 and "教职成〔2019〕13号" in by_code["M02"]["threshold_source"]
    assert by_code["S12"]["standard"] == 200 and "第43号" in by_code["S12"]["threshold_source"]
    assert by_code["T01"]["standard"] == 6
    # No vendor demo value is presented as official: the 56% 双师 value is not used.
    assert by_code["S22"]["standard"] != 56 and "非官方" in by_code["S22"]["threshold_source"]
    assert all(p["threshold_source"] for p in lib)


def test_load_is_idempotent_keeps_edits_and_links_adopted_points(college):
    builtin = framework_load(data=read_builtin("wuhan-software.json"))
    Adoption.objects.create(institution=college.institution, framework=builtin)
    first = library_load(college.institution)
    assert first["created"] == len(read_library())
    QCPoint.objects.filter(institution=college.institution, code="S01").update(standard=Decimal("17"))
    call_command("standards", "load-library", "--institution", college.institution.code)
    assert QCPoint.objects.filter(institution=college.institution).count() == len(read_library())
    s01 = QCPoint.objects.get(institution=college.institution, code="S01")
    assert s01.standard == 17
    assert [p.number for p in s01.points.all()] == ["2.2.1"]
    assert StandardSet.objects.filter(institution=college.institution).count() == 7
    assert Framework.objects.count() == 1


def test_formula_and_lines_are_checked_on_save(college):
    library_load(college.institution)
    point = QCPoint.objects.get(institution=college.institution, code="M02")
    point.formula = "实践学时 / 折合在校生数"
    with pytest.raises(ValidationError, match="不能用于该层面"):
        point.full_clean()
    point.formula = "实践学时 / 总学时 * 100"
    point.warning = Decimal("60")
    with pytest.raises(ValidationError, match="预警值须不大于标准值"):
        point.full_clean()


def test_own_target_policy_and_constraint(college):
    library_load(college.institution)
    point = QCPoint.objects.get(institution=college.institution, code="M02")
    with pytest.raises(ValidationError, match="不得低于学校标准值"):
        own_target_set(actor=None, point=point, entity=college.majors["soft"], standard=Decimal("40"))
    target = own_target_set(actor=None, point=point, entity=college.majors["soft"], standard=Decimal("60"),
                            target=Decimal("65"))
    assert target.major == college.majors["soft"]
    with pytest.raises(ValidationError, match="所在层面"):
        own_target_set(actor=None, point=point, entity=college.courses["java"], standard=Decimal("60"))
    with pytest.raises(IntegrityError), transaction.atomic():
        OwnTarget.objects.create(institution=college.institution, qc_point=point, major=college.majors["mech"],
                                 course=college.courses["java"])


def test_pages_who_may_and_who_may_not(college, other, login):
    library_load(college.institution)
    point = QCPoint.objects.get(institution=college.institution, code="M02")
    teacher = login(college.users["teacher"])
    assert teacher.get(reverse("standards:chain"), {"level": "major"}).status_code == 200
    page = teacher.get(reverse("standards:qcpoint_list"), {"level": "major", "q": "实践"})
    assert "实践课时占总课时比例" in page.content.decode() and "生师比" not in page.content.decode()
    assert teacher.get(reverse("standards:qcpoint_detail", args=[point.pk])).status_code == 200
    assert teacher.get(reverse("standards:qcpoint_edit", args=[point.pk])).status_code == 403
    assert login(other.users["quality"]).get(reverse("standards:qcpoint_detail", args=[point.pk])).status_code == 404
    quality = login(college.users["quality"])
    form = {"name": point.name, "formula": point.formula, "operator": "ge", "standard": "55", "warning": "45",
            "cycle": "academic_year", "active": "on", "unit": "%"}
    assert quality.post(reverse("standards:qcpoint_edit", args=[point.pk]), form).status_code == 302
    point.refresh_from_db()
    assert point.standard == 55
    own_url = reverse("standards:own_target", args=[point.pk, "major", college.majors["soft"].pk])
    assert login(college.users["major_leader"]).post(own_url, {"standard": "60"}).status_code == 302
    assert login(college.users["teacher"]).get(own_url).status_code == 403
