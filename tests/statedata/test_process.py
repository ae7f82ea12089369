"""Teaching-process imports (考勤, 课堂检测, 作业): all or nothing, idempotent, batched upserts, capped error
lists, the history and the signal; their list pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.statedata.conftest import upload, xlsx
from zhengai.core import importing
from zhengai.statedata import models as sd
from zhengai.statedata import process, services
from zhengai.statedata.choices import ImportStatus

S = "2025-2026-1"
HEAD = ["学期", "学号", "课程代码", "工号", "上课日期", "节次", "考勤状态"]


def attendance(n: int = 3, status: str = "出勤") -> list[list[str]]:
    return [HEAD, *[[S, "S001", "C001", "T001", f"2025-09-{8 + i:02d}", "1", status] for i in range(n)]]


def run(college, model, rows, actor=None):
    importer = process.importer_for(model)(college.institution, actor or college.users["steward"])
    return importer, importer.run_rows(rows)


def test_attendance_imports_once_and_a_repeat_changes_nothing(college):
    importer, result = run(college, sd.Attendance, attendance())
    assert result.ok and (result.created, importer.record.status) == (3, ImportStatus.OK)
    row = sd.Attendance.objects.select_related("period").first()
    assert (row.period.code, row.status, row.teacher) == (S, 1, college.teachers["t1"])
    importer, result = run(college, sd.Attendance, attendance())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    importer, result = run(college, sd.Attendance, attendance(status="缺勤"))
    assert (result.created, result.updated, result.unchanged) == (0, 3, 0)
    assert set(sd.Attendance.objects.values_list("status", flat=True)) == {4}
    assert sd.Attendance.objects.count() == 3


def test_bad_rows_write_nothing_and_are_listed_with_reasons(college):
    rows = [*attendance(2), [S, "S999", "C001", "", "2025-09-20", "1", "出勤"],
            ["2025-2026-3", "S001", "C001", "", "2025-09-21", "0", "旷课"],
            [S, "S001", "C001", "", "2025-09-08", "1", "迟到"]]
    importer, result = run(college, sd.Attendance, rows)
    assert not result.ok and sd.Attendance.objects.count() == 0
    found = {e.row: "；".join(e.messages) for e in result.errors}
    assert set(found) == {4, 5, 6}
    assert "“S999”在本院校不存在" in found[4]
    assert "不是学期" in found[5] and "不能小于1" in found[5] and "不是有效选项" in found[5]
    assert "与第2行重复" in found[6]
    assert importer.record.status == ImportStatus.REFUSED and importer.record.error_count == 3


def test_the_error_list_is_capped_and_the_rest_counted(college, monkeypatch):
    monkeypatch.setattr(importing, "ERROR_LIMIT", 5)
    rows = [HEAD, *[[S, f"X{i}", "C001", "", "2025-09-08", "1", "出勤"] for i in range(12)]]
    importer, result = run(college, sd.Attendance, rows)
    assert (len(result.errors), result.error_count) == (5, 12)
    assert "其余7行未列出" in result.summary
    assert (len(importer.record.errors), importer.record.error_count) == (5, 12)
    assert "12行有错误" in importer.record.summary


def test_lesson_checks_and_homework(college):
    checks = [["学期", "学号", "课程代码", "上课日期", "节次", "得分", "是否达标"],
              [S, "S001", "C001", "2025-09-08", "2", "85.5", "是"], [S, "S002", "C002", "2025-09-08", "2", "", "否"]]
    _, result = run(college, sd.LessonCheck, checks)
    assert result.ok and sd.LessonCheck.objects.filter(passed=True).count() == 1
    homework = [["学期", "学号", "课程代码", "作业编号", "截止日期", "是否提交", "是否按时提交", "成绩"],
                [S, "S001", "C001", "HW01", "2025-09-15", "是", "是", "90"],
                [S, "S001", "C001", "HW02", "2025-09-22", "否", "", ""],
                [S, "S002", "C002", "HW01", "2025-09-15", "否", "是", ""]]
    _, result = run(college, sd.Homework, homework)
    assert [e.row for e in result.errors] == [4] and "不能是“按时提交”" in result.errors[0].messages[0]
    _, result = run(college, sd.Homework, homework[:3])
    assert result.ok and sd.Homework.objects.get(assignment="HW02").on_time is False


def test_batches_larger_than_one_write(college, monkeypatch):
    monkeypatch.setattr(services, "PROCESS_BATCH", 2)
    _, result = run(college, sd.Attendance, attendance(5))
    assert result.created == 5 and sd.Attendance.objects.count() == 5
    _, result = run(college, sd.Attendance, attendance(5))
    assert result.unchanged == 5


def test_signal_after_commit_and_file_upload_page(college, login, django_capture_on_commit_callbacks):
    from zhengai.statedata.signals import import_committed

    received = []

    def handler(sender, **kwargs):
        received.append((sender, [p.code for p in kwargs["periods"]]))

    import_committed.connect(handler)
    client = login(college.users["steward"])
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("statedata:attendance_import"),
                                   {"file": __import__("django.core.files.uploadedfile", fromlist=["x"])
                                   .SimpleUploadedFile("考勤.xlsx", xlsx(attendance()))})
    finally:
        import_committed.disconnect(handler)
    assert response.status_code == 200, response.content.decode()
    assert received == [(sd.Attendance, [S])]
    template = client.get(reverse("statedata:attendance_template"))
    assert template.status_code == 200


def test_a_large_file_runs_as_a_job(college, login, settings, django_capture_on_commit_callbacks):
    settings.ZHENGAI_IMPORT_INLINE_ROWS = 1
    client = login(college.users["steward"])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, sd.Attendance, data=xlsx(attendance(3)))
    assert response.status_code == 302
    assert sd.Attendance.objects.count() == 3


@pytest.mark.parametrize("who,sees", [("steward", 3), ("course_leader", 3), ("student", 3), ("teacher", 3),
                                      ("major_leader", 3), ("counsellor", 3)])
def test_list_page_filters_and_restricts(college, login, who, sees):
    run(college, sd.Attendance, attendance())
    client = login(college.users[who])
    page = client.get(reverse("statedata:attendance_list"), {"period": S, "course": "C001"}).content.decode()
    assert page.count("<tr><td>") == sees
    assert client.get(reverse("statedata:attendance_list"), {"student": "S002"}).content.decode().count(
        "<tr><td>") == 0


def test_another_college_sees_nothing(college, other, login):
    run(college, sd.Attendance, attendance())
    client = login(other.users["quality"])
    assert client.get(reverse("statedata:attendance_list")).content.decode().count("<tr><td>") == 0
    assert client.get(reverse("statedata:attendance_import")).status_code == 200  # their own import page
    assert login(college.users["teacher"]).get(reverse("statedata:attendance_import")).status_code == 403
