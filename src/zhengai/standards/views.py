"""Pages of the standards: the standard chain per level, the QC points (list, detail, edit) and own targets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhengai.core import audit
from zhengai.core.choices import Role
from zhengai.core.generic import xlsx_response
from zhengai.core.permissions import CHANGE, VIEW, access_for, can, get_object_for_user, institution_for
from zhengai.org.entities import entity_model
from zhengai.org.models import Course, Major

from . import services
from .choices import Level
from .forms import OwnTargetForm, QCPointCreateForm, QCPointForm
from .importers import QCPointImporter
from .models import Dimension, OwnTarget, QCPoint, Standard, StandardSet

# The levels whose entities may set their own targets (the tables are the kernel's).
OWN_TARGET_LEVELS = (Level.MAJOR, Level.COURSE, Level.TEACHER)


def _points(request: HttpRequest, action: str = VIEW):
    return QCPoint.objects.restrict(request.user, action).filter(institution=institution_for(request))


@login_required
def chain(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level") or Level.SCHOOL
    # Retired nodes leave the chain (they stay on their own lists under 含已停用).
    sets = (StandardSet.objects.restrict(request.user)
            .filter(institution=institution_for(request), level=level, active=True)
            .prefetch_related(Prefetch("dimensions", queryset=Dimension.objects.filter(active=True)),
                              Prefetch("dimensions__standards", queryset=Standard.objects.filter(active=True)),
                              Prefetch("dimensions__standards__qc_points",
                                       queryset=QCPoint.objects.filter(active=True))))
    return render(request, "standards/chain.html", {"sets": sets, "level": level, "levels": Level.choices})


@login_required
def qcpoint_list(request: HttpRequest) -> HttpResponse:
    qs = _points(request).select_related("lead_unit")
    level, text = request.GET.get("level", ""), request.GET.get("q", "").strip()
    if level:
        qs = qs.filter(level=level)
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text) | Q(formula__icontains=text))
    if request.GET.get("retired") != "1":
        qs = qs.filter(active=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    access = access_for(request.user)
    return render(request, "standards/qcpoint_list.html", {
        "points": page, "page": page, "levels": Level.choices, "level": level, "q": text,
        "retired": request.GET.get("retired") == "1",
        "can_add": access.is_superuser or access.has_role({Role.QUALITY_OFFICE}, institution_for(request).pk)})


@login_required
def qcpoint_add(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request, {Role.QUALITY_OFFICE})
    form = QCPointCreateForm(request.POST or None, institution=institution, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "supporting_units"}
        try:
            point = services.qcpoint_create(actor=request.user, institution=institution, data=data,
                                            supporting_units=form.cleaned_data["supporting_units"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新增：{point}")
            return HttpResponseRedirect(reverse("standards:qcpoint_detail", args=[point.pk]))
    return render(request, "standards/qcpoint_edit.html", {"form": form, "point": None},
                  status=400 if request.method == "POST" else 200)


def _import_context(request: HttpRequest) -> dict[str, Any]:
    return {"verbose_name_plural": "质控点（标准链）", "list_url": reverse("standards:qcpoint_list"),
            "template_url": reverse("standards:qcpoint_template"), "export_url": reverse("standards:qcpoint_export")}


@login_required
def qcpoint_import(request: HttpRequest) -> HttpResponse:
    """Excel import of the standard chain (QCPointImporter): all-or-nothing, every bad row listed."""
    institution = institution_for(request, {Role.QUALITY_OFFICE})
    context = _import_context(request)
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > settings.ZHENGAI_IMPORT_MAX_BYTES:
            context["file_error"] = "请选择要导入的文件" if upload is None else "文件太大"
        else:
            result = QCPointImporter(institution, request.user).run(upload.read(), upload.name)
            context.update({"result": result, "filename": upload.name, "file_error": result.file_error})
            if result.ok:
                messages.success(request, result.summary)
        status = 200 if context.get("result") and context["result"].ok else 400
    return render(request, "core/object_import.html", context, status=status)


@login_required
def qcpoint_template(request: HttpRequest) -> HttpResponse:
    importer = QCPointImporter(institution_for(request), request.user)
    return xlsx_response(importer.template(), "质控点导入模板.xlsx")


@login_required
def qcpoint_export(request: HttpRequest) -> HttpResponse:
    """Every QC point the user may see (retired ones too, marked 否), in the import's layout."""
    institution = institution_for(request)
    qs = _points(request).order_by("level", "order", "code")
    response = xlsx_response(QCPointImporter(institution, request.user).template(qs), "质控点.xlsx")
    audit.record_export(actor=request.user, institution=institution, what="质控点", subject=QCPoint, count=qs.count())
    return response


