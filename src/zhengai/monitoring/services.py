"""Writes of the monitoring app: recomputing measurements (in the database, a level at a time), raising and
resolving warnings, people's transitions of warnings, notifications."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from zhengai.core import audit, uploads
from zhengai.core.choices import AuditAction, PeriodKind, Role
from zhengai.core.models import Membership, Period
from zhengai.core.permissions import CHANGE
from zhengai.org.entities import (
    ENTITY_FIELDS,
    entity_key,
    entity_model,
    entity_queryset,
    responsible_people,
    unit_heads,
    units_of,
)
from zhengai.standards.choices import Cycle, Level
from zhengai.standards.models import OwnTarget, QCPoint

from . import formula as fl
from . import measures
from .choices import OPEN_STATES, TRANSITIONS, Severity, Status, WarningKind, WarningState
from .models import JudgmentFile, Measurement, Notification, Warning, WarningPolicy
from .signals import measurements_recorded
from .status import data_error, judge

log = logging.getLogger(__name__)

QUANTUM = Decimal("0.0001")


def academic_year(period: Period) -> Period:
    """The academic year a period belongs to (a semester's or month's parent; 2025 → 2024-2025)."""
    if period.kind == PeriodKind.ACADEMIC_YEAR:
        return period
    if period.kind == PeriodKind.CALENDAR_YEAR:
        from zhengai.core.periods import ensure_academic_year

        return ensure_academic_year(period.start.year - 1)
    parent = period.parent
    while parent is not None and parent.kind != PeriodKind.ACADEMIC_YEAR:
        parent = parent.parent
    if parent is None:
        raise ValidationError(f"期间“{period}”不属于任何学年")
    return parent


def period_filters(institution: Any, period: Period) -> dict[str, Any]:
    """The rows each period basis reads for a measurement of `period` (see measures.py): an academic year, or
    — for the teaching-process tables only — one of its semesters or months. The other bases always read
    the period's academic year (a point over them is measured per year whatever its cycle)."""
    year = academic_year(period)
    inside = list(Period.objects.filter(Q(pk=year.pk) | Q(parent=year) | Q(parent__parent=year))
                  .values_list("pk", flat=True))
    calendar = str(year.start.year + 1)
    five_start = datetime.date(year.start.year - 4, year.start.month, year.start.day)
    base = Q(institution_id=institution.pk)
    process: Any = base & Q(period_id__in=inside)
    if period.kind == PeriodKind.SEMESTER:
        process = base & Q(period_id=period.pk)
    elif period.kind == PeriodKind.MONTH:
        # Process rows are filed under their semester and dated: a month reads the rows dated in it.
        def process(model: type, _q: Q = process, _p: Period = period) -> Q:
            return _q & Q(**{f"{model.date_field}__range": (_p.start, _p.end)})
    return {
        "year": base & Q(period_id=year.pk),
        "process": process,
        "calendar": base & Q(period__kind=PeriodKind.CALENDAR_YEAR, period__code=calendar),
        "five_years": base & Q(period__kind=PeriodKind.ACADEMIC_YEAR, period__start__gte=five_start,
                               period__start__lte=year.start),
    }


# 监测周期 → the kind of period a point is measured for, when its data can be cut that fine.
CYCLE_PERIODS = {Cycle.MONTH: PeriodKind.MONTH, Cycle.SEMESTER: PeriodKind.SEMESTER}


def cycle_kind(point: QCPoint) -> str:
    """The kind of period `point` is measured (and warned) for: its cycle's month or semester when every
    measure of its formula reads dated teaching-process rows; otherwise the academic year (the workbook's
    tables hold one row a year: a month of them does not exist)."""
    kind = CYCLE_PERIODS.get(point.cycle)
    if kind is None:
        return PeriodKind.ACADEMIC_YEAR
    try:
        names = fl.measure_names(point.formula)
    except ValidationError:
        return PeriodKind.ACADEMIC_YEAR
    found = [measures.get(n) for n in names]
    if not found or any(m is None or m.basis != "process" for m in found):
        return PeriodKind.ACADEMIC_YEAR
    return kind


class _Coverage:
    """Which semesters and months of a year hold teaching-process rows of a table (asked once per table and
    period, an EXISTS each): a point is measured for the periods of its cycle that the data covers."""

    def __init__(self, institution: Any, year: Period):
        self.institution, self.year = institution, year
        self.filters: dict[int, dict[str, Any]] = {}
        self.known: dict[tuple[type, int], bool] = {}
        self._parts: dict[str, list[Period]] = {}

    def parts(self, kind: str) -> list[Period]:
        """The semesters or months of the year, in order (core.periods defines them)."""
        if kind not in self._parts:
            from zhengai.core.periods import ensure_academic_year

            ensure_academic_year(self.year.start.year)
            self._parts[kind] = list(Period.objects.filter(Q(parent=self.year) | Q(parent__parent=self.year),
                                                           kind=kind).order_by("start"))
        return self._parts[kind]

    def period_filters(self, period: Period) -> dict[str, Any]:
        if period.pk not in self.filters:
            self.filters[period.pk] = period_filters(self.institution, period)
        return self.filters[period.pk]

    def covers(self, period: Period, models: Iterable[type]) -> bool:
        for model in models:
            key = (model, period.pk)
            if key not in self.known:
                rows = measures.rows_q(self.period_filters(period)["process"], model)
                self.known[key] = model.objects.filter(rows).exists()
            if self.known[key]:
                return True
        return False


