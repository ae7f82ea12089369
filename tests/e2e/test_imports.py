from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from zhengai.org.models import Major

pytestmark = pytest.mark.django_db(transaction=True)


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["专业代码", "专业名称", "所属院系代码", "重点专业级别", "设置年份", "学制"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_steward_sees_every_bad_row_then_imports_a_good_file(page, college):
    sign_in(page, "steward")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="专业").click()
    page.get_by_role("link", name="Excel导入").click()
    bad = _xlsx([
        ["510205", "大数据技术", "U01", "校级重点专业", 2020, 3],
        ["510206", "云计算技术应用", "U99", "", 2021, 3],          # unknown unit
        ["510207", "", "U01", "特级专业", "二〇二一", 3],          # no name, bad level, bad year
    ])
    page.set_input_files("input[type=file]", files=[{"name": "专业.xlsx", "mimeType": "application/octet-stream",
                                                     "buffer": bad}])
    page.get_by_role("button", name="上传并导入").click()
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    rows = errors.locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().startswith("第3行") and "U99" in rows.nth(0).inner_text()
    third = rows.nth(1).inner_text()
    assert third.startswith("第4行") and "专业名称" in third and "特级专业" in third and "二〇二一" in third
    expect(page.get_by_role("alert").get_by_text("整个文件未导入")).to_be_visible()
    assert not Major.objects.filter(code__in=["510205", "510206", "510207"]).exists()

    good = _xlsx([["510205", "大数据技术", "U01", "校级重点专业", 2020, 3],
                  ["510206", "云计算技术应用", "U02", "", 2021, 3]])
    page.set_input_files("input[type=file]", files=[{"name": "专业.xlsx", "mimeType": "application/octet-stream",
                                                     "buffer": good}])
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_role("status").get_by_text("新增2行")).to_be_visible()
    assert set(Major.objects.filter(code__in=["510205", "510206"]).values_list("name", flat=True)) == {
        "大数据技术", "云计算技术应用"}
