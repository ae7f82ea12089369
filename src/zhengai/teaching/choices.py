from django.db import models


class LessonState(models.TextChoices):
    SCHEDULED = "scheduled", "正常"
    CANCELLED = "cancelled", "停课"
    MAKEUP = "makeup", "补课"