def measured_periods(point: QCPoint, year: Period, scopes: list[Period], coverage: _Coverage
                     ) -> list[tuple[Period, bool]]:
    """(period, summary?) for which a recompute over `scopes` (periods of `year`) measures `point`: the months
    or semesters of its cycle that overlap a scope and hold data, then the year. A sub-year point's year
    measurement is the year's summary (for the year's cockpit and reports): its warnings belong to its months
    or semesters, so the summary raises none."""
    kind = cycle_kind(point)
    out: list[tuple[Period, bool]] = []
    if kind != PeriodKind.ACADEMIC_YEAR:
        models = {m.model for m in (measures.get(n) for n in fl.measure_names(point.formula)) if m is not None}
        for period in coverage.parts(kind):
            if (any(s.start <= period.end and period.start <= s.end for s in scopes)
                    and coverage.covers(period, models)):
                out.append((period, False))
    out.append((year, kind != PeriodKind.ACADEMIC_YEAR))
    return out


def data_version(institution: Any, year: Period) -> tuple[int, bool]:
    """(version number, frozen?) of the period's state data. A frozen version's measurements never change;
    an import after freezing opens the next version, which the recompute then writes."""
    try:
        model = apps.get_model("statedata", "DataVersion")
    except LookupError:
        return 1, False
    latest = model.objects.filter(institution=institution, period=year).order_by("-number").first()
    if latest is None:
        return 1, False
    return latest.number, latest.state == "frozen"


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    return d.quantize(QUANTUM)


def _own_lines(point: QCPoint) -> dict[int, OwnTarget]:
    field = {Level.MAJOR: "major_id", Level.COURSE: "course_id", Level.TEACHER: "teacher_id"}.get(point.level)
    if field is None:
        return {}
    return {getattr(t, field): t for t in OwnTarget.objects.filter(qc_point=point)}


def compute_point(point: QCPoint, institution: Any, filters: dict[str, Q], entity_ids: Iterable[int] | None = None
                  ) -> list[dict[str, Any]]:
    """One query: the point's value and inputs for every entity of its level."""
    compiled = fl.compile_for(point.formula, point.level, filters)
    qs = entity_queryset(point.level, institution).filter(point.applies_q())
    if entity_ids is not None:
        qs = qs.filter(pk__in=list(entity_ids))
    annotations = {"value": compiled.value, **{compiled.aliases[n]: e for n, e in compiled.inputs.items()},
                   **compiled.sources}
    rows = qs.order_by().annotate(**annotations).values("pk", *annotations)
    return [{"pk": r["pk"], "value": _decimal(r["value"]),
             "inputs": {n: (None if r[a] is None else float(r[a])) for n, a in compiled.aliases.items()},
             "sources": fl.sources_of(r)}
            for r in rows]


def _entity_fields(level: str, pk: int) -> dict[str, Any]:
    field = ENTITY_FIELDS.get(level)
    return {f"{field}_id": pk} if field else {}


@transaction.atomic
def recompute_point(point: QCPoint, institution: Any, period: Period, filters: dict[str, Any], version: int,
                    entity_ids: Iterable[int] | None = None, summary: bool = False) -> dict[str, int]:
    """Measure `point` for `period` (a year, or a semester or month of its cycle) and bring its warnings in
    step. A `summary` (a sub-year point's year) raises no warnings and judges no improvement: those are its
    months' or semesters' (the small loop runs within the year)."""
    now = timezone.now()
    rows = compute_point(point, institution, filters, entity_ids)
    own = _own_lines(point)
    lines = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in point.lines.items()}
    objs = []
    for row in rows:
        row_lines = dict(point.lines)
        target = own.get(row["pk"])
        if target is not None:
            row_lines.update({k: getattr(target, k) for k in ("standard", "warning")
                              if getattr(target, k) is not None})
        row["status"] = judge(row["value"], point.unit, **row_lines)
        why = data_error(row["value"], point.unit)
        objs.append(Measurement(
            institution=institution, qc_point=point, period=period, level=point.level,
            entity_key=entity_key(point.level, row["pk"]), value=row["value"], status=row["status"],
            inputs=row["inputs"], formula=point.formula, computed_at=now, version=version,
            data_as_of=row["sources"][0], source_import_id=row["sources"][1],
            lines={**lines, **({"own_target": target.pk} if target is not None else {}),
                   **({"data_error": why} if why else {}),
                   **{k: str(v) for k, v in row_lines.items() if k in ("standard", "warning") and v is not None}},
            **_entity_fields(point.level, row["pk"])))
    Measurement.objects.bulk_create(
        objs, update_conflicts=True, unique_fields=["qc_point", "period", "entity_key", "version"],
        update_fields=["value", "status", "inputs", "formula", "lines", "computed_at", "data_as_of", "source_import"],
        batch_size=500)
    ids = dict(Measurement.objects.filter(qc_point=point, period=period, version=version,
                                          entity_key__in=[o.entity_key for o in objs])
               .values_list("entity_key", "pk"))
    raised, resolved = _sync_warnings(point, institution, period, rows, ids, raise_new=not summary)
    resolved += inapplicable_settle(point, institution, period, version)
    if not summary:
        _sync_data_warnings(point, institution, period, rows, ids, partial=entity_ids is not None)
    keys = [o.entity_key for o in objs]
    if keys and not summary:
        # After the warnings are in step, so that the apps above (improvements verified by data) read their
        # current state; on commit, so that their failure can never roll the measurements back.
        transaction.on_commit(lambda: measurements_recorded.send(
            sender=Measurement, institution=institution, period=period, qc_point=point, entity_keys=keys))
    return {"entities": len(rows), "raised": raised, "resolved": resolved}


