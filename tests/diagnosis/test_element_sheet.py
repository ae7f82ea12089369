"""The self-diagnosis element sheet (seed 003 附件3): a row per element of the adopted framework, its points and
the QC points of the entity's level linked to them, with the entity's measurement; Excel with the same columns."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.diagnosis.test_improvements import make_point, measure
from tests.hostile import HOSTILE, assert_inert
from zhengai.core.periods import ensure_academic_year
from zhengai.diagnosis.improvements import SHEET_COLUMNS
from zhengai.frameworks.models import Adoption, Element, Framework, Point, Project, Task

COLUMNS = ["诊断项目", "诊断要素", "诊断点/质控指标", "主要工作", "诊断标准", "测量数据内涵", "预警值", "测量结果",
           "表现形式"]


@pytest.fixture
def year(db):
    return ensure_academic_year(2024)


@pytest.fixture
def sheet(college, year):
    """A small framework: project 1 with element 1.1 (points 1.1.1 with a task and two QC points, one of the major
    level and one of the school level, and 1.1.2 with none) and element 1.2 without points."""
    c = college
    fw = Framework.objects.create(institution=c.institution, code="T", name="测试诊断项目表")
    project = Project.objects.create(framework=fw, number="1", name="专业质量保证", order=1)
    e11 = Element.objects.create(project=project, number="1.1", name="专业建设规划", order=1)
    Element.objects.create(project=project, number="1.2", name="专业诊改", order=2)
    p111 = Point.objects.create(element=e11, number="1.1.1", name="专业定位", order=1)
    Point.objects.create(element=e11, number="1.1.2", name="专业规划", order=2)
    Task.objects.create(point=p111, content="开展行业企业调研，明确专业定位", order=1)
    major_point = make_point(c)
    major_point.points.add(p111)
    school_point = make_point(c, code="S90", level="school", name="生师比", standard="18", warning="16", unit="")
    school_point.points.add(p111)
    Adoption.objects.create(institution=c.institution, framework=fw)
    measure(c, major_point, year, c.majors["soft"], "85", version=1)
    measure(c, major_point, year, c.majors["soft"], "78", version=2)  # the newest version is shown
    return c


def test_the_columns_are_the_seeds(sheet):
    assert SHEET_COLUMNS == COLUMNS


def test_rows_for_a_major(sheet, login):
    c = sheet
    client = login(c.users["major_leader"])
    url = reverse("diagnosis:element_sheet")
    page = client.get(url, {"entity": f"major:{c.majors['soft'].pk}", "year": "2024"})
    assert page.status_code == 200
    rows = [r["cells"] for r in page.context["rows"]]
    assert rows == [
        ["1 专业质量保证", "1.1 专业建设规划", "1.1.1 专业定位 / M90 毕业生就业率", "开展行业企业调研，明确专业定位",
         "目标值 90%；标准值 ≥80%", "已就业毕业生数 / 毕业生总数 × 100", "≥70%", "78%（预警）", "%"],
        ["1 专业质量保证", "1.1 专业建设规划", "1.1.2 专业规划", "", "", "", "", "", ""],
        ["1 专业质量保证", "1.2 专业诊改", "", "", "", "", "", "", ""],
    ]
    text = page.content.decode()
    assert "78%（预警）" in text and "生师比" not in text
    # Excel has the same columns and rows.
    export = client.get(url, {"entity": f"major:{c.majors['soft'].pk}", "year": "2024", "export": "1"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    values = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert list(values[1]) == COLUMNS
    assert [[v or "" for v in row] for row in values[2:]] == rows


def test_the_school_sheet_is_the_default_and_says_when_nothing_was_measured(sheet, login):
    page = login(sheet.users["teacher"]).get(reverse("diagnosis:element_sheet"))
    rows = [r["cells"] for r in page.context["rows"]]
    assert rows[0][2] == "1.1.1 专业定位 / S90 生师比" and rows[0][7] == "暂无测量" and rows[0][8] == "数据"
    assert len(rows) == 3


def test_another_year_has_no_results(sheet, login):
    ensure_academic_year(2023)
    page = login(sheet.users["quality"]).get(reverse("diagnosis:element_sheet"),
                                             {"entity": f"major:{sheet.majors['soft'].pk}", "year": "2023"})
    assert page.context["rows"][0]["cells"][7] == "暂无测量"
    assert login(sheet.users["quality"]).get(reverse("diagnosis:element_sheet"), {"year": "1999"}).status_code == 404


def test_only_entities_the_user_may_see(sheet, other, login):
    c = sheet
    url = reverse("diagnosis:element_sheet")
    assert login(other.users["quality"]).get(url, {"entity": f"major:{c.majors['soft'].pk}"}).status_code == 404
    # A student's record is personal: another student gets 404, the student their own sheet.
    student = login(c.users["student"])
    assert student.get(url, {"entity": f"student:{c.students['s2'].pk}"}).status_code == 404
    assert student.get(url, {"entity": f"student:{c.students['s1'].pk}"}).status_code == 200
    for bad in ("nothing:1", "major:abc", "major:999999", "school:1"):
        assert login(c.users["quality"]).get(url, {"entity": bad}).status_code == 404


def test_without_an_adopted_framework_the_page_says_what_to_do(college, login):
    page = login(college.users["quality"]).get(reverse("diagnosis:element_sheet"))
    assert page.status_code == 200 and "尚未采用诊断项目表" in page.content.decode()


def test_the_export_carries_hostile_point_and_task_texts_as_text(sheet, login):
    element = Element.objects.get(number="1.2")
    for n, content in enumerate(HOSTILE, start=1):
        point = Point.objects.create(element=element, number=f"1.2.{n}", name=f"点{n}", order=n)
        Task.objects.create(point=point, content=content, order=1)
    response = login(sheet.users["quality"]).get(reverse("diagnosis:element_sheet"), {"export": "1"})
    assert response.status_code == 200
    assert_inert(response.content)
