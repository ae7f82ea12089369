"""The goal chain (目标链): plans and their goals with yearly targets per observation point, the annual key-task
decomposition, the one-page plans of departments, majors, courses, teachers and classes with their tasks and
monthly progress, each task's PDCA record with evidence, the yearly calendar and the performance scheme.

Seed 002 calls the result a net where "目标可传导，标准可执行，进度可监控": every goal knows its parent plan
goal, every one-page task its objectives (and, for key work, the key-task indicator it carries out)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from zhengai.core.choices import CLASS_ROLES, Role
from zhengai.core.models import InstitutionOwned
from zhengai.core.permissions import VIEW, Access, RestrictedQuerySet, through
from zhengai.monitoring.models import EntityOwned, owner_q
from zhengai.org.entities import answered_units
from zhengai.org.models import Course, Klass, Major, Unit
from zhengai.standards.choices import Level
from zhengai.standards.models import QCPoint

from .choices import (
    PlanKind,
    PlanState,
    PlanStatus,
    Priority,
    TaskKind,
    TaskSource,
    TaskState,
    WorkResult,
)

PLANNERS = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER}


def editor_q(access: Access, prefix: str = "") -> Q:
    """Rows about an entity the user may plan for: the quality office and school leaders everywhere; a unit
    head their unit and the majors, courses and classes in it; a major leader the major; a course leader the
    course; a counsellor the class and its students; a teacher and a student only their own plan."""
    p = prefix
    heads = answered_units(access)
    counselled = access.scoped_ids(CLASS_ROLES, Klass)
    user = access.user.pk
    return (access.institution_q(f"{p}institution", "change", roles=PLANNERS)
            | Q(**{f"{p}unit_id__in": heads})
            | Q(**{f"{p}major_id__in": access.scoped_ids(Role.MAJOR_LEADER, Major)})
            | Q(**{f"{p}major__unit_id__in": heads})
            | Q(**{f"{p}course_id__in": access.scoped_ids(Role.COURSE_LEADER, Course)})
            | Q(**{f"{p}course__unit_id__in": heads})
            | Q(**{f"{p}klass_id__in": counselled}) | Q(**{f"{p}klass__major__unit_id__in": heads})
            | Q(**{f"{p}teacher__user_id": user})
            | Q(**{f"{p}student__user_id": user}) | Q(**{f"{p}student__klass_id__in": counselled}))


def plannable_q(access: Access, level: str) -> Q:
    """The same rule as `editor_q`, read from the entity's own table: the units, majors, courses, teachers or
    classes of `level` the user may plan for (the choices of a new plan's object). Planners' institutions are
    filtered by the caller, which always names one institution."""
    heads = answered_units(access)
    if level == Level.UNIT:
        return Q(pk__in=heads)
    if level == Level.MAJOR:
        return Q(pk__in=access.scoped_ids(Role.MAJOR_LEADER, Major)) | Q(unit_id__in=heads)
    if level == Level.COURSE:
        return Q(pk__in=access.scoped_ids(Role.COURSE_LEADER, Course)) | Q(unit_id__in=heads)
    if level == Level.TEACHER:
        return Q(user_id=access.user.pk)
    if level == Level.CLASS:
        return Q(pk__in=access.scoped_ids(Role.COUNSELLOR, Klass)) | Q(major__unit_id__in=heads)
    if level == Level.STUDENT:
        return Q(user_id=access.user.pk) | Q(klass_id__in=access.scoped_ids(Role.COUNSELLOR, Klass))
    return Q(pk__in=[])


class PlanScoped(EntityOwned):
    """A plan about one entity: seen by those who see the entity's rows (`owner_q`), changed by its planners."""

    class Meta:
        abstract = True

    @classmethod
    def released_q(cls) -> Q:
        """The rows a college has released to the authority and its experts (none unless a kind says so):
        they read a college's institution-level results, never its drafts or what is about one person."""
        return Q(pk__in=[])

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return (access.wide_q("institution") | (access.member_q("institution") & owner_q(access))
                    | (access.authority_q("institution") & cls.released_q()))
        return access.institution_q("institution", VIEW) & editor_q(access)


class Plan(PlanScoped):
    """规划: 总规划, 专项规划, 子规划, 专业/课程建设规划, 教师职业发展规划, 学生发展规划 — one entity's plan over
    a span of years, under a parent plan."""

    kind = models.CharField("规划类别", max_length=20, choices=PlanKind.choices)
    code = models.CharField("编号", max_length=40, blank=True)
    name = models.CharField("规划名称", max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级规划")
    start_year = models.PositiveSmallIntegerField("起始年份")
    end_year = models.PositiveSmallIntegerField("结束年份")
    state = models.CharField("状态", max_length=20, choices=PlanState.choices, default=PlanState.ACTIVE)
    lead_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_plans",
                                  verbose_name="责任部门")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="zhengai_plans", verbose_name="负责人")
    summary = models.TextField("规划概要", blank=True, help_text="现状分析（SWOT）与总体目标")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "规划"
        verbose_name_plural = "规划"
        ordering = ["kind", "start_year", "code", "pk"]
        constraints = [models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")),
                                              name="plan_years_ordered")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def released_q(cls) -> Q:
        """A school plan in force or done (执行中, 已结束) is the college's approved plan; a draft is not."""
        return Q(level=Level.SCHOOL, state__in=[PlanState.ACTIVE, PlanState.CLOSED])


