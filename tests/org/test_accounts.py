"""账号与角色: who may manage accounts and roles, every rule of the services, bulk opening, and the audit."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.org.helpers import audit_of
from tests.personas import PASSWORD
from zhengai.core.choices import Role
from zhengai.core.models import AuditEntry, Membership, User
from zhengai.core.services import institution_create, membership_grant, set_active, user_create
from zhengai.core.spreadsheets import read_rows
from zhengai.org import accounts
from zhengai.org.models import Major, Student, Teacher

PEOPLE = ["leader", "quality", "steward", "head", "major_leader", "course_leader", "teacher", "counsellor",
          "student", "supervisor", "expert"]
NEW_PASSWORD = "Zhi-liang-2025"


def refused(call, **kwargs) -> list[str]:
    """The Chinese messages a service refuses with (all of them, whatever field they concern)."""
    with pytest.raises(ValidationError) as info:
        call(**kwargs)
    return info.value.messages


def grant(college, user, role, code=None):
    return accounts.role_grant(actor=college.users["quality"], institution=college.institution, user=user,
                               role=role, scope_code=code)


def membership(college, key, role):
    return Membership.objects.get(user=college.users[key], institution=college.institution, role=role)


def page_urls(college) -> dict[str, str]:
    account = college.users["teacher"]
    own = membership(college, "teacher", Role.TEACHER)
    return {
        "list": reverse("org:account_list"),
        "add": reverse("org:account_add"),
        "bulk": reverse("org:account_bulk"),
        "detail": reverse("org:account_detail", args=[account.pk]),
        "grant": reverse("org:account_grant", args=[account.pk]),
        "password": reverse("org:account_password", args=[account.pk]),
        "revoke": reverse("org:account_revoke", args=[account.pk, own.pk]),
        "export": reverse("org:account_bulk_export"),
    }


POSTS = {"grant", "password", "revoke", "export"}


def visit(client, urls: dict[str, str]) -> dict[str, int]:
    data = {"grant": {"role": Role.SUPERVISOR}, "password": {"password": NEW_PASSWORD},
            "bulk": {"kind": "teacher", "codes": "T002"}, "export": {"code": "T002"}}
    seen = {}
    for name, url in urls.items():
        seen[name] = client.get(url).status_code
        if name in POSTS or name in {"bulk", "add"}:
            seen[f"{name} (post)"] = client.post(url, data.get(name, {})).status_code
    return seen


# ---- who may and who may not ------------------------------------------------------------------------

@pytest.mark.parametrize("who", [p for p in PEOPLE if p != "quality"])
def test_every_other_role_gets_403_and_changes_nothing(college, login, who):
    client = login(college.users[who])
    teacher = college.users["teacher"]
    before = (Membership.objects.filter(active=True).count(), User.objects.count(), teacher.password)
    seen = visit(client, page_urls(college))
    assert set(seen.values()) == {403}, seen
    teacher.refresh_from_db()
    assert (Membership.objects.filter(active=True).count(), User.objects.count(), teacher.password) == before


def test_the_quality_office_reaches_every_page(college, login):
    client = login(college.users["quality"])
    urls = page_urls(college)
    seen = {name: client.get(url).status_code for name, url in urls.items() if name not in POSTS}
    assert seen == {"list": 200, "add": 200, "bulk": 200, "detail": 200}
    for name in POSTS:
        assert client.get(urls[name]).status_code == 405


def test_a_superuser_reaches_the_pages(college, login):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client = login(root)
    response = client.get(reverse("org:account_list"))
    assert response.status_code == 200 and "teacher" in response.content.decode()
    assert client.get(reverse("org:account_detail", args=[college.users["teacher"].pk])).status_code == 200


def test_anonymous_is_sent_to_login(college, client):
    response = client.get(reverse("org:account_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_colleges_quality_office_gets_404_on_this_colleges_accounts(college, other, login):
    client = login(other.users["quality"])
    urls = page_urls(college)
    for name in ("detail", "grant", "password", "revoke"):
        status = client.get(urls[name]).status_code if name == "detail" else client.post(urls[name]).status_code
        assert status == 404, name
    listing = client.get(reverse("org:account_list")).content.decode()
    assert "x_teacher" in listing and ">teacher<" not in listing
    # Nor through an own account's URL with this college's membership.
    theirs = other.users["teacher"]
    mine = membership(college, "teacher", Role.TEACHER)
    assert client.post(reverse("org:account_revoke", args=[theirs.pk, mine.pk])).status_code == 404
    assert mine.active and Membership.objects.get(pk=mine.pk).active


def test_a_member_of_both_colleges_is_managed_by_each_office_for_its_own_roles_only(college, other, login):
    both = college.users["supervisor"]
    membership_grant(user=both, institution=other.institution, role=Role.EXPERT)
    client = login(other.users["quality"])
    page = client.get(reverse("org:account_detail", args=[both.pk])).content.decode()
    roles = page.split('id="memberships"')[1].split("</table>")[0]
    assert "复核专家" in roles and "督导" not in roles
    assert "请联系平台管理员重置密码" in page
    theirs = membership(college, "supervisor", Role.SUPERVISOR)
    assert client.post(reverse("org:account_revoke", args=[both.pk, theirs.pk])).status_code == 404


# ---- the list ---------------------------------------------------------------------------------------

def test_the_list_shows_roles_with_their_scope_and_filters_by_search_and_role(college, login):
    client = login(college.users["quality"])
    page = client.get(reverse("org:account_list")).content.decode()
    assert "专业带头人 · 软件技术（510201）" in page and "部门负责人 · 信息工程学院（U01）" in page
    assert "共 12 个账号" in page
    found = client.get(reverse("org:account_list"), {"q": "软件专业"}).content.decode()
    assert ">major_leader<" in found and ">course_leader<" not in found and "共 1 个账号" in found
    by_role = client.get(reverse("org:account_list"), {"role": Role.COUNSELLOR}).content.decode()
    assert "辅导员 · 软件2401（K2401）" in by_role and "共 1 个账号" in by_role
    empty = client.get(reverse("org:account_list"), {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的账号" in empty


def test_the_list_is_paginated_and_a_revoked_account_stays_listed(college, login):
    office = college.users["quality"]
    for i in range(20):
        accounts.account_create(actor=office, institution=college.institution, username=f"p{i:02}",
                                name=f"督导{i}", password=NEW_PASSWORD, role=Role.SUPERVISOR)
    accounts.role_revoke(actor=office, membership=membership(college, "expert", Role.EXPERT))
    client = login(office)
    first = client.get(reverse("org:account_list")).content.decode()
    assert "共 32 个账号" in first and "第 1 / 2 页" in first
    second = client.get(reverse("org:account_list"), {"page": 2}).content.decode()
    assert ">teacher<" in second and ">p00<" not in second
    revoked = client.get(reverse("org:account_list"), {"q": "expert"}).content.decode()
    assert ">expert<" in revoked and "无有效角色" in revoked


def test_the_list_costs_the_same_queries_however_many_accounts(college, login):
    client = login(college.users["quality"])
    url = reverse("org:account_list")
    client.get(url)  # content types and the like are cached after the first page

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for key in ("s2", "t2"):
        record = college.students.get(key) or college.teachers[key]
        accounts.account_create(actor=None, institution=college.institution, username=f"new_{key}", name=key,
                                password=NEW_PASSWORD, role=Role.STUDENT if key == "s2" else Role.TEACHER,
                                scope_code=record.code)
    assert queries() == few


def test_an_empty_college_says_what_to_do(db, login):
    institution_create(code="00001", name="新建职业学院")
    client = login(User.objects.create_superuser("root", password=PASSWORD))
    page = client.get(reverse("org:account_list")).content.decode()
    assert "本院校还没有账号" in page and reverse("org:account_bulk") in page


# ---- adding an account ------------------------------------------------------------------------------

def test_add_creates_the_account_with_its_first_role(college, login):
    client = login(college.users["quality"])
    response = client.post(reverse("org:account_add"), {
        "username": "wang.ml", "name": "王主任", "password": NEW_PASSWORD, "role": Role.MAJOR_LEADER,
        "scope_code": "460104"})
    user = User.objects.get(username="wang.ml")
    assert response.status_code == 302 and response["Location"] == reverse("org:account_detail", args=[user.pk])
    held = Membership.objects.get(user=user)
    assert (held.role, held.scope, held.institution) == (Role.MAJOR_LEADER, college.majors["mech"],
                                                         college.institution)
    assert user.check_password(NEW_PASSWORD) and user.name == "王主任"


def test_add_keeps_what_was_typed_and_says_every_problem(college, login):
    client = login(college.users["quality"])
    typed = {"username": "Teacher", "name": "新人", "password": "Qz7-typed-pass", "role": Role.MAJOR_LEADER,
             "scope_code": "999999"}
    response = client.post(reverse("org:account_add"), typed)
    page = response.content.decode()
    assert response.status_code == 400
    assert "账号“Teacher”不可用，请换一个，如“Teacher.10001”" in page and "本院校没有专业代码为“999999”的专业" in page
    for value in ("Teacher", "新人", "Qz7-typed-pass", "999999", f'value="{Role.MAJOR_LEADER}" selected'):
        assert value in page
    assert not User.objects.filter(name="新人").exists()


# ---- granting: the scope must exist in this college and fit the role --------------------------------

def test_duplicate_username_is_refused_whatever_its_case(college):
    office = college.users["quality"]
    assert refused(accounts.account_create, actor=office, institution=college.institution, username="LEADER",
                   name="x", password=NEW_PASSWORD) == ["账号“LEADER”不可用，请换一个，如“LEADER.10001”"]


def test_a_username_of_another_college_is_refused_in_the_same_words_as_one_of_this_college(college, other):
    """Opening an account must not tell this college's office which usernames another college has."""
    office, inst = college.users["quality"], college.institution

    def message(username: str) -> str:
        (found,) = refused(accounts.account_create, actor=office, institution=inst, username=username,
                           name="x", password=NEW_PASSWORD)
        return found.replace(username, "NAME")

    assert message("x_teacher") == message("teacher") == "账号“NAME”不可用，请换一个，如“NAME.10001”"
    for text in (message("x_teacher"), message("teacher")):
        assert "已存在" not in text and "已被使用" not in text and "另一所" not in text
    user_create(username="x_teacher.10001", name="x", password=NEW_PASSWORD)
    assert message("x_teacher") == "账号“NAME”不可用，请换一个，如“NAME.10001.2”"
    suggested = accounts.free_username("x_teacher", inst)
    assert accounts.account_create(actor=office, institution=inst, username=suggested, name="新人",
                                   password=NEW_PASSWORD, role=Role.SUPERVISOR).username == suggested


