"""List filters of the standard chain: a search box, the level or parent, and 含已停用 (the org lists' base,
which binds the filter so retired rows are hidden on a first visit and limits related choices to the
user's institution through the gate)."""

from __future__ import annotations

import django_filters as filters

from zhengai.org.filters import OrgFilter

from .choices import Level
from .models import Dimension, Standard, StandardSet


class StandardSetFilter(OrgFilter):
    search_fields = ("name", "description")

    class Meta:
        model = StandardSet
        fields = ["q", "level", "inactive"]


class DimensionFilter(OrgFilter):
    search_fields = ("name",)
    level = filters.ChoiceFilter(field_name="standard_set__level", choices=Level.choices, label="层面")

    class Meta:
        model = Dimension
        fields = ["q", "level", "standard_set", "inactive"]


class StandardFilter(OrgFilter):
    search_fields = ("name", "content", "dimension__name")
    level = filters.ChoiceFilter(field_name="dimension__standard_set__level", choices=Level.choices, label="层面")

    class Meta:
        model = Standard
        fields = ["q", "level", "dimension", "inactive"]
