"""Helpers of the org tests."""

from __future__ import annotations


def audit_of(obj):
    """The audit entries of one object, newest first."""
    from django.contrib.contenttypes.models import ContentType

    from zhengai.core.models import AuditEntry

    kind = ContentType.objects.get_for_model(obj)
    return AuditEntry.objects.filter(object_type=kind, object_id=str(obj.pk))
