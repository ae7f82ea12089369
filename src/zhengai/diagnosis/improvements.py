"""The improvement loop (改进措施, the spiral's small loop 监测 → 预警 → 改进): writes and reads of improvement actions.

An improvement comes from a warning or a diagnosis finding: measure, owner, deadline, expected effect. Its
**effect** is what has been observed after the measure — never a forecast (seed 004 附件2 note 4, seed 003 附件4
note 4) — so the platform accepts an effect only when it cites a measurement of the same QC point and entity
resting on new data — source rows imported or changed on or after the day the measure started, or of a period
that began then — or when it says plainly that the measure has not been carried out. When a recompute ran
says nothing: an import for one major recomputes the point for every major.

The data closes the loop by itself: monitoring sends `measurements_recorded` after a recompute, and
`on_measurements_recorded` judges the improvements in progress — a later pass makes the improvement effective
and resolves its warning; a later warning or fail makes it ineffective, reopens its warning and escalates it
(督办) one level.

The seed 003 附件3 self-diagnosis element sheet (自我诊断要素一览表) is a read of the same data, at the end.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from zhengai.core import audit, numbers
from zhengai.core.choices import AuditAction
from zhengai.core.models import Membership, Period
from zhengai.core.permissions import CHANGE, VIEW, access_for
from zhengai.core.services import save_object
from zhengai.frameworks.models import Adoption, Element, Point, Task
from zhengai.goals.models import editor_q
from zhengai.monitoring.choices import OPEN_STATES, TRANSITIONS, Status, WarningState
from zhengai.monitoring.models import Measurement, Notification, Warning
from zhengai.monitoring.selectors import that_count
from zhengai.monitoring.services import (
    ESCALATION_LABELS,
    ESCALATION_TOP,
    escalation_people,
    warning_transition,
)
from zhengai.org.entities import ENTITY_FIELDS, ENTITY_MODELS
from zhengai.standards.choices import Level, Operator
from zhengai.standards.models import QCPoint

from .choices import ImprovementKind, ImprovementState
from .effects import forecast_problem
from .models import Cycle, Finding, Improvement

# ---- the effect rule ---------------------------------------------------------------------------------------

MEASURED = (Status.PASS, Status.WARNING, Status.FAIL)
# The forecast rule lives in `effects`: reports' 改进效果 use the same one.

NOT_CARRIED_OUT_TEXT = "措施尚未实施"
# What the handler reads of a warning to find who answers for it (its unit) without a query per row.
WARNING_RELATED = ("warning", "warning__qc_point", "warning__unit", "warning__major", "warning__course",
                   "warning__teacher", "warning__klass__major", "warning__student__major", "warning__institution",
                   "qc_point")


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of `day` in the platform's time zone: "on or after the start day" as one comparison."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def new_data(measurement: Measurement, improvement: Improvement) -> bool:
    """Whether the measurement rests on data newer than the measure: its source rows include one imported or
    changed on or after the start day, or one of a period that began then (monitoring records this as
    `data_as_of`). A measurement recomputed today over last month's rows is no evidence of the measure."""
    return (improvement.started_on is not None and measurement.data_as_of is not None
            and measurement.data_as_of >= _day_start(improvement.started_on))


def _number(value: Decimal | None) -> str:
    # The one rule for numbers people read (core.numbers): at most two decimals, no "90.5263".
    return "无数据" if value is None else numbers.number(value)


def measurement_line(measurement: Measurement) -> str:
    """A factual line about a measurement: 复测值 86.5%（达标），2025-03-01."""
    unit = measurement.qc_point.unit if measurement.qc_point_id else ""
    day = timezone.localdate(measurement.computed_at).isoformat()
    return f"复测值 {_number(measurement.value)}{unit}（{measurement.get_status_display()}），{day}"


def _may_change(actor: Any, improvement: Improvement) -> None:
    if actor is None:
        return
    if not Improvement.objects.restrict(actor, CHANGE).filter(pk=improvement.pk).exists():
        raise PermissionDenied("您没有修改该改进措施的权限")


def _entity_data(source: Any) -> dict[str, Any]:
    """The entity fields (level, key and the one FK) copied from a warning or a cycle."""
    data = {"level": source.level, "entity_key": source.entity_key}
    for field in ENTITY_FIELDS.values():
        data[f"{field}_id"] = getattr(source, f"{field}_id")
    return data


