"""Pages of plans and goals (the chain as a tree, a plan with its goals, points and yearly targets) and of the
one-page plans (list, create, header, objectives, tasks, costs, monthly progress, submit and approve, the
printable sheet and PDF, the error report). Views are thin: they read through the gate and write through
`services`."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from zhengai.core import audit
from zhengai.core.choices import AuditAction, Role
from zhengai.core.middleware import institution_of
from zhengai.core.permissions import CHANGE, VIEW, access_for, can, get_object_for_user
from zhengai.org.models import Unit

from . import printing, selectors, services
from .choices import OnePageLevel, PlanKind, PlanStatus
from .forms import (
    CostForm,
    GoalForm,
    ObjectiveForm,
    OnePageCreateForm,
    OnePageForm,
    PlanForm,
    PointForm,
    ProgressForm,
    TargetForm,
    TaskForm,
)
from .models import PLANNERS, Cost, Goal, Objective, ObservationPoint, OnePagePlan, Plan, PlanTask, YearTarget

# Roles that plan for something (the gate decides for what): they see the "new" buttons.
PLANNING_ROLES = PLANNERS | {Role.UNIT_HEAD, Role.MAJOR_LEADER, Role.COURSE_LEADER, Role.TEACHER, Role.COUNSELLOR,
                             Role.STUDENT}


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


def _get(request: HttpRequest, model: type, pk: int, action: str = VIEW) -> Any:
    """The object of the current institution, through the gate: 404 unseen, 403 seen but not changeable."""
    return get_object_for_user(model.objects.filter(institution=_institution(request)), request.user, action, pk=pk)


def _fresh(obj: Any) -> Any:
    """A clean copy for the service: a bound model form has already written the typed values onto its instance,
    and the service must see the stored values to audit the change."""
    return type(obj).objects.get(pk=obj.pk) if obj is not None and obj.pk else None


def _may_plan(request: HttpRequest) -> bool:
    access = access_for(request.user)
    return access.is_superuser or access.has_role(PLANNING_ROLES, _institution(request).pk)


def _apply_errors(form: Any, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _edit(request: HttpRequest, form: Any, save: Callable[[Any], Any], *, title: str, back: str,
          done: Callable[[Any], str] | None = None, context: dict[str, Any] | None = None,
          onepage: OnePagePlan | None = None) -> HttpResponse:
    """The common edit page: on a valid POST call `save(form)` (a service), else show the form with what was
    typed and every error. For a part of a one-page plan, the page and the save both say when the printed
    sheet would no longer fit one page."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "您没有权限保存该内容")
        else:
            messages.success(request, "已保存")
            if onepage is not None:
                warning = printing.plan_fit(OnePagePlan.objects.get(pk=onepage.pk)).warning
                if warning:
                    messages.warning(request, warning)
            return HttpResponseRedirect(done(obj) if done else back)
    context = dict(context or {})
    if onepage is not None:
        context["fit_warning"] = printing.plan_fit(onepage).warning
    return render(request, "goals/plan_form.html", {"form": form, "title": title, "back": back, **context})


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _page(request: HttpRequest, items: Any, per: int = 25) -> Any:
    return Paginator(items, per).get_page(request.GET.get("page"))


def _year(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# -- plans and goals ---------------------------------------------------------------------------------------

@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.plans_for(request.user, _institution(request))
    g = request.GET
    if g.get("kind") in PlanKind.values:
        qs = qs.filter(kind=g["kind"])
    year = _year(g.get("year"))
    if year:
        qs = qs.filter(start_year__lte=year, end_year__gte=year)
    if g.get("q", "").strip():
        text = g["q"].strip()
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text) | Q(summary__icontains=text))
    tree = selectors.plan_tree(list(qs))
    return render(request, "goals/plan_list.html", {
        "page": _page(request, tree, 20), "kinds": PlanKind.choices, "params": g, "count": qs.count(),
        "can_add": _may_plan(request)})


