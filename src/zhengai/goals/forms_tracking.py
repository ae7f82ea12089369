"""Forms of the tracking pages: the performance weights and the calendar events. They only collect what was
typed; the services validate and save."""

from __future__ import annotations

from django import forms

from zhengai.core.choices import Role
from zhengai.core.forms import ModelForm

from .models import CalendarEvent, PerformanceScheme


class SchemeForm(ModelForm):
    class Meta:
        model = PerformanceScheme
        fields = ["task_weight", "qc_weight", "improvement_weight", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class CalendarEventForm(ModelForm):
    roles = forms.MultipleChoiceField(label="提醒角色", choices=Role.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text="在提醒窗口内，持有这些角色的所有成员会收到通知")

    class Meta:
        model = CalendarEvent
        fields = ["name", "month", "day", "description", "remind_days", "roles", "active", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
