"""Task warnings (临期/逾期), the sweep command and the monthly completion board."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from tests.hostile import HOSTILE, assert_inert
from zhengai.goals import tracking
from zhengai.goals.models import OnePagePlan, PlanTask, ProgressUpdate
from zhengai.monitoring.models import Notification, Warning

D = datetime.date


def make_plan(c, unit_key: str = "it", year: int = 2025, leader: str | None = "head", **fields) -> OnePagePlan:
    unit = c.units[unit_key]
    return OnePagePlan.objects.create(
        institution=c.institution, level="unit", entity_key=f"unit:{unit.pk}", unit=unit, year=year,
        name=f"{unit.name}{year}年一页纸计划", leader=c.users[leader] if leader else None, **fields)


def make_task(plan: OnePagePlan, number: int, *, owner=None, due=None, start=None, progress: int = 0,
              state: str = "in_progress", **fields) -> PlanTask:
    return PlanTask.objects.create(
        institution=plan.institution, plan=plan, number=number, title=fields.pop("title", f"任务{number}"),
        unit=fields.pop("unit", plan.unit), owner=owner, due=due, start=start, progress=progress, state=state,
        **fields)


def task_warnings(task: PlanTask):
    return Warning.objects.filter(subject_type=ContentType.objects.get_for_model(PlanTask), subject_id=task.pk)


@pytest.fixture
def plan(college):
    return make_plan(college)


def test_countdown_only_when_near_and_behind(college, plan):
    c = college
    teacher = c.users["teacher"]
    # Due 31 March, started 1 March: on 25 March 24/30 = 80 % of the time has passed.
    behind = make_task(plan, 1, owner=teacher, start=D(2025, 3, 1), due=D(2025, 3, 31), progress=50)
    ahead = make_task(plan, 2, owner=teacher, start=D(2025, 3, 1), due=D(2025, 3, 31), progress=90)
    far = make_task(plan, 3, owner=teacher, start=D(2025, 3, 1), due=D(2025, 4, 30), progress=0)
    tracking.sweep(institution=c.institution, today=D(2025, 3, 20))  # 11 days before: outside the 7-day window
    assert not task_warnings(behind).exists()
    counts = tracking.sweep(institution=c.institution, today=D(2025, 3, 25))
    assert counts["countdown"] == 1
    w = task_warnings(behind).get()
    assert (w.kind, w.severity, w.state, w.due) == ("task_countdown", "normal", "open", D(2025, 3, 31))
    assert w.title == "任务“任务1”"
    assert not task_warnings(ahead).exists() and not task_warnings(far).exists()
    # The warning carries the plan's entity, the task's unit and the 2024-2025 academic year of its date.
    assert (w.level, w.entity_key, w.unit_id, w.assigned_unit_id) == ("unit", plan.entity_key, c.units["it"].pk,
                                                                     c.units["it"].pk)
    assert w.period.code == "2024-2025"
    assert set(w.owners.all()) == {teacher, c.users["head"]}
    assert Notification.objects.filter(user=teacher, text__contains="任务1").count() == 1
    # The link goes to the plan's one-page detail when that page exists, else nowhere.
    assert w.url == tracking.reverse_or_blank("goals:onepage_detail", plan.pk)
    # Ahead task: 90 % > 80 % elapsed; without a start date the year's 1 January is the start.
    # 1 January → 31 March is 89 days, of which 83 have passed on 25 March: 93.3 % expected.
    on_track = make_task(plan, 4, owner=teacher, due=D(2025, 3, 31), progress=95)
    late = make_task(plan, 5, owner=teacher, due=D(2025, 3, 31), progress=90)
    assert tracking.expected_progress(late, D(2025, 3, 25)) == pytest.approx(100 * 83 / 89)
    tracking.sweep(institution=c.institution, today=D(2025, 3, 25))
    assert not task_warnings(on_track).exists() and task_warnings(late).exists()
    # Run again: still one warning for the behind task.
    tracking.sweep(institution=c.institution, today=D(2025, 3, 26))
    assert task_warnings(behind).count() == 1


def test_a_late_task_raises_exactly_one_overdue_warning(college, plan):
    c = college
    task = make_task(plan, 1, owner=c.users["teacher"], start=D(2025, 3, 1), due=D(2025, 3, 31), progress=10)
    tracking.sweep(institution=c.institution, today=D(2025, 3, 28))
    countdown = task_warnings(task).get(kind="task_countdown")
    for day in (1, 1, 2, 5):
        tracking.sweep(institution=c.institution, today=D(2025, 4, day))
    overdue = task_warnings(task).filter(kind="task_overdue")
    assert overdue.count() == 1
    assert overdue.get().state == "open" and overdue.get().severity == "serious"
    countdown.refresh_from_db()
    assert countdown.state == "closed" and countdown.closed_reason == "已逾期，转为逾期预警"
    # The owners heard of the overdue warning once.
    assert Notification.objects.filter(user=c.users["teacher"], text__contains="严重").count() == 1


def test_done_or_cancelled_resolves_and_deleted_closes(college, plan):
    c = college
    done = make_task(plan, 1, owner=c.users["teacher"], due=D(2025, 3, 31))
    cancelled = make_task(plan, 2, owner=c.users["teacher"], due=D(2025, 3, 31))
    gone = make_task(plan, 3, owner=c.users["teacher"], due=D(2025, 3, 31))
    tracking.sweep(institution=c.institution, today=D(2025, 4, 2))
    gone_id = gone.pk
    assert Warning.objects.filter(kind="task_overdue", state="open").count() == 3
    PlanTask.objects.filter(pk=done.pk).update(state="done", progress=100, completed_on=D(2025, 4, 3))
    PlanTask.objects.filter(pk=cancelled.pk).update(state="cancelled")
    gone.delete()
    counts = tracking.sweep(institution=c.institution, today=D(2025, 4, 4))
    assert counts["resolved"] == 2 and counts["closed"] == 1
    assert task_warnings(done).get().state == "resolved"
    assert task_warnings(cancelled).get().state == "resolved"
    assert Warning.objects.get(subject_id=gone_id, kind="task_overdue").state == "closed"
    # Nothing is raised again for finished tasks.
    tracking.sweep(institution=c.institution, today=D(2025, 4, 5))
    assert Warning.objects.filter(state="open").count() == 0


def test_countdown_resolves_when_progress_catches_up(college, plan):
    c = college
    task = make_task(plan, 1, start=D(2025, 3, 1), due=D(2025, 3, 31), progress=10)
    tracking.sweep(institution=c.institution, today=D(2025, 3, 28))
    PlanTask.objects.filter(pk=task.pk).update(progress=95)
    tracking.sweep(institution=c.institution, today=D(2025, 3, 29))
    assert task_warnings(task).get().state == "resolved"


def test_other_institutions_tasks_are_untouched(college, other, plan):
    theirs = make_task(make_plan(other), 1, due=D(2025, 3, 31))
    tracking.sweep(institution=college.institution, today=D(2025, 4, 5))
    assert not task_warnings(theirs).exists()
    tracking.sweep_all(D(2025, 4, 5))
    assert task_warnings(theirs).get().institution == other.institution


def test_the_sweep_command(college, plan):
    task = make_task(plan, 1, due=D(2025, 3, 31))
    out = io.StringIO()
    call_command("goals", "sweep", "--date", "2025-04-02", "--institution", college.institution.code, stdout=out)
    call_command("goals", "sweep", "--date", "2025-04-03", stdout=out)
    assert task_warnings(task).filter(kind="task_overdue").count() == 1
    assert "逾期预警 1 条" in out.getvalue()


def test_head_and_quality_office_see_the_task_warning_in_the_inbox(college, plan, login):
    c = college
    task = make_task(plan, 1, owner=c.users["teacher"], due=D(2025, 3, 31), title="修订人才培养方案")
    tracking.sweep(institution=c.institution, today=D(2025, 4, 2))
    w = task_warnings(task).get()
    for key in ("head", "teacher"):
        page = login(c.users[key]).get(reverse("monitoring:my_warnings"))
        assert "修订人才培养方案" in page.content.decode(), key
    page = login(c.users["quality"]).get(reverse("monitoring:warning_list"), {"kind": "task_overdue"})
    assert "修订人才培养方案" in page.content.decode() and "任务逾期预警" in page.content.decode()
    assert login(c.users["quality"]).get(reverse("monitoring:warning_detail", args=[w.pk])).status_code == 200
    export = login(c.users["quality"]).get(reverse("monitoring:warning_list"), {"export": "1"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert any("修订人才培养方案" in str(cell.value) for row in sheet.iter_rows() for cell in row)
    # Someone with nothing to do with the task does not see it.
    assert login(c.users["student"]).get(reverse("monitoring:warning_detail", args=[w.pk])).status_code == 404


# ---- the board ----------------------------------------------------------------------------------------

@pytest.fixture
def board(college, plan):
    c = college
    t1 = make_task(plan, 1, owner=c.users["teacher"], title="专业调研", kind="key", months=[1, 2, 3],
                   due=D(2025, 3, 31), state="done", progress=100, completed_on=D(2025, 3, 20))
    t2 = make_task(plan, 2, owner=c.users["major_leader"], title="课程标准修订", months=[2, 3, 4],
                   due=D(2025, 4, 30), progress=40)
    t3 = make_task(plan, 3, owner=c.users["teacher"], title="迟交的总结", months=[5],
                   due=D(2025, 5, 31), state="done", progress=100, completed_on=D(2025, 6, 10))
    ProgressUpdate.objects.create(institution=c.institution, task=t1, year=2025, month=1, progress=30)
    ProgressUpdate.objects.create(institution=c.institution, task=t1, year=2025, month=3, progress=100)
    ProgressUpdate.objects.create(institution=c.institution, task=t2, year=2025, month=2, progress=40)
    mech = make_task(make_plan(c, "mech", leader=None), 1, title="机械学院任务", due=D(2025, 6, 30))
    return {"t1": t1, "t2": t2, "t3": t3, "mech": mech}


def test_board_rows_cells_and_summary(college, board):
    c = college
    today = D(2025, 5, 15)
    tasks = tracking.board_tasks(c.users["quality"], c.institution, 2025)
    groups = tracking.board_rows(tasks, 2025, today)
    assert [g.unit for g in groups] == [c.units["it"], c.units["mech"]]
    rows = {r.task.pk: r for r in groups[0].rows}
    cells = dict(zip(tracking.BOARD_MONTHS, rows[board["t1"].pk].cells, strict=True))
    assert cells[1]["text"] == "30%" and cells[3]["text"] == "100%"
    assert cells[2]["state"] == "missing"  # planned for February, nothing reported
    t2 = dict(zip(tracking.BOARD_MONTHS, rows[board["t2"].pk].cells, strict=True))
    assert t2[2]["text"] == "40%" and t2[3]["state"] == "missing" and t2[4]["state"] == "missing"
    assert t2[9]["text"] == ""
    assert rows[board["t2"].pk].late and rows[board["t3"].pk].late and not rows[board["t1"].pk].late
    summary = {s["unit"]: s for s in tracking.board_summary(tasks, today)}
    it = summary[c.units["it"].pk]
    assert (it["total"], it["done"], it["on_time"], it["late"], it["rate"]) == (3, 2, 1, 2, 66.7)
    assert summary[c.units["mech"].pk]["late"] == 0


def test_board_who_sees_what(college, other, board, login):
    c = college
    url = reverse("goals:board")
    quality = login(c.users["quality"]).get(url, {"year": 2025}).content.decode()
    assert "专业调研" in quality and "机械学院任务" in quality
    head = login(c.users["head"]).get(url, {"year": 2025}).content.decode()
    assert "专业调研" in head and "机械学院任务" not in head
    # A major leader is no unit head: only the tasks they own.
    ml = login(c.users["major_leader"]).get(url, {"year": 2025}).content.decode()
    assert "课程标准修订" in ml and "专业调研" not in ml
    # A unit the head may not pick: 404; the other college sees none of ours.
    assert login(c.users["head"]).get(url, {"year": 2025, "unit": c.units["mech"].pk}).status_code == 404
    theirs = login(other.users["quality"]).get(url, {"year": 2025}).content.decode()
    assert "专业调研" not in theirs and "还没有可见的一页纸计划任务" in theirs
    assert login(c.users["quality"]).get(url, {"year": 2025, "kind": "key"}).content.decode().count("课程标准修订") == 0


def test_board_export(college, board, login):
    response = login(college.users["quality"]).get(reverse("goals:board"), {"year": 2025, "export": "1"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["完成情况一览表"]
    assert [sheet.cell(2, i).value for i in range(1, 6)] == ["任务来源", "属性", "序号", "任务", "完成时限"]
    assert sheet.cell(3, 6).value == "1月" and sheet.cell(3, 15).value == "12月"
    values = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert "专业调研" in values and "30%" in values
    assert book["部门汇总"].cell(2, 1).value == college.units["it"].name


def test_board_export_carries_hostile_task_titles_as_text(college, plan, login):
    for n, title in enumerate(HOSTILE, start=1):
        make_task(plan, n, title=title, months=[1], due=D(2025, 3, 31), state="done", completed_on=D(2025, 3, 1))
    response = login(college.users["quality"]).get(reverse("goals:board"), {"year": 2025, "export": "1"})
    assert response.status_code == 200
    assert_inert(response.content)
