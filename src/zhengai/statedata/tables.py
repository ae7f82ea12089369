"""List tables and filters of the state-data tables, generated from each model (period, entity, fields)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
import django_tables2 as tables
from django.db.models import Q

from zhengai.core.middleware import institution_of
from zhengai.core.models import Period
from zhengai.core.permissions import VIEW

from . import models as sd


def columns(model: type[sd.StateRecord]) -> list[str]:
    skip = {"id", "institution", "table_version", "last_import"}
    return [f.name for f in model._meta.concrete_fields if f.name not in skip]


def table_for(model: type[sd.StateRecord]) -> type[tables.Table]:
    fields = tuple(columns(model))
    meta = type("Meta", (), {"model": model, "fields": fields, "sequence": fields, "attrs": {"class": "table"},
                             "orderable": False})
    return type(f"{model.__name__}Table", (tables.Table,), {"Meta": meta})


class StateFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="搜索")

    def __init__(self, data: Any = None, *args: Any, request: Any, **kwargs: Any):
        super().__init__(data, *args, request=request, **kwargs)
        institution = institution_of(request)
        model = self._meta.model
        self.filters["period"].queryset = Period.objects.filter(kind=model.basis).order_by("-start")
        self.filters["period"].extra["empty_label"] = "全部"
        for name in model.entities:
            related = model._meta.get_field(name).related_model
            self.filters[name].queryset = related.objects.restrict(request.user, VIEW).filter(institution=institution)
            self.filters[name].extra["empty_label"] = "全部"

    def search(self, queryset: Any, name: str, value: str) -> Any:
        q = Q(table_code__icontains=value)
        for entity in self._meta.model.entities:
            q |= Q(**{f"{entity}__code__icontains": value}) | Q(**{f"{entity}__name__icontains": value})
        return queryset.filter(q)


def filter_for(model: type[sd.StateRecord]) -> type[StateFilter]:
    meta = type("Meta", (), {"model": model, "fields": ["q", "period", *model.entities]})
    return type(f"{model.__name__}Filter", (StateFilter,), {"Meta": meta})
