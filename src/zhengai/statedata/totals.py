"""Running totals of the teaching-process tables (考勤, 课堂检测, 作业), kept in the writers' transactions.

Every writer of these rows — the file importer and the API push (both through `services.process_import`) and
the teaching app's roll call and leave approval (through `services.attendance_record`) — hands the rows it
changed to `changed` as (before, after) facts. The totals move by the difference only: a one-lesson correction
touches one per-student row and one per-month row, never the term. `recount` is the full scan the totals must
always equal (the property test compares them); `rebuild` uses it after a bulk load that bypassed the writers
(the demo's raw INSERT).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Count, Q

from .choices import AttendanceStatus
from .models import (
    Attendance,
    AttendanceMonthTotal,
    AttendanceTotal,
    Homework,
    HomeworkMonthTotal,
    HomeworkTotal,
    LessonCheck,
    LessonCheckMonthTotal,
    LessonCheckTotal,
    ProcessRecord,
)

# The counter column of each attendance status.
STATUS_FIELDS: dict[int, str] = {AttendanceStatus.PRESENT: "present", AttendanceStatus.LATE: "late",
                                 AttendanceStatus.LEAVE: "leave", AttendanceStatus.ABSENT: "absent",
                                 AttendanceStatus.EARLY_LEAVE: "early_leave"}
BATCH = 500


@dataclass(frozen=True)
class Spec:
    """How one table's rows count: the totals tables, and each counter as a filter over the rows ("total"
    counts every row)."""

    per_student: Any
    per_month: Any
    counters: dict[str, Q]

    def names(self) -> tuple[str, ...]:
        return ("total", *self.counters)


SPECS: dict[type[ProcessRecord], Spec] = {
    Attendance: Spec(AttendanceTotal, AttendanceMonthTotal,
                     {name: Q(status=status) for status, name in STATUS_FIELDS.items()}),
    LessonCheck: Spec(LessonCheckTotal, LessonCheckMonthTotal, {"passed": Q(passed=True)}),
    Homework: Spec(HomeworkTotal, HomeworkMonthTotal, {"submitted": Q(submitted=True), "on_time": Q(on_time=True)}),
}


class Fact(NamedTuple):
    """What the totals need of one row: where it counts and which counters it adds to besides "total"."""

    period_id: int
    course_id: int
    student_id: int
    day: datetime.date
    counters: tuple[str, ...]


def fact(model: type[ProcessRecord], values: dict[str, Any]) -> Fact:
    """A row (attnames → values: period_id, course_id, student_id, its date field and its counted fields) as a
    fact. The counters are those of `SPECS`, read from the values directly rather than through the filters."""
    day = values[model.date_field]
    if model is Attendance:
        counters: tuple[str, ...] = (STATUS_FIELDS[values["status"]],)
    elif model is LessonCheck:
        counters = ("passed",) if values["passed"] else ()
    else:
        counters = tuple(name for name in ("submitted", "on_time") if values[name])
    return Fact(values["period_id"], values["course_id"], values["student_id"], day, counters)


def attendance_fact(period_id: int, course_id: int, student_id: int, day: datetime.date, status: int) -> Fact:
    return Fact(period_id, course_id, student_id, day, (STATUS_FIELDS[status],))


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _deltas(changes: Iterable[tuple[Fact | None, Fact | None]]
            ) -> tuple[dict[tuple, dict[str, int]], dict[tuple, dict[str, int]]]:
    per_student: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_month: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for before, after in changes:
        if before == after:
            continue
        for one, sign in ((before, -1), (after, 1)):
            if one is None:
                continue
            for target in (per_student[(one.student_id, one.course_id, one.period_id)],
                           per_month[(one.course_id, _month(one.day))]):
                for name in ("total", *one.counters):
                    target[name] += sign

    def nonzero(deltas: dict[tuple, dict[str, int]]) -> dict[tuple, dict[str, int]]:
        return {k: {f: v for f, v in c.items() if v} for k, c in deltas.items() if any(c.values())}

    return nonzero(per_student), nonzero(per_month)


def changed(model: type[ProcessRecord], institution_id: int,
            changes: Iterable[tuple[Fact | None, Fact | None]]) -> None:
    """Move the model's totals by the changed rows: (None, fact) a new row, (fact, None) a deleted one, (old,
    new) a corrected one. Must run inside the writer's transaction (rows and totals commit together)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("process totals must change in the transaction that changes the rows")
    spec = SPECS[model]
    per_student, per_month = _deltas(changes)
    _apply(spec.per_student, spec.names(), institution_id, per_student, ("student_id", "course_id", "period_id"))
    _apply(spec.per_month, spec.names(), institution_id, per_month, ("course_id", "month"))


