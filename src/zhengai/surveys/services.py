"""Every write of the surveys app: building (drafts only), publishing, closing, copying, installing a template,
inviting by link, submitting answers, reminding. Permission is checked by the views (and by the caller of a
scheduled task); what a survey's state allows is checked here, so no path edits a published survey."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from zhengai.core import audit
from zhengai.core.choices import AuditAction
from zhengai.core.importing import ImportResult
from zhengai.core.services import save_object
from zhengai.monitoring.services import notifications_send
from zhengai.org.models import Major, Student
from zhengai.statedata import models as sd
from zhengai.statedata.choices import ImportSource
from zhengai.statedata.services import table_import

from . import selectors
from .catalogue import TEMPLATES
from .choices import SurveyState, Template
from .models import Answer, Invitee, Participation, Question, Response, Section, Survey

FROZEN = "问卷已发布，题目不能再修改；如需修改，请复制为新的草稿"
INVITEE_LIMIT = 5000


def _draft(survey: Survey) -> None:
    if survey.state != SurveyState.DRAFT:
        raise ValidationError(FROZEN)


# ---- building ----------------------------------------------------------------------------------------

@transaction.atomic
def survey_save(*, actor: Any, institution: Any, data: dict[str, Any], survey: Survey | None = None) -> Survey:
    """Create a draft, or change a draft's settings (a published survey's settings are frozen with it)."""
    if survey is not None:
        _draft(survey)
    obj = survey or Survey(institution=institution, created_by=actor if actor.is_authenticated else None)
    m2m = {k: data.pop(k) for k in ("majors", "classes") if k in data}
    obj, _ = save_object(actor=actor, obj=obj, data=data, m2m=m2m)
    return obj


@transaction.atomic
def section_save(*, actor: Any, survey: Survey, data: dict[str, Any], section: Section | None = None) -> Section:
    _draft(survey)
    obj, _ = save_object(actor=actor, obj=section or Section(survey=survey), data=data)
    return obj


@transaction.atomic
def question_save(*, actor: Any, survey: Survey, data: dict[str, Any], question: Question | None = None) -> Question:
    _draft(survey)
    if data["section"].survey_id != survey.pk:
        raise ValidationError("分节不属于该问卷")
    obj, _ = save_object(actor=actor, obj=question or Question(survey=survey), data=data)
    return obj


@transaction.atomic
def section_delete(*, actor: Any, section: Section) -> None:
    _draft(section.survey)
    audit.record(actor=actor, obj=section, action=AuditAction.DELETE, after={})
    section.delete()


@transaction.atomic
def question_delete(*, actor: Any, question: Question) -> None:
    _draft(question.survey)
    audit.record(actor=actor, obj=question, action=AuditAction.DELETE, after={})
    question.delete()


def _copy_structure(source: dict[str, Any] | Survey, survey: Survey) -> None:
    """Sections and questions from a catalogue entry or from another survey, in their order."""
    if isinstance(source, Survey):
        sections = [{"title": s.title, "description": s.description,
                     "questions": [{"kind": q.kind, "text": q.text, "help": q.help, "required": q.required,
                                    "options": q.options, "rows": q.rows, "key": q.key}
                                   for q in s.questions.order_by("order", "pk")]}
                    for s in source.sections.all()]
    else:
        sections = source["sections"]
    for i, s in enumerate(sections, start=1):
        section = Section.objects.create(survey=survey, title=s["title"], description=s.get("description", ""),
                                         order=i)
        Question.objects.bulk_create([Question(survey=survey, section=section, order=j, **q)
                                      for j, q in enumerate(s["questions"], start=1)])


@transaction.atomic
def template_install(*, actor: Any, institution: Any, key: str) -> Survey:
    """A new draft from one of the built-in questionnaires (catalogue.py)."""
    entry = TEMPLATES[Template(key)]
    survey = Survey.objects.create(institution=institution, title=entry["title"], description=entry["description"],
                                   audience=entry["audience"], anonymous=entry["anonymous"], template=key,
                                   created_by=actor if actor.is_authenticated else None)
    _copy_structure(entry, survey)
    audit.record(actor=actor, obj=survey, action=AuditAction.CREATE, note="由模板创建")
    return survey


@transaction.atomic
def survey_copy(*, actor: Any, survey: Survey) -> Survey:
    """A new draft with the same settings and questions (how a published survey is changed)."""
    copy = Survey.objects.create(
        institution=survey.institution, title=f"{survey.title}（副本）"[:200], description=survey.description,
        template=survey.template, audience=survey.audience, anonymous=survey.anonymous, period=survey.period,
        cohorts=survey.cohorts, closes_on=None, copied_from=survey,
        created_by=actor if actor.is_authenticated else None)
    copy.majors.set(survey.majors.all())
    copy.classes.set(survey.classes.all())
    _copy_structure(survey, copy)
    audit.record(actor=actor, obj=copy, action=AuditAction.CREATE, note=f"复制自问卷 #{survey.pk}")
    return copy


def publish_problems(survey: Survey) -> list[str]:
    problems = []
    questions = list(survey.questions.all())
    if not questions:
        problems.append("问卷还没有题目")
    for q in questions:
        if q.kind in ("single", "multiple", "likert", "matrix") and len(q.options) < 2:
            problems.append(f"题目“{q.text[:30]}”的选项少于两个")
        if q.kind == "matrix" and not q.rows:
            problems.append(f"矩阵题“{q.text[:30]}”没有行")
    if survey.closes_on and survey.closes_on < timezone.localdate():
        problems.append("截止日期已过，请修改截止日期")
    return problems


@transaction.atomic
def survey_publish(*, actor: Any, survey: Survey) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _draft(survey)
    problems = publish_problems(survey)
    if problems:
        raise ValidationError(problems)
    before = {"state": survey.state}
    survey.state, survey.published_at = SurveyState.PUBLISHED, timezone.now()
    survey.save(update_fields=["state", "published_at"])
    audit.record(actor=actor, obj=survey, action=AuditAction.UPDATE, before=before, after={"state": survey.state},
                 note="发布问卷")
    return survey


@transaction.atomic
def survey_close(*, actor: Any, survey: Survey) -> list[sd.ImportRecord]:
    """End the survey: its links stop opening, and its indicators go into the state data of its 统计学年."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.state != SurveyState.PUBLISHED:
        raise ValidationError("只有进行中的问卷可以结束")
    survey.state, survey.closed_at = SurveyState.CLOSED, timezone.now()
    survey.save(update_fields=["state", "closed_at"])
    audit.record(actor=actor, obj=survey, action=AuditAction.UPDATE, before={"state": SurveyState.PUBLISHED},
                 after={"state": survey.state}, note="结束问卷")
    return feed_statedata(actor=actor, survey=survey)