def _data_stewards(institution: Any) -> set[int]:
    return set(Membership.objects.filter(institution=institution, active=True, role=Role.DATA_STEWARD)
               .values_list("user_id", flat=True))


def _sync_data_warnings(point: QCPoint, institution: Any, period: Period, rows: list[dict[str, Any]],
                        measurement_ids: dict[str, int], partial: bool = False) -> None:
    """A 数据异常 measurement is the data's fault, not the entity's: it raises a data-quality warning (about
    the measurement) to the data stewards, not a QC warning; once the point's value for that entity and period
    is plausible again (the source corrected), the open data-quality warnings about it are resolved — and so
    are those about an older data version's measurement (the current one carries the warning on)."""
    by_key = {entity_key(point.level, r["pk"]): r for r in rows}
    wrong = {k for k, r in by_key.items() if r["status"] == Status.DATA_ERROR}
    kind = ContentType.objects.get_for_model(Measurement)
    about = Measurement.objects.filter(qc_point=point, period=period)
    if partial:  # only some entities were measured: the others' warnings are not this pass's to settle
        about = about.filter(entity_key__in=list(by_key))
    settled = Warning.objects.filter(kind=WarningKind.DATA_QUALITY, subject_type=kind, state__in=OPEN_STATES,
                                     subject_id__in=about.values("pk")).exclude(
        subject_id__in=[measurement_ids[k] for k in wrong if k in measurement_ids])
    for subject_id in set(settled.values_list("subject_id", flat=True)):
        subject_warnings_settle(subject_type=kind, subject_id=subject_id, state=WarningState.RESOLVED,
                                reason="源数据已更正，测量值恢复正常，自动解除",
                                kinds=[WarningKind.DATA_QUALITY])
    if not wrong:
        return
    stewards = _data_stewards(institution)
    names = dict(entity_model(point.level).objects.filter(pk__in=[by_key[k]["pk"] for k in wrong])
                 .values_list("pk", "name")) if point.level != Level.SCHOOL else {}
    for key in sorted(wrong):
        row = by_key[key]
        measurement = Measurement.objects.get(pk=measurement_ids[key])
        who = names.get(row["pk"], institution.name) if point.level != Level.SCHOOL else institution.name
        subject_warning_raise(
            institution=institution, kind=WarningKind.DATA_QUALITY, subject=measurement,
            title=f"数据异常：{point.name} · {who}（{period}）{data_error(row['value'], point.unit)}",
            severity=Severity.SERIOUS, period=period, level=point.level, entity_key=key,
            entity=_entity_fields(point.level, row["pk"]), url=measurement.get_absolute_url(),
            owners=stewards)


def _sync_warnings(point: QCPoint, institution: Any, year: Period, rows: list[dict[str, Any]],
                   measurement_ids: dict[str, int], raise_new: bool = True) -> tuple[int, int]:
    """Raise a warning for each entity at 预警 or 不达标 that has no open one, update the open ones, resolve
    the open ones whose entity now passes — all of `year`, the period measured (a March warning is March's:
    only March's measurement re-grades or resolves it). Without `raise_new` (a year's summary of a monthly
    point) only the open ones are kept in step. A 数据异常 leaves the warning as it is: nothing was judged.
    A constant number of queries, whatever the number of entities."""
    by_key = {entity_key(point.level, r["pk"]): r for r in rows}
    open_warnings = {w.entity_key: w for w in Warning.objects.filter(
        qc_point=point, period=year, state__in=OPEN_STATES, entity_key__in=list(by_key))}
    failing = {k: r for k, r in by_key.items() if r["status"] in (Status.WARNING, Status.FAIL)
               and (raise_new or k in open_warnings)}
    passing = [k for k, r in by_key.items() if r["status"] == Status.PASS and k in open_warnings]
    new, changed = [], []
    updates: list[tuple[Warning, dict[str, Any], dict[str, Any]]] = []
    # Who answers for a new warning: a school-level point's lead unit; for an entity, the unit it belongs to —
    # never the point's lead unit wholesale (every student warning used to land on 学生工作处, its inbox and
    # its performance score).
    fresh = [r["pk"] for k, r in failing.items() if k not in open_warnings]
    entity_units = units_of(point.level, fresh) if point.level != Level.SCHOOL else {}
    for key, row in failing.items():
        severity = Severity.SERIOUS if row["status"] == Status.FAIL else Severity.NORMAL
        existing = open_warnings.get(key)
        if existing is None:
            new.append(Warning(institution=institution, qc_point=point, period=year, level=point.level,
                               entity_key=key, measurement_id=measurement_ids.get(key), severity=severity,
                               assigned_unit_id=(point.lead_unit_id if point.level == Level.SCHOOL
                                                 else entity_units.get(row["pk"])),
                               **_entity_fields(point.level, row["pk"])))
        elif existing.severity != severity or existing.measurement_id != measurement_ids.get(key):
            before = {"severity": existing.severity, "measurement": existing.measurement_id}
            existing.severity = severity
            existing.measurement_id = measurement_ids.get(key)
            changed.append(existing)
            updates.append((existing, before, {"severity": severity, "measurement": existing.measurement_id}))
    # Every warning the recompute raises, re-grades or resolves is audited (actor None: the system), in bulk;
    # entities are named from one query so that the number of queries stays the same whatever their number.
    names = dict(entity_model(point.level).objects.filter(pk__in=[r["pk"] for r in by_key.values()])
                 .values_list("pk", "name")) if new or changed or passing else {}

    def describe(w: Warning) -> str:
        return f"{point.name} · {names.get(int(w.entity_key.partition(':')[2] or 0), w.entity_key)}"

    if changed:
        Warning.objects.bulk_update(changed, ["severity", "measurement"])
        audit.record_bulk(actor=None, action=AuditAction.UPDATE, items=updates, describe=describe,
                          note="重算：预警级别或测量更新")
    if passing:
        resolved = [open_warnings[k] for k in passing]
        Warning.objects.filter(pk__in=[w.pk for w in resolved]).update(
            state=WarningState.RESOLVED, note="数据复测达标，自动解除", updated_at=timezone.now())
        audit.record_bulk(actor=None, action=AuditAction.UPDATE, describe=describe,
                          items=[(w, {"state": w.state}, {"state": WarningState.RESOLVED}) for w in resolved],
                          note="重算：复测达标，预警自动解除")
    if new:
        Warning.objects.bulk_create(new)
        # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35; read them back to be sure.
        saved = {w.entity_key: w for w in Warning.objects.filter(
            qc_point=point, period=year, state=WarningState.OPEN, entity_key__in=[w.entity_key for w in new])}
        audit.record_bulk(actor=None, action=AuditAction.CREATE, describe=describe, note="重算：发出预警",
                          items=[(w, {}, {"state": w.state, "severity": w.severity, "measurement": w.measurement_id})
                                 for w in saved.values()])
        # Every warning reaches people with accounts: the entity's owners, else its unit's head up the tree
        # (the kernel's inverse); a school-level warning, the heads of the point's lead unit.
        if point.level == Level.SCHOOL:
            lead = unit_heads(institution, [point.lead_unit_id]).get(point.lead_unit_id, set())
            owners = {r["pk"]: lead for r in failing.values()}
        else:
            owners = responsible_people(institution, point.level, [failing[k]["pk"] for k in saved])
        through = Warning.owners.through
        links, notices = [], []
        for key, warning in saved.items():
            for user_id in sorted(owners.get(failing[key]["pk"], ())):
                links.append(through(warning_id=warning.pk, user_id=user_id))
                notices.append(Notification(
                    user_id=user_id, institution=institution,
                    text=f"新预警（{warning.get_severity_display()}）：{point.name}",
                    url=reverse("monitoring:warning_detail", args=[warning.pk])))
        through.objects.bulk_create(links, ignore_conflicts=True)
        Notification.objects.bulk_create(notices)
    return len(new), len(passing)


