"""One reader of measurements: after a frozen year is corrected in one table, every page still counts every
point that had data (version 2 is computed only for the points that read the corrected table), and a
comparison (the unit's median) is the same for whoever may see the cell."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from tests.monitoring.conftest import build_state
from zhengai.core.periods import ensure_academic_year
from zhengai.dashboards import cockpit
from zhengai.frameworks.models import Element
from zhengai.goals import performance
from zhengai.monitoring import services
from zhengai.monitoring.models import Measurement
from zhengai.org.models import Teacher
from zhengai.reports import evidence
from zhengai.reports.choices import ReportKind
from zhengai.standards.choices import Level
from zhengai.standards.models import QCPoint
from zhengai.standards.services import library_load
from zhengai.statedata import models as sd
from zhengai.statedata import versions


@pytest.fixture
def year(db):
    return ensure_academic_year(2024)


@pytest.fixture
def state(college, year):
    library_load(college.institution)
    build_state(college, year)
    return college


def _measured(rows) -> dict[str, int]:
    """QC point code → how many entities have a value (pass, warning or fail) on a cockpit summary."""
    return {r.point.code: r.counts["pass"] + r.counts["warning"] + r.counts["fail"] for r in rows
            if r.counts["pass"] + r.counts["warning"] + r.counts["fail"]}


def _pages(c, year) -> dict[str, object]:
    """What the school cockpit, a major's portrait, the department performance and the school report's summary
    of the lower levels show, as comparable values."""
    inst, leader = c.institution, c.users["leader"]
    soft = cockpit.entity_for(leader, inst, Level.MAJOR, c.majors["soft"].pk)
    framework = _framework(c)
    rows = evidence.build_rows(institution=inst, kind=ReportKind.SCHOOL, entity=inst, period=year,
                               framework=framework)
    lower = {e["code"]: e["pass"] + e["warning"] + e["fail"] for r in rows
             for e in r.evidence.get("lower_levels", [])}
    scheme = performance.scheme_ensure(institution=inst, year=2025)
    return {
        "school": {r.point.code for r in cockpit.level_summary(leader, inst, Level.SCHOOL, year)
                   if r.status and r.status != "no_data"},
        "majors": _measured(cockpit.level_summary(leader, inst, Level.MAJOR, year)),
        "portrait": {m.qc_point.code for m in cockpit.entity_measurements(leader, soft, year)
                     if m.status != "no_data"},
        "performance": {s.unit.code: s.measured for s in performance.scores(inst, 2025, scheme) if s.measured},
        "report": {k: v for k, v in lower.items() if v},
    }


def _framework(c):
    from tests.reports.test_reports import adopt

    framework = c.__dict__.get("_framework")
    if framework is None:
        framework = adopt(c)
        # Every QC point of the library reaches the school report through one diagnosis point.
        point = Element.objects.filter(project__framework=framework).first().points.first()
        through = QCPoint.points.through
        through.objects.bulk_create([through(qcpoint=q, point=point)
                                     for q in QCPoint.objects.filter(institution=c.institution)])
        c.__dict__["_framework"] = framework
    return framework


def test_a_correction_of_one_table_keeps_every_measured_point_on_every_page(state, year):
    inst = state.institution
    services.recompute(institution=inst, period=year)
    before = _pages(state, year)
    assert len(before["school"]) > 5 and len(before["majors"]) > 5 and before["portrait"]
    assert before["performance"] and before["report"]

    # Freeze 2024-2025, then a correction of the employment table opens version 2, which is computed only for
    # the QC points that read that table (what an import does, through on_import_committed).
    versions.period_freeze(actor=None, institution=inst, period=year)
    with transaction.atomic():
        sd.Employment.objects.filter(major=state.majors["soft"]).update(matched=36)
        versions.reopen_after_import(institution=inst, periods=[year])
    affected = [p.code for p in services.affected_points(inst, sd.Employment)]
    result = services.recompute(institution=inst, period=year, qc_points=affected)
    assert result["version"] == 2 and 0 < result["points"] < len(before["majors"])
    assert Measurement.objects.filter(version=2).exclude(qc_point__code__in=affected).count() == 0

    after = _pages(state, year)
    assert after == before
    # And the corrected point reads version 2 (36 of 38 employed in the matched field).
    m12 = [m for m in cockpit.entity_measurements(state.users["leader"], cockpit.entity_for(
        state.users["leader"], inst, Level.MAJOR, state.majors["soft"].pk), year) if m.qc_point.code == "M12"][0]
    assert m12.version == 2 and m12.value == Decimal("94.7368")


def test_the_unit_median_is_the_same_for_a_teacher_and_the_school_leader(college, year):
    """Convention 14: a teacher who sees only herself is not shown her own value as the unit's median."""
    inst = college.institution
    qc = QCPoint.objects.create(institution=inst, code="TT1", name="授课学时", level=Level.TEACHER, formula="1")
    unit = college.teachers["t1"].unit
    peers = [college.teachers["t1"]] + [
        Teacher.objects.create(institution=inst, code=f"TP{n}", name=f"同事{n}", unit=unit) for n in range(4)]
    for value, teacher in zip([Decimal("1.67"), Decimal("8.22"), Decimal("9"), Decimal("3"), Decimal("12")], peers,
                              strict=True):
        Measurement.objects.create(institution=inst, level=Level.TEACHER, entity_key=f"teacher:{teacher.pk}",
                                   teacher=teacher, qc_point=qc, period=year, value=value, status="pass",
                                   computed_at=timezone.now())
    seen = {}
    for who in ("teacher", "leader"):
        user = college.users[who]
        entity = cockpit.entity_for(user, inst, Level.TEACHER, college.teachers["t1"].pk)
        seen[who] = cockpit.peer_medians(user, entity, year).get(qc.pk)
    assert seen["teacher"] == seen["leader"] == 8.22


def test_a_median_of_too_few_peers_is_not_shown(college, year):
    """Of two peers, the median and one's own value give the other's: below three, no median."""
    inst = college.institution
    qc = QCPoint.objects.create(institution=inst, code="TT2", name="授课学时", level=Level.TEACHER, formula="1")
    t1 = college.teachers["t1"]
    other = Teacher.objects.create(institution=inst, code="TQ1", name="同事", unit=t1.unit)
    for teacher, value in ((t1, 2), (other, 10)):
        Measurement.objects.create(institution=inst, level=Level.TEACHER, entity_key=f"teacher:{teacher.pk}",
                                   teacher=teacher, qc_point=qc, period=year, value=value, status="pass",
                                   computed_at=timezone.now())
    entity = cockpit.entity_for(college.users["teacher"], inst, Level.TEACHER, t1.pk)
    assert cockpit.peer_medians(college.users["teacher"], entity, year) == {}
