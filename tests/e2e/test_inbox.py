"""In the browser: a head ticks "select all on this page" and assigns the page's warnings to a colleague found
by typing in the people picker (htmx); the recompute button asks before it starts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring.models import Warning
from zhengai.standards.models import QCPoint
from zhengai.standards.services import library_load

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_head_assigns_a_page_of_warnings_to_a_teacher_found_by_typing(page, college):
    c = college
    year = ensure_academic_year(2024)
    library_load(c.institution)
    ws = []
    for point in QCPoint.objects.filter(institution=c.institution, level="major")[:3]:
        w = Warning.objects.create(institution=c.institution, qc_point=point, period=year, level="major",
                                   entity_key=f"major:{c.majors['soft'].pk}", major=c.majors["soft"],
                                   severity="serious", assigned_unit=c.units["it"])
        w.owners.add(c.users["head"])
        ws.append(w)
    sign_in(page, "head")
    page.goto(page.base_url + "/monitoring/warnings/?mine=1&state=open")
    expect(page.locator("#pager")).to_contain_text("共 3 条，第 1/1 页")
    page.get_by_label("全选本页").check()
    expect(page.locator('input[name="ids"]:checked')).to_have_count(3)
    page.locator("#bulk select[name=action]").select_option("assign")
    page.locator("#bulk").get_by_label("搜索人员").fill("张老")
    picker = page.locator('#bulk select[name="assignee"]')
    expect(picker.locator("option")).to_have_count(2)   # 请选择… and 张老师: no student, nobody else
    picker.select_option(str(c.users["teacher"].pk))
    page.locator("#bulk").get_by_role("button", name="执行").click()
    expect(page.get_by_text("已指派 3 条预警")).to_be_visible()
    for w in ws:
        assert c.users["teacher"] in w.owners.all()


def test_recompute_asks_before_it_starts(page, college):
    ensure_academic_year(2024)
    sign_in(page, "quality")
    page.goto(page.base_url + "/monitoring/recompute/")
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="重新计算全部质控点").click()
    assert asked and "确定重新计算" in asked[0]
    assert page.url.endswith("/monitoring/recompute/")
