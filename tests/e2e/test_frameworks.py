from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from zhengai.frameworks.services import framework_adopt, load_builtin

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def adopted(college):
    builtins = {f.code: f for f in load_builtin()}
    return framework_adopt(actor=college.users["quality"], institution=college.institution,
                           framework=builtins["wuhan-software"])


def test_quality_office_opens_the_wuhan_framework_and_sees_its_counts(page, adopted):
    sign_in(page, "quality")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="诊断项目表").click()
    page.get_by_role("link", name=adopted.name).first.click()
    counts = page.get_by_role("region", name="数量")
    expect(counts).to_be_visible()
    text = counts.inner_text()
    for found in ("7", "36", "90", "301"):
        assert found in text
    assert "表中声明 90 个" in text and "表中声明 301 个" in text
    # The tree holds the points the seed's 附件2 restored (2.4 lost its names in 附件1).
    expect(page.get_by_text("教学管理与教风").first).to_be_attached()


def test_teacher_is_refused_the_edit_page(page, adopted):
    sign_in(page, "teacher")
    page.goto(page.base_url + f"/frameworks/{adopted.pk}/")
    assert page.get_by_role("link", name="编辑 / 增加本校诊断点").count() == 0
    response = page.goto(page.base_url + f"/frameworks/{adopted.pk}/edit/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权操作")).to_be_visible()
