"""Reads behind the level cockpits (驾驶舱) and portraits (画像): every query goes through the gate, aggregates
in the database, and costs the same number of queries however large the college is."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from zhengai.core.choices import PeriodKind
from zhengai.core.models import Institution, Period
from zhengai.core.permissions import VIEW
from zhengai.diagnosis.models import Cycle
from zhengai.goals.models import OnePagePlan, Plan
from zhengai.monitoring.choices import Status
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.selectors import that_count
from zhengai.org.entities import ENTITY_FIELDS, ENTITY_MODELS, entity_key
from zhengai.org.models import Course, Klass, Major, Student, Teacher, Unit
from zhengai.reports.models import Report
from zhengai.standards.choices import Level
from zhengai.standards.models import QCPoint

STATUS_ORDER = [Status.PASS, Status.WARNING, Status.FAIL, Status.DATA_ERROR, Status.NO_DATA]
# 达标率 is over the judged measurements: 数据异常 and 无数据 were not judged, so they are neither passes nor
# failures (the same rule as department performance, goals.performance).
JUDGED = [Status.PASS, Status.WARNING, Status.FAIL]
STATUS_COLOURS = {Status.PASS: "#1b7f3b", Status.WARNING: "#d08a00", Status.FAIL: "#b00020",
                  Status.DATA_ERROR: "#8a4b00", Status.NO_DATA: "#9aa3ad"}


def measurements_url(**params: Any) -> str:
    """The measurement list filtered to what a figure counts (the measurements that count only): where a
    total, a rate or a median links, as a single value links to its measurement's page."""
    from urllib.parse import urlencode

    query = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse('monitoring:measurement_list')}?{urlencode({**query, 'counting': 1})}"


def key_of(entity: Any) -> str:
    """The entity's comparable key ("major:12", "school"), as measurements store it."""
    return entity_key(entity.level, None if entity.level == Level.SCHOOL else entity.obj.pk)

def entity_url(level: str, pk: int | None) -> str:
    if level == Level.SCHOOL:
        return reverse("entity_school")
    return reverse("entity", args=[level, pk])


# The period picker's groups, in order: the year (every point has its year measurement), then the semesters and
# months of the points measured that finely (their 监测周期).
PERIOD_GROUPS = [(PeriodKind.ACADEMIC_YEAR, "学年"), (PeriodKind.SEMESTER, "学期"), (PeriodKind.MONTH, "月份")]


def periods_with_data(user: Any, institution: Institution, **filters: Any) -> list[Period]:
    """The periods (years, semesters, months) that have measurements the user may see — of the shown level or
    entity (`filters`) — grouped by kind (year first), newest first within each."""
    ids = (Measurement.objects.restrict(user, VIEW).filter(institution=institution, **filters)
           .values_list("period_id", flat=True).distinct())
    order = {kind: i for i, (kind, _) in enumerate(PERIOD_GROUPS)}
    periods = list(Period.objects.filter(pk__in=ids).order_by("-start"))
    return sorted(periods, key=lambda p: order.get(p.kind, len(order)))


def period_groups(periods: list[Period]) -> list[tuple[str, list[Period]]]:
    return [(label, [p for p in periods if p.kind == kind]) for kind, label in PERIOD_GROUPS
            if any(p.kind == kind for p in periods)]


def choose_period(user: Any, institution: Institution, code: str | None, **filters: Any
                  ) -> tuple[Period | None, list[Period]]:
    """The period the viewer picked among those with data, else the newest year with data (the view that
    shows every point; the year's months and semesters are one pick away)."""
    periods = periods_with_data(user, institution, **filters)
    chosen = next((p for p in periods if p.code == code), None) if code else None
    return chosen or (periods[0] if periods else None), periods


def _status_counts(**filters: Any) -> dict[str, Any]:
    return {s.value: Count("id", filter=Q(status=s, **filters)) for s in STATUS_ORDER}


@dataclass
class PointRow:
    point: QCPoint
    counts: dict[str, int]
    total: int
    pass_rate: float | None
    value: Decimal | None = None      # the school's own value, at the school level
    status: str = ""
    measurement: Measurement | None = None   # the school's measurement (its page traces the value)

    @property
    def cells(self) -> list[tuple[str, int]]:
        """(status, count) in the table's order: each count links to the measurements it counts."""
        return [(s.value, self.counts[s.value]) for s in STATUS_ORDER]


