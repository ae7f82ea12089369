"""监测周期 honoured: monthly and semester points are measured (and warned) per month and semester of the
process data, yearly points per year as before; a correction to March recomputes March (its semester and the
year), never February; a rate above 100 % is 数据异常, never 达标, and tells the data steward."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from zhengai.core.models import Period
from zhengai.monitoring import services
from zhengai.monitoring.choices import Status, WarningKind
from zhengai.monitoring.models import Measurement, Warning
from zhengai.statedata import models as sd
from zhengai.statedata import process, totals

SEM2 = "2024-2025-2"


def lessons(c, month: int, statuses: list[int]) -> None:
    """Lessons of Java for 王同学 in `month` of 2025 (second semester), one per status (1 出勤, 4 缺勤)."""
    sem = Period.objects.get(code=SEM2)
    for n, status in enumerate(statuses, start=1):
        sd.Attendance.objects.create(institution=c.institution, period=sem, course=c.courses["java"],
                                     student=c.students["s1"], teacher=c.teachers["t1"],
                                     lesson_date=datetime.date(2025, month, 10), lesson_no=n, status=status)
    # Rows written straight to the table bypass the writers that keep the running totals: recount them, as a
    # bulk load does, so that a later import's correction moves totals that match the rows.
    totals.rebuild(c.institution.pk)


@pytest.fixture
def months(state, year):
    """March fails 到课率 (50 %), April passes (100 %), May fails (75 %) — on top of the state's October."""
    lessons(state, 3, [1, 4])
    lessons(state, 4, [1, 1, 1, 1])
    lessons(state, 5, [1, 1, 1, 4])
    return state


def c02(c, code: str) -> Measurement:
    return Measurement.objects.get(qc_point__code="C02", course=c.courses["java"], period__code=code)


def test_a_monthly_point_is_measured_and_warned_per_month(months, year):
    c = months
    services.recompute(institution=c.institution, period=year, qc_points=["C02"])
    got = dict(Measurement.objects.filter(qc_point__code="C02", course=c.courses["java"])
               .values_list("period__code", "status"))
    # Every month with data, and the year's summary; no month without data.
    assert got == {"2024-10": Status.FAIL, "2025-03": Status.FAIL, "2025-04": Status.PASS,
                   "2025-05": Status.FAIL, "2024-2025": Status.FAIL}
    assert float(c02(c, "2025-03").value) == 50.0 and float(c02(c, "2025-05").value) == 75.0
    # A warning per failing month, each its own; the year's summary raises none (its months do).
    warned = set(Warning.objects.filter(qc_point__code="C02", course=c.courses["java"], state="open")
                 .values_list("period__code", flat=True))
    assert warned == {"2024-10", "2025-03", "2025-05"}


def test_april_passing_does_not_resolve_march(months, year):
    c = months
    services.recompute(institution=c.institution, period=year, qc_points=["C02"])
    march = Warning.objects.get(qc_point__code="C02", course=c.courses["java"], period__code="2025-03")
    services.recompute(institution=c.institution, period=Period.objects.get(code="2025-04"), qc_points=["C02"])
    march.refresh_from_db()
    assert march.state == "open"
    # March's own data, corrected, resolves March's warning.
    sd.Attendance.objects.filter(lesson_date__month=3, status=4).update(status=1)
    services.recompute(institution=c.institution, period=Period.objects.get(code="2025-03"), qc_points=["C02"])
    march.refresh_from_db()
    assert march.state == "resolved"


def test_month_data_is_as_new_as_its_month(months, year):
    """The improvement-effect rule reads `data_as_of`: a month's process rows are as new as the month (a
    measure started mid-March is judged by April, not by the March that began before it)."""
    c = months
    services.recompute(institution=c.institution, period=year, qc_points=["C02"])
    assert timezone.localdate(c02(c, "2025-03").data_as_of) == datetime.date(2025, 3, 1)
    assert timezone.localdate(c02(c, "2025-04").data_as_of) == datetime.date(2025, 4, 1)


def test_a_semester_point_is_measured_per_semester(months, year):
    c = months
    # P04 缺勤次数 (≤ 3 a semester): October has one absence, the second semester two.
    lessons(c, 6, [4, 4])
    services.recompute(institution=c.institution, period=year, qc_points=["P04"])
    got = dict(Measurement.objects.filter(qc_point__code="P04", student=c.students["s1"])
               .values_list("period__code", "value"))
    assert {k: float(v) for k, v in got.items()} == {"2024-2025-1": 1.0, "2024-2025-2": 4.0, "2024-2025": 5.0}
    warned = set(Warning.objects.filter(qc_point__code="P04", student=c.students["s1"], state="open")
                 .values_list("period__code", flat=True))
    assert warned == {"2024-2025-2"}


