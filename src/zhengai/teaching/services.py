"""Every write of the teaching app: the timetable and roster imports, lessons (generated, cancelled, made up) and
the roll call. The roll call's attendance goes through statedata's writer, which keeps the running totals in
the same transaction; this app audits the act and checks the absence line."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengai.core import audit
from zhengai.core.choices import AuditAction
from zhengai.core.models import Period
from zhengai.monitoring import services as monitoring
from zhengai.monitoring.choices import WarningKind, WarningState
from zhengai.org.choices import StudentStatus
from zhengai.org.models import Student, Teacher
from zhengai.statedata import services as statedata
from zhengai.statedata.choices import AttendanceStatus

from . import warnings
from .choices import LeaveState, LessonState
from .models import Enrolment, LeaveRequest, Lesson, Offering, Slot

# ---- teaching weeks ---------------------------------------------------------------------------------------

_WEEKS_PART = re.compile(r"(\d{1,2})(?:-(\d{1,2}))?(单|双)?")
MAX_WEEK = 30


def parse_weeks(value: str) -> list[int]:
    """上课周次 as the academic-affairs system writes it: "1-16", "1-8,10-17", "2-16双", "1-15单", "3", with or
    without 周 and with Chinese commas. Raises ValueError with a Chinese message."""
    text = value.replace("，", ",").replace("、", ",").replace("—", "-").replace("–", "-").replace("~", "-")
    text = text.replace("周", "").replace(" ", "")
    weeks: set[int] = set()
    for part in filter(None, text.split(",")):
        match = _WEEKS_PART.fullmatch(part)
        if not match:
            raise ValueError(f"“{value}”不是上课周次（应如 1-16、1-8,10-17、2-16双）")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if not 1 <= first <= last <= MAX_WEEK:
            raise ValueError(f"“{value}”中的周次应在1–{MAX_WEEK}之间且从小到大")
        parity = {"单": 1, "双": 0}.get(match.group(3) or "")
        weeks.update(w for w in range(first, last + 1) if parity is None or w % 2 == parity)
    if not weeks:
        raise ValueError(f"“{value}”中没有上课周")
    return sorted(weeks)


def week_one(period: Period) -> datetime.date:
    """The Monday of teaching week 1: the week holding the semester's first day."""
    return period.start - datetime.timedelta(days=period.start.weekday())


def week_of(period: Period, day: datetime.date) -> int | None:
    week = (day - week_one(period)).days // 7 + 1
    return week if week >= 1 else None


def slot_dates(period: Period, weeks: str, weekday: int) -> list[tuple[int, datetime.date]]:
    """(week, date) of every meeting of a slot that falls inside the semester."""
    monday = week_one(period)
    out = []
    for week in parse_weeks(weeks):
        day = monday + datetime.timedelta(weeks=week - 1, days=weekday - 1)
        if period.start <= day <= period.end:
            out.append((week, day))
    return out


# ---- the timetable import -----------------------------------------------------------------------------------

@dataclass
class OfferingRows:
    """One offering's rows of a timetable file, checked: what `timetable_import` writes."""

    period: Period
    code: str
    name: str
    course_id: int
    teacher_ids: list[int]
    class_ids: list[int]
    slots: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _sync_lessons(offering: Offering) -> None:
    """Bring the generated lessons in line with the slots: add the missing, move the changed, drop the ones no
    slot holds any more — but never a lesson already roll-called or a make-up lesson, which are records."""
    wanted: dict[tuple[datetime.date, int], tuple[Slot, int]] = {}
    for slot in offering.slots.all():
        for week, day in slot_dates(offering.period, slot.weeks, slot.weekday):
            wanted.setdefault((day, slot.first_period), (slot, week))
    existing = {(lesson.date, lesson.first_period): lesson for lesson in offering.lessons.all()}
    drop = [lesson.pk for key, lesson in existing.items()
            if key not in wanted and lesson.roll_called_at is None and lesson.state != LessonState.MAKEUP]
    Lesson.objects.filter(pk__in=drop).delete()
    new, moved = [], []
    for (day, first), (slot, week) in wanted.items():
        lesson = existing.get((day, first))
        if lesson is None:
            new.append(Lesson(offering=offering, slot=slot, date=day, week=week, first_period=first,
                              last_period=slot.last_period, room=slot.room))
        elif (lesson.slot_id, lesson.last_period, lesson.room, lesson.week) != (slot.pk, slot.last_period,
                                                                                 slot.room, week):
            lesson.slot, lesson.last_period, lesson.room, lesson.week = slot, slot.last_period, slot.room, week
            moved.append(lesson)
    Lesson.objects.bulk_create(new)
    Lesson.objects.bulk_update(moved, ["slot", "last_period", "room", "week"])


