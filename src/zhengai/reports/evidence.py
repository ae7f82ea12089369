"""The rows of a self-diagnosis report and the evidence each is pre-filled with: what the platform holds for the
entity and year — QC points with their measurements, plan tasks and their state, warnings, improvements — and
a first draft of measures and effects taken only from recorded improvements (never an invented effect).

Reads only; `services.report_create` saves what this builds and the command line renders it unsaved."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Q
from django.utils import timezone

from zhengai.core.models import Period
from zhengai.core.numbers import with_unit
from zhengai.diagnosis.choices import ImprovementState
from zhengai.diagnosis.models import Improvement
from zhengai.frameworks.models import Element, Framework, Task
from zhengai.goals.models import Indicator, ObservationPoint, OnePagePlan, PlanTask
from zhengai.monitoring.models import Measurement, Warning
from zhengai.monitoring.selectors import that_count
from zhengai.org.entities import ENTITY_FIELDS, entity_key
from zhengai.standards.choices import Level
from zhengai.standards.models import QCPoint

from . import rules
from .choices import ReportKind
from .models import ReportRow

KIND_LEVEL = {ReportKind.SCHOOL: Level.SCHOOL, ReportKind.COLLEGE: Level.UNIT, ReportKind.DEPARTMENT: Level.UNIT,
              ReportKind.MAJOR: Level.MAJOR, ReportKind.COURSE: Level.COURSE, ReportKind.TEACHER: Level.TEACHER}
# The foreign key naming a report's entity: the kernel's field of the kind's level.
ENTITY_FIELD = {kind: ENTITY_FIELDS[level] for kind, level in KIND_LEVEL.items() if level in ENTITY_FIELDS}
NOT_EFFECTIVE = {ImprovementState.PLANNED, ImprovementState.NOT_CARRIED_OUT}


def key_of(kind: str, entity: Any) -> str:
    level = KIND_LEVEL[kind]
    return entity_key(level, None if level == Level.SCHOOL else entity.pk)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    return value


@dataclass
class RowPlan:
    """One row to be: its labels, the table element it is written about and the diagnosis points it covers."""

    project_number: str
    project_label: str
    element_label: str
    element: Element | None
    points: list[int] = field(default_factory=list)
    project_index: int = 0


def plan_rows(framework: Framework, kind: str) -> list[RowPlan]:
    """The rows of the report table.

    The school report follows the framework's own report template when it carries one (seed 004 附件2 has 16
    rows where its table 附件1 has 15 elements: element 2.3 课程质量保证 becomes project 3 with two rows, split
    by diagnosis point), so the school report has the seed template's rows for the framework in use; every
    other report, and a framework without a template, has one row per element of the table."""
    projects = list(framework.projects.order_by("order", "pk").prefetch_related("elements__points"))
    template = (framework.extra or {}).get("report_template") or {}
    if kind == ReportKind.SCHOOL and template.get("projects"):
        elements = {e.number: e for p in projects for e in p.elements.all()}
        rows = []
        for index, p in enumerate(template["projects"]):
            for e in p.get("elements", []):
                table = [elements[n] for n in e.get("table_elements", []) if n in elements]
                wanted = set(e.get("table_points") or [])
                points = [pt.pk for t in table for pt in t.points.all() if not wanted or pt.number in wanted]
                rows.append(RowPlan(p["number"], f"{p['number']} {p['name']}", f"{e['number']} {e['name']}",
                                    table[0] if table else None, points, index))
        return rows
    return [RowPlan(p.number, f"{p.number} {p.name}", f"{e.number} {e.name}", e, [pt.pk for pt in e.points.all()],
                    index)
            for index, p in enumerate(projects) for e in p.elements.all()]


def college_projects(plans: list[RowPlan]) -> set[int]:
    """The project indexes a secondary college fills. Seed 003 附件4 rule 1: "填写自我诊断与改进报告表的第 2—6
    项" of its seven projects — every project but the first (体系总体构架, the school's own system design) and the
    last (体系运行效果, the school-wide effect), which are the school's to judge. Read as "all but the first and
    the last", so a table with another number of projects keeps the same meaning."""
    indexes = sorted({p.project_index for p in plans})
    return set(indexes[1:-1]) if len(indexes) > 2 else set(indexes)


