"""A signed report stands behind the figures it was signed with: signing pins the data version of every period
of its year, and every later rendering (the page, HTML, PDF's page, Word and the 数据来源 appendix) reads its
figures through those pins — a correction imported afterwards (a new data version) does not change it, while
a draft, or the new version made from it, shows the corrected figure."""

from __future__ import annotations

import io

from django.db import transaction
from django.urls import reverse
from docx import Document

from tests.monitoring.conftest import build_state
from tests.reports.test_reports import adopt
from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring import services as monitoring
from zhengai.reports import rendering, services
from zhengai.reports.choices import ReportKind, ReportState
from zhengai.standards.services import library_load
from zhengai.statedata import models as sd
from zhengai.statedata import versions


def _figure(report, code: str) -> dict:
    found = [s for s in rendering.sources(report, list(report.rows.all())) if s["code"] == code]
    assert len(found) == 1, found
    return found[0]


def test_a_signed_report_keeps_its_figures_after_a_correction_and_a_new_draft_shows_the_new(college, login):
    inst = college.institution
    adopt(college, "wuhan-software")
    library_load(inst)
    year = ensure_academic_year(2024)
    build_state(college, year)
    monitoring.recompute(institution=inst, period=year)
    ml, head = college.users["major_leader"], college.users["head"]
    report = services.report_create(actor=ml, kind=ReportKind.MAJOR, entity=college.majors["soft"], year=2024)
    codes = {s["code"] for s in rendering.sources(report, list(report.rows.all()))}
    affected = {p.code for p in monitoring.affected_points(inst, sd.Employment)}
    code = sorted(codes & affected)[0]   # a figure of the report that reads the employment table
    before = _figure(report, code)
    assert before["version"] == "第1版"

    services.report_submit(actor=ml, report=report)
    services.report_sign_head(actor=head, report=report)
    report.refresh_from_db()
    assert report.state == ReportState.SIGNED and report.pinned[str(year.pk)] == 1

    # The year is frozen, then a correction of the employment table opens version 2 (what an import does).
    versions.period_freeze(actor=None, institution=inst, period=year)
    with transaction.atomic():
        sd.Employment.objects.filter(major=college.majors["soft"]).update(employed=20, matched=12)
        versions.reopen_after_import(institution=inst, periods=[year])
    result = monitoring.recompute(institution=inst, period=year, qc_points=sorted(affected))
    assert result["version"] == 2

    # Every rendering of the signed report still shows the signed figure.
    assert _figure(report, code) == before
    html = rendering.render_html(report)
    assert before["value"] in html and "第2版" not in html
    document = Document(io.BytesIO(rendering.render_docx(report)))
    cells = [c.text for row in document.tables[-1].rows for c in row.cells]
    assert before["value"] in cells and "第2版" not in cells
    page = login(ml).get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert f"第{1}版数据" in page and "第2版数据" not in page

    # The new version made from it is a draft, and reads the corrected data.
    new = services.report_new_version(actor=ml, report=report)
    assert new.pinned == {}
    after = _figure(new, code)
    assert after["version"] == "第2版" and after["value"] != before["value"]