@login_required
@require_POST
def qcpoint_retire(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_for_user(_points(request), request.user, CHANGE, pk=pk)
    active = request.POST.get("active") == "1"
    services.qcpoint_retire(actor=request.user, point=point, active=active)
    messages.success(request, f"已{'恢复' if active else '停用'}：{point}")
    return HttpResponseRedirect(reverse("standards:qcpoint_detail", args=[point.pk]))


@login_required
def qcpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_for_user(_points(request), request.user, VIEW, pk=pk)
    own = OwnTarget.objects.restrict(request.user).filter(qc_point=point).select_related("major", "course",
                                                                                           "teacher")
    kind = {Level.MAJOR: "major", Level.COURSE: "course", Level.TEACHER: "teacher"}.get(point.level)
    mine = _owned_entities(request, point, kind) if kind else []
    return render(request, "standards/qcpoint_detail.html", {
        "point": point, "own_targets": own, "can_change": can(request.user, point, CHANGE),
        "points": point.points.select_related("element__project__framework"),
        "supporting": point.supporting_units.all(), "my_entities": mine, "kind": kind})


def _owned_entities(request: HttpRequest, point: QCPoint, kind: str) -> list:
    """The entities of the point's level the user may set own targets for."""
    access = access_for(request.user)
    qs = entity_model(kind).objects.filter(institution=point.institution)
    if access.is_superuser or access.has_role({Role.QUALITY_OFFICE}, point.institution_id):
        return list(qs[:200])
    if kind == "major":
        return list(qs.filter(pk__in=access.scoped_ids(Role.MAJOR_LEADER, Major)))
    if kind == "course":
        return list(qs.filter(pk__in=access.scoped_ids(Role.COURSE_LEADER, Course)))
    return list(qs.filter(user_id=request.user.pk))


@login_required
def qcpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request)
    point = get_object_for_user(_points(request), request.user, CHANGE, pk=pk)
    form = QCPointForm(request.POST or None, instance=QCPoint.objects.get(pk=point.pk), institution=institution,
                       user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "supporting_units"}
        try:
            services.qcpoint_update(actor=request.user, point=point, data=data,
                                    supporting_units=form.cleaned_data["supporting_units"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存：{point}")
            return HttpResponseRedirect(reverse("standards:qcpoint_detail", args=[point.pk]))
    return render(request, "standards/qcpoint_edit.html", {"form": form, "point": point},
                  status=400 if request.method == "POST" else 200)


@login_required
def own_target(request: HttpRequest, pk: int, kind: str, entity_pk: int) -> HttpResponse:
    point = get_object_for_user(_points(request), request.user, VIEW, pk=pk)
    if kind not in OWN_TARGET_LEVELS:
        raise Http404
    entity = get_object_for_user(entity_model(kind).objects.filter(institution=point.institution), request.user,
                                 VIEW, pk=entity_pk)
    existing = OwnTarget.objects.filter(qc_point=point, **{kind: entity}).first()
    probe = existing or OwnTarget(institution=point.institution, qc_point=point, **{kind: entity})
    access = access_for(request.user)
    if not (access.is_superuser or _may_set(access, probe)):
        raise PermissionDenied("只有该对象的负责人或质管办可以设置自定目标")
    form = OwnTargetForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            services.own_target_set(actor=request.user, point=point, entity=entity, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存自定目标")
            return HttpResponseRedirect(reverse("standards:qcpoint_detail", args=[point.pk]))
    return render(request, "standards/own_target.html", {"form": form, "point": point, "entity": entity},
                  status=400 if request.method == "POST" else 200)


def _may_set(access: Any, probe: OwnTarget) -> bool:
    """Whether the user may create this (unsaved) own target: the gate's rule applied to one object."""
    if access.has_role({Role.QUALITY_OFFICE}, probe.institution_id):
        return True
    if probe.major_id:
        return probe.major_id in access.scoped_ids(Role.MAJOR_LEADER, Major)
    if probe.course_id:
        return probe.course_id in access.scoped_ids(Role.COURSE_LEADER, Course)
    if probe.teacher_id:
        return probe.teacher.user_id == access.user.pk
    return False
