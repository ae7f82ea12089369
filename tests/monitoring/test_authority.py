"""The authority and its experts are not college members (issue 11, fault 7): they see a college's
institution-level data and reports — the school cockpit, a signed school report — never a student record, a
personal plan or a warning about one person."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.core.choices import Role
from zhengai.core.services import membership_grant, user_create
from zhengai.frameworks.models import Framework
from zhengai.frameworks.services import framework_adopt, framework_load, read_builtin
from zhengai.goals import services as goals
from zhengai.monitoring import services
from zhengai.monitoring.models import Measurement, Warning
from zhengai.org.models import Student
from zhengai.reports import services as reports
from zhengai.reports.choices import ReportKind
from zhengai.statedata import models as sd


@pytest.fixture
def world(state, year):
    c = state
    services.recompute(institution=c.institution, period=year)
    authority = user_create(username="authority", name="教委处长", password="x-pass-123")
    membership_grant(user=authority, institution=c.institution, role=Role.AUTHORITY_OFFICER)
    c.users["authority"] = authority
    return c


def _plan(c, kind, entity, actor):
    return goals.plan_save(actor=actor, institution=c.institution, data={
        "kind": kind, "name": f"{entity}规划", "start_year": 2024, "end_year": 2026, "entity": entity,
        "parent": None})


def _signed_school_report(c):
    builtin = Framework.objects.filter(institution=None, code="beijing").first() or framework_load(
        data=read_builtin("beijing.json"))
    framework_adopt(actor=c.users["quality"], institution=c.institution, framework=builtin)
    report = reports.report_create(actor=c.users["quality"], kind=ReportKind.SCHOOL, entity=c.institution,
                                   year=2024)
    reports.report_submit(actor=c.users["quality"], report=report)
    reports.report_sign_head(actor=c.users["quality"], report=report)
    reports.report_sign_president(actor=c.users["leader"], report=report)
    report.refresh_from_db()
    return report


@pytest.mark.parametrize("key", ["authority", "expert"])
def test_the_authority_gets_404_on_student_records_personal_plans_and_personal_warnings(world, login, key):
    c = world
    career = _plan(c, "career", c.teachers["t1"], c.users["teacher"])
    development = _plan(c, "student", c.students["s1"], c.users["student"])
    warning = Warning.objects.filter(level="student").first()
    assert warning is not None
    client = login(c.users[key])
    assert client.get(reverse("org:student_detail", args=[c.students["s1"].pk])).status_code == 404
    assert client.get(reverse("goals:plan_detail", args=[development.pk])).status_code == 404
    assert client.get(reverse("goals:plan_detail", args=[career.pk])).status_code == 404
    assert client.get(reverse("monitoring:warning_detail", args=[warning.pk])).status_code == 404
    # Nor through any list: rows about one person stay hidden, institution-level tables stay visible.
    user = c.users[key]
    assert not Student.objects.restrict(user).exists()
    assert not sd.Attendance.objects.restrict(user).exists()
    assert not sd.Evaluation.objects.restrict(user).exists()
    assert not sd.TeacherYear.objects.restrict(user).exists()
    assert not Measurement.objects.restrict(user).exclude(level="school").exists()
    assert sd.InstitutionYear.objects.restrict(user).exists() and sd.MajorYear.objects.restrict(user).exists()
    # The students menu is not offered.
    assert reverse("org:student_list") not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("key", ["authority", "expert"])
def test_the_authority_sees_the_school_cockpit_and_a_signed_school_report(world, login, key):
    c = world
    report = _signed_school_report(c)
    client = login(c.users[key])
    cockpit = client.get(reverse("cockpit_school"))
    assert cockpit.status_code == 200 and "生师比" in cockpit.content.decode()
    assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
    # A signed major report is institution-level too; a draft one is not shown.
    major = reports.report_create(actor=c.users["major_leader"], kind=ReportKind.MAJOR, entity=c.majors["soft"],
                                  year=2024)
    assert client.get(reverse("reports:report_detail", args=[major.pk])).status_code == 404


def _school_plan(c, name, state):
    return goals.plan_save(actor=c.users["quality"], institution=c.institution, data={
        "kind": "master", "name": name, "start_year": 2021, "end_year": 2025, "state": state, "entity": None,
        "parent": None})


@pytest.mark.parametrize("key", ["authority", "expert"])
def test_the_authority_sees_approved_school_plans_and_signed_reports_never_drafts(world, login, key):
    c = world
    draft = _school_plan(c, "十五五总规划（征求意见稿）", "draft")
    approved = _school_plan(c, "十四五总规划", "active")
    signed = _signed_school_report(c)
    draft_report = reports.report_create(actor=c.users["quality"], kind=ReportKind.SCHOOL, entity=c.institution,
                                         year=2025)
    client = login(c.users[key])
    assert client.get(reverse("goals:plan_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("goals:plan_detail", args=[approved.pk])).status_code == 200
    plans = client.get(reverse("goals:plan_list")).content.decode()
    assert "十四五总规划" in plans and "征求意见稿" not in plans
    assert client.get(reverse("reports:report_detail", args=[draft_report.pk])).status_code == 404
    assert client.get(reverse("reports:report_detail", args=[signed.pk])).status_code == 200
    assert draft_report.pk not in set(reports_visible(c.users[key]))
    # The college's own people still see the draft (it is theirs to discuss).
    assert login(c.users["teacher"]).get(reverse("goals:plan_detail", args=[draft.pk])).status_code == 200


def reports_visible(user):
    from zhengai.reports.models import Report

    return Report.objects.restrict(user).values_list("pk", flat=True)


@pytest.mark.parametrize("key", ["authority", "expert"])
def test_the_teacher_roster_is_hidden_from_the_authority(world, login, key):
    c = world
    client = login(c.users[key])
    assert client.get(reverse("org:teacher_list")).status_code == 404
    assert client.get(reverse("org:teacher_detail", args=[c.teachers["t1"].pk])).status_code == 404
    assert client.get(reverse("org:student_list")).status_code == 404
    assert reverse("org:teacher_list") not in client.get(reverse("home")).content.decode()
    # Institution-level pages stay open to them.
    assert client.get(reverse("org:major_list")).status_code == 200
    # The college's own people keep the roster.
    leader = login(c.users["leader"])
    assert leader.get(reverse("org:teacher_list")).status_code == 200
    assert "张老师" in leader.get(reverse("org:teacher_list")).content.decode()
