"""The demo college's goal chain (demo/goals.py): the plan chain, key tasks, one-page plans at every level, a
year of progress with late tasks, and the deliberate defects the chain-health and warning pages show.

One small demo is built for the whole module (building takes seconds), after a first build that is rolled back,
so the two builds' goal-chain fingerprints can be compared."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings

from zhengai.core.choices import Role
from zhengai.core.models import Membership
from zhengai.core.services import membership_grant, user_create
from zhengai.demo.builder import DemoBuilder
from zhengai.demo.goals import DEMO_TODAY
from zhengai.goals.choices import PlanKind, TaskKind, TaskState
from zhengai.goals.models import (
    Cost,
    Goal,
    Indicator,
    KeyTask,
    ObservationPoint,
    OnePagePlan,
    PerformanceScheme,
    Plan,
    PlanTask,
    ProgressUpdate,
    RecordItem,
    TaskRecord,
    YearTarget,
)
from zhengai.monitoring.models import Measurement
from zhengai.org.models import Major, Teacher

SPECIALS = {"专业建设", "师资队伍建设", "学生发展", "科研发展", "教育信息化建设", "国际交流与校企合作", "质量保证建设",
            "校园文化建设", "校园建设"}
# The module's tests need the test database (set up only for tests that ask for it); each runs in a savepoint
# inside the module's build.
pytestmark = pytest.mark.django_db

# The deliberately late tasks (due before the demo's today, not done) — other tests and pages rely on them.
LATE = {"信息工程学院建成校级精品在线开放课程2门", "完成教研室课程思政示范课建设", "完成数据中心二期软硬件部署",
        "完成校园监控系统升级", "完成暑期企业实践30天"}


def fast():
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def _fingerprint() -> list:
    """Codes, titles, dates and progress of the whole chain — never primary keys."""
    return [
        list(Plan.objects.order_by("code").values_list("code", "name", "kind", "start_year", "end_year",
                                                       "parent__code", "lead_unit__code", "owner__username")),
        list(Goal.objects.order_by("code").values_list("code", "title", "parent__code", "owner_unit__code",
                                                       "owner__username")),
        list(YearTarget.objects.order_by("point__goal__code", "point__order", "year").values_list(
            "point__goal__code", "point__name", "point__qc_point__code", "year", "target", "actual")),
        list(KeyTask.objects.order_by("year", "number").values_list("number", "name", "goal__code", "deadline",
                                                                    "lead_unit__code", "source")),
        list(Indicator.objects.order_by("key_task__number", "level", "parent__order", "order").values_list(
            "key_task__number", "level", "order", "content", "unit__code", "head_name", "due")),
        list(OnePagePlan.objects.order_by("name").values_list("name", "level", "status", "plan__code",
                                                              "parent__name", "leader_name")),
        list(PlanTask.objects.order_by("plan__name", "number").values_list(
            "plan__name", "number", "title", "start", "due", "months", "progress", "state", "completed_on",
            "owner__username", "owner_name", "indicator__content", "unit__code")),
        list(PlanTask.objectives.through.objects.order_by("plantask__plan__name", "plantask__number",
                                                          "objective__number")
             .values_list("plantask__plan__name", "plantask__number", "objective__number")),
        list(ProgressUpdate.objects.order_by("task__plan__name", "task__number", "year", "month").values_list(
            "task__plan__name", "task__number", "month", "progress", "note")),
        list(Cost.objects.order_by("plan__name", "budget_line").values_list("plan__name", "budget_line", "amount",
                                                                            "spent")),
        list(RecordItem.objects.order_by("record__task__title", "number").values_list(
            "record__task__title", "number", "content", "result_state")),
    ]


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
    """The module's demo, with the database open to the test (the tests only read, or roll back what they add)."""
    with django_db_blocker.unblock(), fast():
        inst = built.inst
        users = {m.user.username: m for m in Membership.objects.filter(institution=inst).select_related("user")}
        yield SimpleNamespace(inst=inst, first=built.first, users={k: m.user for k, m in users.items()},
                              scopes={k: m.scope for k, m in users.items()})