def attendance_changed(institution_id: int, changes: Iterable[tuple[Fact | None, Fact | None]]) -> None:
    changed(Attendance, institution_id, changes)


def _apply(model: Any, names: tuple[str, ...], institution_id: int, deltas: dict[tuple, dict[str, int]],
           key: tuple[str, ...]) -> None:
    items = sorted(deltas.items(), key=lambda kv: tuple(str(x) for x in kv[0]))  # one lock order for all writers
    for start in range(0, len(items), BATCH):
        batch = dict(items[start:start + BATCH])
        lookup = {f"{name}__in": {k[i] for k in batch} for i, name in enumerate(key)}
        # Locked on PostgreSQL: a roll call and an import of the same course add to the same rows.
        stored = {tuple(getattr(row, name) for name in key): row
                  for row in model.objects.select_for_update().filter(**lookup)}
        updates, new = [], []
        for k, delta in batch.items():
            row = stored.get(k)
            if row is None:
                row = model(institution_id=institution_id, **dict(zip(key, k, strict=True)))
                new.append(row)
            else:
                updates.append(row)
            for name, value in delta.items():
                setattr(row, name, getattr(row, name) + value)
                if getattr(row, name) < 0:
                    raise ValueError(f"{model.__name__}.{name} of {k} below zero: a writer skipped the totals")
        if updates:
            model.objects.bulk_update(updates, list(names))
        if new:
            model.objects.bulk_create(new)


def _counts(spec: Spec) -> dict[str, Any]:
    return {"total": Count("id"), **{name: Count("id", filter=q) for name, q in spec.counters.items()}}


def recount(institution_id: int, model: type[ProcessRecord] = Attendance
            ) -> tuple[dict[tuple, dict[str, int]], dict[tuple, dict[str, int]]]:
    """The totals as a full scan of the rows gives them: ({(student, course, period): counts},
    {(course, month): counts}). For the tests and for `rebuild`, never for a page."""
    spec = SPECS[model]
    rows = model.objects.filter(institution_id=institution_id)
    per_student = {(r.pop("student_id"), r.pop("course_id"), r.pop("period_id")): r
                   for r in rows.values("student_id", "course_id", "period_id").annotate(**_counts(spec))}
    per_month: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(spec.names(), 0))
    # Months grouped in Python over (course, day) counts: a database-neutral month, and days are few.
    for r in rows.values("course_id", model.date_field).annotate(**_counts(spec)):
        target = per_month[(r["course_id"], _month(r[model.date_field]))]
        for name in spec.names():
            target[name] += r[name]
    return per_student, dict(per_month)


def stored(institution_id: int, model: type[ProcessRecord] = Attendance
           ) -> tuple[dict[tuple, dict[str, int]], dict[tuple, dict[str, int]]]:
    """The running totals as stored, in `recount`'s shape (rows at zero left out)."""
    spec = SPECS[model]
    per_student = {(r.pop("student_id"), r.pop("course_id"), r.pop("period_id")): r
                   for r in spec.per_student.objects.filter(institution_id=institution_id, total__gt=0)
                   .values("student_id", "course_id", "period_id", *spec.names())}
    per_month = {(r.pop("course_id"), r.pop("month")): r
                 for r in spec.per_month.objects.filter(institution_id=institution_id, total__gt=0)
                 .values("course_id", "month", *spec.names())}
    return per_student, per_month


@transaction.atomic
def rebuild(institution_id: int) -> None:
    """Replace an institution's totals with a full recount: after a bulk load that wrote rows directly."""
    for model, spec in SPECS.items():
        per_student, per_month = recount(institution_id, model)
        spec.per_student.objects.filter(institution_id=institution_id).delete()
        spec.per_month.objects.filter(institution_id=institution_id).delete()
        spec.per_student.objects.bulk_create(
            [spec.per_student(institution_id=institution_id, student_id=s, course_id=c, period_id=p, **counts)
             for (s, c, p), counts in per_student.items()], batch_size=BATCH)
        spec.per_month.objects.bulk_create(
            [spec.per_month(institution_id=institution_id, course_id=c, month=m, **counts)
             for (c, m), counts in per_month.items()], batch_size=BATCH)
