from django.db import models


class LessonState(models.TextChoices):
    SCHEDULED = "scheduled", "正常"
    CANCELLED = "cancelled", "停课"
    MAKEUP = "makeup", "补课"


class LeaveState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"
