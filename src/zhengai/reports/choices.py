from django.db import models


class ReportKind(models.TextChoices):
    """Whose self-diagnosis report (seed 004 附件2 for the school; seed 003 附件4 for the others)."""

    SCHOOL = "school", "学校"
    COLLEGE = "college", "院（部）"
    DEPARTMENT = "department", "职能部门"
    MAJOR = "major", "专业"
    COURSE = "course", "课程"
    TEACHER = "teacher", "教师"


class ReportState(models.TextChoices):
    """Sign-off: reporter → head → (school report) the president. A signed report is frozen."""

    DRAFT = "draft", "编写中"
    SUBMITTED = "submitted", "报告人已签字，待负责人签字"
    HEAD_SIGNED = "head_signed", "负责人已签字，待校长签字"
    SIGNED = "signed", "已签发"
