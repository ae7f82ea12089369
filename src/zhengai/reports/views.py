"""Pages of the self-diagnosis reports: the list (with creation), a report's editable table with its evidence and
live character counts, sign-off, versions, Word/PDF/HTML output, the year's status for the quality office and
the college's own Word templates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from zhengai.core import audit
from zhengai.core.choices import AuditAction, Role
from zhengai.core.middleware import institution_of
from zhengai.core.periods import academic_year_of
from zhengai.core.permissions import CHANGE, can, get_object_for_user, require_role

from . import evidence, rendering, rules, selectors, services
from .choices import ReportKind, ReportState
from .forms import CreateForm, FilterForm, ReturnForm, TemplateUploadForm
from .models import WordTemplate

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_FIELDS = services.TEXT_FIELDS


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


def _errors(exc: ValidationError) -> list[str]:
    return list(getattr(exc, "messages", [str(exc)]))


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    choices = selectors.creatable(request.user, institution)
    form = CreateForm(request.POST or None, choices=choices,
                      initial={"year": academic_year_of(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        try:
            kind, entity = selectors.entity_from_choice(request.user, institution, form.cleaned_data["entity"])
            report = services.report_create(actor=request.user, kind=kind, entity=entity,
                                            year=form.cleaned_data["year"])
        except (ValidationError, ValueError) as exc:
            form.add_error(None, "；".join(_errors(exc)) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"已生成“{report.title}”，各诊断要素已预填平台数据，请据此撰写。")
            return HttpResponseRedirect(reverse("reports:report_detail", args=[report.pk]))
    filters = FilterForm(request.GET or None)
    qs = selectors.reports_for(request.user, institution)
    if request.GET.get("sign") == "1":  # 待我签字, the home page's count
        qs = selectors.awaiting_signature(request.user, institution)
    if filters.is_valid():
        f = filters.cleaned_data
        if f.get("year"):
            qs = qs.filter(period__start__year=f["year"], period__start__month=9)
        if f.get("kind"):
            qs = qs.filter(kind=f["kind"])
        if f.get("state"):
            qs = qs.filter(state=f["state"])
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reports/report_list.html", {
        "page": page, "form": form, "filters": filters, "may_create": bool(choices), "query": query.urlencode(),
        "filtered": any(request.GET.get(k) for k in ("year", "kind", "state", "sign")),
        "may_watch": _may(request, selectors.WATCHERS, institution),
        "may_template": _may(request, {Role.QUALITY_OFFICE}, institution)})


def _may(request: HttpRequest, roles: set[str], institution: Any) -> bool:
    try:
        require_role(request.user, roles, institution.pk)
    except Exception:
        return False
    return True


def _typed_rows(request: HttpRequest, report, rows) -> list[dict[str, Any]]:
    """The rows the form sent, as typed. A card the browser left out (its fields disabled because nothing in it
    changed) is not in the POST at all and so is left as saved — its 本报告填写 box included, which an absent
    checkbox would otherwise read as unticked."""
    out = []
    for r in rows:
        prefix = f"row-{r.pk}-"
        if f"{prefix}shown" not in request.POST and not any(prefix + f in request.POST for f in TEXT_FIELDS):
            continue
        data: dict[str, Any] = {"id": r.pk}
        for f in TEXT_FIELDS:
            if prefix + f in request.POST:
                data[f] = request.POST[prefix + f]
        if report.kind != ReportKind.SCHOOL:
            data["applicable"] = f"{prefix}applicable" in request.POST
        out.append(data)
    return out


def _card_state(applicable: bool, values: dict[str, str], problems: list[rules.Problem]) -> tuple[str, str]:
    """(state, label) of an element in the editor's index: 超字数/有误 first, then 未填写 or 已填写."""
    if not applicable:
        return "skip", "不填写"
    if any(p.severity == rules.ERROR for p in problems):
        return "over", "需修改"
    if not (values["achievements"].strip() or values["problems"].strip()):
        return "missing", "未填写"
    return "filled", "已填写"


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The report editor: one card per diagnosis element (the elements this report fills first, the others
    folded away below), an index of the elements with their state, a save bar that stays in view and saves
    only the cards that changed, and the live 字数. The server stays the judge: a refused save shows each
    element's errors on its card and keeps everything typed."""
    institution = _institution(request)
    report = selectors.get_report(request.user, institution, pk)
    rows = list(report.rows.all())
    typed: dict[int, dict[str, Any]] = {}
    overview = report.overview
    problems: list[rules.Problem] = []
    if request.method == "POST":
        report = selectors.get_report(request.user, institution, pk, CHANGE)
        overview = request.POST.get("overview", report.overview)
        data = _typed_rows(request, report, rows)
        typed = {d["id"]: d for d in data}
        try:
            warnings = services.report_save(actor=request.user, report=report, overview=overview, rows=data)
        except services.ReportInvalid as exc:
            problems = exc.problems + [p for p in rules.check(services.text_of(report, overview, data, rows))
                                       if p.severity == rules.WARNING]
            messages.error(request, "未保存：" + "；".join(p.message for p in exc.problems))
        except ValidationError as exc:
            messages.error(request, "未保存：" + "；".join(_errors(exc)))
        else:
            messages.success(request, "已保存。" + ("提示：" + "；".join(w.message for w in warnings) if warnings
                                                    else ""))
            return HttpResponseRedirect(reverse("reports:report_detail", args=[pk]) + "#elements")
    else:
        problems = rules.check(services.text_of(report, existing=rows))
    limits = rules.limits_of(report)
    by_label: dict[str, list[rules.Problem]] = {}
    for p in problems:
        by_label.setdefault(p.label, []).append(p)
    figures = evidence.current(report, rows)
    cards = []
    for number, r in enumerate(rows, 1):
        t = typed.get(r.pk, {})
        values = {f: t.get(f, getattr(r, f)) for f in TEXT_FIELDS}
        applicable = t.get("applicable", r.applicable)
        found = by_label.get(r.element_label, [])
        state, state_label = _card_state(applicable, values, found)
        # Typed but not saved (a refused save): the browser must send this card again even if left untouched.
        unsaved = any(values[f] != getattr(r, f) for f in TEXT_FIELDS) or applicable != r.applicable
        cards.append({"row": r, "values": values, "applicable": applicable, "problems": found,
                      "evidence": figures.get(r.pk, r.evidence or {}), "state": state, "state_label": state_label,
                      "unsaved": unsaved, "number": number, "short": r.element_label.split(" ", 1)[0]})
    editable = report.state == ReportState.DRAFT and can(request.user, report, CHANGE)
    return render(request, "reports/report_detail.html", {
        "report": report, "cards": [c for c in cards if c["row"].applicable or c["applicable"]],
        "others": [c for c in cards if not (c["row"].applicable or c["applicable"])],
        "overview": overview, "limits": limits, "editable": editable,
        "word_pattern": rules.WORD_PATTERN_JS,   # the live count runs the server's rule
        "report_problems": by_label.get("", []), "total": rules.total_chars(services.text_of(report, overview,
                                                                                               list(typed.values()),
                                                                                               rows)),
        "may_submit": editable,
        "may_sign_head": report.state == ReportState.SUBMITTED and services.may_sign_head(request.user, report),
        "may_sign_president": (report.state == ReportState.HEAD_SIGNED
                               and services.may_sign_president(request.user, report)),
        "may_new_version": report.frozen and can(request.user, report, CHANGE),
        "versions": selectors.versions_of(request.user, report), "return_form": ReturnForm(),
        "signatures": rendering.signatures(report), "school": report.kind == ReportKind.SCHOOL,
        "columns": rendering.columns(report)})


