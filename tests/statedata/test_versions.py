"""Freezing a period: snapshots of every table, a correction opens the next version, the difference shown."""

from __future__ import annotations

from django.urls import reverse

from tests.statedata.conftest import Y, load
from zhengai.core.models import Period
from zhengai.statedata import models as sd
from zhengai.statedata import process
from zhengai.statedata.signals import period_frozen


def test_freeze_then_correct_keeps_the_snapshot_and_shows_the_difference(college, clean, login,
                                                                         django_capture_on_commit_callbacks):
    rows = [["学期", "学号", "课程代码", "上课日期", "节次", "考勤状态"],
            [f"{Y}-1", "S001", "C001", "2024-09-09", "1", "缺勤"]]
    assert process.importer_for(sd.Attendance)(college.institution, college.users["steward"]).run_rows(rows).ok
    received = []
    period_frozen.connect(lambda sender, **kw: received.append(kw["version"].number), weak=False,
                          dispatch_uid="test-frozen")
    client = login(college.users["quality"])
    try:
        confirm = client.post(reverse("statedata:versions"), {"period": Y})
        assert confirm.status_code == 200 and "确认冻结" in confirm.content.decode()
        assert not sd.DataVersion.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("statedata:versions"), {"period": Y, "confirm": "1"})
    finally:
        period_frozen.disconnect(dispatch_uid="test-frozen")
    assert response.status_code == 302 and received == [1]
    version = sd.DataVersion.objects.get()
    assert version.frozen and version.number == 1
    snap = version.snapshots.get(table="majoryear")
    assert snap.data["510201"]["students"] == 120
    assert version.snapshots.get(table="attendance").data["课程:C001"]["缺勤"] == 1

    record = load(college, sd.MajorYear, [{"学年": Y, "专业代码": "510201", "在校生数": 125}])
    assert "第1版已冻结，本次导入开启第2版" in record.summary
    versions = list(sd.DataVersion.objects.order_by("number").values_list("number", "state"))
    assert versions == [(1, "frozen"), (2, "open")]
    snap.refresh_from_db()
    assert snap.data["510201"]["students"] == 120

    page = client.get(reverse("statedata:version_diff", args=[version.pk])).content.decode()
    assert 'id="diff-majoryear"' in page and "在校生数" in page and "120" in page and "125" in page
    assert "第2版" in page
    # Freezing again freezes version 2; a third import then opens version 3.
    client.post(reverse("statedata:versions"), {"period": Y, "confirm": "1"})
    assert sd.DataVersion.objects.get(number=2).frozen


def test_freezing_twice_without_change_is_refused_and_only_admins_freeze(college, clean, login):
    client = login(college.users["steward"])
    client.post(reverse("statedata:versions"), {"period": Y, "confirm": "1"})
    again = client.post(reverse("statedata:versions"), {"period": Y, "confirm": "1"})
    assert again.status_code == 400 and "无需再次冻结" in again.content.decode()
    leader = login(college.users["leader"])
    assert leader.get(reverse("statedata:versions")).status_code == 200
    assert leader.post(reverse("statedata:versions"), {"period": Y, "confirm": "1"}).status_code == 403
    assert login(college.users["teacher"]).get(reverse("statedata:versions")).status_code == 403


def test_another_college_cannot_see_a_version(college, other, clean, login):
    from zhengai.statedata.versions import period_freeze

    version = period_freeze(actor=college.users["quality"], institution=college.institution,
                            period=Period.objects.get(code=Y))
    response = login(other.users["quality"]).get(reverse("statedata:version_diff", args=[version.pk]))
    assert response.status_code == 404