def _year_q(period: Period, prefix: str = "period__") -> Q:
    return Q(**{f"{prefix}start__gte": period.start, f"{prefix}start__lte": period.end})


def _ordered(measurements) -> list[Measurement]:
    """Per QC point, by when each period ends, a longer period after the shorter ones ending with it: a monthly
    point's months, then the year — the year's figure, the one the report is about, is the last. (By start
    alone, the year and its first month tie, and the database's row order would pick the last.)"""
    return sorted(measurements, key=lambda m: (m.qc_point.order, m.qc_point.code, m.period.end,
                                               -m.period.start.toordinal()))


def _unit_matches(name: str, text: str) -> bool:
    return bool(name) and name in (text or "")


class Gatherer:
    """Reads, once for the whole report, what the platform holds for one entity and year."""

    def __init__(self, *, institution: Any, kind: str, entity: Any, period: Period, plans: list[RowPlan]):
        self.institution, self.kind, self.entity, self.period, self.plans = institution, kind, entity, period, plans
        self.level = KIND_LEVEL[kind]
        self._college = college_projects(plans)
        self._placed: set[int] = set()
        self.key = key_of(kind, entity)
        point_ids = {pid for p in plans for pid in p.points}
        links = QCPoint.points.through.objects.filter(point_id__in=point_ids,
                                                      qcpoint__institution=institution, qcpoint__active=True)
        self.qc_by_point: dict[int, set[int]] = defaultdict(set)
        for point_id, qc_id in links.values_list("point_id", "qcpoint_id"):
            self.qc_by_point[point_id].add(qc_id)
        qc_ids = {q for s in self.qc_by_point.values() for q in s}
        self.qcs = {q.pk: q for q in QCPoint.objects.filter(pk__in=qc_ids)}
        self.own_qc = {pk for pk, q in self.qcs.items() if q.level == self.level}
        self.measurements: dict[int, list[Measurement]] = defaultdict(list)
        for m in _ordered(that_count(Measurement.objects.filter(institution=institution, entity_key=self.key,
                                                                qc_point_id__in=self.own_qc).filter(_year_q(period)))
                          .select_related("qc_point", "period")):
            self.measurements[m.qc_point_id].append(m)
        self.summaries = self._summaries(qc_ids - self.own_qc) if self.level == Level.SCHOOL else {}
        self._tasks(point_ids)
        self.warnings: dict[int, list[Warning]] = defaultdict(list)   # by QC point
        self.task_warnings: dict[int, list[Warning]] = defaultdict(list)  # by plan task
        task_ct = ContentType.objects.get_for_model(PlanTask)
        for w in (Warning.objects.filter(institution=institution, entity_key=self.key)
                  .filter(_year_q(period)).filter(Q(qc_point_id__in=self.own_qc)
                                                  | Q(subject_type=task_ct, subject_id__in=list(self.tasks)))
                  .select_related("qc_point").order_by("raised_at")):
            if w.qc_point_id:
                self.warnings[w.qc_point_id].append(w)
            else:
                self.task_warnings[w.subject_id].append(w)
        when = (Q(created_at__date__gte=period.start, created_at__date__lte=period.end)
                | Q(deadline__gte=period.start, deadline__lte=period.end) | _year_q(period, "cycle__period__"))
        self.improvements = list(Improvement.objects.filter(institution=institution, entity_key=self.key)
                                 .filter(when).select_related("qc_point", "effect_measurement__period",
                                                              "effect_measurement__qc_point")
                                 .order_by("created_at", "pk"))

    def _summaries(self, qc_ids: set[int]) -> dict[int, dict[str, int]]:
        """For the school report: how the lower levels' entities stand on each QC point (the measurements that
        count)."""
        if not qc_ids:
            return {}
        # The year's measurements only: a monthly point also has one per month (its 监测周期), which would count
        # each entity once a month; the year's is its summary, and what the linked list shows.
        base = that_count(Measurement.objects.filter(institution=self.institution, qc_point_id__in=qc_ids,
                                                     period=self.period))
        out: dict[int, dict[str, int]] = defaultdict(dict)
        for row in base.order_by().values("qc_point_id", "status").annotate(n=Count("pk")):
            out[row["qc_point_id"]][row["status"]] = row["n"]
        return out

    def _tasks(self, point_ids: set[int]) -> None:
        """The entity's one-page plan tasks of the year, and the QC points each reaches through its objectives'
        goals (or its key-task indicator's goal) and their observation points."""
        self.tasks = {t.pk: t for t in PlanTask.objects.filter(
            institution=self.institution, plan__in=OnePagePlan.objects.filter(
                institution=self.institution, entity_key=self.key, year=self.period.start.year))
            .select_related("indicator__key_task").order_by("plan", "number")}
        goals_of: dict[int, set[int]] = defaultdict(set)
        for task_id, goal_id in PlanTask.objectives.through.objects.filter(
                plantask_id__in=list(self.tasks), objective__goal__isnull=False).values_list(
                "plantask_id", "objective__goal_id"):
            goals_of[task_id].add(goal_id)
        for t in self.tasks.values():
            if t.indicator_id and t.indicator.key_task.goal_id:
                goals_of[t.pk].add(t.indicator.key_task.goal_id)
        # A department's key-task indicators of the year name it even without a one-page plan task.
        self.indicator_goals: set[int] = set()
        if self.kind == ReportKind.DEPARTMENT:
            self.indicator_goals = set(Indicator.objects.filter(
                institution=self.institution, unit=self.entity, key_task__year=self.period.start.year,
                key_task__goal__isnull=False).values_list("key_task__goal_id", flat=True))
        all_goals = {g for s in goals_of.values() for g in s} | self.indicator_goals
        qc_of_goal: dict[int, set[int]] = defaultdict(set)
        for goal_id, qc_id in ObservationPoint.objects.filter(goal_id__in=all_goals, qc_point__isnull=False) \
                .values_list("goal_id", "qc_point_id"):
            qc_of_goal[goal_id].add(qc_id)
        self.task_qc = {tid: {q for g in gs for q in qc_of_goal[g]} for tid, gs in goals_of.items()}
        self.indicator_qc = {q for g in self.indicator_goals for q in qc_of_goal[g]}
        self.framework_tasks: dict[int, list[str]] = defaultdict(list)
        if self.kind == ReportKind.DEPARTMENT:
            name = self.entity.name
            for t in Task.objects.filter(point_id__in=point_ids).order_by("order"):
                if _unit_matches(name, t.lead) or any(_unit_matches(name, d) or _unit_matches(d, name)
                                                      for d in t.departments or []):
                    self.framework_tasks[t.point_id].append(t.content)

    # ---- one row ----------------------------------------------------------------------------------------

    def row(self, plan: RowPlan) -> tuple[dict[str, Any], bool]:
        qc_ids = {q for pid in plan.points for q in self.qc_by_point.get(pid, ())}
        own = sorted(qc_ids & self.own_qc, key=lambda pk: (self.qcs[pk].order, self.qcs[pk].code))
        evidence: dict[str, Any] = {"qc_points": [], "tasks": [], "warnings": [], "improvements": []}
        for pk in own:
            q = self.qcs[pk]
            evidence["qc_points"].append({
                "code": q.code, "name": q.name, "unit": q.unit,
                "measurements": [measurement_fact(m) for m in self.measurements.get(pk, [])]})
        for pk in sorted(qc_ids - self.own_qc, key=lambda pk: self.qcs[pk].code):
            counts = self.summaries.get(pk)
            if counts:
                q = self.qcs[pk]
                evidence.setdefault("lower_levels", []).append({
                    "code": q.code, "name": q.name, "level": q.get_level_display(),
                    "pass": counts.get("pass", 0), "warning": counts.get("warning", 0),
                    "fail": counts.get("fail", 0), "no_data": counts.get("no_data", 0),
                    # The measurements counted, as the measurement list shows them.
                    "query": f"level={q.level}&point={q.code}&period={self.period.code}&counting=1"})
        tasks = [t for tid, t in self.tasks.items() if self.task_qc.get(tid, set()) & qc_ids]
        for t in tasks:
            evidence["tasks"].append({"number": t.number, "title": t.title, "state": t.state,
                                      "state_label": t.get_state_display(), "progress": t.progress,
                                      "due": _plain(t.due)})
        warnings = [w for pk in own for w in self.warnings.get(pk, [])] + [
            w for t in tasks for w in self.task_warnings.get(t.pk, [])]
        for w in warnings:
            evidence["warnings"].append({"title": w.qc_point.name if w.qc_point_id else w.title,
                                         "severity": w.get_severity_display(), "state": w.get_state_display(),
                                         "raised_at": _plain(w.raised_at)})
        warning_ids = {w.pk for w in warnings}
        # A template row that splits one table element by point (seed 004 3.1/3.2) keeps an improvement tied
        # to a QC point on the row that holds the point; one tied only to the element goes to the first row.
        improvements = []
        for i in self.improvements:
            by_element = (plan.element is not None and i.element_id == plan.element.pk and not i.qc_point_id
                          and i.pk not in self._placed)
            if by_element or i.qc_point_id in qc_ids or (i.warning_id and i.warning_id in warning_ids):
                improvements.append(i)
                self._placed.add(i.pk)
        for i in improvements:
            evidence["improvements"].append(_improvement(i))
        fw_tasks = [c for pid in plan.points for c in self.framework_tasks.get(pid, [])]
        if fw_tasks:
            evidence["framework_tasks"] = fw_tasks
        evidence["draft"] = draft(improvements)
        applicable = self._applicable(plan, own, qc_ids, tasks, improvements, fw_tasks)
        return evidence, applicable

    def _applicable(self, plan: RowPlan, own: list[int], qc_ids: set[int], tasks: list, improvements: list,
                    fw_tasks: list) -> bool:
        if self.kind == ReportKind.SCHOOL:
            return True
        if self.kind == ReportKind.COLLEGE:
            return plan.project_index in self._college
        if self.kind == ReportKind.DEPARTMENT:
            # 只在有分解任务的项目中填写: the table's tasks name it, or its plan tasks / key-task indicators
            # reach the element's QC points.
            return bool(fw_tasks or tasks or (self.indicator_qc & qc_ids))
        return bool(own or tasks or improvements)