def _improvement_state(improvement: Improvement) -> dict[str, Any]:
    """The fields the loop changes, as plain values for the audit trail (no query per row: ids, not names)."""
    return {"state": improvement.state, "effect": improvement.effect,
            "effect_measurement": (f"#{improvement.effect_measurement_id}"
                                   if improvement.effect_measurement_id else None),
            "not_carried_out": improvement.not_carried_out,
            "started_on": improvement.started_on.isoformat() if improvement.started_on else None}


# ---- create, start, record the effect ----------------------------------------------------------------------

@transaction.atomic
def improvement_create(*, actor: Any, warning: Warning | None = None, finding: Finding | None = None, measure: str,
                       owner: Any, deadline: datetime.date | None, expected_effect: str = "",
                       kind: str = ImprovementKind.INCREMENTAL, element: Element | None = None,
                       qc_point: QCPoint | None = None, cycle: Cycle | None = None) -> Improvement:
    """Plan an improvement about a warning (its entity, QC point and period come from it; the warning moves to
    整改中 when that transition is allowed) or about a finding of a cycle (its entity is the cycle's).

    The actor must be allowed to change the warning (its owners, the responsible unit's head, the quality
    office) or to plan for the cycle's entity (the gate's planners of that entity)."""
    if (warning is None) == (finding is None):
        raise ValidationError("改进措施须来自一条预警或一项诊断发现（二者选一）")
    source: Any
    if warning is not None:
        if actor is not None and not Warning.objects.restrict(actor, CHANGE).filter(pk=warning.pk).exists():
            raise PermissionDenied("只有预警的责任人、责任部门负责人或质管办可以为该预警制定改进措施")
        source = warning
        qc_point = warning.qc_point if warning.qc_point_id else qc_point
    else:
        if finding is None:
            raise ValueError("an improvement needs a warning or a finding")
        source = finding.cycle
        if actor is not None and not may_improve_finding(actor, finding):
            raise PermissionDenied("只有该诊断对象的负责人或质管办可以为该诊断发现制定改进措施")
        qc_point = finding.qc_point or qc_point
        element = element or finding.element
        cycle = cycle or finding.cycle
    institution = source.institution
    errors: dict[str, str] = {}
    if not (measure or "").strip():
        errors["measure"] = "请填写改进措施"
    if deadline is None:
        errors["deadline"] = "请填写完成期限"
    if owner is None:
        errors["owner"] = "请选择责任人"
    elif not Membership.objects.filter(user=owner, institution=institution, active=True).exists():
        errors["owner"] = "责任人不是本院校成员"
    if qc_point is not None and qc_point.institution_id != institution.pk:
        errors["qc_point"] = "质控点不属于本院校"
    if element is not None and element.project.framework.institution_id not in (None, institution.pk):
        errors["element"] = "诊断要素不属于本院校的诊断项目表"
    if cycle is not None and (cycle.institution_id != institution.pk or cycle.entity_key != source.entity_key):
        errors["cycle"] = "所选诊改周期不是该对象的周期"
    if errors:
        raise ValidationError(errors)
    improvement = Improvement(institution=institution, **_entity_data(source))
    save_object(actor=actor, obj=improvement, data={
        "warning": warning, "finding": finding, "cycle": cycle, "element": element, "qc_point": qc_point,
        "kind": kind, "measure": measure.strip(), "owner": owner, "deadline": deadline,
        "expected_effect": (expected_effect or "").strip()}, note="制定改进措施")
    if warning is not None and WarningState.IMPROVING in TRANSITIONS.get(warning.state, set()):

        warning_transition(actor=actor, warning=warning, state=WarningState.IMPROVING,
                           note=f"已制定改进措施：{measure.strip()[:60]}")
    return improvement


def may_improve_finding(user: Any, finding: Finding) -> bool:
    """Whether the user may plan an improvement for a finding: those who plan for the cycle's entity (the gate's
    planners — not only who may change the cycle: an assessment cycle is the assessors', its improvements are
    the entity's)."""
    access = access_for(user)
    if access.is_superuser:
        return True
    return Cycle.objects.filter(pk=finding.cycle_id).filter(
        access.institution_q("institution", VIEW) & editor_q(access)).exists()


