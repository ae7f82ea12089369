"""Lesson observation (听课): the versioned observation form, observations (draft → filed, corrected by the quality
office), the semester's quotas and the coverage board. Writes are services (atomic, audited); reads are
selectors already restricted to what the user may see."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from zhengai.core import audit
from zhengai.core import text as cleaner
from zhengai.core.choices import INSTITUTION_WIDE_ROLES, AuditAction, Role
from zhengai.core.models import Membership, Period
from zhengai.core.permissions import CHANGE, VIEW, access_for
from zhengai.monitoring import services as monitoring
from zhengai.org.entities import answered_units, unit_heads
from zhengai.org.models import Student, Teacher

from .choices import LessonState, ObservationState, ObserverKind, ReportCategory, ReportState
from .models import (
    OBSERVER_ROLES,
    Enrolment,
    InformationOfficer,
    Lesson,
    LessonReport,
    Observation,
    ObservationForm,
    ObservationIndicator,
    ObservationQuota,
    Offering,
)

MAX_SCORE = 10
FORM_CODE = "observation"

# Typical indicators of a vocational college's 听课评价表; weights add up to 100.
DEFAULT_INDICATORS: list[tuple[str, str, int]] = [
    ("教学准备", "教案、课件、教学资源准备充分，目标明确", 10),
    ("教学内容", "内容正确、重点难点突出，联系岗位与职业标准", 20),
    ("教学方法与手段", "方法得当，理实一体、信息化手段运用恰当", 15),
    ("课堂组织", "按时上下课，课堂秩序良好，时间分配合理", 15),
    ("师生互动", "学生参与度高，提问与反馈及时", 15),
    ("教学效果", "学生掌握本次课目标，学习状态积极", 15),
    ("课程思政", "自然融入职业精神、工匠精神与思政元素", 10),
]
DEFAULT_QUOTAS = {ObserverKind.SUPERVISOR: 16, ObserverKind.UNIT_HEAD: 8, ObserverKind.SCHOOL_LEADER: 4,
                  ObserverKind.TEACHER: 2}


# ---- the form ----------------------------------------------------------------------------------------------------

def current_form(institution: Any) -> ObservationForm:
    """The latest published version of the college's form; the default form is installed on first use, so a
    college can observe lessons before the quality office has looked at the form."""
    form = (ObservationForm.objects.filter(institution=institution, code=FORM_CODE, published=True)
            .order_by("-version").first())
    return form or form_install_default(actor=None, institution=institution)


@transaction.atomic
def form_install_default(*, actor: Any, institution: Any) -> ObservationForm:
    existing = ObservationForm.objects.filter(institution=institution, code=FORM_CODE).order_by("-version").first()
    if existing is not None:
        return existing
    return _publish(actor, institution, 1, "课堂教学听课评价表", DEFAULT_INDICATORS)


def parse_indicators(text: str) -> list[tuple[str, str, int]]:
    """The form's indicators as the quality office types them, one a line: 指标|权重|评价要点. Raises a
    ValidationError listing every problem."""
    rows, errors = [], []
    for n, line in enumerate(filter(None, (x.strip() for x in text.splitlines())), 1):
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) < 2 or not parts[0]:
            errors.append(f"第{n}行应为“指标|权重|评价要点”")
            continue
        try:
            weight = int(parts[1])
        except ValueError:
            errors.append(f"第{n}行的权重“{parts[1]}”不是整数")
            continue
        if weight <= 0:
            errors.append(f"第{n}行的权重应大于0")
        rows.append((parts[0][:60], (parts[2] if len(parts) > 2 else "")[:300], weight))
    if not rows and not errors:
        errors.append("请至少填写一个指标")
    if rows and not errors and sum(w for _, _, w in rows) != 100:
        errors.append(f"各指标权重之和应为100，现在是{sum(w for _, _, w in rows)}")
    if len({name for name, _, _ in rows}) != len(rows):
        errors.append("指标名称不能重复")
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def form_revise(*, actor: Any, institution: Any, name: str, indicators: list[tuple[str, str, int]]
                ) -> ObservationForm:
    """Publish the next version: the published one stays as it was, for the observations scored with it."""
    latest = current_form(institution)
    return _publish(actor, institution, latest.version + 1, name or latest.name, indicators)


def _publish(actor: Any, institution: Any, version: int, name: str, indicators: list[tuple[str, str, int]]
             ) -> ObservationForm:
    form = ObservationForm.objects.create(institution=institution, code=FORM_CODE, name=name, version=version)
    ObservationIndicator.objects.bulk_create(
        ObservationIndicator(form=form, order=i, name=n, description=d, weight=w)
        for i, (n, d, w) in enumerate(indicators, 1))
    audit.record(actor=actor, obj=form, action=AuditAction.CREATE,
                 note="；".join(f"{n}{w}" for n, _, w in indicators))
    return form


# ---- observations ------------------------------------------------------------------------------------------------

def observer_kind(user: Any, institution: Any) -> str | None:
    """In which capacity the user observes (None: they may not observe)."""
    roles = access_for(user).roles(institution.pk)
    return next((str(r) for r in OBSERVER_ROLES if r in roles), None)


def observable_lessons(user: Any, institution: Any) -> QuerySet[Lesson]:
    """The lessons the user may pick to observe: any lesson of their college that takes place, except those
    they teach themselves (listening in is school-wide practice: supervisors and peers go to other units)."""
    if observer_kind(user, institution) is None:
        return Lesson.objects.none()
    own = Offering.teachers.through.objects.filter(teacher__user_id=user.pk).values("offering_id")
    return (Lesson.objects.filter(offering__institution=institution).exclude(state=LessonState.CANCELLED)
            .exclude(offering_id__in=own).select_related("offering", "offering__course", "offering__period"))


def search_lessons(user: Any, institution: Any, *, text: str = "", day: datetime.date | None = None
                   ) -> QuerySet[Lesson]:
    lessons = observable_lessons(user, institution)
    if day is not None:
        lessons = lessons.filter(date=day)
    if text:
        lessons = lessons.filter(
            Q(offering__name__icontains=text) | Q(offering__course__name__icontains=text)
            | Q(offering_id__in=Offering.teachers.through.objects.filter(
                Q(teacher__name__icontains=text) | Q(teacher__code=text)).values("offering_id")))
    return lessons.order_by("date", "first_period", "offering__code")


def observations_for(user: Any, institution: Any) -> QuerySet[Observation]:
    return (Observation.objects.restrict(user, VIEW).filter(institution=institution)
            .select_related("lesson", "lesson__offering", "teacher", "observer", "form"))


def get_observation_for_user(user: Any, institution: Any, pk: int) -> Observation:
    from django.http import Http404

    found = observations_for(user, institution).filter(pk=pk).first()
    if found is None:
        raise Http404("没有找到该听课记录")
    return found


@transaction.atomic
def observation_start(*, actor: Any, institution: Any, lesson: Lesson, teacher: Teacher | None = None
                      ) -> Observation:
    """A draft observation of `lesson` by `actor` on the current form (a draft of the same lesson by the same
    observer is reopened rather than duplicated)."""
    kind = observer_kind(actor, institution)
    if kind is None:
        raise ValidationError("只有督导、校领导、部门负责人和教师可以听课")
    if not observable_lessons(actor, institution).filter(pk=lesson.pk).exists():
        raise ValidationError("不能听这次课（本人授课或课次已停课）")
    teachers = list(lesson.offering.teachers.all())
    if not teachers:
        raise ValidationError("该教学班没有授课教师")
    if teacher is None:
        teacher = teachers[0]
    elif teacher.pk not in {t.pk for t in teachers}:
        raise ValidationError("所选教师不是这次课的授课教师")
    existing = Observation.objects.filter(lesson=lesson, teacher=teacher, observer=actor).first()
    if existing is not None:
        return existing
    observation = Observation.objects.create(institution=institution, lesson=lesson, teacher=teacher,
                                             observer=actor, observer_kind=kind, form=current_form(institution))
    audit.record(actor=actor, obj=observation, action=AuditAction.CREATE)
    return observation


def weighted_total(form: ObservationForm, scores: dict[str, int]) -> Decimal:
    """The total on 100: each indicator's 0–10 score times its weight, over 10, rounded to one decimal."""
    total = sum((Decimal(scores[str(i.pk)]) * i.weight / MAX_SCORE for i in form.indicators.all()), Decimal(0))
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def check_scores(form: ObservationForm, scores: dict[str, Any], *, complete: bool) -> tuple[dict[str, int],
                                                                                            list[str]]:
    """Clean the typed scores; a filed observation needs every indicator scored."""
    clean, errors = {}, []
    for indicator in form.indicators.all():
        raw = scores.get(str(indicator.pk))
        if raw in (None, ""):
            if complete:
                errors.append(f"请为“{indicator.name}”打分")
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors.append(f"“{indicator.name}”的得分应为0–{MAX_SCORE}的整数")
            continue
        if not 0 <= value <= MAX_SCORE:
            errors.append(f"“{indicator.name}”的得分应在0–{MAX_SCORE}之间")
            continue
        clean[str(indicator.pk)] = value
    return clean, errors