class Goal(InstitutionOwned):
    """目标: what a plan sets out to reach, with its parent goal in the plan above, its owner, and observation
    points with a target per year."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals", verbose_name="所属规划")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children",
                               verbose_name="上级目标")
    code = models.CharField("编号", max_length=40, blank=True)
    title = models.CharField("目标", max_length=300)
    description = models.TextField("说明", blank=True)
    owner_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="责任部门")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="责任人")
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "目标"
        verbose_name_plural = "目标"
        ordering = ["plan", "order", "code", "pk"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Plan, "plan", access, action)


class ObservationPoint(InstitutionOwned):
    """观测点 of a goal (seed 001 表4–5): measured by a QC point — then its actual value is read from the
    measurements of the plan's entity — or reported by hand each year."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="points", verbose_name="目标")
    name = models.CharField("观测点", max_length=200)
    unit_label = models.CharField("单位", max_length=20, blank=True)
    qc_point = models.ForeignKey(QCPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="测量质控点", help_text="选择后，实际值取自该质控点的测量结果")
    higher_is_better = models.BooleanField("越大越好", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "观测点"
        verbose_name_plural = "观测点"
        ordering = ["goal", "order", "pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Plan, "goal__plan", access, action)


class YearTarget(InstitutionOwned):
    """年度目标值 of an observation point; `actual` is typed only when no QC point measures the point."""

    point = models.ForeignKey(ObservationPoint, on_delete=models.CASCADE, related_name="targets",
                              verbose_name="观测点")
    year = models.PositiveSmallIntegerField("年份", help_text="学年的起始年份，如 2025 表示 2025—2026 学年")
    target = models.DecimalField("目标值", max_digits=14, decimal_places=4)
    actual = models.DecimalField("实际值", max_digits=14, decimal_places=4, null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度目标值"
        verbose_name_plural = "年度目标值"
        ordering = ["point", "year"]
        constraints = [models.UniqueConstraint(fields=["point", "year"], name="yeartarget_unique")]

    def __str__(self) -> str:
        return f"{self.point} {self.year}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Plan, "point__goal__plan", access, action)


class KeyTask(InstitutionOwned):
    """年度重点工作任务 (seed 002 表1, seed 003 表5): one of the year's key tasks, decomposed into first-,
    second- and third-level indicators, each with its responsible department and time node."""

    year = models.PositiveSmallIntegerField("年度", help_text="自然年：每年1月分解")
    number = models.PositiveSmallIntegerField("序号")
    name = models.CharField("工作任务", max_length=300)
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="key_tasks",
                             verbose_name="对应规划目标")
    source = models.CharField("任务来源", max_length=20, choices=TaskSource.choices, default=TaskSource.PLAN)
    lead_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="牵头部门")
    deadline = models.DateField("完成时限", null=True, blank=True)
    measures = models.TextField("具体措施及目标", blank=True)
    expected_results = models.TextField("预期成效", blank=True)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name="分管领导")
    leader_name = models.CharField("分管领导姓名", max_length=50, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度重点工作任务"
        verbose_name_plural = "年度重点工作任务"
        ordering = ["year", "number"]
        constraints = [models.UniqueConstraint(fields=["institution", "year", "number"], name="keytask_unique")]

    def __str__(self) -> str:
        return f"{self.year}-{self.number} {self.name}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """Every member sees the school's key tasks; the quality office and school leaders decompose them."""
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return access.institution_q("institution", action, roles=PLANNERS)


class Indicator(InstitutionOwned):
    """一级/二级/三级指标 of a key task: content, category (first level), responsible department, the
    department head (third level) and the time node."""

    key_task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="indicators",
                                 verbose_name="重点工作任务")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
                               verbose_name="上级指标")
    level = models.PositiveSmallIntegerField("级别", validators=[MinValueValidator(1), MaxValueValidator(3)])
    content = models.CharField("工作内容", max_length=500)
    category = models.CharField("指标类别", max_length=50, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name="责任部门")
    head = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name="部门负责人")
    head_name = models.CharField("负责人姓名", max_length=50, blank=True)
    due = models.DateField("时间节点", null=True, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "任务指标"
        verbose_name_plural = "任务指标"
        ordering = ["key_task", "level", "order", "pk"]

    def __str__(self) -> str:
        return self.content

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(KeyTask, "key_task", access, action)


class OnePagePlan(PlanScoped):
    """一页纸工作计划报表 (seed 002 表2–3): one department's, major's, course's, teacher's or class's plan for a
    year — objectives, numbered main tasks, the objective↔task matrix, the 12-month schedule, owners and
    priorities, target dates, costs, summary and forecast."""

    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("工作名称", max_length=200)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name="项目领导")
    leader_name = models.CharField("项目领导姓名", max_length=50, blank=True)
    date = models.DateField("日期", null=True, blank=True)
    objective = models.TextField("项目目标", blank=True)
    summary = models.TextField("概述与预测", blank=True)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="one_page_plans",
                             verbose_name="依据规划")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children",
                               verbose_name="上级一页纸计划")
    status = models.CharField("状态", max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="审核人")
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "一页纸工作计划"
        verbose_name_plural = "一页纸工作计划"
        ordering = ["-year", "level", "entity_key"]
        constraints = [models.UniqueConstraint(fields=["institution", "year", "entity_key"],
                                               name="onepage_one_per_entity_year")]

    def __str__(self) -> str:
        return self.name