def inapplicable_settle(point: QCPoint, institution: Any, period: Period, version: int) -> int:
    """The entities a point does not apply to (an A-type course on 实践课时比例): their open warnings are
    resolved and their measurements of this (open) data version removed, both audited as the system — a point
    that does not apply has no value and no alarm. A constant number of queries; returns the warnings resolved."""
    applies = point.applies_q()
    field = ENTITY_FIELDS.get(point.level)
    if not applies or field is None:
        return 0
    outside = {f"{field}_id__in": entity_model(point.level).objects.filter(institution=institution)
               .exclude(applies).values("pk")}
    warnings = list(Warning.objects.filter(qc_point=point, period=period, state__in=OPEN_STATES, **outside))
    if warnings:
        Warning.objects.filter(pk__in=[w.pk for w in warnings]).update(
            state=WarningState.RESOLVED, note="质控点不适用于该对象，自动解除", updated_at=timezone.now())
        audit.record_bulk(actor=None, action=AuditAction.UPDATE, describe=lambda w: f"{point.name} · {w.entity_key}",
                          items=[(w, {"state": w.state}, {"state": WarningState.RESOLVED}) for w in warnings],
                          note="重算：质控点不适用于该对象，预警自动解除")
    stale = list(Measurement.objects.filter(qc_point=point, period=period, version=version, **outside))
    if stale:
        Measurement.objects.filter(pk__in=[m.pk for m in stale]).delete()
        audit.record_bulk(actor=None, action=AuditAction.DELETE, describe=lambda m: f"{point.name} · {m.entity_key}",
                          items=[(m, {"status": m.status}, {}) for m in stale],
                          note="重算：质控点不适用于该对象，删除其测量结果")
    return len(warnings)


def points_for(institution: Any, qc_points: Iterable[Any] | None = None) -> list[QCPoint]:
    # Qualitative points are judged by their owner (qualitative_judge), never computed.
    qs = QCPoint.objects.filter(institution=institution, active=True, qualitative=False)
    if qc_points is not None:
        codes = [p.code if isinstance(p, QCPoint) else str(p) for p in qc_points]
        qs = qs.filter(code__in=codes)
    return list(qs.order_by("level", "order", "code"))


ANALYZE_AFTER = 2000   # measurements written by one recompute before the planner's statistics are refreshed


