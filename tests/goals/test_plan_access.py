"""Who sees and who changes plans and one-page plans: personal plans stay personal, scoped leaders change only
their own objects, the other college sees nothing (404), the visible but not changeable answers 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.core.choices import Role
from zhengai.core.services import membership_grant, user_create
from zhengai.goals import services
from zhengai.goals.models import OnePagePlan, Plan


def status(login, user, name, pk):
    return login(user).get(reverse(name, args=[pk])).status_code


@pytest.fixture
def world(college, other):
    """Plans at every level; a second teacher (李老师) and a second student (赵同学) with accounts."""
    c = college
    t2 = user_create(username="t2", name="李老师", password="x-pass-123")
    membership_grant(user=t2, institution=c.institution, role=Role.TEACHER, scope=c.teachers["t2"])
    c.teachers["t2"].user = t2
    c.teachers["t2"].save()
    s2 = user_create(username="s2", name="赵同学", password="x-pass-123")
    membership_grant(user=s2, institution=c.institution, role=Role.STUDENT, scope=c.students["s2"])
    c.students["s2"].user = s2
    c.students["s2"].save()
    c.users["t2"], c.users["s2"] = t2, s2
    q = c.users["quality"]

    def plan(kind, name, entity=None, parent=None, actor=q):
        return services.plan_save(actor=actor, institution=c.institution, data={
            "kind": kind, "name": name, "start_year": 2024, "end_year": 2026, "entity": entity, "parent": parent})

    def onepage(level, entity, actor=q):
        return services.onepage_create(actor=actor, institution=c.institution, level=level, entity=entity,
                                       year=2025)

    p = {"master": plan("master", "总规划")}
    p["sub_it"] = plan("sub", "信息学院子规划", c.units["it"], p["master"])
    p["sub_mech"] = plan("sub", "机械学院子规划", c.units["mech"], p["master"])
    p["soft"] = plan("major", "软件专业建设规划", c.majors["soft"], p["sub_it"])
    p["career1"] = plan("career", "张老师职业发展规划", c.teachers["t1"], actor=c.users["teacher"])
    p["career2"] = plan("career", "李老师职业发展规划", c.teachers["t2"], actor=t2)
    p["dev1"] = plan("student", "王同学发展规划", c.students["s1"], actor=c.users["student"])
    p["dev2"] = plan("student", "赵同学发展规划", c.students["s2"], actor=s2)
    o = {"it": onepage("unit", c.units["it"], c.users["head"]), "mech": onepage("unit", c.units["mech"]),
         "soft": onepage("major", c.majors["soft"], c.users["major_leader"]),
         "mech_major": onepage("major", c.majors["mech"]),
         "t1": onepage("teacher", c.teachers["t1"], c.users["teacher"]), "t2": onepage("teacher", c.teachers["t2"], t2),
         "soft1": onepage("class", c.classes["soft1"], c.users["counsellor"])}
    return c, p, o


def test_a_teacher_sees_and_edits_only_their_own_personal_plans(world, login):
    c, p, o = world
    teacher = c.users["teacher"]
    assert status(login, teacher, "goals:plan_detail", p["career1"].pk) == 200
    assert status(login, teacher, "goals:plan_edit", p["career1"].pk) == 200
    assert status(login, teacher, "goals:plan_goal_add", p["career1"].pk) == 200
    assert status(login, teacher, "goals:plan_detail", p["career2"].pk) == 404
    assert status(login, teacher, "goals:plan_edit", p["career2"].pk) == 404
    assert status(login, teacher, "goals:onepage_detail", o["t1"].pk) == 200
    assert status(login, teacher, "goals:onepage_edit", o["t1"].pk) == 200
    assert status(login, teacher, "goals:onepage_detail", o["t2"].pk) == 404
    assert status(login, teacher, "goals:onepage_pdf", o["t2"].pk) == 404
    assert status(login, teacher, "goals:onepage_print", o["t2"].pk) == 404
    # School plans are everyone's to read, not to change.
    assert status(login, teacher, "goals:plan_detail", p["master"].pk) == 200
    assert status(login, teacher, "goals:plan_edit", p["master"].pk) == 403
    assert status(login, teacher, "goals:plan_goal_add", p["master"].pk) == 403
    listing = login(teacher).get(reverse("goals:plan_list")).content.decode()
    assert "张老师职业发展规划" in listing and "李老师职业发展规划" not in listing and "王同学发展规划" not in listing
    onepages = login(teacher).get(reverse("goals:onepage_list")).content.decode()
    assert o["t1"].name in onepages and o["t2"].name not in onepages
    # Nor can a teacher move their plan onto a colleague or create one for them.
    response = login(teacher).post(reverse("goals:plan_edit", args=[p["career1"].pk]), {
        "kind": "career", "name": "改挂", "start_year": 2024, "end_year": 2026, "state": "active",
        "entity": f"teacher:{c.teachers['t2'].pk}"})
    assert response.status_code == 200
    assert Plan.objects.get(pk=p["career1"].pk).teacher == c.teachers["t1"]
    response = login(teacher).post(reverse("goals:onepage_add"), {"entity": f"teacher:{c.teachers['t2'].pk}",
                                                                  "year": 2026})
    assert response.status_code == 200 and not OnePagePlan.objects.filter(teacher=c.teachers["t2"], year=2026)


def test_the_unit_head_reads_but_does_not_edit_their_teachers_career_plans(world, login):
    c, p, o = world
    head = c.users["head"]
    assert status(login, head, "goals:plan_detail", p["career1"].pk) == 200
    assert status(login, head, "goals:plan_edit", p["career1"].pk) == 403
    assert status(login, head, "goals:plan_detail", p["career2"].pk) == 404  # a teacher of another unit


def test_major_leader_edits_their_majors_plan_only(world, login):
    c, p, o = world
    ml = c.users["major_leader"]
    assert status(login, ml, "goals:onepage_edit", o["soft"].pk) == 200
    assert status(login, ml, "goals:onepage_objective_add", o["soft"].pk) == 200
    assert status(login, ml, "goals:onepage_edit", o["mech_major"].pk) == 404
    assert status(login, ml, "goals:onepage_detail", o["mech_major"].pk) == 404
    assert status(login, ml, "goals:plan_edit", p["soft"].pk) == 200
    assert status(login, ml, "goals:plan_edit", p["sub_it"].pk) in (403, 404)
    response = login(ml).post(reverse("goals:onepage_edit", args=[o["soft"].pk]), {"name": "软件专业年度计划"})
    assert response.status_code == 302 and OnePagePlan.objects.get(pk=o["soft"].pk).name == "软件专业年度计划"
    assert login(ml).post(reverse("goals:onepage_edit", args=[o["mech_major"].pk]),
                          {"name": "越权"}).status_code == 404


def test_unit_head_edits_their_units_plans(world, login):
    c, p, o = world
    head = c.users["head"]
    for key in ("it", "soft", "soft1"):
        assert status(login, head, "goals:onepage_edit", o[key].pk) == 200, key
    assert status(login, head, "goals:onepage_detail", o["t1"].pk) == 200
    assert status(login, head, "goals:onepage_edit", o["t1"].pk) == 403
    assert status(login, head, "goals:onepage_detail", o["mech"].pk) == 404
    assert status(login, head, "goals:plan_edit", p["sub_it"].pk) == 200
    assert status(login, head, "goals:plan_edit", p["soft"].pk) == 200
    assert status(login, head, "goals:plan_detail", p["sub_mech"].pk) == 404


def test_the_student_sees_only_their_own_development_plan(world, login):
    c, p, o = world
    student = c.users["student"]
    assert status(login, student, "goals:plan_detail", p["dev1"].pk) == 200
    assert status(login, student, "goals:plan_edit", p["dev1"].pk) == 200
    assert status(login, student, "goals:plan_detail", p["dev2"].pk) == 404
    assert status(login, student, "goals:plan_detail", p["career1"].pk) == 404
    listing = login(student).get(reverse("goals:plan_list"), {"kind": "student"}).content.decode()
    assert "王同学发展规划" in listing and "赵同学发展规划" not in listing
    # The counsellor guides the students of their class.
    assert status(login, c.users["counsellor"], "goals:plan_edit", p["dev1"].pk) == 200
    assert status(login, c.users["counsellor"], "goals:plan_detail", p["dev2"].pk) == 404


def test_the_outsider_sees_nothing(world, other, login):
    c, p, o = world
    outsider = other.users["quality"]
    for plan in p.values():
        assert status(login, outsider, "goals:plan_detail", plan.pk) == 404
        assert status(login, outsider, "goals:plan_edit", plan.pk) == 404
    for plan in o.values():
        assert status(login, outsider, "goals:onepage_detail", plan.pk) == 404
        assert status(login, outsider, "goals:onepage_pdf", plan.pk) == 404
    listing = login(outsider).get(reverse("goals:plan_list")).content.decode()
    assert "信息学院子规划" not in listing and 'id="plan-tree"' not in listing
    assert "还没有" in login(outsider).get(reverse("goals:onepage_list")).content.decode()


def test_anonymous_users_are_sent_to_log_in(world, client):
    c, p, o = world
    assert client.get(reverse("goals:plan_list")).status_code == 302
    assert client.get(reverse("goals:onepage_detail", args=[o["it"].pk])).status_code == 302


def test_goals_points_and_targets_are_deleted_by_the_plans_editors_only(world, other, login):
    from zhengai.goals.models import Goal, KeyTask, ObservationPoint, YearTarget

    c, p, _ = world
    head, q = c.users["head"], c.users["quality"]
    master_goal = services.goal_save(actor=q, plan=p["master"], data={"title": "办学水平显著提升"})
    goal = services.goal_save(actor=head, plan=p["sub_it"], data={"title": "信息学院专业群建设", "parent": master_goal})
    point = services.observation_point_save(actor=head, goal=goal, data={"name": "省级高水平专业数"})
    target = services.year_target_save(actor=head, point=point, data={"year": 2025, "target": 2})
    task = KeyTask.objects.create(institution=c.institution, year=2025, number=1, name="专业群建设", goal=master_goal)

    def post(user, name, pk):
        return login(user).post(reverse(name, args=[pk])).status_code

    # Seen but not theirs to change: 403; not seen (a teacher, another college): 404; nothing removed.
    assert post(c.users["steward"], "goals:plan_goal_delete", goal.pk) == 403
    assert post(c.users["teacher"], "goals:plan_goal_delete", goal.pk) == 404
    assert post(other.users["quality"], "goals:plan_goal_delete", goal.pk) == 404
    assert post(head, "goals:plan_goal_delete", master_goal.pk) == 403
    assert Goal.objects.filter(pk__in=[goal.pk, master_goal.pk]).count() == 2
    # The editors remove a target, then a point, then a goal.
    assert post(head, "goals:plan_target_delete", target.pk) == 302 and not YearTarget.objects.filter(pk=target.pk)
    assert post(head, "goals:plan_point_delete", point.pk) == 302
    assert not ObservationPoint.objects.filter(pk=point.pk).exists()
    assert post(q, "goals:plan_goal_delete", master_goal.pk) == 302
    # What hung from the removed goal stays, unlinked, for chain health to list.
    goal.refresh_from_db()
    task.refresh_from_db()
    assert goal.parent is None and task.goal is None
