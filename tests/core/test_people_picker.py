"""The people picker: staff of the user's own institution only, searched as you type, validated server-side."""

from __future__ import annotations

import re

from django.urls import reverse

from zhengai.goals.models import Plan


def _options(client, q: str = "") -> str:
    response = client.get(reverse("core:people_search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_the_search_lists_staff_of_the_own_college_only(college, other, login):
    c = college
    body = _options(login(c.users["quality"]))
    for staff in ("head", "teacher", "major_leader", "leader", "counsellor"):
        assert f'value="{c.users[staff].pk}"' in body
    # Never a student, never the authority's expert, never another college's people.
    assert f'value="{c.users["student"].pk}"' not in body
    assert f'value="{c.users["expert"].pk}"' not in body
    assert all(f'value="{u.pk}"' not in body for u in other.users.values())
    # Search as you type: by name or account.
    narrowed = _options(login(c.users["quality"]), "院长")
    assert f'value="{c.users["head"].pk}"' in narrowed and f'value="{c.users["teacher"].pk}"' not in narrowed
    assert "王同学" not in _options(login(c.users["quality"]), "王同学")


def test_students_and_authority_accounts_may_not_search_people(college, login):
    for who in ("student", "expert"):
        response = login(college.users[who]).get(reverse("core:people_search"), {"q": ""})
        assert response.status_code == 403


def test_a_plan_form_renders_no_list_of_members_and_refuses_a_forged_owner(college, other, login):
    c = college
    client = login(c.users["quality"])
    page = client.get(reverse("goals:plan_add")).content.decode()
    # The owner field is a picker: a search box wired to the endpoint, not a select of every member.
    assert reverse("core:people_search") in page and 'hx-get' in page
    assert "王同学" not in page and f'value="{c.users["student"].pk}"' not in page
    assert f'value="{c.users["teacher"].pk}"' not in page
    data = {"kind": "master", "name": "规划甲", "start_year": 2021, "end_year": 2025, "state": "active"}
    for forged in (c.users["student"], c.users["expert"], other.users["head"]):
        response = client.post(reverse("goals:plan_add"), {**data, "owner": forged.pk})
        assert response.status_code == 200 and "请从本院校的教职工中选择" in response.content.decode()
        assert not Plan.objects.filter(name="规划甲").exists()
    response = client.post(reverse("goals:plan_add"), {**data, "owner": c.users["head"].pk})
    assert response.status_code == 302
    assert Plan.objects.get(name="规划甲").owner == c.users["head"]
    # The edit page shows the chosen person, and only them.
    plan = Plan.objects.get(name="规划甲")
    edit = client.get(reverse("goals:plan_edit", args=[plan.pk])).content.decode()
    assert f'value="{c.users["head"].pk}" selected' in edit
    assert f'value="{c.users["teacher"].pk}"' not in edit


def test_the_qc_point_owner_and_improvement_owner_are_pickers_too(college, login):
    from zhengai.standards.services import library_load

    c = college
    library_load(c.institution)
    from zhengai.standards.models import QCPoint

    point = QCPoint.objects.filter(institution=c.institution).first()
    client = login(c.users["quality"])
    url = reverse("standards:qcpoint_edit", args=[point.pk])
    page = client.get(url).content.decode()
    assert reverse("core:people_search") in page and "王同学" not in page
    # The owner select holds only the chosen person (the other selects of the page hold ids of other tables).
    owner = re.search(r'<select name="owner".*?</select>', page, re.S).group(0)
    assert f'value="{c.users["student"].pk}"' not in owner
