"""Thin views of lesson observation (听课): the list, picking a lesson, the scoring page (phone-friendly), the
read-only record, the observation form's versions, the coverage board with its export; and the student
information officers' lesson reports (教学信息反馈)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from zhengai.core import audit
from zhengai.core.choices import INSTITUTION_WIDE_ROLES, Role
from zhengai.core.generic import xlsx_response
from zhengai.core.permissions import access_for, institution_for, require_role
from zhengai.core.spreadsheets import workbook_bytes, write_sheet

from . import observations as obs
from .choices import ObservationState, ObserverKind, ReportCategory, ReportState
from .models import InformationOfficer, Observation

BOARD_ROLES = INSTITUTION_WIDE_ROLES | {Role.UNIT_HEAD}


def _period(request: HttpRequest, institution: Any) -> tuple[list, Any]:
    periods = obs.semesters(institution)
    chosen = next((p for p in periods if str(p.pk) == request.GET.get("period")), None)
    if chosen is None:
        today = timezone.localdate()
        chosen = next((p for p in periods if p.start <= today <= p.end), periods[0] if periods else None)
    return periods, chosen


@login_required
def observation_list(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request)
    records = obs.observations_for(request.user, institution)
    text = request.GET.get("q", "").strip()
    if text:
        records = records.filter(Q(teacher__name__icontains=text) | Q(lesson__offering__name__icontains=text)
                                 | Q(observer__name__icontains=text))
    page = Paginator(records.order_by("-lesson__date", "-pk"), 30).get_page(request.GET.get("page"))
    periods, period = _period(request, institution)
    return render(request, "teaching/observation_list.html", {
        "page": page, "q": text, "can_observe": obs.observer_kind(request.user, institution) is not None,
        "progress": obs.my_progress(request.user, institution, period) if period else None, "period": period,
        "is_quality": access_for(request.user).has_role({Role.QUALITY_OFFICE}, institution.pk)})


@login_required
def observation_pick(request: HttpRequest) -> HttpResponse:
    """Pick a lesson: today's by default, or found by teacher, course or date."""
    institution = institution_for(request)
    if obs.observer_kind(request.user, institution) is None:
        raise PermissionDenied("只有督导、校领导、部门负责人和教师可以听课")
    text = request.GET.get("q", "").strip()
    try:
        day = datetime.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else None
    except ValueError:
        day = None
    if day is None and not text:
        day = timezone.localdate()
    lessons = obs.search_lessons(request.user, institution, text=text, day=day).prefetch_related(
        "offering__teachers")
    page = Paginator(lessons, 20).get_page(request.GET.get("page"))
    return render(request, "teaching/observation_pick.html", {"page": page, "q": text, "day": day})


@login_required
@require_POST
def observation_start(request: HttpRequest, lesson_pk: int) -> HttpResponse:
    institution = institution_for(request)
    lesson = obs.observable_lessons(request.user, institution).filter(pk=lesson_pk).first()
    if lesson is None:
        raise Http404("没有找到该课次")
    teacher = lesson.offering.teachers.filter(pk=request.POST.get("teacher") or 0).first()
    try:
        record = obs.observation_start(actor=request.user, institution=institution, lesson=lesson, teacher=teacher)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return HttpResponseRedirect(reverse("teaching:observation_pick"))
    return HttpResponseRedirect(reverse("teaching:observation_edit", args=[record.pk]))


def _rows(record: Observation, typed: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"indicator": i, "value": typed.get(str(i.pk), ""), "choices": range(obs.MAX_SCORE, -1, -1)}
            for i in record.form.indicators.all()]


