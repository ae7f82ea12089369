"""Reads of plans, goals and one-page plans, always through the permission gate; goal progress from the
measurements of the plan's entity; the one-page plans' error report (seed 002 表10: 差错率小于 5%)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from zhengai.core.permissions import CHANGE
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.selectors import that_count

from .models import Goal, ObservationPoint, OnePagePlan, Plan, PlanTask, YearTarget
from .services import KIND_RANK, onepage_unit

# Tasks with at least one error above this share of a department's tasks are flagged (seed 002 表10).
ERROR_RATE_LIMIT = Decimal("0.05")


# -- plans ------------------------------------------------------------------------------------------------

def plans_for(user: Any, institution: Any) -> QuerySet:
    return Plan.objects.restrict(user).filter(institution=institution).select_related(
        "parent", "owner", "lead_unit", "unit", "major", "course", "teacher", "student")


@dataclass
class PlanNode:
    plan: Plan
    children: list[PlanNode] = field(default_factory=list)


def plan_tree(plans: list[Plan]) -> list[PlanNode]:
    """The plans as a tree: a plan whose parent is not among them (filtered out or not visible) is a root."""
    nodes = {p.pk: PlanNode(p) for p in plans}
    roots: list[PlanNode] = []
    for p in sorted(plans, key=lambda p: (KIND_RANK.get(p.kind, 9), p.start_year, p.code, p.pk)):
        if p.parent_id in nodes:
            nodes[p.parent_id].children.append(nodes[p.pk])
        else:
            roots.append(nodes[p.pk])
    return roots


def academic_year_code(year: int) -> str:
    """The code of the academic-year Period a yearly target of `year` is measured in."""
    return f"{year}-{year + 1}"


def _measured(plan: Plan, qc_point_ids: set[int], years: list[int]) -> dict[tuple[int, int], Decimal | None]:
    """Measured values of the plan's entity by (QC point, year): the measurements that count, one query."""
    if not qc_point_ids or not years:
        return {}
    codes = {academic_year_code(y): y for y in years}
    rows = (that_count(Measurement.objects.filter(institution_id=plan.institution_id, entity_key=plan.entity_key,
                                                  qc_point_id__in=qc_point_ids, period__code__in=codes))
            .values_list("qc_point_id", "period__code", "value"))
    return {(qc, codes[code]): value for qc, code, value in rows}


def _actual(point: ObservationPoint, target: YearTarget | None, year: int, measured: dict) -> Decimal | None:
    if point.qc_point_id:
        return measured.get((point.qc_point_id, year))
    return target.actual if target is not None else None


def point_actual(point: ObservationPoint, year: int) -> Decimal | None:
    """The point's actual value for academic year `year`: the measurement of its QC point for the plan's entity
    when a QC point measures it, otherwise what was typed on the year's target."""
    plan = point.goal.plan
    measured = _measured(plan, {point.qc_point_id}, [year]) if point.qc_point_id else {}
    return _actual(point, point.targets.filter(year=year).first(), year, measured)


def attained(point: ObservationPoint, target: Decimal | None, actual: Decimal | None) -> bool | None:
    """Whether the actual meets the target (≥ when higher is better, ≤ otherwise); None when either is missing."""
    if target is None or actual is None:
        return None
    return actual >= target if point.higher_is_better else actual <= target


def _ratio(point: ObservationPoint, target: Decimal, actual: Decimal | None) -> Decimal | None:
    """Attainment ratio in percent (actual over target; inverted when lower is better)."""
    if actual is None:
        return None
    if point.higher_is_better:
        return (actual / target * 100).quantize(Decimal("0.1")) if target else None
    return (target / actual * 100).quantize(Decimal("0.1")) if actual else None


@dataclass
class PointRow:
    point: ObservationPoint
    year: int
    target: Decimal | None
    actual: Decimal | None
    measured: bool
    attained: bool | None
    ratio: Decimal | None


