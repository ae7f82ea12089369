from __future__ import annotations

from django import forms

from zhengai.core.forms import Form

from .models import Lesson


class CancelForm(Form):
    reason = forms.CharField(label="停课原因", max_length=200)


class MakeupForm(Form):
    date = forms.DateField(label="补课日期", widget=forms.DateInput(attrs={"type": "date"}))
    first_period = forms.IntegerField(label="起始节次", min_value=1, max_value=20)
    last_period = forms.IntegerField(label="结束节次", min_value=1, max_value=20)
    room = forms.CharField(label="上课地点", max_length=60, required=False)
    replaces = forms.ModelChoiceField(label="补哪次课", queryset=Lesson.objects.none(), required=False,
                                      empty_label="（不指定）")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, offering=None, **kwargs):
        super().__init__(*args, **kwargs)
        if offering is not None:
            self.fields["replaces"].queryset = offering.lessons.filter(state="cancelled")


class LeaveForm(Form):
    start_date = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    first_period = forms.IntegerField(label="起始节次（全天请留空）", min_value=1, max_value=20, required=False)
    last_period = forms.IntegerField(label="结束节次（全天请留空）", min_value=1, max_value=20, required=False)
    reason = forms.CharField(label="请假事由", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