def _source_day(improvement: Improvement) -> datetime.date | None:
    """The day the problem was known (the warning raised, the finding recorded): a measure cannot start before."""
    if improvement.warning_id and improvement.warning is not None:
        return timezone.localdate(improvement.warning.raised_at)
    if improvement.finding_id and improvement.finding is not None:
        return timezone.localdate(improvement.finding.created_at)
    return None


@transaction.atomic
def improvement_start(*, actor: Any, improvement: Improvement, started_on: datetime.date | None) -> Improvement:
    """Record that the measure started on `started_on` (not in the future, not before the problem was known —
    a back-dated start would let older data count as its effect)."""
    _may_change(actor, improvement)
    if improvement.state not in (ImprovementState.PLANNED, ImprovementState.NOT_CARRIED_OUT):
        raise ValidationError(f"措施当前为“{improvement.get_state_display()}”，不能再次开始实施")
    if started_on is None:
        raise ValidationError({"started_on": "请填写开始实施日期"})
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": "开始实施日期不能晚于今天"})
    known = _source_day(improvement)
    if known is not None and started_on < known:
        raise ValidationError({"started_on": f"开始实施日期不能早于问题发现之日（{known.isoformat()}）"})
    data: dict[str, Any] = {"started_on": started_on, "state": ImprovementState.IN_PROGRESS}
    if improvement.not_carried_out:
        # The earlier "not carried out" note no longer holds.
        data.update(not_carried_out=False, effect="")
    save_object(actor=actor, obj=improvement, data=data, note="开始实施改进措施")
    return improvement


@transaction.atomic
def improvement_record_effect(*, actor: Any, improvement: Improvement, effect: str,
                              measurement: Measurement | None = None, not_carried_out: bool = False) -> Improvement:
    """Record the effect. THE EFFECT RULE: accepted only when it cites a measurement of the same QC point and
    entity resting on data newer than the measure's start (`new_data`), or when it is marked not carried out; a text
    that reads as a forecast is refused whatever it cites. Citing a pass → 已见效 (and the source warning is
    resolved); a warning or fail → 未见效 (and the warning is reopened and escalated)."""
    _may_change(actor, improvement)
    text = (effect or "").strip()
    problem = forecast_problem(text)
    if problem is not None:
        raise ValidationError({"effect": problem})
    if not_carried_out:
        if measurement is not None:
            raise ValidationError("已勾选“措施尚未实施”，不能同时引用测量结果")
        before = _improvement_state(improvement)
        improvement.state = ImprovementState.NOT_CARRIED_OUT
        improvement.not_carried_out = True
        improvement.effect = text or NOT_CARRIED_OUT_TEXT
        improvement.effect_measurement = None
        improvement.save(update_fields=["state", "not_carried_out", "effect", "effect_measurement", "updated_at"])
        audit.record(actor=actor, obj=improvement, action=AuditAction.UPDATE, before=before,
                     after=_improvement_state(improvement), note="记录改进效果：措施尚未实施")
        return improvement
    if measurement is None:
        raise ValidationError({"measurement": "改进效果须引用措施实施之后的测量结果；"
                                              "如措施尚未实施，请勾选“措施尚未实施”"})
    if improvement.started_on is None:
        raise ValidationError({"measurement": "措施尚未开始实施，不能以测量结果作为效果；"
                                              "如尚未实施，请勾选“措施尚未实施”"})
    if measurement.institution_id != improvement.institution_id or measurement.entity_key != improvement.entity_key:
        raise ValidationError({"measurement": "所引用的测量结果不是该对象的"})
    if improvement.qc_point_id and measurement.qc_point_id != improvement.qc_point_id:
        raise ValidationError({"measurement": "所引用的测量结果不是该质控点的"})
    if not new_data(measurement, improvement):
        day = (f"截至{timezone.localdate(measurement.data_as_of).isoformat()}"
               if measurement.data_as_of else "没有导入记录")
        raise ValidationError({"measurement": f"所引用的测量结果所依据的数据{day}，没有措施开始实施"
                                              f"（{improvement.started_on.isoformat()}）之后导入或更新的数据，"
                                              "不能作为改进效果"})
    if measurement.period.end < improvement.started_on:
        # Recomputed today or not, the data of a period that ended before the measure began cannot show its effect.
        raise ValidationError({"measurement": f"所引用的测量结果属于{measurement.period}，该期间在措施开始实施"
                                              f"（{improvement.started_on.isoformat()}）之前已结束，不能作为改进效果"})
    if measurement.status not in (Status.PASS, Status.WARNING, Status.FAIL):
        raise ValidationError({"measurement": "所引用的测量结果无数据，不能作为改进效果"})
    _settle([(improvement, measurement)], actor=actor, texts={improvement.pk: text})
    improvement.refresh_from_db()
    return improvement