@login_required
def plan_add(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    form = PlanForm(_data(request), request=request, instance=Plan(institution=institution))
    return _edit(request, form, lambda f: services.plan_save(actor=request.user, institution=institution,
                                                             data=f.service_data()),
                 title="新建规划", back=reverse("goals:plan_list"),
                 done=lambda p: reverse("goals:plan_detail", args=[p.pk]), context={"options": form.options})


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, Plan, pk, CHANGE)
    form = PlanForm(_data(request), request=request, instance=plan)
    back = reverse("goals:plan_detail", args=[pk])
    return _edit(request, form, lambda f: services.plan_save(actor=request.user, institution=plan.institution,
                                                             plan=_fresh(plan), data=f.service_data()),
                 title=f"编辑规划：{plan}", back=back, context={"options": form.options})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, Plan, pk)
    institution = _institution(request)
    return render(request, "goals/plan_detail.html", {
        "plan": plan, "goals": selectors.plan_goals(plan), "can_change": can(request.user, plan, CHANGE),
        "ancestors": [p for p in services.plan_ancestors(plan)
                      if Plan.objects.restrict(request.user).filter(pk=p.pk).exists()][::-1],
        "children": selectors.plans_for(request.user, institution).filter(parent=plan),
        "onepages": selectors.onepages_for(request.user, institution).filter(plan=plan)[:50]})


@login_required
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, Plan, pk, CHANGE)
    form = GoalForm(_data(request), request=request, plan=plan,
                    instance=Goal(institution=plan.institution, plan=plan))
    back = reverse("goals:plan_detail", args=[pk])
    return _edit(request, form, lambda f: services.goal_save(actor=request.user, plan=plan, data=f.service_data()),
                 title=f"新增目标：{plan}", back=back)


@login_required
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _get(request, Goal, pk, CHANGE)
    form = GoalForm(_data(request), request=request, plan=goal.plan, instance=goal)
    back = reverse("goals:plan_detail", args=[goal.plan_id])
    return _edit(request, form, lambda f: services.goal_save(actor=request.user, plan=goal.plan, goal=_fresh(goal),
                                                             data=f.service_data()),
                 title=f"编辑目标：{goal}", back=back)


@login_required
def point_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _get(request, Goal, pk, CHANGE)
    form = PointForm(_data(request), request=request, goal=goal,
                     instance=ObservationPoint(institution=goal.institution, goal=goal))
    back = reverse("goals:plan_detail", args=[goal.plan_id])
    return _edit(request, form, lambda f: services.observation_point_save(actor=request.user, goal=goal,
                                                                          data=f.service_data()),
                 title=f"新增观测点：{goal}", back=back)


@login_required
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point = _get(request, ObservationPoint, pk, CHANGE)
    form = PointForm(_data(request), request=request, goal=point.goal, instance=point)
    back = reverse("goals:plan_detail", args=[point.goal.plan_id])
    return _edit(request, form, lambda f: services.observation_point_save(
        actor=request.user, goal=point.goal, point=_fresh(point), data=f.service_data()),
        title=f"编辑观测点：{point}", back=back)


@login_required
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    point = _get(request, ObservationPoint, pk, CHANGE)
    form = TargetForm(_data(request), request=request, point=point,
                      instance=YearTarget(institution=point.institution, point=point))
    back = reverse("goals:plan_detail", args=[point.goal.plan_id])
    return _edit(request, form, lambda f: services.year_target_save(actor=request.user, point=point,
                                                                    data=f.service_data()),
                 title=f"新增年度目标值：{point}", back=back)


@login_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _get(request, YearTarget, pk, CHANGE)
    point = target.point
    form = TargetForm(_data(request), request=request, point=point, instance=target)
    back = reverse("goals:plan_detail", args=[point.goal.plan_id])
    return _edit(request, form, lambda f: services.year_target_save(actor=request.user, point=point,
                                                                    target=_fresh(target), data=f.service_data()),
                 title=f"编辑年度目标值：{target}", back=back)


# -- one-page plans ----------------------------------------------------------------------------------------

