"""The offering list's table and filter: search by code, name or course, filter by semester."""

from __future__ import annotations

from typing import Any

import django_filters as filters
import django_tables2 as tables
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from zhengai.core.models import Period

from .models import Offering


class OfferingTable(tables.Table):
    code = tables.Column(verbose_name="教学班代码")
    name = tables.Column(verbose_name="教学班名称")
    course = tables.Column(verbose_name="课程")
    period = tables.Column(verbose_name="学期")
    teachers = tables.ManyToManyColumn(verbose_name="授课教师", separator="、")

    class Meta:
        model = Offering
        fields = ("code", "name", "course", "period", "teachers")
        attrs = {"class": "table"}

    def render_name(self, value: Any, record: Offering) -> str:
        return format_html('<a href="{}">{}</a>', reverse("teaching:offering_detail", args=[record.pk]), value)


class OfferingFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="搜索")
    period = filters.ModelChoiceFilter(queryset=Period.objects.none(), label="学期", empty_label="全部")

    class Meta:
        model = Offering
        fields = ["q", "period"]

    def __init__(self, data: Any = None, *args: Any, request: Any, **kwargs: Any):
        super().__init__(data, *args, request=request, **kwargs)
        self.filters["period"].queryset = Period.objects.filter(
            pk__in=Offering.objects.restrict(request.user).values("period_id")).order_by("-start")

    def search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)
                               | Q(course__name__icontains=value) | Q(course__code__icontains=value))
