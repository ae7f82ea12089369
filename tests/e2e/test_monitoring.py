from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.monitoring.conftest import build_state
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring.models import Warning
from zhengai.monitoring.services import recompute
from zhengai.standards.services import library_load

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "学年,专业代码,专业名称,毕业生数,就业数,对口就业数\n"


@pytest.fixture
def measured(college):
    year = ensure_academic_year(2024)
    library_load(college.institution)
    build_state(college, year)
    recompute(institution=college.institution, period=year)
    return college


def _upload(page, text: str) -> None:
    page.set_input_files("input[type=file]", files=[{"name": "就业.csv", "mimeType": "text/csv",
                                                     "buffer": text.encode("utf-8")}])
    page.get_by_role("button", name="上传并导入").click()


def test_steward_imports_then_quality_office_sees_the_warning_and_drills_down(page, measured):
    sign_in(page, "steward")
    page.goto(page.base_url + "/statedata/employment/import/")
    _upload(page, HEADER + "2024-2025,510201,软件技术,40,30,20\n2024-2025,999999,不存在,10,9,8\n"
                           "2024-2025,460104,机械设计与制造,abc,5,4\n")
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    rows = errors.locator("tbody tr")
    expect(rows).to_have_count(2)
    assert rows.nth(0).inner_text().startswith("第3行") and "999999" in rows.nth(0).inner_text()
    assert rows.nth(1).inner_text().startswith("第4行") and "毕业生数" in rows.nth(1).inner_text()
    assert not Warning.objects.filter(qc_point__code="M11").exists()

    _upload(page, HEADER + "2024-2025,510201,软件技术,40,30,20\n")
    expect(page.get_by_role("status").get_by_text("更新1行").first).to_be_visible()
    # The import recomputed the employment points: 30 / 40 = 75% is below the 90% warning line.
    assert Warning.objects.filter(qc_point__code="M11", major=measured.majors["soft"], state="open").exists()

    page.context.clear_cookies()
    sign_in(page, "quality")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="驾驶舱").click()
    page.get_by_role("navigation", name="层面").get_by_role("link", name="专业").click()
    page.get_by_role("link", name="应届毕业生就业率").click()
    worst = page.locator("#worst")
    expect(worst).to_contain_text("软件技术")
    expect(worst).to_contain_text("不达标")

    page.get_by_role("navigation", name="层面").get_by_role("link", name="学校").click()
    page.get_by_role("link", name="学校画像与下钻").click()
    page.locator("#children").get_by_role("link", name="信息工程学院").click()
    page.locator("#children").get_by_role("link", name="软件技术").click()
    expect(page.locator("#measurements")).to_contain_text("应届毕业生就业率")
    page.locator("#children").get_by_role("link", name="Java程序设计").click()
    expect(page.get_by_role("heading", name="Java程序设计")).to_be_visible()
