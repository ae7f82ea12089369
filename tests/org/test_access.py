"""Who may and who may not, for every org page and action (DESIGN convention 4)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.org.views import KINDS

KIND_NAMES = [k.name for k in KINDS]
PEOPLE = ["leader", "quality", "steward", "head", "major_leader", "course_leader", "teacher", "counsellor",
          "student", "supervisor", "expert"]
IMPORTABLE = {"unit", "major", "course", "klass", "teacher", "student"}
UNIT_KINDS = {"duty", "post", "workitem", "major", "course", "klass", "teacher", "student"}

# What each person may change among the objects of 信息工程学院 ("it") and 机械工程学院 ("mech").
MAY_CHANGE = {
    "quality": {(k, w) for k in KIND_NAMES for w in ("it", "mech")},
    "steward": {(k, w) for k in KIND_NAMES if k not in {"qagroup", "qamember"} for w in ("it", "mech")},
    "head": {(k, "it") for k in UNIT_KINDS | {"unit"}},
    "major_leader": {("major", "it"), ("klass", "it")},
    "course_leader": {("course", "it")},
    "teacher": {("teacher", "it")},
    "counsellor": {("klass", "it"), ("student", "it")},
}
# Students are personal data: who sees which (everyone sees every other kind of their college). The authority's
# expert is no college member: no student record at all.
SEES_STUDENTS = {"leader": {"it", "mech"}, "quality": {"it", "mech"}, "steward": {"it", "mech"},
                 "supervisor": {"it", "mech"}, "expert": set(), "head": {"it"},
                 "major_leader": {"it"}, "counsellor": {"it"}, "student": {"it"}, "teacher": set(),
                 "course_leader": set()}
MAY_ADD = {
    "quality": set(KIND_NAMES),
    "steward": set(KIND_NAMES) - {"qagroup", "qamember"},
    "head": UNIT_KINDS,
}


# Rosters of people are not for the authority's expert: every page of them answers 404.
ROSTERS = {"teacher", "student"}


def hidden(who: str, kind: str, where: str) -> bool:
    return (kind == "student" and where not in SEES_STUDENTS[who]) or (who == "expert" and kind in ROSTERS)


def expected(who: str, kind: str, where: str, ok: int) -> int:
    if hidden(who, kind, where):
        return 404
    return ok if (kind, where) in MAY_CHANGE.get(who, set()) else 403


def url(kind: str, action: str, obj=None) -> str:
    return reverse(f"org:{kind}_{action}", args=[obj.pk] if obj is not None else [])


@pytest.mark.parametrize("who", PEOPLE)
def test_edit_and_retire_reach_exactly_the_persons_scope(college, objs, mech, login, who):
    client = login(college.users[who])
    seen, wanted = {}, {}
    for where, objects in (("it", objs), ("mech", mech)):
        for kind in KIND_NAMES:
            obj = objects[kind]
            seen[kind, where, "edit"] = client.get(url(kind, "edit", obj)).status_code
            wanted[kind, where, "edit"] = expected(who, kind, where, 200)
            seen[kind, where, "retire"] = client.post(url(kind, "retire", obj), {"active": "0"}).status_code
            wanted[kind, where, "retire"] = expected(who, kind, where, 302)
            obj.refresh_from_db()
            assert obj.active is (wanted[kind, where, "retire"] != 302), (kind, where)
            if not obj.active:
                assert client.post(url(kind, "retire", obj), {"active": "1"}).status_code == 302
                obj.refresh_from_db()
                assert obj.active
    assert seen == wanted


@pytest.mark.parametrize("who", PEOPLE)
def test_detail_is_seen_by_every_member_except_students_out_of_scope(college, objs, mech, login, who):
    client = login(college.users[who])
    seen = {(k, w): client.get(url(k, "detail", o[k])).status_code
            for w, o in (("it", objs), ("mech", mech)) for k in KIND_NAMES}
    assert seen == {(k, w): 404 if hidden(who, k, w) else 200 for w in ("it", "mech") for k in KIND_NAMES}


@pytest.mark.parametrize("who", PEOPLE)
def test_add_and_import_only_for_the_roles_that_add(college, login, who):
    client = login(college.users[who])
    allowed = MAY_ADD.get(who, set())
    refused = {k: 404 if who == "expert" and k in ROSTERS else 403 for k in KIND_NAMES}
    assert {k: client.get(url(k, "add")).status_code for k in KIND_NAMES} == {
        k: 200 if k in allowed else refused[k] for k in KIND_NAMES}
    assert {k: client.get(url(k, "import")).status_code for k in IMPORTABLE} == {
        k: 200 if k in allowed else refused[k] for k in IMPORTABLE}
    for kind in KIND_NAMES:  # the button shows exactly when the page opens
        if refused[kind] == 404:
            continue
        assert (url(kind, "add") in client.get(url(kind, "list")).content.decode()) is (kind in allowed)


def test_add_post_is_refused_too(college, login):
    client = login(college.users["teacher"])
    response = client.post(url("major", "add"), {"code": "999", "name": "偷偷新增",
                                                 "unit": college.units["it"].pk, "years": 3})
    assert response.status_code == 403
    assert not college.institution.major_set.filter(code="999").exists()


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_other_college_gets_404_for_every_object(college, other, objs, login, kind):
    obj = objs[kind]
    for who in PEOPLE:
        client = login(other.users[who])
        statuses = [client.get(url(kind, "detail", obj)).status_code,
                    client.get(url(kind, "edit", obj)).status_code,
                    client.post(url(kind, "edit", obj), {"name": "改名", "content": "改"}).status_code,
                    client.post(url(kind, "retire", obj), {"active": "0"}).status_code]
        assert statuses == [404, 404, 404, 404], who
    obj.refresh_from_db()
    assert obj.active and str(obj) == str(objs[kind])


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_lists_show_only_the_own_college(college, other, objs, other_objs, login, kind):
    page = login(college.users["quality"]).get(url(kind, "list"), {"inactive": "on"}).content.decode()
    assert url(kind, "detail", objs[kind]) in page
    assert url(kind, "detail", other_objs[kind]) not in page


def test_student_is_listed_only_themselves_and_404_on_others(college, login):
    client = login(college.users["student"])
    page = client.get(url("student", "list")).content.decode()
    assert url("student", "detail", college.students["s1"]) in page
    assert url("student", "detail", college.students["s2"]) not in page
    assert client.get(url("student", "detail", college.students["s2"])).status_code == 404
    assert client.get(url("student", "detail", college.students["s1"])).status_code == 200


@pytest.mark.parametrize(("who", "students"), [("teacher", set()), ("course_leader", set()), ("head", {"s1"}),
                                               ("counsellor", {"s1"}), ("leader", {"s1", "s2"})])
def test_student_list_follows_the_gate(college, login, who, students):
    page = login(college.users[who]).get(url("student", "list")).content.decode()
    assert {k for k, s in college.students.items() if url("student", "detail", s) in page} == students


def test_exports_hold_only_what_the_user_sees(college, login):
    from zhengai.core.spreadsheets import read_rows

    response = login(college.users["head"]).get(url("student", "export"))
    codes = [row[0] for row in read_rows(response.content, "x.xlsx")[1:]]
    assert codes == ["S001"]


def test_anonymous_user_is_sent_to_login(client, college, objs):
    for kind in KIND_NAMES:
        response = client.get(url(kind, "detail", objs[kind]))
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(reverse("org:systems")).status_code == 302