# ---- the data closes the loop ------------------------------------------------------------------------------

def on_measurements_recorded(sender: Any, institution: Any, period: Period, qc_point: QCPoint,
                             entity_keys: list[str], **kwargs: Any) -> dict[str, int]:
    """Monitoring stored new measurements of `qc_point` for `entity_keys` in `period` (an academic year): judge
    the improvements in progress on them by the measurement that counts — only when it rests on data newer than
    the measure's start (`new_data`). A recompute set off by another entity's import leaves them undecided."""
    keys = list(entity_keys or [])
    if not keys:
        return {"effective": 0, "ineffective": 0}
    with transaction.atomic():
        improvements = list(Improvement.objects.filter(
            institution=institution, qc_point=qc_point, entity_key__in=keys, state=ImprovementState.IN_PROGRESS,
            started_on__isnull=False).select_related(*WARNING_RELATED))
        if not improvements:
            return {"effective": 0, "ineffective": 0}
        counting = {m.entity_key: m for m in that_count(Measurement.objects.filter(
            qc_point=qc_point, period=period, entity_key__in={i.entity_key for i in improvements}))
            .select_related("qc_point")}
        pairs = []
        for improvement in improvements:
            if period.end < improvement.started_on:
                continue  # a recompute of a year that ended before the measure began says nothing of its effect
            found = counting.get(improvement.entity_key)
            if found is not None and found.status in MEASURED and new_data(found, improvement):
                pairs.append((improvement, found))
        return _settle(pairs, actor=None)


def _settle(pairs: list[tuple[Improvement, Measurement]], *, actor: Any,
            texts: dict[int, str] | None = None) -> dict[str, int]:
    """Apply measurements to improvements: pass → effective (warning resolved if still open); warning or fail →
    ineffective and, when it just became so, the warning reopened and escalated one level with its owners
    notified. A fixed number of queries whatever the number of improvements (plus one audit row per change)."""
    if not pairs:
        return {"effective": 0, "ineffective": 0}
    now = timezone.now()
    changed: list[tuple[Improvement, dict[str, Any]]] = []
    resolve: dict[int, Warning] = {}
    failed: list[tuple[Improvement, Measurement]] = []
    counts = {"effective": 0, "ineffective": 0}
    for improvement, m in pairs:
        before = _improvement_state(improvement)
        passed = m.status == Status.PASS
        state = ImprovementState.EFFECTIVE if passed else ImprovementState.INEFFECTIVE
        text = (texts or {}).get(improvement.pk)
        # The owner writes the effect; the platform only fills an empty one with what the data says.
        improvement.effect = text if text else (improvement.effect or measurement_line(m))
        improvement.effect_measurement = m
        improvement.not_carried_out = False
        improvement.state = state
        improvement.updated_at = now
        changed.append((improvement, before))
        counts["effective" if passed else "ineffective"] += 1
        w = improvement.warning if improvement.warning_id else None
        if passed and w is not None and w.state in OPEN_STATES:
            resolve[w.pk] = w
        elif not passed and before["state"] != ImprovementState.INEFFECTIVE:
            failed.append((improvement, m))
    Improvement.objects.bulk_update([i for i, _ in changed],
                                    ["state", "effect", "effect_measurement", "not_carried_out", "updated_at"])
    for improvement, before in changed:
        audit.record(actor=actor, obj=improvement, action=AuditAction.UPDATE, before=before,
                     after=_improvement_state(improvement),
                     note="数据验证：已见效" if improvement.state == ImprovementState.EFFECTIVE else "数据验证：未见效")
    if resolve:
        items = []
        for w in resolve.values():
            before = {"state": w.state, "note": w.note}
            w.state = WarningState.RESOLVED
            w.note = (w.note + "\n" + "改进措施见效，复测达标，预警解除").strip()
            w.updated_at = now
            items.append((w, before, "改进见效，预警解除"))
        _warnings_write(items, ["state", "note", "updated_at"], actor=actor)
    if failed:
        _reopen_and_escalate(failed, actor=actor, now=now)
    return counts


