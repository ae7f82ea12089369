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

from .choices import LeaveState, LessonState, ObservationState, ObserverKind, ReportCategory, ReportState


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


# ---- lesson observation (听课) ---------------------------------------------------------------------------------

class ObservationForm(InstitutionOwned):
    """听课评价表: weighted indicators, each scored 0–10 by the observer. Versioned like the evaluation app's
    instruments: a published version is never changed, so every filed observation keeps the indicators and
    weights it was scored with; revising the form publishes the next version."""

    code = models.CharField("代码", max_length=40, default="observation")
    name = models.CharField("名称", max_length=100)
    version = models.PositiveSmallIntegerField("版本", default=1)
    published = models.BooleanField("已发布", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "听课评价表"
        verbose_name_plural = "听课评价表"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["institution", "code", "version"],
                                               name="observation_form_version_unique",
                                               violation_error_message="该评价表已有此版本")]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """Every member of the college may read the form; the quality office revises it."""
        if action == VIEW:
            return access.member_q("institution")
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class ObservationIndicator(models.Model):
    """One indicator of a form: its weight (the weights of a form add up to 100) and what it looks at."""

    form = models.ForeignKey(ObservationForm, on_delete=models.CASCADE, related_name="indicators",
                             verbose_name="评价表")
    order = models.PositiveSmallIntegerField("序号")
    name = models.CharField("指标", max_length=60)
    description = models.CharField("评价要点", max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField("权重")

    class Meta:
        verbose_name = "听课评价指标"
        verbose_name_plural = "听课评价指标"
        ordering = ["form", "order"]
        constraints = [models.UniqueConstraint(fields=["form", "order"], name="observation_indicator_order")]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}）"


# The roles that observe lessons (督导、校领导、部门负责人、同行教师), in the order that decides in which capacity a
# person holding several of them observes.
OBSERVER_ROLES = (Role.SUPERVISOR, Role.SCHOOL_LEADER, Role.UNIT_HEAD, Role.TEACHER)
# Who reads every filed observation of the college.
OBSERVATION_READERS = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}


class Observation(InstitutionOwned):
    """听课记录: one observer's scores and comments on one teacher's lesson. Not anonymous: the observer is named.
    A draft is the observer's alone; once filed it is read-only (the quality office may correct it, audited) and
    the observed teacher and those who answer for them read it."""

    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="observations", verbose_name="课次")
    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="observations",
                                verbose_name="授课教师")
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="听课人")
    observer_kind = models.CharField("听课身份", max_length=20, choices=ObserverKind.choices)
    form = models.ForeignKey(ObservationForm, on_delete=models.PROTECT, related_name="observations",
                             verbose_name="评价表")
    scores = models.JSONField("各指标得分", default=dict, blank=True, help_text="{指标id: 0–10}")
    total = models.DecimalField("总分", max_digits=5, decimal_places=1, null=True, blank=True)
    strengths = models.TextField("优点", blank=True)
    suggestions = models.TextField("不足与建议", blank=True)
    state = models.CharField("状态", max_length=10, choices=ObservationState.choices,
                             default=ObservationState.DRAFT)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    filed_at = models.DateTimeField("提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "听课记录"
        verbose_name_plural = "听课记录"
        ordering = ["-lesson__date", "-pk"]
        indexes = [models.Index(fields=["institution", "state"], name="observation_state")]

    def __str__(self) -> str:
        return f"听课：{self.teacher} {self.lesson}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """See: the observer always (their drafts too); once filed, the observed teacher, the quality office,
        school leaders and supervisors, and those who answer for the teacher (the head of their unit). Change:
        the observer while it is a draft; the quality office once filed (a correction)."""
        mine = Q(observer_id=access.user.pk) & access.member_q("institution")
        filed = Q(state=ObservationState.FILED)
        if action == VIEW:
            return mine | (filed & (Q(institution__in=access.institution_ids(OBSERVATION_READERS))
                                    | (access.member_q("institution") & answers_q(access, Level.TEACHER,
                                                                                 "teacher"))))
        return ((mine & Q(state=ObservationState.DRAFT))
                | (filed & Q(institution__in=access.institution_ids({Role.QUALITY_OFFICE}))))


class ObservationQuota(InstitutionOwned):
    """听课任务: how many lessons each person observing in a capacity should observe in a semester."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    kind = models.CharField("听课身份", max_length=20, choices=ObserverKind.choices)
    count = models.PositiveSmallIntegerField("每人听课次数")

    class Meta:
        verbose_name = "听课任务"
        verbose_name_plural = "听课任务"
        constraints = [models.UniqueConstraint(fields=["institution", "period", "kind"],
                                               name="observation_quota_unique")]

    def __str__(self) -> str:
        return f"{self.period} {self.get_kind_display()} {self.count}次"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.member_q("institution")
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


# ---- student information officers (学生信息员) -----------------------------------------------------------------

class InformationOfficer(InstitutionOwned):
    """学生信息员: a student the quality office designates, per class, to report lesson problems. Withdrawing keeps
    the row (inactive) so their past reports still say who sent them."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name="学生")
    active = models.BooleanField("在任", default=True)
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name="指定人")
    designated_at = models.DateTimeField("指定时间", auto_now_add=True)

    class Meta:
        verbose_name = "学生信息员"
        verbose_name_plural = "学生信息员"
        ordering = ["student__klass__code", "student__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "student"], name="information_officer_unique",
                                               violation_error_message="该学生已是信息员")]

    def __str__(self) -> str:
        return f"信息员 {self.student}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """See: the quality office, unit heads and the officer themself; change: the quality office."""
        if action == VIEW:
            return (access.institution_q("institution", VIEW, roles={Role.QUALITY_OFFICE, Role.UNIT_HEAD})
                    | Q(student__user_id=access.user.pk))
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class LessonReport(InstitutionOwned):
    """教学信息反馈: an information officer's report of a problem in a lesson, routed to the teaching office (the
    quality office and the head of the course's unit), who reply and close it."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name="信息员")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="reports", verbose_name="课次")
    category = models.CharField("问题类别", max_length=12, choices=ReportCategory.choices)
    text = models.TextField("问题描述")
    state = models.CharField("状态", max_length=10, choices=ReportState.choices, default=ReportState.OPEN)
    created_at = models.DateTimeField("反馈时间", auto_now_add=True)
    reply = models.TextField("处理回复", blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="回复人")
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)

    class Meta:
        verbose_name = "教学信息反馈"
        verbose_name_plural = "教学信息反馈"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.lesson}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """See: the reporting student, the quality office and the heads of the course's unit; reply: the
        latter two."""
        office = (access.institution_q("institution", VIEW, roles={Role.QUALITY_OFFICE})
                  | (access.member_q("institution")
                     & answers_q(access, Level.UNIT, "lesson__offering__course__unit")))
        if action == VIEW:
            return office | Q(student__user_id=access.user.pk)
        return office
