"""Lineage: a measurement's page traces each input to the state-data rows behind it, the import that brought
them and the frozen snapshot they are in; only for who may see the measurement."""

from __future__ import annotations

import html

from django.urls import reverse

from tests.statedata.conftest import load
from zhengai.monitoring import services
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.selectors import that_count
from zhengai.statedata import models as sd
from zhengai.statedata.versions import period_freeze


def _major_measurement(c):
    return that_count(Measurement.objects.filter(level="major", major=c.majors["soft"],
                                                 inputs__has_key="专业在校生数")).select_related("qc_point").first()


def test_measurement_page_links_inputs_to_rows_import_and_snapshot(state, year, login):
    c = state
    record = load(c, sd.MajorYear, [{"学年": "2024-2025", "专业代码": "510201", "在校生数": 130}])
    services.recompute(institution=c.institution, period=year)
    version = period_freeze(actor=c.users["steward"], institution=c.institution, period=year)
    m = _major_measurement(c)
    assert m is not None and m.source_import_id == record.pk

    page = login(c.users["quality"]).get(m.get_absolute_url()).content.decode()
    assert m.qc_point.code in page and m.formula in html.unescape(page) and "第1版" in page
    assert reverse("statedata:history_detail", args=[record.pk]) in page
    assert reverse("statedata:version_diff", args=[version.pk]) in page
    rows_url = f"{reverse('statedata:majoryear_list')}?periods={year.pk}&amp;of=major%3A{c.majors['soft'].pk}"
    assert rows_url in page

    # The filtered list holds the major's row, not the other major's.
    rows = login(c.users["quality"]).get(html.unescape(rows_url)).content.decode()
    assert 'id="source-filter"' in rows and "共 1 条" in rows and ">130<" in rows


def test_measurement_page_is_gated_and_hides_what_the_viewer_may_not_open(state, year, login, other):
    c = state
    load(c, sd.MajorYear, [{"学年": "2024-2025", "专业代码": "510201", "在校生数": 130}])
    services.recompute(institution=c.institution, period=year)
    m = _major_measurement(c)
    # The major's leader sees it, with the source rows but without a link to the import history (not theirs).
    page = login(c.users["major_leader"]).get(m.get_absolute_url())
    assert page.status_code == 200
    assert 'class="source-rows"' in page.content.decode() and 'class="import-record"' not in page.content.decode()
    # Another major's teacher and another college: 404.
    assert login(c.users["teacher"]).get(m.get_absolute_url()).status_code == 404
    assert login(other.users["quality"]).get(m.get_absolute_url()).status_code == 404


def test_source_row_filter_refuses_paths_outside_the_entities(state, login):
    c = state
    url = reverse("statedata:majoryear_list")
    client = login(c.users["quality"])
    # A path through a field that is not an entity relation selects nothing rather than leaking.
    assert "共 2 条" in client.get(url).content.decode()
    page = client.get(url, {"of": f"major__unit__institution:{c.institution.pk}"}).content.decode()
    assert "没有符合条件的记录" in page
    page = client.get(url, {"of": f"major__unit:{c.units['it'].pk}"}).content.decode()
    assert "共 1 条" in page
