"""Department performance (部门绩效考核, seed 003 §四(二)1: 将任务完成情况与部门绩效考核相结合): a yearly score per
unit from task completion, QC-point attainment and improvements closed, weighted by the year's
`PerformanceScheme`, which the quality office configures.

Every rate is counted in the database: one query with a subquery per part, whatever the number of units."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from zhengai.core.choices import Role
from zhengai.core.models import Period
from zhengai.core.permissions import access_for
from zhengai.core.services import save_object
from zhengai.monitoring.choices import Status, WarningState
from zhengai.monitoring.models import Measurement, Warning
from zhengai.monitoring.selectors import that_count
from zhengai.org.entities import answered_units
from zhengai.org.models import Unit
from zhengai.standards.choices import Level

from .choices import TaskState
from .models import PerformanceScheme, PlanTask

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
WIDE_ROLES = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}


# ---- the scheme ---------------------------------------------------------------------------------------

@transaction.atomic
def scheme_ensure(*, institution: Any, year: int, actor: Any = None) -> PerformanceScheme:
    """The year's scheme, created with the default weights 50/30/20 when the quality office has not set one."""
    scheme = PerformanceScheme.objects.filter(institution=institution, year=year).first()
    if scheme is None:
        scheme, _ = save_object(actor=actor, obj=PerformanceScheme(institution=institution),
                                data={"year": year}, note="默认绩效考核方案")
    return scheme


@transaction.atomic
def scheme_update(*, actor: Any, scheme: PerformanceScheme, task_weight: Decimal, qc_weight: Decimal,
                  improvement_weight: Decimal, note: str = "") -> PerformanceScheme:
    """Set the three weights; they must each lie in 0–100 and sum to 100."""
    weights = {"task_weight": Decimal(task_weight), "qc_weight": Decimal(qc_weight),
               "improvement_weight": Decimal(improvement_weight)}
    errors = {k: "权重须在0—100之间" for k, v in weights.items() if not Decimal(0) <= v <= HUNDRED}
    if errors:
        raise ValidationError(errors)
    total = sum(weights.values())
    if total != HUNDRED:
        raise ValidationError(f"三项权重之和须为100，当前为{total.normalize():f}")
    save_object(actor=actor, obj=scheme, data={**weights, "note": note})
    return scheme


# ---- the scores ---------------------------------------------------------------------------------------

def academic_year_for(year: int) -> Period | None:
    """The academic year whose QC-point measurements count for calendar year `year`.

    We take the academic year that ENDS in `year` ((year-1)–year): it covers eight of the calendar year's
    months, its data are complete by the December review that uses the score, and it is the mapping monitoring
    itself uses for calendar-year periods (monitoring.services.academic_year). The academic year starting in
    `year` has barely begun when the year's score is made."""
    return Period.objects.filter(code=f"{year - 1}-{year}").first()


def _count(qs, by: str) -> Coalesce:
    """A correlated COUNT subquery over `qs` grouped by the field `by` (= the outer unit)."""
    return Coalesce(Subquery(qs.order_by().values(by).annotate(c=Count("pk")).values("c")[:1],
                             output_field=IntegerField()), Value(0))