def _class_roster(offering: Offering) -> None:
    """A class-based offering's roster is its classes' current students (at import): those 在籍, not a student
    on leave of absence (休学) or gone, who would otherwise be marked absent at every lesson."""
    wanted = set(Student.objects.filter(klass__in=offering.classes.all(), active=True,
                                        status=StudentStatus.ENROLLED).values_list("pk", flat=True))
    have = set(offering.enrolments.values_list("student_id", flat=True))
    _drop_enrolments(offering, have - wanted)
    Enrolment.objects.bulk_create([Enrolment(offering=offering, student_id=pk) for pk in sorted(wanted - have)])


def _drop_enrolments(offering: Offering, student_ids: set[int]) -> None:
    """Take students off a roster; an open absence warning about their place on it is closed first (its
    subject is the enrolment, which goes)."""
    for enrolment in offering.enrolments.filter(student_id__in=student_ids):
        monitoring.subject_warnings_settle(subject=enrolment, state=WarningState.CLOSED,
                                           reason="学生已不在该教学班名单中", kinds=[WarningKind.ABSENCE])
        enrolment.delete()


@transaction.atomic
def timetable_import(*, actor: Any, institution: Any, offerings: list[OfferingRows]) -> Outcome:
    """Write a checked timetable: each offering it names gets exactly the file's slots (matched on their
    content, so a repeat changes nothing), its lessons regenerated from them, and — when it is taught to
    classes — its roster from the classes. Offerings the file does not name are left alone."""
    outcome = Outcome()
    for rows in offerings:
        offering = Offering.objects.filter(institution=institution, period=rows.period, code=rows.code).first()
        changed = False
        if offering is None:
            offering = Offering.objects.create(institution=institution, period=rows.period, code=rows.code,
                                               name=rows.name, course_id=rows.course_id)
            changed = created = True
        else:
            created = False
            if (offering.name, offering.course_id) != (rows.name, rows.course_id):
                offering.name, offering.course_id = rows.name, rows.course_id
                offering.save(update_fields=["name", "course"])
                changed = True
        if set(offering.teachers.values_list("pk", flat=True)) != set(rows.teacher_ids):
            offering.teachers.set(rows.teacher_ids)
            changed = True
        if set(offering.classes.values_list("pk", flat=True)) != set(rows.class_ids):
            offering.classes.set(rows.class_ids)
            changed = True
        fields = ("weeks", "weekday", "first_period", "last_period", "room")
        have = {tuple(getattr(s, f) for f in fields): s for s in offering.slots.all()}
        want = {tuple(s[f] for f in fields) for s in rows.slots}
        if set(have) != want:
            Slot.objects.filter(pk__in=[s.pk for k, s in have.items() if k not in want]).delete()
            Slot.objects.bulk_create([Slot(offering=offering, **dict(zip(fields, k, strict=True)))
                                      for k in sorted(want - set(have))])
            changed = True
        _sync_lessons(offering)
        if rows.class_ids:
            _class_roster(offering)
        if created:
            outcome.created += 1
        elif changed:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
        if changed:
            audit.record(actor=actor, obj=offering, action=AuditAction.CREATE if created else AuditAction.UPDATE,
                         before={}, after={"课程": rows.course_id, "教师": sorted(rows.teacher_ids),
                                           "班级": sorted(rows.class_ids), "课表": sorted(map(list, want))},
                         note="课表导入")
    return outcome


@transaction.atomic
def roster_import(*, actor: Any, institution: Any, rosters: dict[int, set[int]]) -> Outcome:
    """Write checked rosters ({offering id: student ids}): each named offering's roster becomes the file's."""
    outcome = Outcome()
    for offering in Offering.objects.filter(institution=institution, pk__in=list(rosters)):
        wanted = rosters[offering.pk]
        have = set(offering.enrolments.values_list("student_id", flat=True))
        if have == wanted:
            outcome.unchanged += 1
            continue
        _drop_enrolments(offering, have - wanted)
        Enrolment.objects.bulk_create([Enrolment(offering=offering, student_id=pk) for pk in sorted(wanted - have)])
        outcome.updated += 1
        audit.record(actor=actor, obj=offering, action=AuditAction.UPDATE, before={"名单人数": len(have)},
                     after={"名单人数": len(wanted)}, note="选课名单导入")
    return outcome


