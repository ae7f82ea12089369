"""Logic checks (逻辑校验): each finds its case, and a clean period passes every one; the report page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.statedata.conftest import Y, load
from zhengai.core.models import Period
from zhengai.org.models import Teacher
from zhengai.statedata import checks
from zhengai.statedata import models as sd

# check code → (table, a row that breaks it, a phrase of the message)
BREAKS = {
    "major_students_sum": (sd.MajorYear, {"学年": Y, "专业代码": "510201", "在校生数": 120, "一年级在校生数": 40,
                                          "二年级在校生数": 40, "三年级在校生数": 39}, "不等于一、二、三年级之和119"),
    "majors_add_up": (sd.MajorYear, {"学年": Y, "专业代码": "460104", "在校生数": 81}, "各专业在校生数之和201"),
    "institution_origins": (sd.InstitutionYear, {"学年": Y, "全日制普通高职在校生总数": 200, "其中：其他": 11},
                            "各生源之和201"),
    "equipment_values": (sd.InstitutionYear, {"学年": Y, "当年新增教学科研仪器设备值": "9000"}, "当年新增设备值"),
    "course_hours": (sd.CourseYear, {"学年": Y, "专业代码": "510201", "课程代码": "C001", "课程类型": "A",
                                     "教学计划规定课时数": 64, "实践课课时数": 70}, "实践课课时70大于规定课时64"),
    "course_references": (sd.CourseYear, {"学年": Y, "专业代码": "510201", "课程代码": "C002", "课程类型": "B",
                                          "教学计划规定课时数": 48, "主讲教师工号": "T003"}, "（T003）不在本期间"),
    "internship_counts": (sd.Internship, {"学年": Y, "专业代码": "510201", "顶岗实习毕业生总数": 40,
                                          "对口毕业生数": 41, "实习人数": 40, "参加保险学生数": 40}, "对口毕业生数41"),
    "admission_counts": (sd.Admission, {"学年": Y, "专业代码": "510201", "计划招生数": 50, "实际录取数": 48,
                                        "实际报到数": 49}, "实际报到数49大于实际录取数48"),
    "employment_counts": (sd.Employment, {"学年": Y, "专业代码": "510201", "毕业生数": 40, "就业数": 38,
                                          "对口就业数": 39}, "对口就业数39大于就业数38"),
    "certificate_counts": (sd.Certificate, {"学年": Y, "专业代码": "510201", "毕业生数": 40,
                                            "获证人数：高级": 11}, "获证人数之和41大于毕业生数40"),
    "feedback_counts": (sd.GraduateFeedback, {"学年": Y, "专业代码": "510201", "毕业生数": 40,
                                              "用人单位评价：满意或基本满意": 30, "用人单位评价：一般": 11},
                        "用人单位评价人数之和41大于毕业生数40"),
    "evaluation_counts": (sd.Evaluation, {"学年": Y, "工号": "T001", "课程代码": "C001", "应参评学生数": 40,
                                          "实际参评学生数": 41}, "实际参评41人大于应参评40人"),
    "funding_totals": (sd.Funding, {"年度": "2025", "学校总收入": "24999"}, "小于各项收入之和25000"),
    "building_areas": (sd.InstitutionYear, {"学年": Y, "总建筑面积": "1000", "学校产权校舍建筑面积：合计": "800",
                                            "非学校产权校舍建筑面积": "100"},
                       "不等于学校产权与非学校产权校舍之和900.00"),
    "it_resources": (sd.InstitutionYear, {"学年": Y, "计算机合计": 100, "其中：教学用计算机": 120},
                     "教学用计算机120台大于计算机合计100台"),
    # A stock that fell from the year before (loaded first): the year-over-year check.
    "year_over_year": (sd.InstitutionYear, {"学年": Y, "纸质图书总册数": "25"}, "比上一学年（30.00万册）减少",
                       [(sd.InstitutionYear, {"学年": "2023-2024", "纸质图书总册数": "30"})]),
}


def test_every_check_has_a_case():
    assert set(BREAKS) == set(checks.CHECKS)


def test_a_clean_period_passes_every_check(college, clean):
    for code in (Y, "2025"):
        results = checks.run(college.institution, Period.objects.get(code=code))
        assert results and all(found == [] for _, found in results), [(c.code, f) for c, f in results if f]
    assert len(checks.run(college.institution, Period.objects.get(code=Y))) == len(checks.CHECKS) - 1


@pytest.fixture
def t3(college) -> Teacher:
    """A teacher on the staff list but not in this year's teacher table."""
    return Teacher.objects.create(institution=college.institution, code="T003", name="王老师",
                                  unit=college.units["it"])


@pytest.mark.parametrize("code", list(BREAKS))
def test_each_check_finds_its_case(college, clean, t3, code):
    model, row, phrase, *before = BREAKS[code]
    for earlier_model, earlier in (before[0] if before else []):
        load(college, earlier_model, [earlier])
    load(college, model, [row])
    period = Period.objects.get(code=row.get("学年") or row.get("年度"))
    results = dict((c.code, found) for c, found in checks.run(college.institution, period))
    assert results[code], f"{code} found nothing"
    assert any(phrase in f.message for f in results[code]), [f.message for f in results[code]]
    # The other checks are not set off by this one change (each check is about its own rule).
    others = {c: f for c, f in results.items() if f and c != code}
    assert not others


def test_course_references_names_the_missing_teacher_and_major(college, clean, t3):
    load(college, sd.CourseYear, [BREAKS["course_references"][1]])
    sd.MajorYear.objects.filter(major__code="510201").delete()
    found = checks.course_references(college.institution, Period.objects.get(code=Y))
    messages = " ".join(f.message for f in found)
    assert "主讲教师“王老师”（T003）不在本期间的教师情况表中" in messages
    assert "专业“软件技术”不在本期间的开设专业表中" in messages


def test_other_institutions_rows_do_not_count(college, other, clean):
    load(other, sd.Admission, [{"学年": Y, "专业代码": "510201", "计划招生数": 1, "实际录取数": 1,
                                "实际报到数": 9}])
    assert checks.admission_counts(college.institution, Period.objects.get(code=Y)) == []
    assert checks.admission_counts(other.institution, Period.objects.get(code=Y))


def test_the_report_page_lists_failures_per_period(college, clean, login):
    load(college, sd.Admission, [BREAKS["admission_counts"][1]])
    page = login(college.users["quality"]).get(reverse("statedata:quality"), {"period": Y})
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 项未通过" in text and "实际报到数49大于实际录取数48" in text
    assert login(college.users["leader"]).get(reverse("statedata:quality"), {"period": Y}).status_code == 200
    for who in ("teacher", "major_leader", "head", "student"):
        assert login(college.users[who]).get(reverse("statedata:quality")).status_code == 403, who