def feed_statedata(*, actor: Any, survey: Survey) -> list[sd.ImportRecord]:
    """The closed survey's figures per major, written through statedata's import service as a file import
    would be (history, audit, the signal that recomputes QC points): only the fields the survey measures, so
    the rest of each row (the employment office's counts) stays as it was.

    Graduate follow-up → A7-6-2 Employment.monthly_income (平均月收入, the mean of employed respondents) and
    A7-6-3 GraduateFeedback.alma_mater_satisfied / expectation_fit / job_satisfied (people);
    employer survey → A7-6-3 GraduateFeedback.satisfied / fair / dissatisfied (用人单位评价, people)."""
    if survey.period_id is None or survey.template not in (Template.GRADUATE, Template.EMPLOYER):
        return []
    per_major = selectors.feed_rows(survey)
    if not per_major:
        return []
    code = survey.period.code
    tables: list[tuple[type[sd.StateRecord], list[dict[str, Any]]]] = []
    if survey.template == Template.GRADUATE:
        tables.append((sd.Employment, [{"period": code, "major": major, "monthly_income": f["income"]}
                                       for major, f in per_major.items() if f["income"] is not None]))
        tables.append((sd.GraduateFeedback, [
            {"period": code, "major": major, "alma_mater_satisfied": f["alma_mater"],
             "expectation_fit": f["fit"], "job_satisfied": f["job_satisfied"]} for major, f in per_major.items()]))
    else:
        tables.append((sd.GraduateFeedback, [
            {"period": code, "major": major, "satisfied": f["ok"], "fair": f["fair"], "dissatisfied": f["bad"]}
            for major, f in per_major.items()]))
    records = []
    for model, rows in tables:
        if rows:
            records.append(table_import(actor=actor, institution=survey.institution, model=model, rows=rows,
                                        filename=survey.title, checksum="", result=ImportResult(),
                                        source=ImportSource.SURVEY, source_name=f"问卷 #{survey.pk}"))
    return records


# ---- invitations ---------------------------------------------------------------------------------------

def new_token() -> str:
    return secrets.token_urlsafe(24)   # 192 random bits: unguessable


@transaction.atomic
def invitees_add(*, actor: Any, survey: Survey, rows: Iterable[dict[str, Any]]) -> list[Invitee]:
    """One link per invitee (rows already checked: name, contact, major, cohort)."""
    if not survey.by_token:
        raise ValidationError("面向在校学生的问卷由学生登录作答，不需要生成链接")
    if survey.state == SurveyState.CLOSED:
        raise ValidationError("问卷已结束，不能再邀请")
    rows = list(rows)
    if survey.invitees.count() + len(rows) > INVITEE_LIMIT:
        raise ValidationError(f"一份问卷最多邀请{INVITEE_LIMIT}人")
    made = Invitee.objects.bulk_create([Invitee(survey=survey, token=new_token(), **row) for row in rows])
    audit.record(actor=actor, obj=survey, action=AuditAction.UPDATE, before={}, after={"受邀人": f"新增{len(made)}人"},
                 note="生成作答链接")
    return made