def _action(request: HttpRequest, pk: int, run, done: str) -> HttpResponse:
    """A sign-off button: the service decides who may (403) and when (a message)."""
    report = selectors.get_report(request.user, _institution(request), pk)
    try:
        result = run(report)
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
        return HttpResponseRedirect(reverse("reports:report_detail", args=[pk]))
    if isinstance(result, list) and result:
        done += " 提示：" + "；".join(p.message for p in result)
    messages.success(request, done)
    target = result.pk if hasattr(result, "pk") else pk
    return HttpResponseRedirect(reverse("reports:report_detail", args=[target]))


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda r: services.report_submit(actor=request.user, report=r),
                   "报告人已签字，报告已提交负责人。")


@login_required
@require_POST
def report_sign_head(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda r: services.report_sign_head(actor=request.user, report=r), "负责人已签字。")


@login_required
@require_POST
def report_sign_president(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda r: services.report_sign_president(actor=request.user, report=r),
                   "校长已签字，报告已签发。")


@login_required
@require_POST
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda r: services.report_return(actor=request.user, report=r,
                                                                 reason=request.POST.get("reason", "")),
                   "报告已退回报告人修改。")


@login_required
@require_POST
def report_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda r: services.report_new_version(actor=request.user, report=r),
                   "已生成新版本；已签发的版本保持不变。")