def test_bulk_gives_another_name_when_the_code_is_an_account_of_another_college(college, other, newcomers):
    office, inst = college.users["quality"], college.institution
    user_create(username="t003", name="别校的账号", password=NEW_PASSWORD)
    membership_grant(actor=None, user=User.objects.get(username="t003"), institution=other.institution,
                     role=Role.TEACHER)
    result = accounts.accounts_for_teachers(actor=office, institution=inst, teacher_codes=["T003", "T005"])
    assert [(o.code, o.username) for o in result.opened] == [("T003", "T003.10001"), ("T005", "T005")]
    newcomers[0].refresh_from_db()
    assert newcomers[0].user.username == "T003.10001"
    assert User.objects.get(username="t003").name == "别校的账号"  # untouched


def test_a_weak_password_is_refused(college):
    messages = refused(accounts.account_create, actor=None, institution=college.institution, username="n1",
                       name="x", password="123")
    assert messages == ["密码太短，至少需要8个字符", "这个密码太常见了。"]
    assert not User.objects.filter(username="n1").exists()


def test_the_scope_code_must_exist_in_this_college(college, other):
    Major.objects.create(institution=other.institution, code="590101", name="别校专业", unit=other.units["it"])
    user = college.users["supervisor"]
    assert refused(grant, college=college, user=user, role=Role.MAJOR_LEADER, code="590101") == [
        "本院校没有专业代码为“590101”的专业"]
    assert not Membership.objects.filter(user=user, role=Role.MAJOR_LEADER).exists()


