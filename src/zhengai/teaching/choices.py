from django.db import models


class LessonState(models.TextChoices):
    SCHEDULED = "scheduled", "正常"
    CANCELLED = "cancelled", "停课"
    MAKEUP = "makeup", "补课"


class LeaveState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"


class ObservationState(models.TextChoices):
    DRAFT = "draft", "草稿"
    FILED = "filed", "已提交"


class ObserverKind(models.TextChoices):
    """In which capacity the observer sat in: what the semester's quota counts (督导16、院长8…)."""
    SUPERVISOR = "supervisor", "督导"
    SCHOOL_LEADER = "school_leader", "校领导"
    UNIT_HEAD = "unit_head", "部门负责人"
    TEACHER = "teacher", "同行教师"


class ReportCategory(models.TextChoices):
    LATE = "late", "迟到早退"
    RESCHEDULE = "reschedule", "调停课"
    ORDER = "order", "课堂秩序"
    FACILITY = "facility", "教学设施"
    OTHER = "other", "其他"


class ReportState(models.TextChoices):
    OPEN = "open", "待处理"
    CLOSED = "closed", "已回复"
