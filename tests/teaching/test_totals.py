"""The running totals (attendance, lesson checks, homework) equal a full recount after any sequence of roll
calls, file imports and corrections — the writers move them by the changed rows only."""

from __future__ import annotations

import datetime

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengai.statedata import models as sd
from zhengai.statedata import process, totals
from zhengai.statedata.models import AttendanceMonthTotal, AttendanceTotal
from zhengai.teaching import services

HEAD = ["学期", "学号", "课程代码", "工号", "上课日期", "节次", "考勤状态"]
STATUS = st.integers(1, 5)
STUDENT = st.integers(0, 4)
# Roll calls of the first four Monday lessons; imports also name a day no lesson holds (a Saturday in October,
# another month) and either semester, so a correction may move a row to another period.
roll_calls = st.tuples(st.just("call"), st.integers(0, 3), st.dictionaries(STUDENT, STATUS, max_size=5))
imports = st.tuples(st.just("import"), st.dictionaries(
    st.tuples(STUDENT, st.integers(0, 4), st.integers(1, 2)),
    st.tuples(STATUS, st.sampled_from(["2025-2026-1", "2025-2026-2"])), min_size=1, max_size=8))
# Lesson checks by (student, day, 节次) → passed; homework by (student, assignment) → (due day, submitted, on time):
# a correction may move a homework's due day to another month.
checks = st.tuples(st.just("check"), st.dictionaries(st.tuples(STUDENT, st.integers(0, 4), st.integers(1, 2)),
                                                     st.booleans(), min_size=1, max_size=6))
homework = st.tuples(st.just("homework"), st.dictionaries(
    st.tuples(STUDENT, st.sampled_from(["W1", "W2"])),
    st.tuples(st.integers(0, 4), st.booleans(), st.booleans()), min_size=1, max_size=6))
CHECK_HEAD = ["学期", "学号", "课程代码", "工号", "上课日期", "节次", "是否达标"]
HOMEWORK_HEAD = ["学期", "学号", "课程代码", "工号", "作业编号", "截止日期", "是否提交", "是否按时提交"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(roll_calls, imports, checks, homework), min_size=1, max_size=6))
def test_totals_equal_a_full_recount(college, offering, steps):
    students = list(offering.students.order_by("code"))
    lessons = list(offering.lessons.all()[:4])
    days = [lesson.date for lesson in lessons] + [datetime.date(2025, 10, 11)]
    savepoint = transaction.savepoint()
    try:
        for step in steps:
            if step[0] == "call":
                _, index, exceptions = step
                services.roll_call(actor=college.users["teacher"], lesson=lessons[index],
                                   exceptions={students[s].pk: status for s, status in exceptions.items()},
                                   today=datetime.date(2026, 1, 31))
            else:
                yes = {True: "是", False: "否"}
                if step[0] == "import":
                    model, head = sd.Attendance, HEAD
                    rows = [[semester, students[s].code, "C001", "T001", days[d].isoformat(), str(no), str(status)]
                            for (s, d, no), (status, semester) in step[1].items()]
                elif step[0] == "check":
                    model, head = sd.LessonCheck, CHECK_HEAD
                    rows = [["2025-2026-1", students[s].code, "C001", "T001", days[d].isoformat(), str(no),
                             yes[passed]] for (s, d, no), passed in step[1].items()]
                else:
                    model, head = sd.Homework, HOMEWORK_HEAD
                    rows = [["2025-2026-1", students[s].code, "C001", "T001", code, days[d].isoformat(),
                             yes[submitted], yes[submitted and on_time]]
                            for (s, code), (d, submitted, on_time) in step[1].items()]
                importer = process.importer_for(model)(college.institution, college.users["steward"])
                result = importer.run_rows([head, *rows])
                assert result.ok, result.errors
            for model in totals.SPECS:
                assert totals.stored(college.institution.pk, model) == totals.recount(college.institution.pk, model)
    finally:
        transaction.savepoint_rollback(savepoint)


def test_a_one_lesson_correction_touches_one_row_of_each_total(college, offering):
    lessons = list(offering.lessons.all()[:3])
    s1 = offering.students.get(code="S001")
    for lesson in lessons:
        services.roll_call(actor=college.users["teacher"], lesson=lesson, exceptions={},
                           today=datetime.date(2026, 1, 31))
    before = {t.pk: t.total for t in AttendanceTotal.objects.all()}
    services.roll_call(actor=college.users["teacher"], lesson=lessons[0], exceptions={s1.pk: 4},
                       today=datetime.date(2026, 1, 31))
    assert {t.pk: t.total for t in AttendanceTotal.objects.all()} == before
    total = AttendanceTotal.objects.get(student=s1)
    assert (total.total, total.present, total.absent) == (3, 2, 1)
    month = AttendanceMonthTotal.objects.get(course=offering.course, month=datetime.date(2025, 9, 1))
    assert (month.total, month.absent) == (15, 1)


def test_rebuild_equals_the_running_totals(college, offering):
    services.roll_call(actor=college.users["teacher"], lesson=offering.lessons.first(), exceptions={},
                       today=datetime.date(2026, 1, 31))
    running = totals.stored(college.institution.pk)
    totals.rebuild(college.institution.pk)
    assert totals.stored(college.institution.pk) == running
