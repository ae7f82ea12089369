"""The org services: what they refuse, in Chinese, and what they report."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.org.helpers import audit_of
from zhengai.core.models import AuditEntry
from zhengai.core.services import user_create
from zhengai.org import selectors, services
from zhengai.org.models import Major, Unit, VerticalSystem


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        call(**kwargs)
    return info.value.message_dict


def test_create_update_report_their_outcome_and_audit(college):
    actor, inst = college.users["quality"], college.institution
    major, outcome = services.major_create(actor=actor, institution=inst, code="510205",
                                           name="人工智能技术应用", unit=college.units["it"])
    assert outcome == "created" and major.pk
    assert services.major_update(actor=actor, major=major, name="人工智能技术应用")[1] == "unchanged"
    assert audit_of(major).count() == 1
    assert services.major_update(actor=actor, major=major, years=5)[1] == "updated"
    entry = audit_of(major).first()
    assert entry.action == "update" and entry.changes == {"years": [3, 5]} and entry.actor == actor


def test_many_to_many_members_are_set_and_compared(college):
    java = college.courses["java"]
    assert services.course_update(actor=None, course=java, majors=[college.majors["soft"]])[1] == "unchanged"
    assert services.course_update(actor=None, course=java,
                                  majors=[college.majors["soft"], college.majors["mech"]])[1] == "updated"
    assert java.majors.count() == 2


def test_a_major_cannot_belong_to_another_colleges_unit(college, other):
    errors = refused(services.major_create, actor=None, institution=college.institution, code="1", name="x",
                     unit=other.units["it"])
    assert errors == {"unit": ["“所属院系”必须是本院校的部门"]}


def test_a_class_cannot_belong_to_another_colleges_major(college, other):
    errors = refused(services.klass_update, actor=None, klass=college.classes["soft1"],
                     major=other.majors["soft"])
    assert errors == {"major": ["“专业”必须是本院校的专业"]}


def test_many_to_many_members_must_be_of_the_same_college(college, other):
    errors = refused(services.course_update, actor=None, course=college.courses["java"],
                     majors=[college.majors["soft"], other.majors["soft"]], teachers=[other.teachers["t1"]])
    assert errors == {"majors": ["“面向专业”必须是本院校的专业"],
                      "teachers": ["“授课教师”必须是本院校的教师"]}
    assert services.unit_update.__name__ == "unit_update"
    assert refused(services.unit_update, actor=None, unit=college.units["it"],
                   systems=[VerticalSystem.objects.get(institution=other.institution, code="quality")]) == {
        "systems": ["“所属纵向系统”必须是本院校的纵向系统"]}


def test_a_students_class_must_belong_to_the_students_major(college):
    errors = refused(services.student_create, actor=None, institution=college.institution, code="S9",
                     name="x", major=college.majors["soft"], klass=college.classes["mech1"], cohort=2024)
    assert errors == {"klass": ["班级“机械2401”不属于专业“软件技术”"]}
    # Changing only the major is checked against the class the student already has.
    errors = refused(services.student_update, actor=None, student=college.students["s1"],
                     major=college.majors["mech"])
    assert errors == {"klass": ["班级“软件2401”不属于专业“机械设计与制造”"]}


@pytest.mark.parametrize("parent", ["it", "it_office"])
def test_a_unit_cannot_be_its_own_ancestor(college, parent):
    errors = refused(services.unit_update, actor=None, unit=college.units["it"], parent=college.units[parent])
    assert errors == {"parent": ["上级不能是本部门或其下级部门"]}
    college.units["it"].refresh_from_db()
    assert college.units["it"].parent is None


def test_a_unit_may_move_under_an_unrelated_unit(college):
    unit, outcome = services.unit_update(actor=None, unit=college.units["it_office"],
                                         parent=college.units["mech"])
    assert outcome == "updated" and Unit.objects.get(pk=unit.pk).parent == college.units["mech"]


def test_qa_groups_cannot_nest_in_a_circle(college, objs):
    group = objs["qagroup"]
    child = services.qagroup_create(actor=None, institution=college.institution, kind="special_group",
                                    name="专项组", parent=group)[0]
    assert refused(services.qagroup_update, actor=None, qagroup=group, parent=child) == {
        "parent": ["上级不能是本质量保证组织或其下级质量保证组织"]}


def test_post_section_and_work_item_duty_stay_in_the_posts_unit(college, objs, mech):
    assert refused(services.post_update, actor=None, post=objs["post"], section=college.units["mech"]) == {
        "section": ["所在科室必须是“信息工程学院”的下级部门"]}
    moved = services.post_update(actor=None, post=objs["post"], section=college.units["it_office"])
    assert moved[1] == "updated"
    assert refused(services.workitem_update, actor=None, workitem=objs["workitem"], duty=mech["duty"]) == {
        "duty": ["对应部门职责必须是“信息工程学院”的职责"]}


def test_a_qa_member_account_must_belong_to_the_college(college, other, objs):
    member = objs["qamember"]
    errors = refused(services.qamember_update, actor=None, qamember=member, user=other.users["quality"])
    assert errors == {"user": [f"用户“{other.users['quality']}”不是本院校的成员"]}
    stranger = user_create(username="stranger", name="路人")
    assert "user" in refused(services.qamember_update, actor=None, qamember=member, user=stranger)
    assert services.qamember_update(actor=None, qamember=member, user=college.users["leader"])[1] == "updated"


def test_model_rules_come_back_in_chinese(college):
    inst = college.institution
    assert refused(services.course_update, actor=None, course=college.courses["java"],
                   practice_hours=100) == {"__all__": ["实践学时不能大于总学时"]}
    assert refused(services.major_create, actor=None, institution=inst, code="510201", name="重复",
                   unit=college.units["it"]) == {"__all__": ["本院校已有相同专业代码的专业"]}
    assert "kind" in refused(services.unit_create, actor=None, institution=inst, code="U9", name="x",
                             kind="nonsense")
    assert refused(services.unit_update, actor=None, unit=college.units["it"], colour="red") == {
        "__all__": ["未知字段：colour"]}


def test_the_same_code_is_fine_in_another_college(college, other):
    major = services.major_create(actor=None, institution=other.institution, code="510209", name="x",
                                  unit=other.units["it"])[0]
    assert services.major_create(actor=None, institution=college.institution, code="510209", name="x",
                                 unit=college.units["it"])[0].pk != major.pk


def test_systems_apply_set_is_idempotent_and_switches_sets(college):
    actor, inst = college.users["quality"], college.institution
    systems = VerticalSystem.objects.filter(institution=inst)
    assert services.systems_apply_set(actor=actor, institution=inst, set_name="default") == {
        "created": 3, "updated": 0, "unchanged": 2, "retired": 0}
    audits = AuditEntry.objects.count()
    assert services.systems_apply_set(actor=actor, institution=inst, set_name="default") == {
        "created": 0, "updated": 0, "unchanged": 5, "retired": 0}
    assert AuditEntry.objects.count() == audits
    assert services.systems_apply_set(actor=actor, institution=inst, set_name="seed000") == {
        "created": 1, "updated": 1, "unchanged": 3, "retired": 1}
    assert list(systems.filter(active=True).values_list("name", flat=True)) == [
        "决策指挥系统", "质量生成系统", "资源服务系统", "支持服务系统", "评价改进系统"]
    # Units stay placed in a retired system (history), and switching back restores it.
    assert college.units["it"].systems.filter(code="quality").exists()
    assert services.systems_apply_set(actor=actor, institution=inst, set_name="default")["retired"] == 1
    assert systems.get(code="supervision").active and not systems.get(code="evaluation").active
    with pytest.raises(ValidationError):
        services.systems_apply_set(actor=actor, institution=inst, set_name="nonsense")


def test_systems_apply_set_leaves_other_colleges_and_own_systems_alone(college, other):
    own = VerticalSystem.objects.create(institution=college.institution, code="party", name="党建系统")
    services.systems_apply_set(actor=None, institution=college.institution, set_name="seed000")
    own.refresh_from_db()
    assert own.active
    assert VerticalSystem.objects.filter(institution=other.institution).count() == 2


# ---- selectors -----------------------------------------------------------------------------------

def test_getters_answer_404_for_another_college(college, other):
    with pytest.raises(Http404):
        selectors.get_major_for_user(college.users["quality"], other.majors["soft"].pk)
    assert selectors.get_major_for_user(college.users["head"], college.majors["soft"].pk, "change")


def test_unit_tree_nests_units_with_their_counts_and_systems(college):
    tree = selectors.unit_tree(college.users["teacher"], college.institution)
    assert [n.unit.code for n in tree] == ["U01", "U02", "U90"]
    it = tree[0]
    assert [c.unit.code for c in it.children] == ["U0101"]
    assert (it.majors, it.teachers) == (1, 1)
    assert [s.code for s in it.unit.systems.all()] == ["quality"]


def test_systems_with_units_and_the_unplaced(college):
    systems = selectors.systems_with_units(college.users["teacher"], college.institution)
    placed = {s.code: [u.code for u in s.placed] for s in systems}
    assert placed == {"quality": ["U01", "U02"], "supervision": []}
    unplaced = selectors.units_without_system(college.users["teacher"], college.institution)
    assert set(unplaced.values_list("code", flat=True)) == {"U90"}  # U0101 sits in U01, which is placed


@pytest.mark.parametrize(("who", "students"), [("quality", 1), ("teacher", 0), ("head", 1)])
def test_unit_counts_follow_what_the_user_sees(college, who, students):
    Major.objects.create(institution=college.institution, code="510299", name="教研室的专业",
                         unit=college.units["it_office"])
    assert selectors.unit_counts(college.users[who], college.units["it"]) == {
        "majors": 2, "courses": 1, "teachers": 1, "students": students}
