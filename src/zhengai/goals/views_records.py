"""Pages of a task's PDCA record (任务自主诊改记录): the record with its work items, the school's verification
opinions, the evidence files (upload, download as attachment only, delete) and a printable form like seed 003
表6. Who sees the task reads its record; its plan's editors and its owner write it; the quality office and
supervisors write the verification opinion."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from zhengai.core import audit
from zhengai.core.choices import AuditAction
from zhengai.core.middleware import institution_of
from zhengai.core.permissions import CHANGE, VIEW
from zhengai.core.uploads import attachment_response

from . import records
from .forms_records import EvidenceForm, RecordForm, RecordItemForm, ReviewForm
from .models import Evidence, PlanTask, RecordItem


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


def _visible(request: HttpRequest, task: PlanTask, action: str) -> None:
    """404 unless the user reads the task (see `records.tasks_visible`), 403 unless they may write it."""
    if not records.may_see(request.user, task) or task.institution_id != _institution(request).pk:
        raise Http404("没有找到该对象")
    if action == CHANGE and not records.may_edit(request.user, task):
        raise PermissionDenied("您不能修改该任务的诊改记录")


def _task(request: HttpRequest, pk: int, action: str = VIEW) -> PlanTask:
    qs = (records.tasks_visible(request.user).filter(institution=_institution(request))
          .select_related("plan", "unit", "owner", "indicator__key_task"))
    task = qs.filter(pk=pk).first()
    if task is None:
        raise Http404("没有找到该对象")
    _visible(request, task, action)
    return task


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """待核查的诊改记录: work items with a result entered and no 学校核查意见 yet, for the quality office and
    supervisors (the home page's count opens this list)."""
    from django.core.paginator import Paginator

    from zhengai.core.permissions import require_role

    from .selectors import records_to_review

    institution = _institution(request)
    require_role(request.user, records.REVIEWERS, institution.pk)
    page = Paginator(records_to_review(request.user, institution), 50).get_page(request.GET.get("page"))
    return render(request, "goals/record_review_list.html", {"page": page})


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else NON_FIELD_ERRORS, errors)
    else:
        form.add_error(None, exc.messages)


def _back(task: PlanTask, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("goals:record_detail", args=[task.pk]) + anchor)


def _page(request: HttpRequest, task: PlanTask, form: Any = None, item_form: Any = None,
          evidence_form: Any = None, status: int = 200) -> HttpResponse:
    record = records.record_of(task)
    items = list(record.items.select_related("reviewed_by").prefetch_related("evidence")) if record else []
    evidence = list(record.evidence.select_related("item", "uploaded_by")) if record else []
    may_edit = records.may_edit(request.user, task)
    for e in evidence:
        e.may_delete = records.may_delete_evidence(request.user, e)  # type: ignore[attr-defined]
    return render(request, "goals/record_detail.html", {
        "task": task, "record": record, "items": items, "evidence": evidence,
        "may_edit": may_edit, "may_review": records.may_review(request.user, task),
        "form": form or RecordForm(instance=record), "item_form": item_form or RecordItemForm(),
        "evidence_form": evidence_form or EvidenceForm(items=items),
        "max_mb": records.evidence_max_bytes() // 1024 // 1024,
        "extensions": "、".join(sorted(records.ALLOWED_EXTENSIONS)),
    }, status=status)


@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return _page(request, _task(request, pk))
    task = _task(request, pk, CHANGE)
    form = RecordForm(request.POST, instance=copy.copy(records.record_of(task)))
    if form.is_valid():
        try:
            _, outcome = records.record_save(actor=request.user, task=task, data=form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "诊改记录已保存" if outcome != "unchanged" else "内容没有变化")
            return _back(task)
    return _page(request, task, form=form, status=400)