def level_summary(user: Any, institution: Institution, level: str, period: Period) -> list[PointRow]:
    """Each QC point of the level with how many entities pass, warn, fail or lack data (one query)."""
    base = that_count(Measurement.objects.restrict(user, VIEW).filter(institution=institution, period=period,
                                                                   level=level))
    rows = {r["qc_point"]: r for r in base.order_by().values("qc_point").annotate(**_status_counts())}
    points = QCPoint.objects.filter(institution=institution, level=level, active=True).order_by("code")
    school = {}
    if level == Level.SCHOOL:
        school = {m.qc_point_id: m for m in base}
    result = []
    for point in points:
        counts = {s.value: rows.get(point.pk, {}).get(s.value, 0) for s in STATUS_ORDER}
        if period.kind != PeriodKind.ACADEMIC_YEAR and not sum(counts.values()):
            continue  # a month or semester shows the points measured that finely, not every yearly one as empty
        measured = sum(counts[s.value] for s in JUDGED)
        m = school.get(point.pk)
        result.append(PointRow(point, counts, sum(counts.values()),
                               round(counts["pass"] * 100 / measured, 1) if measured else None,
                               m.value if m else None, m.status if m else "", m))
    return result


def totals(rows: list[PointRow]) -> dict[str, int]:
    return {s.value: sum(r.counts[s.value] for r in rows) for s in STATUS_ORDER}


def trend_figure(user: Any, institution: Institution, level: str) -> dict[str, Any] | None:
    """Stacked statuses per academic year for the level (one query)."""
    qs = (that_count(Measurement.objects.restrict(user, VIEW)
                     .filter(institution=institution, level=level, period__kind=PeriodKind.ACADEMIC_YEAR))
          .values("period__code").annotate(**_status_counts()).order_by("period__code"))
    rows = list(qs)
    if not rows:
        return None
    x = [r["period__code"] for r in rows]
    # Each bar links to the measurements it counts (charts.js follows a clicked point's customdata).
    data = [{"type": "bar", "name": s.label, "x": x, "y": [r[s.value] for r in rows],
             "customdata": [measurements_url(level=level, period=c, status=s.value) for c in x],
             "marker": {"color": STATUS_COLOURS[s]}} for s in STATUS_ORDER]
    return {"data": data, "layout": {"barmode": "stack", "height": 260, "legend": {"orientation": "h"},
                                     "yaxis": {"title": {"text": "测量数"}}}}


def _entity_labels(level: str, ids: list[int]) -> dict[int, str]:
    model = ENTITY_MODELS.get(level)
    if model is None:
        return {}
    return {o.pk: str(o) for o in model.objects.filter(pk__in=ids)}


def point_detail(user: Any, institution: Institution, point: QCPoint, period: Period, worst: int = 15
                 ) -> dict[str, Any]:
    """The distribution of one QC point's values across the entities, and the entities furthest below it."""
    field_name = ENTITY_FIELDS.get(point.level)
    qs = that_count(Measurement.objects.restrict(user, VIEW).filter(institution=institution, period=period,
                                                                 qc_point=point))
    # A 数据异常 value cannot be true: it is not part of the distribution.
    values = [float(v) for v in qs.exclude(value=None).exclude(status=Status.DATA_ERROR)
              .values_list("value", flat=True)]
    figure = None
    if values:
        centres, counts = _histogram(values)
        figure = {"data": [{"type": "bar", "x": centres, "y": counts, "marker": {"color": "#1f5fa8"},
                            "hovertemplate": "约%{x}：%{y}个<extra></extra>"}],
                  "layout": {"height": 240, "bargap": 0.05,
                             "xaxis": {"title": {"text": f"{point.name}（{point.unit}）"}},
                             "yaxis": {"title": {"text": "对象数"}},
                             "shapes": _threshold_lines(point)}}
    descending = point.operator in ("ge", "gt")
    bad = qs.filter(status__in=[Status.FAIL, Status.WARNING]).exclude(value=None)
    bad = bad.order_by("value" if descending else "-value")[:worst]
    bad = list(bad.values("pk", "value", "status", *( [f"{field_name}_id"] if field_name else [])))
    labels = _entity_labels(point.level, [r[f"{field_name}_id"] for r in bad]) if field_name else {}
    worst_rows = [{"label": labels.get(r[f"{field_name}_id"], institution.name) if field_name else institution.name,
                   "url": entity_url(point.level, r[f"{field_name}_id"] if field_name else None),
                   "value": r["value"], "status": Status(r["status"]).label, "status_code": r["status"],
                   "measurement_url": reverse("monitoring:measurement_detail", args=[r["pk"]])}
                  for r in bad]
    return {"figure": figure, "worst": worst_rows, "count": len(values)}


