"""Pages of the standard chain above the QC points — standard sets (标准体系), dimensions (维度 / 类型) and
standards (标准 / 主要标准要素): list with search and pages, detail with what hangs below, edit and retire,
through the generic object views; dimensions also by Excel in the seeds' 类型 · 主要标准要素 layout.

Everyone of the institution reads the chain; only the quality office changes it (the models' gate)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.http import HttpRequest
from django.urls import reverse

from zhengai.core.choices import Role
from zhengai.core.generic import ObjectViews
from zhengai.core.middleware import institution_of
from zhengai.core.permissions import VIEW

from . import filters, forms, services, tables
from .importers import ChainImporter
from .models import Dimension, QCPoint, Standard, StandardSet


def _block(title: str, qs: Any, url_name: str, empty: str, label: Any = str) -> dict[str, Any]:
    items = [{"label": label(o) + ("（已停用）" if getattr(o, "active", True) is False else ""),
              "url": reverse(url_name, args=[o.pk])} for o in qs[:100]]
    return {"title": title, "count": qs.count(), "items": items, "empty": empty}


class ChainViews(ObjectViews):
    namespace = "standards"
    add_roles: ClassVar[set[str]] = {Role.QUALITY_OFFICE}
    kind: ClassVar[str]

    @classmethod
    def create(cls, request: HttpRequest, form: Any) -> models.Model:
        write = getattr(services, f"{cls.name}_create")
        return write(actor=request.user, institution=institution_of(request), **form.cleaned_data)[0]

    @classmethod
    def update(cls, request: HttpRequest, obj: models.Model, form: Any) -> models.Model:
        write = getattr(services, f"{cls.name}_update")
        return write(actor=request.user, **{cls.name: obj}, **form.cleaned_data)[0]

    @classmethod
    def retire(cls, request: HttpRequest, obj: models.Model, active: bool) -> None:
        services.chain_node_retire(actor=request.user, node=obj, active=active)  # type: ignore[arg-type]

    @classmethod
    def context(cls, request: HttpRequest) -> dict[str, Any]:
        context = super().context(request)
        context["chain_url"] = reverse("standards:chain")
        return context


class StandardSetViews(ChainViews):
    model, name, path = StandardSet, "standardset", "sets"
    table, filterset, form = tables.StandardSetTable, filters.StandardSetFilter, forms.StandardSetForm
    detail_fields: ClassVar[list[str]] = ["level", "name", "description", "active"]
    list_order: ClassVar[list[str]] = ["level", "pk"]

    @classmethod
    def related(cls, request: HttpRequest, obj: StandardSet) -> list[dict[str, Any]]:
        qs = Dimension.objects.restrict(request.user, VIEW).filter(standard_set=obj)
        return [_block("维度", qs, "standards:dimension_detail", "还没有维度：新增维度，或按“类型·主要标准要素”导入。")]


class DimensionViews(ChainViews):
    model, name, path = Dimension, "dimension", "dimensions"
    table, filterset, form = tables.DimensionTable, filters.DimensionFilter, forms.DimensionForm
    importer = ChainImporter
    detail_fields: ClassVar[list[str]] = ["standard_set", "name", "order", "active"]
    list_order: ClassVar[list[str]] = ["standard_set__level", "order", "pk"]
    select_related: ClassVar[list[str]] = ["standard_set"]

    @classmethod
    def related(cls, request: HttpRequest, obj: Dimension) -> list[dict[str, Any]]:
        qs = Standard.objects.restrict(request.user, VIEW).filter(dimension=obj)
        return [_block("标准（主要标准要素）", qs, "standards:standard_detail", "还没有标准。")]


class StandardViews(ChainViews):
    model, name, path = Standard, "standard", "items"
    table, filterset, form = tables.StandardTable, filters.StandardFilter, forms.StandardForm
    detail_fields: ClassVar[list[str]] = ["dimension", "name", "content", "order", "active"]
    list_order: ClassVar[list[str]] = ["dimension__standard_set__level", "dimension__order", "order", "pk"]
    select_related: ClassVar[list[str]] = ["dimension__standard_set"]

    @classmethod
    def related(cls, request: HttpRequest, obj: Standard) -> list[dict[str, Any]]:
        qs = QCPoint.objects.restrict(request.user, VIEW).filter(standard_item=obj)
        return [_block("质控点", qs, "standards:qcpoint_detail", "还没有质控点使本标准可测量。")]


CHAIN_KINDS: list[type[ChainViews]] = [StandardSetViews, DimensionViews, StandardViews]
