"""The standard chain (标准链): standard set → dimension → standard → quality-control point (质控点), per level,
and the own targets (自定目标) a major, course or teacher team sets from the school's standard."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import Role
from zhengai.core.models import InstitutionOwned
from zhengai.core.permissions import VIEW, Access
from zhengai.frameworks.models import Point
from zhengai.org.models import Course, Major, Teacher, Unit

from .choices import Cycle, Level, Operator


def _quality_office(access: Access, action: str) -> Q:
    return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class _ChainNode(InstitutionOwned):
    """Seen by every member of the institution; changed by the quality office, which owns the standards."""

    class Meta:
        abstract = True

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return _quality_office(access, action)


class StandardSet(_ChainNode):
    """标准体系: the standards of one level of one institution (seed 002 表5–7, seed 001 表6–9)."""

    level = models.CharField("层面", max_length=20, choices=Level.choices)
    name = models.CharField("名称", max_length=100)
    description = models.TextField("说明", blank=True)
    # Retired (停用), never deleted: QC points, own targets and past measurements refer to the chain.
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "标准体系"
        verbose_name_plural = "标准体系"
        ordering = ["institution", "level"]
        constraints = [models.UniqueConstraint(fields=["institution", "level"], name="standardset_level_unique",
                                               violation_error_message="本院校该层面已有标准体系")]

    def __str__(self) -> str:
        return self.name


class Dimension(_ChainNode):
    """维度: a group of standards inside a level's standard set (办学条件, 师资队伍…)."""

    standard_set = models.ForeignKey(StandardSet, on_delete=models.CASCADE, related_name="dimensions",
                                     verbose_name="标准体系")
    name = models.CharField("名称", max_length=100)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "维度"
        verbose_name_plural = "维度"
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["standard_set", "name"], name="dimension_name_unique",
                                               violation_error_message="该标准体系已有同名维度")]

    def __str__(self) -> str:
        return self.name


