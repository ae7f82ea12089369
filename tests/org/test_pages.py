"""What the pages do: edits that change things, forms that keep people in their scope, lists, detail blocks,
and the 五纵 page."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.org.helpers import audit_of
from zhengai.core.models import AuditEntry
from zhengai.org.models import Course, Major, Teacher, Unit, VerticalSystem


def options(page: str, name: str) -> set[str]:
    """The values offered by the <select name=…> of a page."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return {v for v in re.findall(r'<option value="([^"]*)"', select) if v}


def major_data(unit: Unit, **changes) -> dict:
    return {"code": "510202", "name": "大数据技术", "unit": unit.pk, "key_level": "", "years": 3, **changes}


def test_unit_head_edits_own_major_and_is_refused_anothers(college, login):
    client = login(college.users["head"])
    soft, mech = college.majors["soft"], college.majors["mech"]
    response = client.post(reverse("org:major_edit", args=[soft.pk]),
                           major_data(college.units["it"], code=soft.code, name="软件技术（新）"))
    assert response.status_code == 302
    soft.refresh_from_db()
    assert soft.name == "软件技术（新）"
    entry = audit_of(soft).get(action="update")
    assert entry.actor == college.users["head"] and entry.changes["name"] == ["软件技术", "软件技术（新）"]
    response = client.post(reverse("org:major_edit", args=[mech.pk]),
                           major_data(college.units["mech"], code=mech.code, name="被改名"))
    assert response.status_code == 403
    mech.refresh_from_db()
    assert mech.name == "机械设计与制造"


def test_unit_head_form_offers_only_own_units_and_refuses_others(college, login):
    client = login(college.users["head"])
    page = client.get(reverse("org:major_add")).content.decode()
    assert options(page, "unit") == {str(college.units["it"].pk), str(college.units["it_office"].pk)}
    response = client.post(reverse("org:major_add"), major_data(college.units["mech"]))
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not Major.objects.filter(code="510202").exists()
    response = client.post(reverse("org:major_add"), major_data(college.units["it"]))
    assert response.status_code == 302
    assert Major.objects.get(code="510202").unit == college.units["it"]


def test_quality_office_may_place_anywhere(college, login):
    page = login(college.users["quality"]).get(reverse("org:major_add")).content.decode()
    assert options(page, "unit") == {str(u.pk) for u in college.units.values()}


def test_teacher_edits_own_record_but_cannot_move_rekey_or_self_certify(college, login):
    client = login(college.users["teacher"])
    t1 = college.teachers["t1"]
    page = client.get(reverse("org:teacher_edit", args=[t1.pk])).content.decode()
    assert re.search(r'<select name="unit"[^>]*disabled', page)
    data = {"code": "HACK", "name": "张老师（改）", "unit": college.units["mech"].pk, "kind": "full_time",
            "gender": "M", "birth_year": 1985, "title": "associate", "degree": "doctor",
            "dual_qualified": "on"}
    assert client.post(reverse("org:teacher_edit", args=[t1.pk]), data).status_code == 302
    t1.refresh_from_db()
    # Personal fields change; what the school verifies (name, title, degree, 双师) and places (unit, code) stays.
    assert (t1.gender, t1.birth_year) == ("M", 1985)
    assert (t1.name, t1.degree, t1.title, t1.dual_qualified) == ("张老师", "master", "associate", True)
    assert (t1.unit, t1.code) == (college.units["it"], "T001")
    t2 = college.teachers["t2"]
    assert client.post(reverse("org:teacher_edit", args=[t2.pk]), {**data, "code": "T002"}).status_code == 403
    t2.refresh_from_db()
    assert t2.name == "李老师"


def test_service_errors_show_on_the_form(college, login):
    client = login(college.users["quality"])
    s1 = college.students["s1"]
    data = {"code": s1.code, "name": s1.name, "major": college.majors["soft"].pk,
            "klass": college.classes["mech1"].pk, "cohort": 2024, "status": "enrolled"}
    response = client.post(reverse("org:student_edit", args=[s1.pk]), data)
    assert response.status_code == 200
    assert "班级“机械2401”不属于专业“软件技术”" in response.content.decode()
    s1.refresh_from_db()
    assert s1.klass == college.classes["soft1"]


def test_saving_an_unchanged_form_writes_no_audit_entry(college, login):
    client = login(college.users["quality"])
    soft = college.majors["soft"]
    before = AuditEntry.objects.count()
    response = client.post(reverse("org:major_edit", args=[soft.pk]),
                           major_data(college.units["it"], code=soft.code, name=soft.name))
    assert response.status_code == 302 and AuditEntry.objects.count() == before


def test_course_form_saves_many_to_many(college, login):
    client = login(college.users["head"])
    java = college.courses["java"]
    data = {"code": "C001", "name": "Java程序设计", "unit": college.units["it"].pk, "course_type": "B",
            "hours": 64, "practice_hours": 32, "teachers": [college.teachers["t1"].pk],
            "majors": [college.majors["soft"].pk, college.majors["mech"].pk]}
    assert client.post(reverse("org:course_edit", args=[java.pk]), data).status_code == 302
    assert set(java.majors.values_list("code", flat=True)) == {"510201", "460104"}
    response = client.post(reverse("org:course_edit", args=[java.pk]), {**data, "practice_hours": 80})
    assert "实践学时不能大于总学时" in response.content.decode()


def test_retired_rows_are_hidden_unless_asked_for(college, login):
    client = login(college.users["quality"])
    mech = college.majors["mech"]
    client.post(reverse("org:major_retire", args=[mech.pk]), {"active": "0"})
    detail = reverse("org:major_detail", args=[mech.pk])
    assert detail not in client.get(reverse("org:major_list")).content.decode()
    page = client.get(reverse("org:major_list"), {"inactive": "on"}).content.decode()
    assert detail in page and "已停用" in page
    assert "已停用" in client.get(detail).content.decode()


def test_list_search_and_filters(college, login):
    client = login(college.users["quality"])

    def listed(kind, **params):
        page = client.get(reverse(f"org:{kind}_list"), params).content.decode()
        return set(re.findall(r'/org/\w+/(\d+)/"', page))

    assert listed("major", q="软件") == {str(college.majors["soft"].pk)}
    assert listed("major", q="460104") == {str(college.majors["mech"].pk)}
    assert listed("teacher", unit=college.units["mech"].pk) == {str(college.teachers["t2"].pk)}
    assert listed("course", major=college.majors["soft"].pk) == {str(college.courses["java"].pk)}
    assert listed("klass", major__unit=college.units["it"].pk) == {str(college.classes["soft1"].pk)}
    assert listed("unit", parent=college.units["it"].pk) == {str(college.units["it_office"].pk)}


def test_filter_choices_come_from_the_own_college(college, other, login):
    page = login(college.users["quality"]).get(reverse("org:teacher_list")).content.decode()
    assert options(page, "unit") == {str(u.pk) for u in college.units.values()}


def test_unit_detail_shows_its_structure(college, objs, login):
    page = login(college.users["teacher"]).get(reverse("org:unit_detail", args=[college.units["it"].pk]))
    text = page.content.decode()
    for title in ("所属纵向系统", "下级部门", "部门职责 · 系统内", "部门职责 · 系统外", "岗位", "专业",
                  "教师"):
        assert title in text
    assert "软件教研室" in text and "信息工程学院的教学管理职责" in text and "软件技术" in text
    assert "学生 " not in text  # a teacher sees no students, so none are counted for them
    text = login(college.users["quality"]).get(reverse("org:unit_detail", args=[college.units["it"].pk]))
    assert "学生 1 人" in text.content.decode()


def test_class_detail_lists_students_only_to_those_who_may_see_them(college, login):
    url = reverse("org:klass_detail", args=[college.classes["soft1"].pk])
    page = login(college.users["counsellor"]).get(url).content.decode()
    assert "<h2>学生" in page and "王同学" in page
    page = login(college.users["teacher"]).get(url).content.decode()
    assert "<h2>学生" not in page and "王同学" not in page


def test_related_blocks_of_major_course_teacher_post_group(college, objs, login):
    client = login(college.users["quality"])

    def page(kind, obj):
        return client.get(reverse(f"org:{kind}_detail", args=[obj.pk])).content.decode()

    major, course = page("major", college.majors["soft"]), page("course", college.courses["java"])
    assert "软件2401" in major and "Java程序设计" in major
    assert "张老师" in course and "软件技术" in course
    assert "Java程序设计" in page("teacher", college.teachers["t1"])
    assert "排课与调课" in page("post", objs["post"]) and "每学期开学前两周完成" in page("post", objs["post"])
    assert "组长甲" in page("qagroup", objs["qagroup"])
    assert "信息工程学院" in page("system", objs["system"])


def test_systems_page_shows_systems_units_and_gaps(college, other, login):
    page = login(college.users["teacher"]).get(reverse("org:systems")).content.decode()
    quality = page[page.index('id="system-quality"'):page.index('id="system-supervision"')]
    assert "信息工程学院" in quality and "机械工程学院" in quality
    gaps = page[page.index("未归入纵向系统的部门"):page.index("部门结构")]
    assert "质量管理办公室" in gaps and "软件教研室" not in gaps
    assert reverse("org:systems_apply") not in page  # only the quality office applies a set
    other_unit = reverse("org:unit_detail", args=[other.units["it"].pk])
    assert other_unit not in page


def test_quality_office_applies_a_system_set_idempotently(college, login):
    client = login(college.users["quality"])
    assert reverse("org:systems_apply") in client.get(reverse("org:systems")).content.decode()
    response = client.post(reverse("org:systems_apply"), {"set": "default"}, follow=True)
    assert "新增3个" in response.content.decode()
    active = VerticalSystem.objects.filter(institution=college.institution, active=True)
    assert list(active.values_list("name", flat=True)) == [
        "决策指挥系统", "质量生成系统", "资源建设系统", "支持服务系统", "监督控制系统"]
    before = AuditEntry.objects.count()
    response = client.post(reverse("org:systems_apply"), {"set": "default"}, follow=True)
    assert "新增0个，更新0个，未变5个" in response.content.decode() and AuditEntry.objects.count() == before
    client.post(reverse("org:systems_apply"), {"set": "seed000"})
    assert set(active.values_list("name", flat=True)) == {
        "决策指挥系统", "质量生成系统", "资源服务系统", "支持服务系统", "评价改进系统"}


def test_only_the_quality_office_applies_a_set(college, login):
    for who in ("steward", "head", "teacher", "leader"):
        response = login(college.users[who]).post(reverse("org:systems_apply"), {"set": "default"})
        assert response.status_code == 403
    assert VerticalSystem.objects.filter(institution=college.institution).count() == 2


def test_unit_list_links_to_the_systems_page(college, login):
    page = login(college.users["teacher"]).get(reverse("org:unit_list")).content.decode()
    assert reverse("org:systems") in page


def test_empty_list_says_what_to_do(college, login):
    Course.objects.filter(institution=college.institution).update(active=False)
    page = login(college.users["head"]).get(reverse("org:course_list")).content.decode()
    assert "还没有课程" in page and reverse("org:course_import") in page
    Teacher.objects.filter(institution=college.institution).update(active=False)
    page = login(college.users["student"]).get(reverse("org:teacher_list")).content.decode()
    assert "请联系质管办或数据管理员" in page


def test_list_pages_do_not_query_row_by_row(college, objs, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhengai.org import services

    client = login(college.users["quality"])

    def queries(kind: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"org:{kind}_list")).status_code == 200
        return len(captured)

    before = {kind: queries(kind) for kind in ("unit", "teacher", "workitem", "student")}
    inst, systems = college.institution, list(VerticalSystem.objects.filter(institution=college.institution))
    for i in range(5):
        unit = services.unit_create(actor=None, institution=inst, code=f"X{i}", name=f"新部门{i}",
                                    kind="office", parent=college.units["it"], systems=systems)[0]
        services.teacher_create(actor=None, institution=inst, code=f"XT{i}", name=f"新教师{i}", unit=unit)
        services.workitem_create(actor=None, institution=inst, post=objs["post"], content=f"工作{i}",
                                 standard="标准")
        services.student_create(actor=None, institution=inst, code=f"XS{i}", name=f"新同学{i}",
                                major=college.majors["soft"], klass=college.classes["soft1"], cohort=2024)
    assert {kind: queries(kind) for kind in before} == before
