"""The warnings inbox that scales: pages with the total, filters kept across pages and in the export, bulk
handling per warning through the gate, the measurements list, the recompute page."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from zhengai.core.models import AuditEntry
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring.models import Measurement, Notification, Warning
from zhengai.standards.models import QCPoint
from zhengai.standards.services import library_load


def _task_warnings(c, year, n: int, **fields) -> None:
    """`n` task warnings (no QC point, so no one-open-per-entity constraint) about the school."""
    Warning.objects.bulk_create([
        Warning(institution=c.institution, kind="task_overdue", title=f"任务{i:04d}", period=year, level="school",
                entity_key="school", severity="normal", **fields) for i in range(n)])


def _point_warning(c, year, point, major, *, owner=None, state="open", severity="serious") -> Warning:
    w = Warning.objects.create(institution=c.institution, qc_point=point, period=year, level="major",
                               entity_key=f"major:{major.pk}", major=major, severity=severity, state=state,
                               assigned_unit=major.unit)
    if owner is not None:
        w.owners.add(owner)
    return w


@pytest.fixture
def points(college):
    library_load(college.institution)
    return {p.code: p for p in QCPoint.objects.filter(institution=college.institution)}


def test_six_hundred_warnings_are_paged_with_their_total_to_the_last_page(college, login):
    c = college
    year = ensure_academic_year(2024)
    _task_warnings(c, year, 600)
    client = login(c.users["quality"])
    first = client.get(reverse("monitoring:warning_list")).content.decode()
    assert "共 600 条，第 1/12 页" in first
    assert first.count('href="/monitoring/warnings/') >= 50
    last = client.get(reverse("monitoring:warning_list"), {"page": 12}).content.decode()
    assert "共 600 条，第 12/12 页" in last
    # Every row is reachable: the 12 pages hold 600 distinct warnings (never a silent cap at 500).
    seen = set()
    for page in range(1, 13):
        html = client.get(reverse("monitoring:warning_list"), {"page": page}).content.decode()
        seen |= {int(x) for x in re.findall(r'href="/monitoring/warnings/(\d+)/"', html)}
    assert len(seen) == 600


def test_filters_are_kept_across_pages_and_in_the_export(college, login):
    c = college
    year = ensure_academic_year(2024)
    _task_warnings(c, year, 120, state="open")
    _task_warnings(c, year, 30, state="closed")
    client = login(c.users["quality"])
    html = client.get(reverse("monitoring:warning_list"), {"state": "open"}).content.decode()
    assert "共 120 条，第 1/3 页" in html
    # The next-page link keeps the state filter.
    assert "?state=open&amp;page=2" in html
    assert "共 120 条，第 3/3 页" in client.get(reverse("monitoring:warning_list"),
                                              {"state": "open", "page": 3}).content.decode()
    # The export keeps the filter (and leaves out the page).
    assert "?state=open&amp;export=1" in html
    from openpyxl import load_workbook

    response = client.get(reverse("monitoring:warning_list"), {"state": "open", "export": 1})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 121


def test_the_home_pages_link_mine_point_and_state_reaches_a_head(college, points, login):
    c = college
    year = ensure_academic_year(2024)
    m13, m01 = points["M13"], next(p for code, p in points.items() if p.level == "major" and code != "M13")
    mine = _point_warning(c, year, m13, c.majors["soft"], owner=c.users["head"])
    _point_warning(c, year, m01, c.majors["soft"], owner=c.users["head"])
    _point_warning(c, year, m13, c.majors["mech"], state="acknowledged")   # not the head's
    client = login(c.users["head"])
    response = client.get(reverse("monitoring:warning_list"), {"mine": 1, "point": m13.pk, "state": "open"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "共 1 条" in html and f"/monitoring/warnings/{mine.pk}/" in html
    # The filter form keeps "mine" so that refining stays within the head's own warnings.
    assert 'name="mine" value="1"' in html
    # Without mine=1 the whole-school list stays closed to a head.
    assert client.get(reverse("monitoring:warning_list")).status_code == 403


def test_search_by_entity_name_or_code(college, points, login):
    c = college
    year = ensure_academic_year(2024)
    soft = _point_warning(c, year, points["M13"], c.majors["soft"])
    mech = _point_warning(c, year, points["M13"], c.majors["mech"])
    client = login(c.users["quality"])
    for q in ("软件", "510201"):
        html = client.get(reverse("monitoring:warning_list"), {"q": q}).content.decode()
        assert f"/monitoring/warnings/{soft.pk}/" in html and f"/monitoring/warnings/{mech.pk}/" not in html


def test_bulk_acknowledge_records_each_warnings_own_history(college, points, login):
    c = college
    year = ensure_academic_year(2024)
    ws = [_point_warning(c, year, p, c.majors["soft"], owner=c.users["head"])
          for p in list(QCPoint.objects.filter(institution=c.institution, level="major"))[:3]]
    client = login(c.users["head"])
    page = client.get(reverse("monitoring:my_warnings")).content.decode()
    assert 'data-check-all="ids"' in page and f'name="ids" value="{ws[0].pk}"' in page
    response = client.post(reverse("monitoring:warning_bulk"), {
        "ids": [w.pk for w in ws], "action": "acknowledge", "note": "已安排专人核查",
        "next": reverse("monitoring:my_warnings")}, follow=True)
    assert "已确认 3 条预警" in response.content.decode()
    for w in ws:
        w.refresh_from_db()
        assert w.state == "acknowledged" and "已安排专人核查" in w.note
        entry = AuditEntry.objects.get(object_type__model="warning", object_id=str(w.pk))
        assert entry.actor == c.users["head"] and entry.changes["state"] == ["open", "acknowledged"]
        assert entry.note.startswith("批量确认")
    detail = client.get(reverse("monitoring:warning_detail", args=[ws[0].pk])).content.decode()
    assert "处理记录" in detail and "批量确认" in detail and "状态" in detail
    # Again: nothing left to acknowledge, said so.
    response = client.post(reverse("monitoring:warning_bulk"), {"ids": [ws[0].pk], "action": "acknowledge"},
                           follow=True)
    assert "1 条已不是“待处理”" in response.content.decode()


def test_a_hostile_bulk_post_with_foreign_ids_changes_nothing_and_says_so(college, other, points, login):
    c = college
    year = ensure_academic_year(2024)
    own = _point_warning(c, year, points["M13"], c.majors["soft"], owner=c.users["head"])
    # Another unit's warning of the same college, and another college's warning.
    mech = _point_warning(c, year, points["M13"], c.majors["mech"])
    library_load(other.institution)
    foreign = Warning.objects.create(
        institution=other.institution, qc_point=QCPoint.objects.get(institution=other.institution, code="M13"),
        period=year, level="major", entity_key=f"major:{other.majors['soft'].pk}", major=other.majors["soft"],
        severity="serious")
    client = login(c.users["head"])
    for bad in (mech, foreign):
        response = client.post(reverse("monitoring:warning_bulk"),
                               {"ids": [own.pk, bad.pk], "action": "acknowledge"}, follow=True)
        assert "1 条预警不存在或不在您的处理范围内，未做任何修改" in response.content.decode()
    for w in (own, mech, foreign):
        w.refresh_from_db()
        assert w.state == "open"
    assert not AuditEntry.objects.filter(object_type__model="warning").exists()
    # A student may act on none.
    response = login(c.users["student"]).post(reverse("monitoring:warning_bulk"),
                                              {"ids": [own.pk], "action": "note", "note": "x"}, follow=True)
    own.refresh_from_db()
    assert own.note == "" and "未做任何修改" in response.content.decode()


def test_bulk_assign_to_staff_only_and_bulk_note(college, other, points, login):
    c = college
    year = ensure_academic_year(2024)
    ws = [_point_warning(c, year, p, c.majors["soft"])
          for p in list(QCPoint.objects.filter(institution=c.institution, level="major"))[:2]]
    client = login(c.users["quality"])
    for forged in (c.users["student"], c.users["expert"], other.users["teacher"]):
        client.post(reverse("monitoring:warning_bulk"),
                    {"ids": [w.pk for w in ws], "action": "assign", "assignee": forged.pk})
        assert not Warning.owners.through.objects.filter(user=forged).exists()
    response = client.post(reverse("monitoring:warning_bulk"), {
        "ids": [w.pk for w in ws], "action": "assign", "assignee": c.users["teacher"].pk}, follow=True)
    assert "已指派 2 条预警" in response.content.decode()
    for w in ws:
        assert c.users["teacher"] in w.owners.all()
        entry = AuditEntry.objects.get(object_type__model="warning", object_id=str(w.pk))
        assert entry.changes["owners"] == [[], ["张老师"]]
    assert Notification.objects.filter(user=c.users["teacher"], text__startswith="指派给您的预警").count() == 2
    # The assignee now finds them in their own inbox.
    assert f"/monitoring/warnings/{ws[0].pk}/" in login(c.users["teacher"]).get(
        reverse("monitoring:my_warnings")).content.decode()
    client = login(c.users["quality"])
    client.post(reverse("monitoring:warning_bulk"), {"ids": [ws[1].pk], "action": "note", "note": "请本周内反馈"})
    ws[1].refresh_from_db()
    assert "请本周内反馈" in ws[1].note and ws[1].state == "open"
    assert AuditEntry.objects.filter(object_id=str(ws[1].pk), note="批量添加备注：请本周内反馈").exists()


def test_a_school_leader_sees_the_whole_list_but_gets_no_bulk_checkboxes(college, login):
    c = college
    _task_warnings(c, ensure_academic_year(2024), 3)
    html = login(c.users["leader"]).get(reverse("monitoring:warning_list")).content.decode()
    assert "共 3 条" in html and 'name="ids"' not in html


def test_measurements_are_paged_with_their_total_and_searchable_by_entity(college, points, login):
    c = college
    year = ensure_academic_year(2024)
    now = timezone.now()
    Measurement.objects.bulk_create([
        Measurement(institution=c.institution, qc_point=points["M13"], period=year, level="major",
                    entity_key=f"major:{major.pk}", major=major, value=Decimal("75"), status="warning",
                    computed_at=now, version=v)
        for major in (c.majors["soft"], c.majors["mech"]) for v in range(1, 31)])
    client = login(c.users["quality"])
    html = client.get(reverse("monitoring:measurement_list")).content.decode()
    assert "共 60 条，第 1/2 页" in html
    html = client.get(reverse("monitoring:measurement_list"), {"q": "软件"}).content.decode()
    assert "共 30 条，第 1/1 页" in html and "机械设计与制造" not in html.split('id="measurements"')[1]
    assert "共 30 条，第 1/1 页" in client.get(reverse("monitoring:measurement_list"),
                                              {"point": points["M13"].pk, "q": "460104"}).content.decode()


def test_recompute_has_its_own_confirmed_page_defaulting_to_the_newest_year_with_data(college, points, login):
    c = college
    data_year = ensure_academic_year(2024)
    ensure_academic_year(2025)
    ensure_academic_year(2027)     # a coming year, with no data
    Measurement.objects.create(institution=c.institution, qc_point=points["M13"], period=data_year, level="major",
                               entity_key=f"major:{c.majors['soft'].pk}", major=c.majors["soft"],
                               value=Decimal("75"), status="warning", computed_at=timezone.now())
    client = login(c.users["quality"])
    listing = client.get(reverse("monitoring:warning_list")).content.decode()
    assert 'name="period"' not in listing.split('id="warning-filters"')[0]
    assert reverse("monitoring:recompute") in listing
    page = client.get(reverse("monitoring:recompute")).content.decode()
    assert f'<option value="{data_year.code}" selected>' in page
    assert "data-confirm=" in page and "<script" not in page.split("</head>")[1]
    assert login(c.users["head"]).get(reverse("monitoring:recompute")).status_code == 403


def test_the_audit_log_reads_chinese_labels_and_local_times(college, login):
    from zhengai.core.services import set_active

    c = college
    set_active(actor=c.users["quality"], obj=c.units["office"], active=False)
    year = ensure_academic_year(2024)
    w = Warning.objects.create(institution=c.institution, kind="task_overdue", title="任务", period=year,
                               level="school", entity_key="school", severity="normal")
    from zhengai.core import audit
    from zhengai.core.choices import AuditAction

    moment = datetime.datetime(2026, 3, 1, 2, 0, tzinfo=datetime.UTC)
    audit.record(actor=None, obj=w, action=AuditAction.UPDATE, before={"escalated_at": None},
                 after={"escalated_at": moment.isoformat()})
    html = login(c.users["quality"]).get(reverse("core:audit_list")).content.decode()
    assert "有效：是 → 否" in html and "<code>active</code>" not in html
    assert "督办时间：（空） → 2026-03-01 10:00" in html
    assert "2026-03-01T02:00:00" not in html
