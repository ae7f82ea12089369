"""Writes of the goal chain's plans, goals and one-page plans. Every write validates, saves in one transaction and
leaves an audit entry (through `core.services.save_object` or `core.audit.record`).

Services check that the actor may change what they write (the gate's `change`), because a create cannot be
gated by looking the object up first: the plan is saved, then looked for among the plans the actor may change,
and the transaction rolls back when it is not there. `actor=None` is for the platform itself (demo, commands).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from zhengai.core import audit
from zhengai.core.choices import AuditAction, Role
from zhengai.core.models import Membership
from zhengai.core.permissions import CHANGE, access_for
from zhengai.core.services import save_object
from zhengai.org.entities import ENTITY_FIELDS, ENTITY_MODELS, entity_key
from zhengai.org.models import Unit
from zhengai.standards.choices import Level

from .choices import PLAN_LEVELS, OnePageLevel, PlanKind, PlanStatus, TaskState
from .models import (
    PLANNERS,
    Cost,
    Goal,
    Objective,
    ObservationPoint,
    OnePagePlan,
    Plan,
    PlanTask,
    ProgressUpdate,
    YearTarget,
)

# How high each kind of plan stands in the chain: a parent plan (and a parent goal's plan) must stand higher.
KIND_RANK = {PlanKind.MASTER: 0, PlanKind.SPECIAL: 1, PlanKind.SUB: 2, PlanKind.MAJOR: 3, PlanKind.COURSE: 4,
             PlanKind.CAREER: 5, PlanKind.STUDENT: 5}


# -- helpers ------------------------------------------------------------------------------------------------

def _entity_data(level: str, entity: Any) -> dict[str, Any]:
    """The EntityOwned fields for `entity` of `level`: the level, its key and exactly one FK set."""
    data: dict[str, Any] = {"level": level, "entity_key": entity_key(level, getattr(entity, "pk", None))}
    for field in ENTITY_FIELDS.values():
        data[field] = None
    field = ENTITY_FIELDS.get(level)
    if field:
        data[field] = entity
    return data


def _check_entity(institution: Any, level: str, entity: Any, field: str = "entity") -> None:
    """The entity must be of the level's model and of the institution; the school level names none."""
    if level == Level.SCHOOL:
        if entity is not None:
            raise ValidationError({field: "学校层面的规划不指定对象"})
        return
    model = ENTITY_MODELS.get(level)
    if entity is None:
        raise ValidationError({field: f"请选择{Level(level).label}"})
    if model is None or not isinstance(entity, model):
        raise ValidationError({field: f"对象必须是{Level(level).label}"})
    if entity.institution_id != institution.pk:
        raise ValidationError({field: "对象不属于本院校"})


def _may_change(actor: Any, obj: models.Model) -> None:
    """PermissionDenied unless the actor may change `obj` (saved already; the caller's transaction rolls back)."""
    if actor is None:
        return
    if not type(obj).objects.restrict(actor, CHANGE).filter(pk=obj.pk).exists():
        raise PermissionDenied("您没有修改该对象的权限")


def _editable(plan: OnePagePlan) -> None:
    """An approved one-page plan is the agreed plan: its header, objectives, tasks and costs stay as approved
    (monthly progress is still reported against it)."""
    if plan.status == PlanStatus.APPROVED:
        raise ValidationError("该计划已审核通过，不能再修改表头、目标、任务或成本；如需调整，请联系审核人。")


def _same_institution(institution: Any, obj: Any, field: str, label: str) -> None:
    if obj is not None and getattr(obj, "institution_id", None) != institution.pk:
        raise ValidationError({field: f"{label}不属于本院校"})


def _member(institution: Any, user: Any, field: str) -> None:
    """A person named on a plan (owner, leader) must belong to the institution."""
    if user is not None and not Membership.objects.filter(user=user, institution=institution, active=True).exists():
        raise ValidationError({field: "该人员不是本院校成员"})


def _delete(*, actor: Any, obj: models.Model, note: str = "") -> None:
    before = audit.snapshot(obj)
    audit.record(actor=actor, obj=obj, action=AuditAction.DELETE, before=before, after={}, note=note)
    obj.delete()


