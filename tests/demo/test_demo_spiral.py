"""The demo college's spiral (demo/spiral.py): a year of cycles at every level, closed cycles that passed every
stage and gate, improvements verified and failed by data, the reports in each state of the sign-off, and the goal
chain's task warnings as of the demo's today.

One small demo is built for the whole module, after a first build that is rolled back, so the two builds'
spiral fingerprints can be compared."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from zhengai.core.models import Membership
from zhengai.demo.builder import DemoBuilder
from zhengai.demo.goals import DEMO_TODAY
from zhengai.diagnosis import selectors as dsel
from zhengai.diagnosis.choices import CycleState, ImprovementState
from zhengai.diagnosis.models import Assessment, Cycle, CycleStep, Improvement
from zhengai.goals.models import PlanTask
from zhengai.monitoring.choices import OPEN_STATES, Status, WarningKind
from zhengai.monitoring.models import Warning
from zhengai.org.entities import entity_key
from zhengai.reports import rules
from zhengai.reports.choices import ReportKind, ReportState
from zhengai.reports.models import Report

from .test_demo_goals import LATE

pytestmark = pytest.mark.django_db
LEVELS = {"school", "unit", "major", "course", "teacher", "student"}


def fast():
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def _fingerprint() -> list:
    """Cycle keys and states, improvement measures and states, report states and texts — by codes, never ids."""
    cycles = sorted((c.level, getattr(c.entity, "code", "school"), c.period.code, c.kind, c.state,
                     c.stage.name if c.stage_id else "", c.summary)
                    for c in Cycle.objects.select_related("period", "stage", *dsel.ENTITY_RELATIONS, "institution"))
    improvements = sorted((i.level, getattr(i.entity, "code", "school"), i.qc_point.code if i.qc_point_id else "",
                           i.measure, i.state, i.effect, str(i.started_on))
                          for i in Improvement.objects.select_related("qc_point", *dsel.ENTITY_RELATIONS,
                                                                      "institution"))
    reports = [(r.kind, r.title, r.state, r.overview,
                list(r.rows.order_by("order").values_list("element_label", "applicable", "achievements", "problems",
                                                          "measures", "effects")))
               for r in Report.objects.order_by("kind", "title")]
    return [cycles, improvements, reports]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), fast():
        with transaction.atomic():
            DemoBuilder(seed=7, size="small").build()
            first = _fingerprint()
            transaction.set_rollback(True)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            inst = DemoBuilder(seed=7, size="small").build()
            yield SimpleNamespace(inst=inst, first=first)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(built, django_db_blocker):
    with django_db_blocker.unblock(), fast():
        inst = built.inst
        ms = {m.user.username: m for m in Membership.objects.filter(institution=inst).select_related("user")}
        yield SimpleNamespace(inst=inst, first=built.first, users={k: m.user for k, m in ms.items()},
                              scopes={k: m.scope for k, m in ms.items()})


def test_same_seed_same_spiral(demo):
    second = _fingerprint()
    assert second == demo.first
    assert all(second)


def test_cycles_at_every_level_in_both_years(demo):
    for year in (2025, 2026):
        levels = set(Cycle.objects.filter(institution=demo.inst, period__start__gte=datetime.date(year, 9, 1),
                                          period__start__lte=datetime.date(year + 1, 8, 31))
                     .values_list("level", flat=True))
        assert levels == LEVELS, year
    # Students: the demo class only (see demo/spiral.py open_due).
    klass = demo.scopes["counsellor"]
    students = Cycle.objects.filter(institution=demo.inst, level="student")
    assert students.exists() and not students.exclude(student__klass=klass).exists()
    # 2026-2027: every cycle open at the first stage.
    first = dsel.stages_of(demo.inst).first()
    upcoming = Cycle.objects.filter(institution=demo.inst, period__start__gte="2026-09-01")
    assert upcoming.exists()
    assert set(upcoming.values_list("state", "stage")) == {(CycleState.OPEN, first.pk)}


def test_closed_cycles_passed_every_stage_and_have_an_improvement_per_flagged_point(demo):
    closed = Cycle.objects.filter(institution=demo.inst, state=CycleState.CLOSED)
    keys = set(closed.values_list("entity_key", flat=True))
    scopes = demo.scopes
    assert keys == {"school", entity_key("unit", scopes["head"].pk), entity_key("major", scopes["major"].pk),
                    entity_key("course", scopes["course"].pk), entity_key("teacher", scopes["teacher"].pk)}
    assert closed.filter(entity_key=entity_key("teacher", scopes["teacher"].pk)).count() == 2
    stages = dsel.stages_of(demo.inst).count()
    assert stages == 10
    for cycle in closed:
        assert CycleStep.objects.filter(cycle=cycle).count() == stages, cycle
        assert cycle.summary and cycle.closed_at and cycle.stage_id is None
        assert not dsel.missing_stages(cycle)
        assert not dsel.points_missing_improvement(cycle), cycle
        # Every point that was flagged in the year's first data version has an improvement too.
        flagged = set(dsel.year_measurements(cycle).filter(version=1, status__in=[Status.WARNING, Status.FAIL])
                      .values_list("qc_point", flat=True))
        covered = set(Improvement.objects.filter(entity_key=cycle.entity_key).values_list("qc_point", flat=True))
        assert flagged <= covered, cycle
        # The steps were passed in the cycle's own period, in order.
        days = list(CycleStep.objects.filter(cycle=cycle).order_by("stage__order").values_list("done_at", flat=True))
        assert days == sorted(days)
        assert cycle.period.start <= timezone.localdate(days[0]) and timezone.localdate(days[-1]) <= cycle.period.end


def test_improvements_verified_failed_and_not_carried_out(demo):
    improvements = Improvement.objects.filter(institution=demo.inst).select_related("effect_measurement", "warning")
    states = {i.state for i in improvements}
    assert {ImprovementState.EFFECTIVE, ImprovementState.INEFFECTIVE, ImprovementState.NOT_CARRIED_OUT,
            ImprovementState.IN_PROGRESS} <= states
    for i in improvements.filter(state=ImprovementState.EFFECTIVE):
        m = i.effect_measurement
        assert m is not None and m.status == Status.PASS and m.qc_point_id == i.qc_point_id
        assert m.entity_key == i.entity_key and timezone.localdate(m.computed_at) >= i.started_on
        assert i.started_on.year == 2025 and m.period.code == "2025-2026"
        if i.warning_id:
            assert i.warning.state == "resolved"
    failed = improvements.filter(state=ImprovementState.INEFFECTIVE)
    assert failed.exists()
    for i in failed:
        m = i.effect_measurement
        assert m.status in (Status.WARNING, Status.FAIL) and timezone.localdate(m.computed_at) >= i.started_on
        assert i.warning.state in OPEN_STATES and i.warning.escalation_level >= 1 and i.warning.escalated_at
    skipped = improvements.get(state=ImprovementState.NOT_CARRIED_OUT)
    assert skipped.not_carried_out and skipped.effect and skipped.effect_measurement_id is None
    # The demo accounts own their entity's improvements.
    major_key = entity_key("major", demo.scopes["major"].pk)
    assert set(improvements.filter(entity_key=major_key).values_list("owner__username", flat=True)) == {"major"}


def test_the_quality_office_assessed_the_major_element_by_element(demo):
    assessment = Assessment.objects.get(cycle__entity_key=entity_key("major", demo.scopes["major"].pk))
    assert assessment.assessor == demo.users["quality"] and assessment.deadline
    agrees = set(assessment.items.values_list("agrees", flat=True))
    assert agrees == {True, False}
    assert all(item.reason for item in assessment.items.all())


def test_reports_in_each_state_of_the_sign_off(demo):
    reports = {r.kind: r for r in Report.objects.filter(institution=demo.inst, period__code="2025-2026")}
    assert {k: r.state for k, r in reports.items()} == {
        ReportKind.SCHOOL: ReportState.SIGNED, ReportKind.COLLEGE: ReportState.SIGNED,
        ReportKind.MAJOR: ReportState.SUBMITTED, ReportKind.COURSE: ReportState.DRAFT}
    school = reports[ReportKind.SCHOOL]
    assert (school.reporter, school.head, school.president) == (demo.users["quality"], demo.users["quality"],
                                                                demo.users["leader"])
    assert reports[ReportKind.COLLEGE].head == demo.users["head"]
    assert reports[ReportKind.MAJOR].reporter == demo.users["major"] and reports[ReportKind.MAJOR].head is None
    for kind in (ReportKind.SCHOOL, ReportKind.COLLEGE):
        report = reports[kind]
        # The signed ones keep every rule, the share of problems and causes included (not even a warning).
        assert rules.check(report, submitting=True) == [], kind
        assert report.overview and all(r.achievements and r.problems and r.measures and r.effects
                                       for r in report.rows.filter(applicable=True))
    # The school's effects are taken from the verified improvements: each effective one is in a row.
    effects = " ".join(school.rows.values_list("effects", flat=True))
    for i in Improvement.objects.filter(entity_key="school", state=ImprovementState.EFFECTIVE):
        assert i.effect in effects
    assert not rules.errors(rules.check(reports[ReportKind.MAJOR], submitting=True))
    assert not rules.errors(rules.check(reports[ReportKind.COURSE]))


def test_task_warnings_as_of_the_demo_today(demo):
    overdue = Warning.objects.filter(institution=demo.inst, kind=WarningKind.TASK_OVERDUE, state__in=OPEN_STATES)
    tasks = PlanTask.objects.filter(pk__in=overdue.values("subject_id"))
    assert set(tasks.values_list("title", flat=True)) == LATE
    assert all(t.due < DEMO_TODAY for t in tasks)
    countdown = Warning.objects.filter(institution=demo.inst, kind=WarningKind.TASK_COUNTDOWN, state__in=OPEN_STATES)
    assert [PlanTask.objects.get(pk=w.subject_id).title for w in countdown] == ["完成2026年专业人才培养质量年度报告"]
    # Not escalated: the demo's warnings wait for a person.
    assert not overdue.filter(escalation_level__gt=0).exists()


def test_demo_report_texts_write_figures_by_the_numbers_rule():
    """The demo's report prose cites figures as every page does ("94.27%"), never the stored "94.2714"."""
    from zhengai.demo.spiral import row_texts

    row = SimpleNamespace(element_label="2.4 学校管理", measures="", effects="", evidence={"qc_points": [
        {"name": "学生参与评教比例", "unit": "%", "measurements": [{"value": "94.2714", "status": Status.PASS}]},
        {"name": "专职辅导员配比", "unit": ":1", "measurements": [{"value": "164.6667", "status": Status.FAIL}]}]})
    texts = row_texts(row, ReportKind.SCHOOL, None)
    assert "学生参与评教比例94.27%" in texts["achievements"] and "专职辅导员配比164.7:1" in texts["problems"]


