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
    assert len(links) >= 8
    client.force_login(user)
    for link in links:
        response = client.get(link["url"])
        assert response.status_code == 200, (who, link["label"], link["url"], response.status_code)


def test_a_head_teacher_has_the_class_peoples_menu(college, rf):
    """The 班主任 answers for a class's students as the counsellor does, so their menu lists the students."""
    request = rf.get("/")
    request.user = college.users["head_teacher"]
    request.session = {}
    labels = {link["label"] for section in navigation(request)["nav_sections"] for link in section["links"]}
    assert "学生" in labels
