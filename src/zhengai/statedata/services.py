"""Every write of the statedata app: an import of a table's rows, and its history record.

`table_import` writes a whole parsed file at once — new rows in bulk, changed rows in bulk, unchanged rows not
at all — and one audit entry for the import rather than one per row; each created or changed row leaves a slim
RowChange (its key and the changed fields before and after), also in bulk, linked to the import record. Every
file, imported or refused, leaves an ImportRecord. Permission is the caller's business (the import view and job
check the role first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from zhengai.core import audit, importing
from zhengai.core.choices import AuditAction, PeriodKind
from zhengai.core.importing import ERROR_LIMIT, ImportResult
from zhengai.core.models import Period
from zhengai.core.periods import ensure_academic_year, ensure_calendar_year

from . import totals, versions
from .choices import ImportSource, ImportStatus, RowAction
from .models import Attendance, ImportRecord, ProcessRecord, RowChange, StateRecord, WorkbookImport
from .signals import import_committed

BATCH = 500
IMPORT_ERROR_LIMIT = ERROR_LIMIT   # the history and the page list at most this many bad rows (core.importing)


def period_for_code(code: str) -> Period:
    """The period a file names: "2024-2025" an academic year, "2025" a calendar year (created if new)."""
    if "-" in code:
        return ensure_academic_year(int(code.split("-")[0]))
    return ensure_calendar_year(int(code))


def _key(obj_or_row: Any, keys: tuple[str, ...], row: bool) -> tuple[Any, ...]:
    """A row's natural key: related rows by id, the text keys of a table's `extra_keys` as they are."""
    if row:
        return tuple(getattr(obj_or_row[k], "pk", obj_or_row[k]) for k in keys)
    return tuple(getattr(obj_or_row, f"{k}_id", None) if k not in obj_or_row.extra_keys else getattr(obj_or_row, k)
                 for k in keys)


def _same(obj: models.Model, name: str, value: Any) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) == (value.pk if value is not None else None)
    return getattr(obj, name) == value


def _plain(value: Any) -> Any:
    """A field value as JSON for a row change: a related row by its key, dates and decimals as text."""
    if isinstance(value, models.Model):
        return value.pk
    return audit.plain(value)


def _row_key(pairs: Iterable[tuple[str, Any]]) -> str:
    return ",".join(f"{name}={_plain(value)}" for name, value in pairs)[:200]


def _created(key: str, values: Iterable[tuple[str, Any]]) -> RowChange:
    return RowChange(row_key=key, action=RowAction.CREATED,
                     after={name: _plain(v) for name, v in values if v not in (None, "")})


def _previous(institution: Any, model: type[StateRecord], checksum: str) -> ImportRecord | None:
    if not checksum:
        return None
    return (ImportRecord.objects.filter(institution=institution, table=model._meta.model_name, checksum=checksum,
                                        status=ImportStatus.OK).order_by("-at", "-pk").first())


def _record(*, actor: Any, institution: Any, model: type[Any], filename: str, checksum: str,
            result: ImportResult, periods: list[Period], status: str, source: str = ImportSource.FILE,
            source_name: str = "") -> ImportRecord:
    record = ImportRecord.objects.create(
        institution=institution, table=model._meta.model_name, table_name=model._meta.verbose_name,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        filename=filename[:255], checksum=checksum, rows=result.total, created=result.created,
        updated=result.updated, unchanged=result.unchanged, status=status,
        errors=[[e.row, e.messages] for e in result.errors[:importing.ERROR_LIMIT]],
        error_count=result.bad_rows, file_error=result.file_error[:500],
        identical_to=_previous(institution, model, checksum) if status == ImportStatus.OK else None,
        source=source, source_name=source_name[:100],
    )
    record.periods.set(periods)
    return record


def import_refused(*, actor: Any, institution: Any, model: type[Any], filename: str, checksum: str,
                   result: ImportResult, period_codes: set[str], source: str = ImportSource.FILE,
                   source_name: str = "") -> ImportRecord:
    """History of a refused file: what was wrong, and nothing else written."""
    periods = list(Period.objects.filter(code__in=period_codes))
    return _record(actor=actor, institution=institution, model=model, filename=filename, checksum=checksum,
                   result=result, periods=periods, status=ImportStatus.REFUSED, source=source,
                   source_name=source_name)


@transaction.atomic
def table_import(*, actor: Any, institution: Any, model: type[StateRecord], rows: list[dict[str, Any]],
                 filename: str, checksum: str, result: ImportResult, source: str = ImportSource.FILE,
                 source_name: str = "", progress: Any = None) -> ImportRecord:
    """Write a checked file's rows (period given as a code) and record the import; counts go into `result`.

    Rows are matched on the table's natural key (period + entity), so the same file twice changes nothing.
    """
    importing.import_lock(institution, model._meta.label)  # a second import of the table waits for this one
    periods = {code: period_for_code(code) for code in sorted({row["period"] for row in rows})}
    for row in rows:
        row["period"] = periods[row["period"]]
        if model.basis == "calendar_year" and row["period"].kind != PeriodKind.CALENDAR_YEAR:
            raise ValueError("calendar-year table given an academic year")  # the importer's parser prevents it
    keys = model.key_fields()
    existing = {_key(obj, keys, False): obj
                for obj in model.objects.filter(institution=institution, period__in=periods.values())}
    key_names = [model._meta.get_field(k).attname for k in keys]  # a text key's attname is its name
    new: list[StateRecord] = []
    changed: list[StateRecord] = []
    fields: set[str] = set()
    changes: list[RowChange] = []   # their record is set once it exists
    for row in rows:
        current = existing.get(_key(row, keys, True))
        row_key = _row_key(zip(key_names, _key(row, keys, True), strict=True))
        if current is None:
            new.append(model(institution=institution, **row))
            changes.append(_created(row_key, ((n, v) for n, v in row.items() if n not in keys)))
            continue
        delta = [name for name, value in row.items() if name not in keys and not _same(current, name, value)]
        if delta:
            before = {name: _plain(getattr(current, name)) for name in delta}
            for name in delta:
                setattr(current, name, row[name])
            fields.update(delta)
            changed.append(current)
            changes.append(RowChange(row_key=row_key, action=RowAction.UPDATED, before=before,
                                     after={name: _plain(row[name]) for name in delta}))
    result.created, result.updated = len(new), len(changed)
    result.unchanged = len(rows) - len(new) - len(changed)
    record = _record(actor=actor, institution=institution, model=model, filename=filename, checksum=checksum,
                     result=result, periods=list(periods.values()), status=ImportStatus.OK, source=source,
                     source_name=source_name)
    for obj in new + changed:
        obj.last_import = record
    # Batch by batch, reporting rows done of the file's rows (unchanged rows are done already).
    done = result.unchanged
    for start in range(0, len(new), BATCH):
        model.objects.bulk_create(new[start:start + BATCH])
        done += len(new[start:start + BATCH])
        if progress is not None:
            progress(done, len(rows), "写入数据")
    for start in range(0, len(changed), BATCH):
        model.objects.bulk_update(changed[start:start + BATCH], [*sorted(fields), "last_import"])
        done += len(changed[start:start + BATCH])
        if progress is not None:
            progress(done, len(rows), "写入数据")
    if progress is not None:
        progress(len(rows), len(rows), "写入数据")
    for change in changes:
        change.record = record
    RowChange.objects.bulk_create(changes, batch_size=BATCH)
    _committed(actor=actor, institution=institution, model=model, record=record, periods=list(periods.values()),
               changed=bool(new or changed))
    return record


def _committed(*, actor: Any, institution: Any, model: type[Any], record: ImportRecord, periods: list[Period],
               changed: bool, months: list[Period] | None = None) -> None:
    """What every accepted import ends with: a new version where it corrects a frozen period, one audit entry,
    and the signal for the apps above once the transaction commits."""
    if changed:
        note = versions.reopen_after_import(institution=institution, periods=periods)
        if note:
            record.note = note[:300]
            record.save(update_fields=["note"])
    audit.record(actor=actor, obj=record, action=AuditAction.IMPORT, after={
        "数据表": record.table_name, "文件": record.filename, "来源": record.get_source_display(),
        "期间": sorted(p.code for p in periods),
        "新增": record.created, "更新": record.updated, "未变": record.unchanged,
    }, note=record.note)
    if changed:
        transaction.on_commit(lambda: import_committed.send(
            sender=model, institution=institution, periods=periods, record=record, months=months))


def workbook_record(*, actor: Any, institution: Any, filename: str, checksum: str, result: Any,
                    source_name: str = "") -> WorkbookImport:
    """The grouping record of one national workbook import (workbook.import_workbook's WorkbookResult): its
    sheets with their import records, totals, bad cells and the period's logic-check findings."""
    done = [s for s in result.sheets if s.record is not None]
    record = WorkbookImport.objects.create(
        institution=institution, actor=actor if getattr(actor, "is_authenticated", False) else None,
        filename=filename[:255], checksum=checksum, period=result.period,
        status=ImportStatus.OK if result.ok else ImportStatus.REFUSED, summary=result.summary[:300],
        source_name=source_name[:100],
        sheets=[{"sheet": s.sheet, "code": s.code, "table": s.table, "line": s.line, "supported": s.supported,
                 "record": s.record.pk if s.record is not None else None, "notices": list(s.notices)}
                for s in result.sheets],
        errors=[[e.sheet, e.row, e.column, e.message] for e in result.errors[:importing.ERROR_LIMIT]],
        error_count=len(result.errors),
        rows=sum(s.result.total for s in result.sheets if s.supported),
        created=sum(s.result.created for s in done), updated=sum(s.result.updated for s in done),
        unchanged=sum(s.result.unchanged for s in done), findings=result.findings)
    record.records.set([s.record for s in done])
    return record


# ---- teaching-process tables: millions of rows --------------------------------------------------------

PROCESS_BATCH = 2000
# After this many written rows the table's planner statistics are refreshed: without them SQLite scans a
# whole semester once per teacher or class when the QC points aggregate (15 s become minutes).
ANALYZE_AFTER = 10_000


def refresh_statistics(model: type[ProcessRecord]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def semester_for_code(code: str) -> Period:
    """学期 "2025-2026-1" (created with its academic year if new)."""
    start = int(code[:4])
    ensure_academic_year(start)
    return Period.objects.get(code=code)


@transaction.atomic
def process_import(*, actor: Any, institution: Any, model: type[ProcessRecord], rows: list[dict[str, Any]],
                   filename: str, checksum: str, result: ImportResult, source: str = ImportSource.FILE,
                   source_name: str = "", progress: Any = None) -> ImportRecord:
    """Write checked teaching-process rows (period as a semester code, relations as ids, sorted by key).

    Batch by batch: one query reads the stored rows the batch may match, and one INSERT … ON CONFLICT DO
    UPDATE writes the new and changed rows; unchanged rows are not written, so a repeat changes nothing.
    """
    periods = {code: semester_for_code(code) for code in sorted({row["period"] for row in rows})}
    keys = model.import_key
    names = [f.attname for f in model._meta.concrete_fields if f.name not in ("id", "institution")]
    values = [n for n in names if n not in {model._meta.get_field(k).attname for k in keys}]
    key_attnames = [model._meta.get_field(k).attname for k in keys]
    created = updated = 0
    changes: list[RowChange] = []   # their record is set once it exists
    days: set[tuple[int, int]] = set()   # (year, month) of the rows written: what the recompute redoes
    counted = model in totals.SPECS   # the running totals move with the rows (statedata/totals.py)
    for start in range(0, len(rows), PROCESS_BATCH):
        batch = rows[start:start + PROCESS_BATCH]
        for row in batch:
            row["period_id"] = periods[row.pop("period")].pk
        lookup = {f"{k}__in": {row[k] for row in batch} for k in key_attnames}
        stored = {tuple(r[:len(keys)]): r[len(keys):]
                  for r in model.objects.filter(**lookup).values_list(*key_attnames, *values)}
        writes = []
        facts: list[tuple[totals.Fact | None, totals.Fact | None]] = []
        for row in batch:
            current = stored.get(tuple(row[k] for k in key_attnames))
            row_key = _row_key((k, row[k]) for k in key_attnames)
            if current is None:
                created += 1
                changes.append(_created(row_key, ((v, row.get(v)) for v in values)))
            elif current != tuple(row.get(v) for v in values):
                updated += 1
                if model.date_field in values:  # a row moved to another month leaves the old one to redo
                    old_day = current[values.index(model.date_field)]
                    if hasattr(old_day, "month"):
                        days.add((old_day.year, old_day.month))
                delta = [(v, old) for v, old in zip(values, current, strict=True) if old != row.get(v)]
                changes.append(RowChange(row_key=row_key, action=RowAction.UPDATED,
                                         before={v: _plain(old) for v, old in delta},
                                         after={v: _plain(row.get(v)) for v, _ in delta}))
            else:
                continue
            writes.append(model(institution_id=institution.pk, **{n: row.get(n) for n in names}))
            if counted:
                facts.append((totals.fact(model, {**row, **dict(zip(values, current, strict=True))})
                              if current is not None else None, totals.fact(model, row)))
            day = row.get(model.date_field)
            if hasattr(day, "month"):
                days.add((day.year, day.month))
        if writes:
            model.objects.bulk_create(writes, update_conflicts=True, unique_fields=list(keys),
                                      update_fields=[model._meta.get_field(v).name for v in values])
        if facts:
            totals.changed(model, institution.pk, facts)
        if progress is not None:
            progress(start + len(batch), len(rows), "写入数据")
    result.created, result.updated = created, updated
    result.unchanged = len(rows) - created - updated
    if created + updated >= ANALYZE_AFTER:
        # Registered before the import signal, so the recompute it sets off plans with fresh statistics.
        transaction.on_commit(lambda: refresh_statistics(model))
    record = _record(actor=actor, institution=institution, model=model, filename=filename, checksum=checksum,
                     result=result, periods=list(periods.values()), status=ImportStatus.OK, source=source,
                     source_name=source_name)
    for change in changes:
        change.record = record
    RowChange.objects.bulk_create(changes, batch_size=PROCESS_BATCH)
    months = list(Period.objects.filter(kind=PeriodKind.MONTH, code__in=[f"{y}-{m:02d}" for y, m in days]))
    _committed(actor=actor, institution=institution, model=model, record=record, periods=list(periods.values()),
               changed=bool(created or updated), months=months)
    return record


@transaction.atomic
def attendance_record(*, institution: Any, period: Period, course: Any, teacher: Any, lesson_date: Any,
                      lesson_no: int, statuses: dict[int, int]) -> tuple[int, int]:
    """Write one lesson's attendance — {student id: status} — and move the totals by what changed: the roll
    call's writer (the teaching app audits the roll call itself). Returns (created, updated); a student's row
    already holding the status is not written. Rows of students not named are left as they are."""
    stored = {row.student_id: row for row in Attendance.objects.select_for_update().filter(
        course=course, lesson_date=lesson_date, lesson_no=lesson_no, student_id__in=list(statuses))}
    new: list[Attendance] = []
    changed: list[Attendance] = []
    facts: list[tuple[totals.Fact | None, totals.Fact | None]] = []
    teacher_id = getattr(teacher, "pk", None)
    for student_id, status in sorted(statuses.items()):
        after = totals.attendance_fact(period.pk, course.pk, student_id, lesson_date, status)
        row = stored.get(student_id)
        if row is None:
            new.append(Attendance(institution_id=institution.pk, period=period, course=course, student_id=student_id,
                                  teacher_id=teacher_id, lesson_date=lesson_date, lesson_no=lesson_no,
                                  status=status))
            facts.append((None, after))
            continue
        before = totals.attendance_fact(row.period_id, course.pk, student_id, lesson_date, row.status)
        if before == after and row.teacher_id == teacher_id:
            continue
        row.period, row.status, row.teacher_id = period, status, teacher_id
        changed.append(row)
        facts.append((before, after))
    Attendance.objects.bulk_create(new, batch_size=PROCESS_BATCH)
    Attendance.objects.bulk_update(changed, ["period", "status", "teacher"], batch_size=PROCESS_BATCH)
    totals.attendance_changed(institution.pk, facts)
    if new or changed:
        # The apps above hear of it as of an import (without an import record), so the 到课率 points of the
        # lesson's month are recomputed — monitoring queues one job for a morning of roll calls, not one each.
        month = Period.objects.filter(kind=PeriodKind.MONTH, code=f"{lesson_date:%Y-%m}").first()
        transaction.on_commit(lambda: import_committed.send(
            sender=Attendance, institution=institution, periods=[period], record=None,
            months=[month] if month else None))
    return len(new), len(changed)
