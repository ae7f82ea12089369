from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_wrong_password_is_refused_in_chinese(page, college):
    page.goto(page.base_url + "/login/")
    page.get_by_label("账号").fill("quality")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("账号或密码不正确")


def test_teacher_home_shows_own_record_and_no_student_list(page, college):
    sign_in(page, "teacher")
    expect(page.get_by_role("heading", name="我的教师档案：张老师")).to_be_visible()
    nav = page.get_by_role("navigation", name="主导航")
    assert nav.get_by_role("link", name="课程", exact=True).is_visible()
    assert nav.get_by_role("link", name="学生").count() == 0


def test_phone_layout_hides_menu_until_opened(browser, live_server, college):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.base_url = live_server.url
    sign_in(page, "quality")
    nav = page.get_by_role("navigation", name="主导航")
    assert not nav.is_visible()
    page.get_by_label("菜单").click()
    expect(nav).to_be_visible()
    context.close()


def test_repeated_wrong_passwords_lock_the_account(page, college, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        page.goto(page.base_url + "/login/")
        page.get_by_label("账号").fill("quality")
        page.get_by_label("密码").fill("wrong-password")
        page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="登录已暂时锁定")).to_be_visible()
    # Even the right password is refused while locked.
    page.goto(page.base_url + "/login/")
    page.get_by_label("账号").fill("quality")
    page.get_by_label("密码").fill("zhengai-test-pass")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="登录已暂时锁定")).to_be_visible()