@login_required
def onepage_list(request: HttpRequest) -> HttpResponse:
    qs = (selectors.onepages_for(request.user, _institution(request)).annotate(task_count=Count("tasks"))
          .order_by("-year", "level", "entity_key", "pk"))
    g = request.GET
    if g.get("review") == "1":  # 待我审核, the home page's count
        qs = qs.filter(pk__in=selectors.onepages_to_review(request.user, _institution(request)).values("pk"))
    year = _year(g.get("year"))
    if year:
        qs = qs.filter(year=year)
    if g.get("level") in OnePageLevel.values:
        qs = qs.filter(level=g["level"])
    if g.get("status") in PlanStatus.values:
        qs = qs.filter(status=g["status"])
    qs = selectors.onepage_search(qs, g.get("q", ""))
    return render(request, "goals/onepage_list.html", {
        "page": _page(request, qs), "levels": OnePageLevel.choices, "statuses": PlanStatus.choices,
        "params": g, "can_add": _may_plan(request),
        "my_tasks": selectors.my_tasks(request.user, _institution(request))[:50]})


@login_required
def onepage_add(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    form = OnePageCreateForm(_data(request), request=request)

    def save(f: OnePageCreateForm) -> OnePagePlan:
        d = f.cleaned_data
        return services.onepage_create(actor=request.user, institution=institution, level=d["level"],
                                       entity=d["entity"], year=d["year"],
                                       data={"name": d["name"]} if d.get("name") else None)

    return _edit(request, form, save, title="新建一页纸工作计划", back=reverse("goals:onepage_list"),
                 done=lambda p: reverse("goals:onepage_detail", args=[p.pk]), context={"options": form.options})


@login_required
def onepage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk)
    # An approved plan is the agreed plan: nobody edits its lines (the services refuse it too).
    can_change = can(request.user, plan, CHANGE) and plan.status != PlanStatus.APPROVED
    updatable = set(PlanTask.objects.restrict(request.user, CHANGE).filter(plan=plan).values_list("pk", flat=True))
    context = printing.sheet_context(plan)
    # Links only to what this reader may open: a teacher's plan hangs under their department's plan, which the
    # teacher does not see; the name is shown without a link.
    goal_plans = {o.goal.plan_id for o in context["sheet"]["objectives"] if o.goal_id}
    visible_plans = set(Plan.objects.restrict(request.user).filter(pk__in=goal_plans).values_list("pk", flat=True))
    return render(request, "goals/onepage_detail.html", {
        **context, "errors": selectors.onepage_errors(plan),
        "can_change": can_change, "updatable": updatable, "visible_plans": visible_plans,
        "parent_visible": plan.parent_id is not None and can(request.user, plan.parent, VIEW),
        "basis_visible": plan.plan_id is not None and can(request.user, plan.plan, VIEW),
        "may_approve": plan.status == PlanStatus.SUBMITTED and services.may_approve(request.user, plan),
        "children": selectors.onepages_for(request.user, plan.institution).filter(parent=plan)})


@login_required
def onepage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk, CHANGE)
    form = OnePageForm(_data(request), request=request, instance=plan)
    return _edit(request, form, lambda f: services.onepage_save(actor=request.user, plan=_fresh(plan),
                                                                data=f.service_data()),
                 title=f"编辑一页纸计划：{plan}", back=reverse("goals:onepage_detail", args=[pk]), onepage=plan)


def _part_back(part: Any) -> str:
    return reverse("goals:onepage_detail", args=[part.plan_id])


@login_required
def objective_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk, CHANGE)
    form = ObjectiveForm(_data(request), request=request, onepage=plan,
                         instance=Objective(institution=plan.institution, plan=plan))
    return _edit(request, form, lambda f: services.objective_save(actor=request.user, onepage=plan,
                                                                  data=f.service_data()),
                 title=f"新增目标：{plan}", back=reverse("goals:onepage_detail", args=[pk]), onepage=plan)


@login_required
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _get(request, Objective, pk, CHANGE)
    form = ObjectiveForm(_data(request), request=request, onepage=objective.plan, instance=objective)
    return _edit(request, form, lambda f: services.objective_save(
        actor=request.user, onepage=objective.plan, objective=_fresh(objective), data=f.service_data()),
        title=f"编辑目标：{objective}", back=_part_back(objective), onepage=objective.plan)


@login_required
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk, CHANGE)
    form = TaskForm(_data(request), request=request, onepage=plan,
                    instance=PlanTask(institution=plan.institution, plan=plan))
    return _edit(request, form, lambda f: services.plan_task_save(
        actor=request.user, onepage=plan, data=f.service_data(), objectives=list(f.cleaned_data["objectives"])),
        title=f"新增主要任务：{plan}", back=reverse("goals:onepage_detail", args=[pk]), onepage=plan)


