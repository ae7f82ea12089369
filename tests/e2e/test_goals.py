"""The goal chain in the browser: a department head fills a one-page plan and reports progress; the task's
date passes; the head and the quality office both see the overdue warning; the head keeps the task's PDCA
record with an evidence file."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import pick_person, sign_in
from zhengai.goals import tracking
from zhengai.goals.models import Evidence, OnePagePlan, PlanTask, TaskRecord
from zhengai.monitoring.models import Warning

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_head_plans_reports_progress_is_warned_and_records_the_task(page, college):
    today = timezone.localdate()
    due = today + datetime.timedelta(days=20)
    sign_in(page, "head")

    # A one-page plan for the head's own secondary college.
    page.goto(page.base_url + "/goals/onepage/add/")
    page.locator("#id_entity").select_option(label="信息工程学院（U01）")
    page.locator("#id_year").fill(str(today.year))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("信息工程学院")
    plan = OnePagePlan.objects.get(unit=college.units["it"], year=today.year)

    page.get_by_role("link", name="新增目标").click()
    page.locator("#id_text").fill("专业建设水平全面提升")
    page.get_by_role("button", name="保存").click()

    page.get_by_role("link", name="新增主要任务").click()
    page.locator("#id_title").fill("完成软件技术专业人才培养方案修订")
    page.get_by_label("1. 专业建设水平全面提升").check()
    pick_person(page, "#id_owner", "信息学院院长")
    page.locator(f"input[name=months][value='{today.month}']").check()
    page.locator("#id_due").fill(due.isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#tasks")).to_contain_text("完成软件技术专业人才培养方案修订")
    task = PlanTask.objects.get(plan=plan)
    assert task.unit == college.units["it"] and list(task.objectives.values_list("text", flat=True)) == [
        "专业建设水平全面提升"]

    # Monthly progress.
    page.locator("#tasks").get_by_role("link", name="填报进度").click()
    page.locator("#id_month").select_option(str(today.month))
    page.locator("#id_progress").fill("30")
    page.locator("#id_note").fill("已完成行业企业调研，正在起草方案")
    page.get_by_role("button", name="保存进度").click()
    expect(page.get_by_text(f"已填报 {today.month} 月进度")).to_be_visible()
    expect(page.locator("#tasks")).to_contain_text("30%")
    task.refresh_from_db()
    assert task.progress == 30 and task.state == "in_progress"

    # The date passes with the task unfinished: the hourly sweep raises one overdue warning.
    tracking.sweep(institution=college.institution, today=due + datetime.timedelta(days=1))
    tracking.sweep(institution=college.institution, today=due + datetime.timedelta(days=2))
    overdue = Warning.objects.get(kind="task_overdue", subject_id=task.pk)
    assert overdue.state == "open"

    page.goto(page.base_url + "/monitoring/warnings/mine/")
    expect(page.locator("#warnings")).to_contain_text("完成软件技术专业人才培养方案修订")
    expect(page.locator("#warnings")).to_contain_text("任务逾期预警")

    # The head keeps the task's PDCA record with an evidence file.
    page.goto(page.base_url + f"/goals/onepage/{plan.pk}/")
    page.locator("#tasks").get_by_role("link", name="诊改记录").click()
    page.locator("#record-form #id_goal_text").fill("完成人才培养方案修订并通过学校审定")
    page.locator("#record-form #id_standard_text").fill("对接行业标准，课程体系重构，专家论证通过")
    page.get_by_role("button", name="保存记录").click()
    page.locator("#evidence input[type=file]").set_input_files(
        files=[{"name": "调研报告.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("#evidence").get_by_role("button", name="上传").click()
    expect(page.locator("#evidence")).to_contain_text("调研报告.pdf")
    record = TaskRecord.objects.get(task=task)
    assert record.goal_text == "完成人才培养方案修订并通过学校审定"
    assert Evidence.objects.get(record=record).name == "调研报告.pdf"

    # The quality office sees the same warning in the school's inbox.
    page.context.clear_cookies()
    sign_in(page, "quality")
    page.goto(page.base_url + "/monitoring/warnings/?kind=task_overdue")
    expect(page.locator("#warnings")).to_contain_text("完成软件技术专业人才培养方案修订")
    expect(page.locator("#warnings")).to_contain_text("信息工程学院")
