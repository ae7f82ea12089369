"""Pages of the spiral's big loop: the settings (stages and schedule templates), the list of cycles, a cycle run
through its stages with the gates' status, and the level above's assessment form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone

from zhengai.core.choices import PeriodKind, Role
from zhengai.core.middleware import institution_of
from zhengai.core.models import Period
from zhengai.core.permissions import CHANGE, VIEW, access_for, can, get_object_for_user, require_role
from zhengai.standards.choices import Level

from . import forms, selectors, services
from .choices import CycleState, DiagnosisKind
from .models import ASSESSORS, CycleStep, ScheduleTemplate, Stage

PAGE_SIZE = 50


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


def _errors(exc: ValidationError) -> list[str]:
    return list(getattr(exc, "messages", [str(exc)]))


def _url_or_none(name: str) -> str | None:
    """A page another part of the spiral provides, if it is there yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# ---- settings --------------------------------------------------------------------------------------------

def _is_quality_office(request: HttpRequest, institution: Any) -> bool:
    access = access_for(request.user)
    return access.is_superuser or access.has_role({Role.QUALITY_OFFICE}, institution.pk)


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    """螺旋步骤与周期: every member may read how the institution runs its loop; the quality office edits it."""
    institution = _institution(request)
    stages = list(selectors.stages_of(institution))
    # School first, down to the student: the order of the levels, not of their codes.
    rank = {v: n for n, v in enumerate(Level.values)}
    templates = sorted(selectors.templates_of(institution), key=lambda t: (rank.get(t.level, 99), t.kind))
    bound: dict[str, Any] = {}
    if request.method == "POST":
        require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
        done, bound = _settings_post(request, institution)
        if done:
            return HttpResponseRedirect(reverse("diagnosis:settings"))
    current = getattr(getattr(institution, "diagnosis_settings", None), "scheme", "")
    stage_forms = [(s, bound.get(f"stage{s.pk}") or forms.StageForm(instance=s, prefix=f"s{s.pk}")) for s in stages]
    template_forms = [(t, bound.get(f"template{t.pk}") or forms.ScheduleForm(
        prefix=f"t{t.pk}", initial={"name": t.name, "frequency": t.frequency, "active": t.active}))
        for t in templates]
    return render(request, "diagnosis/settings.html", {
        "may_edit": _is_quality_office(request, institution), "stage_forms": stage_forms,
        "template_forms": template_forms, "scheme_form": bound.get("scheme") or forms.SchemeForm(
            initial={"scheme": current or "seed003"}),
        "add_form": bound.get("add") or forms.StageForm(prefix="new"), "current_scheme": current,
        "today": timezone.localdate()})


