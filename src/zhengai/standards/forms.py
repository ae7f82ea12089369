from __future__ import annotations

from django import forms
from django.db.models import Q

from zhengai.core.forms import InstitutionModelForm, ModelForm
from zhengai.core.models import User
from zhengai.core.people import person_field
from zhengai.org.choices import CourseType

from .models import Dimension, OwnTarget, QCPoint, Standard, StandardSet


class QCPointForm(ModelForm):
    excluded_course_types = forms.MultipleChoiceField(
        label="不适用的课程类型", choices=CourseType.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="仅课程层面：勾选的课程类型不计算本质控点，也不预警（如实践课时比例不适用于A类纯理论课）")

    class Meta:
        model = QCPoint
        fields = ["standard_item", "name", "qualitative", "owner", "definition", "formula", "unit", "operator",
                  "target", "standard", "warning", "standard_upper", "warning_upper", "cycle", "data_source",
                  "lead_unit", "supporting_units", "threshold_source", "excluded_course_types", "active"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 2}), "formula": forms.Textarea(attrs={"rows": 2}),
                   "threshold_source": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, institution=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhengai.org.models import Unit

        # The standard the point makes measurable: the institution's own chain, retired nodes not offered
        # (a point already under a retired standard keeps it).
        current = self.instance.standard_item_id if self.instance.pk else None
        self.fields["standard_item"].queryset = Standard.objects.filter(
            Q(active=True, dimension__active=True, dimension__standard_set__active=True) | Q(pk=current),
            institution=institution).select_related("dimension__standard_set")
        self.fields["standard_item"].label_from_instance = (
            lambda s: f"{s.dimension.standard_set.name} · {s.dimension.name} · {s.name}")
        units = Unit.objects.filter(institution=institution, active=True)
        self.fields["lead_unit"].queryset = units
        self.fields["supporting_units"].queryset = units
        if user is not None:
            # The staff of the institution, searched as you type — never a student or the authority's people.
            person_field(self, "owner", user, institution, current=self.instance.owner_id)
        else:
            from zhengai.core.people import STAFF_ROLES

            self.fields["owner"].queryset = User.objects.filter(
                memberships__institution=institution, memberships__active=True,
                memberships__role__in=STAFF_ROLES).distinct()


class QCPointCreateForm(QCPointForm):
    """The edit form plus what is fixed once a point exists: its code and level."""

    class Meta(QCPointForm.Meta):
        fields = ["code", "level", *QCPointForm.Meta.fields]


class OwnTargetForm(ModelForm):
    class Meta:
        model = OwnTarget
        fields = ["target", "standard", "warning", "note"]


# ---- the chain above the QC points ------------------------------------------------------------------------

class StandardSetForm(InstitutionModelForm):
    class Meta:
        model = StandardSet
        fields = ["level", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class DimensionForm(InstitutionModelForm):
    class Meta:
        model = Dimension
        fields = ["standard_set", "name", "order"]


class StandardForm(InstitutionModelForm):
    class Meta:
        model = Standard
        fields = ["dimension", "name", "content", "order"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A dimension's name repeats across levels (e.g. 师资队伍): show the level with it.
        self.fields["dimension"].queryset = self.fields["dimension"].queryset.select_related("standard_set")
        self.fields["dimension"].label_from_instance = lambda d: f"{d.standard_set.name} · {d.name}"
