from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .choices import AuditAction
from .importing import ImportResult
from .middleware import SESSION_KEY, institution_of
from .models import AuditEntry, Institution, Job
from .permissions import VIEW, access_for, get_object_for_user


class AuditTable(tables.Table):
    at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name="时间")
    actor = tables.Column(verbose_name="操作人", empty_values=())
    object_type = tables.Column(verbose_name="对象类型", accessor="object_type__name", orderable=False)
    changes = tables.TemplateColumn(template_name="core/audit_changes.html", verbose_name="变更", orderable=False)

    class Meta:
        model = AuditEntry
        fields = ("at", "actor", "action", "object_type", "object_repr", "changes", "note")
        attrs = {"class": "table"}

    def render_actor(self, record: AuditEntry) -> str:
        return record.actor.display_name if record.actor else "系统"


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="object_repr", lookup_expr="icontains", label="对象名称")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label="操作")
    actor = django_filters.CharFilter(field_name="actor__username", label="操作人账号")
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="起始日期",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="截止日期",
                                      widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEntry
        fields = ["q", "action", "actor", "since", "until"]


class AuditListView(LoginRequiredMixin, SingleTableMixin, FilterView):
    """审计记录: every change to a domain object, for the quality office and the school leaders."""

    template_name = "core/audit_list.html"
    table_class = AuditTable
    filterset_class = AuditFilter
    paginate_by = 50

    def get_queryset(self):
        institution = institution_of(self.request)
        qs = AuditEntry.objects.restrict(self.request.user, VIEW).filter(institution=institution)
        if not qs.exists() and not AuditEntry.objects.restrict(self.request.user, VIEW).exists():
            # No audit rights at all: the page itself is out of this user's scope.
            if not access_for(self.request.user).has_role({"quality_office", "school_leader"}):
                raise Http404
        return qs.select_related("actor", "object_type")


@login_required
def institution_detail(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    institution = get_object_for_user(Institution, request.user, VIEW, pk=institution.pk)
    return render(request, "core/institution_detail.html", {"institution": institution})


@login_required
@require_POST
def switch_institution(request: HttpRequest) -> HttpResponse:
    target = get_object_for_user(Institution, request.user, VIEW, pk=request.POST.get("institution"))
    request.session[SESSION_KEY] = target.pk
    next_url = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("home")
    return HttpResponseRedirect(next_url)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A background job's progress; the page refreshes itself (htmx) until the job ends."""
    job = get_object_for_user(Job, request.user, VIEW, pk=pk)
    context = {"job": job}
    # Import jobs of any app store an ImportResult; their kinds end in "import".
    if job.kind.endswith("import") and job.finished and job.result:
        context.update({"result": ImportResult.from_dict(job.result), "filename": job.params.get("filename", "")})
    return render(request, "core/job_detail.html", context)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request)
    jobs = Job.objects.restrict(request.user, VIEW).filter(institution=institution).select_related("created_by")
    return render(request, "core/job_list.html", {"jobs": jobs[:100]})


@login_required
def people_search(request: HttpRequest) -> HttpResponse:
    """The people picker's search (htmx): up to a screenful of the staff of the user's institution whose name
    or account matches. Someone who may not pick (a student, an authority account) is refused."""
    from django.core.exceptions import PermissionDenied

    from . import people

    institution = institution_of(request)
    if not people.may_pick(request.user, institution):
        raise PermissionDenied("只有本院校的教职工可以选择人员")
    found = people.search(request.user, institution, request.GET.get("q", ""))
    return render(request, "core/people_options.html", {"people": [(u.pk, people.label(u)) for u in found]})