# ---- lessons: cancel and make up -----------------------------------------------------------------------------

@transaction.atomic
def lesson_cancel(*, actor: Any, lesson: Lesson, reason: str) -> Lesson:
    """停课: the lesson stays on record, marked cancelled with its reason. A lesson already roll-called is not
    cancelled (its attendance is a record; correct it instead)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("请填写停课原因")
    if lesson.roll_called_at is not None:
        raise ValidationError("该课次已点名，不能停课")
    if lesson.state == LessonState.CANCELLED:
        raise ValidationError("该课次已停课")
    lesson.state, lesson.note = LessonState.CANCELLED, reason[:200]
    lesson.save(update_fields=["state", "note"])
    audit.record(actor=actor, obj=lesson.offering, action=AuditAction.UPDATE, before={},
                 after={"停课": str(lesson), "原因": lesson.note})
    return lesson


@transaction.atomic
def lesson_makeup(*, actor: Any, offering: Offering, date: datetime.date, first_period: int, last_period: int,
                  room: str = "", replaces: Lesson | None = None, note: str = "") -> Lesson:
    """补课: a lesson outside the timetable, optionally naming the cancelled lesson it makes up for."""
    if last_period < first_period:
        raise ValidationError("结束节次不能早于起始节次")
    if not offering.period.start <= date <= offering.period.end:
        raise ValidationError(f"补课日期应在本学期内（{offering.period.start}至{offering.period.end}）")
    if replaces is not None and replaces.offering_id != offering.pk:
        raise ValidationError("所补课次不属于该教学班")
    if offering.lessons.filter(date=date, first_period=first_period).exists():
        raise ValidationError("该教学班该时段已有课次")
    lesson = Lesson.objects.create(offering=offering, date=date, week=week_of(offering.period, date),
                                   first_period=first_period, last_period=last_period, room=room[:60],
                                   state=LessonState.MAKEUP, replaces=replaces, note=note[:200])
    audit.record(actor=actor, obj=offering, action=AuditAction.UPDATE, before={},
                 after={"补课": str(lesson), "说明": lesson.note})
    return lesson


# ---- the roll call ---------------------------------------------------------------------------------------------

ROLL_CALL_STATUSES = [s for s in AttendanceStatus if s != AttendanceStatus.PRESENT]


def _teacher_of(actor: Any, offering: Offering) -> Teacher | None:
    """The teacher who took the roll call: the actor's own teacher record among the offering's teachers, else
    the offering's first teacher (an administrator entering it for them)."""
    teachers = list(offering.teachers.all())
    return next((t for t in teachers if t.user_id == getattr(actor, "pk", None)), teachers[0] if teachers else None)


@transaction.atomic
def roll_call(*, actor: Any, lesson: Lesson, exceptions: dict[int, int],
              today: datetime.date | None = None) -> tuple[int, int]:
    """点名: everyone on the roster present except the `exceptions` ({student id: status}). One transaction
    writes the lesson's attendance rows and their running totals; submitting again corrects them. Returns
    (created, updated) rows. Permission is the caller's (the view asks the gate for ROLL_CALL)."""
    offering = lesson.offering
    today = today or timezone.localdate()
    if lesson.state == LessonState.CANCELLED:
        raise ValidationError("该课次已停课，不能点名")
    if lesson.date > today:
        raise ValidationError("还没到上课日期，不能点名")
    roster = set(offering.enrolments.values_list("student_id", flat=True))
    if not roster:
        raise ValidationError("该教学班还没有学生名单，请先导入课表或选课名单")
    stray = set(exceptions) - roster
    if stray:
        raise ValidationError("有学生不在该教学班名单中")
    allowed = {int(s) for s in AttendanceStatus}
    if any(int(s) not in allowed for s in exceptions.values()):
        raise ValidationError("考勤状态无效")
    statuses = {pk: int(exceptions.get(pk, AttendanceStatus.PRESENT)) for pk in roster}
    created, updated = statedata.attendance_record(
        institution=offering.institution, period=offering.period, course=offering.course,
        teacher=_teacher_of(actor, offering), lesson_date=lesson.date, lesson_no=lesson.first_period,
        statuses=statuses)
    first = lesson.roll_called_at is None
    lesson.roll_called_at = timezone.now()
    lesson.save(update_fields=["roll_called_at"])
    counts = {label: sum(1 for s in statuses.values() if s == value) for value, label in AttendanceStatus.choices}
    audit.record(actor=actor, obj=offering, action=AuditAction.UPDATE, before={},
                 after={"点名" if first else "更正点名": str(lesson),
                        **{k: v for k, v in counts.items() if v}})
    warnings.absence_check(offering=offering, student_ids=roster)
    return created, updated


