"""Chain health: each kind of break is found, a fixed one disappears; who may read the page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.goals.test_tracking import make_plan, make_task
from zhengai.goals import health
from zhengai.goals.models import Goal, KeyTask, Objective, ObservationPoint, OnePagePlan, Plan, YearTarget
from zhengai.standards.models import QCPoint
from zhengai.standards.services import library_load

TODAY = datetime.date(2026, 2, 10)


def kinds_of(found, kind):
    return [i.title for i in found if i.kind == kind]


@pytest.fixture
def chain(college):
    """A sound chain (master → special → unit sub-plan → one-page plan) plus one break of every kind."""
    c = college
    inst = c.institution
    master = Plan.objects.create(institution=inst, level="school", entity_key="school", kind="master",
                                 name="十四五总规划", start_year=2021, end_year=2025, state="active")
    special = Plan.objects.create(institution=inst, level="school", entity_key="school", kind="special",
                                  name="专业建设专项规划", start_year=2021, end_year=2030, parent=master)
    top = Goal.objects.create(institution=inst, plan=master, title="建成省级优质校", owner_unit=c.units["office"])
    good = Goal.objects.create(institution=inst, plan=special, parent=top, title="专业群建设",
                               owner=c.users["quality"])
    orphan = Goal.objects.create(institution=inst, plan=special, title="孤立目标", owner=c.users["quality"])
    ownerless = Goal.objects.create(institution=inst, plan=special, parent=top, title="无人负责的目标")
    KeyTask.objects.create(institution=inst, year=2025, number=1, name="有目标的重点任务", goal=good)
    KeyTask.objects.create(institution=inst, year=2025, number=2, name="无目标的重点任务")
    plan = make_plan(c, "it", year=2025, status="submitted")
    linked = Objective.objects.create(institution=inst, plan=plan, number=1, text="对应规划的目标", goal=good)
    loose = Objective.objects.create(institution=inst, plan=plan, number=2, text="悬空的目标")
    ok_task = make_task(plan, 1, title="接入目标链的任务")
    ok_task.objectives.add(linked)
    no_objective = make_task(plan, 2, title="没有目标的任务")
    unlinked = make_task(plan, 3, title="目标悬空的任务")
    unlinked.objectives.add(loose)
    library_load(inst)
    measured = ObservationPoint.objects.create(institution=inst, goal=good, name="测量的观测点",
                                               qc_point=QCPoint.objects.filter(institution=inst).first())
    typed = ObservationPoint.objects.create(institution=inst, goal=good, name="填报的观测点")
    bare = ObservationPoint.objects.create(institution=inst, goal=good, name="无测量的观测点")
    YearTarget.objects.create(institution=inst, point=measured, year=2023, target=Decimal("90"))
    YearTarget.objects.create(institution=inst, point=typed, year=2023, target=Decimal("90"), actual=Decimal("88"))
    YearTarget.objects.create(institution=inst, point=bare, year=2023, target=Decimal("90"))
    YearTarget.objects.create(institution=inst, point=bare, year=2025, target=Decimal("95"))  # not over yet
    draft = make_plan(c, "mech", year=2024, leader=None)  # status draft by default
    make_plan(c, "mech", year=2026, leader=None)  # this year's draft is fine
    return {"master": master, "orphan": orphan, "ownerless": ownerless, "no_objective": no_objective,
            "unlinked": unlinked, "loose": loose, "bare": bare, "draft": draft, "good": good}


def test_each_kind_of_break_is_found(college, chain):
    found = health.issues(college.institution, TODAY)
    assert kinds_of(found, "goal_parent") == ["孤立目标"]  # the master plan's goal is the top, not a break
    assert kinds_of(found, "goal_owner") == ["无人负责的目标"]
    assert kinds_of(found, "keytask_goal") == ["2025-2 无目标的重点任务"]
    assert [t.endswith("没有目标的任务") for t in kinds_of(found, "task_objective")] == [True]
    assert [t.endswith("目标悬空的任务") for t in kinds_of(found, "task_unlinked")] == [True]
    targets = [i for i in found if i.kind == "target_measure"]
    assert len(targets) == 1 and "无测量的观测点" in targets[0].title and "2023—2024学年" in targets[0].detail
    assert kinds_of(found, "plan_expired") == ["十四五总规划"]
    assert kinds_of(found, "onepage_draft") == [f"2024 {chain['draft'].name}"]
    # The chain fixture raises no warning; test_a_warning_that_reached_nobody_is_listed covers that kind.
    assert dict((k, n) for k, _, n in health.counts(found)) == {k: int(k != "warning_nobody") for k in health.KINDS}
    # Each item links to where it is fixed (or nowhere while that page is still to come).
    orphan = next(i for i in found if i.kind == "goal_parent")
    assert orphan.url == health.link("goals:plan_detail", chain["orphan"].plan_id)


def test_fixed_breaks_disappear(college, chain):
    c = college
    Goal.objects.filter(pk=chain["orphan"].pk).update(parent=chain["good"])
    Goal.objects.filter(pk=chain["ownerless"].pk).update(owner_unit=c.units["it"])
    KeyTask.objects.filter(goal__isnull=True).update(goal=chain["good"])
    chain["no_objective"].objectives.add(Objective.objects.get(text="对应规划的目标"))
    Objective.objects.filter(pk=chain["loose"].pk).update(goal=chain["good"])
    YearTarget.objects.filter(point=chain["bare"], year=2023).update(actual=Decimal("91"))
    Plan.objects.filter(pk=chain["master"].pk).update(state="closed")
    OnePagePlan.objects.filter(pk=chain["draft"].pk).update(status="approved")
    assert health.issues(college.institution, TODAY) == []
    # A cancelled task is no break either.
    make_task(OnePagePlan.objects.get(pk=chain["draft"].pk), 9, state="cancelled")
    assert health.issues(college.institution, TODAY) == []


def test_health_page_who_may_and_who_may_not(college, other, chain, login):
    url = reverse("goals:health")
    for key in ("quality", "leader", "supervisor"):
        page = login(college.users[key]).get(url)
        assert page.status_code == 200 and "孤立目标" in page.content.decode(), key
    filtered = login(college.users["quality"]).get(url, {"kind": "goal_owner"}).content.decode()
    assert "无人负责的目标" in filtered and "孤立目标" not in filtered
    for key in ("head", "teacher", "student"):
        assert login(college.users[key]).get(url).status_code == 403, key
    assert "孤立目标" not in login(other.users["quality"]).get(url).content.decode()


def test_a_warning_that_reached_nobody_is_listed(college):
    """Chain health names the owner without an account: a major nobody leads in a college nobody heads."""
    from zhengai.core.periods import ensure_academic_year
    from zhengai.monitoring.models import Warning
    from zhengai.org.models import Major

    c = college
    lonely = Major.objects.create(institution=c.institution, code="560101", name="数控技术", unit=c.units["mech"])
    w = Warning.objects.create(institution=c.institution, level="major", entity_key=f"major:{lonely.pk}",
                               major=lonely, title="专业预警", severity="normal", period=ensure_academic_year(2024))
    listed = [i for i in health.issues(c.institution, TODAY) if i.kind == "warning_nobody"]
    assert [i.url for i in listed] == [reverse("monitoring:warning_detail", args=[w.pk])]
    assert "数控技术" in listed[0].detail
    w.owners.add(c.users["quality"])
    assert not [i for i in health.issues(c.institution, TODAY) if i.kind == "warning_nobody"]