@pytest.mark.parametrize(("role", "code", "message"), [
    (Role.MAJOR_LEADER, "U01", "本院校没有专业代码为“U01”的专业"),
    (Role.UNIT_HEAD, "510201", "本院校没有部门代码为“510201”的部门"),
    (Role.COURSE_LEADER, "K2401", "本院校没有课程代码为“K2401”的课程"),
    (Role.COUNSELLOR, "C001", "本院校没有班级代码为“C001”的班级"),
    (Role.TEACHER, "S002", "本院校没有工号为“S002”的教师"),
    (Role.STUDENT, "T002", "本院校没有学号为“T002”的学生"),
    (Role.MAJOR_LEADER, "", "“专业带头人”需要范围代码：填写专业代码（本院校的专业）"),
    (Role.SCHOOL_LEADER, "U01", "“校领导”是全校范围的角色，不需要范围代码"),
    (Role.QUALITY_OFFICE, "510201", "“质管办”是全校范围的角色，不需要范围代码"),
    ("rector", "", "请选择有效的角色"),
])
def test_the_scope_must_fit_the_role(college, role, code, message):
    assert refused(grant, college=college, user=college.users["supervisor"], role=role, code=code) == [message]


def test_each_scoped_role_finds_its_object_by_code(college):
    user = college.users["supervisor"]
    wanted = {Role.UNIT_HEAD: ("U02", college.units["mech"]),
              Role.MAJOR_LEADER: ("460104", college.majors["mech"]),
              Role.COURSE_LEADER: ("C002", college.courses["cad"]),
              Role.COUNSELLOR: ("K2402", college.classes["mech1"]),
              Role.TEACHER: ("T002", college.teachers["t2"]),
              Role.STUDENT: ("S002", college.students["s2"])}
    for role, (code, obj) in wanted.items():
        assert grant(college, user, role, code).scope == obj
    assert grant(college, user, Role.SCHOOL_LEADER).scope is None