def recompute(*, institution: Any, period: Period, qc_points: Iterable[Any] | None = None,
              entities: dict[str, Iterable[int]] | None = None, actor: Any = None,
              progress: Callable[[int, int, str], None] | None = None,
              within: Iterable[Period] | None = None) -> dict[str, Any]:
    """Compute and store the measurements of `period`'s academic year for the given QC points (codes or
    objects; default all active) and entities (level → ids; default all), then raise or resolve warnings.

    Each point is measured for the periods of its 监测周期 (`measured_periods`): a monthly point for every
    month of the year that its data covers, a semester point per semester, and each point for the year.
    `period` (or `within`, periods of one year: the months an import touched) limits the months and
    semesters measured to those overlapping it — a correction to March recomputes March, its semester and
    the year, never February. A point whose formula cannot be computed is reported, not fatal: the others
    still run.
    """
    year = academic_year(period)
    scopes = list(within) if within else [period]
    version, frozen = data_version(institution, year)
    if frozen:
        return {"period": year.code, "version": version, "frozen": True, "points": 0, "entities": 0,
                "raised": 0, "resolved": 0, "errors": [], "periods": []}
    coverage = _Coverage(institution, year)
    points = points_for(institution, qc_points)
    total: dict[str, Any] = {"period": year.code, "version": version, "frozen": False, "points": 0,
                             "entities": 0, "raised": 0, "resolved": 0, "errors": [], "periods": []}
    for i, point in enumerate(points):
        if progress:
            progress(i, len(points), f"{point.code} {point.name}")
        ids = None if entities is None else entities.get(point.level)
        if entities is not None and ids is None:
            continue
        try:
            for target, summary in measured_periods(point, year, scopes, coverage):
                result = recompute_point(point, institution, target, coverage.period_filters(target), version,
                                         ids, summary=summary)
                for key in ("entities", "raised", "resolved"):
                    total[key] += result[key]
                if target.code not in total["periods"]:
                    total["periods"].append(target.code)
        except ValidationError as exc:
            total["errors"].append(f"{point.code} {point.name}：{'；'.join(exc.messages)}")
            continue
        total["points"] += 1
    if total["entities"] >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Fresh statistics for what was just written. A first recompute (a new college, the demo, a test) fills
        # the table inside one transaction, where autovacuum cannot see it: planned as if it were empty, the
        # "newest version" anti-join of every reader (that_count) then takes seconds instead of milliseconds.
        # ANALYZE counts our own transaction's rows and samples a fixed number of them, so it stays cheap.
        with connection.cursor() as cursor:
            for model in (Measurement, Warning):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    if progress:
        progress(len(points), len(points), "完成")
    return total


def affected_points(institution: Any, model: type) -> list[QCPoint]:
    """The active QC points whose formulas read a measure over `model` (for incremental recompute)."""
    names = measures.measures_of_table(model)
    result = []
    for point in points_for(institution):
        try:
            used = fl.measure_names(point.formula)
        except ValidationError:
            continue
        if names.intersection(used):
            result.append(point)
    return result


# ---- qualitative points: judged by a person ---------------------------------------------------------------

JUDGMENTS = {True: "达标", False: "未达标"}


@transaction.atomic
def qualitative_judge(*, actor: Any, point: QCPoint, period: Period, passed: bool, note: str, evidence: str = "",
                      entity_pk: int | None = None, evidence_file: Any = None) -> Measurement:
    """Record the owner's judgment of a qualitative QC point for one cycle: a measurement (达标 / 不达标) with the
    note and evidence as its inputs, and the same warning sync as a computed point — 未达标 raises a warning
    to the point's owner (and the entity's), a later 达标 resolves it. Judging again in the same cycle and
    data version replaces the judgment. `evidence_file` (an UploadedFile) is checked as every evidence file is
    (core.uploads) before anything is written, and kept with the judgment."""
    if not point.qualitative:
        raise ValidationError("只有定性质控点由人判定")
    checked = uploads.check_upload(evidence_file) if evidence_file is not None else None
    if not note.strip():
        raise ValidationError("请填写判定说明")
    institution = point.institution
    year = academic_year(period)
    version, frozen = data_version(institution, year)
    if frozen:
        raise ValidationError(f"{year}的数据已冻结，不能再判定")
    if point.level == Level.SCHOOL:
        entity_pk = institution.pk
    elif entity_pk is None or not entity_queryset(point.level, institution).filter(pk=entity_pk).exists():
        raise ValidationError("请选择被判定的对象")
    status = Status.PASS if passed else Status.FAIL
    key = entity_key(point.level, entity_pk)
    inputs = {"判定": JUDGMENTS[passed], "说明": note.strip(), "证据": evidence.strip(),
              "判定人": getattr(actor, "name", "") or str(actor)}
    if checked is not None:
        inputs["证据文件"] = checked.name
    measurement, _ = Measurement.objects.update_or_create(
        qc_point=point, period=year, entity_key=key, version=version,
        defaults={"institution": institution, "level": point.level, "value": None, "status": status,
                  "inputs": inputs, "formula": "", "lines": {"qualitative": True}, "computed_at": timezone.now(),
                  "data_as_of": timezone.now(), **_entity_fields(point.level, entity_pk)})
    audit.record(actor=actor, obj=measurement, action=AuditAction.UPDATE, before={},
                 note=f"定性判定：{JUDGMENTS[passed]}")
    if checked is not None:
        kept = JudgmentFile(institution=institution, measurement=measurement, file=checked.file, name=checked.name,
                            size=checked.size, content_type=checked.content_type, sha256=checked.sha256,
                            uploaded_by=actor)
        kept.full_clean()
        kept.save()
        stored = kept.file.name
        audit.record(actor=actor, obj=kept, action=AuditAction.CREATE, after={"name": kept.name, "file": stored})
    _sync_warnings(point, institution, year, [{"pk": entity_pk, "status": status}], {key: measurement.pk})
    if not passed and point.owner_id:
        warning = Warning.objects.filter(qc_point=point, period=year, entity_key=key,
                                         state__in=OPEN_STATES).first()
        if warning is not None and not warning.owners.filter(pk=point.owner_id).exists():
            warning.owners.add(point.owner_id)
            _notify(institution, [point.owner_id], f"新预警（{warning.get_severity_display()}）：{point.name}",
                    warning)
    transaction.on_commit(lambda: measurements_recorded.send(
        sender=Measurement, institution=institution, period=year, qc_point=point, entity_keys=[key]))
    return measurement


# ---- people's transitions ----------------------------------------------------------------------------

