from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from zhengai.core.choices import PeriodKind
from zhengai.core.forms import Form, InstitutionModelForm
from zhengai.core.models import Period

from . import services
from .choices import InstrumentKind
from .models import Instrument, Window

LOCAL = "%Y-%m-%dT%H:%M"


class InstrumentForm(Form):
    """A draft instrument: its name and its items one a line (the editor's format, see parse_items)."""

    kind = forms.ChoiceField(label="类型", choices=InstrumentKind.choices)
    name = forms.CharField(label="量表名称", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    items = forms.CharField(
        label="评价指标", widget=forms.Textarea(attrs={"rows": 14}),
        help_text="每行一项：评分指标写“一级指标 | 指标内容 | 权重”，如“教学态度 | 按时上下课 | 15”；"
                  "文字题写“文字 | 问题”。评分等级为 优秀/良好/中等/及格/差（95/85/75/65/50 分）。")

    def __init__(self, *args: Any, fixed_kind: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if fixed_kind:
            self.fields["kind"].disabled = True
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def clean_items(self) -> list[dict[str, Any]]:
        try:
            return services.parse_items(self.cleaned_data["items"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class WindowForm(InstitutionModelForm):
    class Meta:
        model = Window
        fields = ["name", "period", "instrument", "opens_at", "closes_at", "min_voters", "min_share"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input"}, format=LOCAL),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input"}, format=LOCAL),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(kind=PeriodKind.SEMESTER).order_by("-start")
        self.fields["instrument"].queryset = self.fields["instrument"].queryset.filter(published=True)
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = [LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def _post_clean(self) -> None:
        # The service validates the whole window (thresholds' floors, order of the two times); the model's own
        # check here would run before the institution is set.
        pass


class ReviewForm(Form):
    answer = forms.UUIDField()
    review = forms.ChoiceField(choices=[])


def instrument_initial(instrument: Instrument) -> dict[str, Any]:
    return {"kind": instrument.kind, "name": instrument.name, "description": instrument.description,
            "items": services.items_text(instrument)}
