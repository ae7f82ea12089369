from django.db import models

# The levels live with the entity kernel in org; re-exported for the modules that import them from here.
from zhengai.org.choices import Level  # noqa: F401


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
