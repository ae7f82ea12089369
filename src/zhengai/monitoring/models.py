"""Measurements (测量结果) of QC points for the entities of their level, the warnings (预警) they raise and the
in-app notifications (通知) that tell people about them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from zhengai.core.choices import Role
from zhengai.core.models import InstitutionOwned, Period
from zhengai.core.permissions import VIEW, Access, RestrictedQuerySet, through
from zhengai.org.entities import ENTITY_FIELDS, answered_units, entity_rows_q
from zhengai.org.models import Course, Klass, Major, Student, Teacher, Unit
from zhengai.standards.choices import Level
from zhengai.standards.models import QCPoint

from .choices import OPEN_STATES, Severity, Status, WarningKind, WarningState


def owner_q(access: Access, prefix: str = "") -> Q:
    """Rows (measurements, warnings) whose entity the user answers for (the kernel's rule, org.entities).
    School-level rows are not personal: every member sees them."""
    return Q(**{f"{prefix}level": Level.SCHOOL}) | entity_rows_q(access, prefix)


class EntityOwned(InstitutionOwned):
    """A row about one entity of a level: the nullable FKs name it, `entity_key` makes it one comparable key
    ("major:12", "school") for uniqueness and upserts."""

    level = models.CharField("层面", max_length=20, choices=Level.choices)
    entity_key = models.CharField("对象键", max_length=40)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name="部门")
    major = models.ForeignKey(Major, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              verbose_name="专业")
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name="课程")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                verbose_name="教师")
    student = models.ForeignKey(Student, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                verbose_name="学生")
    klass = models.ForeignKey(Klass, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              verbose_name="班级")

    class Meta:
        abstract = True

    @property
    def entity(self):
        field = ENTITY_FIELDS.get(self.level)
        return getattr(self, field) if field else self.institution

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.wide_q("institution") | (access.institution_q("institution", VIEW) & owner_q(access))
        return None


def own_warning_ids(user_id: int) -> models.QuerySet:
    """Warnings a user is an owner of, as a subquery (a join through the owners would repeat rows)."""
    return Warning.owners.through.objects.filter(user_id=user_id).values("warning_id")


class Measurement(EntityOwned):
    """测量结果: one QC point for one entity in one period — value, status and the inputs it came from."""

    qc_point = models.ForeignKey(QCPoint, on_delete=models.CASCADE, related_name="measurements",
                                 verbose_name="质控点")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="期间")
    value = models.DecimalField("测量值", max_digits=20, decimal_places=4, null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    inputs = models.JSONField("输入数据", default=dict, blank=True)
    formula = models.TextField("计算公式", blank=True, help_text="计算时的公式")
    lines = models.JSONField("计算时的标准", default=dict, blank=True)
    computed_at = models.DateTimeField("计算时间")
    version = models.PositiveIntegerField("数据版本", default=1)
    # How new the data behind the value is — not when it was computed. The newest, over the source rows the
    # inputs were aggregated from, of the time the import that brought or last changed a row ran and of the
    # start of the row's period (rows without an import record: teaching process, rows keyed in). An
    # improvement is judged only by a measurement whose data is newer than its start: a recompute set off by
    # another entity's import leaves this unchanged.
    data_as_of = models.DateTimeField("数据截至", null=True, blank=True,
                                      help_text="输入数据中最近一次导入（或最晚统计期间开始）的时间")
    source_import = models.ForeignKey("statedata.ImportRecord", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name="最近导入",
                                      help_text="输入数据所来自的最近一次导入记录")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "测量结果"
        verbose_name_plural = "测量结果"
        ordering = ["qc_point", "entity_key"]
        constraints = [models.UniqueConstraint(fields=["qc_point", "period", "entity_key", "version"],
                                               name="measurement_unique")]
        indexes = [models.Index(fields=["institution", "period", "level", "status"], name="mon_measure_status")]

    def __str__(self) -> str:
        return f"{self.qc_point.name} · {self.entity} · {self.period}"

    def get_absolute_url(self) -> str:
        """The measurement's page (formula, inputs, the source rows): every figure shown links here."""
        from django.urls import reverse

        return reverse("monitoring:measurement_detail", args=[self.pk])


class JudgmentFile(InstitutionOwned):
    """判定证据: a file kept with a qualitative QC point's judgment (its measurement), besides the text note.
    Checked and served as every evidence file is (core.uploads): a generated stored name, always a download."""

    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="files",
                                    verbose_name="判定")
    file = models.FileField("文件", upload_to="judgments/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100)
    sha256 = models.CharField("校验和", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "判定证据"
        verbose_name_plural = "判定证据"
        ordering = ["measurement", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """Whoever sees the judgment sees its evidence; nobody changes a file once kept."""
        return through(Measurement, "measurement", access, action)


class Warning(EntityOwned):
    """预警: a measurement beyond the warning or fail line, assigned to the QC point's lead unit and the
    entity's owners, handled open → acknowledged → improving → resolved (by data) or closed (with a reason).

    A task warning (countdown or overdue) lives in the same inbox: it names its subject (a plan task of the
    goal chain, an app above this one) generically, so monitoring never imports upward. A warning left open
    past the institution's escalation delay is escalated (督办) to the level above."""

    kind = models.CharField("类型", max_length=20, choices=WarningKind.choices, default=WarningKind.QC_POINT)
    qc_point = models.ForeignKey(QCPoint, null=True, blank=True, on_delete=models.CASCADE, related_name="warnings",
                                 verbose_name="质控点")
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                     verbose_name="预警对象类型")
    subject_id = models.PositiveBigIntegerField("预警对象", null=True, blank=True)
    title = models.CharField("预警事项", max_length=300, blank=True)
    url = models.CharField("事项链接", max_length=300, blank=True)
    due = models.DateField("完成时限", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("督办级别", default=0,
                                                        help_text="0 未督办；1 上报部门负责人；2 上报质管办和校领导")
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="期间")
    measurement = models.ForeignKey(Measurement, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="warnings", verbose_name="测量结果")
    severity = models.CharField("级别", max_length=10, choices=Severity.choices)
    state = models.CharField("状态", max_length=20, choices=WarningState.choices, default=WarningState.OPEN)
    assigned_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      verbose_name="责任部门")
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="zhengai_warnings",
                                    verbose_name="责任人")
    raised_at = models.DateTimeField("发出时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    closed_reason = models.CharField("关闭原因", max_length=300, blank=True)
    note = models.TextField("处理说明", blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-raised_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["qc_point", "period", "entity_key"],
                                               condition=Q(state__in=OPEN_STATES), name="warning_one_open"),
                       # One open warning of each kind per task: re-running the sweep never repeats a warning.
                       models.UniqueConstraint(fields=["kind", "subject_type", "subject_id"],
                                               condition=Q(state__in=OPEN_STATES, subject_id__isnull=False),
                                               name="warning_one_open_per_subject")]
        indexes = [models.Index(fields=["institution", "state", "severity"], name="mon_warning_state")]

    def __str__(self) -> str:
        about = self.qc_point.name if self.qc_point_id else self.title
        return f"{about} · {self.entity}（{self.get_severity_display()}）"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        mine = Q(pk__in=own_warning_ids(access.user.pk)) | Q(assigned_unit_id__in=answered_units(access))
        member = access.institution_q("institution", VIEW)
        if action == VIEW:
            return access.wide_q("institution") | (member & (owner_q(access) | mine))
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE}) | (member & mine)


class WarningPolicy(models.Model):
    """预警规则 of an institution: how many days before a task's date a countdown warning is raised, and how
    long a warning may stay unhandled (待处理) before it is escalated (督办) to the level above."""

    institution = models.OneToOneField("core.Institution", on_delete=models.CASCADE, related_name="warning_policy",
                                       verbose_name="院校")
    countdown_days = models.PositiveSmallIntegerField("临期预警提前天数", default=7)
    escalation_days = models.PositiveSmallIntegerField("督办等待天数", default=3,
                                                       help_text="预警发出后超过该天数仍未处理，上报上一级督办")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"

    def __str__(self) -> str:
        return f"{self.institution} 预警规则"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class Notification(models.Model):
    """通知: a short in-app message to one user (a warning raised for them), read or not."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="zhengai_notifications",
                             verbose_name="用户")
    institution = models.ForeignKey("core.Institution", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+", verbose_name="院校")
    text = models.CharField("内容", max_length=300)
    url = models.CharField("链接", max_length=300, blank=True)
    read = models.BooleanField("已读", default=False)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read"], name="mon_notice_unread")]

    def __str__(self) -> str:
        return self.text

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return Q(user_id=access.user.pk)