def test_a_retired_scope_cannot_be_granted(college):
    set_active(actor=None, obj=college.majors["mech"], active=False)
    assert refused(grant, college=college, user=college.users["supervisor"], role=Role.MAJOR_LEADER,
                   code="460104") == ["专业“机械设计与制造”已停用，不能再授予角色"]


def test_a_role_already_held_is_refused_and_a_revoked_one_comes_back_as_the_same_row(college):
    user, office = college.users["major_leader"], college.users["quality"]
    assert refused(grant, college=college, user=user, role=Role.MAJOR_LEADER, code="510201") == [
        "该账号已有角色“专业带头人 · 软件技术（510201）”"]
    held = membership(college, "major_leader", Role.MAJOR_LEADER)
    accounts.role_revoke(actor=office, membership=held)
    assert grant(college, user, Role.MAJOR_LEADER, "510201").pk == held.pk
    held.refresh_from_db()
    assert held.active
    assert [e.action for e in audit_of(held)] == ["restore", "retire", "create"]


def test_the_teacher_role_links_the_teacher_record_and_revoking_unlinks_it(college):
    account = user_create(username="t2", name="李老师", password=NEW_PASSWORD)
    t2 = college.teachers["t2"]
    held = grant(college, account, Role.TEACHER, "T002")
    t2.refresh_from_db()
    assert t2.user == account
    assert audit_of(t2).first().changes == {"user": [None, f"李老师（#{account.pk}）"]}
    accounts.role_revoke(actor=college.users["quality"], membership=held)
    t2.refresh_from_db()
    assert t2.user is None


def test_the_student_role_links_the_student_record(college):
    account = user_create(username="s2", name="赵同学", password=NEW_PASSWORD)
    grant(college, account, Role.STUDENT, "S002")
    assert Student.objects.get(pk=college.students["s2"].pk).user == account


