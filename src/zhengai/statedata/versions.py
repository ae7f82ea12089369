"""Data versions and snapshots (冻结数据): freezing a period keeps a snapshot of every state-data table for it,
so that what was reported, measured and signed stays what it was; a later import opens the next version, and
the difference between the frozen snapshot and the current data is shown table by table.

A version belongs to an academic or calendar year. Teaching-process rows (kept per semester) belong to their
semester's academic year, and are snapshotted by their per-course and per-student aggregates only.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from zhengai.core import audit
from zhengai.core.choices import AuditAction, PeriodKind
from zhengai.core.models import Period

from .choices import AttendanceStatus, VersionState
from .models import PROCESS_TABLES, TABLES, Attendance, DataVersion, Homework, LessonCheck, Snapshot
from .signals import period_frozen

FREEZABLE_KINDS = (PeriodKind.ACADEMIC_YEAR, PeriodKind.CALENDAR_YEAR)
_SKIP = {"id", "institution", "period", "last_import", "table_version"}


def version_period(period: Period) -> Period:
    """The year a row's period is versioned under (a semester's academic year)."""
    return period.parent if period.kind == PeriodKind.SEMESTER and period.parent_id else period


def latest(institution: Any, period: Period) -> DataVersion | None:
    return DataVersion.objects.filter(institution=institution, period=period).order_by("-number").first()


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


# ---- what a snapshot holds -------------------------------------------------------------------------

def _state_rows(model: Any, institution: Any, period: Period) -> dict[str, dict[str, Any]]:
    """Rows keyed by their entities' codes ("全校" for an institution-level table); relations as codes."""
    fields = [f for f in model._meta.concrete_fields if f.name not in _SKIP and f.name not in model.entities]
    names = [f"{f.name}__code" if f.is_relation else f.name for f in fields]
    keys = [f"{e}__code" for e in model.entities] + list(model.extra_keys)
    rows = {}
    for row in model.objects.filter(institution=institution, period=period).values(*dict.fromkeys([*keys, *names])):
        key = "|".join(str(row[k]) for k in keys) or "全校"
        rows[key] = {f.name: _plain(row[n]) for f, n in zip(fields, names, strict=True)}
    return rows


AGGREGATES: dict[Any, dict[str, Any]] = {
    Attendance: {"合计": Count("id"), **{label: Count("id", filter=Q(status=value))
                                         for value, label in AttendanceStatus.choices}},
    LessonCheck: {"合计": Count("id"), "达标": Count("id", filter=Q(passed=True)), "平均得分": Avg("score")},
    Homework: {"合计": Count("id"), "已提交": Count("id", filter=Q(submitted=True)),
               "按时提交": Count("id", filter=Q(on_time=True)), "平均成绩": Avg("score")},
}


def _process_rows(model: Any, institution: Any, period: Period) -> dict[str, dict[str, Any]]:
    """Per course and per student aggregates of the year's (or semester's) teaching-process rows."""
    qs = model.objects.filter(Q(period=period) | Q(period__parent=period), institution=institution)
    rows: dict[str, dict[str, Any]] = {}
    for label, path in (("课程", "course__code"), ("学生", "student__code")):
        for row in qs.values(path).annotate(**AGGREGATES[model]).order_by(path):
            values = {k: _plain(round(decimal.Decimal(str(v)), 2) if isinstance(v, float | decimal.Decimal) else v)
                      for k, v in row.items() if k != path}
            rows[f"{label}:{row[path]}"] = values
    return rows


def current_data(institution: Any, period: Period) -> dict[str, dict[str, dict[str, Any]]]:
    """What a snapshot of the period would hold now: table (model name) → key → field → value."""
    data = {m._meta.model_name: _state_rows(m, institution, period) for m in TABLES}
    data.update({m._meta.model_name: _process_rows(m, institution, period) for m in PROCESS_TABLES})
    return data


TABLE_NAMES = {m._meta.model_name: str(m._meta.verbose_name) for m in [*TABLES, *PROCESS_TABLES]}


# ---- services --------------------------------------------------------------------------------------

@transaction.atomic
def period_freeze(*, actor: Any, institution: Any, period: Period, note: str = "") -> DataVersion:
    """Freeze the period's open version (version 1 if there is none yet): snapshot every table."""
    if period.kind not in FREEZABLE_KINDS:
        raise ValidationError("只能冻结学年或自然年的数据")
    list(DataVersion.objects.select_for_update(of=("self",)).filter(institution=institution, period=period))
    version = latest(institution, period)
    if version is not None and version.frozen:
        raise ValidationError(f"{version}已冻结，此后没有新的导入，无需再次冻结")
    if version is None:
        version = DataVersion.objects.create(institution=institution, period=period, number=1)
    data = current_data(institution, period)
    Snapshot.objects.bulk_create([Snapshot(version=version, table=t, table_name=TABLE_NAMES[t], rows=len(rows),
                                           data=rows) for t, rows in data.items()])
    version.state, version.frozen_at = VersionState.FROZEN, timezone.now()
    version.frozen_by = actor if getattr(actor, "is_authenticated", False) else None
    version.note = note[:300]
    version.save()
    audit.record(actor=actor, obj=version, action=AuditAction.UPDATE, before={"状态": "未冻结"},
                 after={"状态": "已冻结", "版本": version.number, "说明": version.note})
    transaction.on_commit(lambda: period_frozen.send(sender=DataVersion, institution=institution, period=period,
                                                     version=version))
    return version


def reopen_after_import(*, institution: Any, periods: list[Period]) -> str:
    """Called inside an import that changed rows: a frozen period gets its next version, open. Returns what
    the import history should say ("" when no period was frozen)."""
    notes = []
    for period in sorted({version_period(p) for p in periods}, key=lambda p: p.start):
        version = latest(institution, period)
        if version is not None and version.frozen:
            DataVersion.objects.create(institution=institution, period=period, number=version.number + 1,
                                       note=f"导入时第{version.number}版已冻结")
            notes.append(f"{period}第{version.number}版已冻结，本次导入开启第{version.number + 1}版。")
    return "".join(notes)


# ---- the difference ----------------------------------------------------------------------------------

def diff(version: DataVersion) -> list[dict[str, Any]]:
    """Table by table: rows added since the freeze, removed, and changed (with each changed field)."""
    current = current_data(version.institution, version.period)
    out = []
    for snap in version.snapshots.order_by("pk"):
        before, after = snap.data, current.get(snap.table, {})
        changed = []
        for key in sorted(before.keys() & after.keys()):
            fields = {f: (before[key].get(f), after[key].get(f)) for f in before[key].keys() | after[key].keys()
                      if before[key].get(f) != after[key].get(f)}
            if fields:
                changed.append({"key": key, "fields": sorted(fields.items())})
        out.append({"table": snap.table, "name": snap.table_name,
                    "added": sorted(after.keys() - before.keys()), "removed": sorted(before.keys() - after.keys()),
                    "changed": changed})
    return out


def field_label(table: str, name: str) -> str:
    model = next((m for m in [*TABLES, *PROCESS_TABLES] if m._meta.model_name == table), None)
    try:
        return str(model._meta.get_field(name).verbose_name) if model is not None else name
    except models.FieldDoesNotExist:
        return name
