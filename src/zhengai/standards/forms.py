from __future__ import annotations

from django import forms

from zhengai.core.forms import ModelForm
from zhengai.core.models import User
from zhengai.core.people import person_field
from zhengai.org.choices import CourseType

from .models import OwnTarget, QCPoint


class QCPointForm(ModelForm):
    excluded_course_types = forms.MultipleChoiceField(
        label="不适用的课程类型", choices=CourseType.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="仅课程层面：勾选的课程类型不计算本质控点，也不预警（如实践课时比例不适用于A类纯理论课）")

    class Meta:
        model = QCPoint
        fields = ["name", "qualitative", "owner", "definition", "formula", "unit", "operator", "target", "standard",
                  "warning", "standard_upper", "warning_upper", "cycle", "data_source", "lead_unit", "supporting_units",
                  "threshold_source", "excluded_course_types", "active"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 2}), "formula": forms.Textarea(attrs={"rows": 2}),
                   "threshold_source": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, institution=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhengai.org.models import Unit

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
