"""Pages of the improvement loop: the list of improvements (scoped, filtered, exported), one improvement with
its source, the QC point's measurements over time and the effect form, the form that plans an improvement
from a warning or a finding, and the self-diagnosis element sheet (seed 003 附件3). Reads go through the gate,
writes through `improvements`."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from openpyxl import Workbook

from zhengai.core import audit
from zhengai.core.choices import PeriodKind
from zhengai.core.generic import xlsx_response
from zhengai.core.middleware import institution_of
from zhengai.core.models import Period
from zhengai.core.periods import academic_year_of
from zhengai.core.permissions import CHANGE, VIEW, can, get_object_for_user
from zhengai.core.spreadsheets import workbook_bytes, write_sheet
from zhengai.frameworks.models import Adoption, Element
from zhengai.monitoring.models import Warning
from zhengai.org.models import Major, Unit
from zhengai.standards.choices import Level

from . import improvements as svc
from .choices import CycleState, ImprovementState
from .effects import FORECAST_WORDS
from .forms_improvements import EffectForm, ImprovementForm, StartForm
from .models import Cycle, Finding, Improvement

PAGE_SIZE = 25


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


def _messages(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _to_form(form: Any, exc: ValidationError) -> None:
    """Put a service's errors on the form's fields (or on top when the form has no such field)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)


# ---- list --------------------------------------------------------------------------------------------------

def _filtered(request: HttpRequest, qs):
    g = request.GET
    if g.get("state") in ImprovementState.values:
        qs = qs.filter(state=g["state"])
    if g.get("level") in Level.values:
        qs = qs.filter(level=g["level"])
    if g.get("overdue"):
        qs = qs.filter(deadline__lt=timezone.localdate()).exclude(state=ImprovementState.EFFECTIVE)
    text = (g.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(measure__icontains=text) | Q(effect__icontains=text) | Q(qc_point__name__icontains=text)
                       | Q(qc_point__code__iexact=text) | Q(owner__name__icontains=text)
                       | Q(expected_effect__icontains=text))
    return qs


