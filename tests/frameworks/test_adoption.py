"""Adopting a built-in table copies it for the college; only its quality office changes the copy."""

from __future__ import annotations

import pytest

from zhengai.core.models import AuditEntry
from zhengai.frameworks.models import Adoption, Framework, Point
from zhengai.frameworks.selectors import adopted_framework, framework_data, framework_stats
from zhengai.frameworks.services import framework_adopt, framework_load, point_add


@pytest.fixture
def copy(mini, college):
    return framework_adopt(actor=college.users["quality"], institution=college.institution, framework=mini)


def test_adopting_a_builtin_copies_it(mini, copy, college):
    assert copy.pk != mini.pk
    assert copy.institution == college.institution and copy.based_on == mini
    assert adopted_framework(college.institution) == copy
    assert framework_stats(copy) == framework_stats(mini)
    assert {k: v for k, v in framework_data(copy).items()} == framework_data(mini)
    assert AuditEntry.objects.filter(institution=college.institution, note="采用诊断项目表").exists()


def test_adopting_again_keeps_the_colleges_edits(mini, copy, college):
    element = copy.projects.get(number="2").elements.get()
    point_add(actor=college.users["quality"], element=element, name="本校特色")
    again = framework_adopt(actor=college.users["quality"], institution=college.institution, framework=mini)
    assert again.pk == copy.pk
    assert Point.objects.filter(element=element, name="本校特色").exists()
    assert Adoption.objects.filter(institution=college.institution).count() == 1


def test_adopting_another_table_replaces_the_adoption(mini, mini_data, copy, college):
    mini_data["code"] = "other"
    other_builtin = framework_load(data=mini_data)
    second = framework_adopt(actor=college.users["quality"], institution=college.institution,
                             framework=other_builtin)
    assert adopted_framework(college.institution) == second
    assert Adoption.objects.filter(institution=college.institution).count() == 1


def test_a_college_cannot_adopt_another_colleges_table(copy, other):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        framework_adopt(actor=other.users["quality"], institution=other.institution, framework=copy)


def test_point_add_numbers_the_colleges_own_point(copy, college):
    element = copy.projects.get(number="2").elements.get()
    point = point_add(actor=college.users["quality"], element=element, name="本校特色",
                      applicability="*", tasks=[{"content": "建立特色项目", "departments": ["教务处"]}])
    assert point.number == "2.1.4" and point.added_by_institution and point.applicability == "*"
    assert [t.content for t in point.tasks.all()] == ["建立特色项目"]
    entry = AuditEntry.objects.get(object_id=str(point.pk), action="create")
    assert entry.institution_id == college.institution.pk


def test_builtin_tables_cannot_be_edited_through_the_services(mini, college):
    from django.core.exceptions import ValidationError

    element = mini.projects.get(number="2").elements.get()
    with pytest.raises(ValidationError):
        point_add(actor=college.users["quality"], element=element, name="x")


# ---- pages: who may and who may not --------------------------------------------------------------------

def test_quality_office_adopts_through_the_page(mini, college, login):
    response = login(college.users["quality"]).post(f"/frameworks/{mini.pk}/adopt/")
    copy = Framework.objects.get(institution=college.institution)
    assert response.status_code == 302 and response["Location"] == f"/frameworks/{copy.pk}/"
    assert adopted_framework(college.institution) == copy


@pytest.mark.parametrize("who", ["teacher", "leader", "head", "student", "steward"])
def test_others_may_not_adopt(mini, college, login, who):
    response = login(college.users[who]).post(f"/frameworks/{mini.pk}/adopt/")
    assert response.status_code == 403
    assert not Framework.objects.filter(institution=college.institution).exists()


def test_adopt_is_post_only(mini, college, login):
    assert login(college.users["quality"]).get(f"/frameworks/{mini.pk}/adopt/").status_code == 405


