"""The entity and responsibility kernel: one rule of who answers for an entity, and its inverse."""

from __future__ import annotations

import re
from pathlib import Path

from zhengai.monitoring.models import Measurement
from zhengai.org import entities
from zhengai.org.choices import Level
from zhengai.org.models import Major
from zhengai.standards.models import QCPoint
from zhengai.statedata import models as sd


def test_a_parent_units_head_answers_for_a_sub_units_major_everywhere(college):
    """The copies disagreed: state data let the college's head see the majors of its teaching office, monitoring
    did not. One rule now: the head answers for them, and sees both the rows and the measurements."""
    from zhengai.core.periods import ensure_academic_year
    from zhengai.standards.services import library_load

    c = college
    major = Major.objects.create(institution=c.institution, code="510299", name="软件测试", unit=c.units["it_office"])
    head, outsider = c.users["head"], c.users["teacher"]
    assert entities.answers_for(head, major) and not entities.answers_for(outsider, major)
    year = ensure_academic_year(2024)
    sd.MajorYear.objects.create(institution=c.institution, period=year, major=major, students=10)
    library_load(c.institution)
    point = QCPoint.objects.filter(institution=c.institution, level=Level.MAJOR).first()
    Measurement.objects.create(institution=c.institution, level=Level.MAJOR, entity_key=f"major:{major.pk}",
                               major=major, qc_point=point, period=year, status="pass",
                               computed_at="2025-01-01T00:00:00+08:00")
    assert sd.MajorYear.objects.restrict(head).filter(major=major).exists()
    assert Measurement.objects.restrict(head).filter(major=major).exists()
    assert not Measurement.objects.restrict(outsider).filter(major=major).exists()


def test_a_students_warning_goes_to_the_counsellor_and_the_head_teacher_of_their_class(college):
    """A class has a counsellor (辅导员) and a head teacher (班主任): both answer for it and its students, and
    nobody else's class."""
    c = college
    s1, s2 = c.students["s1"], c.students["s2"]
    both = {c.users["counsellor"].pk, c.users["head_teacher"].pk}
    assert entities.responsible_people(c.institution, Level.STUDENT, [s1.pk]) == {s1.pk: both}
    assert entities.responsible_people(c.institution, Level.CLASS, [c.classes["soft1"].pk]) == {
        c.classes["soft1"].pk: both}
    head_teacher = c.users["head_teacher"]
    assert entities.answers_for(head_teacher, s1) and entities.answers_for(head_teacher, c.classes["soft1"])
    assert not entities.answers_for(head_teacher, s2) and not entities.answers_for(head_teacher, c.classes["mech1"])


def test_an_entity_whose_owner_has_no_account_reaches_its_units_head(college):
    """A major nobody leads and an office nobody heads: the warning goes to the head of the unit (up the tree)."""
    c = college
    lonely = Major.objects.create(institution=c.institution, code="510203", name="网络技术", unit=c.units["it"])
    head = c.users["head"].pk
    assert entities.responsible_people(c.institution, Level.MAJOR, [lonely.pk]) == {lonely.pk: {head}}
    office = c.units["it_office"]
    assert entities.responsible_people(c.institution, Level.UNIT, [office.pk]) == {office.pk: {head}}
    # An inactive account reaches nobody: the fallback takes over.
    c.users["head"].is_active = False
    c.users["head"].save()
    assert entities.responsible_people(c.institution, Level.MAJOR, [lonely.pk]) == {lonely.pk: set()}


def test_the_entity_tables_are_listed_once():
    """A second mapping of levels to entity models (or to their foreign keys) drifts; the kernel holds the one."""
    src = Path(entities.__file__).resolve().parents[1]
    pattern = re.compile(r"Level\.(UNIT|MAJOR)\s*:\s*(Unit|Major|\"unit\"|\"major\")\b")
    copies = [str(p.relative_to(src)) for p in src.rglob("*.py")
              if p.name != "entities.py" and "migrations" not in p.parts and pattern.search(p.read_text())]
    assert copies == []