class Objective(InstitutionOwned):
    """目标 row of a one-page plan, linked up the chain to a plan goal or to an objective of the plan above."""

    plan = models.ForeignKey(OnePagePlan, on_delete=models.CASCADE, related_name="objectives",
                             verbose_name="一页纸计划")
    number = models.PositiveSmallIntegerField("序号")
    text = models.CharField("目标", max_length=300)
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives",
                             verbose_name="对应规划目标")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children",
                               verbose_name="上级计划的目标")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "计划目标"
        verbose_name_plural = "计划目标"
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="objective_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(OnePagePlan, "plan", access, action)


class PlanTask(InstitutionOwned):
    """主要任务 of a one-page plan — the unit of progress tracking, deadline warnings, the monthly completion
    board and department performance. Key work carries the key-task indicator it carries out."""

    plan = models.ForeignKey(OnePagePlan, on_delete=models.CASCADE, related_name="tasks", verbose_name="一页纸计划")
    number = models.PositiveSmallIntegerField("序号")
    title = models.CharField("主要任务", max_length=300)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="tasks", verbose_name="对应目标")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name="责任部门", help_text="计划所属对象的部门，由系统填写")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="zhengai_plan_tasks", verbose_name="负责人")
    owner_name = models.CharField("负责人姓名", max_length=50, blank=True)
    priority = models.CharField("优先级", max_length=1, choices=Priority.choices, default=Priority.MEDIUM)
    months = models.JSONField("进度计划（月份）", default=list, blank=True, help_text="计划开展工作的月份，1—12")
    start = models.DateField("开始日期", null=True, blank=True)
    due = models.DateField("目标日期", null=True, blank=True)
    kind = models.CharField("属性", max_length=20, choices=TaskKind.choices, default=TaskKind.ROUTINE)
    source = models.CharField("任务来源", max_length=20, choices=TaskSource.choices, default=TaskSource.UNIT)
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks",
                                  verbose_name="对应重点任务指标")
    progress = models.PositiveSmallIntegerField("完成进度（%）", default=0, validators=[MaxValueValidator(100)])
    state = models.CharField("状态", max_length=20, choices=TaskState.choices, default=TaskState.NOT_STARTED)
    completed_on = models.DateField("完成日期", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "计划任务"
        verbose_name_plural = "计划任务"
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plantask_number_unique")]
        indexes = [models.Index(fields=["institution", "state", "due"], name="goals_task_due")]

    def __str__(self) -> str:
        return f"{self.number:02d} {self.title}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """Those who see the plan see its tasks; besides, a task's owner sees and updates it (a teacher may own
        a task of the department's plan without seeing the rest of that plan)."""
        q = through(OnePagePlan, "plan", access, action)
        return q | (access.institution_q("institution", VIEW) & Q(owner_id=access.user.pk))


class Cost(InstitutionOwned):
    """成本 of a one-page plan by budget line (部门一般公用经费、培训经费…), in 万元."""

    plan = models.ForeignKey(OnePagePlan, on_delete=models.CASCADE, related_name="costs", verbose_name="一页纸计划")
    budget_line = models.CharField("预算科目", max_length=100)
    amount = models.DecimalField("预算（万元）", max_digits=12, decimal_places=2)
    spent = models.DecimalField("已支出（万元）", max_digits=12, decimal_places=2, null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "成本"
        verbose_name_plural = "成本"
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return f"{self.budget_line} {self.amount} 万"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(OnePagePlan, "plan", access, action)


class ProgressUpdate(InstitutionOwned):
    """月度进展: a task's progress as reported for one month (one row per task and month; a new report for the
    same month replaces the old one, the audit trail keeps both)."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="updates", verbose_name="任务")
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月", validators=[MinValueValidator(1), MaxValueValidator(12)])
    progress = models.PositiveSmallIntegerField("完成进度（%）", validators=[MaxValueValidator(100)])
    note = models.TextField("进展说明", blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="填报人")
    reported_at = models.DateTimeField("填报时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "月度进展"
        verbose_name_plural = "月度进展"
        ordering = ["task", "year", "month"]
        constraints = [models.UniqueConstraint(fields=["task", "year", "month"], name="progress_one_per_month")]

    def __str__(self) -> str:
        return f"{self.task} {self.year}-{self.month:02d} {self.progress}%"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(PlanTask, "task", access, action)


class TaskRecord(InstitutionOwned):
    """任务自主诊改记录 (seed 000 表3–4, seed 003 表5–6): a task's PDCA record — plan (goal, standard), work items,
    the self-diagnosis opinion (达成度、成绩、存在问题), improvement measures and their effects."""

    task = models.OneToOneField(PlanTask, on_delete=models.CASCADE, related_name="record", verbose_name="任务")
    goal_text = models.TextField("工作目标", blank=True)
    standard_text = models.TextField("工作标准", blank=True)
    opinion = models.TextField("自主诊断意见", blank=True, help_text="达成度、成绩、存在问题")
    measures = models.TextField("改进措施", blank=True)
    effects = models.TextField("改进效果", blank=True, help_text="已观察到的效果；尚未实施的写明“尚未实施”")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="填写人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "任务诊改记录"
        verbose_name_plural = "任务诊改记录"

    def __str__(self) -> str:
        return f"{self.task} 诊改记录"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(PlanTask, "task", access, action)


class RecordItem(InstitutionOwned):
    """工作内容 of a task record: content, executor, record name, result, deadline and the reviewer's opinion."""

    record = models.ForeignKey(TaskRecord, on_delete=models.CASCADE, related_name="items", verbose_name="诊改记录")
    number = models.PositiveSmallIntegerField("序号")
    content = models.CharField("工作内容", max_length=500)
    executor = models.CharField("责任单位/执行人", max_length=100, blank=True)
    record_name = models.CharField("记录（资料）名称", max_length=200, blank=True)
    result = models.CharField("完成情况（成果名称）", max_length=500, blank=True)
    result_state = models.CharField("达标情况", max_length=20, choices=WorkResult.choices,
                                    default=WorkResult.PENDING)
    deadline = models.DateField("完成时限", null=True, blank=True)
    review_opinion = models.CharField("学校核查意见", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="核查人")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "工作内容"
        verbose_name_plural = "工作内容"
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="recorditem_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.content}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(PlanTask, "record__task", access, action)


class Evidence(InstitutionOwned):
    """支撑材料: a file kept with a task record (optionally with one work item). Stored under a generated name
    and always served as a download, never inline, so an uploaded page cannot run in the platform's origin."""

    record = models.ForeignKey(TaskRecord, on_delete=models.CASCADE, related_name="evidence",
                               verbose_name="诊改记录")
    item = models.ForeignKey(RecordItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence",
                             verbose_name="工作内容")
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100)
    sha256 = models.CharField("校验和", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "支撑材料"
        verbose_name_plural = "支撑材料"
        ordering = ["record", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(PlanTask, "record__task", access, action)


class CalendarEvent(InstitutionOwned):
    """年度工作日历 (seed 002 表10, seed 001 §七): a yearly date — January decomposition, March one-page plans,
    June mid-term check, November reports, December internal review — and whom to remind how long before."""

    name = models.CharField("事项", max_length=100)
    month = models.PositiveSmallIntegerField("月", validators=[MinValueValidator(1), MaxValueValidator(12)])
    day = models.PositiveSmallIntegerField("日", validators=[MinValueValidator(1), MaxValueValidator(31)])
    description = models.TextField("工作要求", blank=True)
    remind_days = models.PositiveSmallIntegerField("提前提醒（天）", default=7)
    roles = models.JSONField("提醒角色", default=list, blank=True, help_text="角色代码列表，如 unit_head")
    active = models.BooleanField("有效", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "工作日历"
        verbose_name_plural = "工作日历"
        ordering = ["month", "day", "order"]

    def __str__(self) -> str:
        return f"{self.month}月{self.day}日 {self.name}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class CalendarReminder(models.Model):
    """That a calendar event's reminder went out for a year, so the sweep sends it once."""

    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="reminders")
    year = models.PositiveSmallIntegerField("年")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    recipients = models.PositiveIntegerField("人数", default=0)

    class Meta:
        verbose_name = "日历提醒"
        verbose_name_plural = "日历提醒"
        constraints = [models.UniqueConstraint(fields=["event", "year"], name="reminder_once_a_year")]

    def __str__(self) -> str:
        return f"{self.event} {self.year}"


class PerformanceScheme(InstitutionOwned):
    """绩效考核方案: the weights (summing to 100) of task completion, QC-point attainment and improvements closed
    in a department's yearly score (seed 003 §四(二)1: 将任务完成情况与部门绩效考核相结合)."""

    year = models.PositiveSmallIntegerField("年度")
    task_weight = models.DecimalField("任务完成权重", max_digits=5, decimal_places=2, default=50)
    qc_weight = models.DecimalField("质控点达标权重", max_digits=5, decimal_places=2, default=30)
    improvement_weight = models.DecimalField("整改闭环权重", max_digits=5, decimal_places=2, default=20)
    note = models.TextField("说明", blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "绩效考核方案"
        verbose_name_plural = "绩效考核方案"
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="scheme_one_per_year")]

    def __str__(self) -> str:
        return f"{self.year} 年度绩效考核方案"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW, roles={Role.QUALITY_OFFICE, Role.SCHOOL_LEADER,
                                                                    Role.UNIT_HEAD, Role.SUPERVISOR})
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})