def measurement_fact(m: Measurement) -> dict[str, Any]:
    """A figure as a report keeps it: the value with what it rests on (its measurement, the data version and
    when it was computed), so that the report links to the measurement and ends with its 数据来源."""
    return {"period": m.period.name, "value": _plain(m.value), "status": m.status,
            "status_label": m.get_status_display(), "id": m.pk, "version": m.version,
            "computed_at": timezone.localtime(m.computed_at).strftime("%Y-%m-%d %H:%M")}


def _improvement(i: Improvement) -> dict[str, Any]:
    m = i.effect_measurement
    return {"measure": i.measure, "state": i.state, "state_label": i.get_state_display(),
            "deadline": _plain(i.deadline),
            "effect": i.effect, "verified": bool(m and i.state == ImprovementState.EFFECTIVE),
            "basis": (f"{m.qc_point.name}（{m.period.name}）测量值 "
                           f"{with_unit(m.value, m.qc_point.unit)}，"
                      f"{m.get_status_display()}" if m else "")}


def draft(improvements: list[Improvement]) -> dict[str, str]:
    """A first draft of 改进措施 and 改进效果 from recorded improvements only. An effect is written only where
    data verified it (state 已见效 with a cited measurement); every other measure says 尚未实施 or 尚未见效
    (seed 004 附件2 note 4: 不是预测或估计成效；如果措施尚未实施，请加说明)."""
    if not improvements:
        return {"measures": "", "effects": ""}
    many = len(improvements) > 1
    measures, effects = [], []
    for n, i in enumerate(improvements, 1):
        tag = f"措施{n}" if many else "该措施"
        measures.append(f"{n}. {i.measure.strip()}" if many else i.measure.strip())
        m = i.effect_measurement
        if i.state == ImprovementState.EFFECTIVE and m is not None and i.effect.strip():
            effects.append(f"{tag}：{i.effect.strip()}（{m.qc_point.name}{m.period.name}测量值 "
                           f"{with_unit(m.value, m.qc_point.unit)}，"
                           f"{m.get_status_display()}）")
        elif i.state in NOT_EFFECTIVE or i.not_carried_out:
            effects.append(f"{tag}尚未实施。")
        else:
            effects.append(f"{tag}已实施，尚未见效。")
    return {"measures": "；".join(measures), "effects": "；".join(effects)}