@transaction.atomic
def warning_transition(*, actor: Any, warning: Warning, state: str, note: str = "") -> Warning:
    """Acknowledge, mark improving or close (with a reason) a warning; resolution is by data only."""
    if state not in TRANSITIONS.get(warning.state, set()):
        raise ValidationError(f"预警当前为“{warning.get_state_display()}”，不能改为“{WarningState(state).label}”")
    if state == WarningState.CLOSED and not note.strip():
        raise ValidationError("关闭预警须说明原因")
    before = audit.snapshot(warning)
    warning.state = state
    if state == WarningState.CLOSED:
        warning.closed_reason = note.strip()[:300]
    elif note:
        warning.note = (warning.note + "\n" + note).strip()
    warning.save()
    audit.record(actor=actor, obj=warning, action=AuditAction.UPDATE, before=before, note=note[:200])
    return warning


BULK_ACTIONS = {"acknowledge": "确认", "assign": "指派", "note": "添加备注"}


@transaction.atomic
def warnings_bulk(*, actor: Any, institution: Any, ids: Iterable[int], action: str, assignee: Any = None,
                  note: str = "") -> dict[str, Any]:
    """Acknowledge (待处理 → 已确认), assign to a staff member (added as an owner and notified) or add a note
    to many warnings at once. Each warning gets its own audit entry (its history), written in one INSERT.

    All or nothing: if any id is not a warning of `institution` that the actor may change (the permission
    gate), nothing changes and the error says how many were refused. Warnings the action does not fit (an
    acknowledge of one already handled, an assignee who already owns it) are skipped and counted."""
    from zhengai.core.people import staff_for

    wanted = {int(i) for i in ids}
    if not wanted:
        raise ValidationError("请先勾选要处理的预警")
    if action not in BULK_ACTIONS:
        raise ValidationError("未知的批量操作")
    note = note.strip()
    if action == "note" and not note:
        raise ValidationError("请填写备注")
    if action == "assign" and (assignee is None or not staff_for(actor, institution).filter(pk=assignee.pk).exists()):
        raise ValidationError("请从本院校的教职工中选择指派对象")
    warnings = list(Warning.objects.restrict(actor, CHANGE).filter(institution=institution, pk__in=wanted)
                    .select_for_update(of=("self",))
                    .select_related("qc_point", "unit", "major", "course", "teacher", "student", "klass",
                                    "institution"))
    refused = wanted - {w.pk for w in warnings}
    if refused:
        raise ValidationError(f"其中 {len(refused)} 条预警不存在或不在您的处理范围内，未做任何修改")
    now = timezone.now()
    who = getattr(actor, "display_name", str(actor))
    stamped = f"{timezone.localtime(now):%Y-%m-%d %H:%M} {who}：{note}" if note else ""
    through = Warning.owners.through
    changed: list[Warning] = []
    items: list[tuple[Warning, dict[str, Any], dict[str, Any]]] = []
    why_skipped = ""
    owners: dict[int, list[str]] = {}
    already: set[int] = set()
    if action == "assign":
        for link in through.objects.filter(warning_id__in=wanted).select_related("user"):
            owners.setdefault(link.warning_id, []).append(str(link.user))
            if link.user_id == assignee.pk:
                already.add(link.warning_id)
    for w in warnings:
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if action == "acknowledge":
            if w.state != WarningState.OPEN:
                why_skipped = "已不是“待处理”"
                continue
            before["state"], after["state"] = w.state, WarningState.ACKNOWLEDGED
            w.state = WarningState.ACKNOWLEDGED
        elif action == "assign":
            if w.pk in already:
                why_skipped = "已由此人负责"
                continue
            current = sorted(owners.get(w.pk, []))
            before["owners"], after["owners"] = current, sorted([*current, str(assignee)])
        if stamped:
            before["note"], after["note"] = w.note, (w.note + "\n" + stamped).strip()
            w.note = after["note"]
        w.updated_at = now
        changed.append(w)
        items.append((w, before, after))
    if changed:
        Warning.objects.bulk_update(changed, ["state", "note", "updated_at"])
    if action == "assign" and changed:
        through.objects.bulk_create([through(warning_id=w.pk, user_id=assignee.pk) for w in changed],
                                    ignore_conflicts=True)
        Notification.objects.bulk_create([Notification(
            user_id=assignee.pk, institution=institution, text=f"指派给您的预警：{warning_label(w)}"[:300],
            url=reverse("monitoring:warning_detail", args=[w.pk])) for w in changed])
    audit.record_bulk(actor=actor, action=AuditAction.UPDATE, items=items, describe=warning_label,
                      note=f"批量{BULK_ACTIONS[action]}" + (f"：{note}" if note else ""))
    return {"done": len(changed), "skipped": len(warnings) - len(changed), "why_skipped": why_skipped}


def notifications_send(*, institution: Any, user_ids: Iterable[int], text: str, url: str = "") -> int:
    """An in-app message to each of `user_ids` (a survey's reminder…): the one writer of notifications for the
    apps above."""
    notices = [Notification(user_id=u, institution=institution, text=text[:300], url=url[:300])
               for u in sorted(set(user_ids))]
    Notification.objects.bulk_create(notices, batch_size=500)
    return len(notices)


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read=False)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read=True)


# ---- background job ----------------------------------------------------------------------------------

JOB_KIND = "recompute"


def recompute_start(*, actor: Any, institution: Any, period: Period, qc_points: list[str] | None = None,
                    within: list[Period] | None = None):
    from zhengai.core.jobs import job_start

    where = "、".join(str(p) for p in within) if within else str(period)
    label = f"重新计算质控点：{where}" + (f"（{len(qc_points)}个质控点）" if qc_points else "")
    return job_start(actor=actor, institution=institution, kind=JOB_KIND, label=label,
                     params={"period": period.code, "points": qc_points,
                             "within": [p.code for p in within] if within else None})