def _measured_by_unit(measurements) -> dict[int, tuple[int, int]]:
    """{unit id: (measured, passed)} over measurements whose entity is the unit or lies in it (its majors,
    courses and teachers): one GROUP BY per level, each on the entity's own unit column. (A correlated subquery
    per unit, with the levels OR-ed, took ten seconds on a full college.)"""
    measured_statuses = [Status.PASS, Status.WARNING, Status.FAIL]
    counts: dict[int, list[int]] = {}
    for level, unit_field in ((Level.UNIT, "unit_id"), (Level.MAJOR, "major__unit_id"),
                              (Level.COURSE, "course__unit_id"), (Level.TEACHER, "teacher__unit_id")):
        rows = (measurements.filter(level=level, status__in=measured_statuses).order_by().values(unit_field)
                .annotate(n=Count("pk"), p=Count("pk", filter=Q(status=Status.PASS))).values_list(unit_field, "n", "p"))
        for unit_id, n, passed in rows:
            if unit_id is not None:
                total = counts.setdefault(unit_id, [0, 0])
                total[0] += n
                total[1] += passed
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _rate(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


@dataclass
class Score:
    unit: Unit
    tasks: int
    tasks_done: int
    measured: int
    passed: int
    warnings: int
    warnings_closed: int
    task_rate: Decimal | None
    qc_rate: Decimal | None
    improvement_rate: Decimal
    score: Decimal | None
    rank: int | None = None

    @staticmethod
    def percent(rate: Decimal | None) -> Decimal | None:
        return None if rate is None else (rate * HUNDRED).quantize(CENT, ROUND_HALF_UP)

    @property
    def task_percent(self) -> Decimal | None:
        return self.percent(self.task_rate)

    @property
    def qc_percent(self) -> Decimal | None:
        return self.percent(self.qc_rate)

    @property
    def improvement_percent(self) -> Decimal | None:
        return self.percent(self.improvement_rate)


def compute_score(scheme: PerformanceScheme, task_rate: Decimal | None, qc_rate: Decimal | None,
                  improvement_rate: Decimal) -> Decimal | None:
    """Σ weight × rate, 0–100 with two decimals.

    A unit with no task due in the year has nothing to be assessed on: no score, no rank. A unit none of whose
    entities was measured has its QC weight shared out over the other two parts in proportion, rather than
    scoring 0 (punished for missing data) or 100 (rewarded for it)."""
    if task_rate is None:
        return None
    parts = [(scheme.task_weight, task_rate), (scheme.improvement_weight, improvement_rate)]
    if qc_rate is not None:
        parts.append((scheme.qc_weight, qc_rate))
    weight = sum(w for w, _ in parts)
    if not weight:
        return Decimal("0.00")
    total = sum(w * r for w, r in parts) * (HUNDRED / weight)
    return total.quantize(CENT, ROUND_HALF_UP)


def scores(institution: Any, year: int, scheme: PerformanceScheme) -> list[Score]:
    """Every active unit's score for `year`, ranked (ties share a rank; unscored units come last)."""
    tasks = PlanTask.objects.filter(institution=institution, unit_id=OuterRef("pk"), due__year=year).exclude(
        state=TaskState.CANCELLED)  # a cancelled task is neither owed nor missed
    # A unit is scored on the warnings about what it answers for as a unit — itself, its majors, courses and
    # teachers, its tasks, the school-level points it leads — the levels its QC rate counts; a student's or a
    # class's warning is the counsellor's, and never weighs on an office (all student warnings once did).
    warnings = (Warning.objects.filter(institution=institution, assigned_unit_id=OuterRef("pk"), raised_at__year=year)
                .exclude(level__in=[Level.STUDENT, Level.CLASS]))
    period = academic_year_for(year)
    # The measurements that count (per point and entity: a correction of one table keeps the others' points).
    measurements = (that_count(Measurement.objects.filter(institution=institution, period=period))
                    if period is not None else Measurement.objects.none())
    units = (Unit.objects.filter(institution=institution, active=True).order_by("code").annotate(
        n_tasks=_count(tasks, "unit_id"),
        n_done=_count(tasks.filter(state=TaskState.DONE), "unit_id"),
        n_warnings=_count(warnings, "assigned_unit_id"),
        n_closed=_count(warnings.filter(state__in=[WarningState.RESOLVED, WarningState.CLOSED]),
                        "assigned_unit_id"),
    ))
    measured = _measured_by_unit(measurements)
    result = []
    for u in units:
        u.n_measured, u.n_passed = measured.get(u.pk, (0, 0))
        task_rate = _rate(u.n_done, u.n_tasks)
        qc_rate = _rate(u.n_passed, u.n_measured)
        # No warning raised: nothing left open, the part is fully met.
        improvement_rate = _rate(u.n_closed, u.n_warnings) if u.n_warnings else Decimal(1)
        result.append(Score(unit=u, tasks=u.n_tasks, tasks_done=u.n_done, measured=u.n_measured,
                            passed=u.n_passed, warnings=u.n_warnings, warnings_closed=u.n_closed,
                            task_rate=task_rate, qc_rate=qc_rate, improvement_rate=improvement_rate,
                            score=compute_score(scheme, task_rate, qc_rate, improvement_rate)))
    ranked = sorted((s for s in result if s.score is not None), key=lambda s: (-s.score, s.unit.code))
    previous, rank = None, 0
    for i, s in enumerate(ranked, start=1):
        if s.score != previous:
            rank, previous = i, s.score
        s.rank = rank
    # Units with nothing to assess at all (no task, no measurement, no warning — sections, teaching offices)
    # would only lengthen the list; the ones with some data but no task due stay, marked unscored.
    return ranked + [s for s in result if s.score is None and (s.tasks or s.measured or s.warnings)]


def visible_scores(user: Any, institution: Any, year: int, scheme: PerformanceScheme) -> list[Score]:
    """The ranking as a user may see it: all units for the quality office, school leaders and supervisors;
    a unit head only their own units' rows (with their rank among all)."""
    rows = scores(institution, year, scheme)
    access = access_for(user)
    if access.is_superuser or access.has_role(WIDE_ROLES, institution.pk):
        return rows
    units = answered_units(access)
    return [s for s in rows if s.unit.pk in units]