# -- plans and goals ---------------------------------------------------------------------------------------

def plan_ancestors(plan: Plan | None) -> list[Plan]:
    """The plan's parent, grandparent… (guarded against loops a bad edit could make)."""
    chain: list[Plan] = []
    seen: set[int] = set()
    while plan is not None and plan.parent_id and plan.parent_id not in seen:
        seen.add(plan.parent_id)
        plan = plan.parent
        chain.append(plan)
    return chain


@transaction.atomic
def plan_save(*, actor: Any, institution: Any, data: dict[str, Any], plan: Plan | None = None) -> Plan:
    """Create or update a plan. `data` holds the model's fields plus `entity` (the unit, major, course, teacher
    or student the plan is about; None for the school's master and special plans)."""
    data = dict(data)
    plan = plan or Plan(institution=institution)
    if plan.institution_id != institution.pk:
        raise ValidationError("规划不属于本院校")
    kind = data.get("kind", plan.kind)
    if kind not in PlanKind.values:
        raise ValidationError({"kind": "请选择规划类别"})
    level = PLAN_LEVELS[PlanKind(kind)]
    entity = data.pop("entity", plan.entity if plan.pk and plan.level == level else None)
    if level == Level.SCHOOL:
        entity = None
    _check_entity(institution, level, entity)
    start, end = data.get("start_year", plan.start_year), data.get("end_year", plan.end_year)
    if start and end and end < start:
        raise ValidationError({"end_year": "结束年份不能早于起始年份"})
    parent = data.get("parent", plan.parent if plan.pk else None)
    if parent is not None:
        _same_institution(institution, parent, "parent", "上级规划")
        if plan.pk and (parent.pk == plan.pk or plan.pk in {p.pk for p in plan_ancestors(parent)}):
            raise ValidationError({"parent": "上级规划不能是本规划或其下级规划"})
        if KIND_RANK[PlanKind(parent.kind)] >= KIND_RANK[PlanKind(kind)]:
            raise ValidationError({"parent": f"{PlanKind(kind).label}的上级规划应是更高一级的规划"})
    _same_institution(institution, data.get("lead_unit"), "lead_unit", "责任部门")
    _member(institution, data.get("owner"), "owner")
    plan, _ = save_object(actor=actor, obj=plan, data={**data, **_entity_data(level, entity)})
    _may_change(actor, plan)
    return plan


def goal_parent_choices(plan: Plan) -> models.QuerySet:
    """Goals a goal of `plan` may hang under: those of the plans above it (its parent and their parents), or —
    for a plan with no parent — of the institution's plans of a higher kind."""
    above = plan_ancestors(plan)
    if above:
        return Goal.objects.filter(plan__in=[p.pk for p in above])
    higher = [k for k, rank in KIND_RANK.items() if rank < KIND_RANK[PlanKind(plan.kind)]]
    return Goal.objects.filter(institution_id=plan.institution_id, plan__kind__in=higher)


@transaction.atomic
def goal_save(*, actor: Any, plan: Plan, data: dict[str, Any], goal: Goal | None = None) -> Goal:
    goal = goal or Goal(institution_id=plan.institution_id, plan=plan)
    if goal.plan_id != plan.pk:
        raise ValidationError("目标不属于该规划")
    parent = data.get("parent")
    if parent is not None and not goal_parent_choices(plan).filter(pk=parent.pk).exists():
        raise ValidationError({"parent": "上级目标必须是上级规划（或本院校更高一级规划）的目标"})
    institution = plan.institution
    _same_institution(institution, data.get("owner_unit"), "owner_unit", "责任部门")
    _member(institution, data.get("owner"), "owner")
    goal, _ = save_object(actor=actor, obj=goal, data=data)
    _may_change(actor, goal)
    return goal


