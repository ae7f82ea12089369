"""The roll call on a 390×844 phone: a teacher opens today's lesson of a 50-student class, taps three
exceptions and submits once; the attendance is stored for all fifty, nothing off the side of the screen."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_onepage_phone import no_sideways_scroll, phone  # noqa: F401 - the phone fixture
from tests.teaching.conftest import classmates, timetable
from zhengai.core.models import Period
from zhengai.statedata.choices import AttendanceStatus as A
from zhengai.statedata.models import Attendance
from zhengai.teaching import services
from zhengai.teaching.models import Offering

pytestmark = pytest.mark.django_db(transaction=True)


def todays_offering(college) -> Offering:
    today = timezone.localdate()
    start = today.year if today.month >= 9 else today.year - 1
    code = f"{start}-{start + 1}-{'1' if today.month >= 9 or today.month == 1 else '2'}"
    from zhengai.statedata.services import semester_for_code

    period: Period = semester_for_code(code)
    week = services.week_of(period, today)
    classmates(college, 49)
    result = timetable(college, [[code, "JX50", "Java-软件2401", "C001", "T001", "K2401", str(week),
                                  str(today.isoweekday()), "3", "4", "B204"]])
    assert result.ok, result.errors
    return Offering.objects.get(code="JX50")


def test_a_teacher_calls_the_roll_of_fifty_on_a_phone(phone, college):  # noqa: F811
    offering = todays_offering(college)
    assert offering.enrolments.count() == 50
    sign_in(phone, "teacher")
    phone.goto(phone.base_url + "/teaching/today/")
    no_sideways_scroll(phone)
    phone.get_by_role("link", name="Java-软件2401").click()
    rows = phone.locator("li.roster-row")
    expect(rows).to_have_count(50)
    no_sideways_scroll(phone)
    rows.nth(0).get_by_text("缺勤").click()
    rows.nth(10).get_by_text("迟到").click()
    rows.nth(49).get_by_text("请假").click()
    box = rows.nth(49).get_by_text("请假").bounding_box()
    assert box["height"] >= 44  # a thumb's target
    phone.get_by_role("button", name="提交点名").click()
    expect(phone.get_by_text("异常3人")).to_be_visible()
    statuses = sorted(Attendance.objects.values_list("status", flat=True))
    assert len(statuses) == 50
    assert statuses.count(A.PRESENT) == 47 and {A.ABSENT, A.LATE, A.LEAVE} <= set(statuses)
    codes = list(offering.students.order_by("code").values_list("code", flat=True))
    assert Attendance.objects.get(student__code=codes[0]).status == A.ABSENT
    assert Attendance.objects.get(student__code=codes[49]).status == A.LEAVE
