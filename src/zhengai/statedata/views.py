"""Pages of the state data: the overview (状态数据), one list per table with import, template and export, the
import history, and the data-quality report.

Rows are not edited one by one in the browser: a state-data row comes from the college's workbook or a
business system, so the file is the record of truth and a correction is a corrected file (which the history
keeps). The list pages reuse `core.generic` (list, template, export); the import page is the statedata's own
because every file, refused or not, goes into the import history with its checksum.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views import View

from zhengai.core.choices import ADMIN_ROLES, INSTITUTION_WIDE_ROLES, Role
from zhengai.core.generic import ExportView, ObjectListView, ObjectViews, TemplateView
from zhengai.core.middleware import institution_of
from zhengai.core.models import Period
from zhengai.core.permissions import VIEW, access_for, get_object_for_user, require_role
from zhengai.core.spreadsheets import SpreadsheetError, read_rows, read_workbook

from . import checks, importers, selectors, tables
from . import models as sd
from .choices import ImportStatus

HISTORY_ROLES = {Role.DATA_STEWARD, Role.QUALITY_OFFICE}


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return institution


class StateViews(ObjectViews):
    """One table's pages: list, import, template, export (no row-by-row editing, see the module's note)."""

    namespace = "statedata"
    add_roles = ADMIN_ROLES
    list_template = "statedata/table_list.html"
    model: ClassVar[type[sd.StateRecord]]

    @classmethod
    def urls(cls) -> list:
        stem = cls.path
        return [
            path(f"{stem}/", ObjectListView.as_view(views=cls), name=f"{cls.name}_list"),
            path(f"{stem}/import/", StateImportView.as_view(views=cls), name=f"{cls.name}_import"),
            path(f"{stem}/import/template/", TemplateView.as_view(views=cls), name=f"{cls.name}_template"),
            path(f"{stem}/export/", ExportView.as_view(views=cls), name=f"{cls.name}_export"),
        ]

    @classmethod
    def context(cls, request: HttpRequest) -> dict[str, Any]:
        meta = cls.model._meta
        return {
            "views": cls, "verbose_name": meta.verbose_name, "verbose_name_plural": meta.verbose_name_plural,
            "workbook_code": cls.model.workbook_code, "can_add": cls.can_add(request), "has_import": True,
            "list_url": reverse(cls.url_name("list")), "import_url": reverse(cls.url_name("import")),
            "template_url": reverse(cls.url_name("template")), "export_url": reverse(cls.url_name("export")),
        }


REGISTRY: dict[str, type[StateViews]] = {}


def _views_for(model: type[sd.StateRecord]) -> type[StateViews]:
    name = model._meta.model_name
    attrs = {"model": model, "name": name, "path": name, "table": tables.table_for(model),
             "filterset": tables.filter_for(model), "importer": importers.importer_for(model),
             "list_order": list(model._meta.ordering), "select_related": ["period", *model.entities]}
    views = type(f"{model.__name__}Views", (StateViews,), attrs)
    REGISTRY[name] = views
    return views


KINDS = [_views_for(model) for model in sd.TABLES]


class StateImportView(LoginRequiredMixin, View):
    template_name = "statedata/import.html"
    views: type[StateViews] = StateViews

    def _check(self, request: HttpRequest) -> None:
        from django.core.exceptions import PermissionDenied

        _institution(request)
        if not self.views.can_add(request):
            raise PermissionDenied("只有数据管理员和质管办可以导入状态数据")

    def get(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        return render(request, self.template_name, self.views.context(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        context = self.views.context(request)
        institution = institution_of(request)
        upload = request.FILES.get("file")
        if upload is None:
            context["file_error"] = "请选择要导入的文件"
            return render(request, self.template_name, context, status=400)
        if upload.size > settings.ZHENGAI_IMPORT_MAX_BYTES:
            context["file_error"] = "文件太大"
            return render(request, self.template_name, context, status=400)
        data = upload.read()
        importer = self.views.importer(institution, request.user)
        try:
            rows = read_rows(data, upload.name)
        except SpreadsheetError:
            rows = None
        if rows is not None and len(rows) - 1 > settings.ZHENGAI_IMPORT_INLINE_ROWS:
            # A large file would outlast the web request: import it in the background and show progress.
            job = importers.import_start(model=self.views.model, institution=institution, actor=request.user,
                                         data=data, filename=upload.name)
            return HttpResponseRedirect(reverse("core:job_detail", args=[job.pk]))
        result = importer.run_file(data, upload.name)
        context.update({"result": result, "record": importer.record, "filename": upload.name})
        if result.ok:
            # The logic checks that read this table, over the periods the file wrote: shown with the result.
            context["findings"] = checks.findings_text(institution, importer.record.periods.all(),
                                                       reads=self.views.model)
        return render(request, self.template_name, context, status=200 if result.ok else 400)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """状态数据: every table with its rows per period (what the user may see) and its last import."""
    institution = _institution(request)
    history = sd.ImportRecord.objects.restrict(request.user, VIEW).filter(institution=institution,
                                                                          status=ImportStatus.OK)
    rows = []
    for views in KINDS:
        model = views.model
        counts = (model.objects.restrict(request.user, VIEW).filter(institution=institution)
                  .values("period__code", "period__name").annotate(n=Count("id")).order_by("-period__code"))
        rows.append({"views": views, "model": model, "name": model._meta.verbose_name,
                     "code": model.workbook_code, "counts": list(counts),
                     "last": history.filter(table=model._meta.model_name).select_related("actor").first(),
                     "url": reverse(views.url_name("list"))})
    access = access_for(request.user)
    return render(request, "statedata/overview.html", {
        "tables": rows, "may_history": access.is_superuser or access.has_role(HISTORY_ROLES, institution.pk),
        "may_quality": access.is_superuser or access.has_role(INSTITUTION_WIDE_ROLES, institution.pk)})


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """导入记录: every file imported or refused, newest first, for the data steward and the quality office."""
    institution = _institution(request)
    require_role(request.user, HISTORY_ROLES, institution.pk)
    records = (sd.ImportRecord.objects.restrict(request.user, VIEW).filter(institution=institution)
               .select_related("actor", "identical_to").prefetch_related("periods"))
    kinds = [*KINDS, *PROCESS_KINDS]
    table = request.GET.get("table", "")
    if table:
        records = records.filter(table=table)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    # The national workbooks imported lately, each a group of the records below (its result page lists them).
    workbooks = (sd.WorkbookImport.objects.restrict(request.user, VIEW).filter(institution=institution)
                 .select_related("actor")[:10])
    return render(request, "statedata/history.html", {
        "page": page, "table": table, "tables": [(v.name, v.model._meta.verbose_name) for v in kinds],
        "workbooks": workbooks if not table and page.number == 1 else []})


@login_required
def history_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    record = get_object_for_user(sd.ImportRecord.objects.filter(institution=institution), request.user, VIEW, pk=pk)
    # The rows it created or changed, through the same gate as the record (a million-row import pages by 100).
    changes = sd.RowChange.objects.restrict(request.user, VIEW).filter(record=record).order_by("pk")
    page = Paginator(changes, 100).get_page(request.GET.get("page"))
    return render(request, "statedata/history_detail.html", {
        "record": record, "page": page, "lines": selectors.row_change_lines(record, list(page.object_list))})


@login_required
def quality(request: HttpRequest) -> HttpResponse:
    """数据质量报告: the logic checks of one period, each with the rows that fail it."""
    institution = _institution(request)
    require_role(request.user, INSTITUTION_WIDE_ROLES, institution.pk)
    periods = list(Period.objects.filter(kind__in=["academic_year", "calendar_year"]).order_by("-start"))
    code = request.GET.get("period", "")
    period = next((p for p in periods if p.code == code), None)
    if period is None and code:
        raise Http404("没有该期间")
    results = []
    if period is not None:
        results = [{"check": c, "findings": found} for c, found in checks.run(institution, period)]
    return render(request, "statedata/quality.html", {
        "periods": periods, "period": period, "results": results,
        "failed": sum(1 for r in results if r["findings"])})


# ---- teaching-process tables: lists without a full count, imports built for millions of rows ----------------

PAGE_ROWS = 50


def _estimate(model: type[Any]) -> int | None:
    """共约 N 条 from PostgreSQL's statistics (no scan); None where there is no cheap estimate (SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [model._meta.db_table])
        row = cursor.fetchone()
    return max(int(row[0]), 0) if row else None