def _typed(**values: str) -> dict[str, str]:
    """Text typed into these pages, through the one cleaner every form uses (control and bidi characters
    refused, NFC): the observation and report pages post plain fields, not form classes."""
    out, errors = {}, []
    for name, value in values.items():
        try:
            out[name] = cleaner.clean(value or "").strip()
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def observation_save(*, actor: Any, observation: Observation, scores: dict[str, Any], strengths: str,
                     suggestions: str, file: bool = False) -> Observation:
    """Save the observer's draft, or file it (every indicator scored, a comment written). Filed observations
    are read-only here: corrections go through `observation_correct`."""
    typed = _typed(strengths=strengths, suggestions=suggestions)
    strengths, suggestions = typed["strengths"], typed["suggestions"]
    observation = Observation.objects.select_for_update().get(pk=observation.pk)
    if observation.state != ObservationState.DRAFT:
        raise ValidationError("该听课记录已提交，不能再修改；如需更正请联系质管办")
    if observation.observer_id != actor.pk:
        raise ValidationError("只有听课人本人可以填写听课记录")
    clean, errors = check_scores(observation.form, scores, complete=file)
    if file and not (strengths.strip() or suggestions.strip()):
        errors.append("提交前请填写优点或不足与建议")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(observation)
    observation.scores, observation.strengths, observation.suggestions = clean, strengths.strip(), \
        suggestions.strip()
    observation.total = weighted_total(observation.form, clean) if len(clean) == len(
        observation.form.indicators.all()) else None
    if file:
        observation.state, observation.filed_at = ObservationState.FILED, timezone.now()
    observation.save()
    audit.record(actor=actor, obj=observation, action=AuditAction.UPDATE, before=before,
                 note="提交听课记录" if file else "保存草稿")
    if file and observation.teacher.user_id:
        monitoring.notifications_send(
            institution=observation.institution, user_ids=[observation.teacher.user_id],
            text=f"{actor.name or actor.username}听了您{observation.lesson.date:%m月%d日}的"
                 f"《{observation.lesson.offering.course.name}》，听课评价已提交，总分{observation.total}",
            url=reverse("teaching:observation_detail", args=[observation.pk]))
    return observation


