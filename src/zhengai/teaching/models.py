"""Course teaching tracked online (课程教学在线跟踪, seed 000 §三(五), seed 001 图12): the term's course offerings
(开课), their timetable, and the lessons generated from it. The teaching-process rows (attendance, lesson checks,
homework) stay in statedata beside their running totals, so every writer — the roll call here, a file import, an
API push — updates rows and totals in one transaction; a lesson names the (course, date, 节次) those rows carry."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import ADMIN_ROLES, CLASS_ROLES, Role
from zhengai.core.models import InstitutionOwned, Period
from zhengai.core.permissions import VIEW, Access
from zhengai.org.choices import Level
from zhengai.org.entities import answers_q
from zhengai.org.models import Course, Klass, Student, Teacher

from .choices import LeaveState, LessonState


class Offering(InstitutionOwned):
    """开课（教学班）: one course taught in one semester by one or more teachers to one or more classes, or to a
    mixed teaching class (选课) whose roster is its enrolments."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    code = models.CharField("教学班代码", max_length=40)
    name = models.CharField("教学班名称", max_length=100)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="offerings", verbose_name="课程")
    teachers = models.ManyToManyField(Teacher, related_name="offerings", verbose_name="授课教师")
    classes = models.ManyToManyField(Klass, blank=True, related_name="offerings", verbose_name="上课班级")
    students = models.ManyToManyField(Student, through="Enrolment", related_name="offerings",
                                      verbose_name="学生名单")

    class Meta:
        verbose_name = "开课"
        verbose_name_plural = "开课"
        ordering = ["period", "code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "code"],
                                               name="offering_code_unique",
                                               violation_error_message="本学期已有相同代码的教学班")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """See: the institution-wide and administrative roles every offering; others the offerings they teach,
        whose course they answer for or whose classes they counsel — a student none (the page lists the
        roster's attendance; a student reads their own on 我的考勤). Change (the
        timetable, a cancelled or a make-up lesson): the administrative roles, the course leader and the
        offering's teachers. Roll call: the offering's teachers and the administrative roles."""
        admin = access.institution_q("institution", action, roles=ADMIN_ROLES)
        if action == ROLL_CALL:
            return admin | _teaches_q(access)
        if action == VIEW:
            return (admin | access.wide_q("institution")
                    | (access.institution_q("institution", VIEW)
                       & (_teaches_q(access) | answers_q(access, Level.COURSE, "course")
                          | Q(pk__in=Offering.classes.through.objects.filter(
                              klass_id__in=access.scoped_ids(CLASS_ROLES, Klass)).values("offering_id")))))
        return (admin | (access.institution_q("institution", VIEW)
                         & (Q(course_id__in=access.scoped_ids(Role.COURSE_LEADER, Course)) | _teaches_q(access))))


# The action of taking a lesson's roll call (点名), checked through the same gate as "view" and "change".
ROLL_CALL = "roll_call"


def _teaches_q(access: Access) -> Q:
    """Offerings the user teaches: by the teacher record linked to their account or named by their role."""
    teachers = Teacher.objects.filter(Q(user_id=access.user.pk)
                                      | Q(pk__in=access.scoped_ids(Role.TEACHER, Teacher)))
    return Q(pk__in=Offering.teachers.through.objects.filter(teacher__in=teachers).values("offering_id"))


