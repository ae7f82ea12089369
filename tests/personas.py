"""Personas: one small college with a person in every role, and an outsider from another college.

Every permission test says who may and who may not, using these people (DESIGN.md convention 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zhengai.core.choices import InstitutionKind, Role
from zhengai.core.services import institution_create, membership_grant, user_create
from zhengai.org.models import Course, Klass, Major, Student, Teacher, Unit, VerticalSystem

PASSWORD = "zhengai-test-pass"


@dataclass
class College:
    institution: Any
    units: dict[str, Unit] = field(default_factory=dict)
    majors: dict[str, Major] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    classes: dict[str, Klass] = field(default_factory=dict)
    teachers: dict[str, Teacher] = field(default_factory=dict)
    students: dict[str, Student] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


def build_college(code: str, name: str, prefix: str, kind: str = InstitutionKind.PROVINCIAL_DEMONSTRATION) -> College:
    """Two secondary colleges (each with a major, a course, a class, a teacher, a student), a functional
    department, and one user per role. `prefix` keeps usernames unique across colleges."""
    inst = institution_create(code=code, name=name, region="湖北省武汉市", kind=kind)
    c = College(institution=inst)
    quality = VerticalSystem.objects.create(institution=inst, code="quality", name="质量生成系统", order=2)
    VerticalSystem.objects.create(institution=inst, code="supervision", name="监督控制系统", order=5)
    c.units["it"] = Unit.objects.create(institution=inst, code="U01", name="信息工程学院", kind="college")
    c.units["mech"] = Unit.objects.create(institution=inst, code="U02", name="机械工程学院", kind="college")
    c.units["office"] = Unit.objects.create(institution=inst, code="U90", name="质量管理办公室", kind="functional")
    c.units["it_office"] = Unit.objects.create(institution=inst, code="U0101", name="软件教研室", kind="office",
                                               parent=c.units["it"])
    for u in ("it", "mech"):
        c.units[u].systems.add(quality)
    c.majors["soft"] = Major.objects.create(institution=inst, code="510201", name="软件技术", unit=c.units["it"])
    c.majors["mech"] = Major.objects.create(institution=inst, code="460104", name="机械设计与制造",
                                            unit=c.units["mech"])
    c.teachers["t1"] = Teacher.objects.create(institution=inst, code="T001", name="张老师", unit=c.units["it"],
                                              title="associate", degree="master", dual_qualified=True)
    c.teachers["t2"] = Teacher.objects.create(institution=inst, code="T002", name="李老师", unit=c.units["mech"])
    c.courses["java"] = Course.objects.create(institution=inst, code="C001", name="Java程序设计",
                                              unit=c.units["it"], course_type="B", hours=64, practice_hours=32)
    c.courses["cad"] = Course.objects.create(institution=inst, code="C002", name="机械制图", unit=c.units["mech"],
                                             course_type="B", hours=48, practice_hours=24)
    c.courses["java"].majors.add(c.majors["soft"])
    c.courses["java"].teachers.add(c.teachers["t1"])
    c.courses["cad"].majors.add(c.majors["mech"])
    c.courses["cad"].teachers.add(c.teachers["t2"])
    c.classes["soft1"] = Klass.objects.create(institution=inst, code="K2401", name="软件2401", major=c.majors["soft"],
                                              cohort=2024)
    c.classes["mech1"] = Klass.objects.create(institution=inst, code="K2402", name="机械2401",
                                              major=c.majors["mech"], cohort=2024)
    c.students["s1"] = Student.objects.create(institution=inst, code="S001", name="王同学", major=c.majors["soft"],
                                              klass=c.classes["soft1"], cohort=2024)
    c.students["s2"] = Student.objects.create(institution=inst, code="S002", name="赵同学", major=c.majors["mech"],
                                              klass=c.classes["mech1"], cohort=2024)

    def person(key: str, role: str, scope: Any = None, label: str = "") -> Any:
        user = user_create(username=f"{prefix}{key}", name=label or key, password=PASSWORD)
        membership_grant(user=user, institution=inst, role=role, scope=scope)
        c.users[key] = user
        return user

    person("leader", Role.SCHOOL_LEADER, label="校长")
    person("quality", Role.QUALITY_OFFICE, label="质管办")
    person("steward", Role.DATA_STEWARD, label="数据管理员")
    person("head", Role.UNIT_HEAD, c.units["it"], label="信息学院院长")
    person("major_leader", Role.MAJOR_LEADER, c.majors["soft"], label="软件专业带头人")
    person("course_leader", Role.COURSE_LEADER, c.courses["java"], label="Java课程负责人")
    teacher = person("teacher", Role.TEACHER, c.teachers["t1"], label="张老师")
    c.teachers["t1"].user = teacher
    c.teachers["t1"].save()
    person("counsellor", Role.COUNSELLOR, c.classes["soft1"], label="辅导员")
    person("head_teacher", Role.HEAD_TEACHER, c.classes["soft1"], label="班主任")
    student = person("student", Role.STUDENT, c.students["s1"], label="王同学")
    c.students["s1"].user = student
    c.students["s1"].save()
    person("supervisor", Role.SUPERVISOR, label="督导")
    person("expert", Role.EXPERT, label="专家")
    return c
