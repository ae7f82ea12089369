"""Checking a QC point's formula and lines when it is saved.

The formula language and its measures live in `monitoring`, which sits above this app: it registers its
checker here in `MonitoringConfig.ready` (a lower app never imports an upper one). Without a checker only the
lines are checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from .choices import Operator

FormulaChecker = Callable[[str, str], None]  # (formula, level) → raises ValidationError with a Chinese message
_CHECKERS: list[FormulaChecker] = []


def register(checker: FormulaChecker) -> FormulaChecker:
    if checker not in _CHECKERS:
        _CHECKERS.append(checker)
    return checker


def check_formula(formula: str, level: str) -> None:
    for checker in _CHECKERS:
        checker(formula, level)


def check_lines(operator: str, standard: Any, warning: Any, standard_upper: Any = None,
                warning_upper: Any = None, allowed: Any = None) -> dict[str, str]:
    """Errors by field name: lines that contradict the operator (a warning line on the passing side…)."""
    errors: dict[str, str] = {}
    if operator == Operator.IN:
        if not allowed or not isinstance(allowed, list):
            errors["allowed"] = "比较方式为“属于”时须填写允许值"
        return errors
    if standard is None:
        errors["standard"] = "请填写标准值"
        return errors
    if operator == Operator.BETWEEN:
        if standard_upper is None or standard_upper < standard:
            errors["standard_upper"] = "区间的标准值上限须不小于标准值"
        elif warning is not None and warning > standard:
            errors["warning"] = "区间的预警值下限须不大于标准值"
        elif warning_upper is not None and warning_upper < standard_upper:
            errors["warning_upper"] = "区间的预警值上限须不小于标准值上限"
        return errors
    if warning is None:
        return errors
    if operator in (Operator.GE, Operator.GT) and warning > standard:
        errors["warning"] = "比较方式为≥或>时，预警值须不大于标准值"
    if operator in (Operator.LE, Operator.LT) and warning < standard:
        errors["warning"] = "比较方式为≤或<时，预警值须不小于标准值"
    return errors


def check_qc_point(point: Any) -> None:
    if getattr(point, "qualitative", False):
        # Judged by a person, not computed: no formula, no lines to check; but someone must judge it.
        errors = {} if point.owner_id else {"owner": "定性质控点须指定责任人"}
        if point.formula.strip():
            errors["formula"] = "定性质控点不填计算公式"
        if errors:
            raise ValidationError(errors)
        return
    if not point.formula.strip():
        raise ValidationError({"formula": "定量质控点须填写计算公式（无公式的请设为定性质控点）"})
    errors = check_lines(point.operator, point.standard, point.warning, point.standard_upper,
                         point.warning_upper, point.allowed)
    try:
        check_formula(point.formula, point.level)
    except ValidationError as exc:
        errors["formula"] = "；".join(exc.messages)
    if errors:
        raise ValidationError(errors)