class ProcessViews(StateViews):
    """A teaching-process table's pages: list (filters, paging by "next page", no COUNT), import, template."""

    list_template = "statedata/process_list.html"

    @classmethod
    def urls(cls) -> list:
        stem = cls.path
        return [
            path(f"{stem}/", process_list, {"views": cls}, name=f"{cls.name}_list"),
            path(f"{stem}/import/", StateImportView.as_view(views=cls), name=f"{cls.name}_import"),
            path(f"{stem}/import/template/", TemplateView.as_view(views=cls), name=f"{cls.name}_template"),
        ]

    @classmethod
    def context(cls, request: HttpRequest) -> dict[str, Any]:
        meta = cls.model._meta
        return {
            "views": cls, "verbose_name": meta.verbose_name, "verbose_name_plural": meta.verbose_name_plural,
            "workbook_code": "教学过程", "can_add": cls.can_add(request), "has_import": True,
            "list_url": reverse(cls.url_name("list")), "import_url": reverse(cls.url_name("import")),
            "template_url": reverse(cls.url_name("template")), "export_url": "",
        }


def _process_views(model: type[Any]) -> type[ProcessViews]:
    from . import process

    name = model._meta.model_name
    views = type(f"{model.__name__}Views", (ProcessViews,), {
        "model": model, "name": name, "path": name, "importer": process.importer_for(model),
        "list_order": ["-period__start", "course__code", "student__code"],
        "select_related": ["period", "course", "student", "teacher"]})
    REGISTRY[name] = views
    return views


