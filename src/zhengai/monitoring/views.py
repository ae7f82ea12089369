"""Pages of monitoring: my warnings, all warnings (quality office) with filters and export, a warning's
detail with its measurement and inputs, measurements, the recompute button, notifications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from zhengai.core import audit
from zhengai.core.choices import AuditAction, Role
from zhengai.core.forms import Form, ModelForm
from zhengai.core.generic import xlsx_response
from zhengai.core.middleware import institution_of
from zhengai.core.models import Period
from zhengai.core.permissions import CHANGE, VIEW, can, get_object_for_role, get_object_for_user, require_role
from zhengai.core.spreadsheets import workbook_bytes, write_sheet
from zhengai.core.uploads import attachment_response
from zhengai.org.entities import entity_search_q
from zhengai.standards.choices import Level

from . import forms as forms_
from . import formula as fl
from . import selectors, services
from .choices import Severity, Status, WarningKind, WarningState
from .models import Measurement, Notification, Warning

WIDE = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}
ESCALATIONS = [("0", "未督办"), *((str(k), v) for k, v in services.ESCALATION_LABELS.items())]


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


PAGE_SIZE = 50


def _point_q(value: str, prefix: str = "") -> Q:
    """`?point=` names a QC point by id (the home pages' links) or by code (the cockpit's)."""
    value = value.strip()
    return Q(**{f"{prefix}qc_point_id": int(value)}) if value.isdigit() else Q(**{f"{prefix}qc_point__code": value})


def _filtered(request: HttpRequest, qs):
    """The warnings list's filters, all read from the query string so that pages, links and the export keep
    them: kind, level, severity, state, unit, escalation, period (code), QC point (id or code), entity search."""
    g = request.GET
    for key, field in [("level", "level"), ("severity", "severity"), ("state", "state"), ("kind", "kind"),
                       ("period", "period__code"), ("escalation", "escalation_level")]:
        if g.get(key):
            # A point is named by its code in the filter form, by its id in the home page's counts.
            if key == "point" and g[key].isdigit():
                field = "qc_point_id"
            qs = qs.filter(**{field: g[key]})
    if g.get("unit", "").isdigit():
        qs = qs.filter(assigned_unit_id=int(g["unit"]))
    if g.get("point", "").strip():
        qs = qs.filter(_point_q(g["point"]))
    if g.get("q", "").strip():
        # A task warning names its subject in its title rather than by an entity's name.
        qs = qs.filter(entity_search_q(g["q"]) | Q(title__icontains=g["q"].strip()))
    return qs


def _filter_context(request: HttpRequest, institution: Any) -> dict[str, Any]:
    from zhengai.org.models import Unit

    params = request.GET.copy()
    params.pop("page", None)
    return {"levels": Level.choices, "severities": Severity.choices, "states": WarningState.choices,
            "kinds": WarningKind.choices, "escalations": ESCALATIONS,
            "units": Unit.objects.restrict(request.user).filter(institution=institution, active=True),
            "periods": Period.objects.filter(pk__in=Warning.objects.filter(institution=institution)
                                             .values("period_id")).order_by("-start"),
            "params": request.GET, "filtered": bool(params)}


@login_required
def my_warnings(request: HttpRequest) -> HttpResponse:
    return _warnings(request, mine=True)


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    return _warnings(request, mine=request.GET.get("mine") == "1")


def _warnings(request: HttpRequest, *, mine: bool) -> HttpResponse:
    """我的预警 (`mine`: what is routed to the user: their own, their unit's, what they answer for) or 全部预警
    (the institution-wide roles): filtered, paginated with the total, exportable with the same filters, with
    bulk handling of the rows the user may act on."""
    institution = _institution(request)
    if mine:
        qs = selectors.my_warnings(request.user, institution)
    else:
        require_role(request.user, WIDE, institution.pk)
        qs = selectors.warnings_for(request.user, institution)
    qs = _filtered(request, qs)
    title = "我的预警" if mine else "全部预警"
    if request.GET.get("export"):
        audit.record_export(actor=request.user, institution=institution, what=title, subject=Warning,
                            count=qs.count())
        return _export(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # The rows of this page the user may act on (one query): only they get a checkbox for bulk handling.
    actionable = set(Warning.objects.restrict(request.user, CHANGE)
                     .filter(pk__in=[w.pk for w in page]).values_list("pk", flat=True))
    return render(request, "monitoring/warning_list.html", {
        "page": page, "warnings": page.object_list, "title": title, "mine": mine, "actionable": actionable,
        "bulk_form": forms_.BulkForm(user=request.user, institution=institution) if actionable else None,
        "may_recompute": _may_recompute(request), **_filter_context(request, institution)})


@login_required
@require_POST
def warning_bulk(request: HttpRequest) -> HttpResponse:
    """Acknowledge, assign or annotate the ticked warnings at once; each warning records its own history."""
    institution = _institution(request)
    next_url = request.POST.get("next") or reverse("monitoring:my_warnings")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("monitoring:my_warnings")
    form = forms_.BulkForm(request.POST, user=request.user, institution=institution)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(next_url)
    data = form.cleaned_data
    try:
        result = services.warnings_bulk(actor=request.user, institution=institution, ids=ids,
                                        action=data["action"], assignee=data.get("assignee"), note=data["note"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        text = f"已{services.BULK_ACTIONS[data['action']]} {result['done']} 条预警"
        if result["skipped"]:
            text += f"；{result['skipped']} 条{result['why_skipped']}，未改动"
        messages.success(request, text)
    return HttpResponseRedirect(next_url)


def _years():
    from zhengai.core.choices import PeriodKind

    return Period.objects.filter(kind=PeriodKind.ACADEMIC_YEAR).order_by("-start")


def _may_recompute(request: HttpRequest) -> bool:
    try:
        require_role(request.user, {Role.QUALITY_OFFICE}, _institution(request).pk)
    except Exception:
        return False
    return True


def _export(qs) -> HttpResponse:
    book = Workbook()
    rows = (
        # A task warning has no QC point: its title says what it is about.
        [w.get_kind_display(), w.qc_point.code if w.qc_point_id else "",
         w.qc_point.name if w.qc_point_id else w.title, w.get_level_display(), str(w.entity),
         str(w.period), w.get_severity_display(), w.get_state_display(),
         float(w.measurement.value) if w.measurement and w.measurement.value is not None else None,
         w.due.isoformat() if w.due else "", services.ESCALATION_LABELS.get(w.escalation_level, "未督办"),
         str(w.assigned_unit or ""), timezone.localtime(w.raised_at).strftime("%Y-%m-%d %H:%M")]
        for w in qs.select_related("measurement"))
    write_sheet(book, "预警", ["类型", "质控点代码", "预警事项", "层面", "对象", "期间", "级别", "状态", "测量值",
                             "完成时限", "督办级别", "责任部门", "发出时间"], rows, first=True)
    return xlsx_response(workbook_bytes(book), "预警.xlsx")


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    warning = get_object_for_user(selectors.warnings_for(request.user, institution), request.user, VIEW, pk=pk)
    if request.method == "POST":
        warning = get_object_for_user(selectors.warnings_for(request.user, institution), request.user, CHANGE,
                                      pk=pk)
        try:
            services.warning_transition(actor=request.user, warning=warning, state=request.POST.get("state", ""),
                                        note=request.POST.get("note", ""))
        except (ValidationError, ValueError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"预警已改为“{warning.get_state_display()}”")
        return HttpResponseRedirect(reverse("monitoring:warning_detail", args=[pk]))
    measurement = warning.measurement
    return render(request, "monitoring/warning_detail.html", {
        "warning": warning, "measurement": measurement, "inputs": _inputs(measurement),
        "owners": warning.owners.all(), "can_change": can(request.user, warning, CHANGE),
        "history": selectors.warning_history(warning)[:50],
        "escalation": services.ESCALATION_LABELS.get(warning.escalation_level, "未督办"),
        "transitions": [(s, WarningState(s).label) for s in
                        sorted(services.TRANSITIONS.get(warning.state, set()))]})


def _inputs(measurement) -> list[tuple[str, Any, str]]:
    from . import measures

    if measurement is None:
        return []
    return [(name, value, getattr(measures.get(name), "description", ""))
            for name, value in (measurement.inputs or {}).items()]


@login_required
def measurement_list(request: HttpRequest) -> HttpResponse:
    """测量结果: filtered (level, status, period, unit, QC point, entity search), paginated with the total."""
    institution = _institution(request)
    qs = selectors.measurements_for(request.user, institution)
    g = request.GET
    for key in ("level", "status"):
        if g.get(key):
            qs = qs.filter(**{key: g[key]})
    if g.get("point", "").strip():
        qs = qs.filter(_point_q(g["point"]))
    if g.get("period"):
        qs = qs.filter(period__code=g["period"])
    if g.get("unit", "").isdigit():
        # A unit and what lies in it (its majors, courses, teachers): what department performance counts.
        unit = int(g["unit"])
        qs = qs.filter(Q(unit_id=unit) | Q(major__unit_id=unit) | Q(course__unit_id=unit) | Q(teacher__unit_id=unit))
    if g.get("q", "").strip():
        qs = qs.filter(entity_search_q(g["q"]))
    if g.get("counting"):
        # The figures of cockpits and reports count one measurement per point, entity and period.
        qs = selectors.that_count(qs)
    page = Paginator(qs.order_by("-period__start", "qc_point__level", "qc_point__order", "qc_point__code",
                                 "entity_key", "-version", "pk"), PAGE_SIZE).get_page(g.get("page"))
    from zhengai.org.models import Unit

    return render(request, "monitoring/measurement_list.html", {
        "page": page, "measurements": page.object_list, "levels": Level.choices, "statuses": Status.choices,
        "periods": Period.objects.filter(pk__in=Measurement.objects.filter(institution=institution)
                                         .values("period_id")).order_by("-start"),
        "units": Unit.objects.restrict(request.user).filter(institution=institution, active=True),
        "params": g})


@login_required
def measurement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_object_for_user(selectors.measurements_for(request.user, _institution(request)), request.user, VIEW,
                            pk=pk)
    # The other versions of the same point, entity and period (a correction of a frozen year adds one), and
    # which of them counts — what every page and report shows.
    versions = list(selectors.measurements_for(request.user, m.institution).filter(
        qc_point_id=m.qc_point_id, period_id=m.period_id, entity_key=m.entity_key).order_by("-version"))
    # The one that counts is the newest version that computed this point for this entity and period
    # (selectors.that_count's rule), i.e. the first of these: no second query needed.
    counting = versions[0] if versions else None
    return render(request, "monitoring/measurement_detail.html", {
        "measurement": m, "inputs": selectors.lineage(request.user, m), "versions": versions,
        "counting": counting,
        "check": fl.evaluate_tree(fl.parse(m.formula), m.inputs) if m.formula else None})


@login_required
def recompute(request: HttpRequest) -> HttpResponse:
    """重新计算全部质控点: its own page, away from the lists' filters. The period offered first is the newest
    that has data (not the coming year); the button asks for confirmation before it starts the job."""
    institution = _institution(request)
    require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
    if request.method == "POST":
        try:
            period = Period.objects.get(code=request.POST.get("period", ""))
        except Period.DoesNotExist as exc:
            raise Http404("没有该期间") from exc
        job = services.recompute_start(actor=request.user, institution=institution, period=period)
        return HttpResponseRedirect(reverse("core:job_detail", args=[job.pk]))
    default = selectors.newest_period_with_data(institution)
    return render(request, "monitoring/recompute.html", {"periods": _years(), "default": default})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return HttpResponseRedirect(reverse("monitoring:notifications"))
    items = Notification.objects.restrict(request.user)[:100]
    return render(request, "monitoring/notifications.html", {"items": items})


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """预警规则: the quality office sets how early countdown warnings come and how long before 督办."""
    from .models import WarningPolicy

    class PolicyForm(ModelForm):
        class Meta:
            model = WarningPolicy
            fields = ["countdown_days", "escalation_days"]

    institution = _institution(request)
    require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
    current = services.policy_for(institution)
    # The form works on its own copy: the service compares the saved row with what was typed.
    form = PolicyForm(request.POST or None, instance=WarningPolicy.objects.get(pk=current.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(actor=request.user, institution=institution, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for e in errors:
                    form.add_error(name if name in form.fields else None, e)
        else:
            messages.success(request, "预警规则已保存")
            return HttpResponseRedirect(reverse("monitoring:policy"))
    return render(request, "monitoring/policy.html", {"form": form, "policy": current})


class JudgmentForm(Form):
    period = forms.ModelChoiceField(label="学年", queryset=Period.objects.none())
    result = forms.TypedChoiceField(label="判定", choices=[("1", "达标"), ("0", "未达标")], coerce=lambda v: v == "1",
                                    widget=forms.RadioSelect)
    entity = forms.IntegerField(label="对象编号", required=False, help_text="学校层面不填")
    note = forms.CharField(label="判定说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    evidence = forms.CharField(label="证据", required=False, max_length=500, help_text="佐证材料的名称、编号或链接")
    evidence_file = forms.FileField(label="证据文件", required=False,
                                    help_text="PDF、Office 文档、图片、文本或压缩包，单个文件不超过 20 MB")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = _years()


@login_required
def qualitative_judge(request: HttpRequest, pk: int) -> HttpResponse:
    """The page where a qualitative QC point's named owner (or the quality office) records this cycle's
    judgment; anyone else of the institution gets 403, another institution 404."""
    from zhengai.standards.models import QCPoint

    institution = _institution(request)
    point = get_object_for_role(QCPoint.objects.filter(institution=institution, qualitative=True), request.user,
                                {Role.QUALITY_OFFICE}, owner_field="owner",
                                message="只有该质控点的责任人或质管办可以判定", pk=pk)
    form = JudgmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            measurement = services.qualitative_judge(
                actor=request.user, point=point, period=data["period"], passed=data["result"], note=data["note"],
                evidence=data["evidence"], entity_pk=data["entity"], evidence_file=data["evidence_file"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已判定：{point.name} {measurement.get_status_display()}")
            return HttpResponseRedirect(reverse("monitoring:measurement_detail", args=[measurement.pk]))
    return render(request, "monitoring/qualitative_judge.html", {"form": form, "point": point},
                  status=400 if request.method == "POST" else 200)


@login_required
def judgment_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A qualitative judgment's evidence file, for whoever sees the judgment; always a download."""
    from .models import JudgmentFile

    kept = get_object_for_user(JudgmentFile.objects.filter(institution=_institution(request)), request.user, VIEW,
                               pk=pk)
    response = attachment_response(kept.file, kept.name)
    audit.record_export(actor=request.user, institution=kept.institution, what=kept.name, subject=kept,
                        action=AuditAction.DOWNLOAD)
    return response