@transaction.atomic
def observation_correct(*, actor: Any, observation: Observation, scores: dict[str, Any], strengths: str,
                        suggestions: str, reason: str) -> Observation:
    """The quality office corrects a filed observation (a wrong score, a typing slip); the reason is audited."""
    typed = _typed(strengths=strengths, suggestions=suggestions, reason=reason)
    strengths, suggestions, reason = typed["strengths"], typed["suggestions"], typed["reason"]
    observation = Observation.objects.select_for_update().get(pk=observation.pk)
    if observation.state != ObservationState.FILED:
        raise ValidationError("草稿由听课人自己修改")
    if not access_for(actor).has_role({Role.QUALITY_OFFICE}, observation.institution_id):
        raise ValidationError("只有质管办可以更正已提交的听课记录")
    clean, errors = check_scores(observation.form, scores, complete=True)
    if not reason.strip():
        errors.append("请填写更正原因")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(observation)
    observation.scores, observation.strengths, observation.suggestions = clean, strengths.strip(), \
        suggestions.strip()
    observation.total = weighted_total(observation.form, clean)
    observation.save()
    audit.record(actor=actor, obj=observation, action=AuditAction.UPDATE, before=before,
                 note=f"更正：{reason.strip()}")
    return observation


# ---- quotas and coverage -----------------------------------------------------------------------------------------

