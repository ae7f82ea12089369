"""A goal's progress follows the measurements of its QC points for the plan's entity (issue 4, done-when 1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from zhengai.core.periods import ensure_academic_year
from zhengai.goals import selectors, services
from zhengai.goals.models import Goal, ObservationPoint
from zhengai.monitoring.models import Measurement
from zhengai.standards.models import QCPoint


def qc(college, code, level):
    return QCPoint.objects.create(institution=college.institution, code=code, name=f"质控点{code}", level=level,
                                  formula="a / b")


def measure(college, point, year, value, entity=None, version=1):
    level = point.level
    key = "school" if level == "school" else f"{level}:{entity.pk}"
    fk = {} if level == "school" else {level if level != "class" else "klass": entity}
    return Measurement.objects.create(institution=college.institution, level=level, entity_key=key, qc_point=point,
                                      period=year, value=value, status="pass", computed_at=timezone.now(),
                                      version=version, **fk)


@pytest.fixture
def chain(college):
    """A master plan and the IT college's sub-plan, each with a goal measured by a QC point and a typed one."""
    c = college
    q = c.users["quality"]
    master = services.plan_save(actor=q, institution=c.institution, data={
        "kind": "master", "name": "十四五总规划", "start_year": 2021, "end_year": 2025})
    sub = services.plan_save(actor=q, institution=c.institution, data={
        "kind": "sub", "name": "信息工程学院子规划", "start_year": 2021, "end_year": 2025, "parent": master,
        "entity": c.units["it"]})
    goal = services.goal_save(actor=q, plan=master, data={"title": "就业质量全省领先", "code": "G1"})
    sub_goal = services.goal_save(actor=q, plan=sub, data={"title": "学院就业率稳步提高", "parent": goal})
    s_point = qc(c, "S90", "school")
    u_point = qc(c, "U90", "unit")
    measured = services.observation_point_save(actor=q, goal=goal, data={"name": "就业率", "qc_point": s_point})
    typed = services.observation_point_save(actor=q, goal=goal, data={"name": "合作企业数"})
    unit_measured = services.observation_point_save(actor=q, goal=sub_goal,
                                                    data={"name": "学院就业率", "qc_point": u_point})
    services.year_target_save(actor=q, point=measured, data={"year": 2024, "target": Decimal("90")})
    services.year_target_save(actor=q, point=typed, data={"year": 2024, "target": Decimal("50"), "actual": 55})
    services.year_target_save(actor=q, point=unit_measured, data={"year": 2024, "target": Decimal("92")})
    return {"master": master, "sub": sub, "goal": goal, "sub_goal": sub_goal, "measured": measured,
            "typed": typed, "unit_measured": unit_measured, "s_point": s_point, "u_point": u_point,
            "year": ensure_academic_year(2024)}


def test_progress_follows_the_measurement(college, chain):
    goal, year = chain["goal"], chain["year"]
    # No measurement yet: the measured point is not attained, the typed one (55 ≥ 50) is.
    progress = selectors.goal_progress(goal, 2024)
    assert (progress.with_target, progress.attained, progress.share) == (2, 1, Decimal("50.0"))
    assert selectors.point_actual(chain["measured"], 2024) is None

    m = measure(college, chain["s_point"], year, Decimal("85"))
    assert selectors.point_actual(chain["measured"], 2024) == Decimal("85")
    assert selectors.goal_progress(goal, 2024).share == Decimal("50.0")

    # The measurement changes → the goal's progress changes with it.
    m.value = Decimal("93")
    m.save()
    progress = selectors.goal_progress(goal, 2024)
    assert progress.share == Decimal("100.0")
    row = next(r for r in progress.rows if r.point == chain["measured"])
    assert row.measured and row.attained and row.ratio == Decimal("103.3")

    # A newer data version wins over the older one.
    measure(college, chain["s_point"], year, Decimal("80"), version=2)
    assert selectors.point_actual(chain["measured"], 2024) == Decimal("80")
    assert selectors.goal_progress(goal, 2024).share == Decimal("50.0")


def test_only_the_plans_entity_and_the_years_period_count(college, chain):
    sub_goal, year = chain["sub_goal"], chain["year"]
    # The mechanical college's measurement and another year's do not count for the IT college's plan.
    measure(college, chain["u_point"], year, Decimal("99"), entity=college.units["mech"])
    measure(college, chain["u_point"], ensure_academic_year(2023), Decimal("99"), entity=college.units["it"])
    assert selectors.goal_progress(sub_goal, 2024).share == Decimal("0.0")
    measure(college, chain["u_point"], year, Decimal("95"), entity=college.units["it"])
    assert selectors.goal_progress(sub_goal, 2024).share == Decimal("100.0")
    # A year without targets has no progress to show.
    assert selectors.goal_progress(sub_goal, 2022).share is None


def test_lower_is_better_points_attain_at_or_below_the_target(college, chain):
    q = college.users["quality"]
    point = services.observation_point_save(actor=q, goal=chain["goal"],
                                            data={"name": "生师比", "higher_is_better": False})
    target = services.year_target_save(actor=q, point=point, data={"year": 2025, "target": 18, "actual": 19})
    assert selectors.goal_progress(chain["goal"], 2025).attained == 0
    services.year_target_save(actor=q, point=point, target=target, data={"actual": 18})
    assert selectors.goal_progress(chain["goal"], 2025).attained == 1


def test_plan_page_shows_measured_actuals_and_progress(college, chain, login):
    measure(college, chain["s_point"], chain["year"], Decimal("93"))
    page = login(college.users["teacher"]).get(reverse("goals:plan_detail", args=[chain["master"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "质控点 S90" in text and "实际 93" in text and "达成" in text and "100%" in text
    assert Goal.objects.count() == 2 and ObservationPoint.objects.count() == 3
