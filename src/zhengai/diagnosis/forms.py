"""Forms of the spiral's settings, cycle and assessment pages: they only parse what was typed; the services
decide whether it may be done."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengai.core.forms import Form, ModelForm
from zhengai.standards.models import QCPoint

from .choices import DiagnosisKind, Frequency, Gate, StageScheme
from .models import Improvement, Stage


class SchemeForm(Form):
    scheme = forms.ChoiceField(label="螺旋步骤方案", choices=StageScheme.choices)


class StageForm(ModelForm):
    class Meta:
        model = Stage
        fields = ["name", "gate", "output", "description"]
        labels = {"name": "步骤名称", "gate": "关卡", "output": "完成时须提交", "description": "说明"}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Left empty, a new step asks for what a built-in step of its name produces (else evidence) and an
        # edited step keeps what it asked for.
        self.fields["output"].required = False


class ScheduleForm(Form):
    name = forms.CharField(label="名称", max_length=100)
    frequency = forms.ChoiceField(label="周期", choices=Frequency.choices)
    active = forms.BooleanField(label="有效", required=False)


class AdvanceForm(Form):
    """Completing the current step: a note, and what the step produces (the page shows only the fields its
    stage asks for; the service decides what is missing)."""

    note = forms.CharField(label="工作记录", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="本步骤做了什么、依据哪些材料")
    evidence_file = forms.FileField(label="证据文件", required=False,
                                    help_text="本步骤形成的文件：目标、标准、计划文本，工作记录，培训记录等")
    evidence_url = forms.CharField(label="或证据链接", required=False, max_length=500,
                                   help_text="文件或系统页面的地址：以 http:// 或 https:// 开头，"
                                             "或本平台页面（以 / 开头）")
    finding_text = forms.CharField(label="诊断发现", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text="对照目标和标准发现的问题")
    improvement = forms.ModelChoiceField(label="改进措施", queryset=None, required=False, empty_label="请选择改进措施")

    def __init__(self, *args: Any, improvements: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["improvement"].queryset = improvements if improvements is not None else Improvement.objects.none()


class CloseForm(Form):
    summary = forms.CharField(label="诊断结论", widget=forms.Textarea(attrs={"rows": 4}))


class FindingForm(Form):
    element = forms.ModelChoiceField(label="诊断要素", queryset=None, required=False, empty_label="（不指定）")
    qc_point = forms.ModelChoiceField(label="质控点", queryset=None, required=False, empty_label="（不指定）")
    text = forms.CharField(label="存在问题", widget=forms.Textarea(attrs={"rows": 3}))
    cause = forms.CharField(label="原因分析", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, elements: Any, cycle: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["element"].queryset = elements
        self.fields["qc_point"].queryset = QCPoint.objects.filter(
            institution_id=cycle.institution_id, level=cycle.level, active=True).order_by("order", "code")


class CycleFilterForm(Form):
    """The list's filters (all optional; unknown values are simply ignored)."""

    level = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", "全部"), *DiagnosisKind.choices])
    state = forms.ChoiceField(required=False)
    period = forms.CharField(required=False)
    q = forms.CharField(required=False)


class AssessmentForm(Form):
    """Overall conclusion and deadline; the per-element verdicts are read from `agree_<pk>` / `reason_<pk>`
    so the page can list every element of the framework in one table."""

    conclusion = forms.CharField(label="总体意见", widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(label="限期改进日期", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, elements: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.elements = list(elements)

    def element_rows(self) -> list[dict[str, Any]]:
        data = self.data if self.is_bound else {}
        return [{"element": e, "agree": data.get(f"agree_{e.pk}", ""), "reason": data.get(f"reason_{e.pk}", "")}
                for e in self.elements]

    def items(self) -> list[tuple[Any, bool, str]]:
        """(element, agrees, reason) for every element the assessor gave a verdict on."""
        result = []
        for row in self.element_rows():
            if row["agree"] in ("yes", "no"):
                result.append((row["element"], row["agree"] == "yes", row["reason"]))
        return result


GATE_CHOICES = Gate.choices