def quotas(institution: Any, period: Period) -> dict[str, int]:
    """Each capacity's quota for the semester: what the quality office set, else the usual numbers."""
    out = {str(k): v for k, v in DEFAULT_QUOTAS.items()}
    out.update(ObservationQuota.objects.filter(institution=institution, period=period).values_list("kind", "count"))
    return out


@transaction.atomic
def quotas_set(*, actor: Any, institution: Any, period: Period, counts: dict[str, int]) -> None:
    if not access_for(actor).has_role({Role.QUALITY_OFFICE}, institution.pk):
        raise ValidationError("只有质管办可以设置听课任务")
    errors = [f"{ObserverKind(k).label}的听课次数应在0–99之间" for k, v in counts.items() if not 0 <= v <= 99]
    if errors:
        raise ValidationError(errors)
    for kind, count in counts.items():
        quota, created = ObservationQuota.objects.get_or_create(institution=institution, period=period, kind=kind,
                                                                defaults={"count": count})
        before = audit.snapshot(quota)
        if not created:
            quota.count = count
            quota.save()
        audit.record(actor=actor, obj=quota, action=AuditAction.CREATE if created else AuditAction.UPDATE,
                     before=None if created else before)


def semesters(institution: Any) -> list[Period]:
    """Semesters with a timetable, newest first."""
    return list(Period.objects.filter(pk__in=Offering.objects.filter(institution=institution).values("period_id"))
                .order_by("-start"))


def board_units(user: Any, institution: Any) -> set[int] | None:
    """The units whose teachers the user may see on the board: all (None) for the institution-wide roles, the
    units they head (and below) for a unit head; an empty set for others."""
    access = access_for(user)
    if access.is_superuser or access.has_role(INSTITUTION_WIDE_ROLES, institution.pk):
        return None
    return answered_units(access)