def _download(data: bytes, filename: str, content_type: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response


@login_required
def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report(request.user, _institution(request), pk)
    try:
        data = rendering.render_docx(report)
    except ValidationError as exc:  # a college template stored before the sandbox's checks, now refused
        messages.error(request, "；".join(exc.messages) + "。请质管办在“报告模板”页面停用或重新上传该模板。")
        return HttpResponseRedirect(reverse("reports:report_detail", args=[report.pk]))
    audit.record_export(actor=request.user, institution=report.institution, what=f"{report}.docx", subject=report,
                        action=AuditAction.DOWNLOAD)
    return _download(data, f"{report}.docx", DOCX)


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report(request.user, _institution(request), pk)
    data = rendering.render_pdf(report)
    audit.record_export(actor=request.user, institution=report.institution, what=f"{report}.pdf", subject=report,
                        action=AuditAction.DOWNLOAD)
    return _download(data, f"{report}.pdf", "application/pdf")


@login_required
def report_html(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report(request.user, _institution(request), pk)
    return HttpResponse(rendering.render_html(report))


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """年度报告进度: which expected reports are in, signed, or late."""
    institution = _institution(request)
    require_role(request.user, selectors.WATCHERS, institution.pk)
    # By default the year that is due or just due, where lateness means something — not the coming year.
    try:
        year = int(request.GET.get("year") or selectors.due_year())
    except ValueError:
        year = selectors.due_year()
    rows = selectors.status_rows(institution, year)
    return render(request, "reports/status.html", {
        "rows": rows, "year": year, "due": services.default_due(year), "years": range(year + 1, year - 5, -1),
        "submitted": sum(r.submitted for r in rows), "signed": sum(bool(r.report and r.report.frozen) for r in rows),
        "late": sum(r.late for r in rows)})


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    """报告模板: the quality office uploads the college's own Word template of a kind of report."""
    institution = _institution(request)
    require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            services.template_upload(actor=request.user, institution=institution, kind=form.cleaned_data["kind"],
                                     name=f.name, data=f.read())
        except ValidationError as exc:
            form.add_error("file", "；".join(_errors(exc)))
        else:
            messages.success(request, "模板已启用：此后该类报告按此模板生成 Word 文件。")
            return HttpResponseRedirect(reverse("reports:template_list"))
    return render(request, "reports/template_list.html", {
        "form": form, "templates": selectors.templates_for(request.user, institution),
        "help": rendering.CONTEXT_HELP})


@login_required
@require_POST
def template_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    template = get_object_for_user(WordTemplate.objects.filter(institution=institution), request.user, CHANGE, pk=pk)
    services.template_deactivate(actor=request.user, template=template)
    messages.success(request, "模板已停用，该类报告恢复使用内置模板。")
    return HttpResponseRedirect(reverse("reports:template_list"))


@login_required
def builtin_template(request: HttpRequest) -> HttpResponse:
    """The built-in Word template, to start a college's own from."""
    _institution(request)
    return _download(rendering.BUILTIN_TEMPLATE.read_bytes(), "自我诊改报告模板.docx", DOCX)


urlpatterns = [
    path("", report_list, name="report_list"),
    path("status/", status, name="status"),
    path("templates/", template_list, name="template_list"),
    path("templates/builtin.docx", builtin_template, name="builtin_template"),
    path("templates/<int:pk>/deactivate/", template_deactivate, name="template_deactivate"),
    path("<int:pk>/", report_detail, name="report_detail"),
    path("<int:pk>/submit/", report_submit, name="report_submit"),
    path("<int:pk>/sign-head/", report_sign_head, name="report_sign_head"),
    path("<int:pk>/sign-president/", report_sign_president, name="report_sign_president"),
    path("<int:pk>/return/", report_return, name="report_return"),
    path("<int:pk>/new-version/", report_new_version, name="report_new_version"),
    path("<int:pk>/docx/", report_docx, name="report_docx"),
    path("<int:pk>/pdf/", report_pdf, name="report_pdf"),
    path("<int:pk>/html/", report_html, name="report_html"),
]
