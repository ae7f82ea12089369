"""A student's warning reaches both people of their class — the counsellor (辅导员) and the head teacher (班主任)
— through the kernel's one rule, and no other class's people."""

from __future__ import annotations

from django.urls import reverse

from zhengai.monitoring import services
from zhengai.monitoring.models import Notification, Warning
from zhengai.monitoring.selectors import my_warnings


def test_a_students_warning_reaches_the_counsellor_and_the_head_teacher(state, year, login):
    c = state
    services.recompute(institution=c.institution, period=year)
    warning = Warning.objects.filter(level="student", student=c.students["s1"]).order_by("pk").first()
    assert warning is not None
    people = {c.users["counsellor"], c.users["head_teacher"]}
    assert set(warning.owners.all()) == people
    for user in people:
        url = reverse("monitoring:warning_detail", args=[warning.pk])
        assert Notification.objects.filter(user=user, url=url).exists()
        assert my_warnings(user, c.institution).filter(pk=warning.pk).exists()
    # Not the other class's student.
    assert not my_warnings(c.users["head_teacher"], c.institution).filter(student=c.students["s2"]).exists()
    page = login(c.users["head_teacher"]).get(reverse("monitoring:warning_detail", args=[warning.pk]))
    assert page.status_code == 200
