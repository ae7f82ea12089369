"""The one-page plan on a 390×844 phone: a department head fills the month's progress, a teacher reads every
task of their plan — names whole, nothing off the side of the screen."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from zhengai.goals import services
from zhengai.goals.models import ProgressUpdate

pytestmark = pytest.mark.django_db(transaction=True)

TITLES = ["完成软件技术专业人才培养方案修订并提交学院教学指导委员会审议通过",
          "建设两门校级精品在线开放课程（Java 程序设计、Web/App 前端开发）",
          "指导学生参加全国职业院校技能大赛软件测试赛项并力争获得省级一等奖以上",
          "完成“1+X”Web 前端开发职业技能等级证书考点建设",
          "申报一项省级教育教学改革研究项目"]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def plan_with_tasks(c, level, entity, owner):
    q = c.users["quality"]
    year = timezone.localdate().year
    plan = services.onepage_create(actor=q, institution=c.institution, level=level, entity=entity, year=year)
    objective = services.objective_save(actor=q, onepage=plan, data={"text": "专业建设水平全面提升"})
    tasks = [services.plan_task_save(actor=q, onepage=plan, objectives=[objective], data={
        "title": title, "owner": owner, "months": [3, 4, 5, 9, 10], "due": datetime.date(year, 10, 31)})
        for title in TITLES]
    return plan, tasks


def no_sideways_scroll(page) -> None:
    page.wait_for_load_state()
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 391).slice(0, 8)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide


def test_head_fills_the_months_progress_on_a_phone(phone, college):
    c = college
    plan, tasks = plan_with_tasks(c, "unit", c.units["it"], c.users["head"])
    month = timezone.localdate().month
    sign_in(phone, "head")
    phone.goto(phone.base_url + f"/goals/onepage/{plan.pk}/")
    no_sideways_scroll(phone)
    cards = phone.locator("#task-cards")
    expect(cards).to_be_visible()
    # Wait for the progress page itself: a check run while the click's navigation commits finds no document.
    with phone.expect_navigation():
        cards.locator("li").first.get_by_role("link", name="填报进度").click()
    no_sideways_scroll(phone)
    # One click on an untouched form saves nothing: it says what is missing.
    phone.get_by_role("button", name="保存进度").click()
    expect(phone.get_by_text("请选择填报的月份")).to_be_visible()
    expect(phone.get_by_text("请写明本月做了什么")).to_be_visible()
    assert not ProgressUpdate.objects.exists()
    phone.locator("#id_month").select_option(str(month))
    phone.locator("#id_progress").fill("30")
    phone.locator("#id_note").fill("已完成行业企业调研，正在起草方案")
    phone.get_by_role("button", name="保存进度").click()
    expect(phone.get_by_text(f"已填报 {month} 月进度")).to_be_visible()
    expect(phone.locator("#task-cards li").first).to_contain_text("30%")
    no_sideways_scroll(phone)
    update = ProgressUpdate.objects.get()
    assert (update.task, update.month, update.progress) == (tasks[0], month, 30)


def test_teacher_reads_every_task_of_the_plan_on_a_phone(phone, college):
    c = college
    plan, _ = plan_with_tasks(c, "teacher", c.teachers["t1"], c.users["teacher"])
    sign_in(phone, "teacher")
    phone.goto(phone.base_url + f"/goals/onepage/{plan.pk}/")
    no_sideways_scroll(phone)
    for title in TITLES:
        name = phone.locator("#task-cards .task-name", has_text=title)
        expect(name).to_be_visible()
        expect(name).to_contain_text(title)  # whole, not shortened
        box = name.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
        # Not clipped by its box either.
        assert name.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight")
    card = phone.locator("#task-cards li").first
    expect(card).to_contain_text("张老师")
    expect(card).to_contain_text("-10-31")
    expect(card.locator(".months span.on")).to_have_count(5)