def _warnings_write(items: list[tuple[Warning, dict[str, Any], str]], fields: list[str], *, actor: Any) -> None:
    """Save changed warnings in one statement and leave an audit entry for each (before → after of `fields`)."""
    if not items:
        return
    Warning.objects.bulk_update([w for w, _, _ in items], fields)
    for w, before, note in items:
        after = {k: _plain(getattr(w, k)) for k in before}
        audit.record(actor=actor, obj=w, action=AuditAction.UPDATE, before={k: _plain(v) for k, v in before.items()},
                     after=after, note=note)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def _reopen_and_escalate(failed: list[tuple[Improvement, Measurement]], *, actor: Any,
                         now: datetime.datetime) -> None:
    """The improvement did not work: its warning is open again (待处理) and escalated one level (督办) — to the
    responsible unit's heads, then to the quality office and school leaders, who become owners — and every
    owner, with the improvement's owner, is told. When the recompute has already raised a new open warning for
    the same QC point and entity (the old one was closed), that one is escalated instead: one open warning per
    point, entity and period is a database rule."""
    institution_id = failed[0][0].institution_id
    qc_ids = {i.qc_point_id for i, _ in failed}
    keys = {i.entity_key for i, _ in failed}
    open_now: dict[tuple[int, str], list[Warning]] = defaultdict(list)
    for w in (Warning.objects.filter(institution_id=institution_id, qc_point_id__in=qc_ids, entity_key__in=keys,
                                     state__in=OPEN_STATES)
              .select_related("qc_point", "unit", "major", "course", "teacher", "klass__major", "student__major",
                              "institution")
              .order_by("-raised_at")):
        open_now[(w.qc_point_id, w.entity_key)].append(w)
    targets: dict[int, tuple[Warning, list[Improvement], Measurement]] = {}
    lonely: list[tuple[Improvement, Measurement]] = []
    for improvement, m in failed:
        own = improvement.warning if improvement.warning_id else None
        others = [w for w in open_now[(improvement.qc_point_id, improvement.entity_key)]
                  if own is None or w.pk != own.pk]
        if own is not None and (own.state in OPEN_STATES or not others):
            target = own
        elif others:
            # Prefer the open warning of the period just measured.
            target = next((w for w in others if w.period_id == m.period_id), others[0])
        else:
            lonely.append((improvement, m))
            continue
        entry = targets.setdefault(target.pk, (target, [], m))
        entry[1].append(improvement)
    items = []
    for w, improvements, m in targets.values():
        before = {"state": w.state, "escalation_level": w.escalation_level, "escalated_at": w.escalated_at,
                  "note": w.note}
        w.state = WarningState.OPEN
        w.escalation_level = min(w.escalation_level + 1, ESCALATION_TOP)
        w.escalated_at = now
        measures = "；".join(i.measure[:40] for i in improvements)
        w.note = (w.note + "\n" + f"改进措施未见效（{measurement_line(m)}）：{measures}。预警重新打开并督办").strip()
        w.updated_at = now
        items.append((w, before, f"改进未见效，预警重新打开并督办：{ESCALATION_LABELS[w.escalation_level]}"))
    _warnings_write(items, ["state", "escalation_level", "escalated_at", "note", "updated_at"], actor=actor)
    # Who is added at the new level (督办 goes up): the same rule as the escalation sweep, a constant number of
    # queries.
    added = escalation_people(institution_id, [w for w, _, _ in targets.values()])
    through = Warning.owners.through
    owners: dict[int, set[int]] = defaultdict(set)
    for warning_id, user_id in through.objects.filter(warning_id__in=list(targets)).values_list("warning_id",
                                                                                                 "user_id"):
        owners[warning_id].add(user_id)
    through.objects.bulk_create([through(warning_id=pk, user_id=u) for pk, users in added.items()
                                 for u in users - owners[pk]], ignore_conflicts=True)
    notices = []
    for w, improvements, _ in targets.values():
        people = owners[w.pk] | added[w.pk] | {i.owner_id for i in improvements if i.owner_id}
        about = f"{w.qc_point.name} · {w.entity}" if w.qc_point_id else (w.title or str(w.entity))
        url = reverse("monitoring:warning_detail", args=[w.pk])
        notices += [Notification(user_id=u, institution_id=institution_id, url=url,
                                 text=f"改进未见效，预警重新打开并督办：{about}"[:300]) for u in sorted(people)]
    for improvement, m in lonely:
        if improvement.owner_id:
            notices.append(Notification(
                user_id=improvement.owner_id, institution_id=institution_id,
                url=reverse("diagnosis:improvement_detail", args=[improvement.pk]),
                text=f"改进未见效：{improvement.measure[:60]}（{measurement_line(m)}）"[:300]))
    Notification.objects.bulk_create(notices)


