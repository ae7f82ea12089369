"""账号与角色 pages: the quality office (and platform administrators) open accounts, grant and revoke roles,
reset passwords and open accounts for teachers and students in bulk. Everyone else gets 403; an account of
another college is 404. Writes are the `accounts` services; reads its selectors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from zhengai.core import audit
from zhengai.core.choices import Role
from zhengai.core.generic import xlsx_response
from zhengai.core.middleware import institution_of
from zhengai.core.models import User
from zhengai.core.permissions import CHANGE, require_role
from zhengai.core.spreadsheets import workbook_bytes, write_sheet

from . import accounts, selectors
from .forms_accounts import AccountFilterForm, AccountForm, BulkForm, PasswordForm, RoleForm
from .models import Unit
from .views import _for_form

BULK_HEADERS = ["工号／学号", "姓名", "账号", "初始密码"]


def office_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Admit the quality office of the current college (and superusers); pass the college to the view."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        institution = institution_of(request)
        if institution is None:
            raise Http404("您还没有加入任何院校")
        require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
        return view(request, institution, *args, **kwargs)

    return wrapper


def _apply(form: Any, write: Callable[..., Any]) -> Any:
    """Run a service with the form's data; its refusals go onto the form. None when nothing was done."""
    if not form.is_valid():
        return None
    try:
        return write(**form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, _for_form(form, exc))
        return None


class AccountTable(tables.Table):
    username = tables.Column(verbose_name="账号", linkify=("org:account_detail", [tables.A("pk")]))
    name = tables.Column(verbose_name="姓名")
    roles = tables.Column(verbose_name="角色及范围", empty_values=(), orderable=False)
    status = tables.Column(verbose_name="状态", empty_values=(), orderable=False)

    class Meta:
        attrs = {"class": "table"}

    def render_roles(self, record: Any) -> str:
        if not record.roles_here:
            return mark_safe('<span class="muted">—</span>')
        return format_html_join(" ", '<span class="badge">{}</span>',
                                ((accounts.scope_label(m),) for m in record.roles_here))

    def render_status(self, record: Any) -> str:
        if not record.is_active:
            return mark_safe('<span class="badge red">已禁用</span>')
        if not record.roles_here:
            return mark_safe('<span class="badge gray">无有效角色</span>')
        return mark_safe('<span class="badge green">正常</span>')


@office_only
def account_list(request: HttpRequest, institution: Any) -> HttpResponse:
    form = AccountFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    query = {"q": data.get("q", ""), "role": data.get("role", "")}
    table = AccountTable(accounts.accounts(request.user, institution, **query))
    tables.RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return render(request, "org/account_list.html", {"form": form, "table": table, "filtered": any(query.values())})


def _hints() -> dict[str, Any]:
    return {"role_hints": accounts.ROLE_HINTS, "role_hint_rows": [(Role(r).label, h) for r, h in
                                                                   accounts.ROLE_HINTS.items()]}


@office_only
def account_add(request: HttpRequest, institution: Any) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST":
        user = _apply(form, lambda **d: accounts.account_create(actor=request.user, institution=institution, **d))
        if user is not None:
            messages.success(request, f"已新增账号：{user.username}（{user.name}）")
            return redirect("org:account_detail", user.pk)
    return render(request, "org/account_add.html", {"form": form, **_hints()},
                  status=400 if form.is_bound else 200)


def _detail(request: HttpRequest, institution: Any, account: Any, *, role_form: Any = None,
            password_form: Any = None) -> HttpResponse:
    return render(request, "org/account_detail.html", {
        "account": account,
        "memberships": [(m, accounts.scope_label(m)) for m in
                        accounts.account_memberships(request.user, institution, account)],
        "role_form": role_form or RoleForm(),
        "password_form": password_form or PasswordForm(),
        "may_reset": accounts.managed_here_alone(account, institution),
        **_hints(),
    }, status=400 if role_form or password_form else 200)


@office_only
def account_detail(request: HttpRequest, institution: Any, pk: int) -> HttpResponse:
    return _detail(request, institution, accounts.get_account_for_user(request.user, institution, pk))


def _account_form(request: HttpRequest, institution: Any, pk: int, form_class: type, slot: str,
                  write: Callable[..., Any], said: Callable[[Any, Any], str]) -> HttpResponse:
    """A form on the account page: `write(account, **data)`; on success say so and go back to the page, else
    show the page again with the form (in `slot`) and its errors."""
    account = accounts.get_account_for_user(request.user, institution, pk, CHANGE)
    form = form_class(request.POST)
    done = _apply(form, lambda **d: write(account, **d))
    if done is None:
        return _detail(request, institution, account, **{slot: form})
    messages.success(request, said(done, account))
    return redirect("org:account_detail", account.pk)


@office_only
@require_POST
def account_grant(request: HttpRequest, institution: Any, pk: int) -> HttpResponse:
    return _account_form(
        request, institution, pk, RoleForm, "role_form",
        lambda account, **d: accounts.role_grant(actor=request.user, institution=institution, user=account, **d),
        lambda membership, _: f"已授予角色：{accounts.scope_label(membership)}")


@office_only
@require_POST
def account_revoke(request: HttpRequest, institution: Any, pk: int, membership_pk: int) -> HttpResponse:
    account = accounts.get_account_for_user(request.user, institution, pk, CHANGE)
    membership = accounts.get_membership_for_user(request.user, membership_pk, CHANGE, account=account,
                                                  institution=institution)
    try:
        accounts.role_revoke(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已撤销角色：{accounts.scope_label(membership)}")
    return redirect("org:account_detail", account.pk)


@office_only
@require_POST
def account_password(request: HttpRequest, institution: Any, pk: int) -> HttpResponse:
    return _account_form(
        request, institution, pk, PasswordForm, "password_form",
        lambda account, **d: accounts.password_reset(actor=request.user, institution=institution, user=account,
                                                     **d),
        lambda _, account: f"已重置 {account.username} 的密码，请告知本人")


@never_cache  # the result page shows initial passwords: no browser or proxy may keep it
@office_only
def account_bulk(request: HttpRequest, institution: Any) -> HttpResponse:
    units = selectors.visible(Unit, request.user, institution)
    form = BulkForm(request.POST or None, units=units)
    result = None
    if request.method == "POST":
        def open_accounts(*, kind: str, unit: Any, codes: list[str] | None) -> accounts.BulkResult:
            opener = accounts.accounts_for_teachers if kind == "teacher" else accounts.accounts_for_students
            return opener(actor=request.user, institution=institution, unit=unit, **{f"{kind}_codes": codes})

        result = _apply(form, open_accounts)
        if result is not None:
            form = BulkForm(units=units)  # done: a fresh form, not one that invites sending the same again
    return render(request, "org/account_bulk.html", {"form": form, "result": result, "headers": BULK_HEADERS},
                  status=400 if form.is_bound and result is None else 200)


@never_cache
@office_only
@require_POST
def account_bulk_export(request: HttpRequest, institution: Any) -> HttpResponse:
    """The bulk result as .xlsx. The passwords exist nowhere but on the result page, which posts them back
    here: nothing is stored to serve them later."""
    columns = [request.POST.getlist(name) for name in ("code", "name", "username", "password")]
    rows = list(zip(*columns, strict=False))
    workbook = Workbook()
    write_sheet(workbook, "初始账号", BULK_HEADERS, rows, first=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    audit.record_export(actor=request.user, institution=institution, what="初始账号（含初始密码）", subject=User,
                        count=len(rows))
    return xlsx_response(workbook_bytes(workbook), f"{institution.name}初始账号{stamp}.xlsx")
