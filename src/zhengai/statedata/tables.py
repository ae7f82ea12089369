"""List tables and filters of the state-data tables, generated from each model (period, entity, fields)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
import django_tables2 as tables
from django import forms
from django.core.exceptions import FieldDoesNotExist
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


# The relations a row may be followed through to reach the entity a measurement describes (a teacher's unit, a
# student's class…): a lineage link names its path, and nothing else may be traversed from a query string.
REACH_STEPS = {"unit", "major", "course", "teacher", "student", "klass", "parent"}


def reach_q(model: type, value: str) -> Q | None:
    """Rows of `model` whose entity at `path` is `pk`, from "path:pk" (a measure's path from a row to the entity
    of its level, e.g. "teacher__unit:3"); None when the value names no such path of the model."""
    path, _, pk = (value or "").partition(":")
    if not pk.isdigit() or not path:
        return None
    current = model
    for step in path.split("__"):
        if step not in REACH_STEPS:
            return None
        try:
            field = current._meta.get_field(step)
        except FieldDoesNotExist:
            return None
        if not (field.is_relation and field.many_to_one):
            return None
        current = field.related_model
    return Q(**{f"{path}_id": int(pk)})


def periods_q(value: str) -> Q | None:
    """Rows of the listed periods ("3,4,5": a measure that reads several years or the semesters of one)."""
    ids = [int(v) for v in (value or "").split(",") if v.strip().isdigit()]
    return Q(period_id__in=ids) if ids else None


class StateFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="搜索")
    # Set by the links from a measurement's page (its source rows), not typed: hidden in the form.
    of = filters.CharFilter(method="reach", label="", widget=forms.HiddenInput)
    periods = filters.CharFilter(method="within", label="", widget=forms.HiddenInput)

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

    def reach(self, queryset: Any, name: str, value: str) -> Any:
        q = reach_q(self._meta.model, value)
        return queryset.filter(q) if q is not None else queryset.none()

    def within(self, queryset: Any, name: str, value: str) -> Any:
        q = periods_q(value)
        return queryset.filter(q) if q is not None else queryset.none()

    def search(self, queryset: Any, name: str, value: str) -> Any:
        q = Q(table_code__icontains=value)
        for entity in self._meta.model.entities:
            q |= Q(**{f"{entity}__code__icontains": value}) | Q(**{f"{entity}__name__icontains": value})
        return queryset.filter(q)


def filter_for(model: type[sd.StateRecord]) -> type[StateFilter]:
    meta = type("Meta", (), {"model": model, "fields": ["q", "period", *model.entities, "of", "periods"]})
    return type(f"{model.__name__}Filter", (StateFilter,), {"Meta": meta})
