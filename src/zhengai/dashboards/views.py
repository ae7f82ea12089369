from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengai.core.context_processors import STAFF
from zhengai.core.middleware import institution_of
from zhengai.core.permissions import access_for, require_role

from . import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: what needs this person now, and the objects they are responsible for."""
    institution = institution_of(request)
    context = {"institution": institution}
    if institution is not None:
        wide = selectors.sees_whole_institution(request.user, institution)
        access = access_for(request.user)
        context.update({
            "wide": wide,
            "cards": selectors.scoped_cards(request.user, institution),
            "counts": selectors.institution_counts(request.user, institution) if wide else [],
            "framework": selectors.framework_summary(institution),
            "changes": selectors.recent_changes(request.user, institution),
            "is_quality_office": access.is_superuser or access.has_role({"quality_office"}, institution.pk),
            "is_steward": access.has_role({"data_steward"}, institution.pk),
            # What is the person's own to act on comes first; the school-wide figures second, for the wide roles.
            "actions": selectors.next_actions(request.user, institution),
            "warning_groups": selectors.warnings_by_point(request.user, institution),
            "portraits": selectors.my_portraits(request.user, institution),
            "school": selectors.school_figures(request.user, institution) if wide else [],
            "todo": selectors.todo(request.user, institution),
        })
    return render(request, "dashboards/home.html", context)


def _level_or_404(level: str) -> str:
    from django.http import Http404

    from zhengai.standards.choices import Level

    if level not in Level.values:
        raise Http404("没有这个层面")
    return level


@login_required
def cockpit(request: HttpRequest, level: str = "school") -> HttpResponse:
    """驾驶舱 of one level: its QC points with status counts, the trend, one point's distribution and worst."""
    from django.http import Http404

    from zhengai.standards.choices import Level

    from . import cockpit as c

    level = _level_or_404(level)
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    # The cockpit is the staff's view of a whole level; a student reads their own portrait, not the school's.
    require_role(request.user, STAFF, institution.pk)
    period, periods = c.choose_period(request.user, institution, request.GET.get("period"), level=level)
    context = {"level": level, "level_label": Level(level).label, "levels": Level.choices,
               "period": period, "periods": periods, "period_groups": c.period_groups(periods),
               "institution": institution}
    if period is not None:
        rows = c.level_summary(request.user, institution, level, period)
        context.update({"rows": rows, "totals": c.totals(rows), "trend": c.trend_figure(request.user, institution,
                                                                                       level)})
        chosen = next((r.point for r in rows if r.point.code == request.GET.get("point")), None)
        if chosen is None and rows:
            measured = [r for r in rows if r.total]
            chosen = max(measured, key=lambda r: r.counts["fail"] + r.counts["warning"]).point if measured else None
        if chosen is not None:
            context.update({"chosen": chosen, "detail": c.point_detail(request.user, institution, chosen, period)})
    return render(request, "dashboards/cockpit.html", context)


@login_required
def entity(request: HttpRequest, level: str = "school", pk: int | None = None) -> HttpResponse:
    """One entity's page: its measurements against the lines, portrait charts, and the level below."""
    from django.http import Http404

    from zhengai.standards.choices import Level

    from . import cockpit as c

    level = _level_or_404(level)
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    ent = c.entity_for(request.user, institution, level, pk)
    period, periods = c.choose_period(request.user, institution, request.GET.get("period"), level=level,
                                      entity_key=c.key_of(ent))
    context = {"entity": ent, "level_label": Level(level).label, "period": period, "periods": periods,
               "period_groups": c.period_groups(periods),
               "chain": c.chain_links(request.user, ent)}
    if period is not None:
        measurements = c.entity_measurements(request.user, ent, period)
        medians = c.peer_medians(request.user, ent, period)
        context.update({
            "measurements": [(m, medians.get(m.qc_point_id), c.median_url(ent, m)) for m in measurements],
            "radar": c.radar_figure(measurements, medians, ent),
            "trend": c.entity_trend_figure(request.user, ent),
            "children": c.children(request.user, ent, period),
        })
    return render(request, "dashboards/entity.html", context)
