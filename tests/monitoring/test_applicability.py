"""A QC point applies to the entities its definition says: 课程实践课时比例 (C01) is not measured, and raises no
warning, for an A-type (pure theory) course — a rule of the point, not a special case of a page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from zhengai.core.models import AuditEntry
from zhengai.monitoring import services
from zhengai.monitoring.models import Measurement, Warning
from zhengai.org.models import Course
from zhengai.standards.models import QCPoint
from zhengai.statedata import models as sd


@pytest.fixture
def theory(state, year):
    c = state
    course = Course.objects.create(institution=c.institution, code="C009", name="思想道德与法治", unit=c.units["it"],
                                   course_type="A", hours=48, practice_hours=0)
    sd.CourseYear.objects.create(institution=c.institution, period=year, major=c.majors["soft"], course=course,
                                 course_type="A", attribute="public", nature="required", hours=48, practice_hours=0,
                                 teacher=c.teachers["t1"])
    return course


def test_the_builtin_practice_ratio_does_not_apply_to_a_type_courses(state):
    point = QCPoint.objects.get(institution=state.institution, code="C01")
    assert point.excluded_course_types == ["A"]


def test_an_a_type_course_is_neither_measured_nor_warned_on_practice_ratio(state, year, theory):
    services.recompute(institution=state.institution, period=year, qc_points=["C01"])
    assert not Measurement.objects.filter(qc_point__code="C01", course=theory).exists()
    assert not Warning.objects.filter(qc_point__code="C01", course=theory).exists()
    # B-type courses are still measured.
    assert Measurement.objects.filter(qc_point__code="C01", course=state.courses["java"]).exists()


def test_an_existing_false_alarm_is_resolved_on_the_next_recompute(state, year, theory):
    point = QCPoint.objects.get(institution=state.institution, code="C01")
    point.excluded_course_types = []          # as before the rule: the A-type course is flagged 严重
    point.save()
    services.recompute(institution=state.institution, period=year, qc_points=["C01"])
    alarm = Warning.objects.get(qc_point=point, course=theory)
    assert alarm.state == "open" and alarm.severity == "serious"
    point.excluded_course_types = ["A"]
    point.save()
    result = services.recompute(institution=state.institution, period=year, qc_points=["C01"])
    alarm.refresh_from_db()
    assert alarm.state == "resolved" and result["resolved"] >= 1
    assert not Measurement.objects.filter(qc_point=point, course=theory).exists()
    entry = AuditEntry.objects.filter(object_type__model="warning", object_id=str(alarm.pk)).order_by("-pk").first()
    assert entry.actor is None and entry.changes["state"] == ["open", "resolved"]
    # And a third recompute leaves it alone.
    assert services.recompute(institution=state.institution, period=year, qc_points=["C01"])["raised"] == 0


def test_only_course_points_exclude_course_types(state):
    point = QCPoint.objects.get(institution=state.institution, code="M13")
    point.excluded_course_types = ["A"]
    with pytest.raises(ValidationError):
        point.full_clean()
    c01 = QCPoint.objects.get(institution=state.institution, code="C01")
    c01.excluded_course_types = ["X"]
    with pytest.raises(ValidationError):
        c01.full_clean()
