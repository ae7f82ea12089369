"""Surveys on a 390×844 phone: a student finds the survey waiting for them and answers it; a graduate opens a
one-time link without an account and answers it — nothing off the side of the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_onepage_phone import no_sideways_scroll
from zhengai.surveys import services
from zhengai.surveys.choices import Template
from zhengai.surveys.models import Participation, Response

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def published(c, key):
    q = c.users["quality"]
    survey = services.template_install(actor=q, institution=c.institution, key=key)
    services.survey_publish(actor=q, survey=survey)
    return survey


def test_a_student_answers_a_survey_on_a_phone(phone, college):
    survey = published(college, Template.STUDENT_SATISFACTION)
    sign_in(phone, "student")
    phone.goto(phone.base_url + "/surveys/my/")
    no_sideways_scroll(phone)
    phone.get_by_role("link", name="在校生满意度调查").click()
    no_sideways_scroll(phone)
    # Submitting at once lists every problem and keeps the page.
    phone.get_by_role("button", name="提交问卷").click()
    expect(phone.locator("#errors")).to_contain_text("还有未作答的行")
    for group in phone.locator("[role=radiogroup]").all():
        group.get_by_label("满意", exact=True).check()
    overall = phone.locator("fieldset", has_text="您对学校的总体满意程度")
    overall.get_by_label("很满意").check()
    phone.locator("textarea").fill("希望图书馆延长开放时间")
    no_sideways_scroll(phone)
    phone.get_by_role("button", name="提交问卷").click()
    expect(phone.locator("#thanks")).to_contain_text("提交成功")
    assert Response.objects.filter(survey=survey).count() == 1
    assert Participation.objects.get(survey=survey).response is None   # anonymous
    phone.goto(phone.base_url + "/surveys/my/")
    expect(phone.locator("#done")).to_contain_text("在校生满意度调查")


def test_a_graduate_answers_by_link_without_logging_in(phone, college):
    survey = published(college, Template.GRADUATE)
    invitee, = services.invitees_add(actor=college.users["quality"], survey=survey, rows=[
        {"name": "刘毕业", "contact": "", "major": college.majors["soft"], "cohort": 2025}])
    phone.goto(phone.base_url + f"/surveys/t/{invitee.token}/")
    no_sideways_scroll(phone)
    phone.get_by_label("受雇全职工作").check()
    phone.get_by_label("您目前的月收入（元，税前）").fill("5200")
    phone.get_by_label("没有离职").check()
    phone.locator("fieldset", has_text="您对母校的总体满意程度").get_by_label("满意", exact=True).check()
    for group in phone.locator("[role=radiogroup]").all():
        group.get_by_label("基本满意").check()
    phone.get_by_label("愿意", exact=True).check()
    phone.get_by_role("button", name="提交问卷").click()
    expect(phone.locator("#thanks")).to_contain_text("提交成功")
    assert Participation.objects.filter(invitee=invitee).exists()
    phone.goto(phone.base_url + f"/surveys/t/{invitee.token}/")
    expect(phone.locator("#thanks")).to_contain_text("只能提交一次")
