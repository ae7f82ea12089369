"""The status rule: a pure function from a value and a QC point's lines to 达标 / 预警 / 不达标 / 无数据.

* No value (missing data) → 无数据; no standard line (nothing to judge against) → 无数据.
* ≥ : value ≥ standard → 达标; warning ≤ value < standard → 预警; otherwise 不达标.
* > : value > standard → 达标; warning < value ≤ standard → 预警; otherwise 不达标.
* ≤ and < mirror ≥ and > (lower is better: the warning line lies above the standard).
* = : value = standard → 达标; |value − standard| ≤ |warning − standard| → 预警; otherwise 不达标.
* 区间 : standard ≤ value ≤ standard_upper → 达标; warning ≤ value ≤ warning_upper (the wider band) → 预警;
  otherwise 不达标. A missing warning bound means no band on that side.
* 属于 : value among the allowed values → 达标; otherwise 不达标.
* Without a warning line there is no 预警 band: what does not pass fails.
* A rate (unit %) above 100 % is 数据异常 (`judge`), whatever the lines say.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .choices import Status


def _d(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def evaluate(value: Any, operator: str, standard: Any, warning: Any = None, standard_upper: Any = None,
             warning_upper: Any = None, allowed: Iterable[Any] | None = None) -> str:
    v = _d(value)
    if v is None:
        return Status.NO_DATA
    if operator == "in":
        members = {_d(a) for a in (allowed or []) if a is not None}
        if not members:
            return Status.NO_DATA
        return Status.PASS if v in members else Status.FAIL
    s, w = _d(standard), _d(warning)
    if s is None:
        return Status.NO_DATA
    if operator == "ge":
        return Status.PASS if v >= s else Status.WARNING if w is not None and v >= w else Status.FAIL
    if operator == "gt":
        return Status.PASS if v > s else Status.WARNING if w is not None and v > w else Status.FAIL
    if operator == "le":
        return Status.PASS if v <= s else Status.WARNING if w is not None and v <= w else Status.FAIL
    if operator == "lt":
        return Status.PASS if v < s else Status.WARNING if w is not None and v < w else Status.FAIL
    if operator == "eq":
        if v == s:
            return Status.PASS
        return Status.WARNING if w is not None and abs(v - s) <= abs(w - s) else Status.FAIL
    if operator == "between":
        su, wu = _d(standard_upper), _d(warning_upper)
        if su is None:
            return Status.NO_DATA
        if s <= v <= su:
            return Status.PASS
        low_ok = w is not None and w <= v < s
        high_ok = wu is not None and su < v <= wu
        return Status.WARNING if low_ok or high_ok else Status.FAIL
    raise ValueError(f"unknown operator {operator}")


# Where a QC point says it is a rate: its unit. A share of a whole cannot exceed the whole, so a rate above
# 100 % is a data error (a numerator larger than its denominator: 就业数 98 of 毕业生数 78), one rule for
# every point rather than a check per formula.
RATE_UNITS = frozenset({"%", "％"})
RATE_CEILING = Decimal(100)


def is_rate(unit: str | None) -> bool:
    return (unit or "").strip() in RATE_UNITS


def data_error(value: Any, unit: str | None) -> str:
    """Why a value cannot be true for a point of this unit ("" when it can)."""
    v = _d(value)
    if v is not None and is_rate(unit) and v > RATE_CEILING:
        return (f"比率为{v.normalize():f}%，超过100%：比率的分子大于分母，源数据有误，"
                "不作达标判定，请数据管理员核对源数据")
    return ""


def judge(value: Any, unit: str | None, **lines: Any) -> str:
    """The status of a point's value: 数据异常 when it cannot be true for its unit, else `evaluate`."""
    if data_error(value, unit):
        return Status.DATA_ERROR
    return evaluate(value, **lines)
