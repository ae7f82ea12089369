"""Surveys (问卷调查): a questionnaire built of sections and questions, answered by students who log in or by
graduates and employers through one-time links, with results per question and per audience group.

Anonymity by construction: a `Response` (答卷) and its `Answer` rows carry no user, student or invitee and no
time; who has answered is a separate `Participation` (参与记录). Only a survey that is not anonymous links a
participation to its response, so for an anonymous survey nothing in the schema leads from an answer to a
person. Responses have random keys, so their order says nothing about who answered when.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import ADMIN_ROLES, MEMBER_ROLES, Role
from zhengai.core.models import InstitutionOwned, Period
from zhengai.core.permissions import VIEW, Access, through
from zhengai.org.models import Klass, Major, Student

from .choices import Audience, QuestionKind, SurveyState, Template

# Staff of the college read surveys and their results; students answer, never read results; the authority's
# roles are not the college's people.
READERS = MEMBER_ROLES - {Role.STUDENT}


class Survey(InstitutionOwned):
    """问卷: drafted, published (its questions then frozen), closed. A copy of any survey is a new draft."""

    title = models.CharField("问卷名称", max_length=200)
    description = models.TextField("说明（显示在问卷开头）", blank=True)
    template = models.CharField("模板", max_length=30, choices=Template.choices, blank=True)
    audience = models.CharField("调查对象", max_length=20, choices=Audience.choices, default=Audience.STUDENTS)
    anonymous = models.BooleanField("匿名", default=True,
                                    help_text="匿名问卷的答卷不与任何人关联，只记录是否已参与")
    period = models.ForeignKey(Period, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="统计学年", help_text="结束后结果写入该学年的状态数据")
    cohorts = models.CharField("年级", max_length=100, blank=True, help_text="如 2023,2024；不填为全部年级")
    majors = models.ManyToManyField(Major, blank=True, related_name="+", verbose_name="专业")
    classes = models.ManyToManyField(Klass, blank=True, related_name="+", verbose_name="班级")
    closes_on = models.DateField("截止日期", null=True, blank=True)
    state = models.CharField("状态", max_length=12, choices=SurveyState.choices, default=SurveyState.DRAFT)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="复制自")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "问卷"
        verbose_name_plural = "问卷"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW, roles=READERS)
        return access.institution_q("institution", action, roles=ADMIN_ROLES)

    @property
    def by_token(self) -> bool:
        return self.audience != Audience.STUDENTS

    @property
    def cohort_list(self) -> list[int]:
        return [int(c) for c in self.cohorts.replace("，", ",").split(",") if c.strip().isdigit()]


class Section(models.Model):
    """问卷分节."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections", verbose_name="问卷")
    title = models.CharField("标题", max_length=200)
    description = models.TextField("说明", blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "问卷分节"
        verbose_name_plural = "问卷分节"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Survey, "survey", access, action)


class Question(models.Model):
    """题目. `options` holds the choices of a single/multiple choice question and the scale of a Likert or
    matrix question: a list of {"label", "score" (scale points, for averages), "counts" (满意/不满意/不计入),
    "tag" (what a template's indicator reads)}; `rows` the rows of a matrix. `key` names a template's question
    so its indicators find it whatever its wording."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions", verbose_name="问卷")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions", verbose_name="分节")
    kind = models.CharField("题型", max_length=12, choices=QuestionKind.choices)
    text = models.CharField("题目", max_length=300)
    help = models.CharField("填写提示", max_length=300, blank=True)
    required = models.BooleanField("必答", default=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    options = models.JSONField("选项", default=list, blank=True)
    rows = models.JSONField("矩阵行", default=list, blank=True)
    key = models.CharField("指标键", max_length=40, blank=True)

    class Meta:
        verbose_name = "题目"
        verbose_name_plural = "题目"
        ordering = ["section__order", "section_id", "order", "pk"]

    def __str__(self) -> str:
        return self.text

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Survey, "survey", access, action)

    @property
    def labels(self) -> list[str]:
        return [o["label"] for o in self.options]

    @property
    def scaled(self) -> bool:
        return self.kind in (QuestionKind.LIKERT, QuestionKind.MATRIX)


class Invitee(models.Model):
    """受邀人: a graduate or an employer invited by a one-time link. The token is random and unguessable,
    answers once, and only for its survey; after the survey closes it no longer opens."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitees", verbose_name="问卷")
    name = models.CharField("姓名或单位", max_length=100)
    contact = models.CharField("联系方式", max_length=100, blank=True)
    major = models.ForeignKey(Major, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="专业")
    cohort = models.PositiveSmallIntegerField("毕业年份", null=True, blank=True)
    token = models.CharField("链接令牌", max_length=64, unique=True)
    invited_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "受邀人"
        verbose_name_plural = "受邀人"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        # The list of invitees is personal data: only those who run the survey (ADMIN_ROLES) see it.
        return through(Survey, "survey", access, "change")


class Response(models.Model):
    """答卷: one submission. No person, no time; `major`, `klass` and `cohort` are the respondent's group, kept
    so results can be read per group (shown only where a group has enough answers)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses", verbose_name="问卷")
    major = models.ForeignKey(Major, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="专业")
    klass = models.ForeignKey(Klass, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="班级")
    cohort = models.PositiveSmallIntegerField("年级", null=True, blank=True)

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"

    def __str__(self) -> str:
        return f"答卷 {str(self.pk)[:8]}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Survey, "survey", access, action)


class Answer(models.Model):
    """一道题的回答: `choice` a chosen option (one row per option of a multiple choice, one per row of a
    matrix, `row` naming it), `number` a number, `text` free text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name="答卷")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers", verbose_name="题目")
    row = models.CharField("矩阵行", max_length=200, blank=True)
    choice = models.CharField("选项", max_length=200, blank=True)
    number = models.DecimalField("数字", max_digits=14, decimal_places=2, null=True, blank=True)
    text = models.TextField("文字", blank=True)

    class Meta:
        verbose_name = "回答"
        verbose_name_plural = "回答"
        indexes = [models.Index(fields=["question", "choice"], name="survey_answer_choice")]

    def __str__(self) -> str:
        return self.choice or self.text[:30] or str(self.number)

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Response, "response", access, action)


class Participation(models.Model):
    """参与记录: who has answered (a student or an invitee) and when — kept apart from the answers. `response`
    is set only for a survey that is not anonymous; for an anonymous one it stays empty, always."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations",
                               verbose_name="问卷")
    student = models.ForeignKey(Student, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                verbose_name="学生")
    invitee = models.OneToOneField(Invitee, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="participation", verbose_name="受邀人")
    response = models.OneToOneField(Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="答卷")
    answered_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "参与记录"
        verbose_name_plural = "参与记录"
        constraints = [
            models.UniqueConstraint(fields=["survey", "student"], condition=Q(student__isnull=False),
                                    name="survey_student_once", violation_error_message="您已提交过该问卷"),
            models.CheckConstraint(condition=Q(student__isnull=True) | Q(invitee__isnull=True),
                                   name="survey_participant_one"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.student_id or self.invitee_id}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(Survey, "survey", access, "change")
