"""Generic list / detail / edit / retire / import / export views that every app's object pages share.

An app describes one kind of object with an `ObjectViews` subclass (model, table, filter, form, importer,
services) and gets its URL patterns from `.urls()`. Every view reads through the permission gate.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views import View
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from . import audit
from .importing import import_start
from .middleware import institution_of
from .permissions import CHANGE, VIEW, access_for, can, get_object_for_user
from .spreadsheets import SpreadsheetError, read_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class ObjectViews:
    """The description of one kind of object's pages. Subclass and set the attributes."""

    model: ClassVar[type[models.Model]]
    name: ClassVar[str]                    # URL name stem, e.g. "major"
    path: ClassVar[str]                    # URL path stem, e.g. "majors"
    table: ClassVar[Any]
    filterset: ClassVar[Any]
    form: ClassVar[Any]
    importer: ClassVar[Any] = None
    detail_fields: ClassVar[list[str]] = []
    list_order: ClassVar[list[str]] = ["code"]
    select_related: ClassVar[list[str]] = []
    prefetch_related: ClassVar[list[str]] = []
    # Roles that may add objects of this kind (and import them) in their institution.
    add_roles: ClassVar[set[str]] = set()
    namespace: ClassVar[str] = ""
    # Kinds about one person (the teacher roster, students): every page of the kind answers 404 to the authority
    # and its experts, who see a college's institution-level data only.
    member_only: ClassVar[bool] = False
    # A list template extending core/object_list.html, where a kind needs more than the generic list.
    list_template: ClassVar[str] = "core/object_list.html"

    # -- permission helpers -------------------------------------------------------------------
    @classmethod
    def can_add(cls, request: HttpRequest) -> bool:
        institution = institution_of(request)
        if institution is None:
            return False
        access = access_for(request.user)
        return access.is_superuser or access.has_role(cls.add_roles, institution.pk)

    @classmethod
    def queryset(cls, request: HttpRequest, action: str = VIEW):
        institution = institution_of(request)
        qs = cls.model.objects.restrict(request.user, action)
        qs = qs.filter(institution=institution) if institution is not None else qs.none()
        if cls.select_related:
            qs = qs.select_related(*cls.select_related)
        if cls.prefetch_related:
            qs = qs.prefetch_related(*cls.prefetch_related)
        return qs

    # -- writes: overridden by apps to call their services --------------------------------------
    @classmethod
    def create(cls, request: HttpRequest, form: Any) -> models.Model:
        raise NotImplementedError

    @classmethod
    def update(cls, request: HttpRequest, obj: models.Model, form: Any) -> models.Model:
        raise NotImplementedError

    @classmethod
    def retire(cls, request: HttpRequest, obj: models.Model, active: bool) -> None:
        from .services import set_active

        set_active(actor=request.user, obj=obj, active=active)

    # -- url helpers ----------------------------------------------------------------------------
    @classmethod
    def url_name(cls, action: str) -> str:
        return f"{cls.namespace}:{cls.name}_{action}" if cls.namespace else f"{cls.name}_{action}"

    @classmethod
    def urls(cls) -> list:
        stem = cls.path
        patterns = [
            path(f"{stem}/", ObjectListView.as_view(views=cls), name=f"{cls.name}_list"),
            path(f"{stem}/add/", ObjectEditView.as_view(views=cls), name=f"{cls.name}_add"),
            path(f"{stem}/<int:pk>/", ObjectDetailView.as_view(views=cls), name=f"{cls.name}_detail"),
            path(f"{stem}/<int:pk>/edit/", ObjectEditView.as_view(views=cls), name=f"{cls.name}_edit"),
            path(f"{stem}/<int:pk>/retire/", ObjectRetireView.as_view(views=cls), name=f"{cls.name}_retire"),
        ]
        if cls.importer is not None:
            patterns += [
                path(f"{stem}/import/", ImportView.as_view(views=cls), name=f"{cls.name}_import"),
                path(f"{stem}/import/template/", TemplateView.as_view(views=cls), name=f"{cls.name}_template"),
                path(f"{stem}/export/", ExportView.as_view(views=cls), name=f"{cls.name}_export"),
            ]
        return patterns

    @classmethod
    def context(cls, request: HttpRequest) -> dict[str, Any]:
        meta = cls.model._meta
        return {
            "views": cls,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            "can_add": cls.can_add(request),
            "has_import": cls.importer is not None,
            "list_url": reverse(cls.url_name("list")),
            "add_url": reverse(cls.url_name("add")),
            "import_url": reverse(cls.url_name("import")) if cls.importer else "",
            "template_url": reverse(cls.url_name("template")) if cls.importer else "",
            "export_url": reverse(cls.url_name("export")) if cls.importer else "",
        }


class _Base(LoginRequiredMixin):
    views: type[ObjectViews] = ObjectViews

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.views.member_only and request.user.is_authenticated:
            institution = institution_of(request)
            if institution is not None and access_for(request.user).only_authority(institution.pk):
                raise Http404("没有找到该页面")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(self.views.context(self.request))  # type: ignore[attr-defined]
        return context


class ObjectListView(_Base, SingleTableMixin, FilterView):
    paginate_by = 25

    def get_template_names(self) -> list[str]:
        return [self.views.list_template]

    def get_queryset(self):
        return self.views.queryset(self.request).order_by(*self.views.list_order)

    def get_table_class(self):
        return self.views.table

    def get_filterset_class(self):
        return self.views.filterset

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs


class ObjectDetailView(_Base, View):
    template_name = "core/object_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_for_user(self.views.queryset(request), request.user, VIEW, pk=pk)
        rows = []
        for name in self.views.detail_fields:
            field = obj._meta.get_field(name)
            if field.many_to_many:
                value = "、".join(str(o) for o in getattr(obj, name).all()) or "—"
            elif getattr(field, "choices", None):
                value = getattr(obj, f"get_{name}_display")() or "—"
            elif isinstance(field, models.BooleanField):
                value = "是" if getattr(obj, name) else "否"
            else:
                value = getattr(obj, name)
                value = "—" if value in (None, "") else value
            rows.append((field.verbose_name, value))
        context = self.views.context(request)
        context.update({
            "object": obj,
            "rows": rows,
            "can_change": can(request.user, obj, CHANGE),
            "edit_url": reverse(self.views.url_name("edit"), args=[obj.pk]),
            "retire_url": reverse(self.views.url_name("retire"), args=[obj.pk]),
            "related": getattr(self.views, "related", lambda r, o: [])(request, obj),
            "history": _history(request, obj),
        })
        return render(request, self.template_name, context)


def _history(request: HttpRequest, obj: models.Model) -> list:
    from django.contrib.contenttypes.models import ContentType

    from .models import AuditEntry

    return list(
        AuditEntry.objects.restrict(request.user, VIEW)
        .filter(object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        .select_related("actor")[:20]
    )


class ObjectEditView(_Base, View):
    template_name = "core/object_edit.html"

    def _object(self, request: HttpRequest, pk: int | None):
        if pk is None:
            if not self.views.can_add(request):
                raise PermissionDenied("您的角色不能新增此类对象")
            return None
        return get_object_for_user(self.views.queryset(request), request.user, CHANGE, pk=pk)

    def _render(self, request: HttpRequest, form: Any, obj: Any) -> HttpResponse:
        context = self.views.context(request)
        context.update({"form": form, "object": obj})
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self._object(request, pk)
        form = self.views.form(instance=obj, request=request)
        return self._render(request, form, obj)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self._object(request, pk)
        # The form validates into a copy: the service compares the stored object with the new values
        # (to audit the change, or to find there is none).
        form = self.views.form(request.POST, instance=copy.copy(obj) if obj is not None else None, request=request)
        if form.is_valid():
            try:
                saved = self.views.create(request, form) if obj is None else self.views.update(request, obj, form)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"已保存：{saved}")
                return HttpResponseRedirect(reverse(self.views.url_name("detail"), args=[saved.pk]))
        return self._render(request, form, obj)


class ObjectRetireView(_Base, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_for_user(self.views.queryset(request), request.user, CHANGE, pk=pk)
        active = request.POST.get("active") == "1"
        self.views.retire(request, obj, active)
        messages.success(request, f"已{'恢复' if active else '停用'}：{obj}")
        return HttpResponseRedirect(reverse(self.views.url_name("detail"), args=[obj.pk]))


class ImportView(_Base, View):
    template_name = "core/object_import.html"

    def _check(self, request: HttpRequest) -> None:
        if not self.views.can_add(request):
            raise PermissionDenied("您的角色不能导入此类对象")

    def get(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        return render(request, self.template_name, self.views.context(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        self._check(request)
        context = self.views.context(request)
        upload = request.FILES.get("file")
        if upload is None:
            context["file_error"] = "请选择要导入的文件"
        elif upload.size > settings.ZHENGAI_IMPORT_MAX_BYTES:
            context["file_error"] = "文件太大"
        else:
            data = upload.read()
            importer = self.views.importer(institution_of(request), request.user)
            try:
                rows = read_rows(data, upload.name)
            except SpreadsheetError as exc:
                context["file_error"] = str(exc)
                rows = []
            if len(rows) - 1 > settings.ZHENGAI_IMPORT_INLINE_ROWS:
                # A large file would outlast the web request: import it in the background and show progress.
                job = import_start(importer_class=self.views.importer, institution=institution_of(request),
                                   actor=request.user, data=data, filename=upload.name,
                                   label=f"导入{self.views.model._meta.verbose_name_plural}：{upload.name}")
                return HttpResponseRedirect(reverse("core:job_detail", args=[job.pk]))
            if rows:
                result = importer.run_rows(rows)
                context["result"] = result
                context["filename"] = upload.name
                if result.ok:
                    messages.success(request, result.summary)
        status = 200 if context.get("result") and context["result"].ok else 400 if request.method == "POST" else 200
        return render(request, self.template_name, context, status=status)


class TemplateView(_Base, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        importer = self.views.importer(institution_of(request), request.user)
        return xlsx_response(importer.template(), f"{self.views.model._meta.verbose_name}导入模板.xlsx")


class ExportView(_Base, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        importer = self.views.importer(institution_of(request), request.user)
        filterset = self.views.filterset(request.GET, queryset=self.views.queryset(request), request=request)
        qs = filterset.qs.order_by(*self.views.list_order)
        name = self.views.model._meta.verbose_name_plural
        response = xlsx_response(importer.template(qs), f"{name}.xlsx")
        audit.record_export(actor=request.user, institution=institution_of(request), what=str(name),
                            subject=self.views.model, count=qs.count())
        return response