PROCESS_KINDS = [_process_views(model) for model in sd.PROCESS_TABLES]


@login_required
def process_list(request: HttpRequest, views: type[ProcessViews]) -> HttpResponse:
    """Filter by 学期, 课程代码, 学号; page by offset, reading one row more than shown to know if there is a next
    page — never COUNT(*) over millions of rows."""
    institution = _institution(request)
    qs = views.queryset(request)
    semesters = list(Period.objects.filter(kind="semester").order_by("-start"))
    filters = {k: request.GET.get(k, "").strip() for k in ("period", "course", "student")}
    if filters["period"]:
        qs = qs.filter(period__code=filters["period"])
    if filters["course"]:
        qs = qs.filter(course__code=filters["course"])
    if filters["student"]:
        qs = qs.filter(student__code=filters["student"])
    # The source rows of a measurement (a link from its page): the entity by the measure's path, the periods.
    for key, q in (("of", tables.reach_q(views.model, request.GET.get("of", ""))),
                   ("periods", tables.periods_q(request.GET.get("periods", "")))):
        if request.GET.get(key):
            qs = qs.filter(q) if q is not None else qs.none()
            filters[key] = request.GET[key]
    if request.GET.get("days"):
        # A monthly measurement's rows: those dated in its month (the table's own date field).
        try:
            first, last = (datetime.date.fromisoformat(d) for d in request.GET["days"].split(",", 1))
        except ValueError:
            qs = qs.none()
        else:
            qs = qs.filter(**{f"{views.model.date_field}__range": (first, last)})
        filters["days"] = request.GET["days"]
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_ROWS
    rows = list(qs.order_by(*views.list_order)[start:start + PAGE_ROWS + 1])
    fields = [f for f in views.model._meta.concrete_fields if f.name not in ("id", "institution")]
    query = request.GET.copy()
    query.pop("page", None)
    context = views.context(request)
    context.update({
        "institution": institution, "semesters": semesters, "filters": filters, "page": page,
        "headers": [f.verbose_name for f in fields],
        "rows": [[_display(obj, f) for f in fields] for obj in rows[:PAGE_ROWS]],
        "has_next": len(rows) > PAGE_ROWS, "query": query.urlencode(),
        "estimate": None if any(filters.values()) else _estimate(views.model),
    })
    return render(request, views.list_template, context)


def _display(obj: Any, field: Any) -> Any:
    value = getattr(obj, field.name)
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.is_relation and value is not None:
        return getattr(value, "code", value)
    return "" if value is None else value


# ---- data versions: freeze a period, see what changed since -------------------------------------------------

