"""Forms of the improvement loop: plan a measure, start it, record its effect. They only collect what was
typed; the rules (who may, the effect rule) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from zhengai.core.forms import Form
from zhengai.core.models import User
from zhengai.core.numbers import with_unit
from zhengai.core.people import person_field
from zhengai.monitoring.models import Measurement

from .choices import ImprovementKind

DATE = forms.DateInput(attrs={"type": "date", "class": "input"}, format="%Y-%m-%d")


class ImprovementForm(Form):
    measure = forms.CharField(label="改进措施", widget=forms.Textarea(attrs={"rows": 4, "class": "input"}),
                              help_text="针对问题原因，写清做什么、怎么做")
    kind = forms.ChoiceField(label="改进方式", choices=ImprovementKind.choices, initial=ImprovementKind.INCREMENTAL)
    owner = forms.ModelChoiceField(label="责任人", queryset=User.objects.none())
    deadline = forms.DateField(label="完成期限", widget=DATE)
    expected_effect = forms.CharField(label="预期效果", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2, "class": "input"}),
                                      help_text="计划达到的目标；实际效果在措施实施后依据测量结果填写")
    element = forms.ModelChoiceField(label="诊断要素", required=False, queryset=None)
    cycle = forms.ModelChoiceField(label="诊改周期", required=False, queryset=None,
                                   help_text="可选：记入该对象正在进行的诊改周期")

    def __init__(self, *args: Any, user: Any, institution: Any, elements: Any, cycles: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The staff of the institution, searched as you type — never a student or the authority's people.
        person_field(self, "owner", user, institution)
        self.fields["element"].queryset = elements
        self.fields["cycle"].queryset = cycles


class StartForm(Form):
    started_on = forms.DateField(label="开始实施日期", widget=DATE, initial=timezone.localdate)


class MeasurementChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Measurement) -> str:
        value = "无数据" if obj.value is None else with_unit(obj.value, obj.qc_point.unit)
        return (f"{obj.period} · 第{obj.version}版 · {value}（{obj.get_status_display()}）· "
                f"计算于 {timezone.localtime(obj.computed_at):%Y-%m-%d %H:%M}")


class EffectForm(Form):
    measurement = MeasurementChoice(label="依据的测量结果", required=False, queryset=Measurement.objects.none(),
                                    empty_label="— 请选择措施实施之后的测量结果 —")
    not_carried_out = forms.BooleanField(label="措施尚未实施", required=False)
    effect = forms.CharField(label="改进效果", required=False,
                             widget=forms.Textarea(attrs={"rows": 3, "class": "input"}),
                             help_text="写实施措施之后已经显现的实际效果，不写预测或估计；措施尚未实施的，请勾选并说明")

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["measurement"].queryset = candidates
