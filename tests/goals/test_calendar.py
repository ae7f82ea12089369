"""The yearly calendar: default dates, reminders once per year to the right roles, the page and its editing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from zhengai.goals import tracking
from zhengai.goals.models import CalendarEvent, CalendarReminder
from zhengai.monitoring.models import Notification

D = datetime.date


@pytest.fixture
def events(college):
    tracking.calendar_install_defaults(actor=college.users["quality"], institution=college.institution)
    return {e.name: e for e in CalendarEvent.objects.filter(institution=college.institution)}


def reminded(user) -> int:
    return Notification.objects.filter(user=user, text__startswith="工作日历提醒").count()


def test_defaults_are_installed_once(college, events):
    assert [(e.month, e.day) for e in CalendarEvent.objects.filter(institution=college.institution)] == [
        (1, 31), (3, 31), (6, 30), (11, 30), (12, 31)]
    assert "unit_head" in events["一页纸工作计划报表"].roles
    assert tracking.calendar_install_defaults(actor=None, institution=college.institution) == 0
    assert CalendarEvent.objects.filter(institution=college.institution).count() == 5


def test_reminder_sent_once_in_the_window_to_the_right_roles(college, events):
    c = college
    CalendarEvent.objects.exclude(name="一页纸工作计划报表").update(active=False)
    onepage = events["一页纸工作计划报表"]  # 31 March, 14 days before
    assert tracking.calendar_remind(institution=c.institution, today=D(2025, 3, 16)) == 0  # 15 days before
    assert reminded(c.users["head"]) == 0
    sent = tracking.calendar_remind(institution=c.institution, today=D(2025, 3, 17))
    for key in ("quality", "head", "major_leader", "course_leader", "teacher", "counsellor"):
        assert reminded(c.users[key]) == 1, key
    for key in ("student", "leader", "steward", "expert"):
        assert reminded(c.users[key]) == 0, key
    assert sent == 6 and CalendarReminder.objects.get(event=onepage, year=2025).recipients == 6
    # Later days in the window, or the day itself: nothing more.
    for day in (18, 25, 31):
        assert tracking.calendar_remind(institution=c.institution, today=D(2025, 3, day)) == 0
    assert reminded(c.users["head"]) == 1
    # Next year, once again.
    assert tracking.calendar_remind(institution=c.institution, today=D(2026, 3, 20)) == 6


def test_inactive_events_and_retired_roles_are_not_reminded(college, events):
    c = college
    CalendarEvent.objects.update(active=False)
    assert tracking.calendar_remind(institution=c.institution, today=D(2025, 6, 20)) == 0
    CalendarEvent.objects.filter(pk=events["诊改中期检查汇报会"].pk).update(active=True)
    c.users["head"].memberships.update(active=False)
    tracking.calendar_remind(institution=c.institution, today=D(2025, 6, 20))
    assert reminded(c.users["head"]) == 0 and reminded(c.users["leader"]) == 1


def test_an_early_january_date_is_reminded_in_december(college):
    c = college
    event = CalendarEvent.objects.create(institution=c.institution, name="年初会议", month=1, day=5, remind_days=10,
                                         roles=["quality_office"])
    assert tracking.calendar_remind(institution=c.institution, today=D(2025, 12, 28)) == 1
    assert CalendarReminder.objects.filter(event=event, year=2026).exists()


def test_calendar_page_for_everyone_and_editing_for_the_quality_office(college, other, events, login):
    c = college
    url = reverse("goals:calendar")
    for key in ("student", "teacher", "head"):
        page = login(c.users[key]).get(url).content.decode()
        assert "校内复核" in page and "下一个" in page and "编辑" not in page, key
    assert "形成诊断改进结论" not in login(other.users["quality"]).get(url).content.decode()
    edit = reverse("goals:calendar_edit", args=[events["校内复核"].pk])
    assert login(c.users["head"]).get(edit).status_code == 403
    assert login(other.users["quality"]).get(edit).status_code == 404
    assert login(c.users["head"]).post(reverse("goals:calendar_install")).status_code == 403
    client = login(c.users["quality"])
    assert "编辑" in client.get(url).content.decode()
    data = {"name": "校内复核", "month": "2", "day": "30", "description": "", "remind_days": "10",
            "roles": ["quality_office"], "active": "on", "order": "5"}
    bad = client.post(edit, data)
    assert bad.status_code == 200 and "2月没有30日" in bad.content.decode()
    assert client.post(edit, {**data, "month": "12", "day": "20"}).status_code == 302
    event = CalendarEvent.objects.get(pk=events["校内复核"].pk)
    assert (event.month, event.day, event.remind_days, event.roles) == (12, 20, 10, ["quality_office"])
    added = client.post(reverse("goals:calendar_add"), {**data, "name": "质量年报", "month": "10", "day": "15"})
    assert added.status_code == 302 and CalendarEvent.objects.filter(name="质量年报",
                                                                      institution=c.institution).exists()


def test_the_next_event_is_highlighted(college, events):
    rows, upcoming = tracking.calendar_events(college.users["teacher"], college.institution, D(2025, 7, 1))
    assert upcoming.name == "自我诊断报告"
    assert [r["past"] for r in rows] == [True, True, True, False, False]
    _, after_year = tracking.calendar_events(college.users["teacher"], college.institution, D(2025, 12, 31))
    assert after_year.name == "校内复核"