# ---- leave requests ----------------------------------------------------------------------------------------

MAX_LEAVE_DAYS = 60


@transaction.atomic
def leave_request(*, actor: Any, student: Student, start_date: datetime.date, end_date: datetime.date,
                  first_period: int | None, last_period: int | None, reason: str) -> LeaveRequest:
    """请假: a student's request, pending until the class's counsellor or head teacher decides."""
    errors: dict[str, str] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = "请填写请假事由"
    if end_date < start_date:
        errors["end_date"] = "结束日期不能早于开始日期"
    elif (end_date - start_date).days >= MAX_LEAVE_DAYS:
        errors["end_date"] = f"一次请假不超过{MAX_LEAVE_DAYS}天"
    if (first_period is None) != (last_period is None):
        errors["last_period"] = "节次请同时填写起止，或都不填（全天）"
    elif first_period is not None and last_period is not None and last_period < first_period:
        errors["last_period"] = "结束节次不能早于起始节次"
    if errors:
        raise ValidationError(errors)
    leave = LeaveRequest.objects.create(institution=student.institution, student=student, start_date=start_date,
                                        end_date=end_date, first_period=first_period, last_period=last_period,
                                        reason=reason[:300])
    audit.record(actor=actor, obj=leave, action=AuditAction.CREATE)
    return leave


def covered_lessons(leave: LeaveRequest) -> list[Lesson]:
    """The lessons of the student's offerings the leave covers (cancelled ones aside)."""
    lessons = (Lesson.objects.filter(offering__enrolments__student=leave.student, date__gte=leave.start_date,
                                     date__lte=leave.end_date).exclude(state=LessonState.CANCELLED)
               .select_related("offering", "offering__course", "offering__period", "offering__institution"))
    return [lesson for lesson in lessons if leave.covers(lesson.date, lesson.first_period, lesson.last_period)]


@transaction.atomic
def leave_decide(*, actor: Any, leave: LeaveRequest, approve: bool, note: str = "") -> LeaveRequest:
    """Approve or refuse a pending request. Approval turns the student's 缺勤 already recorded in the lessons it
    covers into 请假 (through statedata's writer, totals and all), and the roll call pre-fills 请假 in the rest."""
    if leave.state != LeaveState.PENDING:
        raise ValidationError("该申请已审批")
    before = audit.snapshot(leave)
    leave.state = LeaveState.APPROVED if approve else LeaveState.REFUSED
    leave.decided_by, leave.decided_at, leave.decision_note = actor, timezone.now(), note.strip()[:200]
    leave.save()
    audit.record(actor=actor, obj=leave, action=AuditAction.UPDATE, before=before)
    if approve:
        from zhengai.statedata.models import Attendance

        for lesson in covered_lessons(leave):
            offering = lesson.offering
            absent = Attendance.objects.filter(student=leave.student, course=offering.course,
                                               lesson_date=lesson.date, lesson_no=lesson.first_period,
                                               status=AttendanceStatus.ABSENT).exists()
            if absent:
                statedata.attendance_record(
                    institution=offering.institution, period=offering.period, course=offering.course,
                    teacher=_teacher_of(None, offering), lesson_date=lesson.date, lesson_no=lesson.first_period,
                    statuses={leave.student_id: AttendanceStatus.LEAVE})
                warnings.absence_check(offering=offering, student_ids=[leave.student_id])
    return leave


def on_leave(lesson: Lesson) -> set[int]:
    """Students of the lesson's roster with approved leave covering it: the roll call pre-fills 请假."""
    leaves = LeaveRequest.objects.filter(student__enrolments__offering=lesson.offering, state=LeaveState.APPROVED,
                                         start_date__lte=lesson.date, end_date__gte=lesson.date)
    return {leave.student_id for leave in leaves if leave.covers(lesson.date, lesson.first_period,
                                                                 lesson.last_period)}
