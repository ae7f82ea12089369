"""Thin views of the teaching app: the offering list, detail and imports (staff), today's lessons and the roll
call (teachers, on a phone), and the attendance a student or a class's counsellor reads."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhengai.core.choices import ADMIN_ROLES
from zhengai.core.generic import ExportView, ImportView, ObjectListView, ObjectViews, TemplateView
from zhengai.core.permissions import CHANGE, can, institution_for
from zhengai.statedata.choices import AttendanceStatus

from . import selectors, services
from .forms import CancelForm, LeaveForm, MakeupForm
from .importers import RosterImporter, TimetableImporter
from .models import ROLL_CALL, Offering
from .tables import OfferingFilter, OfferingTable


class OfferingViews(ObjectViews):
    model, name, path, namespace = Offering, "offering", "offerings", "teaching"
    table, filterset, importer = OfferingTable, OfferingFilter, TimetableImporter
    list_order = ["-period__start", "code"]
    select_related = ["period", "course"]
    prefetch_related = ["teachers"]
    add_roles = ADMIN_ROLES
    list_template = "teaching/offering_list.html"

    @classmethod
    def context(cls, request: HttpRequest) -> dict[str, Any]:
        # No add or edit pages: offerings come from the timetable import.
        return {"views": cls, "verbose_name": "课表", "verbose_name_plural": "开课与课表",
                "can_add": cls.can_add(request), "has_import": True,
                "list_url": reverse("teaching:offering_list"), "add_url": "",
                "import_url": reverse("teaching:offering_import"),
                "template_url": reverse("teaching:offering_template"),
                "export_url": reverse("teaching:offering_export"),
                "roster_import_url": reverse("teaching:roster_import")}


class RosterViews(OfferingViews):
    importer = RosterImporter

    @classmethod
    def context(cls, request: HttpRequest) -> dict[str, Any]:
        context = super().context(request)
        context.update({"verbose_name": "选课名单", "verbose_name_plural": "选课名单",
                        "import_url": reverse("teaching:roster_import"),
                        "template_url": reverse("teaching:roster_template"),
                        "export_url": reverse("teaching:roster_template")})
        return context


def _day(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


# ---- offering detail, cancel, make-up --------------------------------------------------------------------------

@login_required
def offering_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request)
    offering = selectors.get_offering_for_user(request.user, institution, pk)
    lessons = Paginator(offering.lessons.select_related("replaces").order_by("date", "first_period"), 40)
    page = lessons.get_page(request.GET.get("page"))
    return render(request, "teaching/offering_detail.html", {
        "offering": offering, "slots": offering.slots.order_by("weekday", "first_period"),
        "teachers": offering.teachers.all(), "classes": offering.classes.all(), "page": page,
        "roster_count": offering.enrolments.count(), "summary": selectors.offering_summary(offering),
        "counts": selectors.lesson_counts(offering), "can_change": can(request.user, offering, CHANGE),
        "can_call": Offering.objects.restrict(request.user, ROLL_CALL).filter(pk=offering.pk).exists(),
        "makeup_form": MakeupForm(offering=offering), "today": timezone.localdate(),
        "columns": selectors.STATUS_COLUMNS})


@login_required
@require_POST
def lesson_cancel(request: HttpRequest, pk: int, lesson_pk: int) -> HttpResponse:
    institution = institution_for(request)
    offering = selectors.get_offering_for_user(request.user, institution, pk, CHANGE)
    lesson = offering.lessons.filter(pk=lesson_pk).first()
    if lesson is None:
        raise Http404("没有找到该课次")
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写停课原因")
    else:
        try:
            services.lesson_cancel(actor=request.user, lesson=lesson, reason=form.cleaned_data["reason"])
            messages.success(request, f"已停课：{lesson}")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return HttpResponseRedirect(reverse("teaching:offering_detail", args=[offering.pk]))


@login_required
def lesson_makeup(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request)
    offering = selectors.get_offering_for_user(request.user, institution, pk, CHANGE)
    form = MakeupForm(request.POST or None, offering=offering)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lesson = services.lesson_makeup(actor=request.user, offering=offering, date=data["date"],
                                            first_period=data["first_period"], last_period=data["last_period"],
                                            room=data["room"], replaces=data["replaces"], note=data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已添加补课：{lesson}")
            return HttpResponseRedirect(reverse("teaching:offering_detail", args=[offering.pk]))
    return render(request, "teaching/makeup.html", {"offering": offering, "form": form},
                  status=400 if request.method == "POST" else 200)


# ---- today's lessons and the roll call ---------------------------------------------------------------------------

@login_required
def today(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request)
    day = _day(request.GET.get("date"))
    lessons = selectors.lessons_to_call(request.user, institution, day)
    return render(request, "teaching/today.html", {
        "day": day, "lessons": lessons, "is_today": day == timezone.localdate(),
        "previous": day - datetime.timedelta(days=1), "next": day + datetime.timedelta(days=1)})


ROLL_CHOICES = [(s.value, s.label) for s in AttendanceStatus]


@login_required
def roll_call(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request)
    lesson = selectors.get_lesson_for_user(request.user, institution, pk, ROLL_CALL)
    error = ""
    if request.method == "POST":
        roster = selectors.roster_with_status(lesson)
        allowed = {str(v) for v, _ in ROLL_CHOICES}
        typed = {row["student"].pk: request.POST.get(f"s{row['student'].pk}", "1") for row in roster}
        bad = [pk_ for pk_, v in typed.items() if v not in allowed]
        exceptions = {pk_: int(v) for pk_, v in typed.items() if v in allowed and int(v) != AttendanceStatus.PRESENT}
        if bad:
            error = "有学生的考勤状态无效，请重新选择"
        else:
            try:
                services.roll_call(actor=request.user, lesson=lesson, exceptions=exceptions)
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                messages.success(request, f"已保存点名：{lesson.offering.name} {lesson}，"
                                          f"异常{len(exceptions)}人")
                return HttpResponseRedirect(f"{reverse('teaching:today')}?date={lesson.date.isoformat()}")
        # Keep what was tapped: the page shows the submitted statuses, not the stored ones.
        for row in roster:
            value = typed[row["student"].pk]
            row["status"] = int(value) if value in allowed else None
    else:
        roster = selectors.roster_with_status(lesson)
    # Approved leave pre-fills 请假 where nothing is recorded yet.
    leave = services.on_leave(lesson)
    for row in roster:
        row["choice"] = row["status"] or (AttendanceStatus.LEAVE if row["student"].pk in leave
                                          else AttendanceStatus.PRESENT)
    return render(request, "teaching/roll_call.html", {
        "lesson": lesson, "offering": lesson.offering, "roster": roster, "choices": ROLL_CHOICES,
        "error": error, "called": lesson.roll_called_at is not None}, status=400 if error else 200)


# ---- attendance: the student's own, a class's ---------------------------------------------------------------------

@login_required
def my_attendance(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request)
    student = selectors.student_of(request.user, institution)
    if student is None:
        raise Http404("您的账号没有关联学生")
    totals, exceptions = selectors.my_attendance(student)
    return render(request, "teaching/my_attendance.html", {"student": student, "totals": totals,
                                                           "exceptions": exceptions})


@login_required
def class_attendance(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request)
    classes = list(selectors.counselled_classes(request.user, institution))
    if not classes:
        raise PermissionDenied("您不是任何班级的辅导员或班主任")
    klass = next((k for k in classes if str(k.pk) == request.GET.get("klass")), classes[0])
    periods = list(selectors.semesters_with_data(institution))
    period = next((p for p in periods if str(p.pk) == request.GET.get("period")), periods[0] if periods else None)
    return render(request, "teaching/class_attendance.html", {
        "classes": classes, "klass": klass, "periods": periods, "period": period,
        "rows": selectors.class_attendance(klass, period), "columns": selectors.STATUS_COLUMNS})


# ---- leave requests ---------------------------------------------------------------------------------------------

@login_required
def leave_list(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request)
    student = selectors.student_of(request.user, institution)
    deciding = list(selectors.counselled_classes(request.user, institution))
    if student is None and not deciding:
        raise PermissionDenied("请假由学生申请、班级辅导员或班主任审批")
    form = LeaveForm(request.POST or None) if student is not None else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.leave_request(actor=request.user, student=student, start_date=data["start_date"],
                                   end_date=data["end_date"], first_period=data["first_period"],
                                   last_period=data["last_period"], reason=data["reason"])
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "请假申请已提交，等待辅导员或班主任审批")
            return HttpResponseRedirect(reverse("teaching:leave_list"))
    requests_ = selectors.leave_requests(request.user, institution)
    return render(request, "teaching/leave_list.html", {
        "student": student, "form": form, "deciding": bool(deciding),
        "pending": [r for r in requests_ if r.state == "pending" and r.can_decide],
        "mine": [r for r in requests_ if student is not None and r.student_id == student.pk],
        "decided": [r for r in requests_
                    if r.state != "pending" and (student is None or r.student_id != student.pk)][:50],
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def leave_decide(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request)
    leave = selectors.get_leave_for_user(request.user, institution, pk, CHANGE)
    try:
        services.leave_decide(actor=request.user, leave=leave, approve=request.POST.get("approve") == "1",
                              note=request.POST.get("note", ""))
        messages.success(request, f"已审批：{leave}（{leave.get_state_display()}）")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return HttpResponseRedirect(reverse("teaching:leave_list"))


def urlpatterns_() -> list:
    return [
        path("offerings/", ObjectListView.as_view(views=OfferingViews), name="offering_list"),
        path("offerings/import/", ImportView.as_view(views=OfferingViews), name="offering_import"),
        path("offerings/import/template/", TemplateView.as_view(views=OfferingViews), name="offering_template"),
        path("offerings/export/", ExportView.as_view(views=OfferingViews), name="offering_export"),
        path("rosters/import/", ImportView.as_view(views=RosterViews), name="roster_import"),
        path("rosters/import/template/", TemplateView.as_view(views=RosterViews), name="roster_template"),
        path("offerings/<int:pk>/", offering_detail, name="offering_detail"),
        path("offerings/<int:pk>/lessons/<int:lesson_pk>/cancel/", lesson_cancel, name="lesson_cancel"),
        path("offerings/<int:pk>/makeup/", lesson_makeup, name="lesson_makeup"),
        path("today/", today, name="today"),
        path("lessons/<int:pk>/roll-call/", roll_call, name="roll_call"),
        path("my/", my_attendance, name="my_attendance"),
        path("classes/", class_attendance, name="class_attendance"),
        path("leave/", leave_list, name="leave_list"),
        path("leave/<int:pk>/decide/", leave_decide, name="leave_decide"),
    ]

