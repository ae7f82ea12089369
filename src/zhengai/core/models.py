from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from .choices import (
    DEMONSTRATION_KINDS,
    AuditAction,
    InstitutionKind,
    JobStatus,
    PeriodKind,
    Role,
    ScaleBand,
)
from .permissions import Access, RestrictedQuerySet


class User(AbstractUser):
    """用户. Logs in with a username; what they may do comes from their memberships."""

    name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class Institution(models.Model):
    """院校. Every domain record belongs to one; one deployment may hold one or many."""

    code = models.CharField("院校代码", max_length=20, unique=True)
    name = models.CharField("院校名称", max_length=100)
    region = models.CharField("所在地区", max_length=50, blank=True)
    scale_band = models.CharField("规模", max_length=20, choices=ScaleBand.choices, blank=True)
    kind = models.CharField("办学类型", max_length=20, choices=InstitutionKind.choices,
                            default=InstitutionKind.ORDINARY)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "院校"
        verbose_name_plural = "院校"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return access.institution_q("pk", action)

    def applies(self, mark: str) -> bool:
        """Whether a diagnosis point with this applicability mark applies here (seed 003 附件1 note 3).

        `*` points do not apply to newly founded colleges; `**` points apply only to
        provincial-or-higher demonstration or backbone colleges.
        """
        if mark == "**":
            return self.kind in DEMONSTRATION_KINDS
        if mark == "*":
            return self.kind != InstitutionKind.NEWLY_FOUNDED
        return True

    @property
    def applicable_marks(self) -> list[str]:
        return [m for m in ("", "*", "**") if self.applies(m)]


class InstitutionOwned(models.Model):
    """Base of every record that belongs to an institution: view for its members, change for its admins."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, verbose_name="院校")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return access.institution_q("institution", action)


class Period(models.Model):
    """学年 / 学期 / 月 / 自然年. Explicit objects, so no view does date arithmetic of its own.

    An academic year runs 1 Sep – 31 Aug; funding is reported by calendar year.
    """

    kind = models.CharField("类型", max_length=20, choices=PeriodKind.choices)
    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    start = models.DateField("开始")
    end = models.DateField("结束")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children", verbose_name="所属")

    class Meta:
        verbose_name = "期间"
        verbose_name_plural = "期间"
        ordering = ["start", "-end"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_end_after_start")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """成员身份: one role of one user in one institution, optionally scoped to one object.

    The scope is generic so that `core` stays below the apps that own units, majors, courses,
    classes, teachers and students.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name="用户")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="memberships",
                                    verbose_name="院校")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    scope_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE,
                                   verbose_name="范围类型")
    scope_id = models.PositiveBigIntegerField("范围对象", null=True, blank=True)
    scope = GenericForeignKey("scope_type", "scope_id")
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "成员身份"
        verbose_name_plural = "成员身份"
        constraints = [
            # Two partial constraints instead of NULLS NOT DISTINCT, which SQLite lacks.
            models.UniqueConstraint(
                fields=["user", "institution", "role", "scope_type", "scope_id"],
                condition=Q(scope_id__isnull=False),
                name="membership_unique_scoped",
            ),
            models.UniqueConstraint(
                fields=["user", "institution", "role"],
                condition=Q(scope_id__isnull=True),
                name="membership_unique_unscoped",
            ),
        ]
        indexes = [models.Index(fields=["scope_type", "scope_id"])]

    def __str__(self) -> str:
        label = self.get_role_display()
        return f"{self.institution} · {label}" + (f" · {self.scope}" if self.scope_id else "")

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        own = Q(user_id=access.user.pk) if action == "view" else Q(pk__in=[])
        return own | access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class AuditEntry(models.Model):
    """审计记录: who changed which domain object when, with the values before and after."""

    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.CASCADE,
                                    verbose_name="院校")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="操作人")
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("操作", max_length=20, choices=AuditAction.choices)
    object_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name="对象类型")
    object_id = models.CharField("对象", max_length=64)
    object_repr = models.CharField("对象名称", max_length=200)
    changes = models.JSONField("变更", default=dict, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action != "view":
            return None  # the trail is never edited through the gate
        return access.institution_q("institution", "view", roles={Role.QUALITY_OFFICE, Role.SCHOOL_LEADER})


class Job(models.Model):
    """后台任务: long work (a large import, later a full recompute) that a person starts and watches.

    The task that does the work updates progress and, at the end, stores its result as JSON for the page.
    """

    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.CASCADE,
                                    verbose_name="院校")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="发起人")
    kind = models.CharField("类型", max_length=50)
    label = models.CharField("名称", max_length=200)
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.CharField("当前步骤", max_length=200, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """One's own jobs; the quality office sees every job of its institution."""
        if action != "view":
            return None
        return Q(created_by_id=access.user.pk) | access.institution_q(
            "institution", "view", roles={Role.QUALITY_OFFICE})