def _settings_post(request: HttpRequest, institution: Any) -> tuple[bool, dict[str, Any]]:
    """Carry out one settings action; (True, {}) when done, else (False, the bound form that has errors)."""
    action = request.POST.get("action", "")
    user = request.user
    stages = Stage.objects.filter(institution=institution)
    try:
        if action == "scheme":
            form = forms.SchemeForm(request.POST)
            if not form.is_valid():
                return False, {"scheme": form}
            try:
                services.stages_install(actor=user, institution=institution, scheme=form.cleaned_data["scheme"])
            except ValidationError as exc:
                form.add_error(None, exc)
                return False, {"scheme": form}
            messages.success(request, "螺旋步骤已按所选方案设置")
        elif action == "stage_update":
            stage = get_object_for_user(stages, user, CHANGE, pk=request.POST.get("stage"))
            form = forms.StageForm(request.POST, instance=Stage.objects.get(pk=stage.pk), prefix=f"s{stage.pk}")
            if not form.is_valid():
                return False, {f"stage{stage.pk}": form}
            services.stage_update(actor=user, stage=stage, **form.cleaned_data)
            messages.success(request, f"步骤“{form.cleaned_data['name']}”已保存")
        elif action == "stage_add":
            form = forms.StageForm(request.POST, prefix="new", instance=Stage(institution=institution, order=0))
            if not form.is_valid():
                return False, {"add": form}
            services.stage_add(actor=user, institution=institution, **form.cleaned_data)
            messages.success(request, f"已增加步骤“{form.cleaned_data['name']}”")
        elif action in ("stage_up", "stage_down"):
            stage = get_object_for_user(stages, user, CHANGE, pk=request.POST.get("stage"))
            services.stage_move(actor=user, stage=stage, up=action == "stage_up")
        elif action == "schedule_defaults":
            created = services.schedule_install_defaults(actor=user, institution=institution)
            messages.success(request, f"已按默认诊断周期新建 {created} 个周期模板" if created
                             else "默认周期模板都已存在，没有新建")
        elif action == "schedule_update":
            template = get_object_for_user(ScheduleTemplate.objects.filter(institution=institution), user, CHANGE,
                                           pk=request.POST.get("template"))
            form = forms.ScheduleForm(request.POST, prefix=f"t{template.pk}")
            if not form.is_valid():
                return False, {f"template{template.pk}": form}
            try:
                services.schedule_update(actor=user, template=template, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
                return False, {f"template{template.pk}": form}
            messages.success(request, f"周期模板“{form.cleaned_data['name']}”已保存")
        elif action == "schedule_run":
            opened = services.cycles_open_due(institution=institution, today=timezone.localdate(), actor=user)
            total = sum(opened.values())
            idle = "没有到期未开的诊改周期" if opened else "还没有有效的周期模板，请先新建默认周期模板"
            messages.success(request, f"已开启到期的诊改周期 {total} 个" if total else idle)
        else:
            messages.error(request, "未知操作")
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    return True, {}


# ---- cycles ----------------------------------------------------------------------------------------------

@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    """诊改周期: what the user may see (their own entities; the wide roles everything), filtered and paged."""
    institution = _institution(request)
    scoped = selectors.cycles_for(request.user, institution)
    qs = scoped
    g = request.GET
    if g.get("mine") == "1":  # 我的周期: the home page's count
        qs = selectors.my_cycles(request.user, institution)
    if g.get("level") in Level.values:
        qs = qs.filter(level=g["level"])
    if g.get("kind") in DiagnosisKind.values:
        qs = qs.filter(kind=g["kind"])
    if g.get("state") in CycleState.values:
        qs = qs.filter(state=g["state"])
    if g.get("period"):
        qs = qs.filter(period__code=g["period"])
    if g.get("q", "").strip():
        qs = selectors.search_cycles(qs, g["q"].strip())
    if g.get("mine"):
        qs = qs.filter(selectors.mine_q(request.user))
    periods = (Period.objects.filter(pk__in=scoped.order_by().values("period"))
               .exclude(kind=PeriodKind.CALENDAR_YEAR).order_by("-start", "-end"))
    today = timezone.localdate()
    if g.get("due"):
        all_periods = Period.objects.filter(pk__in=scoped.filter(state=CycleState.OPEN).order_by().values("period"))
        qs = qs.filter(selectors.due_now_q(institution, all_periods, today))
    counts = selectors.cycle_counts(qs)
    page = Paginator(qs.order_by("-period__start", "level", "entity_key", "kind", "pk"), PAGE_SIZE).get_page(
        g.get("page"))
    stages = list(selectors.stages_of(institution).values_list("pk", flat=True))
    for cycle in page.object_list:
        cycle.step_due = selectors.current_step_due(cycle, stages)
        cycle.step_overdue = cycle.step_due is not None and cycle.step_due < today
    query = g.copy()
    query.pop("page", None)
    return render(request, "diagnosis/cycle_list.html", {
        "page": page, "counts": counts, "levels": Level.choices, "kinds": DiagnosisKind.choices,
        "states": CycleState.choices, "periods": periods, "params": g, "query": query.urlencode(),
        "total": page.paginator.count, "due_days": selectors.DUE_SOON_DAYS,
        "filtered": any(g.get(k) for k in ("level", "kind", "state", "period", "q", "mine", "due")),
        "may_configure": _is_quality_office(request, institution)})


def _detail_context(request: HttpRequest, cycle: Any, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    bound = bound or {}
    institution = cycle.institution
    elements = selectors.framework_elements(institution)
    rows = selectors.stage_rows(cycle)
    done = {r["stage"].pk for r in rows if r["status"] == "done"}
    upcoming = (cycle.stage if cycle.stage_id and cycle.stage_id not in done
                else selectors.next_stage(cycle)) if cycle.state == CycleState.OPEN else None
    may_change = can(request.user, cycle, CHANGE)
    # Measurements follow the same visibility rule as the cycle (both are rows about one entity), so whoever
    # sees the cycle sees its entity's measurements.
    measurements = selectors.latest_measurements(cycle)
    assessor = services.is_assessor(request.user, institution)
    return {
        "cycle": cycle, "rows": rows, "upcoming": upcoming,
        "gate_problems": selectors.gate_problems(cycle, upcoming.gate) if upcoming else [],
        "close_problems": services.close_problems(cycle) if cycle.state == CycleState.OPEN else [],
        "measurements": measurements, "year": selectors.academic_year(cycle.period),
        "improvements": selectors.entity_improvements(request.user, cycle),
        "findings": selectors.findings_of(request.user, cycle),
        "assessments": selectors.assessments_of(request.user, cycle),
        "may_change": may_change, "may_assess": assessor and services.may_be_assessed(cycle),
        "carry_count": services.carry_candidates(cycle).count() if cycle.state == CycleState.CLOSED else 0,
        "advance_form": bound.get("advance") or forms.AdvanceForm(
            improvements=selectors.entity_improvements(request.user, cycle)),
        "finding_form": bound.get("finding") or forms.FindingForm(elements=elements, cycle=cycle),
        "close_form": bound.get("close") or forms.CloseForm(),
        "carry_errors": bound.get("carry", []),
        "improvement_list_url": _url_or_none("diagnosis:improvement_list"),
        "owner_only": cycle.kind == DiagnosisKind.ASSESSMENT and not may_change,
    }


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    cycle = selectors.cycle_for_user(request.user, institution, pk, VIEW)
    if request.method == "POST":
        cycle = selectors.cycle_for_user(request.user, institution, pk, CHANGE)
        bound = _cycle_post(request, cycle)
        if bound is None:
            return HttpResponseRedirect(reverse("diagnosis:cycle_detail", args=[pk]))
        cycle = selectors.cycle_for_user(request.user, institution, pk, VIEW)
        return render(request, "diagnosis/cycle_detail.html", _detail_context(request, cycle, bound))
    return render(request, "diagnosis/cycle_detail.html", _detail_context(request, cycle))


def _cycle_post(request: HttpRequest, cycle: Any) -> dict[str, Any] | None:
    """Carry out one action on the cycle; None when done, else the bound form (with its errors) to show again."""
    action = request.POST.get("action", "")
    user = request.user
    if action == "advance":
        form = forms.AdvanceForm(request.POST, request.FILES,
                                 improvements=selectors.entity_improvements(user, cycle))
        if form.is_valid():
            stage_name = str(cycle.stage or "")
            d = form.cleaned_data
            try:
                services.cycle_advance(actor=user, cycle=cycle, note=d["note"], evidence_file=d["evidence_file"],
                                       evidence_url=d["evidence_url"], finding_text=d["finding_text"],
                                       improvement=d["improvement"])
            except ValidationError as exc:
                for e in _errors(exc):
                    form.add_error(None, e)
            else:
                messages.success(request, f"已完成步骤“{stage_name}”" if stage_name else "已完成当前步骤")
                return None
        return {"advance": form}
    if action == "finding":
        form = forms.FindingForm(request.POST, elements=selectors.framework_elements(cycle.institution), cycle=cycle)
        if form.is_valid():
            try:
                services.finding_add(actor=user, cycle=cycle, **form.cleaned_data)
            except ValidationError as exc:
                for e in _errors(exc):
                    form.add_error(None, e)
            else:
                messages.success(request, "已记录诊断发现")
                return None
        return {"finding": form}
    if action == "close":
        form = forms.CloseForm(request.POST)
        if form.is_valid():
            try:
                services.cycle_close(actor=user, cycle=cycle, summary=form.cleaned_data["summary"])
            except ValidationError as exc:
                for e in _errors(exc):
                    form.add_error(None, e)
            else:
                messages.success(request, "诊改周期已完成")
                return None
        return {"close": form}
    if action == "carry":
        try:
            goals = services.cycle_carry_forward(actor=user, cycle=cycle)
        except ValidationError as exc:
            return {"carry": _errors(exc)}
        messages.success(request, f"已把 {len(goals)} 项未见效的改进措施转入下一周期目标" if goals
                         else "没有需要转入下一周期目标的改进措施")
        return None
    messages.error(request, "未知操作")
    return None


# ---- assessment ------------------------------------------------------------------------------------------

@login_required
def assessment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """考核性诊断意见: the institution's assessors judge the self-diagnosis element by element."""
    institution = _institution(request)
    cycle = selectors.cycle_for_user(request.user, institution, pk, VIEW)
    require_role(request.user, ASSESSORS, institution.pk)
    elements = selectors.framework_elements(institution)
    form = forms.AssessmentForm(request.POST or None, elements=elements)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_record(actor=request.user, cycle=cycle, conclusion=form.cleaned_data["conclusion"],
                                       deadline=form.cleaned_data["deadline"], items=form.items())
        except ValidationError as exc:
            for e in _errors(exc):
                form.add_error(None, e)
        else:
            messages.success(request, "考核意见已记录")
            return HttpResponseRedirect(reverse("diagnosis:cycle_detail", args=[pk]))
    return render(request, "diagnosis/assessment_form.html", {
        "cycle": cycle, "form": form, "rows": form.element_rows(),
        "framework": selectors.adopted_framework(institution), "eligible": services.may_be_assessed(cycle)})


@login_required
def step_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A step's evidence file, to whoever sees the cycle: always a download under its own name, never shown
    inline (an uploaded page must not run in the platform's origin)."""
    from zhengai.goals.records import content_type_for

    institution = _institution(request)
    step = get_object_for_user(CycleStep.objects.filter(institution=institution), request.user, VIEW, pk=pk)
    if not step.evidence_file:
        raise Http404("没有证据文件")
    response = FileResponse(step.evidence_file.open("rb"), as_attachment=True,
                            filename=step.evidence_name or step.evidence_file.name.rsplit("/", 1)[-1],
                            content_type=content_type_for(step.evidence_name))
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("settings/", settings_view, name="settings"),
    path("steps/<int:pk>/evidence/", step_evidence, name="step_evidence"),
    path("cycles/", cycle_list, name="cycle_list"),
    path("cycles/<int:pk>/", cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/assessment/", assessment_add, name="assessment_add"),
]
