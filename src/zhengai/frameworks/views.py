"""Pages of the diagnosis tables. Thin: reads through the selectors (behind the gate), writes through
the services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhengai.core.choices import Role
from zhengai.core.generic import xlsx_response
from zhengai.core.middleware import institution_of
from zhengai.core.permissions import CHANGE, VIEW, access_for, can, require_role

from . import services
from .choices import LEVELS
from .forms import FrameworkForm, ImportForm, PointForm
from .importers import FrameworkImporter
from .selectors import (
    adopted_framework,
    count_differences,
    framework_stats,
    framework_tree,
    frameworks_for_user,
    get_framework_for_user,
    get_point_for_user,
)


def _is_quality_office(request: HttpRequest) -> bool:
    """Whether the user runs the diagnosis work of the current institution (adopts, imports)."""
    institution = institution_of(request)
    access = access_for(request.user)
    if institution is None:
        return False
    return access.is_superuser or access.has_role(Role.QUALITY_OFFICE, institution.pk)


def _level_counts(found: dict[str, int], declared: dict[str, int]) -> list[tuple[str, str, int, int | None]]:
    """(key, label, found, declared or None) per level, for the found-beside-declared displays."""
    return [(key, label, found[key], declared.get(key)) for key, label in LEVELS]


def _require_quality_office(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise PermissionDenied("您还没有加入任何院校")
    require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
    return institution


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request)
    tables = frameworks_for_user(request.user, institution)
    return render(request, "frameworks/framework_list.html", {
        **tables, "adopted": adopted_framework(institution), "institution": institution,
        "is_quality_office": _is_quality_office(request),
    })


@login_required
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    framework = get_framework_for_user(request.user, pk)
    institution = institution_of(request)
    show_all = request.GET.get("scope") == "all"
    stats = framework_stats(framework)
    tree = framework_tree(framework, institution, applicable_only=not show_all)
    adopted = adopted_framework(institution)
    return render(request, "frameworks/framework_detail.html", {
        "framework": framework, "tree": tree, "stats": stats, "show_all": show_all,
        "institution": institution,
        "counts": _level_counts(stats, stats["declared"]),
        "differences": count_differences(stats, stats["declared"]),
        "hidden_points": stats["points"] - tree["counts"]["points"],
        "is_adopted": adopted is not None and adopted.pk == framework.pk,
        "adopted_copy": adopted if adopted is not None and adopted.based_on_id == framework.pk else None,
        "can_change": can(request.user, framework, CHANGE),
        # A built-in, or the college's own table (an imported one may be adopted as it is).
        "can_adopt": _is_quality_office(request) and framework.institution_id in (None, institution.pk),
    })


@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_point_for_user(request.user, pk)
    framework = point.element.project.framework
    return render(request, "frameworks/point_detail.html", {
        "point": point, "framework": framework, "can_change": can(request.user, framework, CHANGE),
    })


@login_required
def framework_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The quality office of the owning college renames its table and adds its own points."""
    framework = get_framework_for_user(request.user, pk, CHANGE)
    action = request.POST.get("action") if request.method == "POST" else None
    header_form = FrameworkForm(request.POST if action == "framework" else None, framework=framework)
    point_form = PointForm(request.POST if action == "point" else None, framework=framework, prefix="point")
    try:
        if action == "framework" and header_form.is_valid():
            services.framework_update(actor=request.user, framework=framework, **header_form.cleaned_data)
            messages.success(request, "已保存诊断项目表信息")
            return HttpResponseRedirect(reverse("frameworks:framework_detail", args=[framework.pk]))
        if action == "point" and point_form.is_valid():
            data = point_form.cleaned_data
            point = services.point_add(actor=request.user, element=data["element"], number=data["number"],
                                       tasks=data["tasks"], **point_form.point_fields())
            messages.success(request, f"已增加本校诊断点：{point}")
            return HttpResponseRedirect(reverse("frameworks:point_detail", args=[point.pk]))
    except ValidationError as exc:
        (header_form if action == "framework" else point_form).add_error(None, exc)
    return render(request, "frameworks/framework_edit.html", {
        "framework": framework, "header_form": header_form, "point_form": point_form,
    }, status=400 if action else 200)


@login_required
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_point_for_user(request.user, pk, CHANGE)
    form = PointForm(request.POST or None, point=point)
    if request.method == "POST" and form.is_valid():
        try:
            services.point_update(actor=request.user, point=point, tasks=form.cleaned_data["tasks"],
                                  **form.point_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存：{point}")
            return HttpResponseRedirect(reverse("frameworks:point_detail", args=[point.pk]))
    return render(request, "frameworks/point_edit.html", {
        "point": point, "framework": point.element.project.framework, "form": form,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def adopt(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _require_quality_office(request)
    framework = get_framework_for_user(request.user, pk, VIEW)
    try:
        own = services.framework_adopt(actor=request.user, institution=institution, framework=framework)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return HttpResponseRedirect(reverse("frameworks:framework_detail", args=[framework.pk]))
    messages.success(request, f"本校已采用“{own}”。" + ("这是本校的副本，可以修改并增加本校诊断点。"
                                                    if framework.is_builtin else ""))
    return HttpResponseRedirect(reverse("frameworks:framework_detail", args=[own.pk]))


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    institution = _require_quality_office(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "institution": institution}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.ZHENGAI_IMPORT_MAX_BYTES:
            form.add_error("file", "文件太大")
        else:
            result = FrameworkImporter(institution, request.user).run(upload.read(), upload.name)
            context.update(result=result, filename=upload.name)
            if result.ok:
                context["result_counts"] = _level_counts(result.found, result.declared)
            if result.ok:
                messages.success(request, result.summary)
    ok = request.method != "POST" or (context.get("result") is not None and context["result"].ok)
    return render(request, "frameworks/import.html", context, status=200 if ok else 400)


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    framework = get_framework_for_user(request.user, pk)
    filename = f"诊断项目表-{framework.code}{'-' + framework.version if framework.version else ''}.xlsx"
    return xlsx_response(FrameworkImporter(framework.institution, request.user).template(framework), filename)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(FrameworkImporter(None, request.user).template(), "诊断项目表导入模板.xlsx")
