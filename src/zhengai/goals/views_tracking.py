"""Pages of progress tracking: the monthly completion board, department performance, chain health and the
yearly calendar. Thin views: reads through the gate and the selectors of tracking/performance/health, writes
through their services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from zhengai.core import audit
from zhengai.core.choices import Role
from zhengai.core.generic import xlsx_response
from zhengai.core.middleware import institution_of
from zhengai.core.permissions import CHANGE, access_for, can, get_object_for_user, require_role
from zhengai.core.spreadsheets import Band, workbook_bytes, write_sheet

from . import health, performance, tracking
from .choices import TaskKind
from .forms_tracking import CalendarEventForm, SchemeForm
from .models import CalendarEvent, PerformanceScheme, PlanTask

PERFORMANCE_READERS = performance.WIDE_ROLES | {Role.UNIT_HEAD}


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


def _form_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's errors on the form (fields it lacks go on top), keeping what was typed."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        for message in exc.messages:
            form.add_error(NON_FIELD_ERRORS, message)


# ---- the monthly completion board ---------------------------------------------------------------------

@login_required
def board(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    year = _year(request)
    today = timezone.localdate()
    units = tracking.board_units(request.user, institution)
    unit = None
    if request.GET.get("unit"):
        unit = units.filter(pk=request.GET["unit"]).first() if request.GET["unit"].isdigit() else None
        if unit is None:
            raise Http404("没有找到该部门")
    kind = request.GET.get("kind", "")
    tasks = tracking.board_tasks(request.user, institution, year, unit=unit, kind=kind,
                                 mine=request.GET.get("mine") == "1")
    if request.GET.get("export"):
        audit.record_export(actor=request.user, institution=institution, what=f"{year}年部门工作任务完成情况一览表",
                            subject=PlanTask, count=tasks.count())
        return _board_export(tracking.board_rows(tasks, year, today), tracking.board_summary(tasks, today), year)
    page = Paginator(tasks.select_related("unit").order_by("unit__code", "kind", "plan", "number"), 100) \
        .get_page(request.GET.get("page"))
    ids = [t.pk for t in page.object_list]
    return render(request, "goals/board.html", {
        "year": year, "years": range(today.year + 1, today.year - 5, -1), "units": units, "unit": unit,
        "kind": kind, "kinds": TaskKind.choices, "months": tracking.BOARD_MONTHS, "page": page,
        "groups": tracking.board_rows(tasks.filter(pk__in=ids), year, today),
        "summary": tracking.board_summary(tasks, today), "params": request.GET})


def _board_export(groups: list, summary: list, year: int) -> HttpResponse:
    book = Workbook()
    months = tracking.BOARD_MONTHS
    last = 6 + len(months)
    rows: list[Any] = []
    for group in groups:
        rows.append(Band(f"部门：{group.unit or '未指定部门'}"))
        for row in group.rows:
            t = row.task
            due = t.due.isoformat() if t.due else ""
            rows.append([t.get_source_display(), t.get_kind_display(), t.number,
                         t.title + ("（逾期）" if row.late else ""), due]
                        + [c["text"] for c in row.cells] + [row.owner])
    sheet = write_sheet(book, "完成情况一览表",
                        ["任务来源", "属性", "序号", "任务", "完成时限", "月度任务完成情况"]
                        + [""] * (len(months) - 1) + ["责任人"], rows, first=True,
                        caption=f"{year}年部门工作任务完成情况一览表",
                        subheaders=[""] * 5 + [f"{m}月" for m in months] + [""])
    # The two header rows: the first five columns and the owner span both, the months share one heading.
    for col in range(1, 6):
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    sheet.merge_cells(start_row=2, start_column=6, end_row=2, end_column=5 + len(months))
    sheet.merge_cells(start_row=2, start_column=last, end_row=3, end_column=last)
    write_sheet(book, "部门汇总", ["部门", "任务数", "已完成", "按时完成", "逾期", "完成率（%）"],
                ([s["unit__name"] or "未指定部门", s["total"], s["done"], s["on_time"], s["late"], s["rate"]]
                 for s in summary))
    return xlsx_response(workbook_bytes(book), f"{year}年部门工作任务完成情况一览表.xlsx")


# ---- department performance ---------------------------------------------------------------------------

@login_required
def performance_page(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    require_role(request.user, PERFORMANCE_READERS, institution.pk)
    year = _year(request)
    scheme = performance.scheme_ensure(institution=institution, year=year)
    rows = performance.visible_scores(request.user, institution, year, scheme)
    if request.GET.get("export"):
        return _performance_export(rows, scheme, year)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "goals/performance.html", {
        "year": year, "years": range(today.year, today.year - 6, -1), "scheme": scheme, "page": page,
        "period": performance.academic_year_for(year), "can_edit": can(request.user, scheme, CHANGE)})


def _performance_export(rows: list, scheme: PerformanceScheme, year: int) -> HttpResponse:
    def num(value: Any) -> float | None:
        return None if value is None else float(value)

    book = Workbook()
    write_sheet(book, "部门绩效", ["排名", "部门", "到期任务", "已完成", "任务完成率（%）", "测量数", "达标数",
                               "质控点达标率（%）", "预警数", "已闭环", "整改闭环率（%）", "得分"],
                ([s.rank, s.unit.name, s.tasks, s.tasks_done, num(s.task_percent), s.measured, s.passed,
                  num(s.qc_percent), s.warnings, s.warnings_closed, num(s.improvement_percent), num(s.score)]
                 for s in rows), first=True,
                caption=f"{year}年度部门绩效考核（权重：任务完成{scheme.task_weight:g}、质控点达标{scheme.qc_weight:g}、"
                        f"整改闭环{scheme.improvement_weight:g}）")
    return xlsx_response(workbook_bytes(book), f"{year}年度部门绩效.xlsx")


@login_required
def performance_scheme(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
    year = _year(request)
    scheme = get_object_for_user(PerformanceScheme, request.user, CHANGE,
                                 pk=performance.scheme_ensure(institution=institution, year=year).pk)
    form = SchemeForm(request.POST or None, instance=PerformanceScheme.objects.get(pk=scheme.pk))
    if request.method == "POST" and form.is_valid():
        try:
            performance.scheme_update(actor=request.user, scheme=scheme, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{year}年度绩效考核权重已保存")
            return HttpResponseRedirect(f"{reverse('goals:performance')}?year={year}")
    return render(request, "goals/performance_scheme.html", {"form": form, "scheme": scheme, "year": year})


# ---- chain health -------------------------------------------------------------------------------------

@login_required
def health_page(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    require_role(request.user, health.READERS, institution.pk)
    found = health.issues(institution, timezone.localdate())
    kind = request.GET.get("kind", "")
    shown = [i for i in found if i.kind == kind] if kind in health.KINDS else found
    page = Paginator(shown, 100).get_page(request.GET.get("page"))
    return render(request, "goals/health.html", {"page": page, "counts": health.counts(found), "kind": kind,
                                                 "total": len(found)})


# ---- the yearly calendar ------------------------------------------------------------------------------

def _may_edit_calendar(request: HttpRequest, institution: Any) -> bool:
    access = access_for(request.user)
    return access.is_superuser or access.has_role({Role.QUALITY_OFFICE}, institution.pk)


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    today = timezone.localdate()
    rows, upcoming = tracking.calendar_events(request.user, institution, today)
    labels = dict(Role.choices)
    for row in rows:
        row["roles"] = [labels.get(r, r) for r in row["event"].roles or []]
    return render(request, "goals/calendar.html", {"rows": rows, "upcoming": upcoming, "year": today.year,
                                                   "can_edit": _may_edit_calendar(request, institution)})


@login_required
@require_POST
def calendar_install(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
    created = tracking.calendar_install_defaults(actor=request.user, institution=institution)
    messages.success(request, f"已添加默认日期 {created} 项" if created else "默认日期都已存在")
    return HttpResponseRedirect(reverse("goals:calendar"))


@login_required
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    institution = _institution(request)
    if pk is None:
        require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
        event = CalendarEvent(institution=institution)
        form = CalendarEventForm(request.POST or None, instance=CalendarEvent(institution=institution))
    else:
        event = get_object_for_user(CalendarEvent.objects.filter(institution=institution), request.user, CHANGE,
                                    pk=pk)
        # The form works on its own copy: the service compares the saved row with what was typed.
        form = CalendarEventForm(request.POST or None, instance=CalendarEvent.objects.get(pk=event.pk))
    if request.method == "POST" and form.is_valid():
        try:
            tracking.calendar_event_save(actor=request.user, event=event, data=form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已保存“{event.name}”")
            return HttpResponseRedirect(reverse("goals:calendar"))
    return render(request, "goals/calendar_form.html", {"form": form, "event": event if pk else None})


urlpatterns = [
    path("board/", board, name="board"),
    path("performance/", performance_page, name="performance"),
    path("performance/scheme/", performance_scheme, name="performance_scheme"),
    path("health/", health_page, name="health"),
    path("calendar/", calendar_page, name="calendar"),
    path("calendar/install/", calendar_install, name="calendar_install"),
    path("calendar/add/", calendar_edit, name="calendar_add"),
    path("calendar/<int:pk>/edit/", calendar_edit, name="calendar_edit"),
]
