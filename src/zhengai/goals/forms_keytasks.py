"""Forms of the key-task pages: a key task, an indicator, and the import upload. Choices (goals, departments,
people) come only from the user's institution, through the gate."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengai.core.forms import Form, InstitutionModelForm
from zhengai.core.middleware import institution_of
from zhengai.core.models import User
from zhengai.core.people import person_field

from .models import Goal, Indicator, KeyTask


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class KeyTaskForm(InstitutionModelForm):
    leader = _PersonChoice(queryset=User.objects.none(), required=False, label="分管领导",
                           help_text="平台中的用户；不在平台中的可在下一栏填写姓名")

    class Meta:
        model = KeyTask
        fields = ["number", "name", "goal", "source", "lead_unit", "deadline", "measures", "expected_results",
                  "leader", "leader_name"]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "measures": forms.Textarea(attrs={"rows": 3}),
                   "expected_results": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, request: Any, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        person_field(self, "leader", request.user, institution_of(request), current=self.instance.leader_id)
        self.fields["goal"].queryset = (Goal.objects.restrict(request.user).filter(institution=institution_of(request))
                                        .select_related("plan"))
        self.fields["goal"].label_from_instance = lambda g: f"{g.plan.name}：{g}"
        for name in ("leader", "goal", "source", "lead_unit"):
            self.fields[name].widget.attrs.setdefault("class", "input")


class IndicatorForm(InstitutionModelForm):
    head = _PersonChoice(queryset=User.objects.none(), required=False, label="部门负责人")

    class Meta:
        model = Indicator
        fields = ["content", "category", "unit", "head", "head_name", "due", "order"]
        widgets = {"due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, request: Any, level: int, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        person_field(self, "head", request.user, institution_of(request), current=self.instance.head_id)
        self.fields["head"].widget.attrs.setdefault("class", "input")
        self.fields["order"].required = False
        # 指标类别 belongs to the first level and 部门负责人 to the third (seed 002 表1).
        if level != 1:
            del self.fields["category"]
        if level != 3:
            del self.fields["head"]
            del self.fields["head_name"]

    def _post_clean(self) -> None:
        # The service validates level, parent and time node against the key task; the instance here is
        # not yet attached to one, so the model's own full_clean waits for the service.
        pass


class KeyTaskImportForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    file = forms.FileField(label="文件", help_text="按模板填写的 .xlsx、.xls、.ods 或 .csv 文件")