@login_required
def observation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The observer fills their draft; the quality office corrects a filed record (with a reason)."""
    institution = institution_for(request)
    record = obs.get_observation_for_user(request.user, institution, pk)
    correcting = record.state == ObservationState.FILED
    if correcting and not access_for(request.user).has_role({Role.QUALITY_OFFICE}, institution.pk):
        return HttpResponseRedirect(reverse("teaching:observation_detail", args=[record.pk]))
    if not correcting and record.observer_id != request.user.pk:
        raise PermissionDenied("只有听课人本人可以填写听课记录")
    errors: list[str] = []
    typed: dict[str, Any] = dict(record.scores)
    strengths, suggestions, reason = record.strengths, record.suggestions, ""
    if request.method == "POST":
        typed = {str(i.pk): request.POST.get(f"i{i.pk}", "") for i in record.form.indicators.all()}
        strengths, suggestions = request.POST.get("strengths", ""), request.POST.get("suggestions", "")
        reason = request.POST.get("reason", "")
        filing = request.POST.get("action") == "file"
        try:
            if correcting:
                obs.observation_correct(actor=request.user, observation=record, scores=typed, strengths=strengths,
                                        suggestions=suggestions, reason=reason)
                messages.success(request, "已更正听课记录")
            else:
                obs.observation_save(actor=request.user, observation=record, scores=typed, strengths=strengths,
                                     suggestions=suggestions, file=filing)
                messages.success(request, "听课记录已提交，授课教师会收到通知" if filing else "草稿已保存")
        except ValidationError as exc:
            errors = exc.messages
        else:
            target = "teaching:observation_detail" if correcting or filing else "teaching:observation_edit"
            return HttpResponseRedirect(reverse(target, args=[record.pk]))
    return render(request, "teaching/observation_edit.html", {
        "record": record, "rows": _rows(record, typed), "strengths": strengths, "suggestions": suggestions,
        "reason": reason, "errors": errors, "correcting": correcting}, status=400 if errors else 200)


@login_required
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request)
    record = obs.get_observation_for_user(request.user, institution, pk)
    rows = [{"indicator": i, "score": record.scores.get(str(i.pk))} for i in record.form.indicators.all()]
    return render(request, "teaching/observation_detail.html", {
        "record": record, "rows": rows,
        "can_edit": record.state == ObservationState.DRAFT and record.observer_id == request.user.pk,
        "can_correct": record.state == ObservationState.FILED
        and access_for(request.user).has_role({Role.QUALITY_OFFICE}, institution.pk)})


@login_required
def observation_forms(request: HttpRequest) -> HttpResponse:
    """The form's versions; the quality office publishes the next one (the current one is never changed)."""
    institution = institution_for(request)
    current = obs.current_form(institution)
    is_quality = access_for(request.user).has_role({Role.QUALITY_OFFICE}, institution.pk)
    errors: list[str] = []
    name = current.name
    text = "\n".join(f"{i.name}|{i.weight}|{i.description}" for i in current.indicators.all())
    if request.method == "POST":
        require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
        name, text = request.POST.get("name", "").strip(), request.POST.get("indicators", "")
        try:
            form = obs.form_revise(actor=request.user, institution=institution, name=name,
                                   indicators=obs.parse_indicators(text))
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"已发布{form}；已提交的听课记录仍按原版本显示")
            return HttpResponseRedirect(reverse("teaching:observation_forms"))
    versions = (obs.ObservationForm.objects.restrict(request.user).filter(institution=institution)
                .prefetch_related("indicators"))
    return render(request, "teaching/observation_forms.html", {
        "current": current, "versions": versions, "is_quality": is_quality, "errors": errors, "name": name,
        "text": text}, status=400 if errors else 200)


@login_required
def observation_board(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request, BOARD_ROLES)
    periods, period = _period(request, institution)
    is_quality = access_for(request.user).has_role({Role.QUALITY_OFFICE}, institution.pk)
    errors: list[str] = []
    if request.method == "POST" and period is not None:
        counts, errors = {}, []
        for kind in ObserverKind:
            raw = request.POST.get(f"quota_{kind.value}", "")
            try:
                counts[kind.value] = int(raw)
            except ValueError:
                errors.append(f"{kind.label}的听课次数“{raw}”不是整数")
        if not errors:
            try:
                obs.quotas_set(actor=request.user, institution=institution, period=period, counts=counts)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, "已保存本学期听课任务")
                return HttpResponseRedirect(f"{reverse('teaching:observation_board')}?period={period.pk}")
    board = obs.coverage(request.user, institution, period) if period else None
    # After an error the form shows what was typed, not the stored numbers.
    kinds = [{"value": k.value, "label": k.label,
              "count": request.POST.get(f"quota_{k.value}", "") if errors
              else (board["quotas"] if board else {}).get(k.value, 0)} for k in ObserverKind]
    return render(request, "teaching/observation_board.html", {
        "periods": periods, "period": period, "board": board, "is_quality": is_quality, "errors": errors,
        "kinds": kinds}, status=400 if errors else 200)


@login_required
def observation_board_export(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request, BOARD_ROLES)
    periods, period = _period(request, institution)
    if period is None:
        raise Http404("还没有学期课表")
    board = obs.coverage(request.user, institution, period)
    book = Workbook()
    write_sheet(book, "各部门覆盖", ["部门", "授课教师数", "已被听课", "覆盖率（%）"],
                ([r["unit"].name if r["unit"] else "未指定部门", r["teaching"], r["observed"], r["rate"]]
                 for r in board["units"]), first=True, caption=f"{period}听课覆盖情况")
    write_sheet(book, "未被听课教师", ["工号", "姓名", "部门", "未来一周的课"],
                ([m["teacher"].code, m["teacher"].name, m["teacher"].unit.name if m["teacher"].unit else "",
                  "；".join(f"{lesson.date:%m-%d} 第{lesson.first_period}-{lesson.last_period}节 "
                           f"{lesson.offering.name}" for lesson in m["lessons"])] for m in board["missing"]))
    if board["all_units"]:
        write_sheet(book, "听课任务完成", ["听课人", "身份", "已听课", "任务"],
                    ([o["name"], o["kind"], o["count"], o["quota"]] for o in board["observers"]))
    audit.record_export(actor=request.user, institution=institution, what=f"{period}听课覆盖情况",
                        subject=Observation, count=len(board["missing"]))
    return xlsx_response(workbook_bytes(book), f"{period}听课覆盖情况.xlsx")


