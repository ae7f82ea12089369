"""账号与角色: the quality office opens accounts and grants and revokes roles in its college.

A role is a `core.Membership` (user × institution × role × optional scope object). `core` cannot name the scope
objects, so granting by code lives here, in the app that owns units, majors, courses, classes, teachers and
students. Writes (`account_create`, `role_grant`, `role_revoke`, `password_reset`, `accounts_for_teachers`,
`accounts_for_students`) validate, raise `ValidationError` with Chinese messages keyed by the form field they
concern, and audit without ever recording a password. Reads (`accounts`, `get_account_for_user`,
`get_membership_for_user`) go through the permission gate: only the quality office sees its college's accounts.

Permission to call a write is the caller's business (the views admit only the quality office).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.http import Http404

from zhengai.core import audit
from zhengai.core.choices import SCOPED_ROLES, AuditAction, Role
from zhengai.core.models import Membership, User
from zhengai.core.permissions import VIEW, get_object_for_user
from zhengai.core.services import membership_grant, set_active, user_create

from . import services
from .models import Course, Klass, Major, Student, Teacher, Unit

# The object each scoped role names, by the kind `core.choices.SCOPED_ROLES` gives it.
_KIND_MODELS: dict[str, type[models.Model]] = {
    "unit": Unit, "major": Major, "course": Course, "class": Klass, "teacher": Teacher, "student": Student,
}
SCOPE_MODELS: dict[str, type[models.Model]] = {role: _KIND_MODELS[kind] for role, kind in SCOPED_ROLES.items()}
# Roles whose scope is the person's own record: granting the role links the record to the account, so that
# the teacher edits their own record and the student sees their own data (Teacher/Student.access_q).
PERSON_ROLES: dict[str, str] = {Role.TEACHER: "teacher", Role.STUDENT: "student"}


def _code_label(model: type[models.Model]) -> str:
    return str(model._meta.get_field("code").verbose_name)


def scope_hint(role: str) -> str:
    """What the 范围代码 of a role is, in Chinese: shown next to the role select."""
    model = SCOPE_MODELS.get(role)
    if model is None:
        return "全校范围的角色，范围代码不填"
    return f"填写{_code_label(model)}（本院校的{model._meta.verbose_name}）"


ROLE_HINTS: dict[str, str] = {role.value: scope_hint(role) for role in Role}


def scope_label(membership: Membership) -> str:
    """“专业带头人 · 软件技术（510201）”: the role and, where it has one, what it is for."""
    label = str(Role(membership.role).label)
    scope = membership.scope if membership.scope_id else None
    return f"{label} · {scope.name}（{scope.code}）" if scope is not None else label


# ---- writes ---------------------------------------------------------------------------------------

def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _resolve_scope(institution: Any, role: str, scope_code: str | None) -> models.Model | None:
    """The object a role is scoped to, found by its code in this college; None for an institution-wide role.

    Absent and “another college's” read the same, so nobody learns what other colleges hold.
    """
    if role not in Role.values:
        raise ValidationError({"role": ["请选择有效的角色"]})
    label, code = Role(role).label, (scope_code or "").strip()
    model = SCOPE_MODELS.get(role)
    if model is None:
        if code:
            raise ValidationError({"scope_code": [f"“{label}”是全校范围的角色，不需要范围代码"]})
        return None
    if not code:
        raise ValidationError({"scope_code": [f"“{label}”需要范围代码：{scope_hint(role)}"]})
    noun = model._meta.verbose_name
    obj = model.objects.filter(institution=institution, code=code).first()
    if obj is None:
        raise ValidationError({"scope_code": [f"本院校没有{_code_label(model)}为“{code}”的{noun}"]})
    if not obj.active:
        raise ValidationError({"scope_code": [f"{noun}“{obj}”已停用，不能再授予角色"]})
    return obj


def _audit_account(*, actor: Any, user: User, institution: Any, action: str, before: dict[str, Any],
                   after: dict[str, Any], note: str = "") -> None:
    """Audit a change to an account, with explicit values: a snapshot of a user would carry the password hash.

    A user belongs to no one institution: the entry is filed under the college whose office acted, so that
    its quality office finds it in its audit trail.
    """
    audit.record(actor=actor, obj=user, action=action, before=before, after=after, note=note,
                 institution=institution)


def _username_invalid(username: str) -> str | None:
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return f"账号“{username}”只能由字母、数字和 @ . + - _ 组成"
    return None


def _taken(username: str) -> bool:
    # Case-insensitive: “T001” and “t001” would be two accounts nobody can tell apart at login.
    return User.objects.filter(username__iexact=username).exists()


def free_username(base: str, institution: Any) -> str:
    """A free username like `base`: “T001.10001”, then “T001.10001.2”…, suffixed with the college's code.

    Usernames are unique on the whole deployment (one login page for every college), so a name can be taken by
    an account of another college. Offering or picking this one instead never says whose the name is.
    """
    stem = f"{base}.{institution.code}"[:140]
    candidate, n = stem, 1
    while _taken(candidate):
        n += 1
        candidate = f"{stem}.{n}"
    return candidate


def _username_errors(username: str, institution: Any) -> list[str]:
    if not username:
        return ["请填写账号"]
    if bad := _username_invalid(username):
        return [bad]
    if _taken(username):
        # One neutral message whoever holds the name — this college, another one, or nobody's college — so
        # that opening accounts cannot be used to learn which usernames other colleges have.
        return [f"账号“{username}”不可用，请换一个，如“{free_username(username, institution)}”"]
    return []


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        # Django's Chinese catalogue lacks the plural message of the length rule: say it ourselves.
        return [f"密码太短，至少需要{e.params['min_length']}个字符" if e.code == "password_too_short"
                else e.messages[0] for e in exc.error_list]
    return []


@transaction.atomic
def account_create(*, actor: Any, institution: Any, username: str, name: str, password: str,
                   role: str | None = None, scope_code: str | None = None) -> User:
    """新增账号, and with `role` its first role in `institution` in the same transaction.

    An account with no role in the college would be out of its quality office's sight, so the pages always
    give one. Every problem (account, password, role, scope) is reported at once.
    """
    username, name = username.strip(), name.strip()
    errors: dict[str, list[str]] = {}
    for key, found in (("username", _username_errors(username, institution)),
                       ("password", _password_errors(password, User(username=username, name=name)))):
        if found:
            errors[key] = found
    if not name:
        errors["name"] = ["请填写姓名"]
    if role is not None:
        try:
            _resolve_scope(institution, role, scope_code)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    _refuse(errors)
    user = user_create(username=username, name=name, password=password)
    _audit_account(actor=actor, user=user, institution=institution, action=AuditAction.CREATE, before={},
                   after={"username": username, "name": name}, note="新增账号")
    if role is not None:
        role_grant(actor=actor, institution=institution, user=user, role=role, scope_code=scope_code)
    return user


def _link_person(*, actor: Any, kind: str, record: Any, user: User) -> None:
    """Make the teacher's or student's record the account's own, through the org services (audited)."""
    if record.user_id == user.pk:
        return
    noun = record._meta.verbose_name
    if record.user_id is not None:
        raise ValidationError({"scope_code": [f"{noun}“{record}”已关联账号“{record.user.username}”"]})
    if type(record).objects.filter(user=user).exists():
        raise ValidationError({"scope_code": [f"该账号已关联另一条{noun}记录，一个账号只能对应一名{noun}"]})
    getattr(services, f"{kind}_update")(actor=actor, **{kind: record}, user=user)