def test_a_record_has_one_account_and_an_account_one_record(college):
    stranger = user_create(username="someone", name="某人", password=NEW_PASSWORD)
    assert refused(grant, college=college, user=stranger, role=Role.TEACHER, code="T001") == [
        "教师“张老师”已关联账号“teacher”"]
    assert refused(grant, college=college, user=college.users["teacher"], role=Role.TEACHER, code="T002") == [
        "该账号已关联另一条教师记录，一个账号只能对应一名教师"]
    assert Teacher.objects.get(code="T002", institution=college.institution).user is None
    assert not Membership.objects.filter(user=stranger).exists()


# ---- revoking --------------------------------------------------------------------------------------

def test_the_last_quality_office_cannot_be_revoked(college, login):
    office = college.users["quality"]
    last = membership(college, "quality", Role.QUALITY_OFFICE)
    assert refused(accounts.role_revoke, actor=office, membership=last) == [
        "这是本院校最后一个有效的质管办角色，不能撤销：请先把质管办角色授予另一个账号"]
    response = login(office).post(reverse("org:account_revoke", args=[office.pk, last.pk]), follow=True)
    assert "最后一个有效的质管办角色" in response.content.decode()
    last.refresh_from_db()
    assert last.active
    # Another college's office does not count, a second one here does.
    grant(college, college.users["leader"], Role.QUALITY_OFFICE)
    accounts.role_revoke(actor=office, membership=last)
    last.refresh_from_db()
    assert not last.active


def test_a_revoked_role_no_longer_grants_access(college, objs, login):
    head, office = college.users["head"], college.users["quality"]
    grant(college, head, Role.SUPERVISOR)  # still a member of the college, so what they may not do is 403
    edit = reverse("org:major_edit", args=[objs["major"].pk])
    assert login(head).get(edit).status_code == 200
    role = membership(college, "head", Role.UNIT_HEAD)
    client = login(office)
    assert client.post(reverse("org:account_revoke", args=[head.pk, role.pk])).status_code == 302
    role.refresh_from_db()
    assert not role.active
    assert login(head).get(edit).status_code == 403
    assert login(head).post(edit, {"code": "510201", "name": "改名", "unit": objs["unit"].pk,
                                   "years": 3}).status_code == 403


def test_a_revoked_teacher_no_longer_edits_their_own_record(college, login):
    teacher, office = college.users["teacher"], college.users["quality"]
    grant(college, teacher, Role.SUPERVISOR)
    edit = reverse("org:teacher_edit", args=[college.teachers["t1"].pk])
    assert login(teacher).get(edit).status_code == 200
    accounts.role_revoke(actor=office, membership=membership(college, "teacher", Role.TEACHER))
    assert login(teacher).get(edit).status_code == 403


def test_grant_and_revoke_through_the_pages(college, login):
    client = login(college.users["quality"])
    account = college.users["supervisor"]
    url = reverse("org:account_grant", args=[account.pk])
    response = client.post(url, {"role": Role.COURSE_LEADER, "scope_code": "C404"})
    assert response.status_code == 400 and "本院校没有课程代码为“C404”的课程" in response.content.decode()
    assert 'value="C404"' in response.content.decode()
    assert client.post(url, {"role": Role.COURSE_LEADER, "scope_code": "C002"}).status_code == 302
    held = Membership.objects.get(user=account, role=Role.COURSE_LEADER)
    assert held.scope == college.courses["cad"]
    page = client.get(reverse("org:account_detail", args=[account.pk])).content.decode()
    assert "课程负责人 · 机械制图（C002）" in page and reverse("org:account_revoke", args=[account.pk, held.pk]) in page
    assert client.post(reverse("org:account_revoke", args=[account.pk, held.pk])).status_code == 302
    held.refresh_from_db()
    assert not held.active


def test_a_membership_of_another_account_cannot_be_revoked_through_this_ones_url(college, login):
    client = login(college.users["quality"])
    theirs = membership(college, "leader", Role.SCHOOL_LEADER)
    url = reverse("org:account_revoke", args=[college.users["supervisor"].pk, theirs.pk])
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.active


# ---- passwords and the audit ------------------------------------------------------------------------

