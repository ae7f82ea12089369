from django.db import models


class InstrumentKind(models.TextChoices):
    """评教: students evaluate each teacher of each offering; 评学: teachers evaluate each class they teach."""

    TEACHING = "teaching", "评教"
    LEARNING = "learning", "评学"


class ItemKind(models.TextChoices):
    RATING = "rating", "评分"
    TEXT = "text", "文字意见"


class TextReview(models.TextChoices):
    """A free-text answer is shown to nobody until the quality office has decided on it."""

    UNDECIDED = "undecided", "待审核"
    PUBLIC = "public", "公开"
    PRIVATE = "private", "仅教师本人可见"
    HIDDEN = "hidden", "不予公开"


# The usual five-grade scale of vocational colleges: each grade earns this share of the item's weight.
DEFAULT_SCALE = [
    {"label": "优秀", "score": 95},
    {"label": "良好", "score": 85},
    {"label": "中等", "score": 75},
    {"label": "及格", "score": 65},
    {"label": "差", "score": 50},
]

# Never below these: a result shown for fewer voters, or a smaller share of those asked, could be traced back
# to a person (the project's k ≥ 5 rule; 20 % is the usual floor for averages).
MIN_VOTERS = 5
MIN_SHARE = 20
