"""The report editor by element: one card per diagnosis element with an index of their state, a save bar that
stays in view, saves that write only the cards that changed (and never lose what another card holds), the
server's errors on the card they belong to with what was typed kept, and no inline script."""

from __future__ import annotations

import re

from django.urls import reverse

from zhengai.core.models import AuditEntry
from zhengai.reports import services
from zhengai.reports.models import ReportRow

from .test_reports import major_report


def _url(report) -> str:
    return reverse("reports:report_detail", args=[report.pk])


def _card(html: str, row) -> str:
    start = html.rindex("<details", 0, html.index(f'id="row-{row.pk}"'))
    return html[start:html.index("</details>\n", html.index("</details>", start) + 1)]


def test_one_card_per_element_of_the_report_with_an_index_and_a_save_bar(college, login):
    report = major_report(college)
    applicable = list(report.rows.filter(applicable=True))
    html = login(college.users["major_leader"]).get(_url(report)).content.decode()
    assert html.count('<details class="element-card') == report.rows.count()
    # The index lists the elements this report fills, each with its state.
    assert html.count("data-index-for=") == len(applicable)
    assert 'class="chip missing"' in html
    assert 'class="save-bar"' in html and 'id="save"' in html
    # No wide table to scroll sideways, and no inline script (CSP script-src 'self').
    form = html[html.index('id="report-form"'):]
    assert "<table" not in form
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "reports/editor.css" in html and "reports/word_count.js" in html


def test_saving_one_card_leaves_every_other_card_as_it_was(college, login):
    report = major_report(college)
    first, second = list(report.rows.filter(applicable=True))[:2]
    ml = college.users["major_leader"]
    services.report_save(actor=ml, report=report, overview="概述",
                         rows=[{"id": second.pk, "achievements": "第二个要素已写好的成绩"}])
    before = AuditEntry.objects.count()
    client = login(ml)
    # The browser sends only the card that changed (the others' fields are disabled).
    response = client.post(_url(report), {
        "overview": "概述", f"row-{first.pk}-shown": "1", f"row-{first.pk}-applicable": "on",
        f"row-{first.pk}-achievements": "第一个要素的成绩", f"row-{first.pk}-problems": "第一个要素的问题",
        f"row-{first.pk}-measures": "", f"row-{first.pk}-effects": ""})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.achievements == "第一个要素的成绩" and first.problems == "第一个要素的问题"
    assert second.achievements == "第二个要素已写好的成绩" and second.applicable
    # Only the changed row was written (one audit entry for it; the overview did not change).
    written = AuditEntry.objects.order_by("pk")[before:]
    assert [e.object_id for e in written] == [str(first.pk)]
    # A second save of the same texts writes nothing.
    client.post(_url(report), {"overview": "概述", f"row-{first.pk}-shown": "1", f"row-{first.pk}-applicable": "on",
                               f"row-{first.pk}-achievements": "第一个要素的成绩",
                               f"row-{first.pk}-problems": "第一个要素的问题"})
    assert AuditEntry.objects.count() == before + 1


def test_a_refused_save_shows_the_error_on_its_card_and_keeps_every_typed_text(college, login):
    report = major_report(college)
    first, second = list(report.rows.filter(applicable=True))[:2]
    client = login(college.users["major_leader"])
    response = client.post(_url(report), {
        "overview": "概述",
        f"row-{first.pk}-shown": "1", f"row-{first.pk}-applicable": "on",
        f"row-{first.pk}-achievements": "成绩写在这里", f"row-{first.pk}-effects": "预计下学期到课率提高到98%。",
        f"row-{second.pk}-shown": "1", f"row-{second.pk}-applicable": "on",
        f"row-{second.pk}-measures": "措" * 201})
    html = response.content.decode()
    assert response.status_code == 200
    card1, card2 = _card(html, first), _card(html, second)
    # Each error on its own card, opened, marked as needing change and as holding unsaved text.
    assert "“预计”" in card1 and "改进措施 201 字" not in card1
    assert "改进措施 201 字，超过 200 字" in card2
    for card in (card1, card2):
        assert " open>" in card.split("\n", 1)[0] and 'data-unsaved="1"' in card and "element-card over" in card
    assert "成绩写在这里" in card1 and "预计下学期到课率提高到98%。" in card1 and "措" * 201 in card2
    assert f'data-index-for="{first.pk}" title="{first.element_label}：需修改"' in html
    assert not ReportRow.objects.filter(pk__in=[first.pk, second.pk]).exclude(achievements="", measures="").exists()


def test_a_report_of_a_kind_shows_only_its_elements_and_folds_the_others(college, login):
    report = major_report(college)
    skipped = report.rows.filter(applicable=False).first()
    if skipped is None:   # every element applies: mark one as not filled by this report
        skipped = report.rows.last()
        ReportRow.objects.filter(pk=skipped.pk).update(applicable=False)
    html = login(college.users["major_leader"]).get(_url(report)).content.decode()
    assert f'data-index-for="{skipped.pk}"' not in html
    others = html[html.index('<details class="others">'):]
    assert f'id="row-{skipped.pk}"' in others
