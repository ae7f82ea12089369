"""The status rule as a pure function, property-tested with hypothesis."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from zhengai.monitoring.choices import Status
from zhengai.monitoring.status import evaluate

num = st.decimals(min_value=-10**6, max_value=10**6, allow_nan=False, allow_infinity=False, places=4)
RANK = {Status.FAIL: 0, Status.WARNING: 1, Status.PASS: 2}


@given(num, num, num)
def test_ge_bands(v, a, b):
    s, w = max(a, b), min(a, b)
    status = evaluate(v, "ge", s, w)
    assert status == (Status.PASS if v >= s else Status.WARNING if v >= w else Status.FAIL)


@given(num, num)
def test_boundaries_are_inclusive_for_ge_le_and_strict_for_gt_lt(s, gap):
    w = s - abs(gap)
    assert evaluate(s, "ge", s, w) == Status.PASS
    assert evaluate(s, "gt", s, w) != Status.PASS
    if gap:
        assert evaluate(w, "ge", s, w) == Status.WARNING
        assert evaluate(w, "gt", s, w) == Status.FAIL
    assert evaluate(s, "le", s, s + abs(gap)) == Status.PASS
    assert evaluate(s, "lt", s, s + abs(gap)) != Status.PASS


@given(num, num, num)
def test_le_mirrors_ge_and_lt_mirrors_gt(v, a, b):
    s, w = max(a, b), min(a, b)
    assert evaluate(v, "ge", s, w) == evaluate(-v, "le", -s, -w)
    assert evaluate(v, "gt", s, w) == evaluate(-v, "lt", -s, -w)


@given(num, num, num, num)
def test_higher_is_never_worse_for_ge(v1, v2, a, b):
    s, w = max(a, b), min(a, b)
    lo, hi = min(v1, v2), max(v1, v2)
    assert RANK[evaluate(lo, "ge", s, w)] <= RANK[evaluate(hi, "ge", s, w)]


@given(st.sampled_from(["ge", "le", "gt", "lt", "eq", "between", "in"]), num, num)
def test_missing_value_is_no_data_for_every_operator(op, s, w):
    assert evaluate(None, op, s, w, standard_upper=s + 1, warning_upper=s + 2, allowed=[s]) == Status.NO_DATA


@given(num, num)
def test_without_warning_line_what_does_not_pass_fails(v, s):
    assert evaluate(v, "ge", s, None) in (Status.PASS, Status.FAIL)
    assert evaluate(v, "ge", None, None) == Status.NO_DATA


@given(num, st.decimals(min_value=0, max_value=1000, places=2), st.decimals(min_value=0, max_value=1000, places=2))
def test_eq_tolerance(v, s, tol):
    status = evaluate(v, "eq", s, s - tol)
    assert status == (Status.PASS if v == s else Status.WARNING if abs(v - s) <= tol else Status.FAIL)


@given(num, num, st.decimals(min_value=0, max_value=100, places=2), st.decimals(min_value=0, max_value=100, places=2))
def test_between_bands(v, low, width, margin):
    high = low + width
    status = evaluate(v, "between", low, low - margin, high, high + margin)
    if low <= v <= high:
        assert status == Status.PASS
    elif low - margin <= v <= high + margin:
        assert status == Status.WARNING
    else:
        assert status == Status.FAIL


def test_in_and_examples():
    assert evaluate(Decimal("7"), "in", None, allowed=[6, 7, 8]) == Status.PASS
    assert evaluate(Decimal("9"), "in", None, allowed=[6, 7, 8]) == Status.FAIL
    assert evaluate(Decimal("18"), "le", 18, 22) == Status.PASS          # 生师比 at the line
    assert evaluate(Decimal("20"), "le", 18, 22) == Status.WARNING
    assert evaluate(Decimal("22.0001"), "le", 18, 22) == Status.FAIL
    assert evaluate(Decimal("97"), "eq", 100, 95) == Status.WARNING      # 参保率