def _unlink_person(*, actor: Any, membership: Membership) -> None:
    kind = PERSON_ROLES.get(membership.role)
    record = membership.scope if kind and membership.scope_id else None
    if record is not None and record.user_id == membership.user_id:
        getattr(services, f"{kind}_update")(actor=actor, **{kind: record}, user=None)


@transaction.atomic
def role_grant(*, actor: Any, institution: Any, user: User, role: str, scope_code: str | None = None
               ) -> Membership:
    """授予角色: `role` in `institution`, scoped to the object of this college whose code is `scope_code`.

    Granting a role the account held before restores that membership (its history stays one row).
    """
    scope = _resolve_scope(institution, role, scope_code)
    scope_type = ContentType.objects.get_for_model(scope) if scope is not None else None
    existing = Membership.objects.filter(user=user, institution=institution, role=role, scope_type=scope_type,
                                         scope_id=scope.pk if scope is not None else None).first()
    if existing is not None and existing.active:
        raise ValidationError({"role": [f"该账号已有角色“{scope_label(existing)}”"]})
    if role in PERSON_ROLES:
        _link_person(actor=actor, kind=PERSON_ROLES[role], record=scope, user=user)
    if existing is not None:
        # core's membership_grant restores silently; restoring here records who gave the role back.
        set_active(actor=actor, obj=existing, active=True, note="重新授予角色")
        return existing
    return membership_grant(actor=actor, user=user, institution=institution, role=role, scope=scope)


