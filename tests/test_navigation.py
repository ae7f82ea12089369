"""Every page the navigation offers a person opens for that person (no 403, no 404, no server error), for
every persona — the menu never shows a door that is locked."""

from __future__ import annotations

import pytest

from zhengai.core.context_processors import navigation
from zhengai.frameworks.services import framework_adopt, load_builtin

PERSONAS = ["leader", "quality", "steward", "head", "major_leader", "course_leader", "teacher", "counsellor",
            "head_teacher", "student"]


@pytest.mark.parametrize("who", PERSONAS)
def test_every_menu_entry_opens(college, rf, client, who):
    framework_adopt(actor=None, institution=college.institution,
                    framework={f.code: f for f in load_builtin()}["beijing"])
    user = college.users[who]
    request = rf.get("/")
    request.user = user
    request.session = {}
    links = [link for section in navigation(request)["nav_sections"] for link in section["links"]]
    assert len(links) >= (4 if who == "student" else 8)
    client.force_login(user)
    for link in links:
        response = client.get(link["url"])
        assert response.status_code == 200, (who, link["label"], link["url"], response.status_code)


def _menu(rf, user):
    request = rf.get("/")
    request.user = user
    request.session = {}
    return {link["label"]: link["url"] for section in navigation(request)["nav_sections"] for link in section["links"]}


def test_a_student_sees_only_what_is_theirs_and_not_the_cockpit(college, rf, client):
    """A student's menu: their home, their portrait, their plan, their warnings, and what waits for their
    evaluation and their surveys — none of the ~30 staff entries; the whole-school cockpit is closed to them."""
    student = college.users["student"]
    menu = _menu(rf, student)
    assert set(menu) == {"我的工作台", "我的画像", "规划与目标", "我的预警", "评教评学", "我的问卷", "我的考勤", "请假",
                         "教学信息反馈"}
    assert menu["我的画像"] == f"/entities/student/{college.students['s1'].pk}/"
    client.force_login(student)
    for url in ("/cockpit/", "/cockpit/major/"):
        assert client.get(url).status_code in (403, 404)
    assert client.get(menu["我的画像"]).status_code == 200
    # Staff keep the cockpit.
    client.force_login(college.users["teacher"])
    assert client.get("/cockpit/").status_code == 200


def test_a_teacher_reaches_their_portrait_from_the_menu(college, rf):
    menu = _menu(rf, college.users["teacher"])
    assert menu["我的画像"] == f"/entities/teacher/{college.teachers['t1'].pk}/"
    assert "驾驶舱" in menu  # staff entries stay
    assert "我的画像" not in _menu(rf, college.users["quality"])  # no teacher or student record


def test_a_head_teacher_has_the_class_peoples_menu(college, rf):
    """The 班主任 answers for a class's students as the counsellor does, so their menu lists the students."""
    request = rf.get("/")
    request.user = college.users["head_teacher"]
    request.session = {}
    labels = {link["label"] for section in navigation(request)["nav_sections"] for link in section["links"]}
    assert "学生" in labels
