from django.db import models


class PlanKind(models.TextChoices):
    """规划类别 (seed 003 表4; seed 001 §五(二)): the goal chain from the master plan down to a person."""

    MASTER = "master", "总规划"
    SPECIAL = "special", "专项规划"
    SUB = "sub", "子规划（二级学院）"
    MAJOR = "major", "专业建设规划"
    COURSE = "course", "课程建设规划"
    CAREER = "career", "教师职业发展规划"
    STUDENT = "student", "学生发展规划"


# The level (standards.choices.Level value) each kind of plan belongs to.
PLAN_LEVELS = {
    PlanKind.MASTER: "school",
    PlanKind.SPECIAL: "school",
    PlanKind.SUB: "unit",
    PlanKind.MAJOR: "major",
    PlanKind.COURSE: "course",
    PlanKind.CAREER: "teacher",
    PlanKind.STUDENT: "student",
}


class PlanState(models.TextChoices):
    DRAFT = "draft", "草稿"
    ACTIVE = "active", "执行中"
    CLOSED = "closed", "已结束"


class TaskSource(models.TextChoices):
    """任务来源 (seed 003: 规划目标任务、上级部门年度任务、学校增设任务)."""

    PLAN = "plan", "规划任务"
    AUTHORITY = "authority", "上级下达"
    SCHOOL = "school", "学校增设"
    UNIT = "unit", "部门自定"


class TaskKind(models.TextChoices):
    """属性 in seed 003 部门工作任务完成情况一览表."""

    KEY = "key", "重点工作"
    ROUTINE = "routine", "常规工作"


class TaskState(models.TextChoices):
    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "进行中"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


OPEN_TASK_STATES = [TaskState.NOT_STARTED, TaskState.IN_PROGRESS]


class Priority(models.TextChoices):
    """优先级 of a one-page plan's task."""

    HIGH = "A", "A（高）"
    MEDIUM = "B", "B（中）"
    LOW = "C", "C（低）"


class OnePageLevel(models.TextChoices):
    """Whose one-page plan (seed 002 §三(一)3–4): a department, a major, a course, a teacher, a class."""

    UNIT = "unit", "部门"
    MAJOR = "major", "专业"
    COURSE = "course", "课程"
    TEACHER = "teacher", "教师"
    CLASS = "class", "班级"


class PlanStatus(models.TextChoices):
    """State of a one-page plan: drafted by its owner, submitted, approved by the reviewer above."""

    DRAFT = "draft", "编制中"
    SUBMITTED = "submitted", "已提交"
    APPROVED = "approved", "已审核"


class WorkResult(models.TextChoices):
    """达标情况 of a work item in a task's self-diagnosis record (seed 003 表6)."""

    PENDING = "pending", "未完成"
    MET = "met", "达标"
    PARTLY = "partly", "部分达标"
    NOT_MET = "not_met", "未达标"
