"""The timetable and roster imports: offerings, slots, lessons and rosters; all or nothing; idempotent."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.teaching.conftest import HEAD, MONDAY, S, classmates, roster, timetable, xlsx
from zhengai.teaching import services
from zhengai.teaching.choices import LessonState
from zhengai.teaching.models import Lesson, Offering


def test_weeks_are_read_as_the_academic_affairs_system_writes_them():
    assert services.parse_weeks("1-16") == list(range(1, 17))
    assert services.parse_weeks("1-8,10-17") == [*range(1, 9), *range(10, 18)]
    assert services.parse_weeks("2-16双") == list(range(2, 17, 2))
    assert services.parse_weeks("1-15单周") == list(range(1, 16, 2))
    assert services.parse_weeks("3，5") == [3, 5]
    for bad in ("", "16-1", "1-99", "abc", "1-5单双"):
        with pytest.raises(ValueError):
            services.parse_weeks(bad)


def test_a_timetable_makes_offerings_slots_lessons_and_class_rosters(college, offering):
    assert offering.period.code == S and list(offering.teachers.all()) == [college.teachers["t1"]]
    assert offering.enrolments.count() == 5  # 王同学 and four classmates of 软件2401
    lessons = list(offering.lessons.all())
    assert len(lessons) == 16
    assert lessons[0].date == MONDAY and lessons[0].week == 1 and lessons[-1].date == MONDAY + datetime.timedelta(
        weeks=15)
    assert (lessons[0].first_period, lessons[0].last_period, lessons[0].room) == (1, 2, "A101")


def test_week_one_is_the_week_holding_the_first_day_monday_based(college):
    # A Wednesday slot in week 1: 3 Sep 2025; a semester starting on a Thursday still counts from its Monday.
    result = timetable(college, [[S, "JX02", "双周课", "C001", "T001、T002", "", "2-6双", "星期三", "3", "4", ""]])
    assert result.ok
    offering = Offering.objects.get(code="JX02")
    assert [lesson.date for lesson in offering.lessons.all()] == [datetime.date(2025, 9, 10),
                                                                  datetime.date(2025, 9, 24),
                                                                  datetime.date(2025, 10, 8)]
    assert offering.teachers.count() == 2 and offering.enrolments.count() == 0  # a mixed class: roster import


def test_a_repeat_changes_nothing_and_keeps_roll_called_lessons(college, offering):
    row = [S, "JX01", "Java-软件2401", "C001", "T001", "K2401", "1-16", "1", "1", "2", "A101"]
    result = timetable(college, [row])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert offering.lessons.count() == 16
    called = offering.lessons.get(week=10)
    called.roll_called_at = timezone.now()
    called.save()
    result = timetable(college, [[*row[:6], "1-8", *row[7:]]])
    assert result.ok and result.updated == 1
    assert offering.lessons.count() == 9 and Lesson.objects.filter(pk=called.pk).exists()


def test_a_bad_file_is_refused_whole_with_every_rows_problem(college):
    rows = [[S, "JX01", "Java", "C001", "T001", "K2401", "1-16", "1", "1", "2", ""],
            [S, "JX02", "B", "C999", "T001、T404", "K2401", "1-99", "8", "3", "2", ""],
            [S, "JX01", "Java改名", "C001", "T001", "K2401", "1-8", "2", "1", "2", ""],
            [S, "JX01", "Java", "C001", "T001", "K2401", "1-16", "1", "1", "2", ""]]
    result = timetable(college, rows)
    assert not result.ok and not Offering.objects.exists()
    found = {e.row: "；".join(e.messages) for e in result.errors}
    assert set(found) == {3, 4, 5}
    assert "不是上课周次" in found[3] or "周次应在" in found[3]
    assert "不是星期" in found[3]
    assert "与第2行同一教学班" in found[4] and "教学班名称" in found[4]
    assert "与第2行重复" in found[5]


def test_a_bad_row_naming_unknown_codes_lists_them(college):
    result = timetable(college, [[S, "JX02", "B", "C999", "T001、T404", "K9", "1-16", "1", "3", "2", ""]])
    messages = "；".join(result.errors[0].messages)
    assert "C999" in messages and "T404" in messages and "K9" in messages and "结束节次" in messages


def test_the_roster_import_sets_a_mixed_class_roster(college):
    timetable(college, [[S, "JX03", "选修课", "C001", "T001", "", "1-4", "2", "5", "6", ""]])
    mates = classmates(college, 2)
    result = roster(college, [["JX03", "S001"], ["JX03", mates[0].code], ["JX03", mates[1].code]])
    assert result.ok and result.updated == 1
    assert Offering.objects.get(code="JX03").enrolments.count() == 3
    assert roster(college, [["JX03", "S001"], ["JX03", mates[0].code], ["JX03", mates[1].code]]).unchanged == 1
    result = roster(college, [["JX03", "S404"], ["JX404", "S001"]])
    assert not result.ok and len(result.errors) == 2
    assert Offering.objects.get(code="JX03").enrolments.count() == 3


def test_cancel_and_make_up(college, offering):
    lesson = offering.lessons.first()
    services.lesson_cancel(actor=college.users["teacher"], lesson=lesson, reason="运动会")
    lesson.refresh_from_db()
    assert lesson.state == LessonState.CANCELLED and lesson.note == "运动会"
    makeup = services.lesson_makeup(actor=college.users["teacher"], offering=offering,
                                    date=datetime.date(2025, 9, 6), first_period=1, last_period=2, replaces=lesson)
    assert makeup.state == LessonState.MAKEUP and makeup.week == 1 and makeup.replaces == lesson


def test_the_import_page_and_template(college, login):
    client = login(college.users["steward"])
    response = client.get(reverse("teaching:offering_template"))
    assert response.status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = xlsx([HEAD, [S, "JX01", "Java", "C001", "T001", "K2401", "1-16", "1", "1", "2", ""]])
    response = client.post(reverse("teaching:offering_import"),
                           {"file": SimpleUploadedFile("课表.xlsx", data)})
    assert response.status_code == 200 and Offering.objects.count() == 1
    bad = xlsx([HEAD, [S, "JX09", "Java", "C404", "T001", "K2401", "1-16", "1", "1", "2", ""]])
    response = client.post(reverse("teaching:offering_import"), {"file": SimpleUploadedFile("课表.xlsx", bad)})
    assert response.status_code == 400 and "C404" in response.content.decode()
    # A teacher may not import.
    assert login(college.users["teacher"]).get(reverse("teaching:offering_import")).status_code == 403
