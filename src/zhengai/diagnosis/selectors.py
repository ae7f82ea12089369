"""Reads of the spiral's cycles. Lists and single objects go through the permission gate; the gate checks
(`gate_problems`, `flagged_points`…) read the facts a cycle is judged by, whoever asks, because a stage is
passed or refused on the data, not on what one user happens to see."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from zhengai.core.choices import PeriodKind
from zhengai.core.models import Period
from zhengai.core.periods import academic_year_of, ensure_academic_year
from zhengai.core.permissions import VIEW, get_object_for_user
from zhengai.frameworks.models import Adoption, Element
from zhengai.monitoring.choices import Status
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.selectors import that_count

from .choices import CycleState, Gate
from .models import Assessment, Cycle, CycleStep, Finding, Improvement, ScheduleTemplate, Stage

ENTITY_RELATIONS = ("unit", "major", "course", "teacher", "student", "klass")
FLAGGED = (Status.WARNING, Status.FAIL)


def cycles_for(user: Any, institution: Any) -> QuerySet:
    """The cycles of the institution the user may see: their own entities', or all for the wide roles."""
    return (Cycle.objects.restrict(user).filter(institution=institution)
            .select_related("period", "stage", "owner", "template", "institution", *ENTITY_RELATIONS))


def my_cycles(user: Any, institution: Any) -> QuerySet:
    """The cycles that are this user's to move on: those they own and those of the entities they answer for
    (`org.entities`: a unit head's unit and what is in it, a major leader's major…; the school's for the school
    leaders and the quality office) — not every cycle a wide role may read."""
    from zhengai.core.permissions import access_for
    from zhengai.org.entities import answers_q, entity_rows_q
    from zhengai.standards.choices import Level

    access = access_for(user)
    return cycles_for(user, institution).filter(
        Q(owner_id=user.pk) | entity_rows_q(access)
        | (Q(level=Level.SCHOOL) & answers_q(access, Level.SCHOOL, "institution")))


def cycle_for_user(user: Any, institution: Any, pk: int, action: str = VIEW) -> Cycle:
    """One cycle: 404 if the user may not see it, 403 if they may see but not `action` it."""
    return get_object_for_user(cycles_for(user, institution), user, action, pk=pk)


def search_cycles(qs: QuerySet, text: str) -> QuerySet:
    """Cycles whose entity's name (or code) contains `text`; the school's cycles match the school's name."""
    q = Q(level="school", institution__name__icontains=text)
    for rel in ENTITY_RELATIONS:
        q |= Q(**{f"{rel}__name__icontains": text}) | Q(**{f"{rel}__code__icontains": text})
    return qs.filter(q)


def cycle_counts(qs: QuerySet) -> dict[str, int]:
    """Open and closed cycles among `qs`, in one query."""
    row = qs.order_by().aggregate(open=Count("pk", filter=Q(state=CycleState.OPEN)),
                                  closed=Count("pk", filter=Q(state=CycleState.CLOSED)))
    return {"open": row["open"] or 0, "closed": row["closed"] or 0}


def mine_q(user: Any) -> Q:
    """Cycles whose entity the user answers for (`org.entities`' rule: the head their units and what is in
    them, a leader their major or course, a teacher themself ...), and the cycles they are named owner of."""
    from zhengai.core.permissions import access_for
    from zhengai.org.entities import answers_q, entity_rows_q

    access = access_for(user)
    return (entity_rows_q(access) | (Q(level="school") & answers_q(access, "school", "institution"))
            | Q(owner_id=user.pk))


# A step is due "now" when its date falls within this many days, or has passed.
DUE_SOON_DAYS = 7


def step_due(period: Any, index: int, count: int) -> datetime.date:
    """When a cycle's step is due: the steps share the cycle's period evenly, in order, the last one due on
    the period's last day (a yearly cycle of ten steps: one step about every five weeks)."""
    span = (period.end - period.start).days
    return period.start + datetime.timedelta(days=round(span * (index + 1) / max(count, 1)))


