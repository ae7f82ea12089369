"""The cockpits and portraits let the viewer pick the period (year, semester, month) among those with data for
the shown points; every figure links to its measurement, or to the measurements a total, a rate or a median
counts; a rate above 100 % shows as 数据异常 and is not counted in 达标率."""

from __future__ import annotations

import html as htmllib
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.monitoring.conftest import build_state
from zhengai.core.periods import ensure_academic_year
from zhengai.dashboards import cockpit
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.services import recompute
from zhengai.standards.services import library_load
from zhengai.statedata import models as sd


@pytest.fixture
def year(db):
    return ensure_academic_year(2024)


@pytest.fixture
def measured(college, year):
    library_load(college.institution)
    build_state(college, year)
    recompute(institution=college.institution, period=year)
    return college


def _options(page: str) -> dict[str, list[str]]:
    select = re.search(r'<select name="period".*?</select>', page, re.S).group(0)
    return {label: re.findall(r'<option value="([^"]+)"', body)
            for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)}


def test_the_picker_offers_year_semester_and_month_and_opens_on_the_year(measured, login):
    client = login(measured.users["quality"])
    page = client.get("/cockpit/student/").content.decode()
    # The state has process rows in October 2024 (first semester): P01 出勤率 is monthly, P04 per semester.
    assert _options(page) == {"学年": ["2024-2025"], "学期": ["2024-2025-1"], "月份": ["2024-10"]}
    assert re.search(r'<option value="2024-2025" selected>', page)
    # A course's semester points read the yearly 评教 table: the course cockpit offers no semester.
    assert _options(client.get("/cockpit/course/").content.decode()) == {"学年": ["2024-2025"],
                                                                          "月份": ["2024-10"]}
    # Picking the month shows the points measured that month, with the month's figures.
    month = client.get("/cockpit/course/?period=2024-10").content.decode()
    assert re.search(r'<option value="2024-10" selected>', month)
    rows = re.findall(r'point=(\w+)"', re.search(r'id="points">.*?</table>', month, re.S).group(0))
    assert "C02" in rows and "C01" not in rows   # C01 实践课时比例 is yearly


def test_the_school_cockpit_offers_only_periods_of_its_points(measured, login):
    page = login(measured.users["quality"]).get("/cockpit/").content.decode()
    # S19 出勤率 is the school's one monthly process point; no school point is per semester.
    assert _options(page) == {"学年": ["2024-2025"], "月份": ["2024-10"]}


def test_a_portrait_offers_the_periods_of_its_entity(measured, login):
    client = login(measured.users["quality"])
    java = measured.courses["java"]
    page = client.get(f"/entities/course/{java.pk}/").content.decode()
    assert "2024-10" in _options(page)["月份"]
    month = client.get(f"/entities/course/{java.pk}/?period=2024-10").content.decode()
    m = Measurement.objects.get(qc_point__code="C02", course=java, period__code="2024-10")
    assert m.get_absolute_url() in month


def _links(page: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'<a class="(?:card )?figure" href="([^"]+)"', page)]


def test_total_cards_and_pass_rates_link_to_the_measurements_they_count(measured, login, year):
    client = login(measured.users["quality"])
    page = client.get("/cockpit/major/").content.decode()
    links = _links(page)
    fails = next(u for u in links if "status=fail" in u and "point=" not in u)
    q = parse_qs(urlparse(fails).query)
    assert (q["level"], q["period"], q["counting"]) == (["major"], ["2024-2025"], ["1"])
    listed = client.get(fails)
    assert listed.status_code == 200
    expected = Measurement.objects.filter(level="major", period=year, status="fail").count()
    assert expected and len(listed.context["measurements"]) == expected
    # The 达标率 of M13 links to M13's measurements of the year.
    rate = next(u for u in links if "point=M13" in u and "status=" not in u)
    shown = client.get(rate)
    assert shown.status_code == 200
    assert {m.qc_point.code for m in shown.context["measurements"]} == {"M13"}


def test_portrait_median_and_chart_points_link_to_measurements(measured, login, year):
    client = login(measured.users["quality"])
    soft = measured.majors["soft"]
    page = client.get(f"/entities/major/{soft.pk}/").content.decode()
    own = Measurement.objects.filter(major=soft, period=year).exclude(value=None)
    assert all(m.get_absolute_url() in page for m in own)
    # Each point of the portrait's charts carries its measurement's page.
    figures = [json.loads(htmllib.unescape(f)) for f in re.findall(r'data-figure="([^"]+)"', page)]
    urls = {u for f in figures for trace in f["data"] for u in trace.get("customdata", [])}
    assert {m.get_absolute_url() for m in own if m.qc_point.standard is not None and m.status != "data_error"} <= urls
    some = sorted(urls)[0]
    assert client.get(some).status_code == 200


def test_the_median_links_to_the_peers_it_is_taken_over(college, login, year):
    from zhengai.org.models import Major

    library_load(college.institution)
    build_state(college, year)
    extra = [Major.objects.create(institution=college.institution, code=f"51{i:04d}", name=f"专业{i}",
                                  unit=college.units["it"]) for i in range(2)]
    for i, major in enumerate(extra):
        sd.MajorYear.objects.create(institution=college.institution, period=year, major=major, students=90 + i)
    recompute(institution=college.institution, period=year, qc_points=["M01"])
    client = login(college.users["quality"])
    page = client.get(f"/entities/major/{college.majors['soft'].pk}/").content.decode()
    link = next(u for u in _links(page) if "unit=" in u)
    q = parse_qs(urlparse(link).query)
    assert (q["point"], q["unit"], q["period"]) == (["M01"], [str(college.units["it"].pk)], ["2024-2025"])
    listed = client.get(link)
    assert listed.status_code == 200 and len(listed.context["measurements"]) == 3


def test_a_rate_above_100_is_data_error_not_counted_in_the_pass_rate(measured, login, year):
    c = measured
    sd.Employment.objects.filter(major=c.majors["soft"]).update(graduates=78, employed=98)   # 125.64 %
    recompute(institution=c.institution, period=year, qc_points=["M11"])
    row = next(r for r in cockpit.level_summary(c.users["quality"], c.institution, "major", year)
               if r.point.code == "M11")
    assert row.counts["data_error"] == 1 and row.counts["pass"] == 0
    assert row.pass_rate is None   # nothing judged: not 100 %
    page = login(c.users["major_leader"]).get(f"/entities/major/{c.majors['soft'].pk}/").content.decode()
    m11 = re.search(r"<tr><td>应届毕业生就业率</td>.*?</tr>", page, re.S).group(0)
    assert "数据异常" in m11 and "达标</span>" not in m11 and "超过100%" in m11
    # Department performance counts judged measurements only: the 数据异常 is neither measured nor passed.
    from zhengai.goals.performance import _measured_by_unit

    counts = _measured_by_unit(Measurement.objects.filter(institution=c.institution, period=year,
                                                          qc_point__code="M11"))
    assert counts.get(c.units["it"].pk, (0, 0)) == (0, 0)
