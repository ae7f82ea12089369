"""The cycle list people can work from: "mine" (cycles whose entity I answer for) and "due now" (the current
step due within a week or overdue), with the total and paging kept under the filters."""

from __future__ import annotations

import datetime

from django.urls import reverse

from zhengai.core.periods import ensure_academic_year
from zhengai.diagnosis import selectors
from zhengai.diagnosis.models import Cycle

from . import major_cycle


def rows(html: str) -> int:
    body = html[html.index('id="cycles"'):]
    return body[:body.index("</table>")].count("<tr>") - 1


def test_mine_lists_the_cycles_whose_entity_i_answer_for(college, login):
    c = college
    soft, mech = major_cycle(c, "soft"), major_cycle(c, "mech")
    quality = login(c.users["quality"])
    everything = quality.get(reverse("diagnosis:cycle_list")).content.decode()
    assert "软件技术" in everything and "机械设计与制造" in everything
    # The quality office answers for no major: "mine" is empty for it.
    assert "共 <strong>0</strong> 个" in quality.get(reverse("diagnosis:cycle_list"), {"mine": "1"}).content.decode()
    head = login(c.users["head"])
    mine = head.get(reverse("diagnosis:cycle_list"), {"mine": "1"}).content.decode()
    assert "软件技术" in mine and "机械设计与制造" not in mine and "共 <strong>1</strong> 个" in mine
    assert Cycle.objects.filter(selectors.mine_q(c.users["major_leader"])).get() == soft
    assert not Cycle.objects.filter(selectors.mine_q(c.users["teacher"])).exists()
    assert mech.pk not in set(Cycle.objects.filter(selectors.mine_q(c.users["head"])).values_list("pk", flat=True))


def test_due_now_lists_cycles_whose_current_step_is_due(college, login, monkeypatch):
    c = college
    year = ensure_academic_year(2024)  # 2024-09-01 … 2025-08-31, five steps: the first due about 2024-11-12
    late = major_cycle(c, "soft", period=year)
    ahead = major_cycle(c, "mech", period=ensure_academic_year(2040))
    stages = list(selectors.stages_of(c.institution).values_list("pk", flat=True))
    first_due = selectors.current_step_due(late, stages)
    assert year.start < first_due < datetime.date(2024, 12, 1)
    q = selectors.due_now_q(c.institution, [year, ahead.period], datetime.date(2024, 11, 10))
    assert set(Cycle.objects.filter(q)) == {late}  # due within a week
    q = selectors.due_now_q(c.institution, [year, ahead.period], datetime.date(2024, 10, 1))
    assert not Cycle.objects.filter(q).exists()
    page = login(c.users["quality"]).get(reverse("diagnosis:cycle_list"), {"due": "1"}).content.decode()
    assert "软件技术" in page and "机械设计与制造" not in page and "逾期" in page and "共 <strong>1</strong> 个" in page


def test_filters_keep_total_and_paging(college, login):
    c = college
    for i in range(60):
        major_cycle(c, "soft", period=ensure_academic_year(1990 + i))
    client = login(c.users["head"])
    first = client.get(reverse("diagnosis:cycle_list"), {"mine": "1"}).content.decode()
    assert "共 <strong>60</strong> 个" in first and "mine=1&page=2" in first
    second = client.get(reverse("diagnosis:cycle_list"), {"mine": "1", "page": 2}).content.decode()
    assert rows(first) + rows(second) == 60
