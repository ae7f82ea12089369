"""The 8-shaped spiral (8字形质量改进螺旋): diagnosis cycles of every level on their own rhythm with the stages
of the institution's big loop, the level above's assessment per diagnosis element, and improvement actions
that count only when later data shows their effect (the small loop)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import Role
from zhengai.core.models import InstitutionOwned, Period
from zhengai.core.permissions import VIEW, Access, RestrictedQuerySet, through
from zhengai.frameworks.models import Element
from zhengai.goals.models import Goal, PlanScoped
from zhengai.monitoring.models import Measurement, Warning
from zhengai.standards.choices import Level
from zhengai.standards.models import QCPoint

from .choices import (
    CycleState,
    DiagnosisKind,
    Frequency,
    Gate,
    ImprovementKind,
    ImprovementState,
    StageScheme,
    StepOutput,
)

ASSESSORS = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}


class DiagnosisSettings(InstitutionOwned):
    """诊改设置 of an institution: which built-in stage list it started from."""

    institution = models.OneToOneField("core.Institution", on_delete=models.CASCADE,
                                       related_name="diagnosis_settings", verbose_name="院校")
    scheme = models.CharField("螺旋步骤方案", max_length=20, choices=StageScheme.choices,
                              default=StageScheme.SEED003)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "诊改设置"
        verbose_name_plural = "诊改设置"

    def __str__(self) -> str:
        return f"{self.institution} 诊改设置"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class Stage(InstitutionOwned):
    """螺旋步骤: one step of the institution's big loop, in order, with the gate it enforces."""

    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("步骤", max_length=20)
    gate = models.CharField("关卡", max_length=20, choices=Gate.choices, blank=True)
    output = models.CharField("完成时须提交", max_length=20, choices=StepOutput.choices,
                              default=StepOutput.EVIDENCE)
    description = models.CharField("说明", max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "螺旋步骤"
        verbose_name_plural = "螺旋步骤"
        ordering = ["institution", "order"]
        constraints = [models.UniqueConstraint(fields=["institution", "order"], name="stage_order_unique")]

    def __str__(self) -> str:
        return self.name

    access_q = DiagnosisSettings.access_q


class ScheduleTemplate(InstitutionOwned):
    """诊断周期模板 (seed 003 §四(二)): at a level, which kind of diagnosis runs how often and who runs it —
    e.g. a major's team monthly self-diagnosis, the school's yearly assessment, a three-yearly one on major
    construction. The scheduler opens the cycles that are due."""

    level = models.CharField("层面", max_length=20, choices=Level.choices)
    kind = models.CharField("诊断类型", max_length=20, choices=DiagnosisKind.choices)
    frequency = models.CharField("周期", max_length=20, choices=Frequency.choices)
    name = models.CharField("名称", max_length=100)
    basis = models.CharField("依据", max_length=300, blank=True)
    active = models.BooleanField("有效", default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "诊断周期模板"
        verbose_name_plural = "诊断周期模板"
        ordering = ["institution", "level", "frequency"]
        constraints = [models.UniqueConstraint(fields=["institution", "level", "kind", "frequency"],
                                               name="schedule_unique")]

    def __str__(self) -> str:
        return self.name

    access_q = DiagnosisSettings.access_q


class Cycle(PlanScoped):
    """诊改周期: one entity (school, unit, major, course, teacher, student, class) in one period, running the
    big loop's stages; closing it needs an improvement for every QC point that warned or failed, and its
    improvements feed the next cycle's goals."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="期间")
    kind = models.CharField("诊断类型", max_length=20, choices=DiagnosisKind.choices)
    template = models.ForeignKey(ScheduleTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="cycles", verbose_name="周期模板")
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="当前步骤")
    state = models.CharField("状态", max_length=20, choices=CycleState.choices, default=CycleState.OPEN)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_cycles",
                                 verbose_name="上一周期")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="负责人")
    summary = models.TextField("诊断结论", blank=True)
    opened_at = models.DateTimeField("开始时间", auto_now_add=True)
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "诊改周期"
        verbose_name_plural = "诊改周期"
        ordering = ["-period__start", "level", "entity_key"]
        constraints = [models.UniqueConstraint(fields=["institution", "entity_key", "period", "kind"],
                                               name="cycle_unique")]
        indexes = [models.Index(fields=["institution", "level", "state"], name="diag_cycle_state")]

    def __str__(self) -> str:
        return f"{self.entity} · {self.period} · {self.get_kind_display()}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """Owners see and run their cycles; an assessment cycle is run by the level above (the institution's
        assessors) — its owner only sees it."""
        q = super().access_q(access, action)
        if action != VIEW:
            q = ((~Q(kind=DiagnosisKind.ASSESSMENT) & q)
                 | access.institution_q("institution", action, roles=ASSESSORS))
        return q


class CycleStep(InstitutionOwned):
    """A stage passed in a cycle: who, when, and what was done (the evidence of running the loop)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="steps", verbose_name="周期")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", verbose_name="步骤")
    note = models.TextField("工作记录", blank=True)
    # What the step produced (its stage's `output`): a file or a link, a finding, or an improvement.
    evidence_file = models.FileField("证据文件", upload_to="cycle_evidence/%Y/%m/", blank=True)
    evidence_name = models.CharField("证据文件名", max_length=200, blank=True)
    evidence_url = models.CharField("证据链接", max_length=500, blank=True)  # a web address or a platform page
    finding = models.ForeignKey("Finding", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name="诊断发现")
    improvement = models.ForeignKey("Improvement", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="改进措施")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name="完成人")
    done_at = models.DateTimeField("完成时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "步骤记录"
        verbose_name_plural = "步骤记录"
        ordering = ["cycle", "stage__order"]
        constraints = [models.UniqueConstraint(fields=["cycle", "stage"], name="cyclestep_unique")]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.stage}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Cycle, "cycle", access, action)


