"""From a cockpit figure to its measurement, to the state-data rows behind it, to the import that brought them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.monitoring.conftest import build_state
from tests.statedata.conftest import load
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring.services import recompute
from zhengai.standards.services import library_load
from zhengai.statedata import models as sd

pytestmark = pytest.mark.django_db(transaction=True)


def test_quality_office_follows_a_cockpit_figure_to_its_import(page, college):
    year = ensure_academic_year(2024)
    library_load(college.institution)
    build_state(college, year)
    record = load(college, sd.MajorYear, [{"学年": "2024-2025", "专业代码": "510201", "在校生数": 130}])
    recompute(institution=college.institution, period=year)

    sign_in(page, "quality")
    page.goto(page.base_url + reverse("cockpit", args=["major"]) + "?period=2024-2025")
    # M01 专业在校生数: the count of passing majors links to the measurements it counts.
    page.locator("#points tr", has_text="专业在校生数").locator("a.figure").first.click()
    expect(page.locator("#counting-note")).to_be_visible()
    page.locator("#measurements tr", has_text="软件技术").locator("a").first.click()
    expect(page.locator("#measurement")).to_contain_text("专业在校生数")
    expect(page.locator("#version")).to_contain_text("第1版")
    # The input's source rows: the major's row of the year, and only that.
    page.locator("#inputs tr", has_text="专业在校生数").locator("a.source-rows").click()
    expect(page.locator("#source-filter")).to_be_visible()
    expect(page.get_by_text("共 1 条")).to_be_visible()
    page.go_back()
    page.locator("#inputs tr", has_text="专业在校生数").locator("a.import-record").first.click()
    page.wait_for_url(page.base_url + reverse("statedata:history_detail", args=[record.pk]))
    expect(page.locator("body")).to_contain_text("130")
