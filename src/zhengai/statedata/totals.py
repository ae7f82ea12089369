"""Running totals of attendance (考勤累计), kept in the same transaction as the attendance rows.

Every writer of statedata.Attendance — the file importer and the API push (both through
`services.process_import`) and the teaching app's roll call (through `services.attendance_record`) — hands the
rows it changed to `attendance_changed` as (before, after) facts. The totals move by the difference only: a
one-lesson correction touches one per-student row and one per-month row, never the term. `recount` is the
full scan the totals must always equal (the property test compares them); `rebuild` uses it after a bulk load
that bypassed the writers (the demo's raw INSERT).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Count, Q

from .choices import AttendanceStatus
from .models import Attendance, AttendanceMonthTotal, AttendanceTotal

# The counter column of each status; "total" counts every row (应到).
STATUS_FIELDS: dict[int, str] = {AttendanceStatus.PRESENT: "present", AttendanceStatus.LATE: "late",
                                 AttendanceStatus.LEAVE: "leave", AttendanceStatus.ABSENT: "absent",
                                 AttendanceStatus.EARLY_LEAVE: "early_leave"}
COUNTERS = ("total", *STATUS_FIELDS.values())
BATCH = 500


class Fact(NamedTuple):
    """What the totals need of one attendance row."""

    period_id: int
    course_id: int
    student_id: int
    lesson_date: datetime.date
    status: int


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _deltas(changes: Iterable[tuple[Fact | None, Fact | None]]
            ) -> tuple[dict[tuple[int, int, int], dict[str, int]], dict[tuple[int, datetime.date], dict[str, int]]]:
    per_student: dict[tuple[int, int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_month: dict[tuple[int, datetime.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for before, after in changes:
        if before == after:
            continue
        for fact, sign in ((before, -1), (after, 1)):
            if fact is None:
                continue
            for target in (per_student[(fact.student_id, fact.course_id, fact.period_id)],
                           per_month[(fact.course_id, _month(fact.lesson_date))]):
                target["total"] += sign
                target[STATUS_FIELDS[fact.status]] += sign
    clean = lambda d: {k: {f: v for f, v in c.items() if v} for k, c in d.items() if any(c.values())}  # noqa: E731
    return clean(per_student), clean(per_month)


def attendance_changed(institution_id: int, changes: Iterable[tuple[Fact | None, Fact | None]]) -> None:
    """Move the totals by the changed rows: (None, fact) a new row, (fact, None) a deleted one, (old, new) a
    corrected one. Must run inside the writer's transaction (the rows and their totals commit together)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("attendance totals must change in the transaction that changes the rows")
    per_student, per_month = _deltas(changes)
    _apply(AttendanceTotal, institution_id, per_student, ("student_id", "course_id", "period_id"))
    _apply(AttendanceMonthTotal, institution_id, per_month, ("course_id", "month"))


def _apply(model: Any, institution_id: int, deltas: dict[tuple, dict[str, int]], key: tuple[str, ...]) -> None:
    items = sorted(deltas.items(), key=lambda kv: tuple(str(x) for x in kv[0]))
    for start in range(0, len(items), BATCH):
        batch = dict(items[start:start + BATCH])
        lookup = {f"{name}__in": {k[i] for k in batch} for i, name in enumerate(key)}
        # Locked on PostgreSQL: a roll call and an import of the same course add to the same rows.
        stored = {tuple(getattr(row, name) for name in key): row
                  for row in model.objects.select_for_update().filter(**lookup)}
        changed, new = [], []
        for k, delta in batch.items():
            row = stored.get(k)
            if row is None:
                row = model(institution_id=institution_id, **dict(zip(key, k, strict=True)))
                new.append(row)
            else:
                changed.append(row)
            for name, value in delta.items():
                setattr(row, name, getattr(row, name) + value)
                if getattr(row, name) < 0:
                    raise ValueError(f"attendance total {name} of {k} below zero")  # a writer skipped the totals
        if changed:
            model.objects.bulk_update(changed, list(COUNTERS))
        if new:
            model.objects.bulk_create(new)


def _counts() -> dict[str, Any]:
    return {"total": Count("id"), **{name: Count("id", filter=Q(status=status))
                                     for status, name in STATUS_FIELDS.items()}}


def recount(institution_id: int) -> tuple[dict[tuple, dict[str, int]], dict[tuple, dict[str, int]]]:
    """The totals as a full scan of the rows gives them: ({(student, course, period): counts},
    {(course, month): counts}). For the tests and for `rebuild`, never for a page."""
    rows = Attendance.objects.filter(institution_id=institution_id)
    per_student = {(r.pop("student_id"), r.pop("course_id"), r.pop("period_id")): r
                   for r in rows.values("student_id", "course_id", "period_id").annotate(**_counts())}
    per_month: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    # Months grouped in Python over (course, day) counts: a database-neutral month, and days are few.
    for r in rows.values("course_id", "lesson_date").annotate(**_counts()):
        target = per_month[(r["course_id"], _month(r["lesson_date"]))]
        for name in COUNTERS:
            target[name] += r[name]
    return per_student, dict(per_month)


def stored(institution_id: int) -> tuple[dict[tuple, dict[str, int]], dict[tuple, dict[str, int]]]:
    """The running totals as stored, in `recount`'s shape (rows at zero left out)."""
    per_student = {(r.pop("student_id"), r.pop("course_id"), r.pop("period_id")): r
                   for r in AttendanceTotal.objects.filter(institution_id=institution_id, total__gt=0)
                   .values("student_id", "course_id", "period_id", *COUNTERS)}
    per_month = {(r.pop("course_id"), r.pop("month")): r
                 for r in AttendanceMonthTotal.objects.filter(institution_id=institution_id, total__gt=0)
                 .values("course_id", "month", *COUNTERS)}
    return per_student, per_month


@transaction.atomic
def rebuild(institution_id: int) -> None:
    """Replace an institution's totals with a full recount: after a bulk load that wrote rows directly."""
    per_student, per_month = recount(institution_id)
    AttendanceTotal.objects.filter(institution_id=institution_id).delete()
    AttendanceMonthTotal.objects.filter(institution_id=institution_id).delete()
    AttendanceTotal.objects.bulk_create(
        [AttendanceTotal(institution_id=institution_id, student_id=s, course_id=c, period_id=p, **counts)
         for (s, c, p), counts in per_student.items()], batch_size=BATCH)
    AttendanceMonthTotal.objects.bulk_create(
        [AttendanceMonthTotal(institution_id=institution_id, course_id=c, month=m, **counts)
         for (c, m), counts in per_month.items()], batch_size=BATCH)