def test_quality_office_edits_the_copy(copy, college, login):
    client = login(college.users["quality"])
    assert client.get(f"/frameworks/{copy.pk}/edit/").status_code == 200
    response = client.post(f"/frameworks/{copy.pk}/edit/", {
        "action": "framework", "name": "本校诊断项目表", "version": "2025本校版", "notes": "一\n\n二"})
    assert response.status_code == 302
    copy.refresh_from_db()
    assert (copy.name, copy.version, copy.notes) == ("本校诊断项目表", "2025本校版", ["一", "二"])
    element = copy.projects.get(number="1").elements.get(number="1.2")
    response = client.post(f"/frameworks/{copy.pk}/edit/", {
        "action": "point", "point-element": element.pk, "point-name": "本校自设点", "point-applicability": "",
        "point-requirement": "要求", "point-tasks": "任务甲｜教务处｜教务处、学工处\n任务乙"})
    point = Point.objects.get(element=element, name="本校自设点")
    assert response.status_code == 302 and response["Location"] == f"/frameworks/points/{point.pk}/"
    assert point.added_by_institution and point.number == "1.2.2"
    assert [(t.content, t.lead, t.departments) for t in point.tasks.all()] == [
        ("任务甲", "教务处", ["教务处", "学工处"]), ("任务乙", "", [])]


def test_quality_office_edits_a_point_of_the_copy(copy, college, login):
    point = Point.objects.get(element__project__framework=copy, number="1.1.1")
    response = login(college.users["quality"]).post(f"/frameworks/points/{point.pk}/edit/", {
        "name": "质量目标", "requirement": "改过的要求", "applicability": "*", "tasks": "唯一任务｜督导处"})
    assert response.status_code == 302
    point.refresh_from_db()
    assert (point.name, point.requirement, point.applicability) == ("质量目标", "改过的要求", "*")
    assert [t.content for t in point.tasks.all()] == ["唯一任务"]


def test_a_bad_point_number_is_shown_on_the_form(copy, college, login):
    element = copy.projects.get(number="1").elements.get(number="1.2")
    response = login(college.users["quality"]).post(f"/frameworks/{copy.pk}/edit/", {
        "action": "point", "point-element": element.pk, "point-number": "9.9.9", "point-name": "x"})
    assert response.status_code == 400
    assert "不一致" in response.content.decode()
    assert not Point.objects.filter(name="x").exists()


@pytest.mark.parametrize("who", ["teacher", "leader", "head", "supervisor", "steward"])
def test_everyone_else_of_the_college_gets_403_on_the_edit_pages(copy, college, login, who):
    client = login(college.users[who])
    point = Point.objects.filter(element__project__framework=copy).first()
    assert client.get(f"/frameworks/{copy.pk}/").status_code == 200         # they may read it
    assert client.get(f"/frameworks/{copy.pk}/edit/").status_code == 403
    rename = {"action": "framework", "name": "改名"}
    assert client.post(f"/frameworks/{copy.pk}/edit/", rename).status_code == 403
    assert client.get(f"/frameworks/points/{point.pk}/edit/").status_code == 403
    copy.refresh_from_db()
    assert copy.name != "改名"


def test_quality_office_may_not_edit_a_builtin(mini, college, login):
    client = login(college.users["quality"])
    assert client.get(f"/frameworks/{mini.pk}/").status_code == 200
    assert client.get(f"/frameworks/{mini.pk}/edit/").status_code == 403


@pytest.mark.parametrize("who", ["quality", "leader", "teacher"])
def test_the_other_college_gets_404_on_the_copy_and_its_points(copy, college, other, login, who):
    client = login(other.users[who])
    point = Point.objects.filter(element__project__framework=copy).first()
    for url in (f"/frameworks/{copy.pk}/", f"/frameworks/{copy.pk}/edit/", f"/frameworks/{copy.pk}/export/",
                f"/frameworks/points/{point.pk}/", f"/frameworks/points/{point.pk}/edit/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/frameworks/{copy.pk}/adopt/").status_code in (403, 404)
    assert adopted_framework(other.institution) is None


def test_the_other_college_still_sees_the_builtin(mini, copy, other, login):
    client = login(other.users["teacher"])
    assert client.get(f"/frameworks/{mini.pk}/").status_code == 200
    page = client.get("/frameworks/").content.decode()
    assert f'href="/frameworks/{mini.pk}/"' in page
    assert f'href="/frameworks/{copy.pk}/"' not in page
    assert "本校还没有采用诊断项目表：请质管办从下方内置表中选择并采用" in page
