"""Forms of the monitoring pages: the bulk handling of warnings. They only parse what was sent; the service
decides which warnings the user may act on."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengai.core.forms import Form
from zhengai.core.models import User
from zhengai.core.people import person_field

from .services import BULK_ACTIONS


class BulkForm(Form):
    action = forms.ChoiceField(label="批量操作", choices=list(BULK_ACTIONS.items()))
    assignee = forms.ModelChoiceField(label="指派给", queryset=User.objects.none(), required=False,
                                      help_text="选择“指派”时填写：本院校的教职工")
    note = forms.CharField(label="备注", required=False, max_length=1000,
                           widget=forms.TextInput(attrs={"placeholder": "备注（添加备注时必填）"}))

    def __init__(self, *args: Any, user: Any, institution: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        person_field(self, "assignee", user, institution)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", "请选择指派给谁")
        if data.get("action") == "note" and not (data.get("note") or "").strip():
            self.add_error("note", "请填写备注")
        return data