class Standard(_ChainNode):
    """标准: one standard of a dimension, which its QC points make measurable."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="standards",
                                  verbose_name="维度")
    name = models.CharField("名称", max_length=100)
    content = models.TextField("标准内容", blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "标准"
        verbose_name_plural = "标准"
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["dimension", "name"], name="standard_name_unique",
                                               violation_error_message="该维度已有同名标准")]

    def __str__(self) -> str:
        return self.name


def _decimal(label: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=4, null=True, blank=True, **kwargs)


class QCPoint(_ChainNode):
    """质控点: a measurable indicator at one level, with its formula over the state data, its three lines
    (目标值, 标准值 = pass line, 预警值) and where each line comes from."""

    standard_item = models.ForeignKey(Standard, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="qc_points", verbose_name="所属标准")
    code = models.CharField("代码", max_length=30)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层面", max_length=20, choices=Level.choices)
    definition = models.TextField("测量数据内涵", blank=True)
    formula = models.TextField("计算公式", blank=True,
                               help_text="由度量名称、数字、+ - * / 、括号及 min、max、abs 组成；定性质控点不填")
    # A qualitative point (定性质控点) has no formula: each cycle its named owner judges it 达标 / 未达标 with a
    # note and evidence, and monitoring stores the judgment as a measurement like any other.
    qualitative = models.BooleanField("定性质控点", default=False, help_text="无计算公式，由责任人每周期判定是否达标")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_qc_points", verbose_name="责任人",
                              help_text="定性质控点由其判定；预警也发给此人")
    unit = models.CharField("单位", max_length=20, blank=True)
    operator = models.CharField("比较方式", max_length=10, choices=Operator.choices, default=Operator.GE)
    target = _decimal("目标值")
    standard = _decimal("标准值", help_text="达标线")
    warning = _decimal("预警值")
    standard_upper = _decimal("标准值上限", help_text="比较方式为区间时")
    warning_upper = _decimal("预警值上限", help_text="比较方式为区间时")
    allowed = models.JSONField("允许值", default=list, blank=True, help_text="比较方式为属于时：数值列表")
    cycle = models.CharField("监测周期", max_length=20, choices=Cycle.choices, default=Cycle.ACADEMIC_YEAR)
    data_source = models.CharField("数据来源", max_length=300, blank=True)
    lead_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_qc_points",
                                  verbose_name="牵头部门")
    supporting_units = models.ManyToManyField(Unit, blank=True, related_name="supported_qc_points",
                                              verbose_name="协同部门")
    points = models.ManyToManyField(Point, blank=True, related_name="qc_points", verbose_name="对应诊断点")
    threshold_source = models.TextField("阈值依据", blank=True)
    # Applicability (适用范围): a course-level point need not apply to every course type — 实践课时比例 means
    # nothing for an A-type (pure theory) course, whose practice hours are 0 by definition. The recompute
    # neither measures nor warns the entities a point does not apply to (see `applies_q`).
    excluded_course_types = models.JSONField("不适用的课程类型", default=list, blank=True,
                                             help_text="仅课程层面：这些类型的课程不计算本质控点，也不预警")
    builtin = models.BooleanField("内置", default=False)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "质控点"
        verbose_name_plural = "质控点"
        ordering = ["level", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="qcpoint_code_unique",
                                               violation_error_message="本院校已有相同代码的质控点")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from zhengai.org.choices import CourseType

        from .formula_check import check_qc_point

        check_qc_point(self)
        excluded = self.excluded_course_types or []
        if excluded and self.level != Level.COURSE:
            raise ValidationError({"excluded_course_types": "只有课程层面的质控点可以按课程类型排除"})
        if not isinstance(excluded, list) or any(t not in CourseType.values for t in excluded):
            raise ValidationError({"excluded_course_types": "课程类型只能是 A、B、C"})

    def applies_q(self) -> Q:
        """The entities of the point's level it applies to, as a filter over that level's table (`Q()`: all)."""
        if self.level == Level.COURSE and self.excluded_course_types:
            return ~Q(course_type__in=list(self.excluded_course_types))
        return Q()

    @property
    def lines(self) -> dict:
        """The lines as `monitoring.status.evaluate` takes them."""
        return {"operator": self.operator, "standard": self.standard, "warning": self.warning,
                "standard_upper": self.standard_upper, "warning_upper": self.warning_upper,
                "allowed": self.allowed}


class OwnTarget(InstitutionOwned):
    """自定目标: a major's, course's or teacher team's own target, standard and warning line for one QC point
    (seed 002 §三(二)2). Exactly one entity is named; the quality office's policy says whether it may be looser
    than the school's."""

    qc_point = models.ForeignKey(QCPoint, on_delete=models.CASCADE, related_name="own_targets",
                                 verbose_name="质控点")
    major = models.ForeignKey(Major, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              verbose_name="专业")
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name="课程")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                verbose_name="教师")
    target = _decimal("目标值")
    standard = _decimal("标准值")
    warning = _decimal("预警值")
    note = models.CharField("说明", max_length=300, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    ENTITY_FIELDS = ("major", "course", "teacher")

    class Meta:
        verbose_name = "自定目标"
        verbose_name_plural = "自定目标"
        ordering = ["qc_point", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(major__isnull=False, course__isnull=True, teacher__isnull=True)
                           | Q(major__isnull=True, course__isnull=False, teacher__isnull=True)
                           | Q(major__isnull=True, course__isnull=True, teacher__isnull=False)),
                name="owntarget_exactly_one_entity", violation_error_message="自定目标必须且只能对应一个对象"),
            models.UniqueConstraint(fields=["qc_point", "major"], condition=Q(major__isnull=False),
                                    name="owntarget_unique_major"),
            models.UniqueConstraint(fields=["qc_point", "course"], condition=Q(course__isnull=False),
                                    name="owntarget_unique_course"),
            models.UniqueConstraint(fields=["qc_point", "teacher"], condition=Q(teacher__isnull=False),
                                    name="owntarget_unique_teacher"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} · {self.qc_point.name}"

    @property
    def entity(self):
        return self.major or self.course or self.teacher

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return (Q(major_id__in=access.scoped_ids(Role.MAJOR_LEADER, Major))
                | Q(course_id__in=access.scoped_ids(Role.COURSE_LEADER, Course))
                | Q(teacher__user_id=access.user.pk))

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return _quality_office(access, action) | (access.institution_q("institution", VIEW) & cls.owner_q(access))


class StandardsPolicy(InstitutionOwned):
    """标准政策: the quality office's choices about standards, one row per institution."""

    allow_looser_own_targets = models.BooleanField(
        "允许自定目标低于学校标准", default=False,
        help_text="种子文件未作规定，由学校决定；默认不允许")

    class Meta:
        verbose_name = "标准政策"
        verbose_name_plural = "标准政策"
        constraints = [models.UniqueConstraint(fields=["institution"], name="standardspolicy_one")]

    def __str__(self) -> str:
        return f"{self.institution} 标准政策"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return _quality_office(access, action)