@login_required
def versions_list(request: HttpRequest) -> HttpResponse:
    """数据版本: every period's versions, with freezing for the data steward and the quality office."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from . import versions as dv

    institution = _institution(request)
    require_role(request.user, INSTITUTION_WIDE_ROLES, institution.pk)
    access = access_for(request.user)
    may_freeze = access.is_superuser or access.has_role(ADMIN_ROLES, institution.pk)
    periods = list(Period.objects.filter(kind__in=dv.FREEZABLE_KINDS).order_by("-start"))
    context: dict[str, Any] = {"periods": periods, "may_freeze": may_freeze}
    if request.method == "POST":
        if not may_freeze:
            raise PermissionDenied("只有数据管理员和质管办可以冻结数据")
        period = next((p for p in periods if p.code == request.POST.get("period")), None)
        if period is None:
            raise Http404("没有该期间")
        if request.POST.get("confirm") != "1":
            context.update({"confirm": period, "current": dv.latest(institution, period)})
            return render(request, "statedata/freeze_confirm.html", context)
        try:
            version = dv.period_freeze(actor=request.user, institution=institution, period=period,
                                       note=request.POST.get("note", ""))
        except ValidationError as exc:
            context["error"] = "；".join(exc.messages)
        else:
            return HttpResponseRedirect(reverse("statedata:version_diff", args=[version.pk]))
    context["versions"] = (sd.DataVersion.objects.restrict(request.user, VIEW).filter(institution=institution)
                           .select_related("period", "frozen_by").order_by("-period__start", "-number"))
    return render(request, "statedata/versions.html", context, status=400 if context.get("error") else 200)


@login_required
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """The difference between a frozen version's snapshot and the current data, table by table."""
    from . import versions as dv

    institution = _institution(request)
    version = get_object_for_user(sd.DataVersion.objects.filter(institution=institution), request.user, VIEW, pk=pk)
    if not version.frozen:
        raise Http404("该版本尚未冻结，没有快照")
    tables = dv.diff(version)
    for table in tables:
        for row in table["changed"]:
            row["fields"] = [(dv.field_label(table["table"], f), old, new) for f, (old, new) in row["fields"]]
    later = sd.DataVersion.objects.filter(institution=institution, period=version.period,
                                          number__gt=version.number).order_by("number").first()
    return render(request, "statedata/version_diff.html", {
        "version": version, "tables": tables, "later": later,
        "unchanged": all(not (t["added"] or t["removed"] or t["changed"]) for t in tables)})


# ---- the national workbook: every A-sheet at once -------------------------------------------------------

@login_required
def workbook_import(request: HttpRequest) -> HttpResponse:
    """导入状态数据采集表: the national workbook. A small one is imported at once and its result shown; a large
    one (more data rows than ZHENGAI_IMPORT_INLINE_ROWS) runs as a background job whose page shows the rows
    done and links to the same result page when it ends."""
    from . import workbook

    institution = _institution(request)
    require_role(request.user, ADMIN_ROLES, institution.pk)
    context: dict[str, Any] = {"period": request.POST.get("period", "").strip()}
    if request.method != "POST":
        return render(request, "statedata/workbook_import.html", context)
    upload = request.FILES.get("file")
    if upload is None or upload.size > settings.ZHENGAI_IMPORT_MAX_BYTES:
        context["file_error"] = "请选择要导入的文件" if upload is None else "文件太大"
        return render(request, "statedata/workbook_import.html", context, status=400)
    data = upload.read()
    try:
        sheets, _ = read_workbook(data, upload.name)
    except SpreadsheetError:
        sheets = {}   # the import itself refuses the file and says why
    if workbook.data_rows(sheets) > settings.ZHENGAI_IMPORT_INLINE_ROWS:
        job = workbook.workbook_start(institution=institution, actor=request.user, data=data,
                                      filename=upload.name, period=context["period"] or None)
        return HttpResponseRedirect(reverse("core:job_detail", args=[job.pk]))
    result = workbook.import_workbook(data=data, filename=upload.name, institution=institution,
                                      actor=request.user, period=context["period"] or None)
    context.update(_workbook_context(result.record))
    return render(request, "statedata/workbook_import.html", context, status=200 if result.ok else 400)


def _workbook_context(record: sd.WorkbookImport) -> dict[str, Any]:
    return {"record": record, "ok": record.status == ImportStatus.OK,
            "errors": [{"sheet": e[0], "row": e[1], "column": e[2], "message": e[3]} for e in record.errors]}


@login_required
def workbook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One workbook import's result: each sheet, its import record, the bad cells, the logic-check findings."""
    institution = _institution(request)
    record = get_object_for_user(sd.WorkbookImport.objects.filter(institution=institution), request.user, VIEW,
                                 pk=pk)
    return render(request, "statedata/workbook_import.html", {"detail": True, **_workbook_context(record)})