def run_recompute_job(job: Any, progress: Any) -> dict[str, Any]:
    period = Period.objects.get(code=job.params["period"])
    within = job.params.get("within")
    return recompute(institution=job.institution, period=period, qc_points=job.params.get("points"),
                     actor=job.created_by, progress=progress,
                     within=list(Period.objects.filter(code__in=within)) if within else None)


def on_import_committed(sender: type, institution: Any, periods: list[Period], months: list[Period] | None = None,
                        **kwargs: Any) -> None:
    """After a state-data import: recompute, as a job, only the points that read the imported table — and,
    for dated teaching-process rows (`months`: the months of the rows written), only those months of the
    monthly points, their semesters and the year."""
    points = affected_points(institution, sender)
    if not points:
        return
    codes = [p.code for p in points]
    years = {academic_year(p).pk: academic_year(p) for p in periods}
    record = kwargs.get("record")
    actor = record.actor if record is not None else None
    for year in years.values():
        touched = [m for m in months or [] if academic_year(m).pk == year.pk] if months is not None else None
        if record is None and _queued(institution, year, codes, touched):
            continue
        recompute_start(actor=actor, institution=institution, period=year, qc_points=codes,
                        within=touched or None)


def _queued(institution: Any, period: Period, codes: list[str], within: list[Period] | None) -> bool:
    """Whether the same recompute already waits in the queue. A write without an import record (a roll call)
    happens hundreds of times a morning: while one job for its month waits, another would only repeat it."""
    from zhengai.core.choices import JobStatus
    from zhengai.core.models import Job

    params = {"period": period.code, "points": codes, "within": [p.code for p in within] if within else None}
    return any(job.params == params for job in Job.objects.filter(institution=institution, kind=JOB_KIND,
                                                                 status=JobStatus.QUEUED).only("params"))


# ---- the warning policy, subject (task) warnings and escalation (督办) ----------------------------------
#
# Apps above monitoring (the goal chain) raise warnings about their own objects through these services, so
# monitoring keeps owning the warning inbox, its notifications and its audit trail, and never imports upward:
# the subject is named generically (content type + id).

ESCALATION_TOP = 2
ESCALATION_LABELS = {1: "上报部门负责人", 2: "上报质管办和校领导"}


def policy_for(institution: Any) -> WarningPolicy:
    """The institution's warning policy, created with the defaults (7 days countdown, 3 days to escalate)."""
    policy, _ = WarningPolicy.objects.get_or_create(institution=institution)
    return policy


@transaction.atomic
def policy_update(*, actor: Any, institution: Any, countdown_days: int, escalation_days: int) -> WarningPolicy:
    """Change how early countdown warnings are raised and how long a warning may wait before 督办."""
    from zhengai.core.services import save_object

    errors = {}
    if not 1 <= int(countdown_days) <= 365:
        errors["countdown_days"] = "临期预警提前天数须在1—365天之间"
    if not 1 <= int(escalation_days) <= 365:
        errors["escalation_days"] = "督办等待天数须在1—365天之间"
    if errors:
        raise ValidationError(errors)
    policy = policy_for(institution)
    save_object(actor=actor, obj=policy, data={"countdown_days": int(countdown_days),
                                              "escalation_days": int(escalation_days)})
    return policy


def _subject_q(subject: Any) -> Q:
    return Q(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)


def warning_label(warning: Warning) -> str:
    """What a warning is about, for a notification: the task's title, or the QC point and its entity."""
    if warning.qc_point_id:
        return f"{warning.qc_point.name} · {warning.entity}"
    return warning.title or str(warning.entity)


def _notify(institution: Any, user_ids: Iterable[int], text: str, warning: Warning) -> None:
    url = reverse("monitoring:warning_detail", args=[warning.pk])
    Notification.objects.bulk_create([Notification(user_id=u, institution=institution, text=text[:300], url=url)
                                      for u in sorted(set(user_ids))])


@transaction.atomic
def subject_warning_raise(*, institution: Any, kind: str, subject: Any, title: str, severity: str, period: Period,
                          level: str, entity_key: str, entity: dict[str, Any] | None = None, url: str = "",
                          due: datetime.date | None = None, assigned_unit: Any = None,
                          owners: Iterable[Any] = ()) -> tuple[Warning, bool]:
    """Raise a warning of `kind` about `subject` (a plan task…), or refresh the open one: (warning, created).

    At most one open warning of each kind per subject (a database constraint too), so a sweep may run as
    often as it likes. The owners are notified when the warning is raised; an owner added later (the task
    changed hands) is added and notified then."""
    owner_ids = {getattr(o, "pk", o) for o in owners if o is not None}
    fields = {"title": title[:300], "url": url[:300], "due": due, "severity": severity, "period": period,
              "level": level, "entity_key": entity_key, "assigned_unit": assigned_unit,
              **{f"{f}_id": None for f in ENTITY_FIELDS.values()}, **(entity or {})}
    existing = (Warning.objects.select_for_update(of=("self",))
                .filter(_subject_q(subject), kind=kind, state__in=OPEN_STATES).first())
    if existing is not None:
        before = audit.snapshot(existing)
        changed = [k for k, v in fields.items() if getattr(existing, k) != v]
        for k in changed:
            setattr(existing, k, fields[k])
        if changed:
            existing.save()
        new_owners = owner_ids - set(existing.owners.values_list("pk", flat=True))
        if new_owners:
            existing.owners.add(*new_owners)
            _notify(institution, new_owners, f"新预警（{existing.get_severity_display()}）：{title}", existing)
        if changed or new_owners:
            audit.record(actor=None, obj=existing, action=AuditAction.UPDATE, before=before, note="预警信息更新")
        return existing, False
    warning = Warning(institution=institution, kind=kind, subject_type=ContentType.objects.get_for_model(subject),
                      subject_id=subject.pk, **fields)
    warning.save()
    if owner_ids:
        warning.owners.set(owner_ids)
    audit.record(actor=None, obj=warning, action=AuditAction.CREATE, note="任务预警")
    _notify(institution, owner_ids, f"新预警（{warning.get_severity_display()}）：{title}", warning)
    return warning, True