def due_now_q(institution: Any, periods: Iterable[Any], today: datetime.date) -> Q:
    """Open cycles whose current step is due within `DUE_SOON_DAYS` or overdue. Periods and stages are few, so
    the due dates are worked out here and the filter is a short list of (stage, periods) pairs. A cycle that
    has not started a step yet (no current step) is on its first."""
    stages = list(stages_of(institution).values_list("pk", flat=True))
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    q = Q(pk__in=[])
    periods = list(periods)
    for index, stage in enumerate(stages):
        due = [p.pk for p in periods if step_due(p, index, len(stages)) <= horizon]
        if due:
            q |= Q(stage_id=stage, period_id__in=due)
            if index == 0:
                q |= Q(stage__isnull=True, period_id__in=due)
    return Q(state=CycleState.OPEN) & q


def current_step_due(cycle: Cycle, stages: list[int]) -> datetime.date | None:
    if cycle.state != CycleState.OPEN or not stages:
        return None
    index = stages.index(cycle.stage_id) if cycle.stage_id in stages else 0
    return step_due(cycle.period, index, len(stages))


def stages_of(institution: Any) -> QuerySet:
    return Stage.objects.filter(institution=institution).order_by("order")


def templates_of(institution: Any) -> QuerySet:
    return ScheduleTemplate.objects.filter(institution=institution).order_by("level", "kind", "frequency")


def academic_year(period: Period) -> Period:
    """The academic year a cycle's period belongs to (a month's or a semester's year, or the year itself)."""
    if period.kind == PeriodKind.ACADEMIC_YEAR:
        return period
    return ensure_academic_year(academic_year_of(period.start))


def year_measurements(cycle: Cycle) -> QuerySet:
    """The measurements that count of the cycle's entity in its academic year (periods inside the year count
    too): one per QC point and period, through monitoring's one reader."""
    year = academic_year(cycle.period)
    return (that_count(Measurement.objects.filter(institution_id=cycle.institution_id, entity_key=cycle.entity_key,
                                                  period__start__gte=year.start, period__end__lte=year.end))
            .select_related("qc_point", "period"))


def latest_measurements(cycle: Cycle) -> list[Measurement]:
    """One measurement per QC point: the one that counts, of the latest period of the year that has one."""
    latest: dict[int, Measurement] = {}
    for m in year_measurements(cycle).order_by("qc_point__order", "qc_point__code", "period__start"):
        latest[m.qc_point_id] = m
    return list(latest.values())


def flagged_points(cycle: Cycle) -> list:
    """QC points whose measurement for the entity in the year is at warning or fail."""
    return [m.qc_point for m in latest_measurements(cycle) if m.status in FLAGGED]


def points_missing_improvement(cycle: Cycle) -> list:
    """Flagged QC points for which no improvement of this entity names the point (in any state)."""
    flagged = flagged_points(cycle)
    if not flagged:
        return []
    covered = set(Improvement.objects.filter(institution_id=cycle.institution_id, entity_key=cycle.entity_key,
                                             qc_point__in=flagged).values_list("qc_point_id", flat=True))
    return [p for p in flagged if p.pk not in covered]


def no_data_points(cycle: Cycle, measured: list[Measurement] | None = None) -> list:
    """The active QC points measured for the cycle's entity in its year that have no data in any period of the
    year (only 无数据 measurements), in the points' order."""
    measured = [m for m in latest_measurements(cycle) if m.qc_point.active] if measured is None else measured
    with_data = set(year_measurements(cycle).exclude(status=Status.NO_DATA).values_list("qc_point_id", flat=True))
    return [m.qc_point for m in measured if m.qc_point_id not in with_data]


