"""Department performance: scores follow the configured weights (hand-computed), ranking, export, access."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.goals.test_tracking import make_plan, make_task
from tests.hostile import assert_inert
from zhengai.core.periods import ensure_academic_year
from zhengai.goals import performance
from zhengai.goals.models import PerformanceScheme
from zhengai.monitoring.models import Measurement, Warning
from zhengai.org.models import Unit
from zhengai.standards.models import QCPoint
from zhengai.standards.services import library_load

D = datetime.date


def measure(c, point: QCPoint, period, status: str, **entity) -> Measurement:
    (field, obj), = entity.items()
    level = "class" if field == "klass" else field
    return Measurement.objects.create(institution=c.institution, qc_point=point, period=period, level=level,
                                      entity_key=f"{level}:{obj.pk}", status=status, computed_at=timezone.now(),
                                      **{field: obj})


def warn(c, unit_key: str, state: str, year: int = 2025) -> Warning:
    w = Warning.objects.create(institution=c.institution, kind="task_overdue", title="任务",
                               period=ensure_academic_year(2024), level="unit",
                               entity_key=f"unit:{c.units[unit_key].pk}", severity="serious",
                               state=state, assigned_unit=c.units[unit_key])
    Warning.objects.filter(pk=w.pk).update(raised_at=timezone.make_aware(datetime.datetime(year, 5, 1, 10)))
    return w


@pytest.fixture
def scored(college):
    """信息工程学院: 3 of 4 tasks done, 2 of 5 measurements pass, 1 of 2 warnings closed.
    机械工程学院: 1 of 4 tasks done, 1 of 1 measurement passes, no warnings.
    Rows that must not count are added next to each: a cancelled task, a task due another year, a no-data
    measurement, a measurement of the academic year starting in 2025, a warning raised in 2024."""
    c = college
    library_load(c.institution)
    points = {lv: list(QCPoint.objects.filter(institution=c.institution, level=lv)[:2])
              for lv in ("unit", "major", "course", "teacher")}
    year = ensure_academic_year(2024)   # 2024-2025: counted for calendar year 2025
    later = ensure_academic_year(2025)  # 2025-2026: not
    it_plan, mech_plan = make_plan(c, "it"), make_plan(c, "mech", leader=None)
    for n, state in enumerate(["done", "done", "done", "in_progress"], start=1):
        make_task(it_plan, n, due=D(2025, n * 2, 1), state=state)
    make_task(it_plan, 5, due=D(2025, 6, 1), state="cancelled")
    make_task(make_plan(c, "it", year=2024), 1, due=D(2024, 12, 1), state="not_started")
    for n, state in enumerate(["done", "in_progress", "not_started", "not_started"], start=1):
        make_task(mech_plan, n, due=D(2025, 9, n), state=state)
    measure(c, points["unit"][0], year, "pass", unit=c.units["it"])
    measure(c, points["major"][0], year, "fail", major=c.majors["soft"])
    measure(c, points["major"][1], year, "warning", major=c.majors["soft"])
    measure(c, points["course"][0], year, "pass", course=c.courses["java"])
    measure(c, points["teacher"][0], year, "fail", teacher=c.teachers["t1"])
    measure(c, points["teacher"][1], year, "no_data", teacher=c.teachers["t1"])
    measure(c, points["unit"][1], later, "fail", unit=c.units["it"])
    measure(c, points["major"][0], year, "pass", major=c.majors["mech"])
    warn(c, "it", "resolved")
    warn(c, "it", "open")
    warn(c, "it", "open", year=2024)
    return c


def by_unit(rows):
    return {s.unit.code: s for s in rows}


def test_hand_computed_scores_and_a_second_weight_set_reranks(scored):
    c = scored
    scheme = performance.scheme_ensure(institution=c.institution, year=2025)
    assert (scheme.task_weight, scheme.qc_weight, scheme.improvement_weight) == (50, 30, 20)
    rows = performance.scores(c.institution, 2025, scheme)
    it, mech = by_unit(rows)["U01"], by_unit(rows)["U02"]
    assert (it.tasks, it.tasks_done, it.measured, it.passed, it.warnings, it.warnings_closed) == (4, 3, 5, 2, 2, 1)
    # 50 × 3/4 + 30 × 2/5 + 20 × 1/2 = 37.5 + 12 + 10
    assert it.score == Decimal("59.50")
    # 50 × 1/4 + 30 × 1/1 + 20 × 100 % (no warning) = 12.5 + 30 + 20
    assert mech.score == Decimal("62.50")
    assert [s.unit.code for s in rows[:2]] == ["U02", "U01"] and (mech.rank, it.rank) == (1, 2)
    # Units with no task due in the year are not ranked.
    # A unit with nothing to assess (no task, measurement or warning) is left out of the list.
    assert "U90" not in by_unit(rows)
    performance.scheme_update(actor=c.users["quality"], scheme=scheme, task_weight=Decimal(80),
                              qc_weight=Decimal(10), improvement_weight=Decimal(10))
    rows = performance.scores(c.institution, 2025, scheme)
    # 80 × 3/4 + 10 × 2/5 + 10 × 1/2 = 60 + 4 + 5;  80 × 1/4 + 10 + 10 = 40
    assert by_unit(rows)["U01"].score == Decimal("69.00") and by_unit(rows)["U02"].score == Decimal("40.00")
    assert [s.unit.code for s in rows[:2]] == ["U01", "U02"]


def test_missing_measurements_share_out_the_qc_weight(college):
    c = college
    plan = make_plan(c, "mech", leader=None)
    make_task(plan, 1, due=D(2025, 5, 1), state="done")
    make_task(plan, 2, due=D(2025, 5, 1))
    scheme = performance.scheme_ensure(institution=c.institution, year=2025)
    mech = by_unit(performance.scores(c.institution, 2025, scheme))["U02"]
    # (50 × 1/2 + 20 × 1) × 100 / 70
    assert mech.qc_rate is None and mech.score == Decimal("64.29")


def test_weights_must_sum_to_100(scored, login):
    c = scored
    scheme = performance.scheme_ensure(institution=c.institution, year=2025)
    with pytest.raises(ValidationError, match="三项权重之和须为100"):
        performance.scheme_update(actor=c.users["quality"], scheme=scheme, task_weight=Decimal(50),
                                  qc_weight=Decimal(30), improvement_weight=Decimal(30))
    url = reverse("goals:performance_scheme") + "?year=2025"
    client = login(c.users["quality"])
    bad = client.post(url, {"task_weight": "60", "qc_weight": "30", "improvement_weight": "20", "note": "试"})
    assert bad.status_code == 200 and "三项权重之和须为100，当前为110" in bad.content.decode()
    assert 'value="60' in bad.content.decode()
    scheme.refresh_from_db()
    assert scheme.task_weight == 50
    assert client.post(url, {"task_weight": "60", "qc_weight": "20", "improvement_weight": "20"}).status_code == 302
    scheme.refresh_from_db()
    assert (scheme.task_weight, scheme.qc_weight) == (60, 20)
    for key in ("head", "leader", "teacher"):
        assert login(c.users[key]).get(url).status_code == 403, key
    assert PerformanceScheme.objects.filter(institution=c.institution).count() == 1


def test_performance_page_who_sees_what(scored, other, login):
    c = scored
    url = reverse("goals:performance")
    quality = login(c.users["quality"]).get(url, {"year": 2025}).content.decode()
    assert "59.50" in quality and "62.50" in quality and "设置权重" in quality
    supervisor = login(c.users["supervisor"]).get(url, {"year": 2025}).content.decode()
    assert "62.50" in supervisor and "设置权重" not in supervisor
    head = login(c.users["head"]).get(url, {"year": 2025}).content.decode()
    assert "59.50" in head and "62.50" not in head  # their own unit only
    for key in ("teacher", "student", "major_leader"):
        assert login(c.users[key]).get(url, {"year": 2025}).status_code == 403, key
    assert "59.50" not in login(other.users["quality"]).get(url, {"year": 2025}).content.decode()


def test_performance_export(scored, login):
    response = login(scored.users["quality"]).get(reverse("goals:performance"), {"year": 2025, "export": "1"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    first = rows[0]
    assert first[0] == 1 and first[1] == "机械工程学院" and first[-1] == 62.5
    assert rows[1][1] == "信息工程学院" and rows[1][-1] == 59.5 and rows[1][4] == 75.0


def test_performance_export_carries_a_hostile_unit_name_as_text(scored, login):
    Unit.objects.filter(pk=scored.units["it"].pk).update(name='=HYPERLINK("http://x","y")')
    response = login(scored.users["quality"]).get(reverse("goals:performance"), {"year": 2025, "export": "1"})
    assert response.status_code == 200
    assert_inert(response.content, ['=HYPERLINK("http://x","y")'])