def test_same_seed_same_goal_chain(demo):
    second = _fingerprint()
    assert second == demo.first
    assert all(second), "every part of the chain has rows"


def test_plan_chain_from_the_master_plan_down_to_a_person(demo):
    master = Plan.objects.get(institution=demo.inst, kind=PlanKind.MASTER)
    assert master.name == "学院“十五五”事业发展规划" and (master.start_year, master.end_year) == (2026, 2030)
    assert master.lead_unit.name == "发展规划处"
    specials = master.children.filter(kind=PlanKind.SPECIAL)
    assert {p.name.removeprefix("学院“十五五”").removesuffix("规划") for p in specials} == SPECIALS
    assert all(p.lead_unit_id for p in specials)
    head_unit = demo.scopes["head"]
    subs = Plan.objects.filter(kind=PlanKind.SUB).order_by("code")
    colleges = set(Major.objects.filter(institution=demo.inst).values_list("unit__code", flat=True))
    assert [p.unit.code for p in subs] == sorted(colleges) and len(colleges) == 3
    sub = subs.get(unit=head_unit)
    assert sub.owner == demo.users["head"] and sub.parent == master
    majors = Plan.objects.filter(kind=PlanKind.MAJOR)
    assert {p.major.unit_id for p in majors} == {head_unit.pk} and majors.count() == 5
    assert all(p.parent == sub for p in majors)
    assert Plan.objects.get(kind=PlanKind.COURSE).course == demo.scopes["course"]
    career = Plan.objects.get(kind=PlanKind.CAREER)
    assert career.teacher == demo.scopes["teacher"] and career.owner == demo.users["teacher"]
    student = Plan.objects.get(kind=PlanKind.STUDENT)
    assert student.owner == demo.users["student"] and student.end_year - student.start_year == 2
    for plan in Plan.objects.all():
        assert 2 <= plan.goals.count() <= 4, plan


def test_goals_trace_up_the_chain_but_for_the_deliberate_breaks(demo):
    orphans = set(Goal.objects.filter(parent__isnull=True).exclude(plan__kind=PlanKind.MASTER)
                  .values_list("code", flat=True))
    last_major = Plan.objects.filter(kind=PlanKind.MAJOR).order_by("code").last()
    assert orphans == {"ZX07-G2", f"{last_major.code}-G3"}
    for goal in Goal.objects.filter(parent__isnull=False).select_related("plan", "parent__plan"):
        above = goal.parent.plan
        expected = {PlanKind.SPECIAL: {PlanKind.MASTER}, PlanKind.SUB: {PlanKind.SPECIAL},
                    PlanKind.MAJOR: {PlanKind.SUB}, PlanKind.COURSE: {PlanKind.MAJOR},
                    PlanKind.CAREER: {PlanKind.SUB}, PlanKind.STUDENT: {PlanKind.SPECIAL}}[goal.plan.kind]
        assert above.kind in expected, goal
    ownerless = Goal.objects.filter(owner__isnull=True, owner_unit__isnull=True)
    last_college = Plan.objects.filter(kind=PlanKind.SUB).order_by("code").last()
    assert list(ownerless.values_list("code", flat=True)) == [f"{last_college.code}-G3"]
    assert Goal.objects.filter(plan__kind=PlanKind.SUB, plan__unit=demo.scopes["head"],
                               owner=demo.users["head"]).count() == 3


