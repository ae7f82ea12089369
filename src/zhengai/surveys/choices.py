from django.db import models


class SurveyState(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "进行中"
    CLOSED = "closed", "已结束"


class Audience(models.TextChoices):
    """Who answers: students log in; graduates and employers open a one-time link (no account)."""

    STUDENTS = "students", "在校学生（登录作答）"
    GRADUATES = "graduates", "毕业生（一次性链接）"
    EMPLOYERS = "employers", "用人单位（一次性链接）"


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    LIKERT = "likert", "量表题（满意度）"
    MATRIX = "matrix", "矩阵量表题"
    TEXT = "text", "填空题"
    NUMBER = "number", "数字题"


class Counts(models.TextChoices):
    """How a scale option counts in satisfaction = satisfied ÷ (satisfied + dissatisfied)."""

    SATISFIED = "satisfied", "计为满意"
    DISSATISFIED = "dissatisfied", "计为不满意"
    EXCLUDED = "", "不计入（如无法评估）"


class Template(models.TextChoices):
    """The questionnaires a service installs as drafts (templates.py)."""

    GRADUATE = "graduate", "毕业生跟踪调查"
    EMPLOYER = "employer", "用人单位满意度调查"
    STUDENT_SATISFACTION = "student_satisfaction", "在校生满意度调查"
    SELF_DIAGNOSIS = "self_diagnosis", "学生自我诊断问卷"
