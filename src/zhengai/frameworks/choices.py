from django.db import models


class TextLabel(models.TextChoices):
    """What a table's text column is: the Hubei/Wuhan table states quality requirements, the Beijing
    table asks reference questions about influencing factors (影响因素参考提示)."""

    REQUIREMENT = "质量要求", "质量要求"
    REFERENCE = "影响因素参考提示", "影响因素参考提示"


class Applicability(models.TextChoices):
    """适用标记 of a diagnosis point (seed 003 附件1 note 3); `Institution.applies` interprets it."""

    ALL = "", "全部院校"
    NOT_NEW = "*", "* 新建院校不适用"
    DEMONSTRATION = "**", "** 仅省级及以上示范（骨干）院校"


# The four levels of a table, with the Chinese names the importer and the pages use.
LEVELS = (
    ("projects", "诊断项目"),
    ("elements", "诊断要素"),
    ("points", "诊断点"),
    ("tasks", "诊改任务"),
)
