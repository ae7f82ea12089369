from __future__ import annotations

import io

from django.core.management import call_command

from zhengai.core.choices import Role
from zhengai.core.models import Membership
from zhengai.demo.builder import DemoBuilder
from zhengai.org.models import Course, Klass, Major, Student, Teacher, Unit


def _fingerprint() -> list:
    return [
        list(Student.objects.order_by("code").values_list("code", "name", "klass__code", "status")[:200]),
        list(Teacher.objects.order_by("code").values_list("code", "name", "title", "dual_qualified")),
        list(Course.objects.order_by("code").values_list("code", "name", "course_type", "hours")),
    ]


def test_small_demo_is_a_tenth_and_has_every_role(db):
    inst = DemoBuilder(seed=7, size="small").build()
    assert Unit.objects.filter(institution=inst, kind="college").count() >= 3
    assert Major.objects.filter(institution=inst).count() == 15
    assert 1000 <= Student.objects.filter(institution=inst).count() <= 2000
    cohorts = set(Klass.objects.filter(institution=inst).values_list("cohort", flat=True))
    assert cohorts == {2023, 2024, 2025}
    roles = set(Membership.objects.filter(institution=inst).values_list("role", flat=True))
    assert roles == set(Role.values)
    # Every scoped demo account points at a real object of the demo college.
    for m in Membership.objects.filter(institution=inst, scope_id__isnull=False):
        assert m.scope is not None and m.scope.institution_id == inst.pk


def _build_and_roll_back(seed: int) -> list:
    from django.db import transaction

    with transaction.atomic():
        DemoBuilder(seed=seed, size="small").build()
        fingerprint = _fingerprint()
        transaction.set_rollback(True)
    return fingerprint


def test_same_seed_same_college_other_seed_other_college(db):
    first = _build_and_roll_back(11)
    assert _build_and_roll_back(11) == first
    assert _build_and_roll_back(12) != first


def test_demo_command_if_empty_and_accounts(db):
    out = io.StringIO()
    call_command("demo", "--size", "small", stdout=out)
    assert "演示账号" in out.getvalue() and "quality" in out.getvalue()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert out.getvalue() == ""
    out = io.StringIO()
    call_command("demo", "--accounts", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert len(lines) == len(Role.values)
