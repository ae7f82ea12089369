"""Forms of plans, goals and one-page plans. Choices come from the user's institution through the gate; the
forms only parse what was typed — the services decide what is valid and who may write it."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Q

from zhengai.core.forms import Form, InstitutionModelForm
from zhengai.core.middleware import institution_of
from zhengai.core.people import person_field
from zhengai.core.permissions import VIEW
from zhengai.org.entities import ENTITY_MODELS
from zhengai.standards.choices import Level
from zhengai.standards.models import QCPoint

from .choices import PLAN_LEVELS, OnePageLevel, PlanKind
from .models import Cost, Goal, Indicator, Objective, ObservationPoint, OnePagePlan, Plan, PlanTask, YearTarget
from .services import goal_parent_choices

DATE = forms.DateInput(attrs={"type": "date", "class": "input"}, format="%Y-%m-%d")
MONTHS = [(m, f"{m}月") for m in range(1, 13)]


def entity_options(user: Any, institution: Any, levels: list[str]) -> list[tuple[str, str, str]]:
    """Suggestions (level, code, name) for the object code field: what the user can see, at most 300 a level."""
    options = []
    for level in levels:
        if level == Level.SCHOOL or level not in ENTITY_MODELS:
            continue
        model = ENTITY_MODELS[level]
        qs = model.objects.restrict(user, VIEW).filter(institution=institution, active=True).order_by("code")
        options += [(level, code, name) for code, name in qs.values_list("code", "name")[:300]]
    return options


def resolve_entity(user: Any, institution: Any, level: str, code: str) -> Any:
    """The object of `level` with this code, among those the user can see; None if none."""
    if level == Level.SCHOOL or level not in ENTITY_MODELS or not code:
        return None
    return ENTITY_MODELS[level].objects.restrict(user, VIEW).filter(institution=institution, code=code.strip()).first()


class _Form(InstitutionModelForm):
    """Common: the institution, and the cleaned data a service takes (the model fields of the form)."""

    extra: tuple[str, ...] = ()

    def __init__(self, *args: Any, request: Any, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        self.institution = institution_of(request)
        self.user = request.user
        for name in ("owner", "leader"):
            if name in self.fields:
                # The staff of the institution, searched as you type (never its students or the authority's
                # people); the person already named stays valid on an edit.
                person_field(self, name, self.user, self.institution,
                             current=getattr(self.instance, f"{name}_id", None))

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields and k not in self.extra}


class PlanForm(_Form):
    entity_code = forms.CharField(label="规划对象代码", required=False, max_length=40,
                                  help_text="按规划类别填写部门代码、专业代码、课程代码、教师工号或学生学号；总规划、专项规划不填")

    class Meta:
        model = Plan
        fields = ["kind", "code", "name", "parent", "start_year", "end_year", "state", "lead_unit", "owner",
                  "summary"]

    def __init__(self, *args: Any, request: Any, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        if self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=self.instance.pk)
            entity = self.instance.entity
            if self.instance.level != Level.SCHOOL and entity is not None:
                self.fields["entity_code"].initial = entity.code
        self.options = entity_options(self.user, self.institution,
                                      [Level.UNIT, Level.MAJOR, Level.COURSE, Level.TEACHER])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        level = PLAN_LEVELS[PlanKind(kind)]
        code = (data.get("entity_code") or "").strip()
        if level == Level.SCHOOL:
            data["entity"] = None
        elif not code:
            self.add_error("entity_code", f"{PlanKind(kind).label}请填写{Level(level).label}的代码")
        else:
            entity = resolve_entity(self.user, self.institution, level, code)
            if entity is None:
                self.add_error("entity_code", f"没有找到代码为“{code}”的{Level(level).label}，或不在您的范围内")
            data["entity"] = entity
        return data

    def service_data(self) -> dict[str, Any]:
        return {**super().service_data(), "entity": self.cleaned_data.get("entity")}


class GoalForm(_Form):
    class Meta:
        model = Goal
        fields = ["code", "title", "description", "parent", "owner_unit", "owner", "order"]

    def __init__(self, *args: Any, request: Any, plan: Plan, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        self.fields["parent"].queryset = (goal_parent_choices(plan).restrict(self.user, VIEW)
                                          .select_related("plan").order_by("plan__kind", "plan", "order", "pk"))
        self.fields["parent"].label_from_instance = lambda g: f"{g.plan.name} · {g}"


class PointForm(_Form):
    class Meta:
        model = ObservationPoint
        fields = ["name", "unit_label", "qc_point", "higher_is_better", "order"]

    def __init__(self, *args: Any, request: Any, goal: Goal, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        self.fields["qc_point"].queryset = QCPoint.objects.restrict(self.user, VIEW).filter(
            institution=self.institution, active=True, level__in=[goal.plan.level, Level.SCHOOL])


class TargetForm(_Form):
    class Meta:
        model = YearTarget
        fields = ["year", "target", "actual", "note"]

    def __init__(self, *args: Any, request: Any, point: ObservationPoint, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        if point.qc_point_id:
            # Measured points read the actual value from the measurements: nothing to type.
            del self.fields["actual"]


class OnePageCreateForm(Form):
    level = forms.ChoiceField(label="计划对象层面", choices=OnePageLevel.choices)
    entity_code = forms.CharField(label="对象代码", max_length=40,
                                  help_text="部门代码、专业代码、课程代码、教师工号或班级代码")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    name = forms.CharField(label="工作名称", max_length=200, required=False, help_text="不填则自动生成")

    def __init__(self, *args: Any, request: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = request.user
        self.institution = institution_of(request)
        self.fields["year"].initial = datetime.date.today().year
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")
        self.options = entity_options(self.user, self.institution, list(OnePageLevel.values))
        mine = [o for o in self.options if o[0] == Level.TEACHER]
        if len(self.options) == len(mine) == 1:
            # A teacher plans for themself: nothing to choose.
            self.fields["level"].initial = Level.TEACHER
            self.fields["entity_code"].initial = mine[0][1]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        level, code = data.get("level"), (data.get("entity_code") or "").strip()
        if level and code:
            entity = resolve_entity(self.user, self.institution, level, code)
            if entity is None:
                self.add_error("entity_code", f"没有找到代码为“{code}”的{OnePageLevel(level).label}，或不在您的范围内")
            data["entity"] = entity
        return data


class OnePageForm(_Form):
    class Meta:
        model = OnePagePlan
        fields = ["name", "leader", "leader_name", "date", "objective", "summary", "plan", "parent"]
        widgets = {"date": DATE}

    def __init__(self, *args: Any, request: Any, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        self.fields["parent"].queryset = self.fields["parent"].queryset.filter(
            year=self.instance.year).exclude(pk=self.instance.pk)


class ObjectiveForm(_Form):
    class Meta:
        model = Objective
        fields = ["number", "text", "goal", "parent"]

    def __init__(self, *args: Any, request: Any, onepage: OnePagePlan, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = "不填则顺延编号"
        goals = self.fields["goal"].queryset.select_related("plan")
        if onepage.plan_id:
            # The basis plan's goals (and its parents'): the chain the objective carries out.
            from .services import plan_ancestors

            plans = [onepage.plan_id, *[p.pk for p in plan_ancestors(onepage.plan)]]
            goals = goals.filter(plan__in=plans)
        self.fields["goal"].queryset = goals
        self.fields["goal"].label_from_instance = lambda g: f"{g.plan.name} · {g}"
        self.fields["parent"].queryset = (Objective.objects.restrict(self.user, VIEW).filter(plan_id=onepage.parent_id)
                                          if onepage.parent_id else Objective.objects.none())


class TaskForm(_Form):
    objectives = forms.ModelMultipleChoiceField(label="对应目标", queryset=Objective.objects.none(), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    months = forms.TypedMultipleChoiceField(label="进度计划（月份）", choices=MONTHS, coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    extra = ("objectives",)

    class Meta:
        model = PlanTask
        fields = ["number", "title", "owner", "owner_name", "priority", "months", "start", "due", "kind", "source",
                  "indicator"]
        widgets = {"start": DATE, "due": DATE}

    def __init__(self, *args: Any, request: Any, onepage: OnePagePlan, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = "不填则顺延编号"
        self.fields["objectives"].queryset = onepage.objectives.all()
        self.fields["objectives"].label_from_instance = lambda o: f"{o.number}. {o.text}"
        if self.instance.pk:
            self.fields["objectives"].initial = list(self.instance.objectives.values_list("pk", flat=True))
        self.fields["indicator"].queryset = Indicator.objects.restrict(self.user, VIEW).filter(
            institution=self.institution).filter(Q(key_task__year=onepage.year) | Q(pk=self.instance.indicator_id))


class CostForm(_Form):
    class Meta:
        model = Cost
        fields = ["budget_line", "amount", "spent"]


class ProgressForm(Form):
    month = forms.TypedChoiceField(label="月份", choices=MONTHS, coerce=int)
    progress = forms.IntegerField(label="完成进度（%）", min_value=0, max_value=100)
    note = forms.CharField(label="进展说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")
