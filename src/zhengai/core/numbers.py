"""Numbers for people: one rule per unit, used by pages (the `value` filter), exports and reports.

* percent (%, ‰): at most two decimals, no trailing zeros — "94.61%", "95%";
* ratios (":1", the 生师比 kind): at most one decimal — "17.5:1";
* money (万元, 元): two decimals with thousands separators — "1,234.50万元";
* areas (平方米) and everything else measured: at most two decimals, no trailing zeros, thousands separators —
  "6.5平方米", "12,345平方米"; counts (人, 门, 个, 天 …) come out as whole numbers when they are: "386人".

A missing value is "—". The unit follows the number with no space, as Chinese documents write it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

PERCENT_UNITS = {"%", "％", "‰"}
MONEY_UNITS = {"万元", "元", "亿元"}
RATIO_UNITS = {":1", "：1"}
MISSING = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def places_for(unit: str) -> tuple[int, bool]:
    """(decimal places, keep trailing zeros) of `unit`'s rule."""
    unit = (unit or "").strip()
    if unit in MONEY_UNITS:
        return 2, True
    if unit in RATIO_UNITS:
        return 1, False
    return 2, False


def number(value: Any, unit: str = "", *, places: int | None = None) -> str:
    """`value` as people read it, without the unit: "94.61", "386", "1,234.50"."""
    d = _decimal(value)
    if d is None:
        return MISSING if value is None or value == "" else str(value)
    n, keep = places_for(unit)
    if places is not None:
        n = places
    q = d.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP) if n else d.quantize(Decimal(1),
                                                                                       rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)   # no "-0"
    text = f"{q:,.{n}f}"
    if not keep and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def with_unit(value: Any, unit: str = "", *, places: int | None = None) -> str:
    """`value` with its unit: "94.61%", "6.5平方米", "17.5:1", "—" when missing."""
    text = number(value, unit, places=places)
    if text == MISSING:
        return text
    return f"{text}{(unit or '').strip()}"


OPERATORS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "="}


def standard_text(lines: dict | None, unit: str = "") -> str:
    """A QC point's standard as people read it: "≥ 95%", "17.5:1 ～ 18:1", "属于 1、2"; "—" when none.

    `lines` is the dict the status rule takes (QCPoint.lines, or the copy a measurement keeps)."""
    if not lines:
        return MISSING
    op = lines.get("operator")
    if op == "in":
        allowed = [with_unit(a, unit) for a in lines.get("allowed") or []]
        return f"属于 {'、'.join(allowed)}" if allowed else MISSING
    standard = lines.get("standard")
    if _decimal(standard) is None:
        return MISSING
    if op == "between":
        return f"{with_unit(standard, unit)} ～ {with_unit(lines.get('standard_upper'), unit)}"
    return f"{OPERATORS.get(op, '')} {with_unit(standard, unit)}".strip()


def warning_text(lines: dict | None, unit: str = "") -> str:
    """The warning line the same way: "≥ 90%" (the band where 预警 starts), "—" when none."""
    if not lines or _decimal(lines.get("warning")) is None:
        return MISSING
    op = lines.get("operator")
    if op == "between":
        return f"{with_unit(lines.get('warning'), unit)} ～ {with_unit(lines.get('warning_upper'), unit)}"
    return f"{OPERATORS.get(op, '')} {with_unit(lines.get('warning'), unit)}".strip()
