"""Tests of the spiral's cycles; the helpers below make the few rows a gate looks at, straight with the ORM."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from zhengai.core.periods import ensure_academic_year
from zhengai.diagnosis import services
from zhengai.diagnosis.choices import CycleState, DiagnosisKind, StageScheme
from zhengai.diagnosis.models import Cycle, Improvement
from zhengai.monitoring.models import Measurement
from zhengai.standards.models import QCPoint


def year2024():
    return ensure_academic_year(2024)


def point(institution: Any, code: str, level: str = "major") -> QCPoint:
    return QCPoint.objects.create(institution=institution, code=code, name=f"质控点{code}", level=level,
                                  formula="1")


def measure(institution: Any, qc: QCPoint, major: Any, status: str, period: Any = None) -> Measurement:
    return Measurement.objects.create(institution=institution, level="major", entity_key=f"major:{major.pk}",
                                      major=major, qc_point=qc, period=period or year2024(), value=50,
                                      status=status, computed_at=timezone.now())


def improve(institution: Any, qc: QCPoint, major: Any, **extra: Any) -> Improvement:
    return Improvement.objects.create(institution=institution, level="major", entity_key=f"major:{major.pk}",
                                      major=major, qc_point=qc, measure=extra.pop("measure", f"改进{qc.code}"),
                                      deadline=datetime.date(2025, 6, 30), **extra)


def major_cycle(college: Any, key: str = "soft", kind: str = DiagnosisKind.SELF, scheme: str = StageScheme.SEED001,
                period: Any = None, state: str = CycleState.OPEN) -> Cycle:
    """A cycle of one of the personas' majors on the five-step loop (目标 标准 运行 诊断 改进)."""
    inst = college.institution
    stages = services.stages_install(actor=None, institution=inst, scheme=scheme)
    major = college.majors[key]
    return Cycle.objects.create(institution=inst, level="major", entity_key=f"major:{major.pk}", major=major,
                                period=period or year2024(), kind=kind, stage=stages[0], state=state,
                                owner=college.users["major_leader"] if key == "soft" else None)


def adopt_framework(institution: Any, adopt: bool = True) -> list:
    """A small framework of the institution (two elements under one project), adopted unless told not to."""
    from zhengai.frameworks.models import Adoption, Element, Framework, Project

    code = f"t{Framework.objects.count()}"
    framework = Framework.objects.create(institution=institution, code=code, name="测试诊断项目表", version="1")
    project = Project.objects.create(framework=framework, number="1", name="专业建设", order=1)
    elements = [Element.objects.create(project=project, number=f"1.{n}", name=name, order=n)
                for n, name in enumerate(["专业定位", "实训条件"], start=1)]
    if adopt and institution is not None:
        Adoption.objects.update_or_create(institution=institution, defaults={"framework": framework})
    return elements


def advance(*, actor: Any, cycle: Cycle, note: str = "", **given: Any) -> Cycle:
    """Pass the current step with what any step may ask for (a link, a finding, the entity's latest
    improvement): for tests about the gates and the loop, not about the step's output."""
    given.setdefault("evidence_url", "https://docs.example.edu.cn/step")
    given.setdefault("finding_text", "对照标准发现的问题")
    if "improvement" not in given:
        given["improvement"] = (Improvement.objects.filter(institution=cycle.institution,
                                                           entity_key=cycle.entity_key).order_by("-pk").first())
    return services.cycle_advance(actor=actor, cycle=cycle, note=note, **given)
