from django.db import models


class Level(models.TextChoices):
    """层面: what a standard set and its QC points measure (the five horizontal levels, plus unit and class)."""

    SCHOOL = "school", "学校"
    UNIT = "unit", "部门（院系）"
    MAJOR = "major", "专业"
    COURSE = "course", "课程"
    TEACHER = "teacher", "教师"
    STUDENT = "student", "学生"
    CLASS = "class", "班级"


class Operator(models.TextChoices):
    """比较方式 of a QC point's value with its lines (the status rule is in monitoring.status)."""

    GE = "ge", "≥"
    LE = "le", "≤"
    GT = "gt", ">"
    LT = "lt", "<"
    EQ = "eq", "="
    BETWEEN = "between", "区间"
    IN = "in", "属于"


class Cycle(models.TextChoices):
    """监测周期."""

    MONTH = "month", "每月"
    SEMESTER = "semester", "每学期"
    ACADEMIC_YEAR = "academic_year", "每学年"
    CALENDAR_YEAR = "calendar_year", "每自然年"
    THREE_YEARS = "three_years", "每三年"


DEFAULT_SOURCE = "默认值，可修改"