def build_rows(*, institution: Any, kind: str, entity: Any, period: Period, framework: Framework,
               report: Any = None) -> list[ReportRow]:
    """Unsaved rows for a new report of `entity` in `period`, pre-filled with evidence (and with the drafted
    measures and effects where they fit the length rule)."""
    plans = plan_rows(framework, kind)
    gatherer = Gatherer(institution=institution, kind=kind, entity=entity, period=period, plans=plans)
    limits = rules.limits_for(kind, (framework.extra or {}).get("report_limits", {}).get(kind))
    rows = []
    for order, plan in enumerate(plans, 1):
        evidence, applicable = gatherer.row(plan)
        d = evidence["draft"]
        fits = {f: d[f] if d[f] and (not getattr(limits, f) or rules.count_chars(d[f]) <= getattr(limits, f)) else ""
                for f in ("measures", "effects")}
        rows.append(ReportRow(institution=institution, report=report, element=plan.element,
                              project_label=plan.project_label, element_label=plan.element_label, order=order,
                              applicable=applicable, evidence=evidence, **fits))
    # A major, course or teacher with nothing linked yet would get an empty report: let them write every row.
    if kind in (ReportKind.MAJOR, ReportKind.COURSE, ReportKind.TEACHER) and not any(r.applicable for r in rows):
        for r in rows:
            r.applicable = True
    return rows