class Enrolment(models.Model):
    """One student on an offering's roster (for a class-based offering, its classes' students when imported)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="enrolments",
                                 verbose_name="教学班")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments", verbose_name="学生")

    class Meta:
        verbose_name = "选课名单"
        verbose_name_plural = "选课名单"
        constraints = [models.UniqueConstraint(fields=["offering", "student"], name="enrolment_unique",
                                               violation_error_message="该学生已在此教学班名单中")]

    def __str__(self) -> str:
        return f"{self.offering_id}:{self.student_id}"


class Slot(models.Model):
    """课表: an offering meets on `weekday` in periods (节次) first–last, in `room`, in the listed teaching
    weeks (week 1 is the week holding the semester's first day)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="slots", verbose_name="教学班")
    weeks = models.CharField("上课周次", max_length=100, help_text="如 1-16、1-8,10-17、2-16双")
    weekday = models.PositiveSmallIntegerField("星期", choices=[(i, f"星期{'一二三四五六日'[i - 1]}")
                                                               for i in range(1, 8)])
    first_period = models.PositiveSmallIntegerField("起始节次")
    last_period = models.PositiveSmallIntegerField("结束节次")
    room = models.CharField("上课地点", max_length=60, blank=True)

    class Meta:
        verbose_name = "课表安排"
        verbose_name_plural = "课表安排"
        constraints = [models.CheckConstraint(condition=Q(last_period__gte=models.F("first_period")),
                                              name="slot_periods_ordered",
                                              violation_error_message="结束节次不能早于起始节次")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} 第{self.first_period}-{self.last_period}节（{self.weeks}周）"


class Lesson(models.Model):
    """一次课: an offering on a date in periods first–last. Generated from the timetable; a cancelled lesson is
    kept (停课) and a make-up lesson (补课) added, so a term's record says what was planned and what was taught.
    Attendance and lesson checks of the lesson are keyed (course, date, first_period) in statedata."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="lessons", verbose_name="教学班")
    slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons",
                             verbose_name="课表安排")
    date = models.DateField("上课日期")
    week = models.PositiveSmallIntegerField("教学周", null=True, blank=True)
    first_period = models.PositiveSmallIntegerField("起始节次")
    last_period = models.PositiveSmallIntegerField("结束节次")
    room = models.CharField("上课地点", max_length=60, blank=True)
    state = models.CharField("状态", max_length=12, choices=LessonState.choices, default=LessonState.SCHEDULED)
    note = models.CharField("说明", max_length=200, blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="makeups",
                                 verbose_name="补哪次课")
    roll_called_at = models.DateTimeField("点名时间", null=True, blank=True)

    class Meta:
        verbose_name = "课次"
        verbose_name_plural = "课次"
        ordering = ["date", "first_period"]
        constraints = [models.UniqueConstraint(fields=["offering", "date", "first_period"], name="lesson_unique",
                                               violation_error_message="该教学班该时段已有课次")]
        indexes = [models.Index(fields=["date", "offering"], name="lesson_day")]

    def __str__(self) -> str:
        return f"{self.date} 第{self.first_period}-{self.last_period}节"


class LeaveRequest(InstitutionOwned):
    """请假申请: a student asks leave for days (and, optionally, 节次); the class's counsellor or head teacher
    decides. Approved leave marks the student 请假 in the lessons it covers."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="leave_requests",
                                verbose_name="学生")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    first_period = models.PositiveSmallIntegerField("起始节次", null=True, blank=True, help_text="不填为全天")
    last_period = models.PositiveSmallIntegerField("结束节次", null=True, blank=True)
    reason = models.CharField("请假事由", max_length=300)
    state = models.CharField("状态", max_length=10, choices=LeaveState.choices, default=LeaveState.PENDING)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="审批人")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "请假申请"
        verbose_name_plural = "请假申请"
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                              name="leave_dates_ordered",
                                              violation_error_message="结束日期不能早于开始日期")]

    def __str__(self) -> str:
        return f"{self.student} {self.start_date}至{self.end_date}"

    def covers(self, day: Any, first: int, last: int) -> bool:
        """Whether the leave covers a lesson on `day` in periods first–last (overlap is enough)."""
        if not self.start_date <= day <= self.end_date:
            return False
        if self.first_period is None:
            return True
        return self.first_period <= last and first <= (self.last_period or self.first_period)

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """See: the student themself and those who answer for the student. Decide: the class's counsellor
        and head teacher, and the administrative roles."""
        counselled = Q(student__klass_id__in=access.scoped_ids(CLASS_ROLES, Klass))
        if action == VIEW:
            return (access.institution_q("institution", VIEW)
                    & (Q(student__user_id=access.user.pk) | answers_q(access, Level.STUDENT, "student")))
        return (access.institution_q("institution", action, roles=ADMIN_ROLES)
                | (access.institution_q("institution", VIEW) & counselled))
