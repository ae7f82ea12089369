"""Scheduling: seed 003's rhythm opens the cycles that are due, once, for every active entity of each level —
students per semester (never monthly), majors' construction assessment once in three years."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengai.diagnosis import services
from zhengai.diagnosis.choices import DiagnosisKind, Frequency
from zhengai.diagnosis.models import Cycle, ScheduleTemplate, Stage
from zhengai.org.models import Student

D = datetime.date


@pytest.fixture
def scheduled(college):
    assert services.schedule_install_defaults(actor=college.users["quality"], institution=college.institution) > 0
    return college


def cycles(c, **filters):
    return Cycle.objects.filter(institution=c.institution, **filters)


def test_defaults_follow_seed_003_and_install_once(scheduled):
    c = scheduled
    templates = ScheduleTemplate.objects.filter(institution=c.institution)
    assert services.schedule_install_defaults(actor=None, institution=c.institution) == 0
    assert templates.count() == len(services.DEFAULT_TEMPLATES)
    assert all("武软工职督〔2018〕1号" in t.basis for t in templates)
    rhythm = set(templates.values_list("level", "kind", "frequency"))
    assert ("student", "comprehensive", "semester") in rhythm
    assert not templates.filter(level="student", frequency="month").exists()
    assert ("major", "assessment", "three_years") in rhythm and ("major", "self", "month") in rhythm
    assert ("teacher", "assessment", "semester") in rhythm and ("school", "comprehensive", "year") in rhythm


def test_scheduling_opens_the_due_cycles_once(scheduled):
    c = scheduled
    first = services.cycles_open_due(institution=c.institution, today=D(2024, 10, 15))
    total = cycles(c).count()
    assert sum(first.values()) == total > 0
    again = services.cycles_open_due(institution=c.institution, today=D(2024, 10, 20))
    assert sum(again.values()) == 0 and cycles(c).count() == total
    # Every cycle starts on the first stage of the (default, ten-step) loop.
    first_stage = Stage.objects.filter(institution=c.institution).order_by("order").first()
    assert first_stage.name == "目标" and set(cycles(c).values_list("stage", flat=True)) == {first_stage.pk}
    # One school cycle per school template; units are the secondary colleges only.
    assert cycles(c, level="school").count() == 3
    assert set(cycles(c, level="unit").values_list("unit", flat=True)) == {c.units["it"].pk, c.units["mech"].pk}
    # Owners: the entity's responsible person.
    assert cycles(c, major=c.majors["soft"]).first().owner == c.users["major_leader"]
    assert cycles(c, course=c.courses["java"]).first().owner == c.users["course_leader"]
    assert cycles(c, teacher=c.teachers["t1"]).first().owner == c.users["teacher"]
    assert cycles(c, student=c.students["s1"]).first().owner == c.users["student"]
    assert cycles(c, unit=c.units["it"]).first().owner == c.users["head"]
    assert cycles(c, level="school").first().owner is None


def test_students_are_diagnosed_per_semester_not_monthly(scheduled):
    c = scheduled
    c.students["s2"].status = "graduated"
    c.students["s2"].save()
    services.cycles_open_due(institution=c.institution, today=D(2024, 10, 15))
    services.cycles_open_due(institution=c.institution, today=D(2024, 11, 15))
    services.cycles_open_due(institution=c.institution, today=D(2024, 12, 15))
    students = cycles(c, level="student")
    # Only the enrolled student, once in the first semester, whatever the months in between.
    assert students.count() == 1
    first = students.get()
    assert first.student == c.students["s1"] and first.period.code == "2024-2025-1"
    assert first.kind == DiagnosisKind.COMPREHENSIVE
    # Teachers meanwhile have a cycle each month.
    assert cycles(c, teacher=c.teachers["t1"], kind="self").count() == 3
    services.cycles_open_due(institution=c.institution, today=D(2025, 3, 1))
    second = cycles(c, level="student", period__code="2024-2025-2").get()
    assert second.previous == first


def test_monthly_cycles_continue_the_previous_month(scheduled):
    c = scheduled
    services.cycles_open_due(institution=c.institution, today=D(2024, 10, 15))
    services.cycles_open_due(institution=c.institution, today=D(2024, 11, 2))
    october = cycles(c, teacher=c.teachers["t1"], kind="self", period__code="2024-10").get()
    november = cycles(c, teacher=c.teachers["t1"], kind="self", period__code="2024-11").get()
    assert november.previous == october and october.previous is None


def test_three_yearly_construction_assessment_only_once_in_three_years(scheduled):
    c = scheduled
    template = ScheduleTemplate.objects.get(institution=c.institution, level="major",
                                            frequency=Frequency.THREE_YEARS)
    yearly = ScheduleTemplate.objects.get(institution=c.institution, level="major", kind="assessment",
                                          frequency=Frequency.YEAR)
    opened = {}
    for year in range(2024, 2029):
        services.cycles_open_due(institution=c.institution, today=D(year, 10, 1))
        opened[year] = cycles(c, template=template, period__code=f"{year}-{year + 1}").count()
    assert opened == {2024: 2, 2025: 0, 2026: 0, 2027: 2, 2028: 0}
    # In between, the school's yearly teaching assessment of the major takes its year.
    assert cycles(c, template=yearly, major=c.majors["soft"]).count() == 3
    # A major founded later gets its own construction assessment when first scheduled.
    from zhengai.org.models import Major

    Major.objects.create(institution=c.institution, code="510202", name="大数据技术", unit=c.units["it"])
    services.cycles_open_due(institution=c.institution, today=D(2028, 11, 1))
    assert cycles(c, template=template, major__code="510202").count() == 1


def test_inactive_templates_open_nothing(scheduled):
    c = scheduled
    ScheduleTemplate.objects.filter(institution=c.institution).update(active=False)
    assert services.cycles_open_due(institution=c.institution, today=D(2024, 10, 15)) == {}
    assert not cycles(c).exists()


def test_a_college_of_students_is_opened_in_bulk(scheduled):
    c = scheduled
    Student.objects.bulk_create([Student(institution=c.institution, code=f"B{n:04d}", name=f"学生{n}",
                                         major=c.majors["soft"], klass=c.classes["soft1"], cohort=2024)
                                 for n in range(600)])
    # The year's periods and the loop's stages are made once, before the count.
    from zhengai.core.periods import ensure_academic_year

    ensure_academic_year(2024)
    services.stages_install(actor=None, institution=c.institution, scheme="seed003")
    with CaptureQueriesContext(connection) as ctx:
        services.cycles_open_due(institution=c.institution, today=D(2024, 10, 15))
    assert cycles(c, level="student").count() == 602
    # A handful of queries per template (15 of them, each with its owners' notices), not one per student.
    assert len(ctx.captured_queries) < 15 * 9


def test_command_schedules_for_a_date(scheduled, capsys):
    call_command("diagnosis", "schedule", "--date", "2024-10-15", "--institution", scheduled.institution.code)
    out = capsys.readouterr().out
    assert "开启诊改周期" in out and cycles(scheduled).exists()
    count = cycles(scheduled).count()
    call_command("diagnosis", "schedule", "--date", "2024-10-15")
    assert cycles(scheduled).count() == count


def test_command_installs_defaults(college, capsys):
    call_command("diagnosis", "defaults", "--institution", college.institution.code)
    assert ScheduleTemplate.objects.filter(institution=college.institution).count() == len(services.DEFAULT_TEMPLATES)
    assert Stage.objects.filter(institution=college.institution).count() == 10


def test_quality_office_opens_due_cycles_from_the_settings_page(scheduled, login):
    from django.urls import reverse

    response = login(scheduled.users["quality"]).post(reverse("diagnosis:settings"), {"action": "schedule_run"})
    assert response.status_code == 302 and cycles(scheduled).exists()
    assert login(scheduled.users["head"]).post(reverse("diagnosis:settings"),
                                               {"action": "schedule_run"}).status_code == 403


def test_owners_are_told_once_when_their_cycles_open(scheduled):
    from zhengai.monitoring.models import Notification

    c = scheduled
    services.cycles_open_due(institution=c.institution, today=D(2024, 10, 15))
    notices = Notification.objects.filter(user=c.users["major_leader"])
    texts = list(notices.values_list("text", flat=True))
    assert texts and all(t.startswith("诊改周期已开启：") for t in texts)
    # One notice per template and period, whatever the number of cycles; the school's cycles have no owner.
    assert len(texts) == len(set(texts))
    count = Notification.objects.count()
    services.cycles_open_due(institution=c.institution, today=D(2024, 10, 20))
    assert Notification.objects.count() == count
    assert c.users["major_leader"].zhengai_notifications.filter(url__contains="/diagnosis/cycles/").exists()