def _trail_text() -> str:
    return json.dumps([[e.object_repr, e.changes, e.note] for e in AuditEntry.objects.all()], ensure_ascii=False)


def test_password_reset_works_and_is_audited_without_the_password(college, login):
    client = login(college.users["quality"])
    account = college.users["student"]
    assert client.post(reverse("org:account_password", args=[account.pk]), {"password": NEW_PASSWORD}
                       ).status_code == 302
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    entry = audit_of(account).get()
    assert (entry.action, entry.actor, entry.institution, entry.note) == (
        "update", college.users["quality"], college.institution, "重置密码")
    assert entry.changes == {"password": ["（原密码）", "（已重置）"]}
    assert NEW_PASSWORD not in _trail_text() and account.password not in _trail_text()


def test_a_short_password_is_refused_on_the_page(college, login):
    client = login(college.users["quality"])
    account = college.users["student"]
    response = client.post(reverse("org:account_password", args=[account.pk]), {"password": "abc"})
    assert response.status_code == 400 and "密码太短，至少需要8个字符" in response.content.decode()
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


def test_an_account_of_several_colleges_is_not_reset_by_one_of_them(college, other):
    both = college.users["supervisor"]
    membership_grant(user=both, institution=other.institution, role=Role.EXPERT)
    assert refused(accounts.password_reset, actor=college.users["quality"], institution=college.institution,
                   user=both, password=NEW_PASSWORD) == ["该账号也属于其他院校或是平台管理员，请联系平台管理员重置密码"]
    both.refresh_from_db()
    assert both.check_password(PASSWORD)


def test_account_creation_and_roles_are_audited_without_passwords(college):
    office = college.users["quality"]
    user = accounts.account_create(actor=office, institution=college.institution, username="audited",
                                   name="审计", password=NEW_PASSWORD, role=Role.TEACHER, scope_code="T002")
    created = audit_of(user).get()
    assert (created.action, created.institution, created.actor) == ("create", college.institution, office)
    assert created.changes == {"name": [None, "审计"], "username": [None, "audited"]}
    assert audit_of(Membership.objects.get(user=user)).get().action == "create"
    text = _trail_text()
    assert NEW_PASSWORD not in text and user.password not in text and "md5$" not in text


# ---- bulk opening -----------------------------------------------------------------------------------

@pytest.fixture
def newcomers(college) -> list[Teacher]:
    """Three teachers without accounts: two in 信息工程学院 (one in its teaching office), one in 机械."""
    inst, units = college.institution, college.units
    return [Teacher.objects.create(institution=inst, code=code, name=name, unit=units[unit])
            for code, name, unit in (("T003", "周老师", "it"), ("T004", "吴老师", "it_office"),
                                     ("T005", "郑老师", "mech"))]


def test_bulk_opens_a_units_teachers_and_a_second_run_opens_nothing(college, newcomers):
    office, unit = college.users["quality"], college.units["it"]
    result = accounts.accounts_for_teachers(actor=office, institution=college.institution, teacher_codes=None,
                                            unit=unit)
    assert [(o.code, o.username) for o in result.opened] == [("T003", "T003"), ("T004", "T004")]
    assert result.already == 1  # 张老师 has the persona's account
    for opened, teacher in zip(result.opened, newcomers[:2], strict=True):
        teacher.refresh_from_db()
        assert teacher.user.username == opened.code and teacher.user.name == teacher.name
        assert teacher.user.check_password(opened.password) and len(opened.password) == 10
        held = Membership.objects.get(user=teacher.user)
        assert (held.role, held.scope, held.active) == (Role.TEACHER, teacher, True)
    users, entries = User.objects.count(), AuditEntry.objects.count()
    again = accounts.accounts_for_teachers(actor=office, institution=college.institution, teacher_codes=None,
                                           unit=unit)
    assert again.opened == [] and again.already == 3
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, entries)
    text = _trail_text()
    assert not any(o.password in text for o in result.opened)


