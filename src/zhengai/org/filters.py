"""List filters of the org objects: a search box, the obvious filters, and 含已停用 (retired rows are hidden
unless it is ticked). Every choice of a related object comes from the user's institution through the gate."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q
from django_filters.filters import QuerySetRequestMixin

from zhengai.core.middleware import institution_of
from zhengai.core.permissions import VIEW

from . import models as org

YES_NO = forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")])


class OrgFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="搜索")
    inactive = filters.BooleanFilter(method="with_inactive", label="含已停用", widget=forms.CheckboxInput)
    search_fields: tuple[str, ...] = ("code", "name")
    labels: dict[str, str] = {}

    def __init__(self, data: Any = None, *args: Any, request: Any, **kwargs: Any):
        # An unbound FilterSet filters nothing, so a first visit would show retired rows: always bind it.
        super().__init__(data if data is not None else {}, *args, request=request, **kwargs)
        institution = institution_of(request)
        for name, f in self.filters.items():
            if isinstance(f, QuerySetRequestMixin):
                related = f.queryset.model.objects.restrict(request.user, VIEW)
                f.queryset = related.filter(institution=institution)
                f.extra["empty_label"] = "全部"
            elif isinstance(f, filters.ChoiceFilter):
                f.extra["empty_label"] = "全部"
            elif isinstance(f, filters.BooleanFilter) and name != "inactive":
                f.extra["widget"] = YES_NO
            if name in self.labels:
                f.label = self.labels[name]

    def search(self, queryset: Any, name: str, value: str) -> Any:
        q = Q()
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": value})
        return queryset.filter(q)

    def with_inactive(self, queryset: Any, name: str, value: bool) -> Any:
        return queryset if value else queryset.filter(active=True)


def _filterset(model: type, fields: list[str], search: tuple[str, ...] = ("code", "name"),
               labels: dict[str, str] | None = None, **one_of: str) -> type[OrgFilter]:
    """A FilterSet over `fields` (between the search box and 含已停用); `one_of` adds a single-choice filter
    over a many-to-many field (e.g. system="systems")."""
    declared = {name: filters.ModelChoiceFilter(field_name=path, distinct=True,
                                                queryset=model._meta.get_field(path).related_model.objects.none(),
                                                label=model._meta.get_field(path).verbose_name)
                for name, path in one_of.items()}
    meta = type("Meta", (), {"model": model, "fields": ["q", *fields, *one_of, "inactive"]})
    attrs = {**declared, "Meta": meta, "search_fields": search, "labels": labels or {}}
    return type(f"{model.__name__}Filter", (OrgFilter,), attrs)


UnitFilter = _filterset(org.Unit, ["kind", "parent"], system="systems")
SystemFilter = _filterset(org.VerticalSystem, [])
DutyFilter = _filterset(org.Duty, ["unit", "in_system"], search=("content",))
PostFilter = _filterset(org.Post, ["unit"])
WorkItemFilter = _filterset(org.WorkItem, ["post__unit", "post"], search=("content", "standard", "category"),
                            labels={"post__unit": "部门"})
QAGroupFilter = _filterset(org.QAGroup, ["kind", "unit"], search=("name",))
QAMemberFilter = _filterset(org.QAGroupMember, ["group", "position"], search=("name", "job_title"))
MajorFilter = _filterset(org.Major, ["unit", "key_level"])
CourseFilter = _filterset(org.Course, ["unit", "course_type", "is_core"], major="majors")
KlassFilter = _filterset(org.Klass, ["major__unit", "major", "cohort"], labels={"major__unit": "院系"})
TeacherFilter = _filterset(org.Teacher, ["unit", "kind", "title", "degree", "dual_qualified"])
StudentFilter = _filterset(org.Student, ["major", "klass", "cohort", "status"])
