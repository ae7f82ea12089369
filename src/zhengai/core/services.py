"""Writes of the core app, and the one helper every app's services use to save and audit an object."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from . import audit
from .choices import AuditAction, Role
from .models import Institution, Membership, User


@transaction.atomic
def save_object(
    *,
    actor: Any,
    obj: models.Model,
    data: dict[str, Any],
    m2m: dict[str, Iterable[models.Model]] | None = None,
    note: str = "",
    validated: bool = False,
) -> tuple[models.Model, str]:
    """Validate and save `obj` with `data` (and many-to-many members), auditing the change.

    Returns the object and "created", "updated" or "unchanged": a save that changes nothing writes
    nothing, which is what makes re-importing the same file a no-op. `validated=True` is for callers that
    have just run the same validation on a copy (an import checks every row before writing any).
    """
    creating = obj.pk is None
    before = {} if creating else audit.snapshot(obj)
    for name, value in data.items():
        setattr(obj, name, value)
    if not validated:
        obj.full_clean()
    after_fields = audit.snapshot(obj) if not creating else None
    m2m_changed = False
    if not creating and m2m:
        for name, members in m2m.items():
            if set(getattr(obj, name).values_list("pk", flat=True)) != {m.pk for m in members}:
                m2m_changed = True
    if not creating and not m2m_changed and after_fields is not None:
        if {k: v for k, v in after_fields.items() if k not in (m2m or {})} == {
            k: v for k, v in before.items() if k not in (m2m or {})
        }:
            return obj, "unchanged"
    obj.save()
    for name, members in (m2m or {}).items():
        getattr(obj, name).set(members)
    audit.record(actor=actor, obj=obj, action=AuditAction.CREATE if creating else AuditAction.UPDATE,
                 before=before, note=note)
    return obj, "created" if creating else "updated"


@transaction.atomic
def set_active(*, actor: Any, obj: models.Model, active: bool, note: str = "") -> models.Model:
    """Retire (停用) or restore an object; retired objects stay for history and are hidden by default."""
    if obj.active == active:
        return obj
    before = audit.snapshot(obj)
    obj.active = active
    obj.save(update_fields=["active"])
    audit.record(actor=actor, obj=obj, action=AuditAction.RESTORE if active else AuditAction.RETIRE,
                 before=before, note=note)
    return obj


@transaction.atomic
def institution_create(*, actor: Any = None, **fields: Any) -> Institution:
    institution = Institution(**fields)
    institution.full_clean()
    institution.save()
    audit.record(actor=actor, obj=institution, action=AuditAction.CREATE)
    return institution


@transaction.atomic
def user_create(*, username: str, name: str, password: str | None = None, email: str = "") -> User:
    user = User(username=username, name=name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def membership_grant(
    *, actor: Any = None, user: User, institution: Institution, role: Role | str, scope: models.Model | None = None
) -> Membership:
    """Give `user` a role in `institution`, scoped to `scope` where the role names an object."""
    scope_type = ContentType.objects.get_for_model(scope) if scope is not None else None
    membership, created = Membership.objects.get_or_create(
        user=user, institution=institution, role=role, scope_type=scope_type,
        scope_id=scope.pk if scope is not None else None,
        defaults={"active": True},
    )
    if not created and not membership.active:
        set_active(actor=actor, obj=membership, active=True, note="恢复角色")
    if created:
        audit.record(actor=actor, obj=membership, action=AuditAction.CREATE)
    return membership