@transaction.atomic
def role_revoke(*, actor: Any, membership: Membership) -> Membership:
    """撤销角色: the membership is deactivated (kept for history) and no longer grants anything.

    The last active quality-office role of a college cannot go: nobody could then manage its accounts.
    """
    if not membership.active:
        return membership
    if membership.role == Role.QUALITY_OFFICE:
        # Lock every active quality-office row of the college, in one order (on PostgreSQL), so that two
        # offices revoking each other at the same moment run one after the other and cannot leave none.
        offices = list(Membership.objects.select_for_update(of=("self",)).filter(
            institution_id=membership.institution_id, role=Role.QUALITY_OFFICE, active=True,
            user__is_active=True).order_by("pk").values_list("pk", flat=True))
        if not set(offices) - {membership.pk}:
            raise ValidationError("这是本院校最后一个有效的质管办角色，不能撤销：请先把质管办角色授予另一个账号")
    set_active(actor=actor, obj=membership, active=False, note="撤销角色")
    # Teacher/Student.access_q lets the linked account edit or see its record whatever its roles: unlink it.
    _unlink_person(actor=actor, membership=membership)
    return membership


def managed_here_alone(user: User, institution: Any) -> bool:
    """Whether the account acts in `institution` only and is no platform administrator's."""
    return not (user.is_superuser or user.is_staff
                or Membership.objects.filter(user=user).exclude(institution=institution).exists())


@transaction.atomic
def password_reset(*, actor: Any, user: User, password: str, institution: Any = None) -> User:
    """重置密码. With `institution` (the pages always give it), the account must belong to that college
    alone: a college's office must not take over an account that also acts in other colleges, nor a
    platform administrator's."""
    if institution is not None and not managed_here_alone(user, institution):
        raise ValidationError({NON_FIELD_ERRORS: [
            "该账号也属于其他院校或是平台管理员，请联系平台管理员重置密码"]})
    _refuse({"password": found} if (found := _password_errors(password, user)) else {})
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit_account(actor=actor, user=user, institution=institution, action=AuditAction.UPDATE,
                   before={"password": "（原密码）"}, after={"password": "（已重置）"}, note="重置密码")
    return user


# ---- bulk opening -----------------------------------------------------------------------------------

# No 0/O, 1/l/I: initial passwords are read off a sheet and typed by hand.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# Each password is hashed with Argon2 (~0.1 s): 300 accounts keep one request within half a minute. More at once
# wants a background job that keeps the password sheet until its one download.
BULK_LIMIT = 300


