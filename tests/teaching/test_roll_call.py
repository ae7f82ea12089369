"""The roll call: one POST writes the lesson's attendance and totals; a repeat corrects; who may call; what a
student and a class's counsellor see; the absence warning."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.teaching.conftest import MONDAY
from zhengai.monitoring.choices import OPEN_STATES, WarningKind, WarningState
from zhengai.monitoring.models import Warning
from zhengai.statedata.choices import AttendanceStatus as A
from zhengai.statedata.models import Attendance, AttendanceTotal
from zhengai.teaching import services

LATER = datetime.date(2026, 1, 31)


def call(college, lesson, exceptions, actor=None):
    return services.roll_call(actor=actor or college.users["teacher"], lesson=lesson, exceptions=exceptions,
                              today=LATER)


def test_everyone_present_but_the_exceptions_and_a_repeat_corrects(college, offering):
    lesson = offering.lessons.first()
    s1 = college.students["s1"]
    assert call(college, lesson, {s1.pk: A.ABSENT}) == (5, 0)
    rows = dict(Attendance.objects.values_list("student__code", "status"))
    assert rows.pop("S001") == A.ABSENT and set(rows.values()) == {A.PRESENT}
    row = Attendance.objects.get(student=s1)
    assert (row.lesson_date, row.lesson_no, row.course, row.teacher) == (MONDAY, 1, offering.course,
                                                                          college.teachers["t1"])
    total = AttendanceTotal.objects.get(student=s1)
    assert (total.total, total.absent, total.present) == (1, 1, 0)
    assert call(college, lesson, {s1.pk: A.LATE}) == (0, 1)
    total.refresh_from_db()
    assert (total.total, total.absent, total.late) == (1, 0, 1)
    lesson.refresh_from_db()
    assert lesson.roll_called_at is not None


def test_a_cancelled_or_future_lesson_and_a_stranger_are_refused(college, offering, other):
    lesson = offering.lessons.first()
    with pytest.raises(ValidationError):
        services.roll_call(actor=college.users["teacher"], lesson=lesson, exceptions={},
                           today=MONDAY - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        call(college, lesson, {college.students["s2"].pk: A.ABSENT})  # not on the roster
    services.lesson_cancel(actor=college.users["teacher"], lesson=lesson, reason="停电")
    with pytest.raises(ValidationError):
        call(college, lesson, {})
    assert not Attendance.objects.exists()


def test_the_roll_call_page_takes_and_corrects(college, offering, login):
    lesson = offering.lessons.first()
    client = login(college.users["teacher"])
    url = reverse("teaching:roll_call", args=[lesson.pk])
    assert client.get(url).status_code == 200
    s1 = college.students["s1"]
    response = client.post(url, {f"s{s1.pk}": "4"})
    assert response.status_code == 302
    assert Attendance.objects.get(student=s1).status == A.ABSENT and Attendance.objects.count() == 5
    response = client.post(url, {f"s{s1.pk}": "9"})
    assert response.status_code == 400 and "无效" in response.content.decode()
    today = client.get(reverse("teaching:today") + "?date=2025-09-01")
    assert "Java-软件2401" in today.content.decode()


def test_who_may_call_the_roll(college, offering, other, login):
    url = reverse("teaching:roll_call", args=[offering.lessons.first().pk])
    assert login(college.users["steward"]).get(url).status_code == 200     # an administrator
    assert login(college.users["course_leader"]).get(url).status_code == 403  # sees it, may not call
    assert login(college.users["student"]).get(url).status_code == 404
    assert login(other.users["teacher"]).get(url).status_code == 404       # another college's teacher
    detail = reverse("teaching:offering_detail", args=[offering.pk])
    assert login(other.users["teacher"]).get(detail).status_code == 404
    assert login(college.users["counsellor"]).get(detail).status_code == 200  # the class's counsellor
    assert login(college.users["teacher"]).get(detail).status_code == 200
    listing = login(other.users["quality"]).get(reverse("teaching:offering_list"))
    assert "Java-软件2401" not in listing.content.decode()
    assert "Java-软件2401" in login(college.users["quality"]).get(reverse("teaching:offering_list")).content.decode()


def test_a_student_sees_their_own_and_the_counsellor_their_class(college, offering, other, login):
    lesson = offering.lessons.first()
    call(college, lesson, {college.students["s1"].pk: A.LATE})
    page = login(college.users["student"]).get(reverse("teaching:my_attendance")).content.decode()
    assert "迟到" in page and "Java程序设计" in page and "同学0" not in page
    assert login(other.users["student"]).get(reverse("teaching:my_attendance")).status_code == 200
    assert "Java" not in login(other.users["student"]).get(reverse("teaching:my_attendance")).content.decode()
    page = login(college.users["counsellor"]).get(reverse("teaching:class_attendance")).content.decode()
    assert "王同学" in page and "同学0" in page
    assert login(college.users["teacher"]).get(reverse("teaching:class_attendance")).status_code == 403


def test_absences_past_the_line_raise_one_warning_and_a_correction_resolves_it(college, offering):
    s1 = college.students["s1"]
    lessons = list(offering.lessons.all()[:4])
    for lesson in lessons[:2]:
        call(college, lesson, {s1.pk: A.ABSENT})
    assert not Warning.objects.filter(kind=WarningKind.ABSENCE).exists()  # 2 of 2, under the 3-lesson floor
    call(college, lessons[2], {s1.pk: A.ABSENT})
    warning = Warning.objects.get(kind=WarningKind.ABSENCE, state__in=OPEN_STATES)
    owners = set(warning.owners.values_list("username", flat=True))
    assert {"counsellor", "head_teacher", "teacher"} <= owners
    assert warning.student == s1 and "缺勤3次" in warning.title
    call(college, lessons[3], {s1.pk: A.ABSENT})
    assert Warning.objects.filter(kind=WarningKind.ABSENCE).count() == 1
    # Corrections: two of the absences were leave after all — 2 of 4 is still past a third …
    call(college, lessons[0], {s1.pk: A.LEAVE})
    assert Warning.objects.filter(kind=WarningKind.ABSENCE, state__in=OPEN_STATES).count() == 1
    call(college, lessons[1], {s1.pk: A.LEAVE})
    call(college, lessons[2], {s1.pk: A.LEAVE})
    # … 1 of 4 is under it.
    warning.refresh_from_db()
    assert warning.state == WarningState.RESOLVED


def test_an_imported_file_of_absences_raises_the_warning_too(college, offering, django_capture_on_commit_callbacks):
    from zhengai.statedata import models as sd
    from zhengai.statedata import process

    days = [lesson.date.isoformat() for lesson in offering.lessons.all()[:3]]
    rows = [["学期", "学号", "课程代码", "工号", "上课日期", "节次", "考勤状态"],
            *[["2025-2026-1", "S001", "C001", "T001", day, "1", "缺勤"] for day in days]]
    with django_capture_on_commit_callbacks(execute=True):
        result = process.importer_for(sd.Attendance)(college.institution, college.users["steward"]).run_rows(rows)
    assert result.ok
    assert Warning.objects.filter(kind=WarningKind.ABSENCE, state__in=OPEN_STATES,
                                  student=college.students["s1"]).count() == 1


def test_a_student_taken_off_the_roster_has_their_warning_closed(college, offering):
    from tests.teaching.conftest import S, timetable
    from zhengai.org.models import Student

    s1 = college.students["s1"]
    for lesson in offering.lessons.all()[:3]:
        call(college, lesson, {s1.pk: A.ABSENT})
    warning = Warning.objects.get(kind=WarningKind.ABSENCE, state__in=OPEN_STATES)
    Student.objects.filter(pk=s1.pk).update(active=False)
    timetable(college, [[S, "JX01", "Java-软件2401", "C001", "T001", "K2401", "1-16", "1", "1", "2", "A101"]])
    warning.refresh_from_db()
    assert warning.state == WarningState.CLOSED and not offering.enrolments.filter(student=s1).exists()


def test_a_roll_call_takes_as_many_queries_for_thirty_students_as_for_five(college, offering):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.teaching.conftest import S, timetable
    from zhengai.org.models import Student

    def queries(lesson) -> int:
        with CaptureQueriesContext(connection) as captured:
            call(college, lesson, {})
        return len(captured)

    # Each measured call follows one that created the students' totals rows: both then only update them.
    lessons = list(offering.lessons.all()[:4])
    call(college, lessons[0], {})
    small = queries(lessons[1])
    klass = college.classes["soft1"]
    classmates_ = [Student.objects.create(institution=college.institution, code=f"S2{i:03d}", name=f"新同学{i}",
                                          major=klass.major, klass=klass, cohort=2024) for i in range(25)]
    timetable(college, [[S, "JX01", "Java-软件2401", "C001", "T001", "K2401", "1-16", "1", "1", "2", "A101"]])
    assert offering.enrolments.count() == 5 + len(classmates_)
    call(college, lessons[2], {})
    assert queries(lessons[3]) == small


def test_a_roll_call_queues_one_recompute_of_its_month_however_many_lessons_follow(
        college, offering, django_capture_on_commit_callbacks):
    """A roll call is heard like an import: the attendance points of the lesson's month are recomputed by a job.
    While that job waits in the queue, further roll calls of the month add none (one per morning, not one per
    lesson); a change that writes nothing queues nothing."""
    from zhengai.core.models import Job, Period
    from zhengai.core.periods import ensure_academic_year
    from zhengai.monitoring.services import JOB_KIND
    from zhengai.standards.services import library_load

    ensure_academic_year(2025)
    assert Period.objects.filter(code="2025-09").exists()
    library_load(college.institution)
    first, second = offering.lessons.order_by("date")[:2]
    s1 = college.students["s1"]

    def roll_call(lesson, exceptions):
        # The test's transaction never commits: run the commit callbacks by hand. The job they queue is not
        # run (its own start waits for a commit), so it stays queued, as it does while the worker is busy.
        with django_capture_on_commit_callbacks() as callbacks:
            call(college, lesson, exceptions)
        for callback in callbacks:
            callback()

    roll_call(first, {s1.pk: A.ABSENT})
    jobs = Job.objects.filter(institution=college.institution, kind=JOB_KIND)
    assert jobs.count() == 1
    job = jobs.get()
    assert job.params["within"] == ["2025-09"] and "C02" in job.params["points"]   # 到课率
    roll_call(second, {})
    roll_call(first, {s1.pk: A.ABSENT})          # the same statuses again: nothing written, nothing queued
    assert jobs.count() == 1
    jobs.update(status="done")
    roll_call(first, {s1.pk: A.LATE})
    assert jobs.count() == 2
