"""Pages of monitoring: my warnings, all warnings (quality office) with filters and export, a warning's
detail with its measurement and inputs, measurements, the recompute button, notifications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
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
from zhengai.standards.choices import Level

from . import formula as fl
from . import selectors, services
from .choices import Severity, WarningKind, WarningState
from .models import Notification, Warning

WIDE = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}
ESCALATIONS = [("0", "未督办"), *((str(k), v) for k, v in services.ESCALATION_LABELS.items())]


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


def _filtered(request: HttpRequest, qs):
    g = request.GET
    for key, field in [("level", "level"), ("severity", "severity"), ("state", "state"), ("kind", "kind"),
                       ("unit", "assigned_unit_id"), ("point", "qc_point__code"),
                       ("escalation", "escalation_level")]:
        if g.get(key):
            qs = qs.filter(**{field: g[key]})
    return qs


def _filter_context(request: HttpRequest) -> dict[str, Any]:
    from zhengai.org.models import Unit

    return {"levels": Level.choices, "severities": Severity.choices, "states": WarningState.choices,
            "kinds": WarningKind.choices, "escalations": ESCALATIONS,
            "units": Unit.objects.restrict(request.user).filter(institution=_institution(request), active=True),
            "params": request.GET}


@login_required
def my_warnings(request: HttpRequest) -> HttpResponse:
    qs = _filtered(request, selectors.my_warnings(request.user, _institution(request)))
    return render(request, "monitoring/warning_list.html",
                  {"warnings": qs[:500], "title": "我的预警", "mine": True, **_filter_context(request)})


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    require_role(request.user, WIDE, institution.pk)
    qs = _filtered(request, selectors.warnings_for(request.user, institution))
    if request.GET.get("export"):
        audit.record_export(actor=request.user, institution=institution, what="全部预警", subject=Warning,
                            count=qs.count())
        return _export(qs)
    return render(request, "monitoring/warning_list.html",
                  {"warnings": qs[:500], "title": "全部预警", "mine": False,
                   "may_recompute": _may_recompute(request), "periods": _years(), **_filter_context(request)})


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
    qs = selectors.measurements_for(request.user, _institution(request))
    for key in ("level", "status"):
        if request.GET.get(key):
            qs = qs.filter(**{key: request.GET[key]})
    if request.GET.get("point"):
        qs = qs.filter(qc_point__code=request.GET["point"])
    if request.GET.get("period"):
        qs = qs.filter(period__code=request.GET["period"])
    if request.GET.get("unit", "").isdigit():
        # A unit and what lies in it (its majors, courses, teachers): what department performance counts.
        unit = int(request.GET["unit"])
        qs = qs.filter(Q(unit_id=unit) | Q(major__unit_id=unit) | Q(course__unit_id=unit) | Q(teacher__unit_id=unit))
    if request.GET.get("counting"):
        # The figures of cockpits and reports count one measurement per point, entity and period.
        qs = selectors.that_count(qs)
    return render(request, "monitoring/measurement_list.html", {"measurements": qs[:500], "levels": Level.choices,
                                                                "params": request.GET})


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
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
    try:
        period = Period.objects.get(code=request.POST.get("period", ""))
    except Period.DoesNotExist as exc:
        raise Http404("没有该期间") from exc
    job = services.recompute_start(actor=request.user, institution=institution, period=period)
    return HttpResponseRedirect(reverse("core:job_detail", args=[job.pk]))


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