def coverage(user: Any, institution: Any, period: Period, *, today: datetime.date | None = None
             ) -> dict[str, Any]:
    """The coverage board of a semester: per unit, teachers observed / teachers teaching; the teachers not yet
    observed with their lessons of the coming week; per observer, filed observations against the quota."""
    today = today or timezone.localdate()
    units = board_units(user, institution)
    teaching = Teacher.objects.filter(institution=institution, pk__in=Offering.teachers.through.objects.filter(
        offering__period=period, offering__institution=institution).values("teacher_id"))
    if units is not None:
        teaching = teaching.filter(unit_id__in=units)
    teachers = list(teaching.select_related("unit").order_by("unit__code", "code"))
    filed = Observation.objects.filter(institution=institution, state=ObservationState.FILED,
                                       lesson__offering__period=period)
    observed_counts = dict(filed.values_list("teacher_id").annotate(n=Count("pk")))
    by_unit: dict[Any, dict[str, Any]] = {}
    for teacher in teachers:
        row = by_unit.setdefault(teacher.unit_id, {"unit": teacher.unit, "teaching": 0, "observed": 0})
        row["teaching"] += 1
        row["observed"] += 1 if observed_counts.get(teacher.pk) else 0
    unit_rows = sorted(by_unit.values(), key=lambda r: r["unit"].code if r["unit"] else "")
    for row in unit_rows:
        row["rate"] = round(100 * row["observed"] / row["teaching"]) if row["teaching"] else 0
    missing = [t for t in teachers if not observed_counts.get(t.pk)]
    week = defaultdict(list)
    for lesson in (Lesson.objects.filter(offering__period=period, date__gte=today,
                                         date__lt=today + datetime.timedelta(days=7))
                   .exclude(state=LessonState.CANCELLED)
                   # A subquery, not a join through the teachers: a lesson of two missing teachers comes once.
                   .filter(offering_id__in=Offering.teachers.through.objects.filter(
                       teacher_id__in=[t.pk for t in missing]).values("offering_id"))
                   .select_related("offering").prefetch_related("offering__teachers")
                   .order_by("date", "first_period")):
        for t in lesson.offering.teachers.all():
            week[t.pk].append(lesson)
    quota = quotas(institution, period)
    observers = []
    if units is None:
        for row in (filed.values("observer_id", "observer__name", "observer__username", "observer_kind")
                    .annotate(n=Count("pk")).order_by("observer_kind", "-n")):
            target = quota.get(row["observer_kind"], 0)
            observers.append({"name": row["observer__name"] or row["observer__username"],
                              "kind": ObserverKind(row["observer_kind"]).label, "count": row["n"],
                              "quota": target, "done": row["n"] >= target})
    total_teaching = len(teachers)
    return {"units": unit_rows, "missing": [{"teacher": t, "lessons": week.get(t.pk, [])} for t in missing],
            "observers": observers, "quotas": quota, "teaching": total_teaching,
            "observed": total_teaching - len(missing), "all_units": units is None}


def my_progress(user: Any, institution: Any, period: Period) -> dict[str, Any] | None:
    """The user's own count against their quota (None if they do not observe)."""
    kind = observer_kind(user, institution)
    if kind is None:
        return None
    count = Observation.objects.filter(institution=institution, observer=user, state=ObservationState.FILED,
                                       lesson__offering__period=period).count()
    return {"kind": ObserverKind(kind).label, "count": count, "quota": quotas(institution, period).get(kind, 0)}


# ---- student information officers ----------------------------------------------------------------------------

def officer_of(user: Any, institution: Any) -> InformationOfficer | None:
    """The user's active information-officer record, if they are one."""
    return (InformationOfficer.objects.filter(institution=institution, active=True, student__user_id=user.pk)
            .select_related("student").first())


@transaction.atomic
def officer_designate(*, actor: Any, institution: Any, student_code: str) -> InformationOfficer:
    if not access_for(actor).has_role({Role.QUALITY_OFFICE}, institution.pk):
        raise ValidationError("只有质管办可以指定学生信息员")
    student = Student.objects.filter(institution=institution, code=student_code.strip()).first()
    if student is None:
        raise ValidationError(f"没有学号为“{student_code.strip()}”的学生")
    officer, created = InformationOfficer.objects.get_or_create(institution=institution, student=student,
                                                                defaults={"designated_by": actor})
    if not created and officer.active:
        raise ValidationError(f"{student.name}已是信息员")
    before = None if created else audit.snapshot(officer)
    officer.active, officer.designated_by = True, actor
    officer.save()
    audit.record(actor=actor, obj=officer, action=AuditAction.CREATE if created else AuditAction.RESTORE,
                 before=before)
    return officer


