"""Reads of the monitoring app, already restricted to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

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
    answerable = owner_q(access) & ~Q(level=Level.SCHOOL)
    # Items assigned to a unit reach the heads of that unit itself; the unit above learns of them by 督办
    # (escalation), not at once — the inbox is what is the reader's to act on.
    heads = access.scoped_ids(Role.UNIT_HEAD, Unit)
    return (warnings_for(user, institution)
            .filter(Q(pk__in=own_warning_ids(user.pk)) | Q(assigned_unit_id__in=heads) | answerable))


def that_count(qs: QuerySet[Measurement] | None = None, *, pinned: dict[int, int] | None = None
               ) -> QuerySet[Measurement]:
    """THE measurements that count (the one reader every page, report, gate, score and improvement uses):
    of `qs` (default all), for each QC point, entity and period, the measurement of the newest data version
    that computed that point for that entity.

    Per point and entity, never period-wide: a correction imported into a frozen year opens version 2, which
    is computed only for the points that read the corrected table — the other points keep their version-1
    measurement, which still counts. `pinned` ({period id: data version}) reads a period as a signed report
    saw it: the newest version up to the pinned one.

    One correlated NOT EXISTS in the same query (the unique index on point, period, entity and version
    answers it), so a caller's aggregates, gate and ordering stay one query."""
    qs = Measurement.objects.all() if qs is None else qs
    newer = Measurement.objects.filter(qc_point_id=OuterRef("qc_point_id"), period_id=OuterRef("period_id"),
                                       entity_key=OuterRef("entity_key"), version__gt=OuterRef("version"))
    if pinned:
        within = ~Q(period_id__in=list(pinned))
        for period_id, version in pinned.items():
            within |= Q(period_id=period_id, version__lte=version)
        qs, newer = qs.filter(within), newer.filter(within)
    return qs.filter(~Exists(newer))


def counting_for(user: Any, institution: Any, **filters: Any) -> QuerySet[Measurement]:
    """The measurements that count which the user may see (the gate, then `that_count`)."""
    return that_count(Measurement.objects.restrict(user).filter(institution=institution, **filters))


def measurements_for(user: Any, institution: Any):
    return (Measurement.objects.restrict(user).filter(institution=institution)
            .select_related("qc_point", "period", "unit", "major", "course", "teacher", "student", "klass",
                            "institution"))


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read=False).count()
