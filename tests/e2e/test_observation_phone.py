"""Lesson observation on a 390×844 phone: a supervisor finds today's lesson, scores every indicator, writes a
comment and files the observation; the weighted total is stored and nothing runs off the side of the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_onepage_phone import no_sideways_scroll, phone  # noqa: F401 - the phone fixture
from tests.e2e.test_roll_call_phone import todays_offering
from zhengai.teaching.choices import ObservationState
from zhengai.teaching.models import Observation

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_supervisor_files_an_observation_on_a_phone(phone, college):  # noqa: F811
    todays_offering(college)
    sign_in(phone, "supervisor")
    phone.goto(phone.base_url + "/teaching/observations/")
    no_sideways_scroll(phone)
    phone.get_by_role("link", name="去听课：选择课次").click()
    no_sideways_scroll(phone)
    phone.get_by_role("button", name="听这次课").click()
    selects = phone.locator("form.observation-form select")
    expect(selects).to_have_count(7)
    no_sideways_scroll(phone)
    for i in range(7):
        selects.nth(i).select_option("9")
    selects.nth(0).select_option("7")
    phone.get_by_label("优点").fill("案例来自企业真实项目")
    phone.get_by_role("button", name="提交听课记录").click()
    expect(phone.get_by_text("听课记录已提交")).to_be_visible()
    no_sideways_scroll(phone)
    record = Observation.objects.get()
    # 教学准备 (weight 10) scored 7, the rest 9: 7 + 81 = 88.
    assert record.state == ObservationState.FILED and record.total == Decimal("88.0")
    expect(phone.get_by_text("88.0")).to_be_visible()
