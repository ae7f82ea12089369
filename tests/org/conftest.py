from __future__ import annotations

import pytest

from tests.personas import College
from zhengai.core.models import User
from zhengai.org import services
from zhengai.org.models import VerticalSystem


def one_of_each(c: College, unit_key: str = "it") -> dict:
    """One object of every kind, all in (or under) the college's unit `unit_key`, made by the services."""
    inst, unit = c.institution, c.units[unit_key]
    kw = {"actor": None, "institution": inst}
    duty = services.duty_create(**kw, unit=unit, content=f"{unit.name}的教学管理职责", in_system=True)[0]
    post = services.post_create(**kw, unit=unit, code=f"P{unit.code}", name="教学秘书")[0]
    item = services.workitem_create(**kw, post=post, duty=duty, content="排课与调课",
                                    standard="每学期开学前两周完成")[0]
    group = services.qagroup_create(**kw, kind="unit_group", name=f"{unit.name}质量保证工作组", unit=unit)[0]
    member = services.qamember_create(**kw, group=group, name="组长甲", position="leader")[0]
    student_key = {"it": "s1", "mech": "s2"}[unit_key]
    return {
        "unit": unit, "system": VerticalSystem.objects.get(institution=inst, code="quality"), "duty": duty,
        "post": post, "workitem": item, "qagroup": group, "qamember": member,
        "major": unit.majors.get(), "course": unit.courses.get(), "klass": unit.majors.get().classes.get(),
        "teacher": unit.teachers.get(), "student": c.students[student_key],
    }


@pytest.fixture
def objs(college) -> dict:
    """Every kind of object in 信息工程学院 (the unit head's unit)."""
    return one_of_each(college, "it")


@pytest.fixture
def mech(college) -> dict:
    """Every kind of object in 机械工程学院 (outside the unit head's unit)."""
    return one_of_each(college, "mech")


@pytest.fixture
def other_objs(other) -> dict:
    return one_of_each(other, "it")


@pytest.fixture
def quality(college) -> User:
    return college.users["quality"]

