from __future__ import annotations

from typing import Any

from django import forms

from zhengai.core.forms import Form

from .choices import Applicability
from .importers import DEPARTMENTS
from .models import Element, Framework, Point
from .services import POINT_FIELDS

TASKS_HELP = "每行一项任务：任务内容｜牵头部门｜责任部门（多个部门用“、”分隔）；后两项可省略。"


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        field.widget.attrs.setdefault("class", "input")


class FrameworkForm(Form):
    name = forms.CharField(label="名称", max_length=200)
    version = forms.CharField(label="版本", max_length=50, required=False,
                              help_text="本校修订后可改为自己的版本号，如“2025本校版”")
    notes = forms.CharField(label="说明", required=False, widget=forms.Textarea,
                            help_text="每行一条说明")

    def __init__(self, *args: Any, framework: Framework, **kwargs: Any):
        kwargs.setdefault("initial", {"name": framework.name, "version": framework.version,
                                      "notes": "\n".join(framework.notes)})
        super().__init__(*args, **kwargs)
        _styled(self)


class PointForm(Form):
    """A diagnosis point's texts and tasks; with `framework`, also where a new point goes."""

    element = forms.ModelChoiceField(label="所属诊断要素", queryset=Element.objects.none())
    number = forms.CharField(label="诊断点编号", max_length=30, required=False,
                             help_text="留空则自动编号（要素编号.序号）")
    name = forms.CharField(label="诊断点名称", max_length=200)
    requirement = forms.CharField(label="质量要求/参考提示", required=False, widget=forms.Textarea)
    indicators = forms.CharField(label="关键量化指标", required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    state_tables = forms.CharField(label="状态数据表", required=False, help_text="状态数据表编号，仅作参考")
    applicability = forms.ChoiceField(label="适用标记", choices=Applicability.choices, required=False)
    tasks = forms.CharField(label="诊改任务", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=TASKS_HELP)

    def __init__(self, *args: Any, framework: Framework | None = None, point: Point | None = None,
                 **kwargs: Any):
        if point is not None:
            lines = ["｜".join([t.content, t.lead, "、".join(t.departments)]).rstrip("｜")
                     for t in point.tasks.all()]
            kwargs.setdefault("initial", {
                "name": point.name, "requirement": point.requirement, "indicators": point.indicators,
                "state_tables": point.state_tables, "applicability": point.applicability,
                "tasks": "\n".join(lines),
            })
        super().__init__(*args, **kwargs)
        if framework is None:
            del self.fields["element"], self.fields["number"]
        else:
            self.fields["element"].queryset = (Element.objects.filter(project__framework=framework)
                                               .select_related("project").order_by("project__order", "order"))
        if framework is not None:
            self.fields["requirement"].label = framework.text_label
        elif point is not None:
            self.fields["requirement"].label = point.element.project.framework.text_label
        _styled(self)

    def clean_tasks(self) -> list[dict[str, Any]]:
        tasks = []
        for line in self.cleaned_data["tasks"].splitlines():
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            if parts[0]:
                parts += ["", ""]
                tasks.append({"content": parts[0], "lead": parts[1], "departments": DEPARTMENTS(parts[2])})
        return tasks

    def point_fields(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in POINT_FIELDS}


class ImportForm(Form):
    file = forms.FileField(label="Excel文件",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods"}))
