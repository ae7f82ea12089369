from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from zhengai.core.models import Period
from zhengai.core.periods import ensure_academic_year, ensure_calendar_year
from zhengai.org.models import Teacher
from zhengai.standards.services import library_load
from zhengai.statedata import models as sd


@pytest.fixture
def year(db):
    return ensure_academic_year(2024)


@pytest.fixture
def library(college):
    library_load(college.institution)
    return college


def build_state(c, year) -> None:
    """A small, hand-checkable year of state data for the personas' college (expected values in
    test_formulas.py are computed by hand from these rows)."""
    inst = c.institution
    sem1 = Period.objects.get(code="2024-2025-1")
    c.teachers["t3"] = Teacher.objects.create(institution=inst, code="T003", name="王工", unit=c.units["mech"],
                                              kind="external_part_time")
    sd.InstitutionYear.objects.create(
        institution=inst, period=year, converted_students=Decimal("2400"), fulltime_students=2300,
        vocational_students=2000, equipment_value=Decimal("1200"), equipment_new=Decimal("200"),
        teaching_area=Decimal("30000"), admin_area=Decimal("5000"), land_area=Decimal("140000"),
        dorm_area=Decimal("15000"), books=Decimal("20"), books_new=Decimal("1"), teaching_computers=200,
        practice_stations=1000)
    sd.Funding.objects.create(institution=inst, period=ensure_calendar_year(2025), fiscal_regular=Decimal("2000"),
                              fiscal_special=Decimal("600"), teacher_training=Decimal("30"),
                              public_funds=Decimal("500"), faculty_building=Decimal("100"),
                              total_expense=Decimal("4000"))
    t = sd.TeacherYear.objects
    t.create(institution=inst, period=year, teacher=c.teachers["t1"], kind="full_time", dual_qualified=True,
             degree="master", title="associate", teaching_hours=320, enterprise_days=20, training_days=10,
             secondment_days=5)
    t.create(institution=inst, period=year, teacher=c.teachers["t2"], kind="full_time", teaching_hours=280)
    t.create(institution=inst, period=year, teacher=c.teachers["t3"], kind="external_part_time", teaching_hours=100)
    # Two years earlier: counts towards the five-year enterprise practice only.
    t.create(institution=inst, period=ensure_academic_year(2022), teacher=c.teachers["t1"], kind="full_time",
             enterprise_days=160)
    sd.Counsellor.objects.create(institution=inst, period=year, teacher=c.teachers["t2"], political=True)
    soft, mech = c.majors["soft"], c.majors["mech"]
    sd.MajorYear.objects.create(institution=inst, period=year, major=soft, students=120)
    sd.MajorYear.objects.create(institution=inst, period=year, major=mech, students=80)
    sd.Admission.objects.create(institution=inst, period=year, major=soft, planned=50, admitted=48, enrolled=45)
    sd.Employment.objects.create(institution=inst, period=year, major=soft, graduates=40, employed=38, matched=30,
                                 monthly_income=Decimal("4200"))
    sd.Certificate.objects.create(institution=inst, period=year, major=soft, graduates=40, primary=10,
                                  intermediate=20)
    sd.Internship.objects.create(institution=inst, period=year, major=soft, total=40, matched=35, interns=40,
                                 insured=40, months=Decimal("6"))
    sd.CourseYear.objects.create(institution=inst, period=year, major=soft, course=c.courses["java"],
                                 course_type="B", attribute="specialty", nature="required", is_core=True,
                                 co_developed=True, hours=64, practice_hours=32, teacher=c.teachers["t1"])
    sd.CourseYear.objects.create(institution=inst, period=year, major=mech, course=c.courses["cad"],
                                 course_type="B", attribute="public", nature="elective", hours=48,
                                 practice_hours=24, teacher=c.teachers["t2"])
    sd.Dropout.objects.create(institution=inst, period=year, student=c.students["s2"], reason="转学")
    sd.Evaluation.objects.create(institution=inst, period=year, teacher=c.teachers["t1"], course=c.courses["java"],
                                 expected=40, participated=38, score=Decimal("91.5"))
    s1, s2, java, cad = c.students["s1"], c.students["s2"], c.courses["java"], c.courses["cad"]
    day = datetime.date(2024, 10, 8)
    for n, status in enumerate([1, 2, 3, 4], start=1):
        sd.Attendance.objects.create(institution=inst, period=sem1, course=java, student=s1, teacher=c.teachers["t1"],
                                     lesson_date=day, lesson_no=n, status=status)
    for n in (1, 2):
        sd.Attendance.objects.create(institution=inst, period=sem1, course=cad, student=s2, teacher=c.teachers["t2"],
                                     lesson_date=day, lesson_no=n, status=1)
    for n, (submitted, on_time) in enumerate([(True, True), (False, False)], start=1):
        sd.Homework.objects.create(institution=inst, period=sem1, course=java, student=s1, teacher=c.teachers["t1"],
                                   assignment=f"H{n}", due_date=day, submitted=submitted, on_time=on_time)
    for n, passed in enumerate([True, False], start=1):
        sd.LessonCheck.objects.create(institution=inst, period=sem1, course=java, student=s1,
                                      teacher=c.teachers["t1"], lesson_date=day, lesson_no=n, passed=passed)


@pytest.fixture
def state(library, year):
    build_state(library, year)
    return library
