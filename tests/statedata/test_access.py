"""Who may see and import which state-data rows; another college's rows and history are 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.core.permissions import CHANGE
from zhengai.statedata import models as sd


def table(response) -> str:
    """The list's table only (the filter's dropdowns name every major the user may see in org)."""
    import re

    found = re.search(r'<table class="table">.*?</table>', response.content.decode(), re.S)
    return found.group(0) if found else ""


def visible(model, user) -> set[str]:
    """The codes of the entities of the rows `user` may see (or "全校" for institution-level rows)."""
    rows = model.objects.restrict(user).select_related(*model.entities)
    return {getattr(r, model.entities[0]).code if model.entities else "全校" for r in rows}


EVERYTHING = {sd.MajorYear: {"510201", "460104"}, sd.TeacherYear: {"T001", "T002"}, sd.Dropout: {"S002"},
              sd.InstitutionYear: {"全校"}, sd.Funding: {"全校"}, sd.Evaluation: {"T001"},
              sd.CourseYear: {"510201"}, sd.Counsellor: {"T002"}}

# who → table → what they see
SEES = {
    "leader": EVERYTHING, "quality": EVERYTHING, "steward": EVERYTHING, "supervisor": EVERYTHING,
    # The authority's expert sees the tables not about one person (institution, majors, courses).
    "expert": {**EVERYTHING, sd.TeacherYear: set(), sd.Dropout: set(), sd.Evaluation: set(), sd.Counsellor: set()},
    # A major leader answers for the courses that serve the major (the kernel's one rule, as monitoring had it),
    # so they see those courses' evaluations too.
    "major_leader": {sd.MajorYear: {"510201"}, sd.TeacherYear: set(), sd.Dropout: set(), sd.InstitutionYear: set(),
                     sd.Funding: set(), sd.Evaluation: {"T001"}, sd.CourseYear: {"510201"}, sd.Counsellor: set()},
    "head": {sd.MajorYear: {"510201"}, sd.TeacherYear: {"T001"}, sd.Dropout: set(), sd.InstitutionYear: set(),
             sd.Funding: set(), sd.Evaluation: {"T001"}, sd.CourseYear: {"510201"}, sd.Counsellor: set()},
    "teacher": {sd.MajorYear: set(), sd.TeacherYear: {"T001"}, sd.Dropout: set(), sd.InstitutionYear: set(),
                sd.Funding: set(), sd.Evaluation: {"T001"}, sd.CourseYear: {"510201"}, sd.Counsellor: set()},
    "course_leader": {sd.MajorYear: set(), sd.TeacherYear: set(), sd.Dropout: set(), sd.InstitutionYear: set(),
                      sd.Funding: set(), sd.Evaluation: {"T001"}, sd.CourseYear: {"510201"}, sd.Counsellor: set()},
    "student": {m: set() for m in EVERYTHING},
    "counsellor": {m: set() for m in EVERYTHING},  # their class (软件2401) has no dropout
}


@pytest.mark.parametrize("who", list(SEES))
def test_who_sees_which_rows(college, clean, who):
    user = college.users[who]
    assert {m: visible(m, user) for m in EVERYTHING} == SEES[who]


def test_the_counsellor_sees_a_dropout_of_their_class(college, clean):
    from tests.statedata.conftest import Y, load

    load(college, sd.Dropout, [{"学年": Y, "学号": "S001", "辍学原因": "参军"}])
    assert visible(sd.Dropout, college.users["counsellor"]) == {"S001"}
    assert visible(sd.Dropout, college.users["major_leader"]) == {"S001"}


@pytest.mark.parametrize("who", ["steward", "quality"])
def test_only_the_steward_and_quality_office_change_and_import(college, clean, login, who):
    assert sd.MajorYear.objects.restrict(college.users[who], CHANGE).count() == 2
    assert login(college.users[who]).get(reverse("statedata:majoryear_import")).status_code == 200


@pytest.mark.parametrize("who", ["leader", "head", "major_leader", "teacher", "supervisor", "student"])
def test_others_may_not_import(college, clean, login, who):
    from tests.statedata.conftest import upload

    assert sd.MajorYear.objects.restrict(college.users[who], CHANGE).count() == 0
    client = login(college.users[who])
    assert client.get(reverse("statedata:majoryear_import")).status_code == 403
    assert upload(client, sd.MajorYear, [{"学年": "2024-2025", "专业代码": "510201", "在校生数": 1}]).status_code == 403
    assert sd.MajorYear.objects.get(major=college.majors["soft"]).students == 120


def test_list_pages_show_only_what_the_user_may_see(college, clean, login):
    page = table(login(college.users["major_leader"]).get(reverse("statedata:majoryear_list")))
    assert "软件技术" in page and "机械设计与制造" not in page
    page = table(login(college.users["teacher"]).get(reverse("statedata:teacheryear_list")))
    assert "张老师" in page and "李老师" not in page
    for views in __import__("zhengai.statedata.views", fromlist=["KINDS"]).KINDS:
        assert login(college.users["leader"]).get(reverse(views.url_name("list"))).status_code == 200


def test_list_filters_by_period_and_entity_and_searches(college, clean, login):
    client = login(college.users["quality"])
    url = reverse("statedata:majoryear_list")
    assert "机械设计与制造" in table(client.get(url))
    assert "机械设计与制造" not in table(client.get(url, {"major": college.majors["soft"].pk}))
    assert "机械设计与制造" not in table(client.get(url, {"q": "510201"}))
    assert "软件技术" in table(client.get(url, {"q": "510201"}))
    assert "没有符合条件的记录" in client.get(url, {"period": __import__("zhengai.core.periods", fromlist=["x"])
                                                     .ensure_academic_year(2023).pk}).content.decode()


def test_overview_counts_rows_per_period_and_shows_the_last_import(college, clean, login):
    page = login(college.users["steward"]).get(reverse("statedata:overview")).content.decode()
    assert "2024-2025学年：2" in page  # 开设专业 has two rows
    assert "2025年：1" in page         # 经费收支 by calendar year
    assert "数据管理员" in page
    teacher_page = login(college.users["teacher"]).get(reverse("statedata:overview"))
    assert teacher_page.status_code == 200 and "导入记录" not in teacher_page.content.decode()


def test_history_is_for_the_steward_and_quality_office(college, clean, login):
    record = sd.ImportRecord.objects.filter(institution=college.institution).first()
    for who in ("steward", "quality"):
        client = login(college.users[who])
        assert client.get(reverse("statedata:history")).status_code == 200
        assert client.get(reverse("statedata:history_detail", args=[record.pk])).status_code == 200
    for who in ("leader", "teacher"):
        client = login(college.users[who])
        assert client.get(reverse("statedata:history")).status_code == 403
        assert client.get(reverse("statedata:history_detail", args=[record.pk])).status_code == 404


def test_another_college_sees_none_of_it(college, other, clean, login):
    outsider = other.users["steward"]
    for model in EVERYTHING:
        assert not model.objects.restrict(outsider).filter(institution=college.institution).exists()
    client = login(outsider)
    record = sd.ImportRecord.objects.filter(institution=college.institution).first()
    assert client.get(reverse("statedata:history_detail", args=[record.pk])).status_code == 404
    assert table(client.get(reverse("statedata:majoryear_list"))) == ""
    export = client.get(reverse("statedata:majoryear_export"))
    assert len(__import__("zhengai.core.spreadsheets", fromlist=["x"]).read_rows(export.content, "x.xlsx")) == 1
