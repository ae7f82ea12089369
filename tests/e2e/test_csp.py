"""The Content-Security-Policy breaks nothing: the main pages load with no "Refused to …" in the console, the
charts draw, and the behaviours moved out of inline handlers (confirm, auto-submit, role hints) still work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.monitoring.conftest import build_state
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring.services import recompute
from zhengai.standards.services import library_load

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def measured(college):
    for start in (2023, 2024):  # two years: the cockpit draws a trend
        year = ensure_academic_year(start)
        if start == 2024:
            library_load(college.institution)
            build_state(college, year)
        recompute(institution=college.institution, period=year)
    return college


@pytest.fixture
def violations(page):
    """Console messages and page errors a CSP refusal (or a broken script) leaves behind."""
    found: list[str] = []
    def console(message) -> None:
        # "Failed to load resource" comes without its address (and for the browser's own /favicon.ico):
        # the response listener below names every missing file of the page instead.
        if (message.type == "error" and not message.text.startswith("Failed to load resource")
                or "Refused to" in message.text):
            found.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda e: found.append(str(e)))
    page.on("response", lambda r: found.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return found


def test_the_main_pages_run_under_the_policy(page, measured, violations):
    page.goto(page.base_url + "/login/")
    sign_in(page, "quality")
    for path in ("/", "/cockpit/", "/org/accounts/", "/org/accounts/add/", "/goals/keytasks/",
                 "/reports/status/", "/monitoring/warnings/"):
        response = page.goto(page.base_url + path)
        assert response is not None and response.status < 400, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_charts_draw_under_the_policy(page, measured, violations):
    sign_in(page, "quality")
    page.goto(page.base_url + "/cockpit/")
    charts = page.locator("[data-figure]")
    assert charts.count() >= 1
    expect(charts.first.locator(".main-svg").first).to_be_attached()
    assert [v for v in violations if "Refused" in v or "unsafe-eval" in v] == []
    assert violations == []


def test_moved_behaviours_still_work(page, college, violations):
    sign_in(page, "quality")
    page.goto(page.base_url + "/org/accounts/add/")
    page.get_by_label("角色").select_option(label="专业带头人")
    expect(page.locator("[data-role-hint]")).to_contain_text("专业代码")
    # A confirm answered "no" keeps the role; "yes" revokes it.
    page.goto(page.base_url + "/org/accounts/")
    page.get_by_role("link", name="teacher").first.click()
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_role("button", name="撤销").first.click()
    expect(page.get_by_role("button", name="撤销").first).to_be_visible()
    count = page.get_by_role("button", name="撤销").count()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="撤销").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="撤销").count() == count - 1
    assert violations == []
