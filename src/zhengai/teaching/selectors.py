"""Reads of the teaching app, already restricted to what the user may see (the offering's gate, the attendance
rows' gate). Counts come from statedata's running totals, not from a scan of the term's attendance rows."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from zhengai.core.choices import CLASS_ROLES
from zhengai.core.models import Period
from zhengai.core.permissions import CHANGE, VIEW, access_for, get_object_for_user
from zhengai.org.models import Klass, Student
from zhengai.statedata.choices import AttendanceStatus
from zhengai.statedata.models import Attendance, AttendanceTotal

from .choices import LessonState
from .models import ROLL_CALL, LeaveRequest, Lesson, Offering


def offerings_for(user: Any, institution: Any, action: str = VIEW) -> QuerySet[Offering]:
    if institution is None:
        return Offering.objects.none()
    return Offering.objects.restrict(user, action).filter(institution=institution)


def get_offering_for_user(user: Any, institution: Any, pk: int, action: str = VIEW) -> Offering:
    """The offering (404 if the user may not see it, 403 if they may see it but not `action` it)."""
    return get_object_for_user(offerings_for(user, institution).select_related("period", "course"), user, action,
                               pk=pk)


def get_lesson_for_user(user: Any, institution: Any, pk: int, action: str = VIEW) -> Lesson:
    lesson = Lesson.objects.filter(pk=pk, offering__in=offerings_for(user, institution)).first()
    if lesson is None:
        from django.http import Http404

        raise Http404("没有找到该课次")
    lesson.offering = get_offering_for_user(user, institution, lesson.offering_id, action)
    return lesson


def lessons_to_call(user: Any, institution: Any, day: datetime.date) -> QuerySet[Lesson]:
    """The lessons of `day` whose roll call the user may take (the teacher's own)."""
    return (Lesson.objects.filter(date=day, offering__in=offerings_for(user, institution, ROLL_CALL))
            .select_related("offering", "offering__course")
            .annotate(roster=Count("offering__enrolments")).order_by("first_period", "offering__code"))


def roster_with_status(lesson: Lesson) -> list[dict[str, Any]]:
    """The lesson's roster with each student's recorded status (None before the first roll call)."""
    offering = lesson.offering
    students = list(Student.objects.filter(enrolments__offering=offering).order_by("code"))
    recorded = dict(Attendance.objects.filter(course_id=offering.course_id, lesson_date=lesson.date,
                                              lesson_no=lesson.first_period,
                                              student__in=[s.pk for s in students])
                    .values_list("student_id", "status"))
    return [{"student": s, "status": recorded.get(s.pk)} for s in students]


STATUS_COLUMNS = [("present", "出勤"), ("late", "迟到"), ("leave", "请假"), ("absent", "缺勤"),
                  ("early_leave", "早退")]


def offering_summary(offering: Offering) -> list[AttendanceTotal]:
    """Per student of the roster: the running totals of the course in the semester."""
    return list(AttendanceTotal.objects.filter(course_id=offering.course_id, period_id=offering.period_id,
                                               student__enrolments__offering=offering)
                .select_related("student").order_by("-absent", "student__code"))


def lesson_counts(offering: Offering) -> dict[str, int]:
    return offering.lessons.aggregate(
        planned=Count("pk", filter=~Q(state=LessonState.MAKEUP)),
        cancelled=Count("pk", filter=Q(state=LessonState.CANCELLED)),
        makeup=Count("pk", filter=Q(state=LessonState.MAKEUP)),
        called=Count("pk", filter=Q(roll_called_at__isnull=False)))


def student_of(user: Any, institution: Any) -> Student | None:
    if institution is None:
        return None
    return Student.objects.filter(user_id=user.pk, institution=institution).first()


def my_attendance(student: Student) -> tuple[list[AttendanceTotal], list[Attendance]]:
    """A student's own totals per course and semester, and their exceptions (not 出勤), newest first."""
    totals = list(AttendanceTotal.objects.filter(student=student).select_related("course", "period")
                  .order_by("-period__start", "course__code"))
    exceptions = list(Attendance.objects.filter(student=student).exclude(status=AttendanceStatus.PRESENT)
                      .select_related("course").order_by("-lesson_date", "-lesson_no")[:100])
    return totals, exceptions


def counselled_classes(user: Any, institution: Any) -> QuerySet[Klass]:
    """The classes whose counsellor or head teacher the user is (admins: none here; they use the lists)."""
    ids = access_for(user).scoped_ids(CLASS_ROLES, Klass)
    return Klass.objects.filter(pk__in=ids, institution=institution).order_by("code")


def class_attendance(klass: Klass, period: Period | None) -> list[dict[str, Any]]:
    """Per student of the class, summed over the courses of the semester (from the running totals)."""
    qs = AttendanceTotal.objects.filter(student__klass=klass)
    if period is not None:
        qs = qs.filter(period=period)
    sums = {row["student_id"]: row for row in qs.values("student_id").annotate(
        **{name: _sum(name) for name in ("total", *(c for c, _ in STATUS_COLUMNS))})}
    out = []
    for student in Student.objects.filter(klass=klass, active=True).order_by("code"):
        row = sums.get(student.pk, {})
        out.append({"student": student, **{k: row.get(k, 0) or 0 for k in ("total", *(c for c, _ in
                                                                                     STATUS_COLUMNS))}})
    out.sort(key=lambda r: (-r["absent"], r["student"].code))
    return out


def _sum(name: str) -> Any:
    from django.db.models import Sum

    return Sum(name)


def semesters_with_data(institution: Any) -> QuerySet[Period]:
    return Period.objects.filter(pk__in=Offering.objects.filter(institution=institution).values("period_id")
                                 ).order_by("-start")


def leave_requests(user: Any, institution: Any) -> list[LeaveRequest]:
    """The leave requests the user may see, newest first, each marked whether the user may decide it."""
    if institution is None:
        return []
    qs = LeaveRequest.objects.restrict(user, VIEW).filter(institution=institution)
    deciding = set(LeaveRequest.objects.restrict(user, CHANGE).filter(institution=institution)
                   .values_list("pk", flat=True))
    out = list(qs.select_related("student", "student__klass", "decided_by").order_by("-created_at")[:200])
    for leave in out:
        leave.can_decide = leave.pk in deciding
    return out


def get_leave_for_user(user: Any, institution: Any, pk: int, action: str = VIEW) -> LeaveRequest:
    return get_object_for_user(LeaveRequest.objects.filter(institution=institution), user, action, pk=pk)
