"""Reads of the monitoring app, already restricted to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from zhengai.core.permissions import access_for
from zhengai.org.models import Unit

from .models import Measurement, Notification, Warning


def warnings_for(user: Any, institution: Any):
    return (Warning.objects.restrict(user).filter(institution=institution)
            .select_related("qc_point", "period", "assigned_unit", "unit", "major", "course", "teacher",
                            "student", "klass", "institution"))


def my_warnings(user: Any, institution: Any):
    """Warnings assigned to the user or to units they head, and those about what they answer for: a unit
    head's majors, courses, teachers and students, a major leader's major… (not the school-level ones,
    which are the lead units')."""
    from zhengai.core.choices import Role
    from zhengai.standards.choices import Level

    from .models import own_warning_ids, owner_q

    access = access_for(user)
    heads = access.scoped_ids(Role.UNIT_HEAD, Unit)
    answerable = owner_q(access) & ~Q(level=Level.SCHOOL)
    return (warnings_for(user, institution)
            .filter(Q(pk__in=own_warning_ids(user.pk)) | Q(assigned_unit_id__in=heads) | answerable))


def measurements_for(user: Any, institution: Any):
    return (Measurement.objects.restrict(user).filter(institution=institution)
            .select_related("qc_point", "period", "unit", "major", "course", "teacher", "student", "klass",
                            "institution"))


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read=False).count()