def test_the_current_semesters_teaching(demo):
    """The current semester's timetable, the demo class's roll calls up to the demo's today with a 缺勤预警 that
    reaches its counsellor and the teacher, the mid-term 评教 closed and summed into 2026-2027's 评教结果, the
    end-of-term one open with the persona student's evaluations waiting, and a graduate survey with answers."""
    from zhengai.evaluation import selectors as evaluation
    from zhengai.evaluation.models import Window
    from zhengai.statedata.models import Attendance, Evaluation
    from zhengai.surveys.models import Response
    from zhengai.teaching.models import Lesson, Offering

    klass = demo.scopes["counsellor"]
    offerings = Offering.objects.filter(institution=demo.inst, period__code="2026-2027-1")
    assert offerings.filter(classes=klass, course=demo.scopes["course"], teachers=demo.scopes["teacher"]).exists()
    lessons = Lesson.objects.filter(offering__classes=klass, offering__period__code="2026-2027-1")
    past = lessons.filter(date__lt=DEMO_TODAY)
    assert past.exists() and not past.filter(roll_called_at__isnull=True).exists()
    assert not lessons.filter(date__gte=DEMO_TODAY, roll_called_at__isnull=False).exists()
    assert Attendance.objects.filter(institution=demo.inst, period__code="2026-2027-1").count() == \
        sum(o.enrolments.count() * o.lessons.filter(date__lt=DEMO_TODAY).count()
            for o in offerings.filter(classes=klass))
    absent = Warning.objects.filter(institution=demo.inst, kind=WarningKind.ABSENCE, state__in=OPEN_STATES)
    assert absent.exists()
    assert absent.filter(owners=demo.users["counsellor"]).filter(owners=demo.users["teacher"]).exists()
    closed, open_ = (Window.objects.get(institution=demo.inst, finalised_at__isnull=False),
                     Window.objects.get(institution=demo.inst, finalised_at__isnull=True))
    assert Evaluation.objects.filter(institution=demo.inst, period=closed.period.parent).exists()
    waiting = evaluation.waiting_for(demo.users["student"], demo.inst,
                                     now=open_.opens_at + datetime.timedelta(days=3))
    assert waiting and not any(t.done for t in waiting)
    assert Response.objects.filter(survey__institution=demo.inst).count() >= 10
