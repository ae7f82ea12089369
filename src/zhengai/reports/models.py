"""Self-diagnosis reports (自我诊改报告): a row per diagnosis element of the institution's framework with the
self-diagnosis opinion, improvement measures and effects, pre-filled with the evidence the platform holds;
signed by the reporter, the head and, for the school, the president. A signed report is frozen: a change
makes a new version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import Role
from zhengai.core.models import InstitutionOwned, Period
from zhengai.core.permissions import VIEW, Access, RestrictedQuerySet, through
from zhengai.frameworks.models import Element, Framework
from zhengai.goals.models import PlanScoped
from zhengai.standards.choices import Level

from .choices import ReportKind, ReportState


class Report(PlanScoped):
    """自我诊改报告 of one entity (the school, a secondary college, a functional department, a major, a course, a
    teacher) for one academic year; `version` counts the versions made after signing."""

    kind = models.CharField("报告类型", max_length=20, choices=ReportKind.choices)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="学年")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+", verbose_name="诊断项目表")
    title = models.CharField("标题", max_length=200)
    overview = models.TextField("自我诊改工作概述", blank=True)
    state = models.CharField("状态", max_length=20, choices=ReportState.choices, default=ReportState.DRAFT)
    version = models.PositiveSmallIntegerField("版本", default=1)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="上一版本")
    due = models.DateField("提交期限", null=True, blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="报告人")
    reported_at = models.DateTimeField("报告人签字时间", null=True, blank=True)
    head = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name="负责人")
    head_signed_at = models.DateTimeField("负责人签字时间", null=True, blank=True)
    president = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="校长")
    president_signed_at = models.DateTimeField("校长签字时间", null=True, blank=True)
    # What the signatures stand behind: the data version of each period of the year when the report was signed
    # ({period id: version}); every later rendering reads its figures through these pins (`that_count`).
    pinned = models.JSONField("签发时的数据版本", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "自我诊改报告"
        verbose_name_plural = "自我诊改报告"
        ordering = ["-period__start", "kind", "entity_key", "-version"]
        constraints = [models.UniqueConstraint(fields=["institution", "entity_key", "period", "kind", "version"],
                                               name="report_version_unique")]

    def __str__(self) -> str:
        return self.title + (f"（第{self.version}版）" if self.version > 1 else "")

    @property
    def frozen(self) -> bool:
        return self.state == ReportState.SIGNED

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """The school report is written by the quality office and signed by school leaders; the others by
        those who plan for the entity."""
        q = super().access_q(access, action)
        if action == VIEW:
            # The authority and its experts read what a college has signed, except reports about one person.
            q = q | (access.authority_q("institution") & Q(state=ReportState.SIGNED)
                     & ~Q(level__in=[Level.TEACHER, Level.STUDENT, Level.CLASS]))
        if action != VIEW:
            q = ((~Q(kind=ReportKind.SCHOOL) & q)
                 | access.institution_q("institution", action, roles={Role.QUALITY_OFFICE, Role.SCHOOL_LEADER}))
        return q


class ReportRow(InstitutionOwned):
    """自我诊断与改进报告表的一行: one diagnosis element. The opinion is kept in its two halves — 目标达成程度与
    主要成绩, 存在问题与原因分析 — so the platform can tell whether problems and causes take about half."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="rows", verbose_name="报告")
    element = models.ForeignKey(Element, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name="诊断要素")
    project_label = models.CharField("诊断项目", max_length=200)
    element_label = models.CharField("诊断要素", max_length=200)
    order = models.PositiveSmallIntegerField("排序", default=0)
    applicable = models.BooleanField("本部门填写", default=True, help_text="职能部门只在有分解任务的要素中填写")
    achievements = models.TextField("目标达成程度与主要成绩", blank=True)
    problems = models.TextField("存在问题与原因分析", blank=True)
    measures = models.TextField("改进措施", blank=True)
    effects = models.TextField("改进效果", blank=True)
    evidence = models.JSONField("依据（平台数据）", default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "报告行"
        verbose_name_plural = "报告行"
        ordering = ["report", "order"]

    def __str__(self) -> str:
        return f"{self.report} · {self.element_label}"

    @property
    def opinion(self) -> str:
        return "\n".join(t for t in (self.achievements, self.problems) if t)

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Report, "report", access, action)


class WordTemplate(InstitutionOwned):
    """A college's own Word template for a kind of report (replaces the built-in one)."""

    kind = models.CharField("报告类型", max_length=20, choices=ReportKind.choices)
    file = models.FileField("模板文件", upload_to="report_templates/")
    name = models.CharField("文件名", max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    active = models.BooleanField("启用", default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "报告模板"
        verbose_name_plural = "报告模板"
        ordering = ["kind", "-uploaded_at"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})