def initial_password(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass
class Opened:
    """One account opened in bulk; `password` exists only in this result, never in the database."""

    code: str
    name: str
    username: str
    password: str


@dataclass
class BulkResult:
    opened: list[Opened] = field(default_factory=list)
    already: int = 0  # records that had an account: left alone, which makes a second run open nothing

    @property
    def summary(self) -> str:
        return f"新开通{len(self.opened)}个账号；另有{self.already}人已有账号，未变。"


def _records(model: type[models.Model], institution: Any, codes: Iterable[str] | None, unit: Unit | None,
             unit_path: str) -> tuple[list[Any], list[str]]:
    """The records to open accounts for, and what is wrong with the listed codes."""
    qs = model.objects.filter(institution=institution)
    if codes is None:
        if unit is not None:  # a unit's people include those of its sections and teaching offices
            qs = qs.filter(Q(**{unit_path: unit}) | Q(**{f"{unit_path}__parent": unit}))
        return list(qs.filter(active=True).order_by("code")), []
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    noun, code_label = model._meta.verbose_name, _code_label(model)
    if not wanted:
        return [], [f"请至少填写一个{code_label}"]
    found = {r.code: r for r in qs.filter(code__in=wanted)}
    errors = [f"本院校没有{code_label}为“{c}”的{noun}" for c in wanted if c not in found]
    errors += [f"{noun}“{r}”已停用" for r in found.values() if not r.active]
    return [found[c] for c in wanted if c in found], errors


@transaction.atomic
def _open_accounts(*, actor: Any, institution: Any, role: str, codes: Iterable[str] | None, unit: Unit | None,
                   unit_path: str) -> BulkResult:
    """Open an account (username = the record's code) for each record without one: all or nothing."""
    model = SCOPE_MODELS[role]
    records, errors = _records(model, institution, codes, unit, unit_path)
    todo = [r for r in records if r.user_id is None]
    if len(todo) > BULK_LIMIT:
        errors.append(f"本次需开通{len(todo)}个账号，超过一次{BULK_LIMIT}个的上限（每个初始密码都要加密保存，"
                      f"耗时较长）：请按部门或名单分批开通")
    taken = set(User.objects.annotate(low=Lower("username"))
                .filter(low__in=[r.code.lower() for r in todo]).values_list("low", flat=True))
    # Accounts this college's office can see (a role here, held or revoked) may be the person's own: say so.
    # Any other account holding the code is none of this college's business: the person gets another name.
    seen_here = set(User.objects.annotate(low=Lower("username"))
                    .filter(low__in=taken, memberships__institution=institution).values_list("low", flat=True))
    usernames: dict[int, str] = {}
    for record in todo:
        low = record.code.lower()
        if low in seen_here:
            errors.append(f"账号“{record.code}”已存在但未关联{record}：请在该账号页面授予"
                          f"“{Role(role).label}”角色，或为此人另建账号")
        elif bad := _username_invalid(record.code):
            errors.append(bad)
        else:
            usernames[record.pk] = free_username(record.code, institution) if low in taken else record.code
    if errors:
        raise ValidationError(errors)
    result = BulkResult(already=len(records) - len(todo))
    for record in todo:
        password = initial_password()
        user = user_create(username=usernames[record.pk], name=record.name, password=password)
        _audit_account(actor=actor, user=user, institution=institution, action=AuditAction.CREATE, before={},
                       after={"username": user.username, "name": user.name}, note="批量开通账号")
        role_grant(actor=actor, institution=institution, user=user, role=role, scope_code=record.code)
        result.opened.append(Opened(record.code, record.name, user.username, password))
    return result


def accounts_for_teachers(*, actor: Any, institution: Any, teacher_codes: Iterable[str] | None,
                          unit: Unit | None = None) -> BulkResult:
    """批量开通教师账号: for the listed 工号, or (codes None) every teacher in use of `unit` (or the college)."""
    return _open_accounts(actor=actor, institution=institution, role=Role.TEACHER, codes=teacher_codes,
                          unit=unit, unit_path="unit")


def accounts_for_students(*, actor: Any, institution: Any, student_codes: Iterable[str] | None,
                          unit: Unit | None = None) -> BulkResult:
    """批量开通学生账号: for the listed 学号, or (codes None) every student in use of `unit`'s majors."""
    return _open_accounts(actor=actor, institution=institution, role=Role.STUDENT, codes=student_codes,
                          unit=unit, unit_path="major__unit")


# ---- reads ------------------------------------------------------------------------------------------

def _memberships(user: Any, institution: Any) -> Any:
    return Membership.objects.restrict(user, VIEW).filter(institution=institution)


def accounts(user: Any, institution: Any, *, q: str = "", role: str = "") -> Any:
    """The college's accounts that `user` may see (the quality office: all; anyone else: their own), each
    with `.roles_here` = its active memberships in the college, scope objects fetched with the page.

    An account whose roles were all revoked stays listed, so that it can be given a role again."""
    memberships = _memberships(user, institution)
    users = User.objects.filter(pk__in=memberships.values("user_id"))
    if q := q.strip():
        users = users.filter(Q(username__icontains=q) | Q(name__icontains=q))
    if role:
        users = users.filter(pk__in=memberships.filter(role=role, active=True).values("user_id"))
    held = memberships.filter(active=True).order_by("pk").prefetch_related("scope")
    return users.order_by("username").prefetch_related(Prefetch("memberships", queryset=held,
                                                                to_attr="roles_here"))


def get_account_for_user(user: Any, institution: Any, pk: Any, action: str = VIEW) -> User:
    """The account `pk` of the college if `user` may see it (else 404) and, for a change, manage its roles
    (else 403)."""
    try:
        account = accounts(user, institution).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("没有找到该账号") from exc
    if action != VIEW and not Membership.objects.restrict(user, action).filter(
            institution=institution, user=account).exists():
        raise PermissionDenied("您没有管理该账号的权限")
    return account


def get_membership_for_user(user: Any, pk: Any, action: str = VIEW, *, account: User | None = None,
                            institution: Any = None) -> Membership:
    """The membership `pk` (of `account` in `institution`, when given) if `user` may `action` it (404 / 403)."""
    qs = Membership.objects.all()
    if account is not None:
        qs = qs.filter(user=account)
    if institution is not None:
        qs = qs.filter(institution=institution)
    return get_object_for_user(qs, user, action, pk=pk)


def account_memberships(user: Any, institution: Any, account: User) -> list[Membership]:
    """Every role the account has held in the college, active first: revoked ones stay as history."""
    return list(_memberships(user, institution).filter(user=account).order_by("-active", "role", "pk")
                .prefetch_related("scope"))
