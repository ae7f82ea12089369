"""Writes of the standards app: the built-in QC-point library, QC points, own targets and the policy."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from zhengai.core import audit
from zhengai.core.choices import AuditAction
from zhengai.core.services import save_object, set_active
from zhengai.frameworks.models import Adoption, Point

from .choices import Level, Operator
from .models import Dimension, OwnTarget, QCPoint, Standard, StandardSet, StandardsPolicy

LIBRARY = Path(__file__).resolve().parent / "builtin" / "qcpoints.json"
LINE_FIELDS = ("target", "standard", "warning", "standard_upper", "warning_upper")


def read_library() -> list[dict[str, Any]]:
    return json.loads(LIBRARY.read_text(encoding="utf-8"))["points"]


def _adopted_points(institution: Any) -> dict[str, dict[str, Point]]:
    """Points of the institution's adopted table by number, under the built-in table code it stems from."""
    adoption = Adoption.objects.filter(institution=institution).select_related("framework__based_on").first()
    if adoption is None:
        return {}
    framework = adoption.framework
    code = framework.based_on.code if framework.based_on_id else framework.code
    points = Point.objects.filter(element__project__framework=framework)
    return {code: {p.number: p for p in points}}


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@transaction.atomic
def library_load(institution: Any, actor: Any = None) -> dict[str, int]:
    """Load the built-in library into `institution`: the standard chain per level and the QC points.

    Idempotent: a QC point already there (by code) is left as the quality office has edited it; only its
    missing links to diagnosis points are added.
    """
    existing = {p.code: p for p in QCPoint.objects.filter(institution=institution)}
    adopted = _adopted_points(institution)
    created = kept = 0
    sets: dict[str, StandardSet] = {}
    for order, raw in enumerate(read_library()):
        level = raw["level"]
        if level not in sets:
            sets[level], _ = StandardSet.objects.get_or_create(
                institution=institution, level=level,
                defaults={"name": f"{Level(level).label}标准体系"})
        dimension, _ = Dimension.objects.get_or_create(institution=institution, standard_set=sets[level],
                                                       name=raw["dimension"], defaults={"order": order})
        standard, _ = Standard.objects.get_or_create(institution=institution, dimension=dimension,
                                                     name=raw["group"], defaults={"order": order})
        point = existing.get(raw["code"])
        if point is None:
            point = QCPoint(institution=institution, standard_item=standard, code=raw["code"], name=raw["name"],
                            level=level, definition=raw.get("definition", ""), formula=raw["formula"],
                            unit=raw.get("unit", ""), operator=raw["operator"], cycle=raw.get("cycle", "academic_year"),
                            data_source=raw.get("data_source", ""), threshold_source=raw.get("threshold_source", ""),
                            allowed=raw.get("allowed", []), builtin=True, order=order,
                            excluded_course_types=raw.get("excluded_course_types", []),
                            **{f: _dec(raw.get(f)) for f in LINE_FIELDS})
            point.full_clean()
            point.save()
            audit.record(actor=actor, obj=point, action=AuditAction.CREATE, note="载入内置质控点库")
            created += 1
        else:
            kept += 1
        numbers = [n for code, nums in raw.get("points", {}).items() for n in nums if code in adopted]
        links = [adopted[code][n] for code, nums in raw.get("points", {}).items() if code in adopted
                 for n in nums if n in adopted[code]]
        if numbers and links:
            point.points.add(*links)
    return {"created": created, "kept": kept}


# ---- the chain above the QC points: standard sets, dimensions, standards ----------------------------------

def _same_institution(institution: Any, parent: Any, label: str) -> None:
    if parent is not None and parent.institution_id != institution.pk:
        raise ValidationError({label: "不属于本院校"})


def standardset_create(*, actor: Any, institution: Any, **data: Any) -> tuple[StandardSet, str]:
    """A level's standard set (标准体系); one per level (the model's constraint says so in Chinese)."""
    return save_object(actor=actor, obj=StandardSet(institution=institution), data=data)  # type: ignore[return-value]


def standardset_update(*, actor: Any, standardset: StandardSet, **data: Any) -> tuple[StandardSet, str]:
    return save_object(actor=actor, obj=standardset, data=data)  # type: ignore[return-value]


def dimension_create(*, actor: Any, institution: Any, **data: Any) -> tuple[Dimension, str]:
    """A dimension (维度 / 类型) of a standard set."""
    _same_institution(institution, data.get("standard_set"), "standard_set")
    return save_object(actor=actor, obj=Dimension(institution=institution), data=data)  # type: ignore[return-value]


def dimension_update(*, actor: Any, dimension: Dimension, **data: Any) -> tuple[Dimension, str]:
    _same_institution(dimension.institution, data.get("standard_set"), "standard_set")
    return save_object(actor=actor, obj=dimension, data=data)  # type: ignore[return-value]


