"""Diagnosis tables (诊断项目表): project → element → point → task, built-in or a college's own copy."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import Role
from zhengai.core.models import Institution
from zhengai.core.permissions import VIEW, Access, RestrictedQuerySet

from .choices import Applicability, TextLabel

# The header of a table as the built-in JSON files and the Excel sheet 表头信息 carry it.
HEADER_FIELDS = ("code", "name", "issuer", "source", "version", "text_label", "declared", "declared_text",
                 "applicability_note", "notes")


def framework_q(access: Access, action: str, prefix: str = "") -> Q:
    """Rows of the frameworks (reached through `prefix`) that `access` may view or change.

    Built-in tables (no institution) are read by every member of any institution and changed by nobody
    but superusers, who bypass the gate; a college's own tables are read by its members and changed by
    its quality office, which owns the diagnosis work.
    """
    field = f"{prefix}institution"
    if action == VIEW:
        builtin = Q(**{f"{field}__isnull": True}) if access.institution_ids() else Q(pk__in=[])
        return builtin | access.institution_q(field, VIEW)
    return access.institution_q(field, action, roles={Role.QUALITY_OFFICE})


class Framework(models.Model):
    """诊断项目表: one version of a diagnosis table; without an institution it is a built-in table
    shared by all, with one it is that college's own table (often a copy of a built-in, `based_on`)."""

    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="frameworks", verbose_name="院校")
    code = models.CharField("代码", max_length=50)
    name = models.CharField("名称", max_length=200)
    issuer = models.CharField("发布单位", max_length=200, blank=True)
    source = models.TextField("来源", blank=True)
    version = models.CharField("版本", max_length=50, blank=True)
    text_label = models.CharField("文字列名称", max_length=20, choices=TextLabel.choices,
                                  default=TextLabel.REQUIREMENT)
    # Only the counts the table itself states ("7个诊断项目、36个诊断要素…"); compared with what was found.
    declared = models.JSONField("声明数量", default=dict, blank=True)
    declared_text = models.TextField("声明原文", blank=True)
    applicability_note = models.TextField("适用说明", blank=True)
    notes = models.JSONField("说明", default=list, blank=True)
    # Whatever else the table carries that other apps read (report_template, element_sheet_columns…).
    extra = models.JSONField("扩展信息", default=dict, blank=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="copies", verbose_name="所依据的内置表")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "诊断项目表"
        verbose_name_plural = "诊断项目表"
        ordering = ["code", "-created_at"]
        constraints = [
            # Two partial constraints: SQLite has no NULLS NOT DISTINCT, and built-ins have no institution.
            models.UniqueConstraint(fields=["institution", "code", "version"],
                                    condition=Q(institution__isnull=False), name="framework_unique_owned"),
            models.UniqueConstraint(fields=["code", "version"],
                                    condition=Q(institution__isnull=True), name="framework_unique_builtin"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）" if self.version else self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return framework_q(access, action)

    @property
    def is_builtin(self) -> bool:
        return self.institution_id is None


class _Row(models.Model):
    """Shared shape of the four levels: a number as the table prints it and an order for sorting
    (numbers sort badly as text: "1.10" before "1.2")."""

    number = models.CharField("编号", max_length=30)
    order = models.PositiveIntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()
    # The path from this level up to its framework, for the gate and for the audit trail.
    framework_path: str = ""

    class Meta:
        abstract = True

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return framework_q(access, action, prefix=f"{cls.framework_path}__")

    @property
    def institution_id(self) -> int | None:
        """The owning college, so the audit trail files a change to a row under that college."""
        obj: models.Model = self
        for step in self.framework_path.split("__"):
            obj = getattr(obj, step)
        return obj.institution_id  # type: ignore[attr-defined]


class Project(_Row):
    """诊断项目: the first level of a diagnosis table."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="projects",
                                  verbose_name="诊断项目表")
    name = models.CharField("名称", max_length=200)
    # A seed's attachments print some names differently (体系总架构/体系总构架): matched by number.
    alt_names = models.JSONField("其他名称", default=list, blank=True)

    framework_path = "framework"

    class Meta:
        verbose_name = "诊断项目"
        verbose_name_plural = "诊断项目"
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="project_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"



class Element(_Row):
    """诊断要素: the second level; the unit the self-diagnosis report is written per."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="elements",
                                verbose_name="诊断项目")
    name = models.CharField("名称", max_length=200)
    # The same element is named slightly differently across a seed's attachments (2.5 办学整改/办学诊改):
    # the other names, so documents that use them still match by number.
    alt_names = models.JSONField("其他名称", default=list, blank=True)

    framework_path = "project__framework"

    class Meta:
        verbose_name = "诊断要素"
        verbose_name_plural = "诊断要素"
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="element_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Point(_Row):
    """诊断点: the third level, with its quality requirement (or reference questions), key quantitative
    indicators and the state-data tables it draws on — kept as text, since table numbers changed between
    platform versions and only guide."""

    element = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="points",
                                verbose_name="诊断要素")
    name = models.CharField("名称", max_length=200)
    requirement = models.TextField("质量要求/参考提示", blank=True)
    indicators = models.TextField("关键量化指标", blank=True)
    state_tables = models.TextField("状态数据表", blank=True)
    applicability = models.CharField("适用标记", max_length=2, choices=Applicability.choices, blank=True,
                                     default=Applicability.ALL)
    added_by_institution = models.BooleanField("本校自设", default=False)

    framework_path = "element__project__framework"

    class Meta:
        verbose_name = "诊断点"
        verbose_name_plural = "诊断点"
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["element", "number"], name="point_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Task(_Row):
    """诊改任务: the fourth level, with its lead department and the departments responsible."""

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="tasks", verbose_name="诊断点")
    content = models.TextField("任务内容")
    lead = models.CharField("牵头部门", max_length=200, blank=True)
    departments = models.JSONField("责任部门", default=list, blank=True)

    framework_path = "point__element__project__framework"

    class Meta:
        verbose_name = "诊改任务"
        verbose_name_plural = "诊改任务"
        ordering = ["order", "pk"]
        # Task numbers are not always printed, so a task is known by its place under its point.
        constraints = [models.UniqueConstraint(fields=["point", "order"], name="task_order_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.content[:40]}" if self.number else self.content[:40]


class Adoption(models.Model):
    """采用: the diagnosis table an institution works with — one per institution."""

    institution = models.OneToOneField(Institution, on_delete=models.CASCADE, related_name="adoption",
                                       verbose_name="院校")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="adoptions",
                                  verbose_name="诊断项目表")
    adopted_at = models.DateTimeField("采用时间", auto_now=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   verbose_name="采用人")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "诊断项目表采用"
        verbose_name_plural = "诊断项目表采用"

    def __str__(self) -> str:
        return f"{self.institution} 采用 {self.framework}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})
