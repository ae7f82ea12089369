"""Chain health (目标链体检): what breaks the goal chain from the master plan down to a task, each item with a
link to where it can be fixed. Seed 002 wants a net where "目标可传导，标准可执行，进度可监控"; every item
here is a place where that fails."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse

from zhengai.core.choices import Role

from .choices import PlanKind, PlanState, PlanStatus, TaskState
from .models import Goal, KeyTask, Objective, OnePagePlan, Plan, PlanTask, YearTarget

READERS = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}

KINDS = {
    "goal_parent": "目标没有上级目标",
    "goal_owner": "目标没有责任人或责任部门",
    "keytask_goal": "重点任务没有对应规划目标",
    "task_objective": "一页纸任务没有对应目标",
    "task_unlinked": "一页纸任务的目标未接入目标链",
    "target_measure": "观测点目标值没有测量",
    "plan_expired": "规划已过期仍在执行",
    "onepage_draft": "往年一页纸计划仍为草稿",
    "warning_nobody": "预警无人接收（责任人及所在部门负责人均无账号）",
}


def link(name: str, pk: int) -> str:
    """The page to fix an object on, or "" while that page does not exist yet."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


@dataclass
class Issue:
    kind: str
    title: str
    detail: str
    url: str

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def _academic_year_over(year: int, today: datetime.date) -> bool:
    """Whether the academic year starting in `year` (a YearTarget's year) has ended by `today`."""
    return datetime.date(year + 1, 8, 31) < today


def issues(institution: Any, today: datetime.date) -> list[Issue]:
    """Every break of the chain in the institution, grouped by kind. Closed plans are history: their goals
    are not checked."""
    found: list[Issue] = []
    goals = (Goal.objects.filter(institution=institution).exclude(plan__state=PlanState.CLOSED)
             .select_related("plan").order_by("plan__kind", "plan__pk", "order", "pk"))
    # A master plan's goals are the top of the chain: they have no parent by design.
    for g in goals.filter(parent__isnull=True).exclude(plan__kind=PlanKind.MASTER):
        found.append(Issue("goal_parent", str(g), f"所属规划：{g.plan}", link("goals:plan_detail", g.plan_id)))
    for g in goals.filter(owner__isnull=True, owner_unit__isnull=True):
        found.append(Issue("goal_owner", str(g), f"所属规划：{g.plan}", link("goals:plan_detail", g.plan_id)))
    for k in KeyTask.objects.filter(institution=institution, goal__isnull=True).order_by("-year", "number"):
        found.append(Issue("keytask_goal", str(k), f"{k.year}年度", link("goals:keytask_detail", k.pk)))
    tasks = (PlanTask.objects.filter(institution=institution).exclude(state=TaskState.CANCELLED)
             .select_related("plan").order_by("-plan__year", "plan__pk", "number"))
    has_objective = Exists(Objective.tasks.through.objects.filter(plantask_id=OuterRef("pk")))
    linked = Exists(Objective.tasks.through.objects.filter(
        plantask_id=OuterRef("pk")).filter(Q(objective__goal__isnull=False) | Q(objective__parent__isnull=False)))
    for t in tasks.filter(~has_objective):
        found.append(Issue("task_objective", f"{t.plan.year} {t.plan} · {t}", "任务未勾选任何目标",
                           link("goals:onepage_detail", t.plan_id)))
    for t in tasks.filter(has_objective, ~linked):
        found.append(Issue("task_unlinked", f"{t.plan.year} {t.plan} · {t}",
                           "任务的目标既未对应规划目标，也未对应上级计划的目标",
                           link("goals:onepage_detail", t.plan_id)))
    past = [y for y in YearTarget.objects.filter(institution=institution).values_list("year", flat=True).distinct()
            if _academic_year_over(y, today)]
    for yt in (YearTarget.objects.filter(institution=institution, year__in=past, actual__isnull=True,
                                         point__qc_point__isnull=True)
               .select_related("point__goal__plan").order_by("point__goal__plan", "point", "year")):
        goal = yt.point.goal
        found.append(Issue("target_measure", f"{goal} · {yt.point}",
                           f"{yt.year}—{yt.year + 1}学年目标值 {yt.target.normalize():f}{yt.point.unit_label}，"
                           "既无质控点测量，也未填写实际值", link("goals:plan_detail", goal.plan_id)))
    for p in Plan.objects.filter(institution=institution, state=PlanState.ACTIVE, end_year__lt=today.year):
        found.append(Issue("plan_expired", str(p), f"规划期 {p.start_year}—{p.end_year} 年已结束",
                           link("goals:plan_detail", p.pk)))
    for op in OnePagePlan.objects.filter(institution=institution, status=PlanStatus.DRAFT, year__lt=today.year):
        found.append(Issue("onepage_draft", f"{op.year} {op}", "往年计划从未提交", link("goals:onepage_detail", op.pk)))
    # A warning must reach a person: the kernel resolves it to the entity's owners with accounts, else to the
    # unit head up the tree; one that reached nobody names an owner to give an account to.
    from zhengai.monitoring.choices import OPEN_STATES
    from zhengai.monitoring.models import Warning

    nobody = (Warning.objects.filter(institution=institution, state__in=OPEN_STATES)
              .filter(~Exists(Warning.owners.through.objects.filter(warning_id=OuterRef("pk"))))
              .select_related("qc_point", "unit", "major", "course", "teacher", "student", "klass", "institution")
              .order_by("level", "entity_key")[:200])
    for w in nobody:
        found.append(Issue("warning_nobody", str(w), f"对象：{w.get_level_display()} {w.entity}，"
                                                     "请为其负责人或所在部门负责人开通账号",
                           link("monitoring:warning_detail", w.pk)))
    return found


def counts(found: list[Issue]) -> list[tuple[str, str, int]]:
    """(kind, label, number) for every kind, in the page's order, zeros included."""
    by_kind: dict[str, int] = {}
    for i in found:
        by_kind[i.kind] = by_kind.get(i.kind, 0) + 1
    return [(k, label, by_kind.get(k, 0)) for k, label in KINDS.items()]