# ---- reads -------------------------------------------------------------------------------------------------

def improvements_for(user: Any, institution: Any) -> QuerySet[Improvement]:
    """Improvements the user may see in the institution (the gate: the entity's people, the institution-wide
    roles and the improvement's owner)."""
    return (Improvement.objects.restrict(user, VIEW).filter(institution=institution)
            .select_related("qc_point", "owner", "warning", "finding", "element", "cycle", "effect_measurement",
                            "unit", "major", "course", "teacher", "student", "klass", "institution"))


def improvement_for_user(user: Any, institution: Any, pk: int, action: str = VIEW) -> Improvement:
    """404 for an improvement the user may not see, 403 for one they see but may not change."""
    try:
        improvement = improvements_for(user, institution).get(pk=pk)
    except Improvement.DoesNotExist as exc:
        raise Http404("没有找到该改进措施") from exc
    if action != VIEW and not Improvement.objects.restrict(user, CHANGE).filter(pk=pk).exists():
        raise PermissionDenied("您没有修改该改进措施的权限")
    return improvement


def measurement_history(user: Any, improvement: Improvement) -> list[tuple[Measurement, bool]]:
    """The measurements of the improvement's QC point for its entity over time, each marked whether it rests on
    data newer than the measure's start (and of a period that had not ended by then)."""
    if not improvement.qc_point_id:
        return []
    qs = (Measurement.objects.restrict(user).filter(institution_id=improvement.institution_id,
                                                    qc_point_id=improvement.qc_point_id,
                                                    entity_key=improvement.entity_key)
          .select_related("period", "qc_point").order_by("period__start", "version", "computed_at"))
    return [(m, new_data(m, improvement) and m.period.end >= improvement.started_on) for m in qs]


def effect_candidates(user: Any, improvement: Improvement) -> QuerySet[Measurement]:
    """Measurements that may be cited as the effect: same QC point (or, without one, any of the entity's),
    same entity, resting on data newer than the start, with data."""
    if improvement.started_on is None:
        return Measurement.objects.none()
    qs = Measurement.objects.restrict(user).filter(
        institution_id=improvement.institution_id, entity_key=improvement.entity_key,
        data_as_of__gte=_day_start(improvement.started_on), period__end__gte=improvement.started_on,
        status__in=MEASURED)
    if improvement.qc_point_id:
        qs = qs.filter(qc_point_id=improvement.qc_point_id)
    return qs.select_related("qc_point", "period").order_by("-computed_at", "-version")


# ---- the self-diagnosis element sheet (seed 003 附件3) -----------------------------------------------------

SHEET_COLUMNS = ["诊断项目", "诊断要素", "诊断点/质控指标", "主要工作", "诊断标准", "测量数据内涵", "预警值",
                 "测量结果", "表现形式"]


def _line(operator: str, value: Decimal | None, upper: Decimal | None, unit: str) -> str:
    if value is None:
        return ""
    if operator == Operator.BETWEEN:
        return f"{_number(value)}～{_number(upper)}{unit}" if upper is not None else f"{_number(value)}{unit}"
    symbol = Operator(operator).label if operator in Operator.values and operator != Operator.IN else ""
    return f"{symbol}{_number(value)}{unit}"


def qc_standard_text(point: QCPoint) -> str:
    """诊断标准: the QC point's target and pass line."""
    parts = []
    if point.operator == Operator.IN and point.allowed:
        parts.append("属于 " + "、".join(str(v) for v in point.allowed))
    if point.target is not None:
        parts.append(f"目标值 {_number(point.target)}{point.unit}")
    standard = _line(point.operator, point.standard, point.standard_upper, point.unit)
    if standard:
        parts.append(f"标准值 {standard}")
    return "；".join(parts)


