"""Every write of the statedata app: an import of a table's rows, and its history record.

`table_import` writes a whole parsed file at once — new rows in bulk, changed rows in bulk, unchanged rows not
at all — and one audit entry for the import rather than one per row. Every file, imported or refused, leaves an
ImportRecord. Permission is the caller's business (the import view and job check the role first).
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from zhengai.core import audit
from zhengai.core.choices import AuditAction, PeriodKind
from zhengai.core.importing import ImportResult
from zhengai.core.models import Period
from zhengai.core.periods import ensure_academic_year, ensure_calendar_year

from .choices import ImportStatus
from .models import ImportRecord, StateRecord
from .signals import import_committed

BATCH = 500


def period_for_code(code: str) -> Period:
    """The period a file names: "2024-2025" an academic year, "2025" a calendar year (created if new)."""
    if "-" in code:
        return ensure_academic_year(int(code.split("-")[0]))
    return ensure_calendar_year(int(code))


def _key(obj_or_row: Any, keys: tuple[str, ...], row: bool) -> tuple[int, ...]:
    if row:
        return tuple(obj_or_row[k].pk for k in keys)
    return tuple(getattr(obj_or_row, f"{k}_id") for k in keys)


def _same(obj: models.Model, name: str, value: Any) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) == (value.pk if value is not None else None)
    return getattr(obj, name) == value


def _previous(institution: Any, model: type[StateRecord], checksum: str) -> ImportRecord | None:
    if not checksum:
        return None
    return (ImportRecord.objects.filter(institution=institution, table=model._meta.model_name, checksum=checksum,
                                        status=ImportStatus.OK).order_by("-at", "-pk").first())


def _record(*, actor: Any, institution: Any, model: type[StateRecord], filename: str, checksum: str,
            result: ImportResult, periods: list[Period], status: str) -> ImportRecord:
    record = ImportRecord.objects.create(
        institution=institution, table=model._meta.model_name, table_name=model._meta.verbose_name,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        filename=filename[:255], checksum=checksum, rows=result.total, created=result.created,
        updated=result.updated, unchanged=result.unchanged, status=status,
        errors=[[e.row, e.messages] for e in result.errors], file_error=result.file_error[:500],
        identical_to=_previous(institution, model, checksum) if status == ImportStatus.OK else None,
    )
    record.periods.set(periods)
    return record


def import_refused(*, actor: Any, institution: Any, model: type[StateRecord], filename: str, checksum: str,
                   result: ImportResult, period_codes: set[str]) -> ImportRecord:
    """History of a refused file: what was wrong, and nothing else written."""
    periods = list(Period.objects.filter(code__in=period_codes))
    return _record(actor=actor, institution=institution, model=model, filename=filename, checksum=checksum,
                   result=result, periods=periods, status=ImportStatus.REFUSED)


@transaction.atomic
def table_import(*, actor: Any, institution: Any, model: type[StateRecord], rows: list[dict[str, Any]],
                 filename: str, checksum: str, result: ImportResult) -> ImportRecord:
    """Write a checked file's rows (period given as a code) and record the import; counts go into `result`.

    Rows are matched on the table's natural key (period + entity), so the same file twice changes nothing.
    """
    periods = {code: period_for_code(code) for code in sorted({row["period"] for row in rows})}
    for row in rows:
        row["period"] = periods[row["period"]]
        if model.basis == "calendar_year" and row["period"].kind != PeriodKind.CALENDAR_YEAR:
            raise ValueError("calendar-year table given an academic year")  # the importer's parser prevents it
    keys = model.key_fields()
    existing = {_key(obj, keys, False): obj
                for obj in model.objects.filter(institution=institution, period__in=periods.values())}
    new: list[StateRecord] = []
    changed: list[StateRecord] = []
    fields: set[str] = set()
    for row in rows:
        current = existing.get(_key(row, keys, True))
        if current is None:
            new.append(model(institution=institution, **row))
            continue
        delta = [name for name, value in row.items() if name not in keys and not _same(current, name, value)]
        if delta:
            for name in delta:
                setattr(current, name, row[name])
            fields.update(delta)
            changed.append(current)
    result.created, result.updated = len(new), len(changed)
    result.unchanged = len(rows) - len(new) - len(changed)
    record = _record(actor=actor, institution=institution, model=model, filename=filename, checksum=checksum,
                     result=result, periods=list(periods.values()), status=ImportStatus.OK)
    for obj in new + changed:
        obj.last_import = record
    model.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        model.objects.bulk_update(changed, [*sorted(fields), "last_import"], batch_size=BATCH)
    audit.record(actor=actor, obj=record, action=AuditAction.IMPORT, after={
        "数据表": record.table_name, "文件": record.filename, "期间": sorted(periods),
        "新增": result.created, "更新": result.updated, "未变": result.unchanged,
    })
    if new or changed:
        transaction.on_commit(lambda: import_committed.send(
            sender=model, institution=institution, periods=list(periods.values()), record=record))
    return record