def test_bulk_by_codes_is_all_or_nothing(college, other, newcomers):
    office, inst = college.users["quality"], college.institution
    Teacher.objects.create(institution=other.institution, code="T777", name="别校老师", unit=other.units["it"])
    set_active(actor=None, obj=newcomers[2], active=False)
    t004 = user_create(username="t004", name="先建的账号", password=NEW_PASSWORD)
    membership_grant(actor=None, user=t004, institution=inst, role=Role.SUPERVISOR)  # visible to this office
    users = User.objects.count()
    messages = refused(accounts.accounts_for_teachers, actor=office, institution=inst,
                       teacher_codes=["T003", "T004", "T005", "T777", "T003"])
    assert messages == ["本院校没有工号为“T777”的教师", "教师“郑老师”已停用",
                        "账号“T004”已存在但未关联吴老师：请在该账号页面授予“教师”角色，或为此人另建账号"]
    assert User.objects.count() == users
    assert not Teacher.objects.filter(code="T003", institution=inst, user__isnull=False).exists()


def test_bulk_refuses_more_than_one_request_can_hash(college, newcomers, monkeypatch):
    monkeypatch.setattr(accounts, "BULK_LIMIT", 1)
    assert refused(accounts.accounts_for_teachers, actor=None, institution=college.institution, teacher_codes=None,
                   unit=college.units["it"]) == [
        "本次需开通2个账号，超过一次1个的上限（每个初始密码都要加密保存，耗时较长）：请按部门或名单分批开通"]
    assert not User.objects.filter(username__in=["T003", "T004"]).exists()


def test_bulk_students_of_a_unit(college):
    result = accounts.accounts_for_students(actor=college.users["quality"], institution=college.institution,
                                            student_codes=None, unit=college.units["mech"])
    assert [o.username for o in result.opened] == ["S002"] and result.already == 0
    s2 = Student.objects.get(pk=college.students["s2"].pk)
    assert s2.user.username == "S002" and Membership.objects.get(user=s2.user).role == Role.STUDENT


def test_bulk_page_shows_the_passwords_once_and_exports_them(college, newcomers, login):
    client = login(college.users["quality"])
    response = client.post(reverse("org:account_bulk"), {"kind": "teacher", "unit": college.units["it"].pk})
    page = response.content.decode()
    assert response.status_code == 200 and "新开通2个账号；另有1人已有账号，未变。" in page
    assert "no-store" in response["Cache-Control"]
    shown = re.findall(r'name="password" value="([^"]+)"', page)
    assert len(shown) == 2 and User.objects.get(username="T003").check_password(shown[0])
    password = shown[0]
    assert f"<code>{password}</code>" in page
    rows = [("T003", "周老师", "T003", password), ("T004", "吴老师", "T004", "x")]
    export = client.post(reverse("org:account_bulk_export"),
                         {k: [r[i] for r in rows] for i, k in enumerate(("code", "name", "username", "password"))})
    assert export.status_code == 200 and ".xlsx" in export["Content-Disposition"]
    assert read_rows(export.content, "x.xlsx") == [["工号／学号", "姓名", "账号", "初始密码"], list(rows[0]),
                                                   list(rows[1])]
    entry = AuditEntry.objects.get(action="export")  # initial passwords left the platform: who and how many
    assert entry.actor == college.users["quality"] and entry.changes == {"内容": "初始账号（含初始密码）", "行数": 2}


def test_bulk_page_lists_every_reason_and_opens_nothing(college, newcomers, login):
    client = login(college.users["quality"])
    response = client.post(reverse("org:account_bulk"), {"kind": "teacher", "codes": "T003、T999\nT404"})
    page = response.content.decode()
    assert response.status_code == 400 and "未开通任何账号" in page
    assert "本院校没有工号为“T999”的教师" in page and "本院校没有工号为“T404”的教师" in page
    assert not User.objects.filter(username="T003").exists()
    both = client.post(reverse("org:account_bulk"), {"kind": "teacher", "codes": "T003",
                                                     "unit": college.units["it"].pk})
    assert both.status_code == 400 and "二者选一" in both.content.decode()
    neither = client.post(reverse("org:account_bulk"), {"kind": "student"})
    assert neither.status_code == 400 and "请选择部门，或填写工号／学号名单" in neither.content.decode()