def invitee_rows(institution: Any, lines: list[list[str]], *, first: int = 1,
                 where: str = "第") -> tuple[list[dict[str, Any]], list[str]]:
    """Typed or uploaded rows (name, contact, major code, graduation year) checked one by one: the good rows
    and, for the others, the row number and what is wrong. Untrusted text goes through the one cleaner."""
    from zhengai.core import text as cleaner

    majors = {m.code: m for m in Major.objects.filter(institution=institution)}
    good, errors = [], []
    for number, cells in enumerate(lines, start=first):
        cells = [(c or "").strip() for c in cells] + ["", "", "", ""]
        if not any(cells):
            continue
        name, contact, major_code, cohort = cells[:4]
        problems = []
        try:
            name, contact = cleaner.clean(name)[:100], cleaner.clean(contact)[:100]
        except ValueError as exc:
            problems.append(str(exc))
        if not name:
            problems.append("缺少姓名或单位名称")
        major = majors.get(major_code) if major_code else None
        if major_code and major is None:
            problems.append(f"没有专业代码 {cleaner.shown(major_code)[:30]}")
        year = None
        if cohort:
            if not cohort.isdigit() or not 1990 <= int(cohort) <= 2100:
                problems.append("毕业年份应为四位年份")
            else:
                year = int(cohort)
        if problems:
            errors.append(f"{where}{number}行：{'；'.join(problems)}")
        else:
            good.append({"name": name, "contact": contact, "major": major, "cohort": year})
    return good, errors


# ---- answering -----------------------------------------------------------------------------------------

class AlreadyAnswered(ValidationError):
    pass


@transaction.atomic
def response_submit(*, survey: Survey, answers: list[dict[str, Any]], student: Student | None = None,
                    invitee: Invitee | None = None) -> Response:
    """Store one checked submission and mark its respondent as having answered, in one transaction. A second
    submission by the same student or link is refused (a database constraint backs the check). The response
    carries the respondent's group, never the respondent; only a survey that is not anonymous links the
    participation record to it."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.state != SurveyState.PUBLISHED or (survey.closes_on and survey.closes_on < timezone.localdate()):
        raise ValidationError("问卷已结束，不能再提交")
    if (student is None) == (invitee is None):
        raise ValueError("a response comes from one student or one invitee")
    if student is not None:
        if not selectors.eligible_students(survey).filter(pk=student.pk).exists():
            raise ValidationError("该问卷不面向您")
        done = Participation.objects.filter(survey=survey, student=student).exists()
        group = {"major_id": student.major_id, "klass_id": student.klass_id, "cohort": student.cohort}
    else:
        if invitee.survey_id != survey.pk:
            raise ValidationError("链接无效")
        done = Participation.objects.filter(invitee=invitee).exists()
        group = {"major_id": invitee.major_id, "klass_id": None, "cohort": invitee.cohort}
    if done:
        raise AlreadyAnswered("您已提交过该问卷，每人只能提交一次")
    response = Response.objects.create(survey=survey, **group)
    Answer.objects.bulk_create([Answer(response=response, question=a["question"], row=a.get("row", ""),
                                       choice=a.get("choice", ""), number=a.get("number"), text=a.get("text", ""))
                                for a in answers])
    try:
        with transaction.atomic():
            Participation.objects.create(survey=survey, student=student, invitee=invitee,
                                         response=None if survey.anonymous else response)
    except IntegrityError as exc:
        raise AlreadyAnswered("您已提交过该问卷，每人只能提交一次") from exc
    return response


# ---- reminders -----------------------------------------------------------------------------------------

def reminders_send(*, actor: Any, survey: Survey) -> int:
    """Notify every eligible student with an account who has not answered; for link invitees the page lists
    the unanswered links to send again. Returns how many students were reminded."""
    if survey.state != SurveyState.PUBLISHED or survey.by_token:
        return 0
    users = list(selectors.unanswered_students(survey).exclude(user__isnull=True).values_list("user_id", flat=True))
    due = f"，请于{survey.closes_on:%Y-%m-%d}前完成" if survey.closes_on else ""
    sent = notifications_send(institution=survey.institution, user_ids=users,
                              text=f"问卷“{survey.title}”等待您填写{due}。", url=reverse("surveys:my"))
    audit.record(actor=actor, obj=survey, action=AuditAction.UPDATE, before={}, after={"提醒": f"{sent}人"},
                 note="提醒未填写的学生")
    return sent


def reminders_due(*, today: Any = None, days: int = 3) -> int:
    """For a scheduled task: remind, once a day, the students of every open survey that closes within `days`."""
    today = today or timezone.localdate()
    total = 0
    for survey in Survey.objects.filter(state=SurveyState.PUBLISHED, closes_on__gte=today,
                                        closes_on__lte=today + datetime.timedelta(days=days)):
        total += reminders_send(actor=None, survey=survey)
    return total
