"""Pages of the annual key-task decomposition (年度重点工作任务分解): the year's list with every task's three
levels of indicators, a task's detail, create/edit/delete of tasks and indicators (quality office and school
leaders), the Excel template, import and export in the seed's layout, and the distribution of the indicators
into the departments' one-page plans (quality office)."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from zhengai.core import audit
from zhengai.core.choices import Role
from zhengai.core.generic import xlsx_response
from zhengai.core.middleware import institution_of
from zhengai.core.permissions import CHANGE, VIEW, access_for, get_object_for_user, require_role

from . import keytasks
from .forms_keytasks import IndicatorForm, KeyTaskForm, KeyTaskImportForm
from .models import Indicator, KeyTask, PlanTask

PLANNERS = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER}
# Importing and handing the tasks down to the departments is the quality office's job (seed 002 表10).
IMPORTERS = {Role.QUALITY_OFFICE}


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else datetime.date.today().year


def _has(request: HttpRequest, roles: set[str]) -> bool:
    access = access_for(request.user)
    return access.is_superuser or access.has_role(roles, _institution(request).pk)


def _form_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's errors on the form: on the field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else NON_FIELD_ERRORS, errors)
    else:
        form.add_error(None, exc.messages)


def _list_url(year: int) -> str:
    return f"{reverse('goals:keytask_list')}?year={year}"


@login_required
def keytask_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    year = _year(request)
    tasks = keytasks.key_tasks_for(request.user, institution, year)
    page = Paginator(tasks, 20).get_page(request.GET.get("page"))
    rows = keytasks.indicator_trees(list(page.object_list))
    return render(request, "goals/keytask_list.html", {
        "year": year, "years": keytasks.key_task_years(request.user, institution), "page": page, "rows": rows,
        "may_plan": _has(request, PLANNERS), "may_import": _has(request, IMPORTERS),
    })


@login_required
def keytask_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    task = get_object_for_user(KeyTask.objects.filter(institution=institution)
                               .select_related("goal__plan", "lead_unit", "leader"), request.user, VIEW, pk=pk)
    carried = (PlanTask.objects.restrict(request.user).filter(indicator__key_task=task)
               .select_related("plan", "owner").order_by("plan__name", "number"))
    by_indicator: dict[int, list[PlanTask]] = {}
    for t in carried:
        by_indicator.setdefault(t.indicator_id, []).append(t)
    tree = keytasks.indicator_tree(task)
    for one, twos in tree:
        for ind in [one, *(two for two, _ in twos), *(three for _, threes in twos for three in threes)]:
            ind.carried_tasks = by_indicator.get(ind.pk, [])  # type: ignore[attr-defined]
    return render(request, "goals/keytask_detail.html", {
        "task": task, "tree": tree,
        "may_change": KeyTask.objects.restrict(request.user, CHANGE).filter(pk=task.pk).exists(),
    })


def _task_form_page(request: HttpRequest, task: KeyTask | None, year: int) -> HttpResponse:
    institution = _institution(request)
    if request.method == "POST":
        form = KeyTaskForm(request.POST, instance=copy.copy(task) if task else None, request=request)
        if form.is_valid():
            try:
                saved, _ = keytasks.key_task_save(actor=request.user, institution=institution, year=year,
                                                  key_task=task, data=form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, f"已保存：{saved}")
                return HttpResponseRedirect(reverse("goals:keytask_detail", args=[saved.pk]))
    else:
        initial = {}
        if task is None:
            last = KeyTask.objects.filter(institution=institution, year=year).order_by("-number").first()
            initial = {"number": (last.number + 1) if last else 1, "deadline": datetime.date(year, 12, 31)}
        form = KeyTaskForm(instance=task, initial=initial, request=request)
    return render(request, "goals/keytask_form.html", {"form": form, "task": task, "year": year})


@login_required
def keytask_add(request: HttpRequest) -> HttpResponse:
    require_role(request.user, PLANNERS, _institution(request).pk)
    return _task_form_page(request, None, _year(request))


@login_required
def keytask_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_for_user(KeyTask.objects.filter(institution=_institution(request)), request.user, CHANGE,
                               pk=pk)
    return _task_form_page(request, task, task.year)


@login_required
@require_POST
def keytask_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_for_user(KeyTask.objects.filter(institution=_institution(request)), request.user, CHANGE,
                               pk=pk)
    year, label = task.year, str(task)
    keytasks.key_task_delete(actor=request.user, key_task=task)
    messages.success(request, f"已删除：{label}")
    return HttpResponseRedirect(_list_url(year))


def _indicator_page(request: HttpRequest, task: KeyTask, indicator: Indicator | None, level: int,
                    parent: Indicator | None) -> HttpResponse:
    if request.method == "POST":
        form = IndicatorForm(request.POST, instance=copy.copy(indicator) if indicator else None, request=request,
                             level=level)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data.get("order") is None:
                data.pop("order", None)
            try:
                keytasks.indicator_save(actor=request.user, key_task=task, indicator=indicator, data=data,
                                        level=level, parent=parent)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "指标已保存")
                return HttpResponseRedirect(reverse("goals:keytask_detail", args=[task.pk]))
    else:
        initial = {}
        if indicator is None and parent is not None:
            initial = {"unit": parent.unit_id, "due": parent.due}
        form = IndicatorForm(instance=indicator, initial=initial, request=request, level=level)
    return render(request, "goals/keytask_indicator_form.html", {
        "form": form, "task": task, "indicator": indicator, "level": level, "parent": parent})


@login_required
def indicator_add(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    task = get_object_for_user(KeyTask.objects.filter(institution=institution), request.user, CHANGE, pk=pk)
    parent = None
    parent_id = request.GET.get("parent") or request.POST.get("parent")
    if parent_id:
        parent = get_object_for_user(Indicator.objects.filter(key_task=task), request.user, VIEW, pk=parent_id)
        if parent.level >= 3:
            raise Http404("三级指标下不能再分解")
    level = parent.level + 1 if parent else 1
    return _indicator_page(request, task, None, level, parent)


@login_required
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_object_for_user(Indicator.objects.filter(institution=_institution(request))
                                     .select_related("key_task", "parent"), request.user, CHANGE, pk=pk)
    return _indicator_page(request, indicator.key_task, indicator, indicator.level, indicator.parent)


@login_required
@require_POST
def indicator_delete(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_object_for_user(Indicator.objects.filter(institution=_institution(request))
                                     .select_related("key_task"), request.user, CHANGE, pk=pk)
    task = indicator.key_task
    keytasks.indicator_delete(actor=request.user, indicator=indicator)
    messages.success(request, "指标已删除")
    return HttpResponseRedirect(reverse("goals:keytask_detail", args=[task.pk]))


@login_required
def keytask_template(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    data = keytasks.KeyTaskImporter(institution, request.user, _year(request)).template()
    return xlsx_response(data, "年度重点工作任务分解表模板.xlsx")


@login_required
def keytask_export(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    year = _year(request)
    data = keytasks.export_key_tasks(user=request.user, institution=institution, year=year)
    audit.record_export(actor=request.user, institution=institution, what=f"{year}年度重点工作任务分解表",
                        subject=KeyTask)
    return xlsx_response(data, f"{year}年度重点工作任务分解表.xlsx")


@login_required
def keytask_import(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    institution = _institution(request)
    require_role(request.user, IMPORTERS, institution.pk)
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = KeyTaskImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            year = form.cleaned_data["year"]
            if upload.size > settings.ZHENGAI_IMPORT_MAX_BYTES:
                form.add_error("file", "文件太大")
            else:
                result = keytasks.import_key_tasks(actor=request.user, institution=institution, year=year,
                                                   data=upload.read(), filename=upload.name)
                context.update(result=result, filename=upload.name)
                if result.ok:
                    messages.success(request, result.summary)
                    return HttpResponseRedirect(_list_url(year))
        status = 400
    else:
        form = KeyTaskImportForm(initial={"year": _year(request)})
    context["form"] = form
    return render(request, "goals/keytask_import.html", context, status=status)


@login_required
@require_POST
def keytask_distribute(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    require_role(request.user, IMPORTERS, institution.pk)
    year = _year(request)
    counts = keytasks.key_tasks_distribute(actor=request.user, institution=institution, year=year)
    text = (f"已下达{year}年度重点任务：新建一页纸计划{counts['plans_created']}份，"
            f"新增计划任务{counts['tasks_created']}项；已下达过的指标{counts['already']}项未重复下达")
    if counts["no_unit"]:
        text += f"；{counts['no_unit']}项指标没有责任部门，未能下达，请补充责任部门后再下达"
    messages.success(request, text)
    return HttpResponseRedirect(_list_url(year))


urlpatterns = [
    path("keytasks/", keytask_list, name="keytask_list"),
    path("keytasks/add/", keytask_add, name="keytask_add"),
    path("keytasks/template/", keytask_template, name="keytask_template"),
    path("keytasks/export/", keytask_export, name="keytask_export"),
    path("keytasks/import/", keytask_import, name="keytask_import"),
    path("keytasks/distribute/", keytask_distribute, name="keytask_distribute"),
    path("keytasks/<int:pk>/", keytask_detail, name="keytask_detail"),
    path("keytasks/<int:pk>/edit/", keytask_edit, name="keytask_edit"),
    path("keytasks/<int:pk>/delete/", keytask_delete, name="keytask_delete"),
    path("keytasks/<int:pk>/indicators/add/", indicator_add, name="indicator_add"),
    path("keytasks/indicators/<int:pk>/edit/", indicator_edit, name="indicator_edit"),
    path("keytasks/indicators/<int:pk>/delete/", indicator_delete, name="indicator_delete"),
]