# ---- the figures of a saved report, as it reads them now ---------------------------------------------------

def pins_of(report: Any) -> dict[str, int]:
    """The data version of every period of the report's year, as the measurements stand now: what a report
    pins when it is signed ({period id: version}, 0 for a period not yet measured), so that a correction
    imported later — which opens the next version — never changes a signed report."""
    periods = list(Period.objects.filter(start__gte=report.period.start, start__lte=report.period.end)
                   .values_list("pk", flat=True))
    newest = dict(Measurement.objects.filter(institution_id=report.institution_id, period_id__in=periods)
                  .order_by().values("period_id").annotate(v=Max("version")).values_list("period_id", "v"))
    return {str(pk): int(newest.get(pk) or 0) for pk in periods}


def pinned(report: Any) -> dict[int, int] | None:
    """`that_count`'s pins of a signed report; None (read the newest) for a report still being written."""
    return {int(k): int(v) for k, v in report.pinned.items()} if getattr(report, "pinned", None) else None


def current(report: Any, rows: list[ReportRow]) -> dict[Any, dict[str, Any]]:
    """Each row's evidence with its figures read now through the one reader — through the report's pins when
    it is signed, so a signed report shows what was signed and a draft what the data says today. The rows'
    stored evidence keeps which QC points a row cites; the values come from the measurements.

    Keyed by the row (its pk, or the row itself for the unsaved rows the command line renders)."""
    pins = pinned(report)
    own = {q["code"] for r in rows for q in (r.evidence or {}).get("qc_points", [])}
    lower = {q["code"] for r in rows for q in (r.evidence or {}).get("lower_levels", [])}
    year = _year_q(report.period)
    facts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if own:
        qs = that_count(Measurement.objects.filter(institution_id=report.institution_id, entity_key=report.entity_key,
                                                   qc_point__code__in=own).filter(year), pinned=pins)
        for m in _ordered(qs.select_related("qc_point", "period")):
            facts[m.qc_point.code].append(measurement_fact(m))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    if lower:
        qs = that_count(Measurement.objects.filter(institution_id=report.institution_id,
                                                   qc_point__code__in=lower).filter(year), pinned=pins)
        for row in qs.order_by().values("qc_point__code", "status").annotate(n=Count("pk")):
            counts[row["qc_point__code"]][row["status"]] = row["n"]
    out: dict[Any, dict[str, Any]] = {}
    for r in rows:
        ev = dict(r.evidence or {})
        if ev.get("qc_points"):
            ev["qc_points"] = [{**q, "measurements": facts.get(q["code"], [])} for q in ev["qc_points"]]
        if ev.get("lower_levels"):
            ev["lower_levels"] = [{**q, **{s: counts[q["code"]].get(s, 0)
                                           for s in ("pass", "warning", "fail", "no_data")}}
                                  for q in ev["lower_levels"]]
        out[r.pk if r.pk else id(r)] = ev
    return out
