"""The one permission gate.

Every model that users reach through the web defines `access_q(access, action)`, a Q object over its own
rows that says what the holder of `access` may see (action "view") or change ("change"). Views never read
`.objects` unrestricted: they call `Model.objects.restrict(user, action)` or a `get_<obj>_for_user` helper,
which answers 404 for what the user may not see and 403 for what they may see but not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from .choices import (
    ADMIN_ROLES,
    AUTHORITY_ROLES,
    INSTITUTION_LEVEL_ROLES,
    INSTITUTION_WIDE_ROLES,
    MEMBER_ROLES,
    Role,
)

if TYPE_CHECKING:
    from .models import Membership

VIEW = "view"
CHANGE = "change"


class Access:
    """What one user holds: their active memberships, read once per request."""

    def __init__(self, user: Any):
        self.user = user

    @cached_property
    def memberships(self) -> list[Membership]:
        from .models import Membership

        if not getattr(self.user, "is_authenticated", False):
            return []
        return list(Membership.objects.filter(user_id=self.user.pk, active=True).select_related("institution"))

    @property
    def is_superuser(self) -> bool:
        return bool(getattr(self.user, "is_superuser", False))

    def roles(self, institution_id: int | None = None) -> set[str]:
        return {m.role for m in self.memberships if institution_id is None or m.institution_id == institution_id}

    def has_role(self, roles: Iterable[str] | str, institution_id: int | None = None) -> bool:
        wanted = {roles} if isinstance(roles, str) else set(roles)
        return bool(self.roles(institution_id) & wanted)

    def institution_ids(self, roles: Iterable[str] | None = None) -> set[int]:
        wanted = None if roles is None else set(roles)
        return {m.institution_id for m in self.memberships if wanted is None or m.role in wanted}

    def institution_q(self, field: str, action: str, roles: Iterable[str] | None = None) -> Q:
        """Rows whose institution (at `field`) the user holds one of `roles` in.

        Default roles: any membership may view; the administrative roles may change.
        """
        if roles is None and action != VIEW:
            roles = ADMIN_ROLES
        return Q(**{f"{field}__in": self.institution_ids(roles)})

    def wide_q(self, field: str) -> Q:
        """Rows of institutions where the user holds an institution-wide role (leader, quality office…)."""
        return Q(**{f"{field}__in": self.institution_ids(INSTITUTION_WIDE_ROLES)})

    def level_q(self, field: str) -> Q:
        """Rows of institutions where the user sees the institution-level picture: the institution-wide roles
        and the authority's (never rows about one person — callers apply this to such rows only)."""
        return Q(**{f"{field}__in": self.institution_ids(INSTITUTION_LEVEL_ROLES)})

    def authority_q(self, field: str) -> Q:
        """Rows of institutions where the user holds an authority role (教育行政部门, 复核专家)."""
        return Q(**{f"{field}__in": self.institution_ids(AUTHORITY_ROLES)})

    def member_q(self, field: str) -> Q:
        """Rows of institutions where the user is one of the college's own people (any role but the
        authority's): for rows the authority and its experts must not read (the roster, drafts)."""
        return Q(**{f"{field}__in": self.institution_ids(MEMBER_ROLES)})

    def only_authority(self, institution_id: int) -> bool:
        """Whether the user holds nothing but an authority role in the institution (教育行政部门, 复核专家):
        the pages about one person answer them 404."""
        roles = self.roles(institution_id)
        return not self.is_superuser and bool(roles) and roles <= AUTHORITY_ROLES

    def scoped_ids(self, role: str | Iterable[str], model: type[models.Model]) -> set[int]:
        """Primary keys of the `model` objects the user's `role` memberships (one role or a set of roles, as
        `CLASS_ROLES`) are scoped to."""
        from django.contrib.contenttypes.models import ContentType

        roles = {role} if isinstance(role, str) else set(role)
        ct = ContentType.objects.get_for_model(model)
        return {m.scope_id for m in self.memberships if m.role in roles and m.scope_type_id == ct.pk and m.scope_id}