def test_observation_points_read_measurements_or_typed_actuals(demo):
    measured = ObservationPoint.objects.filter(qc_point__isnull=False).select_related("goal__plan", "qc_point")
    assert {p.qc_point.level for p in measured} >= {"school", "unit", "major", "course", "teacher", "student"}
    for point in measured:
        # A point's QC point is at its plan's level, and the demo measured it for the plan's entity.
        plan = point.goal.plan
        assert point.qc_point.level == plan.level, point
        assert Measurement.objects.filter(qc_point=point.qc_point, entity_key=plan.entity_key).exists(), point
    five_years = YearTarget.objects.filter(point__goal__plan__kind=PlanKind.MASTER)
    assert set(five_years.values_list("year", flat=True)) >= {2026, 2027, 2028, 2029, 2030}
    typed = YearTarget.objects.filter(point__qc_point__isnull=True, year=2026)
    assert typed.exists() and not typed.filter(actual__isnull=True).exists()
    # The one past-year target with neither a QC point nor an actual (chain health: a target without a measure).
    unmeasured = YearTarget.objects.filter(point__qc_point__isnull=True, actual__isnull=True, year__lt=2026)
    assert [t.point.goal.plan.kind for t in unmeasured] == [PlanKind.STUDENT]


def test_key_tasks_with_three_levels_of_indicators(demo):
    tasks = KeyTask.objects.filter(institution=demo.inst, year=2026).order_by("number")
    assert 8 <= tasks.count() <= 10
    assert [t.number for t in tasks.filter(goal__isnull=True)] == [10]
    assert set(tasks.exclude(goal=None).values_list("goal__plan__kind", flat=True)) <= {PlanKind.MASTER,
                                                                                        PlanKind.SPECIAL}
    for task in tasks:
        assert task.leader == demo.users["leader"] and task.leader_name == "周校长"
        assert task.lead_unit_id and task.deadline and task.expected_results
        levels = {i.level for i in task.indicators.all()}
        assert levels == {1, 2, 3}, task
        for indicator in task.indicators.filter(level__gt=1):
            assert indicator.parent.level == indicator.level - 1 and indicator.unit_id and indicator.due
            assert indicator.due.year == 2026
    college_l3 = Indicator.objects.filter(level=3, unit=demo.scopes["head"])
    assert college_l3.exists() and all(i.head == demo.users["head"] for i in college_l3)
    assert all(i.head_name for i in Indicator.objects.filter(level=3))


def test_one_page_plans_at_every_level(demo):
    plans = OnePagePlan.objects.filter(institution=demo.inst, year=2026)
    assert set(plans.values_list("level", flat=True)) == {"unit", "major", "course", "teacher", "class"}
    # A department plan for each unit that carries third-level indicators, with one key task per indicator.
    carriers = set(Indicator.objects.filter(level=3).values_list("unit", flat=True))
    assert set(plans.filter(level="unit").values_list("unit", flat=True)) == carriers
    for indicator in Indicator.objects.filter(level=3):
        task = PlanTask.objects.get(indicator=indicator)
        assert task.kind == TaskKind.KEY and task.plan.unit_id == indicator.unit_id
    for plan in plans:
        assert 3 <= plan.objectives.count() <= 6, plan
        assert not plan.objectives.filter(goal__isnull=True, parent__isnull=True).exists(), plan
        assert plan.costs.count() >= 2 and plan.tasks.exists(), plan
    assert plans.get(level="teacher").leader == demo.users["teacher"]
    assert plans.get(level="class").klass == demo.scopes["counsellor"]
    # PlanTask.unit is the plan entity's department.
    college = demo.scopes["head"]
    for level in ("major", "course", "teacher", "class"):
        assert set(PlanTask.objects.filter(plan__level=level).values_list("unit", flat=True)) == {college.pk}
    # The deliberate error-rate defects: one task without an objective, one without an owner.
    assert list(PlanTask.objects.filter(objectives=None).values_list("title", flat=True)) == ["校园绿化养护与环境整治"]
    assert list(PlanTask.objects.filter(owner=None, owner_name="").values_list("title", flat=True)) == [
        "修订教学管理制度汇编"]
    assert set(plans.values_list("status", flat=True)) == {"approved", "submitted", "draft"}


