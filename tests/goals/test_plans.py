"""Plans and goals: the services' validations and the pages that create and list them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhengai.goals import services
from zhengai.goals.models import Goal, Plan
from zhengai.standards.models import QCPoint


def plan(c, kind, name, entity=None, parent=None, start=2021, end=2025, actor=None):
    return services.plan_save(actor=actor or c.users["quality"], institution=c.institution, data={
        "kind": kind, "name": name, "start_year": start, "end_year": end, "parent": parent, "entity": entity})


@pytest.fixture
def master(college):
    return plan(college, "master", "总规划")


def test_a_plans_entity_must_match_its_kind(college, master):
    c = college
    with pytest.raises(ValidationError) as exc:
        plan(c, "sub", "子规划", parent=master)
    assert "entity" in exc.value.error_dict
    with pytest.raises(ValidationError):
        plan(c, "major", "软件专业建设规划", entity=c.units["it"])
    with pytest.raises(ValidationError):  # another college's unit
        other_unit = type(c.units["it"]).objects.create(institution=_other_inst(), code="X", name="外校")
        plan(c, "sub", "子规划", entity=other_unit)
    sub = plan(c, "sub", "信息学院子规划", entity=c.units["it"], parent=master)
    assert (sub.level, sub.entity_key, sub.unit) == ("unit", f"unit:{c.units['it'].pk}", c.units["it"])
    career = plan(c, "career", "张老师职业发展规划", entity=c.teachers["t1"])
    assert career.level == "teacher" and career.teacher == c.teachers["t1"] and career.unit is None
    assert master.level == "school" and master.entity_key == "school"


def _other_inst():
    from zhengai.core.services import institution_create

    return institution_create(code="99999", name="外校")


def test_years_are_ordered_and_parents_stand_higher(college, master):
    c = college
    with pytest.raises(ValidationError) as exc:
        plan(c, "special", "专项规划", start=2025, end=2021)
    assert "end_year" in exc.value.error_dict
    special = plan(c, "special", "师资专项规划", parent=master)
    with pytest.raises(ValidationError) as exc:
        services.plan_save(actor=c.users["quality"], institution=c.institution, plan=master,
                           data={"parent": special})
    assert "parent" in exc.value.error_dict


def test_a_goals_parent_goal_belongs_to_the_plan_above(college, master):
    c = college
    q = c.users["quality"]
    it = plan(c, "sub", "信息学院子规划", entity=c.units["it"], parent=master)
    mech = plan(c, "sub", "机械学院子规划", entity=c.units["mech"], parent=master)
    top = services.goal_save(actor=q, plan=master, data={"title": "建成省内一流高职"})
    mech_goal = services.goal_save(actor=q, plan=mech, data={"title": "机械学院目标"})
    goal = services.goal_save(actor=q, plan=it, data={"title": "信息学院目标", "parent": top})
    assert goal.parent == top
    with pytest.raises(ValidationError) as exc:
        services.goal_save(actor=q, plan=it, data={"title": "错挂的目标", "parent": mech_goal})
    assert "parent" in exc.value.error_dict
    # A plan without a parent plan may hang its goals under a higher plan of the same institution.
    loose = plan(c, "major", "软件专业建设规划", entity=c.majors["soft"])
    assert services.goal_save(actor=q, plan=loose, data={"title": "专业目标", "parent": goal}).parent == goal
    with pytest.raises(ValidationError):
        services.goal_save(actor=q, plan=master, data={"title": "向下挂", "parent": goal})


def test_observation_points_qc_level_and_typed_actuals(college, master):
    c = college
    q = c.users["quality"]
    sub = plan(c, "sub", "信息学院子规划", entity=c.units["it"], parent=master)
    goal = services.goal_save(actor=q, plan=sub, data={"title": "目标"})
    major_qc = QCPoint.objects.create(institution=c.institution, code="M90", name="专业点", level="major", formula="a")
    unit_qc = QCPoint.objects.create(institution=c.institution, code="U90", name="部门点", level="unit", formula="a")
    school_qc = QCPoint.objects.create(institution=c.institution, code="S90", name="学校点", level="school",
                                       formula="a")
    with pytest.raises(ValidationError) as exc:
        services.observation_point_save(actor=q, goal=goal, data={"name": "错层面", "qc_point": major_qc})
    assert "qc_point" in exc.value.error_dict
    assert services.observation_point_save(actor=q, goal=goal, data={"name": "学校点", "qc_point": school_qc})
    point = services.observation_point_save(actor=q, goal=goal, data={"name": "部门点", "qc_point": unit_qc})
    with pytest.raises(ValidationError) as exc:
        services.year_target_save(actor=q, point=point, data={"year": 2023, "target": 90, "actual": 91})
    assert "actual" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.year_target_save(actor=q, point=point, data={"year": 2030, "target": 90})
    assert "year" in exc.value.error_dict
    services.year_target_save(actor=q, point=point, data={"year": 2023, "target": 90})
    with pytest.raises(ValidationError):  # one target per point and year
        services.year_target_save(actor=q, point=point, data={"year": 2023, "target": 80})
    # A typed point with typed actuals cannot silently turn into a measured one.
    typed = services.observation_point_save(actor=q, goal=goal, data={"name": "手工"})
    services.year_target_save(actor=q, point=typed, data={"year": 2023, "target": 1, "actual": 2})
    with pytest.raises(ValidationError):
        services.observation_point_save(actor=q, goal=goal, point=typed, data={"qc_point": unit_qc})


def test_quality_office_creates_a_plan_and_goal_through_the_pages(college, login):
    c = college
    client = login(c.users["quality"])
    response = client.post(reverse("goals:plan_add"), {
        "kind": "master", "name": "学院十四五发展规划", "start_year": 2021, "end_year": 2025, "state": "active"})
    assert response.status_code == 302
    master = Plan.objects.get(name="学院十四五发展规划")
    # An error keeps what was typed and names the field.
    response = client.post(reverse("goals:plan_add"), {
        "kind": "sub", "name": "没有对象的子规划", "start_year": 2021, "end_year": 2025, "state": "active"})
    assert response.status_code == 200 and "没有对象的子规划" in response.content.decode()
    assert "请选择部门" in response.content.decode()
    response = client.post(reverse("goals:plan_add"), {
        "kind": "sub", "name": "信息学院子规划", "start_year": 2021, "end_year": 2025, "state": "active",
        "parent": master.pk, "entity": f"unit:{c.units['it'].pk}"})
    assert response.status_code == 302
    sub = Plan.objects.get(name="信息学院子规划")
    assert sub.unit == c.units["it"]
    response = client.post(reverse("goals:plan_goal_add", args=[master.pk]), {"title": "总目标", "order": 0})
    assert response.status_code == 302
    top = Goal.objects.get(title="总目标")
    response = client.post(reverse("goals:plan_goal_add", args=[sub.pk]),
                           {"title": "学院目标", "parent": top.pk, "order": 0})
    assert response.status_code == 302 and Goal.objects.get(title="学院目标").parent == top
    listing = client.get(reverse("goals:plan_list")).content.decode()
    assert listing.index("学院十四五发展规划") < listing.index("信息学院子规划")
    assert "信息学院子规划" not in client.get(reverse("goals:plan_list"), {"kind": "master"}).content.decode()
    assert "信息学院子规划" in client.get(reverse("goals:plan_list"), {"q": "信息"}).content.decode()
    assert "信息学院子规划" not in client.get(reverse("goals:plan_list"), {"year": 2030}).content.decode()
    detail = client.get(reverse("goals:plan_detail", args=[sub.pk])).content.decode()
    assert "学院目标" in detail and "总目标" in detail


def test_every_form_page_opens_and_a_measured_point_takes_no_typed_actual(college, master, login):
    c = college
    q = c.users["quality"]
    goal = services.goal_save(actor=q, plan=master, data={"title": "总目标"})
    s_qc = QCPoint.objects.create(institution=c.institution, code="S91", name="学校点", level="school", formula="a")
    client = login(q)
    response = client.post(reverse("goals:plan_point_add", args=[goal.pk]),
                           {"name": "就业率", "qc_point": s_qc.pk, "higher_is_better": "on", "order": 0})
    assert response.status_code == 302
    point = goal.points.get()
    form = client.get(reverse("goals:plan_target_add", args=[point.pk])).content.decode()
    assert 'name="target"' in form and 'name="actual"' not in form
    assert client.post(reverse("goals:plan_target_add", args=[point.pk]),
                       {"year": 2023, "target": "95", "actual": "99"}).status_code == 302
    target = point.targets.get()
    assert target.actual is None
    for name, pk in [("goals:plan_edit", master.pk), ("goals:plan_goal_edit", goal.pk),
                     ("goals:plan_point_edit", point.pk), ("goals:plan_target_edit", target.pk)]:
        assert client.get(reverse(name, args=[pk])).status_code == 200, name
    onepage = services.onepage_create(actor=q, institution=c.institution, level="unit", entity=c.units["it"],
                                      year=2025)
    task = services.plan_task_save(actor=q, onepage=onepage, data={"title": "任务"})
    cost = services.cost_save(actor=q, onepage=onepage, data={"budget_line": "培训经费", "amount": 1})
    objective = services.objective_save(actor=q, onepage=onepage, data={"text": "目标"})
    for name, pk in [("goals:onepage_task_add", onepage.pk), ("goals:onepage_task_edit", task.pk),
                     ("goals:onepage_cost_edit", cost.pk), ("goals:onepage_objective_edit", objective.pk),
                     ("goals:onepage_cost_add", onepage.pk), ("goals:onepage_task_progress", task.pk)]:
        assert client.get(reverse(name, args=[pk])).status_code == 200, name
    assert client.get(reverse("goals:onepage_add")).status_code == 200
    assert client.get(reverse("goals:plan_add")).status_code == 200
    assert client.post(reverse("goals:onepage_task_delete", args=[task.pk])).status_code == 302
    assert not onepage.tasks.exists()