def through(parent: type[models.Model], field: str, access: Access, action: str) -> Q:
    """Rows that belong (at `field`) to a `parent` row the user may `action`: for records that have no rule of
    their own beyond their parent's (a plan's goals, a cycle's steps, a report's rows). A subquery, so rows
    never repeat."""
    q = parent.access_q(access, action)  # type: ignore[attr-defined]
    if q is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": parent.objects.filter(q).values("pk")})  # type: ignore[attr-defined]


def access_for(user: Any) -> Access:
    """The user's Access, cached on the user object for the rest of the request."""
    cached = getattr(user, "_zhengai_access", None)
    if cached is None:
        cached = Access(user)
        try:
            user._zhengai_access = cached
        except AttributeError:  # AnonymousUser is not always writable
            pass
    return cached


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = VIEW) -> RestrictedQuerySet:
        """Only the rows `user` may `action`; nothing for an anonymous user."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        access = access_for(user)
        if access.is_superuser:
            return self
        q = self.model.access_q(access, action)
        if q is None:
            return self.none()
        # Rules use subqueries, not joins through many-to-many relations, so rows never repeat and counts
        # and aggregates over a restricted queryset stay right without DISTINCT.
        return self.filter(q)


def get_object_for_user(queryset: Any, user: Any, action: str = VIEW, **lookup: Any) -> Any:
    """The object matching `lookup` if `user` may see it (else 404) and, for a change, change it (else 403).

    The same 404 answers "absent" and "not yours", so nobody learns what exists elsewhere.
    """
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset.objects.all()
    try:
        obj = queryset.restrict(user, VIEW).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("没有找到该对象") from exc
    if action != VIEW and not queryset.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied("您没有修改该对象的权限")
    return obj


def can(user: Any, obj: models.Model, action: str = CHANGE) -> bool:
    """Whether `user` may `action` this one object (for showing or hiding buttons)."""
    return type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists()


def require_role(user: Any, roles: Iterable[str], institution_id: int | None = None) -> None:
    """403 unless the user holds one of `roles` (in the institution, when given)."""
    access = access_for(user)
    if access.is_superuser:
        return
    if not access.has_role(roles, institution_id):
        raise PermissionDenied("您的角色不能执行此操作")


def institution_for(request: Any, roles: Iterable[str] | None = None) -> Any:
    """The institution the request works in (404 when the user belongs to none) and, when `roles` is given,
    403 unless the user holds one of them there: the opening lines of every page that changes something."""
    from .middleware import institution_of

    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    if roles is not None:
        require_role(request.user, roles, institution.pk)
    return institution


def get_object_for_role(queryset: Any, user: Any, roles: Iterable[str], *, owner_field: str = "",
                        message: str = "您的角色不能执行此操作", **lookup: Any) -> Any:
    """The object matching `lookup` if `user` may see it (else 404, as get_object_for_user), and 403 unless
    the user holds one of `roles` in the object's institution or is the person its `owner_field` names (a
    qualitative QC point's 责任人). For acts whose right is a role or a named person, not a change of the row."""
    obj = get_object_for_user(queryset, user, VIEW, **lookup)
    access = access_for(user)
    if access.is_superuser or access.has_role(roles, obj.institution_id):
        return obj
    if owner_field and getattr(obj, f"{owner_field}_id", None) == getattr(user, "pk", None):
        return obj
    raise PermissionDenied(message)


__all__ = [
    "ADMIN_ROLES",
    "AUTHORITY_ROLES",
    "CHANGE",
    "INSTITUTION_WIDE_ROLES",
    "VIEW",
    "Access",
    "RestrictedQuerySet",
    "Role",
    "access_for",
    "can",
    "get_object_for_role",
    "get_object_for_user",
    "institution_for",
    "require_role",
    "through",
]