@dataclass
class Progress:
    """A goal's progress for a year: the share of its points with a target that year that are attained."""

    goal: Goal
    year: int
    rows: list[PointRow]

    @property
    def with_target(self) -> int:
        return sum(1 for r in self.rows if r.target is not None)

    @property
    def attained(self) -> int:
        return sum(1 for r in self.rows if r.attained)

    @property
    def share(self) -> Decimal | None:
        if not self.with_target:
            return None
        return (Decimal(self.attained) / self.with_target * 100).quantize(Decimal("0.1"))


def _progress(goal: Goal, year: int, points: list[ObservationPoint], measured: dict) -> Progress:
    rows = []
    for point in points:
        target = next((t for t in point.targets.all() if t.year == year), None)
        if target is None:
            continue
        actual = _actual(point, target, year, measured)
        rows.append(PointRow(point, year, target.target, actual, bool(point.qc_point_id),
                             attained(point, target.target, actual), _ratio(point, target.target, actual)))
    return Progress(goal, year, rows)


def goal_progress(goal: Goal, year: int) -> Progress:
    points = list(goal.points.select_related("qc_point").prefetch_related("targets"))
    measured = _measured(goal.plan, {p.qc_point_id for p in points if p.qc_point_id}, [year])
    return _progress(goal, year, points, measured)


@dataclass
class GoalView:
    goal: Goal
    points: list[ObservationPoint]
    years: list[int]
    rows: list[tuple[ObservationPoint, list[PointRow | None]]]   # each point with one cell per year
    progress: list[Progress]


def plan_goals(plan: Plan) -> list[GoalView]:
    """The plan's goals with their points, each point's target, actual and attainment per year of the plan, and
    each goal's progress per year — in a fixed number of queries."""
    years = list(range(plan.start_year, plan.end_year + 1))
    goals = list(plan.goals.select_related("parent", "parent__plan", "owner", "owner_unit").prefetch_related(
        Prefetch("points", queryset=ObservationPoint.objects.select_related("qc_point").prefetch_related("targets"))))
    qc_ids = {p.qc_point_id for g in goals for p in g.points.all() if p.qc_point_id}
    measured = _measured(plan, qc_ids, years)
    views = []
    for goal in goals:
        points = list(goal.points.all())
        progress = [_progress(goal, y, points, measured) for y in years]
        by_year = [{r.point.pk: r for r in pr.rows} for pr in progress]
        rows = [(p, [cells.get(p.pk) for cells in by_year]) for p in points]
        views.append(GoalView(goal, points, years, rows, progress))
    return views


# -- one-page plans ----------------------------------------------------------------------------------------

def onepages_for(user: Any, institution: Any) -> QuerySet:
    return OnePagePlan.objects.restrict(user).filter(institution=institution).select_related(
        "unit", "major", "major__unit", "course", "course__unit", "teacher", "teacher__unit", "klass",
        "klass__major__unit", "leader")


ERRORS = {
    "objective": "未对应目标",
    "owner": "未指定负责人",
    "months": "未安排进度月份",
    "due": "无目标日期",
    "due_year": "目标日期不在计划年度内",
}


def task_errors(task: PlanTask, year: int, objective_count: int | None = None) -> list[str]:
    """What is wrong with a task by seed 002 表10 (任务与目标匹配、与负责人对应、进度标注): error labels."""
    n = objective_count if objective_count is not None else task.objectives.count()
    errors = []
    if not n:
        errors.append(ERRORS["objective"])
    if not task.owner_id and not task.owner_name.strip():
        errors.append(ERRORS["owner"])
    if not task.months:
        errors.append(ERRORS["months"])
    if task.due is None:
        errors.append(ERRORS["due"])
    elif task.due.year != year:
        errors.append(ERRORS["due_year"])
    return errors


