from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengai.frameworks.services import framework_adopt, load_builtin


@pytest.mark.parametrize(
    ("who", "cards", "sees_counts"),
    [
        ("quality", [], True),
        ("leader", [], True),
        ("head", ["本部门：信息工程学院"], False),
        ("major_leader", ["我负责的专业：软件技术"], False),
        ("course_leader", ["我负责的课程：Java程序设计"], False),
        ("teacher", ["我的教师档案：张老师"], False),
        ("counsellor", ["我带的班级：软件2401"], False),
        ("head_teacher", ["我带的班级：软件2401"], False),
        ("student", ["我的学籍：王同学"], False),
    ],
)
def test_home_shows_each_person_their_own_scope(college, other, login, who, cards, sees_counts):
    html = login(college.users[who]).get("/").content.decode()
    for title in cards:
        assert title in html
    assert ("测试职业技术学院概况" in html) is sees_counts
    # Nothing of the other college, and no other person's card.
    assert "另一所职业学院" not in html
    others = {"本部门：", "我负责的专业：", "我负责的课程：", "我带的班级：", "我的学籍：", "我的教师档案："}
    assert {t for t in others if t in html} == {t.split("：")[0] + "：" for t in cards}


def test_home_tells_quality_office_to_adopt_a_framework_until_it_does(college, login):
    client = login(college.users["quality"])
    assert "本校还没有采用诊断项目表" in client.get("/").content.decode()
    builtin = {f.code: f for f in load_builtin()}["beijing"]
    framework_adopt(actor=college.users["quality"], institution=college.institution, framework=builtin)
    html = client.get("/").content.decode()
    assert "本校还没有采用诊断项目表" not in html and "38 个诊断点" in html


def test_home_query_count_does_not_grow_with_the_college(college, login):
    client = login(college.users["quality"])
    client.get("/")
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    from tests.personas import build_college

    build_college("10003", "第三所学院", "y_")  # more rows of every kind (in another college)
    from zhengai.org.models import Student

    Student.objects.bulk_create(
        Student(institution=college.institution, code=f"B{i}", name="批量", major=college.majors["soft"],
                klass=college.classes["soft1"], cohort=2024) for i in range(200)
    )
    with CaptureQueriesContext(connection) as large:
        client.get("/")
    assert len(large) == len(small)
    assert len(small) <= 30


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_home_lists_my_open_tasks_and_flags_the_late_ones(college, login):
    import datetime

    from django.utils import timezone

    from zhengai.goals.models import OnePagePlan, PlanTask

    today = timezone.localdate()
    it = college.units["it"]
    plan = OnePagePlan.objects.create(institution=college.institution, level="unit", entity_key=f"unit:{it.pk}",
                                      unit=it, year=today.year, name="信息工程学院年度一页纸工作计划")
    head = college.users["head"]
    PlanTask.objects.create(institution=college.institution, plan=plan, number=1, title="修订人才培养方案",
                            owner=head, unit=it, due=today - datetime.timedelta(days=3), progress=40,
                            state="in_progress")
    PlanTask.objects.create(institution=college.institution, plan=plan, number=2, title="已完成的任务", owner=head,
                            unit=it, due=today, progress=100, state="done")
    html = login(head).get("/").content.decode()
    assert "修订人才培养方案" in html and "已逾期 1 项" in html
    assert "已完成的任务" not in html
    # Another person's task is not on the teacher's home page.
    assert "修订人才培养方案" not in login(college.users["teacher"]).get("/").content.decode()