@login_required
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get(request, PlanTask, pk)
    # The owner may report progress on a task; changing what the task is belongs to the plan's editors.
    get_object_for_user(OnePagePlan.objects.all(), request.user, CHANGE, pk=task.plan_id)
    form = TaskForm(_data(request), request=request, onepage=task.plan, instance=task)
    return _edit(request, form, lambda f: services.plan_task_save(
        actor=request.user, onepage=task.plan, task=_fresh(task), data=f.service_data(),
        objectives=list(f.cleaned_data["objectives"])),
        title=f"编辑主要任务：{task}", back=_part_back(task), onepage=task.plan)


@login_required
def cost_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk, CHANGE)
    form = CostForm(_data(request), request=request, instance=Cost(institution=plan.institution, plan=plan))
    return _edit(request, form, lambda f: services.cost_save(actor=request.user, onepage=plan,
                                                             data=f.service_data()),
                 title=f"新增成本：{plan}", back=reverse("goals:onepage_detail", args=[pk]), onepage=plan)


@login_required
def cost_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cost = _get(request, Cost, pk, CHANGE)
    form = CostForm(_data(request), request=request, instance=cost)
    return _edit(request, form, lambda f: services.cost_save(actor=request.user, onepage=cost.plan,
                                                             cost=_fresh(cost), data=f.service_data()),
                 title=f"编辑成本：{cost}", back=_part_back(cost), onepage=cost.plan)


def _plan_part_delete(model: type, plan_of: Callable[[Any], Plan]) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        part = _get(request, model, pk)
        plan = get_object_for_user(Plan.objects.all(), request.user, CHANGE, pk=plan_of(part).pk)
        services.plan_part_delete(actor=request.user, obj=part)
        messages.success(request, "已删除")
        return HttpResponseRedirect(reverse("goals:plan_detail", args=[plan.pk]))

    view.__name__ = f"{model.__name__.lower()}_delete"
    return view


def _part_delete(model: type) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        part = _get(request, model, pk)
        get_object_for_user(OnePagePlan.objects.all(), request.user, CHANGE, pk=part.plan_id)
        back = _part_back(part)
        try:
            services.onepage_part_delete(actor=request.user, obj=part)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已删除")
        return HttpResponseRedirect(back)

    view.__name__ = f"{model.__name__.lower()}_delete"
    return view


