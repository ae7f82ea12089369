from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from tests.personas import PASSWORD, College
from zhengai.core.choices import Role
from zhengai.core.models import Period
from zhengai.core.periods import ensure_academic_year
from zhengai.core.services import membership_grant, user_create
from zhengai.evaluation import services
from zhengai.evaluation.choices import InstrumentKind
from zhengai.evaluation.models import Instrument, Target
from zhengai.org.models import Student
from zhengai.teaching.models import Enrolment, Offering


def semester() -> Period:
    ensure_academic_year(2025)
    return Period.objects.get(code="2025-2026-1")


def students(c: College, n: int, klass_key: str = "soft1", prefix: str = "stu") -> list[Any]:
    """`n` more students of a class, each with an account: the voters a threshold needs."""
    klass = c.classes[klass_key]
    users = []
    for i in range(n):
        code = f"{prefix}{klass.pk}{i:03d}"
        user = user_create(username=f"{c.institution.code}{code}", name=f"学生{i}", password=PASSWORD)
        student = Student.objects.create(institution=c.institution, code=code, name=f"学生{i}", major=klass.major,
                                         klass=klass, cohort=klass.cohort, user=user)
        membership_grant(user=user, institution=c.institution, role=Role.STUDENT, scope=student)
        users.append(user)
    return users


def offering(c: College, code: str, course: str, teachers: list[str], users: list[Any], classes=("soft1",),
             period: Period | None = None) -> Offering:
    o = Offering.objects.create(institution=c.institution, period=period or semester(), code=code,
                                name=f"{c.courses[course].name}（{code}）", course=c.courses[course])
    o.teachers.set([c.teachers[t] for t in teachers])
    o.classes.set([c.classes[k] for k in classes])
    for u in users:
        Enrolment.objects.create(offering=o, student=u.student)
    return o


def open_window(c: College, kind: str = InstrumentKind.TEACHING, **extra) -> Any:
    services.default_instruments_install(institution=c.institution)
    now = timezone.now()
    data = {"name": "2025-2026学年第一学期期末评教", "period": semester(),
            "instrument": Instrument.objects.get(institution=c.institution, kind=kind, published=True),
            "opens_at": now - datetime.timedelta(days=1), "closes_at": now + datetime.timedelta(days=7),
            "min_voters": 5, "min_share": 20, **extra}
    return services.window_save(actor=c.users["quality"], institution=c.institution, data=data)


def answers(target: Target, value: int = 0, text: str = "") -> dict[int, Any]:
    out: dict[int, Any] = {}
    for item in target.window.instrument.items.all():
        out[item.pk] = value if item.kind == "rating" else text
    return out


@pytest.fixture
def term(college):
    """The personas' college with a Java offering of 张老师 for 王同学 and six more students of 软件2401."""
    c = college
    extra = students(c, 6)
    users = [c.users["student"], *extra]
    java = offering(c, "JAVA-01", "java", ["t1"], users)
    return {"c": c, "voters": users, "java": java}