@login_required
@require_POST
def record_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk, CHANGE)
    form = RecordItemForm(request.POST)
    if form.is_valid():
        try:
            record = records.record_ensure(actor=request.user, task=task)
            records.record_item_save(actor=request.user, record=record, data=form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已添加工作内容")
            return _back(task, "#items")
    return _page(request, task, item_form=form, status=400)


def _item(request: HttpRequest, pk: int, action: str = VIEW) -> RecordItem:
    item = RecordItem.objects.filter(pk=pk).select_related("record__task__plan").first()
    if item is None:
        raise Http404("没有找到该对象")
    _visible(request, item.record.task, action)
    return item


@login_required
def record_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk, CHANGE)
    task = item.record.task
    if request.method == "POST":
        form = RecordItemForm(request.POST, instance=copy.copy(item))
        if form.is_valid():
            try:
                records.record_item_save(actor=request.user, record=item.record, item=item, data=form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "工作内容已保存")
                return _back(task, "#items")
    else:
        form = RecordItemForm(instance=item)
    return render(request, "goals/record_item_form.html", {"form": form, "item": item, "task": task},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def record_item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk, CHANGE)
    task = item.record.task
    records.record_item_delete(actor=request.user, item=item)
    messages.success(request, "已删除工作内容")
    return _back(task, "#items")


@login_required
@require_POST
def record_item_review(request: HttpRequest, pk: int) -> HttpResponse:
    # Reviewers see the item (404 otherwise); the service answers 403 to those who may not verify.
    item = _item(request, pk, VIEW)
    form = ReviewForm(request.POST)
    if form.is_valid():
        records.record_item_review(actor=request.user, item=item, opinion=form.cleaned_data["review_opinion"])
        messages.success(request, "已保存学校核查意见")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return _back(item.record.task, "#items")


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk, CHANGE)
    record = records.record_of(task)
    items = list(record.items.all()) if record else []
    form = EvidenceForm(request.POST, request.FILES, items=items)
    if form.is_valid():
        item = next((i for i in items if i.pk == form.cleaned_data["item"]), None)
        try:
            evidence = records.evidence_upload(actor=request.user, task=task, upload=form.cleaned_data["file"],
                                               item=item)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, f"已上传：{evidence.name}")
            return _back(task, "#evidence")
    return _page(request, task, evidence_form=form, status=400)


def _evidence(request: HttpRequest, pk: int) -> Evidence:
    evidence = Evidence.objects.filter(pk=pk).select_related("record__task").first()
    if evidence is None:
        raise Http404("没有找到该对象")
    _visible(request, evidence.record.task, VIEW)
    return evidence


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Always a download: a stored page or image could otherwise run or be shown in the platform's origin."""
    evidence = _evidence(request, pk)
    response = attachment_response(evidence.file, evidence.name)
    audit.record_export(actor=request.user, institution=evidence.record.task.institution, what=evidence.name,
                        subject=evidence, action=AuditAction.DOWNLOAD)
    return response


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    task = evidence.record.task
    name = evidence.name
    records.evidence_delete(actor=request.user, evidence=evidence)
    messages.success(request, f"已删除：{name}")
    return _back(task, "#evidence")


@login_required
def record_print(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    record = records.record_of(task)
    items = list(record.items.prefetch_related("evidence")) if record else []
    loose = list(record.evidence.filter(item__isnull=True)) if record else []
    return render(request, "goals/record_print.html", {"task": task, "record": record, "items": items,
                                                       "loose": loose})


urlpatterns = [
    path("records/review/", review_list, name="record_review_list"),
    path("records/task/<int:pk>/", record_detail, name="record_detail"),
    path("records/task/<int:pk>/print/", record_print, name="record_print"),
    path("records/task/<int:pk>/items/add/", record_item_add, name="record_item_add"),
    path("records/task/<int:pk>/evidence/", evidence_upload, name="evidence_upload"),
    path("records/items/<int:pk>/edit/", record_item_edit, name="record_item_edit"),
    path("records/items/<int:pk>/delete/", record_item_delete, name="record_item_delete"),
    path("records/items/<int:pk>/review/", record_item_review, name="record_item_review"),
    path("records/evidence/<int:pk>/", evidence_download, name="evidence_download"),
    path("records/evidence/<int:pk>/delete/", evidence_delete, name="evidence_delete"),
]