@transaction.atomic
def observation_point_save(*, actor: Any, goal: Goal, data: dict[str, Any],
                           point: ObservationPoint | None = None) -> ObservationPoint:
    point = point or ObservationPoint(institution_id=goal.institution_id, goal=goal)
    if point.goal_id != goal.pk:
        raise ValidationError("观测点不属于该目标")
    qc = data.get("qc_point")
    if qc is not None:
        _same_institution(goal.plan.institution, qc, "qc_point", "质控点")
        if qc.level not in (goal.plan.level, Level.SCHOOL):
            raise ValidationError({"qc_point": f"质控点应为{Level(goal.plan.level).label}层面或学校层面"})
        # A measured point reads its actual values from the measurements; typed values would contradict them.
        if point.pk and point.targets.exclude(actual=None).exists():
            raise ValidationError({"qc_point": "该观测点已有手工填报的实际值，请先清除后再选择测量质控点"})
    point, _ = save_object(actor=actor, obj=point, data=data)
    _may_change(actor, point)
    return point


@transaction.atomic
def year_target_save(*, actor: Any, point: ObservationPoint, data: dict[str, Any],
                     target: YearTarget | None = None) -> YearTarget:
    target = target or YearTarget(institution_id=point.institution_id, point=point)
    if target.point_id != point.pk:
        raise ValidationError("目标值不属于该观测点")
    plan = point.goal.plan
    year = data.get("year", target.year)
    if year is not None and not plan.start_year <= year <= plan.end_year:
        raise ValidationError({"year": f"年份应在规划期 {plan.start_year}—{plan.end_year} 之内"})
    if point.qc_point_id and data.get("actual") is not None:
        raise ValidationError({"actual": "该观测点由质控点测量，实际值取自测量结果，不能手工填写"})
    target, _ = save_object(actor=actor, obj=target, data=data)
    _may_change(actor, target)
    return target


# -- one-page plans ----------------------------------------------------------------------------------------

ONEPAGE_LEVELS = set(OnePageLevel.values)


def onepage_unit(plan: OnePagePlan) -> Unit | None:
    """The department a one-page plan's tasks belong to: a unit itself, a major's or course's unit, a
    teacher's unit, a class's major's unit."""
    if plan.level == Level.UNIT:
        return plan.unit
    if plan.level in (Level.MAJOR, Level.COURSE):
        return getattr(plan, plan.level).unit
    if plan.level == Level.TEACHER:
        return plan.teacher.unit
    if plan.level == Level.CLASS:
        return plan.klass.major.unit
    return None


@transaction.atomic
def onepage_create(*, actor: Any, institution: Any, level: str, entity: Any, year: int,
                   data: dict[str, Any] | None = None) -> OnePagePlan:
    """A new one-page plan for an entity the actor may plan for (one per entity and year)."""
    if level not in ONEPAGE_LEVELS:
        raise ValidationError({"level": "一页纸计划只用于部门、专业、课程、教师和班级"})
    _check_entity(institution, level, entity)
    data = dict(data or {})
    data.setdefault("name", f"{entity.name} {year} 年度一页纸工作计划")
    plan = OnePagePlan(institution=institution)
    for name, value in _entity_data(level, entity).items():
        setattr(plan, name, value)
    plan.year = year
    if OnePagePlan.objects.filter(institution=institution, year=year, entity_key=plan.entity_key).exists():
        raise ValidationError({"entity": f"{entity.name} 已有 {year} 年度的一页纸计划"})
    _header_checks(plan, data)
    plan, _ = save_object(actor=actor, obj=plan, data=data)
    _may_change(actor, plan)
    return plan


def _header_checks(plan: OnePagePlan, data: dict[str, Any]) -> None:
    institution = plan.institution
    _same_institution(institution, data.get("plan"), "plan", "依据规划")
    _member(institution, data.get("leader"), "leader")
    parent = data.get("parent")
    if parent is not None:
        _same_institution(institution, parent, "parent", "上级一页纸计划")
        if parent.pk == plan.pk or parent.entity_key == plan.entity_key:
            raise ValidationError({"parent": "上级计划不能是本计划"})


@transaction.atomic
def onepage_save(*, actor: Any, plan: OnePagePlan, data: dict[str, Any]) -> OnePagePlan:
    """Edit a one-page plan's header (name, leader, date, objective, summary, basis plan, parent plan)."""
    allowed = {"name", "leader", "leader_name", "date", "objective", "summary", "plan", "parent"}
    _editable(plan)
    if set(data) - allowed:
        raise ValidationError(f"不能修改：{'、'.join(sorted(set(data) - allowed))}")
    _header_checks(plan, data)
    plan, _ = save_object(actor=actor, obj=plan, data=data)
    _may_change(actor, plan)
    return plan