@login_required
def improvement_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    qs = _filtered(request, svc.improvements_for(request.user, institution)).order_by("deadline", "-pk")
    if request.GET.get("export"):
        audit.record_export(actor=request.user, institution=institution, what="改进措施", subject=Improvement,
                            count=qs.count())
        return _export(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(request, "diagnosis/improvement_list.html", {
        "page": page, "improvements": page.object_list, "states": ImprovementState.choices, "levels": Level.choices,
        "params": request.GET, "query": urlencode(params), "today": timezone.localdate(),
        "filtered": bool(params)})


def _export(qs) -> HttpResponse:
    def row(i: Any) -> list[Any]:
        source = "预警" if i.warning_id else ("诊断发现" if i.finding_id else "")
        m = i.effect_measurement
        return [source, i.get_level_display(), str(i.entity), str(i.qc_point or ""), i.measure,
                i.get_kind_display(), i.owner.display_name if i.owner else "",
                i.deadline.isoformat() if i.deadline else "", i.expected_effect,
                i.started_on.isoformat() if i.started_on else "", i.get_state_display(), i.effect,
                svc.measurement_line(m) if m is not None else ""]

    book = Workbook()
    write_sheet(book, "改进措施", ["来源", "层面", "对象", "质控点", "改进措施", "改进方式", "责任人", "完成期限",
                                "预期效果", "开始实施日期", "状态", "改进效果", "效果依据"],
                (row(i) for i in qs), first=True)
    return xlsx_response(workbook_bytes(book), "改进措施.xlsx")


# ---- detail: start, effect -----------------------------------------------------------------------------------

@login_required
def improvement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    improvement = svc.improvement_for_user(request.user, institution, pk)
    may_change = can(request.user, improvement, CHANGE)
    start_form = StartForm()
    effect_form = EffectForm(candidates=svc.effect_candidates(request.user, improvement))
    if request.method == "POST":
        improvement = svc.improvement_for_user(request.user, institution, pk, CHANGE)
        action = request.POST.get("action")
        if action == "start":
            start_form = StartForm(request.POST)
            if start_form.is_valid():
                try:
                    svc.improvement_start(actor=request.user, improvement=improvement,
                                          started_on=start_form.cleaned_data["started_on"])
                except ValidationError as exc:
                    _to_form(start_form, exc)
                else:
                    messages.success(request, "已记录开始实施；此后的测量结果将用来验证改进效果")
                    return HttpResponseRedirect(reverse("diagnosis:improvement_detail", args=[pk]))
        elif action == "effect":
            effect_form = EffectForm(request.POST, candidates=svc.effect_candidates(request.user, improvement))
            if effect_form.is_valid():
                data = effect_form.cleaned_data
                try:
                    svc.improvement_record_effect(actor=request.user, improvement=improvement, effect=data["effect"],
                                                  measurement=data["measurement"],
                                                  not_carried_out=data["not_carried_out"])
                except ValidationError as exc:
                    _to_form(effect_form, exc)
                else:
                    improvement.refresh_from_db()
                    messages.success(request, f"改进效果已记录：{improvement.get_state_display()}")
                    return HttpResponseRedirect(reverse("diagnosis:improvement_detail", args=[pk]))
        else:
            messages.error(request, "未知的操作")
            return HttpResponseRedirect(reverse("diagnosis:improvement_detail", args=[pk]))
    return render(request, "diagnosis/improvement_detail.html", {
        "improvement": improvement, "may_change": may_change, "start_form": start_form,
        "effect_form": effect_form, "history": svc.measurement_history(request.user, improvement),
        "may_start": improvement.state in (ImprovementState.PLANNED, ImprovementState.NOT_CARRIED_OUT),
        "overdue": improvement.deadline < timezone.localdate() and improvement.state != ImprovementState.EFFECTIVE,
        "forecast_words": "、".join(FORECAST_WORDS)})


# ---- add from a warning or a finding -------------------------------------------------------------------------

def _elements(institution: Any):
    """Elements of the institution's adopted framework (an improvement may name the one it serves)."""
    adoption = Adoption.objects.filter(institution=institution).first()
    if adoption is None:
        return Element.objects.none()
    qs = Element.objects.filter(project__framework_id=adoption.framework_id).select_related("project")
    return qs.order_by("project__order", "order", "pk")


@login_required
def improvement_add(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    warning = finding = None
    if request.GET.get("warning"):
        warning = get_object_for_user(Warning.objects.filter(institution=institution), request.user, CHANGE,
                                      pk=request.GET["warning"])
        source: Any = warning
        qc_point = warning.qc_point
    elif request.GET.get("finding"):
        finding = get_object_for_user(Finding.objects.filter(institution=institution).select_related("cycle"),
                                      request.user, VIEW, pk=request.GET["finding"])
        if not svc.may_improve_finding(request.user, finding):
            raise PermissionDenied("只有该诊断对象的负责人或质管办可以为该诊断发现制定改进措施")
        source = finding.cycle
        qc_point = finding.qc_point
    else:
        return render(request, "diagnosis/improvement_add.html", {"no_source": True})
    elements = _elements(institution)
    cycles = Cycle.objects.restrict(request.user).filter(institution=institution, entity_key=source.entity_key,
                                                         state=CycleState.OPEN).select_related("period")
    initial: dict[str, Any] = {"owner": request.user.pk,
                               "deadline": (warning.due if warning is not None and warning.due else
                                            timezone.localdate() + datetime.timedelta(days=30))}
    if finding is not None:
        initial.update(element=finding.element_id, cycle=finding.cycle_id, measure="")
    elif qc_point is not None:
        served = list(elements.filter(points__qc_points=qc_point).distinct().values_list("pk", flat=True)[:2])
        if len(served) == 1:
            initial["element"] = served[0]
    form = ImprovementForm(request.POST or None, initial=initial, user=request.user, institution=institution,
                           elements=elements, cycles=cycles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            improvement = svc.improvement_create(
                actor=request.user, warning=warning, finding=finding, measure=data["measure"], owner=data["owner"],
                deadline=data["deadline"], expected_effect=data["expected_effect"], kind=data["kind"],
                element=data["element"], qc_point=qc_point, cycle=data["cycle"])
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, "改进措施已制定；措施开始实施后请在此记录开始日期")
            return HttpResponseRedirect(reverse("diagnosis:improvement_detail", args=[improvement.pk]))
    return render(request, "diagnosis/improvement_add.html", {
        "form": form, "warning": warning, "finding": finding, "source": source, "qc_point": qc_point,
        "non_field": form.errors.get(NON_FIELD_ERRORS, [])})


# ---- the self-diagnosis element sheet ------------------------------------------------------------------------

def _year(request: HttpRequest) -> tuple[Period | None, list[Period]]:
    years = list(Period.objects.filter(kind=PeriodKind.ACADEMIC_YEAR).order_by("-start"))
    wanted = request.GET.get("year", "")
    if wanted.isdigit():
        chosen = next((y for y in years if y.start.year == int(wanted)), None)
        if chosen is None:
            raise Http404("没有该学年")
        return chosen, years
    current = academic_year_of(timezone.localdate())
    return next((y for y in years if y.start.year <= current), years[0] if years else None), years


@login_required
def element_sheet(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    level, entity, key = svc.level_entity(institution, request.user, request.GET.get("entity", "school"))
    year, years = _year(request)
    sheet = svc.element_sheet(request.user, institution, level, key, year)
    title = f"{entity} 自我诊断要素一览表"
    if request.GET.get("export"):
        return _sheet_export(title, year, sheet["rows"])
    choices = [("school", f"学校：{institution}")]
    choices += [(f"unit:{u.pk}", f"部门：{u}") for u in
                Unit.objects.restrict(request.user).filter(institution=institution, active=True).order_by("code")]
    choices += [(f"major:{m.pk}", f"专业：{m}") for m in
                Major.objects.restrict(request.user).filter(institution=institution, active=True).order_by("code")]
    if key not in {c[0] for c in choices}:
        choices.append((key, f"{Level(level).label}：{entity}"))
    params = {"entity": key, **({"year": year.start.year} if year else {})}
    return render(request, "diagnosis/element_sheet.html", {
        "title": title, "entity": entity, "level": level, "level_label": Level(level).label, "key": key,
        "year": year, "years": years,
        "framework": sheet["framework"], "rows": sheet["rows"], "columns": svc.SHEET_COLUMNS,
        "entity_choices": choices, "export_query": urlencode({**params, "export": 1})})


def _sheet_export(title: str, year: Period | None, rows: list[dict[str, Any]]) -> HttpResponse:
    book = Workbook()
    write_sheet(book, "自我诊断要素一览表", svc.SHEET_COLUMNS, [row["cells"] for row in rows], first=True,
                caption=f"{title}（{year}）" if year else title, widths=(16, 18, 28, 40, 22, 30, 12, 16, 10),
                wrap=True)
    return xlsx_response(workbook_bytes(book), "自我诊断要素一览表.xlsx")


urlpatterns = [
    path("improvements/", improvement_list, name="improvement_list"),
    path("improvements/add/", improvement_add, name="improvement_add"),
    path("improvements/<int:pk>/", improvement_detail, name="improvement_detail"),
    path("element-sheet/", element_sheet, name="element_sheet"),
]
