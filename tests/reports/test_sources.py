"""数据来源: every report ends with the figures it rests on (QC point, period, data version, computation time),
and the school, a college and a major report of one period never disagree on a figure."""

from __future__ import annotations

import io

from docx import Document

from tests.monitoring.conftest import build_state
from tests.reports.test_reports import adopt
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring import services as monitoring
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.selectors import that_count
from zhengai.reports import rendering, services
from zhengai.reports.choices import ReportKind
from zhengai.standards.services import library_load


def _reports(college):
    adopt(college, "wuhan-software")
    library_load(college.institution)
    year = ensure_academic_year(2024)
    build_state(college, year)
    monitoring.recompute(institution=college.institution, period=year)
    return [services.draft_report(kind=kind, entity=entity, year=2024) for kind, entity in (
        (ReportKind.SCHOOL, college.institution), (ReportKind.COLLEGE, college.units["it"]),
        (ReportKind.MAJOR, college.majors["soft"]))]


def test_reports_of_one_period_agree_on_every_figure_and_end_with_its_sources(college):
    reports = _reports(college)
    counting = {m.pk: m for m in that_count(Measurement.objects.filter(institution=college.institution))}
    figures: dict[tuple, tuple] = {}
    for report, rows in reports:
        found = rendering.sources(report, rows)
        assert found, report.kind
        for s in found:
            # Each figure is the measurement that counts, with its version and computation time.
            m = counting[s["id"]]
            assert s["version"] == f"第{m.version}版" and s["computed_at"]
            key = (s["code"], s["entity"], s["period"])
            figures.setdefault(key, (s["value"], s["version"]))
            assert figures[key] == (s["value"], s["version"]), key
        # The lower levels' counts in a report are counts of the same measurements.
        for r in rows:
            for q in (r.evidence or {}).get("lower_levels", []):
                qs = [m for m in counting.values() if m.qc_point.code == q["code"] and m.period_id == report.period_id]
                assert q["pass"] == sum(1 for m in qs if m.status == "pass"), q
    school, rows = reports[0]
    html = rendering.render_html(school, rows)
    assert 'id="sources"' in html and "数据来源" in html and "第1版" in html
    document = Document(io.BytesIO(rendering.render_docx(school, rows)))
    texts = [p.text for p in document.paragraphs]
    assert "附：数据来源" in texts
    table = document.tables[-1]
    assert [c.text for c in table.rows[0].cells] == rendering.SOURCE_COLUMNS
    assert len(table.rows) == len(rendering.sources(school, rows)) + 1


def test_a_points_year_figure_comes_after_its_months_whatever_the_row_order():
    """The year and its first month start on the same day; the year's figure (the one a report is about) is the
    last of its point whichever order the database returned the rows in."""
    import datetime
    from itertools import permutations
    from types import SimpleNamespace

    from zhengai.reports.evidence import _ordered

    point = SimpleNamespace(order=1, code="C07")
    year = SimpleNamespace(start=datetime.date(2025, 9, 1), end=datetime.date(2026, 8, 31))
    sep = SimpleNamespace(start=datetime.date(2025, 9, 1), end=datetime.date(2025, 9, 30))
    aug = SimpleNamespace(start=datetime.date(2026, 8, 1), end=datetime.date(2026, 8, 31))
    rows = [SimpleNamespace(qc_point=point, period=p, name=n) for p, n in ((year, "year"), (sep, "sep"), (aug, "aug"))]
    for order in permutations(rows):
        assert [m.name for m in _ordered(order)] == ["sep", "aug", "year"]
