"""Browser tests in Debian's real Chromium, driven by Playwright against the live test server."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.personas import PASSWORD

# Playwright's sync API keeps an event loop running in this thread; the ORM calls that the tests make
# between browser steps are ordinary synchronous calls, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("ZHENGAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"没有找到 Chromium（{CHROMIUM}）：请运行 scripts/test.sh，它会安装 Debian 的 chromium。")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto(page.base_url + "/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(page.base_url + "/")


def pick_person(page, select: str, name: str) -> None:
    """Choose a person in a people picker: type the name in its search box (htmx fills the select with the
    matches), then choose the match."""
    from playwright.sync_api import expect

    field = page.locator(select)
    page.locator(f"span.person-picker:has({select})").get_by_label("搜索人员").fill(name)
    option = field.locator("option", has_text=name).first
    expect(option).to_be_attached()
    field.select_option(option.get_attribute("value"))
