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


def lineage(user: Any, measurement: Measurement) -> list[dict[str, Any]]:
    """Where each input of a measurement came from: per input (a measure of its formula) the value, the
    state-data table, a link to that table's list filtered to the rows behind it (the entity by the measure's
    path, the periods it read), the import records that brought or last changed those rows, and the data
    version of each of their periods that was current when the value was computed — frozen, with its
    snapshot, or still open. Imports and versions the user may not see are named but not linked."""
    from urllib.parse import urlencode

    from django.urls import NoReverseMatch, reverse

    from zhengai.core.models import Period
    from zhengai.statedata.models import DataVersion, ImportRecord
    from zhengai.statedata.versions import version_period

    from . import measures, services
    from .models import ENTITY_FIELDS

    m = measurement
    filters = services.period_filters(m.institution, m.period)
    field = ENTITY_FIELDS.get(m.level)
    entity_id = getattr(m, f"{field}_id") if field else None
    out = []
    for name, value in (m.inputs or {}).items():
        measure = measures.get(name)
        item: dict[str, Any] = {"name": name, "value": value, "description": getattr(measure, "description", ""),
                                "table": "", "rows_url": "", "rows": 0, "imports": [], "versions": []}
        out.append(item)
        path = measure.paths.get(m.level) if measure is not None else None
        if measure is None or path is None:
            continue
        rows = measure.model.objects.filter(measures.rows_q(filters[measure.basis], measure.model))
        if measure.filter:
            rows = rows.filter(measure.filter)
        if entity_id is not None:
            rows = rows.filter(**{f"{path}_id": entity_id})
        facts = rows.order_by().values("period_id", "last_import_id").distinct() if hasattr(
            measure.model, "last_import") else rows.order_by().values("period_id").distinct()
        periods = sorted({f["period_id"] for f in facts})
        import_ids = {f.get("last_import_id") for f in facts} - {None}
        item["table"] = str(measure.model._meta.verbose_name)
        item["rows"] = rows.count()
        query = {"periods": ",".join(map(str, periods or [m.period_id]))}
        if entity_id is not None:
            query["of"] = f"{path}:{entity_id}"
        if m.period.kind == "month" and getattr(measure.model, "date_field", ""):
            query["days"] = f"{m.period.start.isoformat()},{m.period.end.isoformat()}"
        try:
            item["rows_url"] = f"{reverse(f'statedata:{measure.table}_list')}?{urlencode(query)}"
        except NoReverseMatch:
            pass
        visible = set(ImportRecord.objects.restrict(user).filter(pk__in=import_ids).values_list("pk", flat=True))
        item["imports"] = [{"record": r, "visible": r.pk in visible}
                           for r in ImportRecord.objects.filter(pk__in=import_ids).order_by("-at", "-pk")]
        years = {version_period(p) for p in Period.objects.filter(pk__in=periods)}
        versions = DataVersion.objects.filter(institution=m.institution, period__in=years).select_related("period")
        seen = set(DataVersion.objects.restrict(user).filter(pk__in=versions).values_list("pk", flat=True))
        for year in sorted(years, key=lambda p: p.start):
            of_year = versions.filter(period=year)
            if year.pk == m.period_id:
                # The measurement's own year: its version number is the data version it was computed from.
                version = of_year.filter(number=m.version).first()
            else:
                # Another year it reads (funding's calendar year, five years of practice): the version current
                # when the value was computed, or the first (opened only when the year was frozen).
                version = (of_year.filter(opened_at__lte=m.computed_at).order_by("-number").first()
                           or of_year.order_by("number").first())
            if version is not None:
                item["versions"].append({"version": version, "visible": version.pk in seen})
    return out


def newest_period_with_data(institution: Any):
    """The newest academic year whose measurements hold data (not 无数据): where a recompute of everything
    is meant to run — never the coming year, which has none. Before any measurement, the current academic
    year."""
    from zhengai.core.choices import PeriodKind
    from zhengai.core.models import Period
    from zhengai.core.periods import current_academic_year

    from .choices import Status

    found = (Period.objects.filter(kind=PeriodKind.ACADEMIC_YEAR, pk__in=Measurement.objects.filter(
        institution=institution).exclude(status=Status.NO_DATA).values("period_id")).order_by("-start").first())
    return found or current_academic_year()


def warning_history(warning: Warning) -> QuerySet:
    """The warning's own history (its audit entries: raised, re-graded, acknowledged, assigned, noted,
    resolved), newest first. Whoever may see the warning may see how it was handled: the entries hold no more
    than the warning's page shows."""
    from django.contrib.contenttypes.models import ContentType

    from zhengai.core.models import AuditEntry

    return (AuditEntry.objects.filter(object_type=ContentType.objects.get_for_model(Warning),
                                      object_id=str(warning.pk)).select_related("actor", "object_type"))
