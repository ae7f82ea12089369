"""Leave requests: the student asks, the class's counsellor or head teacher decides; approved leave turns
recorded 缺勤 into 请假 (totals too) and pre-fills the roll call."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.teaching.conftest import MONDAY
from zhengai.statedata.choices import AttendanceStatus as A
from zhengai.statedata.models import Attendance, AttendanceTotal
from zhengai.teaching import services
from zhengai.teaching.choices import LeaveState
from zhengai.teaching.models import LeaveRequest

LATER = datetime.date(2026, 1, 31)


def test_approved_leave_corrects_absences_and_prefills_the_roll_call(college, offering, login):
    s1 = college.students["s1"]
    first, second = list(offering.lessons.all()[:2])
    services.roll_call(actor=college.users["teacher"], lesson=first, exceptions={s1.pk: A.ABSENT}, today=LATER)
    client = login(college.users["student"])
    response = client.post(reverse("teaching:leave_list"), {
        "start_date": MONDAY.isoformat(), "end_date": (MONDAY + datetime.timedelta(days=7)).isoformat(),
        "first_period": "", "last_period": "", "reason": "病假"})
    assert response.status_code == 302
    leave = LeaveRequest.objects.get()
    assert leave.state == LeaveState.PENDING and leave.student == s1
    # Another class's counsellor may not decide; this class's counsellor may.
    assert login(college.users["teacher"]).post(reverse("teaching:leave_decide", args=[leave.pk]),
                                                {"approve": "1"}).status_code == 404
    page = login(college.users["counsellor"]).get(reverse("teaching:leave_list")).content.decode()
    assert "病假" in page
    login(college.users["counsellor"]).post(reverse("teaching:leave_decide", args=[leave.pk]), {"approve": "1"})
    leave.refresh_from_db()
    assert leave.state == LeaveState.APPROVED
    assert Attendance.objects.get(student=s1, lesson_date=first.date).status == A.LEAVE
    total = AttendanceTotal.objects.get(student=s1)
    assert (total.absent, total.leave) == (0, 1)
    page = login(college.users["teacher"]).get(reverse("teaching:roll_call", args=[second.pk])).content.decode()
    assert f'name="s{s1.pk}" value="3" checked' in page


def test_leave_is_checked_and_seen_only_by_its_people(college, other, login):
    s1 = college.students["s1"]
    with pytest.raises(ValidationError):
        services.leave_request(actor=college.users["student"], student=s1, start_date=MONDAY,
                               end_date=MONDAY - datetime.timedelta(days=1), first_period=None, last_period=None,
                               reason="x")
    with pytest.raises(ValidationError):
        services.leave_request(actor=college.users["student"], student=s1, start_date=MONDAY, end_date=MONDAY,
                               first_period=3, last_period=None, reason="x")
    leave = services.leave_request(actor=college.users["student"], student=s1, start_date=MONDAY, end_date=MONDAY,
                                   first_period=1, last_period=2, reason="事假")
    assert login(other.users["counsellor"]).post(reverse("teaching:leave_decide", args=[leave.pk]),
                                                 {"approve": "1"}).status_code == 404
    assert "事假" not in login(other.users["counsellor"]).get(reverse("teaching:leave_list")).content.decode()
    response = login(college.users["student"]).post(reverse("teaching:leave_list"), {
        "start_date": "2025-09-10", "end_date": "2025-09-01", "reason": "病假"})
    assert response.status_code == 400 and "病假" in response.content.decode()  # what was typed is kept
    services.leave_decide(actor=college.users["head_teacher"], leave=leave, approve=False)
    with pytest.raises(ValidationError):
        services.leave_decide(actor=college.users["head_teacher"], leave=leave, approve=True)
    assert login(college.users["teacher"]).get(reverse("teaching:leave_list")).status_code == 403