def _next_number(qs: models.QuerySet) -> int:
    return (qs.aggregate(n=models.Max("number"))["n"] or 0) + 1


@transaction.atomic
def objective_save(*, actor: Any, onepage: OnePagePlan, data: dict[str, Any],
                   objective: Objective | None = None) -> Objective:
    """An objective of the plan, optionally linked to a plan goal or to an objective of the parent plan."""
    _editable(onepage)
    objective = objective or Objective(institution_id=onepage.institution_id, plan=onepage)
    if objective.plan_id != onepage.pk:
        raise ValidationError("目标不属于该计划")
    data = dict(data)
    if not data.get("number"):
        data["number"] = objective.number or _next_number(onepage.objectives.all())
    _same_institution(onepage.institution, data.get("goal"), "goal", "规划目标")
    parent = data.get("parent")
    if parent is not None and (onepage.parent_id is None or parent.plan_id != onepage.parent_id):
        raise ValidationError({"parent": "上级目标必须是上级一页纸计划的目标"})
    objective, _ = save_object(actor=actor, obj=objective, data=data)
    _may_change(actor, onepage)
    return objective


def _months(value: Any) -> list[int]:
    try:
        months = sorted({int(m) for m in (value or [])})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"months": "月份必须是 1—12 的数字"}) from exc
    if any(m < 1 or m > 12 for m in months):
        raise ValidationError({"months": "月份必须是 1—12 的数字"})
    return months


@transaction.atomic
def plan_task_save(*, actor: Any, onepage: OnePagePlan, data: dict[str, Any], objectives: list[Objective] | None = None,
                   task: PlanTask | None = None) -> PlanTask:
    """A main task of the plan: its objectives (the matrix), owner, priority, months, dates. The department
    (`unit`) comes from the plan's entity, never from the form."""
    _editable(onepage)
    task = task or PlanTask(institution_id=onepage.institution_id, plan=onepage)
    if task.plan_id != onepage.pk:
        raise ValidationError("任务不属于该计划")
    data = dict(data)
    if not data.get("number"):
        data["number"] = task.number or _next_number(onepage.tasks.all())
    if "months" in data:
        data["months"] = _months(data["months"])
    start, due = data.get("start", task.start), data.get("due", task.due)
    if start and due and due < start:
        raise ValidationError({"due": "目标日期不能早于开始日期"})
    _member(onepage.institution, data.get("owner"), "owner")
    if data.get("indicator") is not None:
        _same_institution(onepage.institution, data["indicator"], "indicator", "重点任务指标")
    objectives = list(objectives) if objectives is not None else None
    if objectives and any(o.plan_id != onepage.pk for o in objectives):
        raise ValidationError({"objectives": "只能选择本计划的目标"})
    data["unit"] = onepage_unit(onepage)
    task, _ = save_object(actor=actor, obj=task, data=data,
                          m2m={"objectives": objectives} if objectives is not None else None)
    _may_change(actor, onepage)
    return task


@transaction.atomic
def cost_save(*, actor: Any, onepage: OnePagePlan, data: dict[str, Any], cost: Cost | None = None) -> Cost:
    _editable(onepage)
    cost = cost or Cost(institution_id=onepage.institution_id, plan=onepage)
    if cost.plan_id != onepage.pk:
        raise ValidationError("成本不属于该计划")
    for field in ("amount", "spent"):
        if data.get(field) is not None and Decimal(data[field]) < 0:
            raise ValidationError({field: "金额不能为负数"})
    cost, _ = save_object(actor=actor, obj=cost, data=data)
    _may_change(actor, onepage)
    return cost