def element_sheet(user: Any, institution: Any, level: str, key: str, year: Period | None) -> dict[str, Any]:
    """The rows of the element sheet for one entity and year: every element of the institution's adopted
    framework, its points, and the QC points of the entity's level linked to each point, with the entity's
    measurement. An element without points (or a point without QC points) still has its row. Six queries."""
    adoption = Adoption.objects.filter(institution=institution).select_related("framework").first()
    if adoption is None:
        return {"framework": None, "rows": []}
    framework = adoption.framework
    elements = list(Element.objects.filter(project__framework=framework).select_related("project")
                    .order_by("project__order", "project__pk", "order", "pk"))
    points: dict[int, list[Point]] = defaultdict(list)
    for p in Point.objects.filter(element__project__framework=framework).order_by("order", "pk"):
        points[p.element_id].append(p)
    tasks: dict[int, list[str]] = defaultdict(list)
    for point_id, content in (Task.objects.filter(point__element__project__framework=framework)
                              .order_by("order", "pk").values_list("point_id", "content")):
        tasks[point_id].append(content)
    links: dict[int, list[QCPoint]] = defaultdict(list)
    qc_ids: set[int] = set()
    through = QCPoint.points.through
    for link in (through.objects.filter(point__element__project__framework=framework,
                                        qcpoint__institution=institution, qcpoint__level=level,
                                        qcpoint__active=True)
                 .select_related("qcpoint__standard_item").order_by("qcpoint__order", "qcpoint__code")):
        links[link.point_id].append(link.qcpoint)
        qc_ids.add(link.qcpoint_id)
    results: dict[int, Measurement] = {}
    if qc_ids and year is not None:
        for m in that_count(Measurement.objects.restrict(user).filter(institution=institution, period=year,
                                                                      entity_key=key, qc_point_id__in=qc_ids)):
            results[m.qc_point_id] = m
    rows = []
    for element in elements:
        element_points = points.get(element.pk, [])
        if not element_points:
            rows.append(_sheet_row(element, None, None, [], None))
            continue
        for point in element_points:
            linked = links.get(point.pk, [])
            if not linked:
                rows.append(_sheet_row(element, point, None, tasks.get(point.pk, []), None))
            for qc in linked:
                rows.append(_sheet_row(element, point, qc, tasks.get(point.pk, []), results.get(qc.pk)))
    previous = (None, None)
    for row in rows:
        # Show the project and element once per group, as the printed sheet merges those cells.
        row["first_of_project"] = row["project_id"] != previous[0]
        row["first_of_element"] = row["element_id"] != previous[1]
        previous = (row["project_id"], row["element_id"])
    return {"framework": framework, "rows": rows}


def _sheet_row(element: Element, point: Point | None, qc: QCPoint | None, task_texts: list[str],
               m: Measurement | None) -> dict[str, Any]:
    work = "；".join(task_texts)
    if not work and qc is not None and qc.standard_item_id:
        work = qc.standard_item.content or qc.standard_item.name
    point_text = str(point) if point is not None else ""
    if qc is not None:
        point_text = f"{point_text} / {qc.code} {qc.name}" if point_text else f"{qc.code} {qc.name}"
    if m is not None:
        result = f"{_number(m.value)}{qc.unit if qc else ''}（{m.get_status_display()}）"
    elif qc is not None:
        result = "暂无测量"
    else:
        result = ""
    return {
        "project_id": element.project_id, "element_id": element.pk, "point_id": point.pk if point else None,
        "qc_point": qc, "measurement": m,
        "cells": [str(element.project), str(element), point_text, work,
                  qc_standard_text(qc) if qc else "", qc.definition if qc else "",
                  _line(qc.operator, qc.warning, qc.warning_upper, qc.unit) if qc else "", result,
                  (qc.unit or "数据") if qc else ""],
    }


def level_entity(institution: Any, user: Any, value: str) -> tuple[str, Any, str]:
    """(level, entity, key) from "major:12" or "school"; 404 for an entity the user may not see."""

    value = (value or "school").strip()
    if value == "school":
        return Level.SCHOOL, institution, "school"
    level, _, pk = value.partition(":")
    model = ENTITY_MODELS.get(level)
    if model is None or level == Level.SCHOOL or not pk.isdigit():
        raise Http404("没有该对象")
    entity = model.objects.restrict(user, VIEW).filter(institution=institution, pk=int(pk)).first()
    if entity is None:
        raise Http404("没有该对象")
    return level, entity, f"{level}:{entity.pk}"
