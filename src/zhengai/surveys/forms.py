"""The builder's forms, and the answer sheet: reading a submission question by question, listing every problem
in Chinese and keeping what was typed so the page can show it again."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from typing import Any

from django import forms

from zhengai.core import text as cleaner
from zhengai.core.choices import PeriodKind
from zhengai.core.forms import Form, ModelForm
from zhengai.core.models import Period
from zhengai.org.models import Klass, Major

from .choices import Counts, QuestionKind
from .models import Question, Section, Survey

TEXT_LIMIT = 2000
LIKERT_HELP = ("每行一个选项，从高到低；行尾可加“|满意”“|不满意”“|不计入”说明该项在满意度中如何计算。"
               "不填则用：很满意、满意、基本满意、不满意、很不满意。")


class SurveyForm(ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "description", "audience", "anonymous", "period", "cohorts", "majors", "classes",
                  "closes_on"]
        widgets = {"closes_on": forms.DateInput(attrs={"type": "date"}),
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, institution: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["majors"].queryset = Major.objects.filter(institution=institution, active=True)
        self.fields["classes"].queryset = Klass.objects.filter(institution=institution, active=True)
        self.fields["majors"].help_text = "面向在校学生时按专业、年级或班级选择；都不选为全体在校生"
        self.fields["period"].empty_label = "不写入状态数据"
        # State data is kept per academic year (A7-6-2, A7-6-3): no semester or month to choose.
        self.fields["period"].queryset = Period.objects.filter(kind=PeriodKind.ACADEMIC_YEAR).order_by("-start")

    def clean_cohorts(self) -> str:
        value = self.cleaned_data["cohorts"].replace("，", ",").replace(" ", "")
        parts = [p for p in value.split(",") if p]
        if any(not p.isdigit() or not 1990 <= int(p) <= 2100 for p in parts):
            raise forms.ValidationError("年级请填写四位年份，多个用逗号分隔，如 2023,2024")
        return ",".join(parts)

    def clean_title(self) -> str:
        return _clean(self.cleaned_data["title"])


class SectionForm(ModelForm):
    class Meta:
        model = Section
        fields = ["title", "description", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class QuestionForm(Form):
    section = forms.ModelChoiceField(queryset=Section.objects.none(), label="所在分节", empty_label=None)
    kind = forms.ChoiceField(label="题型", choices=QuestionKind.choices)
    text = forms.CharField(label="题目", max_length=300)
    help = forms.CharField(label="填写提示", max_length=300, required=False)
    required = forms.BooleanField(label="必答", required=False, initial=True)
    order = forms.IntegerField(label="顺序", min_value=0, max_value=999, initial=0)
    options = forms.CharField(label="选项", required=False, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text="单选、多选题每行一个选项。" + LIKERT_HELP)
    rows = forms.CharField(label="矩阵行", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="矩阵题每行一项，各项共用同一个量表")

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = survey.sections.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        lines = [_clean(x.strip()) for x in (data.get("options") or "").splitlines() if x.strip()]
        rows = [_clean(x.strip()) for x in (data.get("rows") or "").splitlines() if x.strip()]
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if len(lines) < 2:
                self.add_error("options", "单选、多选题至少需要两个选项")
            data["option_list"] = [{"label": x[:200]} for x in lines]
        elif kind in (QuestionKind.LIKERT, QuestionKind.MATRIX):
            data["option_list"] = parse_scale(lines) if lines else default_scale()
            if len(data["option_list"]) < 2:
                self.add_error("options", "量表至少需要两个选项")
        else:
            data["option_list"] = []
        if kind == QuestionKind.MATRIX and not rows:
            self.add_error("rows", "矩阵题至少需要一行")
        data["row_list"] = [x[:200] for x in rows] if kind == QuestionKind.MATRIX else []
        for name in ("text", "help"):
            if data.get(name):
                try:
                    data[name] = cleaner.clean(data[name])
                except ValueError as exc:
                    self.add_error(name, str(exc))
        labels = [o["label"] for o in data.get("option_list", [])]
        if len(set(labels)) != len(labels):
            self.add_error("options", "选项不能重复")
        return data


def _clean(value: str) -> str:
    try:
        return cleaner.clean(value)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


def default_scale() -> list[dict[str, Any]]:
    from .catalogue import LIKERT5

    return [dict(o) for o in LIKERT5]


COUNT_WORDS = {"满意": Counts.SATISFIED.value, "不满意": Counts.DISSATISFIED.value, "不计入": Counts.EXCLUDED.value}


def parse_scale(lines: list[str]) -> list[dict[str, Any]]:
    """A typed scale, highest first: scores count down from the number of scored options; an option marked
    不计入 has no score. Unmarked options: the upper half counts as satisfied, the lower as dissatisfied."""
    parsed = []
    for line in lines:
        label, _, mark = line.partition("|")
        parsed.append((label.strip()[:200], COUNT_WORDS.get(mark.strip())))
    scored = [p for p in parsed if p[1] != Counts.EXCLUDED.value]
    half = (len(scored) + 1) // 2
    result, rank = [], len(scored)
    for label, counts in parsed:
        if counts == Counts.EXCLUDED.value:
            result.append({"label": label, "score": None, "counts": counts})
            continue
        position = len(scored) - rank
        if counts is None:
            counts = Counts.SATISFIED.value if position < half else Counts.DISSATISFIED.value
        result.append({"label": label, "score": rank, "counts": counts})
        rank -= 1
    return result


def scale_text(question: Question) -> str:
    words = {v: k for k, v in COUNT_WORDS.items()}
    if question.scaled:
        return "\n".join(f"{o['label']}|{words.get(o.get('counts', ''), '不计入')}" for o in question.options)
    return "\n".join(question.labels)


# ---- the answer sheet ----------------------------------------------------------------------------------

@dataclass
class Item:
    """One question as the answer page shows it: its number, what was typed and its problem."""

    number: int
    question: Question
    value: Any = ""
    values: list[str] = field(default_factory=list)
    row_values: list[tuple[int, str, str]] = field(default_factory=list)  # (index, row, chosen)
    error: str = ""

    @property
    def name(self) -> str:
        return f"q{self.question.pk}"


@dataclass
class Sheet:
    items: list[Item]
    answers: list[dict[str, Any]]
    errors: list[str]


def blank_sheet(questions: list[Question]) -> Sheet:
    items = [Item(number=i, question=q, row_values=[(j, r, "") for j, r in enumerate(q.rows)])
             for i, q in enumerate(questions, start=1)]
    return Sheet(items=items, answers=[], errors=[])


def read_sheet(questions: list[Question], data: Any) -> Sheet:
    """Every answer of a submission, checked: `answers` (question, row, choice, number, text) when all is well,
    else `errors` — one line per problem, every problem listed — and the items keep what was typed."""
    sheet = Sheet(items=[], answers=[], errors=[])
    for number, question in enumerate(questions, start=1):
        item = Item(number=number, question=question)
        name = item.name
        title = f"第{number}题“{question.text[:40]}”"
        problem = ""
        kind = question.kind
        if kind == QuestionKind.MULTIPLE:
            item.values = [v for v in data.getlist(name) if v]
            if any(v not in question.labels for v in item.values):
                problem = f"{title}的选项无效，请重新选择"
            elif not item.values and question.required:
                problem = f"{title}为必答题，请至少选择一项"
            sheet.answers += [{"question": question, "choice": v} for v in item.values]
        elif kind == QuestionKind.MATRIX:
            missing = []
            for j, row in enumerate(question.rows):
                chosen = data.get(f"{name}_{j}", "")
                item.row_values.append((j, row, chosen))
                if chosen and chosen not in question.labels:
                    problem = f"{title}的“{row}”选项无效，请重新选择"
                elif chosen:
                    sheet.answers.append({"question": question, "row": row, "choice": chosen})
                elif question.required:
                    missing.append(row)
            if missing and not problem:
                problem = f"{title}还有未作答的行：{'、'.join(missing)}"
        else:
            item.value = (data.get(name) or "").strip()
            if not item.value:
                if question.required:
                    problem = f"{title}为必答题，请作答"
            elif kind in (QuestionKind.SINGLE, QuestionKind.LIKERT):
                if item.value not in question.labels:
                    problem = f"{title}的选项无效，请重新选择"
                else:
                    sheet.answers.append({"question": question, "choice": item.value})
            elif kind == QuestionKind.NUMBER:
                try:
                    number_value = decimal.Decimal(item.value.replace(",", "").replace("，", ""))
                    if not number_value.is_finite() or abs(number_value) >= 10 ** 12:
                        raise decimal.InvalidOperation
                    sheet.answers.append({"question": question, "number": number_value.quantize(
                        decimal.Decimal("0.01"))})
                except decimal.InvalidOperation:
                    problem = f"{title}请填写数字"
            else:
                if len(item.value) > TEXT_LIMIT:
                    problem = f"{title}不能超过{TEXT_LIMIT}字（现为{len(item.value)}字）"
                else:
                    try:
                        sheet.answers.append({"question": question, "text": cleaner.clean(item.value)})
                    except ValueError as exc:
                        problem = f"{title}：{exc}"
        item.error = problem
        if problem:
            sheet.errors.append(problem)
        sheet.items.append(item)
    if sheet.errors:
        sheet.answers = []
    return sheet


class InviteeForm(Form):
    typed = forms.CharField(label="逐行输入", required=False, widget=forms.Textarea(attrs={"rows": 6}),
                            help_text="每行一人：姓名或单位名称,联系方式,专业代码,毕业年份（后三项可不填），用逗号分隔")
    file = forms.FileField(label="或上传名单", required=False,
                           help_text="Excel 或 CSV，表头：姓名或单位、联系方式、专业代码、毕业年份")