def test_a_year_of_progress_with_late_tasks(demo):
    head = demo.users["head"]
    late = PlanTask.objects.filter(due__lt=DEMO_TODAY).exclude(state=TaskState.DONE)
    assert set(late.values_list("title", flat=True)) == LATE
    assert all(t.state == TaskState.IN_PROGRESS and t.progress < 100 for t in late)
    assert late.filter(owner=head, unit=demo.scopes["head"]).count() >= 2
    assert late.filter(owner=demo.users["teacher"]).exists()
    # The only open task due within the next seven days, and far behind (the countdown warning).
    soon = PlanTask.objects.filter(due__gte=DEMO_TODAY, due__lte=DEMO_TODAY + datetime.timedelta(days=7)).exclude(
        state=TaskState.DONE)
    assert [(t.title, t.owner, t.progress) for t in soon] == [("完成2026年专业人才培养质量年度报告", head, 45)]
    done = PlanTask.objects.filter(state=TaskState.DONE)
    assert done.count() > late.count() and all(t.completed_on and t.completed_on <= t.due for t in done)
    assert PlanTask.objects.filter(state=TaskState.NOT_STARTED, start__gt=DEMO_TODAY).exists()
    # Monthly updates January–November, one per month where work was planned, the last one the task's progress.
    months = set(ProgressUpdate.objects.values_list("month", flat=True))
    assert months <= set(range(1, 12)) and {1, 6, 11} <= months
    for task in PlanTask.objects.exclude(state=TaskState.NOT_STARTED):
        values = list(task.updates.order_by("month").values_list("month", "progress"))
        assert values and values[-1][1] == task.progress, task
        assert [p for _m, p in values] == sorted(p for _m, p in values), task
        assert all(m in task.months or m > task.due.month for m, _p in values), task


def test_records_and_the_performance_scheme(demo):
    records = TaskRecord.objects.filter(institution=demo.inst)
    assert records.count() == 3 and all(r.task.state == TaskState.DONE for r in records)
    assert all(2 <= r.items.count() <= 3 for r in records)
    scheme = PerformanceScheme.objects.get(institution=demo.inst, year=2026)
    assert (scheme.task_weight, scheme.qc_weight, scheme.improvement_weight) == (50, 30, 20)


def test_a_career_plan_is_seen_by_its_teacher_and_not_by_another(demo):
    career = Plan.objects.get(kind=PlanKind.CAREER)
    teacher = demo.users["teacher"]
    assert Plan.objects.restrict(teacher).filter(pk=career.pk).exists()
    assert OnePagePlan.objects.restrict(teacher).filter(level="teacher").exists()
    with transaction.atomic():
        colleague = (Teacher.objects.filter(institution=demo.inst, unit=career.teacher.unit)
                     .exclude(pk=career.teacher_id).order_by("code").first())
        other = user_create(username="another_teacher", name=colleague.name)
        membership_grant(user=other, institution=demo.inst, role=Role.TEACHER, scope=colleague)
        assert not Plan.objects.restrict(other).filter(pk=career.pk).exists()
        assert not OnePagePlan.objects.restrict(other).filter(level="teacher").exists()
        assert Plan.objects.restrict(other).filter(kind=PlanKind.MASTER).exists()
        transaction.set_rollback(True)
    # The head of the first college sees and may change the college's plans, not another department's.
    head = demo.users["head"]
    college_plan = OnePagePlan.objects.get(level="unit", unit=demo.scopes["head"])
    assert OnePagePlan.objects.restrict(head, "change").filter(pk=college_plan.pk).exists()
    assert not OnePagePlan.objects.restrict(head, "change").filter(level="unit").exclude(pk=college_plan.pk).exists()
    student = demo.users["student"]
    assert Plan.objects.restrict(student).filter(kind=PlanKind.STUDENT).exists()