def _histogram(values: list[float], bins: int = 20) -> tuple[list[float], list[int]]:
    """Counts per bin, computed here so that a page about 15 000 students sends 20 numbers, not 15 000."""
    low, high = min(values), max(values)
    if high == low:
        return [round(low, 2)], [len(values)]
    width = (high - low) / bins
    counts = [0] * bins
    for v in values:
        counts[min(int((v - low) / width), bins - 1)] += 1
    return [round(low + width * (i + 0.5), 2) for i in range(bins)], counts


def _threshold_lines(point: QCPoint) -> list[dict[str, Any]]:
    shapes = []
    for value, colour in ((point.standard, "#1b7f3b"), (point.warning, "#d08a00")):
        if value is not None:
            shapes.append({"type": "line", "x0": float(value), "x1": float(value), "yref": "paper", "y0": 0, "y1": 1,
                           "line": {"color": colour, "dash": "dash", "width": 2}})
    return shapes


# ---- one entity: its measurements, its children, its portrait ---------------------------------------

@dataclass
class Entity:
    level: str
    obj: Any                      # the org object, or the institution at the school level
    label: str
    unit: Unit | None = None      # the unit it is compared within
    parents: list[tuple[str, str]] = field(default_factory=list)


def entity_for(user: Any, institution: Institution, level: str, pk: int | None) -> Entity:
    """The entity, through the gate (404 for what the user may not see)."""
    from zhengai.core.permissions import get_object_for_user

    if level == Level.SCHOOL:
        return Entity(level, institution, institution.name)
    model = ENTITY_MODELS[level]
    obj = get_object_for_user(model.objects.filter(institution=institution), user, VIEW, pk=pk)
    unit = {Level.UNIT: getattr(obj, "parent", None), Level.MAJOR: getattr(obj, "unit", None),
            Level.COURSE: getattr(obj, "unit", None), Level.TEACHER: getattr(obj, "unit", None)}.get(level)
    if level == Level.STUDENT:
        unit = obj.major.unit
    if level == Level.CLASS:
        unit = obj.major.unit
    parents = [(institution.name, entity_url(Level.SCHOOL, None))]
    if unit is not None:
        parents.append((unit.name, entity_url(Level.UNIT, unit.pk)))
    if level in (Level.STUDENT, Level.CLASS):
        parents.append((obj.major.name, entity_url(Level.MAJOR, obj.major_id)))
    if level == Level.STUDENT:
        parents.append((obj.klass.name, entity_url(Level.CLASS, obj.klass_id)))
    return Entity(level, obj, str(obj), unit, parents)


def entity_measurements(user: Any, entity: Entity, period: Period) -> list[Measurement]:
    qs = Measurement.objects.restrict(user, VIEW).filter(institution=entity.obj if entity.level == Level.SCHOOL
                                                         else entity.obj.institution, period=period,
                                                         level=entity.level)
    field_name = ENTITY_FIELDS.get(entity.level)
    if field_name:
        qs = qs.filter(**{f"{field_name}_id": entity.obj.pk})
    return list(that_count(qs).select_related("qc_point").order_by("qc_point__code"))


# A median over fewer peers would tell a viewer the hidden ones' values (of two, knowing one's own value gives
# the other's): below this many measured peers no median is shown.
MEDIAN_MIN_PEERS = 3