def test_a_yearly_point_is_measured_for_the_year_only(months, year):
    c = months
    services.recompute(institution=c.institution, period=year, qc_points=["M13", "C05"])
    # C05 is a semester point over the yearly 评教 table: a semester of it does not exist, so per year.
    assert set(Measurement.objects.filter(qc_point__code__in=["M13", "C05"])
               .values_list("period__code", flat=True)) == {"2024-2025"}
    assert Warning.objects.get(qc_point__code="M13", major=c.majors["soft"]).period == year


def test_a_correction_to_march_recomputes_march_its_semester_and_the_year(months, year,
                                                                         django_capture_on_commit_callbacks):
    c = months
    services.recompute(institution=c.institution, period=year, qc_points=["C02"])
    before = dict(Measurement.objects.filter(qc_point__code="C02", course=c.courses["java"])
                  .values_list("period__code", "computed_at"))
    rows = [["学期", "学号", "课程代码", "工号", "上课日期", "节次", "考勤状态"],
            [SEM2, "S001", "C001", "T001", "2025-03-10", "2", "出勤"]]
    with django_capture_on_commit_callbacks(execute=True):
        result = process.importer_for(sd.Attendance)(c.institution, c.users["steward"]).run_rows(rows)
    assert result.ok and result.updated == 1
    after = dict(Measurement.objects.filter(qc_point__code="C02", course=c.courses["java"])
                 .values_list("period__code", "computed_at"))
    redone = {code for code in before if after[code] != before[code]}
    assert redone == {"2025-03", "2024-2025"}
    assert c02(c, "2025-03").status == Status.PASS
    assert Warning.objects.get(qc_point__code="C02", course=c.courses["java"], period__code="2025-03").state \
        == "resolved"


def test_a_rate_above_100_is_a_data_error_for_the_steward(state, year):
    c = state
    sd.Employment.objects.filter(major=c.majors["soft"]).update(employed=50)   # 50 of 40 graduates
    services.recompute(institution=c.institution, period=year, qc_points=["M11"])
    m = Measurement.objects.get(qc_point__code="M11", major=c.majors["soft"])
    assert (m.status, float(m.value)) == (Status.DATA_ERROR, 125.0)
    assert m.get_status_display() == "数据异常" and "超过100%" in m.lines["data_error"]
    # No QC warning for the major; a data-quality warning for the data steward, naming the measurement.
    assert not Warning.objects.filter(qc_point__code="M11").exists()
    dq = Warning.objects.get(kind=WarningKind.DATA_QUALITY, state="open")
    assert list(dq.owners.all()) == [c.users["steward"]] and dq.url == m.get_absolute_url()
    # Corrected at the source: the data warning is resolved, and the value judged again.
    sd.Employment.objects.filter(major=c.majors["soft"]).update(employed=38)
    services.recompute(institution=c.institution, period=year, qc_points=["M11"])
    dq.refresh_from_db()
    assert dq.state == "resolved"
    assert Measurement.objects.get(qc_point__code="M11", major=c.majors["soft"]).status == Status.PASS


def test_the_rate_rule_is_the_unit_not_the_point():
    from zhengai.monitoring.status import judge

    lines = {"operator": "ge", "standard": 95, "warning": 90}
    assert judge(125, "%", **lines) == Status.DATA_ERROR
    assert judge(100, "%", **lines) == Status.PASS
    assert judge(125, "人", **lines) == Status.PASS   # a count above 100 is no error


def test_a_month_measurement_traces_to_the_rows_of_its_month(months, year, login):
    c = months
    services.recompute(institution=c.institution, period=year, qc_points=["C02"])
    client = login(c.users["quality"])
    page = client.get(c02(c, "2025-03").get_absolute_url())
    assert page.status_code == 200
    rows = next(i for i in page.context["inputs"] if i["name"] == "应到人次")
    assert rows["rows"] == 2 and "days=2025-03-01%2C2025-03-31" in rows["rows_url"]
    listed = client.get(rows["rows_url"])
    assert listed.status_code == 200 and len(listed.context["rows"]) == 2