@dataclass
class PlanErrors:
    plan: OnePagePlan
    tasks: int = 0
    bad: list[tuple[PlanTask, list[str]]] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        return (Decimal(len(self.bad)) / self.tasks).quantize(Decimal("0.0001")) if self.tasks else None

    @property
    def percent(self) -> Decimal | None:
        return None if self.rate is None else (self.rate * 100).quantize(Decimal("0.1"))

    @property
    def flagged(self) -> bool:
        return self.rate is not None and self.rate >= ERROR_RATE_LIMIT


@dataclass
class UnitErrors(PlanErrors):
    unit: Any = None
    plans: list[PlanErrors] = field(default_factory=list)


def _tasks_with_counts(plans: QuerySet | list) -> QuerySet:
    return (PlanTask.objects.filter(plan__in=plans).select_related("owner")
            .annotate(objective_count=Count("objectives")).order_by("plan", "number"))


def onepage_errors(plan: OnePagePlan) -> PlanErrors:
    result = PlanErrors(plan)
    for task in _tasks_with_counts([plan.pk]):
        result.tasks += 1
        errors = task_errors(task, plan.year, task.objective_count)
        if errors:
            result.bad.append((task, errors))
    return result


def error_report(user: Any, institution: Any, year: int, unit: Any = None) -> list[UnitErrors]:
    """Per department and year: each visible plan's tasks with errors and the error rate (tasks with at least
    one error over tasks), flagged at 5% or more."""
    plans = list(onepages_for(user, institution).filter(year=year))
    by_plan = {p.pk: PlanErrors(p) for p in plans}
    for task in _tasks_with_counts([p.pk for p in plans]):
        pe = by_plan[task.plan_id]
        pe.tasks += 1
        errors = task_errors(task, pe.plan.year, task.objective_count)
        if errors:
            pe.bad.append((task, errors))
    units: dict[Any, UnitErrors] = {}
    for pe in by_plan.values():
        u = onepage_unit(pe.plan)
        if unit is not None and (u is None or u.pk != unit.pk):
            continue
        ue = units.setdefault(u.pk if u else None, UnitErrors(plan=None, unit=u))  # type: ignore[arg-type]
        ue.plans.append(pe)
        ue.tasks += pe.tasks
        ue.bad.extend(pe.bad)
    return sorted(units.values(), key=lambda ue: (ue.unit is None, getattr(ue.unit, "code", "")))


def onepage_search(qs: QuerySet, text: str) -> QuerySet:
    text = text.strip()
    if not text:
        return qs
    return qs.filter(Q(name__icontains=text) | Q(leader_name__icontains=text) | Q(objective__icontains=text)
                     | Q(unit__name__icontains=text) | Q(major__name__icontains=text)
                     | Q(course__name__icontains=text) | Q(teacher__name__icontains=text)
                     | Q(klass__name__icontains=text))


# -- the sheet (seed 002 表2–3) ---------------------------------------------------------------------------------

@dataclass
class SheetTask:
    task: PlanTask
    marks: list[bool]                    # one per objective: the matrix
    months: list[dict[str, Any]]         # one per month: planned, reported progress


def onepage_sheet(plan: OnePagePlan) -> dict[str, Any]:
    """What the one-page sheet shows: objectives, tasks with their matrix row and 12 months, costs, errors."""
    objectives = list(plan.objectives.select_related("goal", "parent"))
    tasks = list(plan.tasks.select_related("owner").prefetch_related("objectives", "updates"))
    rows = []
    for task in tasks:
        linked = {o.pk for o in task.objectives.all()}
        reported = {u.month: u.progress for u in task.updates.all() if u.year == plan.year}
        planned = set(task.months or [])
        rows.append(SheetTask(task, [o.pk in linked for o in objectives],
                              [{"month": m, "planned": m in planned, "reported": reported.get(m)}
                               for m in range(1, 13)]))
    costs = list(plan.costs.all())
    return {"objectives": objectives, "rows": rows, "costs": costs,
            "cost_total": sum((c.amount for c in costs), Decimal(0)), "months": list(range(1, 13)),
            "unit": onepage_unit(plan)}


