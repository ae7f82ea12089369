from __future__ import annotations

import datetime

from zhengai.core import audit
from zhengai.core.choices import AuditAction, PeriodKind
from zhengai.core.models import AuditEntry, Period
from zhengai.core.periods import academic_year_of, ensure_academic_year, ensure_calendar_year
from zhengai.core.services import save_object
from zhengai.org.models import Major


def test_academic_year_runs_september_to_august(db):
    year = ensure_academic_year(2025)
    assert (year.code, year.start, year.end) == ("2025-2026", datetime.date(2025, 9, 1), datetime.date(2026, 8, 31))
    semesters = list(year.children.order_by("start"))
    assert [s.code for s in semesters] == ["2025-2026-1", "2025-2026-2"]
    assert semesters[0].end == datetime.date(2026, 1, 31)
    months = Period.objects.filter(kind=PeriodKind.MONTH, parent__parent=year)
    assert months.count() == 12
    assert months.get(code="2026-02").end == datetime.date(2026, 2, 28)
    assert ensure_academic_year(2025) == year and Period.objects.count() == 15  # idempotent


def test_academic_year_of_boundaries():
    assert academic_year_of(datetime.date(2025, 8, 31)) == 2024
    assert academic_year_of(datetime.date(2025, 9, 1)) == 2025


def test_calendar_year_for_funding(db):
    year = ensure_calendar_year(2025)
    assert (year.start, year.end) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert year.kind == "calendar_year"


def test_save_object_audits_before_and_after_and_skips_no_change(college):
    major = college.majors["soft"]
    user = college.users["quality"]
    _, outcome = save_object(actor=user, obj=major, data={"name": "软件技术（新）"})
    assert outcome == "updated"
    entry = AuditEntry.objects.get(object_type__model="major", object_id=str(major.pk), action=AuditAction.UPDATE)
    assert entry.actor == user and entry.institution == college.institution
    assert entry.changes["name"] == ["软件技术", "软件技术（新）"]
    _, outcome = save_object(actor=user, obj=major, data={"name": "软件技术（新）"})
    assert outcome == "unchanged"
    assert AuditEntry.objects.filter(object_type__model="major", object_id=str(major.pk)).count() == 1


def test_snapshot_includes_many_to_many(college):
    course = college.courses["java"]
    assert audit.snapshot(course)["majors"] == ["软件技术"]


def test_audit_list_only_for_quality_office_and_leaders(college, other, login):
    save_object(actor=college.users["quality"], obj=college.majors["soft"], data={"name": "软件技术2"})
    save_object(actor=other.users["quality"], obj=other.majors["soft"], data={"name": "别校软件"})
    for who in ("quality", "leader"):
        response = login(college.users[who]).get("/core/audit/")
        assert response.status_code == 200
        assert "软件技术2" in response.content.decode() and "别校软件" not in response.content.decode()
    for who in ("teacher", "student", "head"):
        assert login(college.users[who]).get("/core/audit/").status_code == 404
    assert not Major.objects.restrict(college.users["teacher"], "change").filter(pk=college.majors["soft"].pk)


def test_a_person_changes_their_own_password(college, client):
    from tests.personas import PASSWORD

    user = college.users["teacher"]
    client.force_login(user)
    response = client.post("/password/", {"old_password": "wrong", "new_password1": "Zg-2026-new!",
                                          "new_password2": "Zg-2026-new!"})
    assert "原密码不正确" in response.content.decode()
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Zg-2026-new!",
                                          "new_password2": "Zg-2026-new!"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Zg-2026-new!")