def peer_medians(user: Any, entity: Entity, period: Period) -> dict[int, float]:
    """Each QC point's median over ALL the entity's peers in the same unit (the unit's median), one query.

    Convention 14: a comparison is computed over the whole population the figure describes, not over what
    the viewer may see — a teacher who sees only herself would otherwise be shown her own value as the
    unit's median. The caller has already passed the entity through the gate (only who may see the entity's
    row sees the median), and only the median leaves this function, never a peer's value or name."""
    field_name = ENTITY_FIELDS.get(entity.level)
    if not field_name or entity.unit is None:
        return {}
    unit_path = {"major": "major__unit", "course": "course__unit", "teacher": "teacher__unit",
                 "student": "student__major__unit", "klass": "klass__major__unit", "unit": "unit__parent"}[field_name]
    qs = (Measurement.objects.filter(institution=entity.unit.institution, period=period, level=entity.level,
                                     **{f"{unit_path}_id": entity.unit.pk})
          .exclude(value=None).exclude(status=Status.DATA_ERROR))
    values: dict[int, list[float]] = {}
    for point_id, value in that_count(qs).values_list("qc_point_id", "value"):
        values.setdefault(point_id, []).append(float(value))
    return {k: statistics.median(v) for k, v in values.items() if len(v) >= MEDIAN_MIN_PEERS}


def attainment(value: float | None, standard: float | None, operator: str) -> float | None:
    """How far a value reaches its pass line, as a percentage capped at 150 (100 = exactly the line).

    For "lower is better" points (≤, <) the ratio is inverted, so that outward on the radar is always better.
    """
    if value is None or standard in (None, 0):
        return None
    ratio = value / standard if operator not in ("le", "lt") else (standard / value if value else 1.5)
    return round(max(0.0, min(ratio, 1.5)) * 100, 1)


def median_url(entity: Entity, m: Measurement) -> str:
    """The measurements a peer median is taken over (the list shows the viewer what the gate lets them see)."""
    if entity.unit is None:
        return ""
    return measurements_url(level=m.level, point=m.qc_point.code, period=m.period.code, unit=entity.unit.pk)


def radar_figure(measurements: list[Measurement], medians: dict[int, float], entity: Entity | None = None
                 ) -> dict[str, Any] | None:
    rows = [m for m in measurements if m.value is not None and m.qc_point.standard is not None
            and m.status != Status.DATA_ERROR]
    if len(rows) < 3:
        return None
    names = [m.qc_point.name for m in rows]
    own = [attainment(float(m.value), float(m.qc_point.standard), m.qc_point.operator) for m in rows]
    links = [m.get_absolute_url() for m in rows]
    data = [{"type": "scatterpolar", "r": own + own[:1], "theta": names + names[:1], "fill": "toself",
             "name": "本对象", "customdata": links + links[:1]}]
    if medians:
        med = [attainment(medians.get(m.qc_point_id), float(m.qc_point.standard), m.qc_point.operator)
               for m in rows]
        peers = [median_url(entity, m) if entity is not None else "" for m in rows]
        data.append({"type": "scatterpolar", "r": med + med[:1], "theta": names + names[:1],
                     "name": "所在部门中位数", "customdata": peers + peers[:1]})
    return {"data": data, "layout": {"height": 360, "polar": {"radialaxis": {"range": [0, 150],
                                                                              "ticksuffix": "%"}},
                                     "legend": {"orientation": "h"}}}


