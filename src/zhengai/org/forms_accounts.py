"""Forms of the 账号与角色 pages. They only collect input; every rule is the `accounts` services'."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from zhengai.core.choices import Role
from zhengai.core.forms import Form

from .models import Unit

PERSON_KINDS = [("teacher", "教师（账号为工号）"), ("student", "学生（账号为学号）")]


class _Form(Form):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            if not isinstance(f.widget, (forms.CheckboxInput, forms.RadioSelect)):
                f.widget.attrs.setdefault("class", "input")


class AccountFilterForm(_Form):
    q = forms.CharField(label="搜索", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "账号或姓名", "type": "search"}))
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部"), *Role.choices])


class RoleForm(_Form):
    """授予角色: the role and, for a scoped role, the code of what it is for (hints per role on the page)."""

    role = forms.ChoiceField(label="角色", choices=Role.choices)
    scope_code = forms.CharField(label="范围代码", required=False, max_length=30,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}))


class AccountForm(RoleForm):
    """新增账号 with its first role."""

    username = forms.CharField(label="账号", max_length=150, help_text="登录用，建议用工号或学号",
                               widget=forms.TextInput(attrs={"autocomplete": "off"}))
    name = forms.CharField(label="姓名", max_length=50)
    # Shown as typed: the office hands the initial password to the person, a typo would lock them out.
    password = forms.CharField(label="初始密码", strip=False, help_text="至少8位；请告知本人",
                               widget=forms.TextInput(attrs={"autocomplete": "new-password"}))
    field_order = ["username", "name", "password", "role", "scope_code"]


class PasswordForm(_Form):
    password = forms.CharField(label="新密码", strip=False, help_text="至少8位；请告知本人",
                               widget=forms.TextInput(attrs={"autocomplete": "new-password"}))


class BulkForm(_Form):
    """批量开通: all the people of one unit who have no account yet, or those listed by code."""

    kind = forms.ChoiceField(label="对象", choices=PERSON_KINDS, initial="teacher", widget=forms.RadioSelect)
    unit = forms.ModelChoiceField(label="部门", required=False, queryset=Unit.objects.none(), empty_label="—",
                                  help_text="该部门（含下属科室、教研室）中尚无账号的全部教师或学生")
    codes = forms.CharField(label="或按名单", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="工号或学号，每行一个，也可用逗号、顿号或空格分隔")

    def __init__(self, *args: Any, units: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        codes = [c for c in re.split(r"[\s,，、;；]+", data.get("codes") or "") if c]
        if data.get("unit") and codes:
            raise forms.ValidationError("请选择部门或填写名单，二者选一")
        if not data.get("unit") and not codes and not self.errors:
            raise forms.ValidationError("请选择部门，或填写工号／学号名单")
        data["codes"] = codes or None
        return data