class Finding(InstitutionOwned):
    """诊断发现: a problem a diagnosis found, tied to a diagnosis element and optionally a QC point."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="findings", verbose_name="周期")
    element = models.ForeignKey(Element, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name="诊断要素")
    qc_point = models.ForeignKey(QCPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="质控点")
    text = models.TextField("存在问题")
    cause = models.TextField("原因分析", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="记录人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "诊断发现"
        verbose_name_plural = "诊断发现"
        ordering = ["cycle", "pk"]

    def __str__(self) -> str:
        return self.text[:50]

    access_q = CycleStep.access_q


class Assessment(InstitutionOwned):
    """考核性诊断意见: the level above's verdict on a cycle's self-diagnosis, element by element."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="assessments", verbose_name="周期")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="考核人")
    conclusion = models.TextField("总体意见", blank=True)
    deadline = models.DateField("限期改进日期", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "考核意见"
        verbose_name_plural = "考核意见"
        ordering = ["cycle", "-created_at"]

    def __str__(self) -> str:
        return f"{self.cycle} 考核意见"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return CycleStep.access_q(access, VIEW)
        return access.institution_q("institution", action, roles=ASSESSORS)


class AssessmentItem(InstitutionOwned):
    """Per diagnosis element: does the assessor agree with the self-diagnosis, and why."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items",
                                   verbose_name="考核意见")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+", verbose_name="诊断要素")
    agrees = models.BooleanField("认同自我诊断")
    reason = models.TextField("理由")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "要素考核意见"
        verbose_name_plural = "要素考核意见"
        ordering = ["assessment", "element__order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "element"], name="assessmentitem_unique")]

    def __str__(self) -> str:
        return f"{self.element} {'认同' if self.agrees else '不认同'}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Assessment, "assessment", access, action)


class Improvement(PlanScoped):
    """改进措施: what an owner does about a warning or a finding — measure, owner, deadline, expected effect —
    and its effect, which must cite a measurement taken after the measure started, or say it was not yet
    carried out; a forecast is never an effect (seed 004 附件2 note 4, seed 003 附件4 note 4)."""

    cycle = models.ForeignKey(Cycle, null=True, blank=True, on_delete=models.SET_NULL, related_name="improvements",
                              verbose_name="周期")
    warning = models.ForeignKey(Warning, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="improvements", verbose_name="来源预警")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="improvements", verbose_name="来源诊断发现")
    element = models.ForeignKey(Element, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name="诊断要素")
    qc_point = models.ForeignKey(QCPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="质控点")
    kind = models.CharField("改进方式", max_length=20, choices=ImprovementKind.choices,
                            default=ImprovementKind.INCREMENTAL)
    measure = models.TextField("改进措施")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="zhengai_improvements", verbose_name="责任人")
    deadline = models.DateField("完成期限")
    expected_effect = models.TextField("预期效果", blank=True)
    started_on = models.DateField("开始实施日期", null=True, blank=True)
    state = models.CharField("状态", max_length=20, choices=ImprovementState.choices,
                             default=ImprovementState.PLANNED)
    effect = models.TextField("改进效果", blank=True)
    effect_measurement = models.ForeignKey(Measurement, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name="效果依据（测量结果）")
    not_carried_out = models.BooleanField("措施尚未实施", default=False)
    next_goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="转入下一周期目标")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "改进措施"
        verbose_name_plural = "改进措施"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["institution", "state"], name="diag_improvement_state")]

    def __str__(self) -> str:
        return self.measure[:50]

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """Those who see the entity see its improvements; besides, the person put in charge sees and updates
        the improvements they own (the quality office may name someone outside the entity's line)."""
        return super().access_q(access, action) | (access.institution_q("institution", VIEW)
                                                   & Q(owner_id=access.user.pk))