def gate_problems(cycle: Cycle, gate: str) -> list[str]:
    """What is missing before a stage with this gate may be passed (empty: nothing missing)."""
    if gate == Gate.MEASUREMENTS:
        year = academic_year(cycle.period)
        measured = [m for m in latest_measurements(cycle) if m.qc_point.active]
        if not measured:
            return [f"缺少测量结果：{cycle.entity}在{year}还没有任何质控点的测量结果，"
                    f"请先导入状态数据并计算质控点（或由质管办重新计算）"]
        # 无数据 is not a result, and a diagnosis that skips a point it has no data for is not a diagnosis of that
        # point (issue 11, fault 5): every point measured for the entity must have data in the year. A point
        # counts as measured with data when any of its periods in the year has some (a monthly point is judged
        # on the months that have records, not refused for a month still to come).
        blank = no_data_points(cycle, measured)
        if blank:
            names = "、".join(f"{p.code} {p.name}" for p in blank)
            whole = "均为" if len(blank) == len(measured) else "有"
            return [f"缺少有数据的测量结果：{cycle.entity}在{year}的质控点测量结果{whole}“无数据”（{names}），"
                    f"无法据以诊断。请先补齐相应的状态数据并重新计算"]
    if gate == Gate.IMPROVEMENTS:
        missing = points_missing_improvement(cycle)
        if missing:
            names = "、".join(f"{p.code} {p.name}" for p in missing)
            return [f"以下预警或不达标的质控点还没有记录改进措施：{names}"]
    return []


def done_steps(cycle: Cycle) -> dict[int, CycleStep]:
    return {s.stage_id: s for s in CycleStep.objects.filter(cycle=cycle).select_related("done_by")}


def next_stage(cycle: Cycle, done: dict[int, CycleStep] | None = None) -> Stage | None:
    """The first stage, in order, that the cycle has not passed (None: all passed)."""
    done = done_steps(cycle) if done is None else done
    return stages_of(cycle.institution_id).exclude(pk__in=list(done)).first()


def stage_rows(cycle: Cycle) -> list[dict[str, Any]]:
    """The row of steps for the cycle page: each stage done (with who, when, note), current, or to come."""
    done = done_steps(cycle)
    current = cycle.stage_id if cycle.state == CycleState.OPEN else None
    rows = []
    for stage in stages_of(cycle.institution_id):
        step = done.get(stage.pk)
        status = "done" if step else ("current" if stage.pk == current else "todo")
        rows.append({"stage": stage, "step": step, "status": status})
    return rows


def missing_stages(cycle: Cycle) -> list[Stage]:
    done = set(CycleStep.objects.filter(cycle=cycle).values_list("stage_id", flat=True))
    return [s for s in stages_of(cycle.institution_id) if s.pk not in done]


def entity_improvements(user: Any, cycle: Cycle) -> QuerySet:
    """The improvements of the cycle's entity the user may see."""
    return (Improvement.objects.restrict(user)
            .filter(institution_id=cycle.institution_id, entity_key=cycle.entity_key)
            .select_related("qc_point", "owner", "next_goal", "cycle__period"))


def findings_of(user: Any, cycle: Cycle) -> QuerySet:
    return Finding.objects.restrict(user).filter(cycle=cycle).select_related("element", "qc_point", "created_by")


def assessments_of(user: Any, cycle: Cycle) -> QuerySet:
    return (Assessment.objects.restrict(user).filter(cycle=cycle).select_related("assessor")
            .prefetch_related("items__element"))


def adopted_framework(institution: Any):
    adoption = Adoption.objects.filter(institution=institution).select_related("framework").first()
    return adoption.framework if adoption else None


def framework_elements(institution: Any) -> QuerySet:
    """The diagnosis elements of the institution's adopted framework, in table order."""
    framework = adopted_framework(institution)
    if framework is None:
        return Element.objects.none()
    return (Element.objects.filter(project__framework=framework).select_related("project")
            .order_by("project__order", "project__pk", "order", "pk"))