def entity_trend_figure(user: Any, entity: Entity) -> dict[str, Any] | None:
    """Attainment of each of the entity's QC points across academic years (one query)."""
    field_name = ENTITY_FIELDS.get(entity.level)
    institution = entity.obj if entity.level == Level.SCHOOL else entity.obj.institution
    qs = Measurement.objects.restrict(user, VIEW).filter(institution=institution, level=entity.level,
                                                         period__kind=PeriodKind.ACADEMIC_YEAR)
    if field_name:
        qs = qs.filter(**{f"{field_name}_id": entity.obj.pk})
    rows = list(that_count(qs).exclude(value=None).exclude(status=Status.DATA_ERROR)
                .values_list("qc_point__name", "period__code", "value", "qc_point__standard", "qc_point__operator",
                             "pk")
                .order_by("period__code"))
    if not rows:
        return None
    series: dict[str, tuple[list[str], list[float | None], list[str]]] = {}
    for name, code, value, standard, operator, pk in rows:
        xs, ys, links = series.setdefault(name, ([], [], []))
        xs.append(code)
        ys.append(attainment(float(value), float(standard) if standard is not None else None, operator))
        links.append(reverse("monitoring:measurement_detail", args=[pk]))
    # Each point of the line links to its measurement (charts.js follows a clicked point's customdata).
    data = [{"type": "scatter", "mode": "lines+markers", "name": name, "x": xs, "y": ys, "customdata": links}
            for name, (xs, ys, links) in series.items()]
    return {"data": data, "layout": {"height": 300, "yaxis": {"title": {"text": "达成度（%）"}},
                                     "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 100,
                                                 "y1": 100, "line": {"dash": "dot", "color": "#1b7f3b"}}]}}


def children(user: Any, entity: Entity, period: Period, limit: int = 60) -> dict[str, Any] | None:
    """The entities one level down (drill-down), each with its status counts for the period (two queries)."""
    if entity.level == Level.SCHOOL:
        child_level, qs = Level.UNIT, Unit.objects.filter(institution=entity.obj, kind="college", active=True)
    elif entity.level == Level.UNIT:
        child_level, qs = Level.MAJOR, Major.objects.filter(unit=entity.obj, active=True)
    elif entity.level == Level.MAJOR:
        child_level, qs = Level.COURSE, Course.objects.filter(majors=entity.obj, active=True)
    elif entity.level == Level.COURSE:
        child_level, qs = Level.TEACHER, Teacher.objects.filter(courses=entity.obj, active=True)
    elif entity.level == Level.TEACHER:
        child_level, qs = Level.COURSE, Course.objects.filter(teachers=entity.obj, active=True)
    elif entity.level == Level.CLASS:
        child_level, qs = Level.STUDENT, Student.objects.filter(klass=entity.obj, active=True)
    else:
        return None
    objs = list(qs.restrict(user, VIEW).order_by("code")[:limit])
    field_name = ENTITY_FIELDS[child_level]
    counts = {r[f"{field_name}_id"]: r for r in that_count(
        Measurement.objects.restrict(user, VIEW).filter(period=period, level=child_level,
                                                        **{f"{field_name}_id__in": [o.pk for o in objs]}))
        .values(f"{field_name}_id").annotate(**_status_counts())}
    rows = [{"label": str(o), "url": entity_url(child_level, o.pk),
             "counts": {s.value: counts.get(o.pk, {}).get(s.value, 0) for s in STATUS_ORDER}} for o in objs]
    rows.sort(key=lambda r: (-r["counts"]["fail"], -r["counts"]["warning"], r["label"]))
    extra = []
    if entity.level == Level.MAJOR:  # a major also drills into its classes
        extra = [{"label": str(k), "url": entity_url(Level.CLASS, k.pk)}
                 for k in Klass.objects.restrict(user, VIEW).filter(major=entity.obj, active=True).order_by("code")]
    return {"level": Level(child_level).label, "rows": rows, "classes": extra}


def chain_links(user: Any, entity: Entity) -> dict[str, list]:
    """What the goal chain and the spiral hold about this entity, through the gate: its plans, one-page plans,
    diagnosis cycles and self-diagnosis reports (newest first, a few of each), so the portrait leads to them."""
    institution = entity.obj if entity.level == Level.SCHOOL else entity.obj.institution
    key = key_of(entity)

    def rows(model: Any, order: list[str], related: tuple[str, ...] = ()) -> list:
        return list(model.objects.restrict(user, VIEW).filter(institution=institution, entity_key=key)
                    .select_related(*related).order_by(*order)[:5])

    return {"plans": rows(Plan, ["-start_year", "kind"]),
            "onepages": rows(OnePagePlan, ["-year"]),
            "cycles": rows(Cycle, ["-period__start", "kind"], ("period", "stage")),
            "reports": rows(Report, ["-period__start", "-version"], ("period",))}
