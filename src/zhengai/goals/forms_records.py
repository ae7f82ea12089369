"""Forms of a task's PDCA record: the record's text, a work item, the reviewer's opinion, an evidence upload."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengai.core.forms import Form, ModelForm

from .models import RecordItem, TaskRecord


def _inputs(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.TextInput, forms.NumberInput, forms.Select, forms.Textarea, forms.DateInput)):
            widget.attrs.setdefault("class", "input")


class RecordForm(ModelForm):
    class Meta:
        model = TaskRecord
        fields = ["goal_text", "standard_text", "opinion", "measures", "effects"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _inputs(self)


class RecordItemForm(ModelForm):
    class Meta:
        model = RecordItem
        fields = ["number", "content", "executor", "record_name", "result", "result_state", "deadline"]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = "留空则自动编号"
        _inputs(self)

    def _post_clean(self) -> None:
        # The record and the number's uniqueness are checked by the service, which knows the record.
        pass


class ReviewForm(Form):
    review_opinion = forms.CharField(label="学校核查意见", max_length=500, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2, "class": "input"}))


class EvidenceForm(Form):
    file = forms.FileField(label="支撑材料")
    item = forms.TypedChoiceField(label="对应工作内容", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, items: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "（整条记录）")] + [(i.pk, str(i)) for i in items]
        self.fields["item"].widget.attrs["class"] = "input"
