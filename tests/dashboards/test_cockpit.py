from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.monitoring.conftest import build_state
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.services import recompute
from zhengai.org.models import Major
from zhengai.standards.models import QCPoint
from zhengai.standards.services import library_load


@pytest.fixture
def year(db):
    return ensure_academic_year(2024)


@pytest.fixture
def measured(college, year):
    library_load(college.institution)
    build_state(college, year)
    recompute(institution=college.institution, period=year)
    return college


def _rows(html: str, table_id: str) -> list[str]:
    body = re.search(rf'<table class="table" id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S)
    return re.findall(r"<tr.*?</tr>", body.group(1), re.S) if body else []


def test_school_cockpit_lists_points_with_the_schools_values(measured, login):
    html = login(measured.users["quality"]).get("/cockpit/").content.decode()
    rows = _rows(html, "points")
    assert len(rows) == QCPoint.objects.filter(institution=measured.institution, level="school", active=True).count()
    assert "生师比" in html and "状态汇总" in html


def test_major_cockpit_counts_each_major_and_names_the_worst(measured, login, year):
    client = login(measured.users["quality"])
    html = client.get("/cockpit/major/").content.decode()
    # The cockpit opens on the newest year (monthly points have month measurements too, one pick away).
    measurements = Measurement.objects.filter(level="major", period=year)
    assert measurements.values("major").distinct().count() == 2
    # Every major's measurement is counted once in the status totals and in each point's row.
    totals = [int(n) for n in re.findall(r'<div class="stat \w+">(\d+)</div>', html)]
    assert sum(totals) == measurements.count()
    for row in _rows(html, "points"):
        cells = [int(n) for n in re.findall(r"<td>(?:<a [^>]*>)?(\d+)(?:</a>)?</td>", row)[:5]]
        assert sum(cells) == 2, row
    assert "最需关注的专业" in html


def test_course_counts_are_not_repeated_by_the_courses_teachers(measured, login, year):
    """A course taught by two teachers is still one course in the counts (the gate must not join through
    the course's teachers)."""
    measured.courses["java"].teachers.add(measured.teachers["t2"])
    html = login(measured.users["quality"]).get("/cockpit/course/").content.decode()
    totals = [int(n) for n in re.findall(r'<div class="stat \w+">(\d+)</div>', html)]
    assert sum(totals) == Measurement.objects.filter(level="course", period=year).count()
    visible = Measurement.objects.restrict(measured.users["teacher"], "view").filter(level="course")
    assert visible.count() == visible.values("pk").distinct().count()


def test_cockpit_shows_a_teacher_only_what_they_may_see(measured, login, year):
    client = login(measured.users["teacher"])
    html = client.get("/cockpit/teacher/").content.decode()
    visible = Measurement.objects.restrict(measured.users["teacher"], "view").filter(level="teacher", period=year)
    assert set(visible.values_list("teacher__code", flat=True)) == {"T001"}
    # The status totals on the page add up to what the teacher may see, not to the whole college's.
    totals = [int(n) for n in re.findall(r'<div class="stat \w+">(\d+)</div>', html)]
    assert sum(totals) == visible.count()


def test_entity_pages_drill_from_school_to_course(measured, login):
    client = login(measured.users["quality"])
    school = client.get("/entities/school/").content.decode()
    it = measured.units["it"]
    assert f'/entities/unit/{it.pk}/' in school
    unit = client.get(f"/entities/unit/{it.pk}/").content.decode()
    soft = measured.majors["soft"]
    assert f'/entities/major/{soft.pk}/' in unit
    major = client.get(f"/entities/major/{soft.pk}/").content.decode()
    assert f'/entities/course/{measured.courses["java"].pk}/' in major
    assert _rows(major, "measurements")


def test_other_college_gets_404_on_entity_pages(measured, other, login):
    client = login(other.users["quality"])
    assert client.get(f"/entities/major/{measured.majors['soft'].pk}/").status_code == 404
    assert client.get(f"/entities/teacher/{measured.teachers['t1'].pk}/").status_code == 404
    assert client.get("/cockpit/nonsense/").status_code == 404


def test_cockpit_query_count_does_not_grow_with_majors(measured, login, year):
    client = login(measured.users["quality"])
    client.get("/cockpit/major/")
    with CaptureQueriesContext(connection) as before:
        client.get("/cockpit/major/")
    for i in range(12):
        Major.objects.create(institution=measured.institution, code=f"59{i:04d}", name=f"新专业{i}",
                             unit=measured.units["it"])
    recompute(institution=measured.institution, period=year)
    with CaptureQueriesContext(connection) as after:
        client.get("/cockpit/major/")
    assert len(after) == len(before)


def test_major_leader_sees_the_majors_courses_but_not_other_majors(measured, login):
    seen = Measurement.objects.restrict(measured.users["major_leader"], "view")
    assert set(seen.filter(level="course").values_list("course__code", flat=True)) == {"C001"}
    assert set(seen.filter(level="major").values_list("major__code", flat=True)) == {"510201"}
    head = Measurement.objects.restrict(measured.users["head"], "view").filter(level="student")
    assert set(head.values_list("student__code", flat=True)) <= {"S001"}


def test_a_portrait_leads_to_the_entitys_plans_and_hides_personal_plans_from_others(college, login):
    from zhengai.goals.models import OnePagePlan, Plan

    inst, soft, t1 = college.institution, college.majors["soft"], college.teachers["t1"]
    Plan.objects.create(institution=inst, kind="major", name="软件技术专业建设规划", start_year=2026, end_year=2030,
                        level="major", entity_key=f"major:{soft.pk}", major=soft)
    OnePagePlan.objects.create(institution=inst, year=2026, name="软件技术专业2026年一页纸计划", level="major",
                               entity_key=f"major:{soft.pk}", major=soft)
    Plan.objects.create(institution=inst, kind="career", name="张老师职业发展规划", start_year=2026, end_year=2028,
                        level="teacher", entity_key=f"teacher:{t1.pk}", teacher=t1)
    html = login(college.users["major_leader"]).get(f"/entities/major/{soft.pk}/").content.decode()
    assert "软件技术专业建设规划" in html and "软件技术专业2026年一页纸计划" in html
    assert "张老师职业发展规划" in login(college.users["teacher"]).get(f"/entities/teacher/{t1.pk}/").content.decode()
    # A course leader is not the teacher's planner: the career plan never shows to them.
    html = login(college.users["course_leader"]).get(f"/entities/teacher/{t1.pk}/")
    assert html.status_code == 404 or "张老师职业发展规划" not in html.content.decode()