@transaction.atomic
def officer_withdraw(*, actor: Any, officer: InformationOfficer) -> None:
    if not access_for(actor).has_role({Role.QUALITY_OFFICE}, officer.institution_id):
        raise ValidationError("只有质管办可以取消学生信息员")
    before = audit.snapshot(officer)
    officer.active = False
    officer.save()
    audit.record(actor=actor, obj=officer, action=AuditAction.RETIRE, before=before)


def reportable_lessons(student: Student, *, today: datetime.date | None = None, days: int = 14
                       ) -> QuerySet[Lesson]:
    """The lessons an officer may report on: those of their own class or roster in the last `days` days and
    today (a report is about something they saw)."""
    today = today or timezone.localdate()
    offerings = Offering.objects.filter(Q(pk__in=Offering.classes.through.objects.filter(
        klass_id=student.klass_id).values("offering_id")) | Q(pk__in=Enrolment.objects.filter(
            student=student).values("offering_id")), institution_id=student.institution_id)
    return (Lesson.objects.filter(offering__in=offerings, date__lte=today,
                                  date__gte=today - datetime.timedelta(days=days))
            .select_related("offering").order_by("-date", "-first_period"))


@transaction.atomic
def report_create(*, actor: Any, institution: Any, lesson: Lesson | None, category: str, text: str,
                  today: datetime.date | None = None) -> LessonReport:
    officer = officer_of(actor, institution)
    if officer is None:
        raise ValidationError("你不是学生信息员")
    text = _typed(text=text)["text"]
    errors = []
    if lesson is None or not reportable_lessons(officer.student, today=today).filter(pk=lesson.pk).exists():
        errors.append("请选择你所在班级近两周的一次课")
    if category not in ReportCategory.values:
        errors.append("请选择问题类别")
    if not text.strip():
        errors.append("请描述问题")
    if errors:
        raise ValidationError(errors)
    report = LessonReport.objects.create(institution=institution, student=officer.student, lesson=lesson,
                                         category=category, text=text.strip()[:2000])
    audit.record(actor=actor, obj=report, action=AuditAction.CREATE)
    # Routed to the teaching office: the quality office and the head(s) of the course's unit.
    office = set(Membership.objects.filter(institution=institution, role=Role.QUALITY_OFFICE, active=True,
                                           user__is_active=True).values_list("user_id", flat=True))
    unit = lesson.offering.course.unit_id
    heads = unit_heads(institution, [unit]).get(unit, set()) if unit else set()
    monitoring.notifications_send(
        institution=institution, user_ids=office | heads,
        text=f"学生信息员反馈（{report.get_category_display()}）：{lesson.offering.name} {lesson}",
        url=reverse("teaching:report_list"))
    return report


def reports_for(user: Any, institution: Any) -> QuerySet[LessonReport]:
    return (LessonReport.objects.restrict(user, VIEW).filter(institution=institution)
            .select_related("student", "lesson", "lesson__offering", "replied_by"))


@transaction.atomic
def report_reply(*, actor: Any, report: LessonReport, reply: str) -> LessonReport:
    """Record the teaching office's reply and close the report; the officer sees the reply on their page."""
    if not LessonReport.objects.restrict(actor, CHANGE).filter(pk=report.pk).exists():
        raise ValidationError("你不能回复这条反馈")
    reply = _typed(reply=reply)["reply"]
    if not reply.strip():
        raise ValidationError("请填写处理回复")
    before = audit.snapshot(report)
    report.reply, report.replied_by, report.replied_at = reply.strip(), actor, timezone.now()
    report.state = ReportState.CLOSED
    report.save()
    audit.record(actor=actor, obj=report, action=AuditAction.UPDATE, before=before)
    if report.student.user_id:
        monitoring.notifications_send(institution=report.institution, user_ids=[report.student.user_id],
                                      text=f"你反馈的“{report}”已回复", url=reverse("teaching:report_list"))
    return report