@login_required
def task_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """A task's monthly progress: its owner or the plan's editors report a month; everyone who sees it reads the
    history."""
    # The gate lets a task's owner see the task even when the plan it sits in is not theirs to see.
    task = _get(request, PlanTask, pk)
    may_report = can(request.user, task, CHANGE)
    plan_visible = can(request.user, task.plan, VIEW)
    # Nothing pre-filled: a report is a statement for a month, and one click must not save last month's figure
    # again as this month's with no word of what was done.
    form = ProgressForm(_data(request))
    if request.method == "POST":
        if not may_report:
            raise PermissionDenied("只有任务负责人或计划编制人可以填报进度")
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.progress_report(actor=request.user, task=_fresh(task), year=task.plan.year,
                                         month=d["month"], progress=d["progress"], note=d["note"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"已填报 {d['month']} 月进度")
                back = "goals:onepage_detail" if plan_visible else "goals:onepage_task_progress"
                return HttpResponseRedirect(reverse(back, args=[task.plan_id if plan_visible else task.pk]))
    return render(request, "goals/onepage_progress.html", {
        "task": task, "plan": task.plan, "form": form, "may_report": may_report, "plan_visible": plan_visible,
        "updates": task.updates.select_related("reported_by").order_by("-year", "-month")})


@login_required
@require_POST
def onepage_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk, CHANGE)
    try:
        services.onepage_submit(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已提交审核")
    return HttpResponseRedirect(reverse("goals:onepage_detail", args=[pk]))


@login_required
@require_POST
def onepage_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk)
    approve = request.POST.get("decision", "approve") != "return"
    try:
        services.onepage_approve(actor=request.user, plan=plan, approve=approve, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已审核通过" if approve else "已退回修改")
    return HttpResponseRedirect(reverse("goals:onepage_detail", args=[pk]))


@login_required
def onepage_print(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk)
    return HttpResponse(printing.sheet_html(plan, request=request))


@login_required
def onepage_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(request, OnePagePlan, pk)
    response = HttpResponse(printing.sheet_pdf(plan), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{plan.name}.pdf")
    audit.record_export(actor=request.user, institution=plan.institution, what=f"{plan.name}.pdf", subject=plan,
                        action=AuditAction.DOWNLOAD)
    return response


@login_required
def onepage_errors(request: HttpRequest) -> HttpResponse:
    """Per department and year: the tasks with errors and the error rate (seed 002 表10: 差错率小于 5%)."""
    institution = _institution(request)
    year = _year(request.GET.get("year")) or datetime.date.today().year
    units = Unit.objects.restrict(request.user).filter(institution=institution, active=True).order_by("code")
    unit = units.filter(pk=_year(request.GET.get("unit"))).first() if request.GET.get("unit") else None
    report = selectors.error_report(request.user, institution, year, unit=unit)
    return render(request, "goals/onepage_errors.html", {
        "report": report, "year": year, "units": units, "params": request.GET,
        "limit": selectors.ERROR_RATE_LIMIT * 100, "errors_known": list(selectors.ERRORS.values())})


urlpatterns = [
    path("plans/", plan_list, name="plan_list"),
    path("plans/add/", plan_add, name="plan_add"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plan_edit, name="plan_edit"),
    path("plans/<int:pk>/goals/add/", goal_add, name="plan_goal_add"),
    path("plans/goals/<int:pk>/edit/", goal_edit, name="plan_goal_edit"),
    path("plans/goals/<int:pk>/points/add/", point_add, name="plan_point_add"),
    path("plans/points/<int:pk>/edit/", point_edit, name="plan_point_edit"),
    path("plans/points/<int:pk>/targets/add/", target_add, name="plan_target_add"),
    path("plans/targets/<int:pk>/edit/", target_edit, name="plan_target_edit"),
    path("plans/goals/<int:pk>/delete/", _plan_part_delete(Goal, lambda g: g.plan), name="plan_goal_delete"),
    path("plans/points/<int:pk>/delete/", _plan_part_delete(ObservationPoint, lambda p: p.goal.plan),
         name="plan_point_delete"),
    path("plans/targets/<int:pk>/delete/", _plan_part_delete(YearTarget, lambda t: t.point.goal.plan),
         name="plan_target_delete"),
    path("onepage/", onepage_list, name="onepage_list"),
    path("onepage/add/", onepage_add, name="onepage_add"),
    path("onepage/errors/", onepage_errors, name="onepage_errors"),
    path("onepage/<int:pk>/", onepage_detail, name="onepage_detail"),
    path("onepage/<int:pk>/edit/", onepage_edit, name="onepage_edit"),
    path("onepage/<int:pk>/submit/", onepage_submit, name="onepage_submit"),
    path("onepage/<int:pk>/approve/", onepage_approve, name="onepage_approve"),
    path("onepage/<int:pk>/print/", onepage_print, name="onepage_print"),
    path("onepage/<int:pk>/pdf/", onepage_pdf, name="onepage_pdf"),
    path("onepage/<int:pk>/objectives/add/", objective_add, name="onepage_objective_add"),
    path("onepage/objectives/<int:pk>/edit/", objective_edit, name="onepage_objective_edit"),
    path("onepage/objectives/<int:pk>/delete/", _part_delete(Objective), name="onepage_objective_delete"),
    path("onepage/<int:pk>/tasks/add/", task_add, name="onepage_task_add"),
    path("onepage/tasks/<int:pk>/edit/", task_edit, name="onepage_task_edit"),
    path("onepage/tasks/<int:pk>/delete/", _part_delete(PlanTask), name="onepage_task_delete"),
    path("onepage/tasks/<int:pk>/progress/", task_progress, name="onepage_task_progress"),
    path("onepage/<int:pk>/costs/add/", cost_add, name="onepage_cost_add"),
    path("onepage/costs/<int:pk>/edit/", cost_edit, name="onepage_cost_edit"),
    path("onepage/costs/<int:pk>/delete/", _part_delete(Cost), name="onepage_cost_delete"),
]