def standard_create(*, actor: Any, institution: Any, **data: Any) -> tuple[Standard, str]:
    """A standard (标准 / 主要标准要素) of a dimension, which QC points make measurable."""
    _same_institution(institution, data.get("dimension"), "dimension")
    return save_object(actor=actor, obj=Standard(institution=institution), data=data)  # type: ignore[return-value]


def standard_update(*, actor: Any, standard: Standard, **data: Any) -> tuple[Standard, str]:
    _same_institution(standard.institution, data.get("dimension"), "dimension")
    return save_object(actor=actor, obj=standard, data=data)  # type: ignore[return-value]


def chain_node_retire(*, actor: Any, node: StandardSet | Dimension | Standard, active: bool) -> Any:
    """Retire (停用) or restore a standard set, dimension or standard. Never deleted: QC points (and through
    them measurements, warnings and reports) refer to the chain; a retired node leaves the chain page and
    the forms' choices, and what hangs below it keeps its link."""
    return set_active(actor=actor, obj=node, active=active)


QCPOINT_KEY_FIELDS = ("code", "level")


def qcpoint_create(*, actor: Any, institution: Any, data: dict[str, Any], supporting_units=None) -> QCPoint:
    """A QC point the quality office writes itself (not from the built-in library): code and level are set
    once here; an edit changes the rest."""
    point = QCPoint(institution=institution, builtin=False)
    saved, _ = save_object(actor=actor, obj=point, data=data,
                           m2m={"supporting_units": supporting_units} if supporting_units is not None else None)
    return saved  # type: ignore[return-value]


def qcpoint_retire(*, actor: Any, point: QCPoint, active: bool) -> QCPoint:
    """Retire (停用) or restore a QC point. Never deleted: its measurements, warnings and own targets refer to
    it and stay readable; a retired point is no longer recomputed (monitoring reads active points only)."""
    return set_active(actor=actor, obj=point, active=active)  # type: ignore[return-value]


def qcpoint_update(*, actor: Any, point: QCPoint, data: dict[str, Any], supporting_units=None,
                   points=None) -> QCPoint:
    m2m = {}
    if supporting_units is not None:
        m2m["supporting_units"] = supporting_units
    if points is not None:
        m2m["points"] = points
    saved, _ = save_object(actor=actor, obj=point, data=data, m2m=m2m)
    return saved  # type: ignore[return-value]


def policy_for(institution: Any) -> StandardsPolicy:
    policy, _ = StandardsPolicy.objects.get_or_create(institution=institution)
    return policy


def policy_set(*, actor: Any, institution: Any, allow_looser_own_targets: bool) -> StandardsPolicy:
    saved, _ = save_object(actor=actor, obj=policy_for(institution),
                           data={"allow_looser_own_targets": allow_looser_own_targets})
    return saved  # type: ignore[return-value]


def _looser(point: QCPoint, mine: Decimal | None, school: Decimal | None) -> bool:
    if mine is None or school is None:
        return False
    if point.operator in (Operator.GE, Operator.GT):
        return mine < school
    if point.operator in (Operator.LE, Operator.LT):
        return mine > school
    return mine != school


ENTITY_LEVEL = {"major": Level.MAJOR, "course": Level.COURSE, "teacher": Level.TEACHER}


@transaction.atomic
def own_target_set(*, actor: Any, point: QCPoint, entity: Any, target: Any = None, standard: Any = None,
                   warning: Any = None, note: str = "") -> OwnTarget:
    """Set a major's, course's or teacher's own lines for `point`; refused when looser than the school's
    unless the institution's policy allows it."""
    kind = entity._meta.model_name
    if kind not in ENTITY_LEVEL or ENTITY_LEVEL[kind] != point.level:
        raise ValidationError("自定目标只能为该质控点所在层面的对象设置")
    if entity.institution_id != point.institution_id:
        raise ValidationError("对象不属于该院校")
    target, standard, warning = _dec(target), _dec(standard), _dec(warning)
    if not policy_for(point.institution).allow_looser_own_targets:
        errors = {name: f"本校规定自定{label}不得低于学校{label}（{school}）"
                  for name, label, mine, school in [("target", "目标值", target, point.target),
                                                     ("standard", "标准值", standard, point.standard),
                                                     ("warning", "预警值", warning, point.warning)]
                  if _looser(point, mine, school)}
        if errors:
            raise ValidationError(errors)
    obj = OwnTarget.objects.filter(qc_point=point, **{kind: entity}).first() or OwnTarget(
        institution=point.institution, qc_point=point, **{kind: entity})
    saved, _ = save_object(actor=actor, obj=obj, data={"target": target, "standard": standard,
                                                       "warning": warning, "note": note})
    return saved  # type: ignore[return-value]
