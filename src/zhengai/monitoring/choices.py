from django.db import models


class Status(models.TextChoices):
    """测量状态."""

    PASS = "pass", "达标"
    WARNING = "warning", "预警"
    FAIL = "fail", "不达标"
    NO_DATA = "no_data", "无数据"
    # A rate (unit %) above 100 % cannot be true (就业数 greater than 毕业生数): the figure is the data's fault,
    # not the entity's. Never 达标, never counted in 达标率 or performance; the data steward is told.
    DATA_ERROR = "data_error", "数据异常"


class Severity(models.TextChoices):
    """预警级别: 预警 → 一般, 不达标 → 严重."""

    NORMAL = "normal", "一般"
    SERIOUS = "serious", "严重"


class WarningKind(models.TextChoices):
    """预警类型: a QC point beyond its line, or a task falling behind (countdown) or past its date (overdue)."""

    QC_POINT = "qc_point", "质控点预警"
    TASK_COUNTDOWN = "task_countdown", "任务临期预警"
    TASK_OVERDUE = "task_overdue", "任务逾期预警"
    DATA_QUALITY = "data_quality", "数据质量预警"
    ABSENCE = "absence", "缺勤预警"  # a student past the absence line of a course (raised by teaching)


class WarningState(models.TextChoices):
    OPEN = "open", "待处理"
    ACKNOWLEDGED = "acknowledged", "已确认"
    IMPROVING = "improving", "整改中"
    RESOLVED = "resolved", "已解除"
    CLOSED = "closed", "已关闭"


OPEN_STATES = [WarningState.OPEN, WarningState.ACKNOWLEDGED, WarningState.IMPROVING]
# Allowed hand transitions (resolution by data is the recompute's, not a person's).
TRANSITIONS = {
    WarningState.OPEN: {WarningState.ACKNOWLEDGED, WarningState.IMPROVING, WarningState.CLOSED},
    WarningState.ACKNOWLEDGED: {WarningState.IMPROVING, WarningState.CLOSED},
    WarningState.IMPROVING: {WarningState.CLOSED},
}