def my_tasks(user: Any, institution: Any) -> QuerySet:
    """Open tasks the user owns, in any plan (an owner may not see the whole plan their task sits in)."""
    from .choices import OPEN_TASK_STATES

    return (PlanTask.objects.restrict(user, CHANGE).filter(institution=institution, owner_id=user.pk,
                                                           state__in=OPEN_TASK_STATES)
            .select_related("plan").order_by("due", "plan", "number"))


def onepages_to_review(user: Any, institution: Any) -> QuerySet:
    """Submitted one-page plans this user is the one to approve — the same rule as `services.may_approve`, as a
    filter: the quality office and school leaders every plan; a unit head the plans of the majors, courses,
    teachers and classes of the units they head (never the unit's own plan, which the level above approves)."""
    from zhengai.core.choices import Role
    from zhengai.core.permissions import access_for
    from zhengai.org.models import Unit

    from .choices import PlanStatus
    from .models import PLANNERS

    qs = onepages_for(user, institution).filter(status=PlanStatus.SUBMITTED)
    access = access_for(user)
    if access.is_superuser or access.has_role(PLANNERS, institution.pk):
        return qs.order_by("submitted_at", "pk")
    heads = access.scoped_ids(Role.UNIT_HEAD, Unit)
    return qs.exclude(level="unit").filter(
        Q(major__unit_id__in=heads) | Q(course__unit_id__in=heads) | Q(teacher__unit_id__in=heads)
        | Q(klass__major__unit_id__in=heads)).order_by("submitted_at", "pk")


def records_to_review(user: Any, institution: Any) -> QuerySet:
    """Work items of tasks' PDCA records with a result entered and no 学校核查意见 yet, for the reviewers
    (`records.may_review`: the quality office and supervisors, on the tasks they see)."""
    from zhengai.core.permissions import access_for

    from .choices import WorkResult
    from .models import RecordItem
    from .records import REVIEWERS

    access = access_for(user)
    if not (access.is_superuser or access.has_role(REVIEWERS, institution.pk)):
        return RecordItem.objects.none()
    return (RecordItem.objects.restrict(user).filter(institution=institution, review_opinion="")
            .exclude(result_state=WorkResult.PENDING).select_related("record__task__plan")
            .order_by("deadline", "pk"))


def progress_due(user: Any, institution: Any, today: Any) -> list[PlanTask]:
    """The user's open tasks of this year's plans scheduled for this month (the board's 计划月份) with no
    月度进展 reported for the month yet. A person owns a handful of tasks, so the months are read in Python
    (a JSON `contains` is not portable to SQLite)."""
    from django.db.models import Exists, OuterRef

    from .models import ProgressUpdate

    reported = ProgressUpdate.objects.filter(task=OuterRef("pk"), year=today.year, month=today.month)
    tasks = my_tasks(user, institution).filter(plan__year=today.year).exclude(Exists(reported))
    return [t for t in tasks if today.month in (t.months or [])]


__all__ = ["ERRORS", "ERROR_RATE_LIMIT", "error_report", "goal_progress", "onepage_errors", "onepage_sheet",
           "plannable", "my_tasks", "onepages_for", "onepages_to_review", "progress_due", "records_to_review",
           "plan_goals", "plan_tree", "plans_for", "point_actual", "task_errors"]


def plannable(user: Any, institution: Any, level: str) -> QuerySet:
    """The active entities of `level` in this institution the user may plan for (the quality office and school
    leaders: all of them, except students: a student's development plan is written by the student or their
    counsellor, and a college's students would make a select of tens of thousands), for the object choice of a
    new plan."""
    from zhengai.core.permissions import VIEW, access_for
    from zhengai.org.entities import entity_queryset

    from .models import PLANNERS, plannable_q

    qs = entity_queryset(level, institution).restrict(user, VIEW).order_by("code", "pk")
    access = access_for(user)
    if level != "student" and (access.is_superuser or access.has_role(PLANNERS, institution.pk)):
        return qs
    return qs.filter(plannable_q(access, level))
