"""Forms of the reports pages (the report's own table is read field by field in the view: its rows vary)."""

from __future__ import annotations

from django import forms

from zhengai.core.forms import Form

from .choices import ReportKind, ReportState


class CreateForm(Form):
    entity = forms.ChoiceField(label="报告对象")
    year = forms.IntegerField(label="学年（起始年份）", min_value=2000, max_value=2100,
                              help_text="如 2025 表示 2025—2026 学年")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [("", "请选择")] + [(v, label) for v, label, _ in choices]


class FilterForm(Form):
    year = forms.IntegerField(label="学年", required=False)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部")] + ReportKind.choices)
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + ReportState.choices)


class ReturnForm(Form):
    reason = forms.CharField(label="退回原因", max_length=180)


class TemplateUploadForm(Form):
    kind = forms.ChoiceField(label="报告类型", choices=ReportKind.choices)
    file = forms.FileField(label="Word 模板（.docx）")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".docx"):
            raise forms.ValidationError("请上传 .docx 格式的 Word 文件")
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError("模板文件不能超过 10 MB")
        return f