@transaction.atomic
def subject_warnings_settle(*, subject: Any = None, subject_type: Any = None, subject_id: int | None = None,
                            state: str, reason: str, kinds: Iterable[str] | None = None) -> int:
    """End the open warnings about a subject: resolved (the task is done) or closed (with the reason)."""
    if state not in (WarningState.RESOLVED, WarningState.CLOSED):
        raise ValueError("state must be resolved or closed")
    q = _subject_q(subject) if subject is not None else Q(subject_type=subject_type, subject_id=subject_id)
    qs = Warning.objects.filter(q, state__in=OPEN_STATES)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    count = 0
    for warning in qs.select_for_update(of=("self",)):
        before = audit.snapshot(warning)
        warning.state = state
        if state == WarningState.CLOSED:
            warning.closed_reason = reason[:300]
        else:
            warning.note = (warning.note + "\n" + reason).strip()
        warning.save()
        audit.record(actor=None, obj=warning, action=AuditAction.UPDATE, before=before, note=reason[:200])
        count += 1
    return count


def unit_of(warning: Warning) -> int | None:
    """The unit that answers for a warning: the assigned unit (a task's unit, a school-level point's lead unit,
    the unit an entity belongs to), else the unit its entity belongs to (read through the relations the caller
    selected: major, course, teacher, klass__major, student__major)."""
    if warning.assigned_unit_id:
        return warning.assigned_unit_id
    if warning.unit_id:
        return warning.unit_id
    for field in ("major", "course", "teacher"):
        if getattr(warning, f"{field}_id"):
            return getattr(warning, field).unit_id
    if warning.klass_id:
        return warning.klass.major.unit_id
    if warning.student_id:
        return warning.student.major.unit_id
    return None


def escalation_people(institution: Any, warnings: Iterable[Warning]) -> dict[int, set[int]]:
    """Whom each warning's (new) escalation level reaches: level 1 the heads of its unit (or parent unit),
    level 2 the quality office and the school leaders. A constant number of queries."""
    warnings = list(warnings)
    heads = unit_heads(institution, {unit_of(w) for w in warnings if w.escalation_level == 1})
    school: set[int] = set()
    if any(w.escalation_level >= ESCALATION_TOP for w in warnings):
        school = set(Membership.objects.filter(institution=institution, active=True,
                                               role__in=[Role.QUALITY_OFFICE, Role.SCHOOL_LEADER])
                     .values_list("user_id", flat=True))
    return {w.pk: (set(heads.get(unit_of(w), set())) if w.escalation_level == 1
                   else set(school) if w.escalation_level >= ESCALATION_TOP else set()) for w in warnings}


@transaction.atomic
def warnings_escalate(*, institution: Any, now: datetime.datetime | None = None) -> dict[str, int]:
    """督办: every warning still 待处理 (nobody acknowledged it) longer than the policy's delay since it was
    raised — or since its last escalation — moves up one level. Level 1 adds the heads of the responsible unit
    (or of its parent unit) as owners; level 2, the top, adds the quality office and the school leaders. The
    new owners are notified and the step is audited. One level per delay: a sweep never jumps two levels."""
    now = now or timezone.now()
    policy = policy_for(institution)
    cutoff = now - datetime.timedelta(days=policy.escalation_days)
    due = (Warning.objects.select_for_update(of=("self",))
           .filter(institution=institution, state=WarningState.OPEN, escalation_level__lt=ESCALATION_TOP)
           .filter(Q(escalated_at__isnull=True, raised_at__lt=cutoff) | Q(escalated_at__lt=cutoff))
           .select_related("qc_point", "major", "course", "teacher", "unit", "student__major", "klass__major",
                           "institution"))
    due = list(due)
    for warning in due:
        warning.escalation_level += 1
    people = escalation_people(institution, due)
    counts = {"escalated": 0, "notified": 0}
    through = Warning.owners.through
    for warning in due:
        level = warning.escalation_level
        new = people[warning.pk] - set(through.objects.filter(warning_id=warning.pk)
                                       .values_list("user_id", flat=True))
        before = {"escalation_level": level - 1,
                  "escalated_at": warning.escalated_at.isoformat() if warning.escalated_at else None}
        Warning.objects.filter(pk=warning.pk).update(escalation_level=level, escalated_at=now, updated_at=now)
        through.objects.bulk_create([through(warning_id=warning.pk, user_id=u) for u in new], ignore_conflicts=True)
        _notify(institution, new, f"督办（{ESCALATION_LABELS[level]}）：{warning_label(warning)}", warning)
        audit.record(actor=None, obj=warning, action=AuditAction.UPDATE, before=before,
                     after={"escalation_level": level, "escalated_at": now.isoformat()},
                     note=f"督办：{ESCALATION_LABELS[level]}")
        counts["escalated"] += 1
        counts["notified"] += len(new)
    return counts
