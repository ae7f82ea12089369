"""Every built-in formula against values computed by hand from the rows of conftest.build_state."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhengai.monitoring.models import Measurement
from zhengai.monitoring.services import recompute
from zhengai.standards.services import read_library

# code → (entity: ("school",) or (kind, key), expected value by hand, None = no data)
EXPECTED = {
    "S01": ("school", "960"),            # 2400 ÷ (2 + 0.5 × 1)
    "S02": ("school", "50"), "S03": ("school", "50"),
    "S04": ("school", "15.2174"),        # (30000 + 5000) ÷ 2300
    "S05": ("school", "5000"),           # 1200 万元 × 10000 ÷ 2400
    "S06": ("school", "20"),             # 200 ÷ (1200 − 200)
    "S07": ("school", "83.3333"), "S08": ("school", "60.8696"), "S09": ("school", "6.5217"),
    "S10": ("school", "8.6957"), "S11": ("school", "0.5"), "S12": ("school", "2300"),
    "S13": ("school", "13000"),          # (2000 + 600) × 10000 ÷ 2000, calendar year 2025
    "S14": ("school", "6"), "S15": ("school", "2.5"), "S16": ("school", "96"), "S17": ("school", "93.75"),
    "S18": ("school", "95"), "S19": ("school", "66.6667"),   # (2 + 2) ÷ 6 attendance rows
    "S20": ("school", "0.0435"), "S21": ("school", "95"), "S22": ("school", "50"),
    "S23": ("school", "14.2857"),        # 100 ÷ (320 + 280 + 100)
    "S24": ("school", "8.3333"), "S25": ("school", "300"), "S26": ("school", "5"), "S27": ("school", "2.5"),
    "S28": ("school", "50"),
    "U01": (("units", "it"), "50"), "U02": (("units", "it"), "95"), "U03": (("units", "it"), "100"),
    "M01": (("majors", "soft"), "120"), "M02": (("majors", "soft"), "50"), "M03": (("majors", "soft"), "64"),
    "M04": (("majors", "mech"), "100"), "M05": (("majors", "mech"), "100"), "M06": (("majors", "soft"), "1"),
    "M07": (("majors", "soft"), "100"), "M08": (("majors", "soft"), "87.5"), "M09": (("majors", "soft"), "100"),
    "M10": (("majors", "soft"), "6"), "M11": (("majors", "soft"), "95"), "M12": (("majors", "soft"), "78.9474"),
    "M13": (("majors", "soft"), "75"), "M14": (("majors", "soft"), "93.75"), "M15": (("majors", "soft"), "50"),
    "M16": (("majors", "mech"), "1.25"),
    "C01": (("courses", "java"), "50"), "C02": (("courses", "java"), "50"), "C03": (("courses", "java"), "50"),
    "C04": (("courses", "java"), "50"), "C05": (("courses", "java"), "91.5"), "C06": (("courses", "java"), "95"),
    "C07": (("courses", "java"), "50"),
    "T01": (("teachers", "t1"), "6"),    # (20 + 160) days in five years ÷ 30
    "T02": (("teachers", "t1"), "91.5"), "T03": (("teachers", "t1"), "50"), "T04": (("teachers", "t1"), "8.8889"),
    "T05": (("teachers", "t1"), "50"), "T06": (("teachers", "t1"), "10"),
    "P01": (("students", "s1"), "50"), "P02": (("students", "s1"), "50"), "P03": (("students", "s1"), "50"),
    "P04": (("students", "s1"), "1"),
    "K01": (("classes", "soft1"), "50"), "K02": (("classes", "soft1"), "50"), "K03": (("classes", "mech1"), "1"),
}


def test_every_builtin_point_has_a_hand_computed_case():
    assert {p["code"] for p in read_library()} == set(EXPECTED)


@pytest.fixture
def computed(state, year):
    result = recompute(institution=state.institution, period=year)
    assert not result["errors"], result["errors"]
    return state


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_builtin_formula_matches_hand_computation(computed, year, code):
    entity, expected = EXPECTED[code]
    if entity == "school":
        key = "school"
    else:
        kind, name = entity
        obj = getattr(computed, kind)[name]
        level = {"units": "unit", "majors": "major", "courses": "course", "teachers": "teacher",
                 "students": "student", "classes": "class"}[kind]
        key = f"{level}:{obj.pk}"
    m = Measurement.objects.get(qc_point__code=code, qc_point__institution=computed.institution, period=year,
                                entity_key=key)
    assert m.value == Decimal(expected), (code, m.value, m.inputs)


def test_missing_data_stays_missing_not_zero(library, year):
    recompute(institution=library.institution, period=year, qc_points=["S01", "M08", "S16"])
    s01 = Measurement.objects.get(qc_point__code="S01", entity_key="school")
    assert s01.value is None and s01.status == "no_data"
    assert s01.inputs["专任教师数"] == 0.0 and s01.inputs["折合在校生数"] is None


def test_inputs_trace_the_value(computed, year):
    m = Measurement.objects.get(qc_point__code="S01", entity_key="school")
    assert m.inputs == {"折合在校生数": 2400.0, "专任教师数": 2.0, "校外教师数": 1.0}
    assert m.formula and m.status == "fail"  # 960 > 22 (the warning line of ≤ 18)


def test_each_table_is_aggregated_once_per_query_and_entities_without_rows_keep_theirs(computed, year):
    """The measures over one table are one GROUP BY joined to the entities (not a subquery per entity and
    measure); an entity without rows still gets its row: a count is 0, a ratio of counts no data."""
    from zhengai.monitoring import formula as fl
    from zhengai.monitoring.services import compute_point, entity_queryset, period_filters
    from zhengai.org.models import Student
    from zhengai.standards.models import QCPoint

    inst = computed.institution
    point = QCPoint.objects.get(institution=inst, code="P01")   # 出勤人次 / 应到人次 * 100
    compiled = fl.compile_for(point.formula, point.level, period_filters(inst, year))
    sql = str(entity_queryset(point.level, inst).annotate(value=compiled.value, **{
        compiled.aliases[n]: e for n, e in compiled.inputs.items()}).query)
    assert sql.count("GROUP BY") == 1 and sql.count("statedata_attendance") >= 1
    s1 = computed.students["s1"]
    idle = Student.objects.create(institution=inst, code="idle-1", name="无记录", major=s1.major, klass=s1.klass,
                                  cohort=s1.cohort)
    rows = {r["pk"]: r for r in compute_point(point, inst, period_filters(inst, year))}
    assert rows[idle.pk]["value"] is None and rows[idle.pk]["inputs"] == {"出勤人次": 0.0, "应到人次": 0.0}
    assert rows[s1.pk]["value"] == Decimal("50")
    only = compute_point(point, inst, period_filters(inst, year), [idle.pk])
    assert [r["pk"] for r in only] == [idle.pk]