# ---- student information officers and their reports -------------------------------------------------------------

REPORT_OFFICE = {Role.QUALITY_OFFICE, Role.UNIT_HEAD}


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """An officer reports and reads the replies; the quality office and unit heads read, reply and close. A
    student who is not an officer sees why the page is empty (the menu cannot tell officers apart)."""
    institution = institution_for(request)
    access = access_for(request.user)
    officer = obs.officer_of(request.user, institution)
    office = access.is_superuser or access.has_role(REPORT_OFFICE, institution.pk)
    if officer is None and not office and not access.has_role({Role.STUDENT}, institution.pk):
        raise PermissionDenied("教学信息反馈由学生信息员提交、质管办和部门负责人处理")
    errors: list[str] = []
    typed = {"lesson": "", "category": "", "text": ""}
    lessons = list(obs.reportable_lessons(officer.student)) if officer else []
    if request.method == "POST" and officer is not None:
        typed = {k: request.POST.get(k, "") for k in typed}
        lesson = next((x for x in lessons if str(x.pk) == typed["lesson"]), None)
        try:
            obs.report_create(actor=request.user, institution=institution, lesson=lesson,
                              category=typed["category"], text=typed["text"])
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, "反馈已提交，教学管理部门处理后你会收到回复")
            return HttpResponseRedirect(reverse("teaching:report_list"))
    reports = obs.reports_for(request.user, institution)
    state = request.GET.get("state", "open" if office else "")
    if state in ReportState.values:
        reports = reports.filter(state=state)
    page = Paginator(reports.order_by("state", "-created_at"), 30).get_page(request.GET.get("page"))
    return render(request, "teaching/report_list.html", {
        "officer": officer, "office": office, "page": page, "lessons": lessons, "typed": typed, "errors": errors,
        "categories": ReportCategory.choices, "state": state, "states": ReportState.choices,
        "is_quality": access.has_role({Role.QUALITY_OFFICE}, institution.pk)}, status=400 if errors else 200)


@login_required
@require_POST
def report_reply(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request)
    report = obs.reports_for(request.user, institution).filter(pk=pk).first()
    if report is None:
        raise Http404("没有找到该反馈")
    try:
        obs.report_reply(actor=request.user, report=report, reply=request.POST.get("reply", ""))
        messages.success(request, f"已回复并关闭：{report}")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return HttpResponseRedirect(reverse("teaching:report_list"))


@login_required
def officer_list(request: HttpRequest) -> HttpResponse:
    """The quality office designates and withdraws information officers (by student number)."""
    institution = institution_for(request, {Role.QUALITY_OFFICE})
    errors: list[str] = []
    code = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            if request.POST.get("withdraw"):
                officer = InformationOfficer.objects.filter(institution=institution,
                                                            pk=request.POST["withdraw"]).first()
                if officer is None:
                    raise Http404("没有找到该信息员")
                obs.officer_withdraw(actor=request.user, officer=officer)
                messages.success(request, f"已取消信息员：{officer.student.name}")
            else:
                officer = obs.officer_designate(actor=request.user, institution=institution, student_code=code)
                messages.success(request, f"已指定信息员：{officer.student.name}")
        except ValidationError as exc:
            errors = exc.messages
        else:
            return HttpResponseRedirect(reverse("teaching:officer_list"))
    officers = (InformationOfficer.objects.filter(institution=institution, active=True)
                .select_related("student", "student__klass"))
    page = Paginator(officers, 50).get_page(request.GET.get("page"))
    return render(request, "teaching/officer_list.html", {"page": page, "errors": errors, "code": code},
                  status=400 if errors else 200)


def urlpatterns_() -> list:
    return [
        path("observations/", observation_list, name="observation_list"),
        path("observations/pick/", observation_pick, name="observation_pick"),
        path("observations/start/<int:lesson_pk>/", observation_start, name="observation_start"),
        path("observations/<int:pk>/", observation_detail, name="observation_detail"),
        path("observations/<int:pk>/edit/", observation_edit, name="observation_edit"),
        path("observations/forms/", observation_forms, name="observation_forms"),
        path("observations/board/", observation_board, name="observation_board"),
        path("observations/board/export/", observation_board_export, name="observation_board_export"),
        path("reports/", report_list, name="report_list"),
        path("reports/<int:pk>/reply/", report_reply, name="report_reply"),
        path("reports/officers/", officer_list, name="officer_list"),
    ]
