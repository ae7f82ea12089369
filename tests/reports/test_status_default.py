"""The report status page opens on the year that is due or just due — where 逾期 means something — not on the
coming year whose reports nobody can be late with yet."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone


@pytest.mark.parametrize(("today", "year"), [
    (datetime.date(2026, 12, 5), 2025),   # 2025—2026 was due on 30 Nov 2026: just due
    (datetime.date(2026, 11, 30), 2025),  # its deadline is today
    (datetime.date(2026, 9, 10), 2025),   # a new academic year began; its reports are due next November
    (datetime.date(2026, 3, 1), 2025),    # this year's deadline is ahead, in November
    (datetime.date(2027, 1, 2), 2026),
])
def test_due_year(today, year):
    from zhengai.reports.selectors import due_year

    assert due_year(today) == year


def test_status_page_defaults_to_the_year_just_due(college, login, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 12, 5))
    client = login(college.users["quality"])
    page = client.get("/reports/status/")
    assert page.status_code == 200 and page.context["year"] == 2025
    assert page.context["late"] == len(page.context["rows"]) > 0  # nothing submitted: every one is late
    # Any year can still be chosen.
    assert client.get("/reports/status/?year=2026").context["year"] == 2026
