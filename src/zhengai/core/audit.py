"""The audit trail: every service that changes a domain object records who, when, before and after."""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .choices import AuditAction
from .models import AuditEntry


def plain(value: Any) -> Any:
    """A field value as JSON: dates and decimals as text, a related object by its name."""
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""  # a stored file by its stored name, never its content
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete field values and many-to-many members, as JSON-ready plain values."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name == "institution":
            continue
        if field.is_relation:
            # Name and key: two objects can read alike (a college's copy of a built-in table).
            related = getattr(obj, field.name)
            data[field.name] = f"{related}（#{related.pk}）" if related is not None else None
        else:
            data[field.name] = plain(field.value_from_object(obj))
    if obj.pk:
        for field in obj._meta.many_to_many:
            data[field.name] = sorted(str(o) for o in getattr(obj, field.name).all())
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    institution: Any = None,
) -> AuditEntry | None:
    """Write one audit entry; an update that changed nothing writes none.

    The entry is filed under the object's institution, or under `institution` for objects that belong to
    none (a user account, changed by one college's quality office).
    """
    changes = diff(before or {}, after if after is not None else snapshot(obj))
    if action == AuditAction.UPDATE and not changes:
        return None
    institution_id = getattr(obj, "institution_id", None) or getattr(institution, "pk", None)
    if institution_id is None and obj._meta.model_name == "institution":
        institution_id = obj.pk
    return AuditEntry.objects.create(
        institution_id=institution_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
        note=note[:200],
    )


def record_bulk(
    *,
    actor: Any,
    action: str,
    items: Iterable[tuple[models.Model, dict[str, Any], dict[str, Any]]],
    note: str = "",
    describe: Callable[[Any], str] = str,
) -> int:
    """One audit entry per (object, before, after), all written in one INSERT: what a recompute does to
    hundreds of warnings at once. `before` and `after` hold only the fields that matter (no snapshot per object,
    which would query per row), and `describe` names an object without a query where `str` would need one; an
update that changed nothing writes nothing. Objects must have their keys."""
    entries = []
    for obj, before, after in items:
        changes = diff(before, after)
        if action == AuditAction.UPDATE and not changes:
            continue
        entries.append(AuditEntry(
            institution_id=getattr(obj, "institution_id", None),
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=action, object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk),
            object_repr=describe(obj)[:200], changes=changes, note=note[:200]))
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def record_export(
    *,
    actor: Any,
    institution: Any,
    what: str,
    subject: type[models.Model] | models.Model,
    count: int | None = None,
    action: str = AuditAction.EXPORT,
) -> AuditEntry:
    """Who took data out of the platform, what and when: one entry per export (a list of `subject` rows, the
    model exported) or download (`subject` the report, plan or evidence file, `action` DOWNLOAD)."""
    is_object = isinstance(subject, models.Model)
    changes: dict[str, Any] = {"内容": what}
    if count is not None:
        changes["行数"] = count
    return AuditEntry.objects.create(
        institution_id=getattr(institution, "pk", None),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk) if is_object else "",
        object_repr=(str(subject) if is_object else what)[:200],
        changes=changes,
        note=(f"导出{count}行" if count is not None else "")[:200],
    )


def field_label(model: Any, name: str) -> str:
    """The Chinese label of a recorded field: the model field's verbose_name (`active` → 有效), `model` a
    model class or its ContentType. Keys that are no field (an export's 内容 and 行数) are already Chinese."""
    if isinstance(model, ContentType):
        model = model.model_class()
    try:
        return str(model._meta.get_field(name).verbose_name) if model is not None else name
    except FieldDoesNotExist:
        return name


ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def shown(value: object) -> str:
    """A recorded value as people read it in the audit log: 是/否, （空）, lists joined, a time in local time
    (settings.TIME_ZONE) to the minute — never a Python repr or an ISO string."""
    if value is None or value == "" or value == [] or value == {}:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and ISO_DATETIME.match(value):
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{moment:%Y-%m-%d %H:%M}"
    if isinstance(value, (list, tuple)):
        return "、".join(shown(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{shown(v)}" for k, v in value.items())
    return str(value)
