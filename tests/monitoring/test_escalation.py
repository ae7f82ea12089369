"""督办: a warning nobody handles moves up one level after the policy's delay; the policy page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring import services
from zhengai.monitoring.models import Notification, Warning, WarningPolicy
from zhengai.monitoring.selectors import my_warnings

T0 = timezone.make_aware(datetime.datetime(2025, 4, 1, 9, 0))
DAY = datetime.timedelta(days=1)


def raise_warning(c, unit_key: str = "it", owner: str = "teacher", subject=None) -> Warning:
    """A task-like warning about a generic subject (any object will do for monitoring), raised at T0."""
    unit = c.units[unit_key]
    warning, created = services.subject_warning_raise(
        institution=c.institution, kind="task_overdue", subject=subject or unit, title="任务“编制专业调研报告”",
        severity="serious", period=ensure_academic_year(2024), level="unit", entity_key=f"unit:{unit.pk}",
        entity={"unit_id": unit.pk}, due=datetime.date(2025, 3, 31), assigned_unit=unit,
        owners=[c.users[owner]])
    assert created
    Warning.objects.filter(pk=warning.pk).update(raised_at=T0)
    warning.refresh_from_db()
    return warning


def test_raise_is_idempotent_and_notifies_once(college):
    c = college
    w = raise_warning(college)
    again, created = services.subject_warning_raise(
        institution=c.institution, kind="task_overdue", subject=c.units["it"], title=w.title, severity="serious",
        period=w.period, level="unit", entity_key=w.entity_key, entity={"unit_id": c.units["it"].pk},
        due=w.due, assigned_unit=c.units["it"], owners=[c.users["teacher"]])
    assert not created and again.pk == w.pk
    assert Notification.objects.filter(user=c.users["teacher"]).count() == 1


def test_escalation_waits_for_the_delay_and_climbs_one_level_at_a_time(college):
    c = college
    w = raise_warning(college)
    head, quality, leader = c.users["head"], c.users["quality"], c.users["leader"]
    assert w not in my_warnings(c.users["major_leader"], c.institution)
    # Default delay: 3 days. Not before.
    assert services.warnings_escalate(institution=c.institution, now=T0 + 3 * DAY - datetime.timedelta(minutes=1)
                                      )["escalated"] == 0
    w.refresh_from_db()
    assert w.escalation_level == 0
    # After it: level 1, the unit's head becomes an owner and is told.
    assert services.warnings_escalate(institution=c.institution, now=T0 + 3 * DAY + datetime.timedelta(hours=1)
                                      )["escalated"] == 1
    w.refresh_from_db()
    assert w.escalation_level == 1 and head in w.owners.all() and quality not in w.owners.all()
    assert Notification.objects.filter(user=head, text__startswith="督办").count() == 1
    assert w in my_warnings(head, c.institution)
    # The next sweep soon after does not jump to level 2.
    services.warnings_escalate(institution=c.institution, now=T0 + 4 * DAY)
    w.refresh_from_db()
    assert w.escalation_level == 1
    # Another full delay: level 2, the quality office and the school leaders.
    services.warnings_escalate(institution=c.institution, now=T0 + 6 * DAY + datetime.timedelta(hours=2))
    w.refresh_from_db()
    assert w.escalation_level == 2 and {quality, leader} <= set(w.owners.all())
    assert Notification.objects.filter(user=quality, text__contains="质管办和校领导").count() == 1
    # Level 2 is the top.
    assert services.warnings_escalate(institution=c.institution, now=T0 + 30 * DAY)["escalated"] == 0
    assert Notification.objects.filter(user=head, text__startswith="督办").count() == 1


def test_acknowledged_warnings_do_not_escalate(college):
    c = college
    w = raise_warning(college)
    services.warning_transition(actor=c.users["teacher"], warning=w, state="acknowledged", note="已安排")
    assert services.warnings_escalate(institution=c.institution, now=T0 + 10 * DAY)["escalated"] == 0
    w.refresh_from_db()
    assert w.escalation_level == 0


def test_an_office_without_a_head_escalates_to_its_parent_units_head(college, login):
    """A school-level item assigned to an office with no head of its own: before 督办 the college's head does
    not have it among their warnings; after it they do, and at level 2 so does the quality office."""
    c = college
    office = c.units["it_office"]
    w, _ = services.subject_warning_raise(
        institution=c.institution, kind="task_countdown", subject=office, title="任务“教研室年度总结”",
        severity="normal", period=ensure_academic_year(2024), level="school", entity_key="school",
        assigned_unit=office, owners=[c.users["teacher"]])
    Warning.objects.filter(pk=w.pk).update(raised_at=T0)
    head, quality = c.users["head"], c.users["quality"]
    assert w not in my_warnings(head, c.institution) and w not in my_warnings(quality, c.institution)
    services.warnings_escalate(institution=c.institution, now=T0 + 5 * DAY)
    w.refresh_from_db()
    assert w.escalation_level == 1 and head in w.owners.all()
    assert w in my_warnings(head, c.institution) and w not in my_warnings(quality, c.institution)
    inbox = login(head).get(reverse("monitoring:my_warnings")).content.decode()
    assert "教研室年度总结" in inbox and "督办1级" in inbox
    services.warnings_escalate(institution=c.institution, now=T0 + 10 * DAY)
    assert w in my_warnings(quality, c.institution)


def test_the_policy_delay_is_used(college, other):
    c = college
    WarningPolicy.objects.create(institution=c.institution, escalation_days=10)
    w = raise_warning(college)
    theirs = raise_warning(other)
    services.warnings_escalate(institution=c.institution, now=T0 + 5 * DAY)
    w.refresh_from_db()
    assert w.escalation_level == 0
    # Escalation is per institution: the other college's warning is untouched by ours.
    services.warnings_escalate(institution=c.institution, now=T0 + 11 * DAY)
    w.refresh_from_db()
    theirs.refresh_from_db()
    assert w.escalation_level == 1 and theirs.escalation_level == 0


def test_a_qc_point_warning_escalates_too(college):
    from zhengai.standards.models import QCPoint
    from zhengai.standards.services import library_load

    c = college
    library_load(c.institution)
    point = QCPoint.objects.filter(institution=c.institution, level="major").first()
    w = Warning.objects.create(institution=c.institution, qc_point=point, period=ensure_academic_year(2024),
                               level="major", entity_key=f"major:{c.majors['soft'].pk}", major=c.majors["soft"],
                               severity="normal")
    Warning.objects.filter(pk=w.pk).update(raised_at=T0)
    services.warnings_escalate(institution=c.institution, now=T0 + 4 * DAY)
    w.refresh_from_db()
    # No assigned unit: the head of the major's unit is the one to chase it.
    assert w.escalation_level == 1 and c.users["head"] in w.owners.all()


def test_policy_page_who_may_and_who_may_not(college, other, login):
    c = college
    url = reverse("monitoring:policy")
    client = login(c.users["quality"])
    page = client.get(url)
    assert page.status_code == 200 and "督办等待天数" in page.content.decode()
    assert client.post(url, {"countdown_days": "10", "escalation_days": "5"}).status_code == 302
    policy = WarningPolicy.objects.get(institution=c.institution)
    assert (policy.countdown_days, policy.escalation_days) == (10, 5)
    bad = client.post(url, {"countdown_days": "0", "escalation_days": "5"})
    assert bad.status_code == 200 and "临期预警提前天数须在1—365天之间" in bad.content.decode()
    assert 'value="0"' in bad.content.decode()  # what was typed is kept
    policy.refresh_from_db()
    assert policy.countdown_days == 10
    for key in ("head", "leader", "teacher"):
        assert login(c.users[key]).get(url).status_code == 403, key
    assert login(c.users["head"]).post(url, {"countdown_days": "1", "escalation_days": "1"}).status_code == 403
    # The other college's quality office edits its own policy, not ours.
    login(other.users["quality"]).post(url, {"countdown_days": "20", "escalation_days": "9"})
    policy.refresh_from_db()
    assert policy.countdown_days == 10


@pytest.mark.parametrize("kind", ["task_overdue", "qc_point"])
def test_warning_list_filters_by_kind(college, login, kind):
    raise_warning(college)
    page = login(college.users["quality"]).get(reverse("monitoring:warning_list"), {"kind": kind})
    assert ("编制专业调研报告" in page.content.decode()) == (kind == "task_overdue")
