"""The report editor on a 390×844 phone: a major leader opens the major's report, writes two elements (the
字数 counting as she types), saves with the save bar that stays in view, reloads and finds both saved — and
nothing on the page is wider than the screen."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.reports.test_reports import major_report
from zhengai.reports import rules
from zhengai.reports.models import ReportRow

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = "专业建设规划目标基本达成，就业率95%。"      # 18 字: 17 CJK characters and marks, "95%" one word
SECOND = "实训基地建设滞后，原因是经费到位晚。"


def _no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"页面宽 {width}px，超出屏幕"


def test_a_major_leader_writes_two_elements_on_a_phone_and_both_are_saved(page, college):
    report = major_report(college)
    first, second = list(report.rows.filter(applicable=True).order_by("order"))[:2]
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "major_leader")
    page.goto(page.base_url + reverse("reports:report_detail", args=[report.pk]))
    expect(page.locator(f'[data-index-for="{first.pk}"]')).to_have_class("chip missing")
    _no_overflow(page)

    # The index opens the element it names; the count follows the typing with Word's rule.
    page.locator(f'[data-index-for="{first.pk}"]').click()
    card = page.locator(f"#row-{first.pk}")
    expect(card.locator(f'textarea[name="row-{first.pk}-achievements"]')).to_be_visible()
    card.locator(f'textarea[name="row-{first.pk}-achievements"]').fill(FIRST)
    assert rules.count_chars(FIRST) == 18
    expect(card.locator(".opinion-count")).to_have_text(str(rules.count_chars(FIRST)))
    expect(page.locator(f'[data-index-for="{first.pk}"]')).to_have_class("chip filled dirty")
    expect(page.locator("#dirty")).to_be_visible()

    other = page.locator(f"#row-{second.pk}")
    other.locator("> summary").click()
    other.locator(f'textarea[name="row-{second.pk}-problems"]').fill(SECOND)
    _no_overflow(page)
    # The save bar is on screen wherever the author is on the page.
    save = page.locator("#save")
    expect(save).to_be_in_viewport()
    box = save.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    save.click()
    expect(page.get_by_text("已保存。")).to_be_visible()

    page.reload()
    expect(page.locator(f'textarea[name="row-{first.pk}-achievements"]')).to_have_value(FIRST)
    expect(page.locator(f'textarea[name="row-{second.pk}-problems"]')).to_have_value(SECOND)
    expect(page.locator(f'[data-index-for="{first.pk}"]')).to_have_class("chip filled")
    rows = {r.pk: r for r in ReportRow.objects.filter(pk__in=[first.pk, second.pk])}
    assert rows[first.pk].achievements == FIRST and rows[second.pk].problems == SECOND
    # The other elements were sent untouched: still as created.
    assert not ReportRow.objects.filter(report=report).exclude(pk__in=[first.pk, second.pk]).exclude(
        achievements="").exists()
    _no_overflow(page)
    page.locator("[data-expand-all]").click()
    _no_overflow(page)
