"""Builds the demo college deterministically from a seed number.

The demo is a bulk load of a fictional college, so it writes with bulk_create (15 000 students in seconds)
rather than one audited service call per row; the audit trail starts with the first real change.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from zhengai.core.choices import InstitutionKind, Role, ScaleBand
from zhengai.core.models import Institution
from zhengai.core.periods import ensure_academic_year, ensure_calendar_year
from zhengai.core.services import institution_create, membership_grant, user_create
from zhengai.org.choices import DEFAULT_SYSTEMS, GroupPosition, QAGroupKind, StudentStatus, TeacherKind
from zhengai.org.models import (
    Course,
    Duty,
    Klass,
    Major,
    Post,
    QAGroup,
    QAGroupMember,
    Student,
    Teacher,
    Unit,
    VerticalSystem,
    WorkItem,
)

from . import catalogue as cat
from .goals import build_goal_chain
from .spiral import build_spiral, finish_goal_chain
from .statedata import build_state_data
from .teaching import build_teaching

DEMO_CODE = "14999"
DEMO_NAME = "江城职业技术学院"
DEMO_PASSWORD = "zhengai2026"  # noqa: S105 — the demo college's published password (README)

SIZES = {
    # full: ~60 majors, ~1 500 courses, ~1 100 teachers, ~15 000 students over three cohorts. The teachers are as
    # many as a college of that size has: a 生师比 of about 17 (教育部 line 18).
    "full": {"colleges": 12, "courses_per_major": 25, "students_per_class": 42, "classes_per_cohort": 2,
             "teachers_per_college": 84, "teachers_general": 110},
    # small: a tenth of it, for tests — in the same proportions (生师比 about 17, 100+ students per major, a
    # programme's hours in fewer, longer courses).
    "small": {"colleges": 3, "courses_per_major": 14, "students_per_class": 37, "classes_per_cohort": 1,
              "teachers_per_college": 36, "teachers_general": 14},
}
# A three-year programme's 总学时 (教职成〔2019〕13号: no fewer than 2 500): most majors plan 2 510–2 800, one in
# eight falls short (2 380–2 490) — the 总学时 warnings of a real college.
PROGRAMME_HOURS = (2640, 70)
SHORT_PROGRAMME = (8, 2380, 2490)
INTERNSHIP = "岗位实习"   # every programme has its six months' 岗位实习; the other courses are drawn
COHORTS = (2023, 2024, 2025)


@dataclass
class DemoAccount:
    role: str
    username: str
    name: str
    scope: str


class DemoBuilder:
    def __init__(self, seed: int = 2026, size: str = "full", log: Callable[[str], Any] | None = None):
        self.rng = random.Random(seed)  # noqa: S311 — reproducible demo data, not secrets
        self.size = SIZES[size]
        self.accounts: list[DemoAccount] = []
        self.log = log   # given (the command at verbosity ≥ 2): told the time each step takes

    def step(self, label: str, func: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = func()
        if self.log:
            self.log(f"  {label}：{time.perf_counter() - started:.1f}秒")
        return result

    # -- helpers ------------------------------------------------------------------------------
    def person_name(self) -> str:
        given = self.rng.choice(cat.GIVEN)
        if self.rng.random() < 0.7:
            given += self.rng.choice(cat.GIVEN)
        return self.rng.choice(cat.SURNAMES) + given

    def account(self, username: str, role: str, scope: Any = None, name: str | None = None) -> Any:
        user = user_create(username=username, name=name or self.person_name(), password=DEMO_PASSWORD)
        membership_grant(user=user, institution=self.inst, role=role, scope=scope)
        self.accounts.append(DemoAccount(Role(role).label, username, user.name, str(scope) if scope else "全校"))
        return user

    # -- the build ------------------------------------------------------------------------------
    @transaction.atomic
    def build(self) -> Institution:
        for year in (2023, 2024, 2025, 2026):
            ensure_academic_year(year)
            ensure_calendar_year(year)
        self.inst = institution_create(code=DEMO_CODE, name=DEMO_NAME, region="湖北省武汉市",
                                       scale_band=ScaleBand.OVER_15000 if self.size is SIZES["full"]
                                       else ScaleBand.UNDER_5000,
                                       kind=InstitutionKind.PROVINCIAL_DEMONSTRATION)
        self.step("部门与岗位", self.build_units)
        self.step("教师", self.build_teachers)
        self.step("专业与课程", self.build_majors_and_courses)
        self.step("班级与学生", self.build_classes_and_students)
        self.step("质量保证组织", self.build_qa_organisation)
        self.step("演示账号", self.build_accounts)
        self.step("采用诊改框架", self.adopt_framework)
        # State data, the QC-point library, measurements and warnings (demo/statedata.py).
        build_state_data(self)
        self.step("目标链", lambda: build_goal_chain(self))
        self.step("预警扫描与工作日历", lambda: finish_goal_chain(self))
        self.step("诊改螺旋与报告", lambda: build_spiral(self))
        # Last, so nothing above reads it: the current semester's timetable, roll calls, 评教 and a survey.
        self.step("课程教学：课表、点名、评教与问卷", lambda: build_teaching(self))
        return self.inst

    def build_units(self) -> None:
        inst = self.inst
        self.systems = {code: VerticalSystem.objects.create(institution=inst, code=code, name=name, order=i)
                        for i, (code, name) in enumerate(DEFAULT_SYSTEMS, start=1)}
        self.colleges: list[Unit] = []
        order = 0
        for code, name, _majors in cat.COLLEGES[: self.size["colleges"]]:
            order += 1
            unit = Unit.objects.create(institution=inst, code=code, name=name, kind="college", order=order)
            unit.systems.add(self.systems["quality"])
            self.colleges.append(unit)
        self.general_units = []
        for code, name in cat.TEACHING_DEPARTMENTS:
            order += 1
            unit = Unit.objects.create(institution=inst, code=code, name=name, kind="college", order=order)
            unit.systems.add(self.systems["quality"])
            self.general_units.append(unit)
        self.departments: dict[str, Unit] = {}
        for code, name, systems, sections in cat.DEPARTMENTS:
            order += 1
            unit = Unit.objects.create(institution=inst, code=code, name=name, kind="functional", order=order)
            unit.systems.add(*[self.systems[s] for s in systems])
            self.departments[code] = unit
            for i, section in enumerate(sections, start=1):
                Unit.objects.create(institution=inst, code=f"{code}{i:02d}", name=section, kind="section",
                                    parent=unit, order=i)
        for unit in self.colleges:
            Duty.objects.bulk_create(
                Duty(institution=inst, unit=unit, content=text, in_system=inside, order=i)
                for i, (text, inside) in enumerate(cat.COLLEGE_DUTIES, start=1)
            )
        for code, duties in cat.DUTIES.items():
            Duty.objects.bulk_create(
                Duty(institution=inst, unit=self.departments[code], content=text, in_system=inside, order=i)
                for i, (text, inside) in enumerate(duties, start=1)
            )
        for code, posts in cat.POSTS.items():
            unit = self.departments[code]
            for post_code, post_name, section_name, superior, items in posts:
                section = Unit.objects.filter(institution=inst, parent=unit, name=section_name).first()
                post = Post.objects.create(institution=inst, unit=unit, section=section, code=post_code,
                                           name=post_name, superior=superior,
                                           qualifications="本科及以上学历，中级及以上职称，熟悉高职教学管理")
                WorkItem.objects.bulk_create(
                    WorkItem(institution=inst, post=post, category=c, content=w, standard=s, order=i)
                    for i, (c, w, s) in enumerate(items, start=1)
                )

    def build_teachers(self) -> None:
        rng = self.rng
        teachers = []
        number = 0
        # Enough teachers from companies that they give a fifth of the teaching (企业兼职教师授课比例 ≥ 20%).
        kinds = [(TeacherKind.FULL_TIME, 0.70), (TeacherKind.INTERNAL_PART_TIME, 0.08),
                 (TeacherKind.EXTERNAL_PART_TIME, 0.16), (TeacherKind.EXTERNAL_GUEST, 0.06)]
        titles = [("senior", 0.08), ("associate", 0.30), ("intermediate", 0.40), ("junior", 0.17), ("none", 0.05)]
        degrees = [("doctor", 0.06), ("master", 0.58), ("bachelor", 0.34), ("none", 0.02)]

        def pick(options):
            r, acc = rng.random(), 0.0
            for value, weight in options:
                acc += weight
                if r < acc:
                    return value
            return options[-1][0]

        plan = [(u, self.size["teachers_per_college"]) for u in self.colleges]
        per_general = self.size["teachers_general"] // len(self.general_units)
        plan += [(u, per_general) for u in self.general_units]
        for unit, count in plan:
            for _ in range(count):
                number += 1
                kind = pick(kinds)
                full_time = kind == TeacherKind.FULL_TIME
                teachers.append(Teacher(
                    institution=self.inst, code=f"T{number:05d}", name=self.person_name(), unit=unit, kind=kind,
                    gender=rng.choice("MF"), birth_year=rng.randint(1965, 1998),
                    title=pick(titles), degree=pick(degrees),
                    dual_qualified=full_time and rng.random() < 0.72 or kind == TeacherKind.EXTERNAL_PART_TIME,
                ))
        Teacher.objects.bulk_create(teachers, batch_size=1000)
        self.teachers_by_unit: dict[int, list[Teacher]] = {}
        for t in Teacher.objects.filter(institution=self.inst).order_by("code"):
            self.teachers_by_unit.setdefault(t.unit_id, []).append(t)

    def build_majors_and_courses(self) -> None:
        rng, inst = self.rng, self.inst
        majors = []
        for unit, (_code, _name, entries) in zip(self.colleges, cat.COLLEGES, strict=False):
            for code, name, level in entries:
                majors.append(Major(institution=inst, code=code, name=name, unit=unit, key_level=level,
                                    founded_year=rng.randint(2003, 2021)))
        Major.objects.bulk_create(majors)
        self.majors = list(Major.objects.filter(institution=inst).select_related("unit").order_by("code"))
        # A teaching-research office (教研室) per major, under its secondary college.
        offices = [Unit(institution=inst, code=f"{m.unit.code}{m.code}", name=f"{m.name}教研室", kind="office",
                        parent=m.unit, order=i) for i, m in enumerate(self.majors, start=1)]
        Unit.objects.bulk_create(offices)

        general = [Course(institution=inst, code=code, name=name, unit=self.general_units[0 if i < 4 else 1],
                          course_type=kind, hours=hours, practice_hours=practice, is_core=False,
                          co_developed=code in cat.CO_DEVELOPED_GENERAL)
                   for i, (code, name, kind, hours, practice) in enumerate(cat.GENERAL_COURSES)]
        own: list[tuple[Course, Major]] = []
        n = 0
        general_hours = sum(hours for _code, _name, _kind, hours, _practice in cat.GENERAL_COURSES)
        internship = next(p for p in cat.COURSE_PATTERNS if p[0] == INTERNSHIP)
        others = [p for p in cat.COURSE_PATTERNS if p[0] != INTERNSHIP]
        every, low, high = SHORT_PROGRAMME
        short = {m.pk for m in rng.sample(self.majors, max(1, len(self.majors) // every))}
        for major in self.majors:
            patterns = rng.sample(others, self.size["courses_per_major"] - 1) + [internship]
            planned = rng.uniform(low, high) if major.pk in short else max(2510.0, rng.gauss(*PROGRAMME_HOURS))
            patterns = self.programme(patterns, general_hours, planned)
            for i, (stem, kind, hours, practice) in enumerate(patterns):
                n += 1
                subject = major.name.replace("技术", "").replace("管理", "") or major.name
                course = Course(institution=inst, code=f"C{major.code}{i + 1:02d}", name=f"{subject}{stem}",
                                unit=major.unit, course_type=kind, hours=hours, practice_hours=practice,
                                is_core=i < 6, co_developed=kind != "A" and rng.random() < 0.75)
                own.append((course, major))
        Course.objects.bulk_create(general + [c for c, _ in own], batch_size=1000)
        by_code = {c.code: c for c in Course.objects.filter(institution=inst)}
        course_majors = Course.majors.through
        links = [course_majors(course_id=by_code[c.code].pk, major_id=m.pk) for c, m in own]
        links += [course_majors(course_id=by_code[code].pk, major_id=m.pk)
                  for code, *_ in cat.GENERAL_COURSES for m in self.majors]
        course_majors.objects.bulk_create(links, batch_size=2000)
        course_teachers = Course.teachers.through
        teach = []
        general_teachers = [t for u in self.general_units for t in self.teachers_by_unit.get(u.pk, [])]
        for code, *_ in cat.GENERAL_COURSES:
            for t in rng.sample(general_teachers, min(4, len(general_teachers))):
                teach.append(course_teachers(course_id=by_code[code].pk, teacher_id=t.pk))
        for course, major in own:
            pool = self.teachers_by_unit[major.unit_id]
            for t in rng.sample(pool, 2):
                teach.append(course_teachers(course_id=by_code[course.code].pk, teacher_id=t.pk))
        course_teachers.objects.bulk_create(teach, batch_size=2000)
        self.courses = by_code

    def programme(self, patterns: list[tuple], general_hours: int, planned: float) -> list[tuple]:
        """The major's own courses with their hours scaled so that the programme (its courses and the general
        ones) reaches the major's planned 总学时; the 岗位实习 keeps its six months. Hours stay even, a type A
        course has no practice and a type C course is all practice (statedata/checks.py course_hours)."""
        fixed = sum(h for stem, _k, h, _p in patterns if stem == INTERNSHIP)
        scalable = sum(h for stem, _k, h, _p in patterns if stem != INTERNSHIP) or 1
        factor = max(0.5, (planned - general_hours - fixed) / scalable)
        result = []
        for stem, kind, hours, practice in patterns:
            if stem != INTERNSHIP:
                new = max(16, 2 * round(hours * factor / 2))
                practice = 0 if kind == "A" else new if kind == "C" else min(new, 2 * round(practice * factor / 2))
                hours = new
            result.append((stem, kind, hours, practice))
        return result

    def build_classes_and_students(self) -> None:
        rng, inst = self.rng, self.inst
        classes = []
        for major in self.majors:
            for cohort in COHORTS:
                for k in range(1, self.size["classes_per_cohort"] + 1):
                    classes.append(Klass(institution=inst, code=f"{major.code}{cohort % 100:02d}{k:02d}",
                                         name=f"{major.name}{cohort % 100:02d}{k:02d}班", major=major, cohort=cohort))
        Klass.objects.bulk_create(classes)
        self.classes = list(Klass.objects.filter(institution=inst).order_by("code"))
        students = []
        number = 0
        for klass in self.classes:
            size = self.size["students_per_class"] + rng.randint(-3, 3)
            for _ in range(size):
                number += 1
                r = rng.random()
                status = (StudentStatus.DROPPED if r < 0.015 else StudentStatus.SUSPENDED if r < 0.025
                          else StudentStatus.ENROLLED)
                students.append(Student(institution=inst, code=f"{klass.cohort}{number:06d}", name=self.person_name(),
                                        gender=rng.choice("MF"), major_id=klass.major_id, klass=klass,
                                        cohort=klass.cohort, status=status))
        Student.objects.bulk_create(students, batch_size=2000)

    def build_qa_organisation(self) -> None:
        inst = self.inst
        committee = QAGroup.objects.create(institution=inst, kind=QAGroupKind.COMMITTEE, name="学校质量保证委员会",
                                           duties="审议学校质量保证体系建设方案、年度诊改工作计划和诊改报告；"
                                                  "统筹协调诊改工作中的重大问题。", order=1)
        office = QAGroup.objects.create(institution=inst, kind=QAGroupKind.QUALITY_OFFICE, name="质量管理办公室",
                                        unit=self.departments["D03"], parent=committee, order=2,
                                        duties="负责诊改工作的日常组织、协调、监测预警与督查。")
        members = [QAGroupMember(institution=inst, group=committee, name=self.person_name(), position=pos,
                                 job_title=title)
                   for pos, title in [(GroupPosition.LEADER, "党委书记"), (GroupPosition.LEADER, "校长"),
                                      (GroupPosition.DEPUTY, "分管教学副校长"), (GroupPosition.MEMBER, "各部门负责人")]]
        members.append(QAGroupMember(institution=inst, group=office, name=self.person_name(),
                                     position=GroupPosition.LEADER, job_title="质量管理办公室主任"))
        groups = []
        for i, (name, drawn, duties) in enumerate(cat.SPECIAL_GROUPS, start=1):
            groups.append(QAGroup(institution=inst, kind=QAGroupKind.SPECIAL_GROUP, name=name, parent=committee,
                                  drawn_from=drawn, duties=duties, order=10 + i))
        for i, unit in enumerate(self.colleges, start=1):
            groups.append(QAGroup(institution=inst, kind=QAGroupKind.UNIT_GROUP, name=f"{unit.name}质量保证工作组",
                                  unit=unit, parent=committee, order=100 + i,
                                  duties="组织本单位专业、课程、教师、学生层面的诊改，审核本单位诊改报告。"))
        for i, major in enumerate(self.majors, start=1):
            groups.append(QAGroup(institution=inst, kind=QAGroupKind.MAJOR_TEAM, name=f"{major.name}专业建设团队",
                                  unit=major.unit, order=200 + i,
                                  duties="制定专业建设规划与专业标准，开展专业自我诊改，撰写专业诊改报告。"))
        for i, dept in enumerate(self.departments.values(), start=1):
            groups.append(QAGroup(institution=inst, kind=QAGroupKind.SERVICE_TEAM, name=f"{dept.name}管理服务团队",
                                  unit=dept, order=400 + i, duties="制定部门工作标准，开展部门自我诊改。"))
        QAGroup.objects.bulk_create(groups)
        QAGroupMember.objects.bulk_create(members)

    def build_accounts(self) -> None:
        it = self.colleges[0]
        major = next(m for m in self.majors if m.unit_id == it.pk)
        course = Course.objects.filter(institution=self.inst, majors=major, is_core=True).order_by("code").first()
        teacher = course.teachers.order_by("code").first()
        klass = next(k for k in self.classes if k.major_id == major.pk)
        student = Student.objects.filter(klass=klass, status=StudentStatus.ENROLLED).order_by("code").first()

        self.account("leader", Role.SCHOOL_LEADER, name="周校长")
        self.account("quality", Role.QUALITY_OFFICE, name="质管办王主任")
        self.account("head", Role.UNIT_HEAD, it)
        self.account("major", Role.MAJOR_LEADER, major)
        self.account("course", Role.COURSE_LEADER, course)
        user = self.account("teacher", Role.TEACHER, teacher, name=teacher.name)
        teacher.user = user
        teacher.save(update_fields=["user"])
        self.account("counsellor", Role.COUNSELLOR, klass)
        # The class's 班主任: another teacher of the college, with their own teacher record.
        head_teacher = next(t for t in self.teachers_by_unit[it.pk] if t.pk != teacher.pk)
        user = self.account("headteacher", Role.HEAD_TEACHER, klass, name=head_teacher.name)
        head_teacher.user = user
        head_teacher.save(update_fields=["user"])
        user = self.account("student", Role.STUDENT, student, name=student.name)
        student.user = user
        student.save(update_fields=["user"])
        self.account("supervisor", Role.SUPERVISOR)
        self.account("steward", Role.DATA_STEWARD)
        self.account("authority", Role.AUTHORITY_OFFICER, name="市教委职成处刘处长")
        self.account("expert", Role.EXPERT, name="复核专家陈教授")

    def adopt_framework(self) -> None:
        from zhengai.frameworks.services import framework_adopt, load_builtin

        builtins = {f.code: f for f in load_builtin()}
        framework_adopt(actor=None, institution=self.inst, framework=builtins["wuhan-software"])


def demo_accounts(institution: Institution) -> list[DemoAccount]:
    """The demo accounts that exist, one per role, with what each is scoped to."""
    from zhengai.core.models import Membership

    rows = []
    for m in (Membership.objects.filter(institution=institution, user__username__in=DEMO_USERNAMES)
              .select_related("user").order_by("pk")):
        rows.append(DemoAccount(m.get_role_display(), m.user.username, m.user.name,
                                str(m.scope) if m.scope_id else "全校"))
    return rows


DEMO_USERNAMES = ["leader", "quality", "head", "major", "course", "teacher", "counsellor", "headteacher", "student",
                  "supervisor", "steward", "authority", "expert"]
