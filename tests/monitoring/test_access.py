from __future__ import annotations

import pytest
from django.urls import reverse

from tests.hostile import HOSTILE, assert_inert
from zhengai.core.models import AuditEntry
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring import services
from zhengai.monitoring.models import Measurement, Warning


@pytest.fixture
def computed(state, year):
    services.recompute(institution=state.institution, period=year)
    return state


def test_teacher_sees_only_their_own_and_their_courses_measurements(computed):
    c = computed
    seen = Measurement.objects.restrict(c.users["teacher"])
    levels = set(seen.values_list("level", flat=True))
    assert levels == {"school", "teacher", "course"}
    assert set(seen.filter(level="teacher").values_list("teacher", flat=True)) == {c.teachers["t1"].pk}
    assert set(seen.filter(level="course").values_list("course", flat=True)) == {c.courses["java"].pk}
    assert not seen.filter(level="student").exists()
    # The quality office sees every level.
    assert set(Measurement.objects.restrict(c.users["quality"]).filter(level="student")
               .values_list("student", flat=True)) == {c.students["s1"].pk, c.students["s2"].pk}


def test_student_sees_own_and_major_leader_their_major(computed):
    c = computed
    assert set(Measurement.objects.restrict(c.users["student"]).filter(level="student")
               .values_list("student", flat=True)) == {c.students["s1"].pk}
    assert set(Measurement.objects.restrict(c.users["major_leader"]).filter(level="major")
               .values_list("major", flat=True)) == {c.majors["soft"].pk}


def test_warning_pages_who_may_and_who_may_not(computed, other, login):
    c = computed
    w = Warning.objects.get(qc_point__code="M13", major=c.majors["soft"])
    client = login(c.users["major_leader"])
    assert w.qc_point.name in client.get(reverse("monitoring:my_warnings")).content.decode()
    assert client.get(reverse("monitoring:warning_detail", args=[w.pk])).status_code == 200
    assert client.get(reverse("monitoring:warning_list")).status_code == 403
    response = client.post(reverse("monitoring:warning_detail", args=[w.pk]), {"state": "acknowledged"})
    w.refresh_from_db()
    assert response.status_code == 302 and w.state == "acknowledged"
    # A teacher of another major may not see it; the other college gets 404.
    assert login(c.users["teacher"]).get(reverse("monitoring:warning_detail", args=[w.pk])).status_code == 404
    assert login(other.users["quality"]).get(reverse("monitoring:warning_detail", args=[w.pk])).status_code == 404
    m = Measurement.objects.get(qc_point__code="S01")
    assert login(other.users["quality"]).get(reverse("monitoring:measurement_detail", args=[m.pk])).status_code == 404


def test_quality_office_lists_filters_exports_and_recomputes(computed, year, login):
    client = login(computed.users["quality"])
    page = client.get(reverse("monitoring:warning_list"), {"level": "major", "severity": "normal"})
    assert page.status_code == 200 and "证书获取率" in page.content.decode()
    export = client.get(reverse("monitoring:warning_list"), {"export": "1"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.post(reverse("monitoring:recompute"), {"period": year.code}).status_code == 302
    assert login(computed.users["teacher"]).post(reverse("monitoring:recompute"),
                                                 {"period": year.code}).status_code == 403
    assert client.get(reverse("monitoring:notifications")).status_code == 200


def test_a_unit_head_finds_their_majors_warnings_among_their_own(college, login):
    """My warnings of a unit head include warnings about the majors of their unit, not other units'."""
    from django.utils import timezone

    from zhengai.core.periods import ensure_academic_year
    from zhengai.monitoring.models import Measurement, Warning
    from zhengai.monitoring.selectors import my_warnings
    from zhengai.standards.models import QCPoint
    from zhengai.standards.services import library_load

    library_load(college.institution)
    year = ensure_academic_year(2024)
    point = QCPoint.objects.get(institution=college.institution, code="M11")
    made = {}
    for key in ("soft", "mech"):
        major = college.majors[key]
        m = Measurement.objects.create(institution=college.institution, level="major", entity_key=f"major:{major.pk}",
                                       major=major, qc_point=point, period=year, value=50, status="fail",
                                       computed_at=timezone.now())
        made[key] = Warning.objects.create(institution=college.institution, level="major",
                                           entity_key=f"major:{major.pk}", major=major, qc_point=point, period=year,
                                           measurement=m, severity="serious")
    mine = set(my_warnings(college.users["head"], college.institution))
    assert made["soft"] in mine and made["mech"] not in mine
    assert set(my_warnings(college.users["major_leader"], college.institution)) == {made["soft"]}
    assert not set(my_warnings(college.users["teacher"], college.institution))


def test_the_warning_export_carries_hostile_titles_as_text(college, login):
    year = ensure_academic_year(2024)
    for title in HOSTILE:
        Warning.objects.create(institution=college.institution, kind="task_overdue", title=title, period=year,
                               level="unit", entity_key=f"unit:{college.units['it'].pk}", severity="serious")
    response = login(college.users["quality"]).get(reverse("monitoring:warning_list"), {"export": "1"})
    assert response.status_code == 200
    assert_inert(response.content)
    entry = AuditEntry.objects.get(action="export")  # who took the list out, and how many rows
    assert entry.actor == college.users["quality"] and entry.changes["行数"] == len(HOSTILE)