@transaction.atomic
@transaction.atomic
def plan_part_delete(*, actor: Any, obj: Goal | ObservationPoint | YearTarget) -> None:
    """Remove a goal (with its observation points and targets), an observation point (with its targets) or a
    year's target, of a plan the actor may change. What hung from a removed goal — lower goals, key tasks,
    one-page objectives — keeps its place with the link emptied, so chain health lists it for relinking."""
    if isinstance(obj, Goal):
        plan = obj.plan
    elif isinstance(obj, ObservationPoint):
        plan = obj.goal.plan
    else:
        plan = obj.point.goal.plan
    _may_change(actor, plan)
    _delete(actor=actor, obj=obj)


def onepage_part_delete(*, actor: Any, obj: Objective | PlanTask | Cost) -> None:
    """Remove an objective, a task or a cost line of a plan the actor may change."""
    _may_change(actor, obj.plan)
    _editable(obj.plan)
    _delete(actor=actor, obj=obj)


@transaction.atomic
def progress_report(*, actor: Any, task: PlanTask, year: int, month: int, progress: int,
                    note: str = "") -> ProgressUpdate:
    """Report a task's progress for a month (replacing an earlier report for that month). The task's progress
    becomes its latest month's report: 100% marks it done today, anything less in progress."""
    if actor is not None and not PlanTask.objects.restrict(actor, CHANGE).filter(pk=task.pk).exists():
        raise PermissionDenied("只有任务负责人或计划编制人可以填报进度")
    if year != task.plan.year:
        raise ValidationError({"year": f"只能填报 {task.plan.year} 年各月的进度"})
    if not 1 <= int(month) <= 12:
        raise ValidationError({"month": "月份必须是 1—12"})
    if not 0 <= int(progress) <= 100:
        raise ValidationError({"progress": "进度必须是 0—100"})
    update = ProgressUpdate.objects.filter(task=task, year=year, month=month).first()
    update = update or ProgressUpdate(institution_id=task.institution_id, task=task, year=year, month=month)
    update, _ = save_object(actor=actor, obj=update, data={"progress": int(progress), "note": note,
                                                           "reported_by": actor})
    latest = task.updates.order_by("-year", "-month").first()
    done = latest.progress >= 100
    today = timezone.localdate()
    save_object(actor=actor, obj=task, data={
        "progress": latest.progress,
        "state": TaskState.DONE if done else TaskState.IN_PROGRESS,
        "completed_on": (task.completed_on or today) if done else None,
    }, note=f"{year}年{month}月进度填报")
    return update


# -- submit and approve --------------------------------------------------------------------------------------

def may_approve(user: Any, plan: OnePagePlan) -> bool:
    """The level above approves: the quality office or a school leader any plan; a unit head the plans of
    their unit's majors, courses, teachers and classes (never their own unit's plan)."""
    access = access_for(user)
    if access.is_superuser or access.has_role(PLANNERS, plan.institution_id):
        return True
    if plan.level == Level.UNIT:
        return False
    unit = onepage_unit(plan)
    return unit is not None and unit.pk in access.scoped_ids(Role.UNIT_HEAD, Unit)


@transaction.atomic
def onepage_submit(*, actor: Any, plan: OnePagePlan) -> OnePagePlan:
    _may_change(actor, plan)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError("只有编制中的计划可以提交")
    if not plan.objectives.exists() or not plan.tasks.exists():
        raise ValidationError("计划至少要有一个目标和一项主要任务才能提交")
    plan, _ = save_object(actor=actor, obj=plan, data={"status": PlanStatus.SUBMITTED,
                                                       "submitted_at": timezone.now()}, note="提交审核")
    return plan


@transaction.atomic
def onepage_approve(*, actor: Any, plan: OnePagePlan, approve: bool = True, note: str = "") -> OnePagePlan:
    """Approve a submitted plan, or (approve=False) return it to its owner for rework."""
    if actor is not None and not may_approve(actor, plan):
        raise PermissionDenied("只有上一级（质管办或所在部门负责人）可以审核")
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError("只有已提交的计划可以审核")
    if approve:
        data = {"status": PlanStatus.APPROVED, "approved_by": actor, "approved_at": timezone.now()}
    else:
        data = {"status": PlanStatus.DRAFT, "approved_by": None, "approved_at": None}
    plan, _ = save_object(actor=actor, obj=plan, data=data, note=note or ("审核通过" if approve else "退回修改"))
    return plan
