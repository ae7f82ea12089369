"""The demo college's state data, teaching-process sample, QC points, measurements and warnings.

Called by `DemoBuilder.build()` after the org and framework steps, drawing from the builder's random generator,
so the same seed gives the same numbers. Like the rest of the demo it is a one-time bulk load of a fictional
college: rows go in with bulk_create (and the teaching-process sample with executemany), not through
`statedata.services.table_import` — no import history, no audit per row, no recompute jobs; the audit trail
starts with the first real import. What the demo writes:

* three academic years (2023-2024, 2024-2025, 2025-2026) of every state-data table, and the calendar years the
  monitoring reads with them (2024, 2025, 2026) for funding. Teachers also get the four academic years before
  (2019-2020 … 2022-2023), because 企业实践 is counted over five years;
* values consistent with the org data (students per major and cohort, teachers' kinds and 双师, course hours)
  and with the state-data logic checks (statedata/checks.py), varying by major and year, most things improving
  a little each year, and some entities clearly below their lines so that warnings exist at every level —
  including the demo accounts' own major, course, teacher and class;
* teaching-process records (考勤, 课堂检测, 作业) for a sample of the current semester 2025-2026-1: the first
  PROCESS_WEEKS weeks for every enrolled student (the full term's volume is benchmarks/teaching_term.py's job);
* then the built-in QC-point library with lead units, and a recompute of each academic year.
"""

from __future__ import annotations

import datetime
import math
import time
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection

from zhengai.core.models import Period
from zhengai.core.periods import ensure_academic_year, ensure_calendar_year
from zhengai.org.choices import StudentStatus, TeacherKind
from zhengai.org.models import Course, Student, Teacher
from zhengai.statedata import models as sd

YEARS = (2023, 2024, 2025)           # academic years 2023-2024 … 2025-2026; the last is the current one
HISTORY = (2019, 2020, 2021, 2022)   # teacher rows only: 企业实践 is summed over five academic years
SEMESTER = "2025-2026-1"
FIRST_MONDAY = datetime.date(2025, 9, 8)
PROCESS_WEEKS = 2
COURSES_PER_CLASS = 4

# Lead unit (department code in catalogue.DEPARTMENTS) of each built-in QC point, by code.
LEAD_UNITS = {
    "D08": ["S01", "S02", "S03", "S22", "S23", "S24", "S25", "S26", "S27", "U03", "T01", "T04", "T06"],
    "D10": ["S04", "S05", "S06", "S08", "S09", "S11"],
    "D11": ["S10"],
    "D14": ["S07"],
    "D06": ["S12", "S20", "M16", "P01", "P02", "P03", "P04", "K01", "K02", "K03"],
    "D09": ["S13", "S14", "S15"],
    "D07": ["S16", "S17", "S21", "U02", "M01", "M11", "M12", "M14"],
    "D05": ["S18", "S19", "S28", "U01", "M02", "M03", "M04", "M05", "M06", "M07", "M08", "M09", "M10", "M13",
            "M15", "C01", "C02", "C03", "C04", "C05", "C06", "C07", "T02", "T03", "T05"],
}

ELECTIVE_STEMS = ("前沿专题", "案例分析", "信息化应用", "创新实践", "数据分析")
ELECTIVE_GENERAL = ("G015", "G018", "G019", "G020")
FOUNDATION_STEMS = ("导论", "基础", "原理")
DROPOUT_REASONS = ["学习困难", "家庭经济困难", "身体原因", "参军入伍", "转学", "个人意愿", "出国（境）"]


def _d(value: float, places: int = 2) -> Decimal:
    return Decimal(f"{value:.{places}f}")


def clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))



def _n(code: str) -> int:
    """A stable number from a code (its digits): database ids differ between builds on PostgreSQL, whose
    sequences a rolled-back transaction does not rewind, so choices must never depend on them."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else 0

class StateDataBuilder:
    """Writes the state data of a DemoBuilder's college, after its org data exists."""

    def __init__(self, builder: Any):
        self.b = builder
        self.rng = builder.rng
        self.inst = builder.inst
        self.log = getattr(builder, "log", None)

    def step(self, label: str, func) -> Any:
        started = time.perf_counter()
        result = func()
        if self.log:
            self.log(f"  {label}：{time.perf_counter() - started:.1f}秒")
        return result

    def build(self) -> None:
        self.step("状态数据：准备", self.prepare)
        self.step("状态数据：院校、专业与学生", self.build_majors_and_school)
        self.step("状态数据：教师与辅导员", self.build_teachers)
        self.step("状态数据：课程与评教", self.build_courses)
        self.step("状态数据：经费", self.build_funding)
        self.step("教学过程数据（样本）", self.build_process)
        self.step("更新数据库统计信息（ANALYZE）", self.analyze)
        self.step("质控点库与牵头部门", self.load_points)
        for year in YEARS:
            self.step(f"计算{year}-{year + 1}学年的质控点", lambda y=year: self.recompute(y))

    # -- what the org data says ------------------------------------------------------------------
    def prepare(self) -> None:
        rng, inst = self.rng, self.inst
        self.periods = {y: ensure_academic_year(y) for y in (*HISTORY, *YEARS)}
        self.calendar = {y + 1: ensure_calendar_year(y + 1) for y in YEARS}
        self.majors = self.b.majors
        self.teachers = list(Teacher.objects.filter(institution=inst).order_by("code"))
        self.courses = list(Course.objects.filter(institution=inst).order_by("code"))
        self.course_by_id = {c.pk: c for c in self.courses}
        self.course_majors: dict[int, list[int]] = defaultdict(list)
        for course_id, major_id in Course.majors.through.objects.filter(
                course__institution=inst).order_by("course_id", "major_id").values_list("course_id", "major_id"):
            self.course_majors[course_id].append(major_id)
        self.course_teachers: dict[int, list[int]] = defaultdict(list)
        for course_id, teacher_id in Course.teachers.through.objects.filter(
                course__institution=inst).order_by("course_id", "teacher__code").values_list("course_id",
                                                                                             "teacher_id"):
            self.course_teachers[course_id].append(teacher_id)
        self.students = list(Student.objects.filter(institution=inst).order_by("code")
                             .values_list("pk", "major_id", "klass_id", "cohort", "status"))

        # The demo accounts' own entities, so that each of them has something to see.
        self.demo_major = next(m for m in self.majors if m.unit_id == self.b.colleges[0].pk)
        self.demo_course = (Course.objects.filter(institution=inst, majors=self.demo_major, is_core=True)
                            .order_by("code").first())
        self.demo_teacher_id = self.course_teachers[self.demo_course.pk][0]
        self.demo_class = next(k for k in self.b.classes if k.major_id == self.demo_major.pk)

        # Quality of each major (a standard normal), a few clearly weak, the demo major among them.
        self.quality = {m.pk: rng.gauss(0, 1) for m in self.majors}
        others = [m for m in self.majors if m.pk != self.demo_major.pk]
        self.weak_majors = {self.demo_major.pk, *(m.pk for m in rng.sample(others, max(2, len(others) // 10)))}
        for pk in self.weak_majors:
            self.quality[pk] = min(self.quality[pk], -2.2)
        # Each course: how its students attend, submit and pass, and how well it is taught (effects in points).
        self.course_effect = {c.pk: rng.gauss(0, 1) for c in self.courses}
        weak_courses = rng.sample(self.courses, max(3, len(self.courses) // 25))
        for c in [*weak_courses, self.demo_course]:
            self.course_effect[c.pk] = -2.5 - rng.random()
        # When each dropped student left (an academic year from their cohort on) — the Dropout rows.
        self.dropout_year = {}
        for pk, _major, _klass, cohort, status in self.students:
            if status == StudentStatus.DROPPED:
                self.dropout_year[pk] = rng.choice([y for y in YEARS if y >= cohort])

    # -- majors, admissions, employment, … and the school's basic facts --------------------------------
    def cohort_size(self, major_id: int, cohort: int, year: int) -> int:
        """Students of `cohort` in `major` at the start of `year` (before any who left earlier)."""
        return self.sizes[major_id].get((cohort, year)) or self.synthetic[major_id][cohort]

    def build_majors_and_school(self) -> None:
        rng, inst = self.rng, self.inst
        counts: dict[int, Counter] = defaultdict(Counter)   # major → (cohort, year) → students in school
        entered: dict[int, Counter] = defaultdict(Counter)  # major → cohort → students who enrolled
        for pk, major_id, _klass, cohort, _status in self.students:
            entered[major_id][cohort] += 1
            left = self.dropout_year.get(pk)
            for year in YEARS:
                if year >= cohort and (left is None or left >= year):
                    counts[major_id][(cohort, year)] += 1
        self.sizes = counts
        # The cohorts before the org's (2021, 2022), which graduated before the current year: a little smaller.
        self.synthetic = {m.pk: {c: round(entered[m.pk][2023] * rng.uniform(0.88, 0.97) ** (2023 - c))
                                 for c in (2021, 2022, 2023)} for m in self.majors}
        for m in self.majors:
            self.synthetic[m.pk][2023] = counts[m.pk][(2023, 2025)]  # the 2026 graduates are the org's cohort 2023

        major_years, admissions, employment, certificates, internships = [], [], [], [], []
        cooperations: list[sd.Cooperation] = []
        feedbacks: list[sd.GraduateFeedback] = []
        self.students_by_year: dict[int, int] = Counter()
        self.students_by_unit_year: dict[tuple[int, int], int] = Counter()
        for m in self.majors:
            q = self.quality[m.pk]
            n_classes = sum(1 for k in self.b.classes if k.major_id == m.pk)
            for i, year in enumerate(YEARS):
                period = self.periods[year]
                grades = [self.cohort_size(m.pk, year - g, year) for g in range(3)]
                total = sum(grades)
                secondary = round(total * clip(rng.gauss(0.38, 0.06), 0.2, 0.55))
                other = round(total * rng.uniform(0.0, 0.04))
                major_years.append(sd.MajorYear(
                    institution=inst, period=period, table_code="A7-1-1", major=m, students=total,
                    grade1=grades[0], grade2=grades[1], grade3=grades[2], from_high_school=total - secondary - other,
                    from_secondary=secondary, other_origin=other, classes=n_classes, enrolling=True,
                    has_graduates=True))
                self.students_by_year[year] += total
                self.students_by_unit_year[(m.unit_id, year)] += total

                # 招生 (A7-6-1): this year's cohort; 报到率 ~94%, lower in the weak majors.
                enrolled = entered[m.pk][year]
                report = clip(rng.gauss(0.94 + 0.004 * i + 0.015 * q, 0.01), 0.80, 0.995)
                admitted = max(enrolled, round(enrolled / report))
                # A plan is a ceiling: a major admits at most its plan (a rate above 100 % reads as a data error).
                planned = round(admitted / clip(rng.gauss(0.98, 0.02), 0.93, 1.0))
                local = round(enrolled * rng.uniform(0.35, 0.6))
                admissions.append(sd.Admission(
                    institution=inst, period=period, table_code="A7-6-1", major=m, planned=planned,
                    admitted=admitted, enrolled=enrolled, from_city=local,
                    from_province=enrolled - round(enrolled * rng.uniform(0.03, 0.1))))

                # 就业 (A7-6-2): the graduating cohort; ~96% employed, weak majors clearly below the lines.
                graduates = self.synthetic[m.pk][year - 2]
                rate = clip(rng.gauss(0.97 + 0.004 * i + 0.006 * q, 0.007), 0.80, 0.995)
                if m.pk in self.weak_majors and int(m.code) % 2 == 0:
                    rate -= 0.04                                      # clearly below the fail line
                employed = round(graduates * rate)
                matched_rate = clip(rng.gauss(0.80 + 0.01 * i + 0.05 * q, 0.03), 0.45, 0.97)
                salary = 3800 + 250 * i + 300 * q + rng.gauss(0, 150)
                employment.append(sd.Employment(
                    institution=inst, period=period, table_code="A7-6-2", major=m, graduates=graduates,
                    employed=employed, matched=round(employed * matched_rate),
                    local=round(employed * rng.uniform(0.4, 0.7)), starting_salary=_d(salary * 0.85, 0),
                    monthly_income=_d(salary, 0)))

                # 获证 (A7-3-2), 顶岗实习 (A7-4).
                certified = round(graduates * clip(rng.gauss(0.88 + 0.01 * i + 0.03 * q, 0.02), 0.5, 1.0))
                senior = round(certified * rng.uniform(0.05, 0.15))
                middle = round(certified * rng.uniform(0.45, 0.65))
                certificates.append(sd.Certificate(
                    institution=inst, period=period, table_code="A7-3-2", major=m, graduates=graduates,
                    primary=certified - senior - middle, intermediate=middle, senior=senior, no_level=0,
                    trainings=rng.randint(50, 400)))
                interns = graduates - rng.randint(0, 2)
                # 参保: all insured but in a few majors, where one to four were missed.
                missed = rng.randint(1, 3) if rng.random() < (0.3 if q < -1.5 else 0.03) else 0
                internships.append(sd.Internship(
                    institution=inst, period=period, table_code="A7-4", major=m, total=graduates,
                    hired=round(graduates * rng.uniform(0.35, 0.6)),
                    matched=round(graduates * clip(rng.gauss(0.885 + 0.01 * i + 0.03 * q, 0.02), 0.5, 1.0)),
                    companies=max(3, graduates // rng.randint(4, 9)), interns=interns,
                    insured=max(0, interns - missed), insurance="实习责任保险（学校）",
                    months=_d(6.0 if q > -1.5 or i == 2 else 5.5, 1)))
                # 产学合作 (A7-5), 上届毕业生 (A7-6-3): derived, no draw, so the random stream stays as it was.
                cooperations.append(sd.Cooperation(
                    institution=inst, period=period, table_code="A7-5", major=m,
                    companies=max(3, graduates // 6), order_students=graduates // 4, joint_courses=2 + i % 3,
                    interns=interns, hired=graduates // 3))
                satisfied = round(employed * 0.9)
                feedbacks.append(sd.GraduateFeedback(
                    institution=inst, period=period, table_code="A7-6-3", major=m, graduates=graduates,
                    employed=employed, satisfied=satisfied, fair=employed - satisfied, dissatisfied=0))
        sd.MajorYear.objects.bulk_create(major_years, batch_size=500)
        sd.Admission.objects.bulk_create(admissions, batch_size=500)
        sd.Employment.objects.bulk_create(employment, batch_size=500)
        sd.Certificate.objects.bulk_create(certificates, batch_size=500)
        sd.Internship.objects.bulk_create(internships, batch_size=500)
        sd.Cooperation.objects.bulk_create(cooperations, batch_size=500)
        sd.GraduateFeedback.objects.bulk_create(feedbacks, batch_size=500)

        # Dropouts (A10-2-1): the students whose status is dropped, in the year they left.
        dropouts = []
        for pk, _major, _klass, _cohort, _status in self.students:
            year = self.dropout_year.get(pk)
            if year is None:
                continue
            month = rng.choice([10, 11, 12, 3, 4, 5])
            dropouts.append(sd.Dropout(
                institution=inst, period=self.periods[year], table_code="A10-2-1", student_id=pk,
                reason=rng.choice(DROPOUT_REASONS),
                month=datetime.date(year if month >= 9 else year + 1, month, 1)))
        sd.Dropout.objects.bulk_create(dropouts, batch_size=500)

        # The school's basic facts (A1/A3), per student at realistic levels; books fall behind the growth in
        # students in the current year (a 生均图书 warning), new equipment catches up after a weak first year.
        rows = []
        stock = 0.0
        for i, year in enumerate(YEARS):
            students = self.students_by_year[year]
            converted = students * rng.uniform(1.02, 1.04)
            secondary = round(students * 0.38)
            other = round(students * 0.02)
            equipment = converted * (5200 + 450 * i) / 10000            # 万元
            new_share = (0.09, 0.115, 0.125)[i]
            computers = round(students * (0.115 + 0.005 * i))
            classrooms = max(20, students // 45)
            # A library's stock grows by its accessions (a stock that shrinks is a data error, check L15); per
            # student it still falls behind when students grow faster.
            stock = max(converted * (86 - 5 * i) / 10000, stock + converted * 2.1 / 10000 * 0.6)
            rows.append(sd.InstitutionYear(
                institution=inst, period=self.periods[year], table_code="A1", converted_students=_d(converted, 1),
                fulltime_students=students, vocational_students=students, from_high_school=students - secondary - other,
                from_secondary=secondary, other_origin=other, majors_offered=len(self.majors),
                fixed_assets=_d(equipment * 4.2), equipment_value=_d(equipment),
                equipment_new=_d(equipment * new_share / (1 + new_share)),
                land_area=_d(students * (63 - i * 0.8)), building_area=_d(students * 31),
                teaching_area=_d(students * (12.6 + 0.2 * i)), admin_area=_d(students * 2.6),
                dorm_area=_d(students * 7.1), books=_d(stock),
                books_new=_d(converted * 2.1 / 10000), computers=round(computers * 1.3),
                teaching_computers=computers, classrooms=classrooms,
                multimedia_classrooms=round(classrooms * 0.85), practice_stations=round(students * 0.62)))
        sd.InstitutionYear.objects.bulk_create(rows)

    # -- teachers (A6) and counsellors (A8-3) -----------------------------------------------------
    def build_teachers(self) -> None:
        rng, inst = self.rng, self.inst
        college_ids = {u.pk for u in self.b.colleges}
        rows = []
        self.teacher_years: dict[int, set[int]] = defaultdict(set)   # year → teachers with a row
        for t in self.teachers:
            # Everyone teaches through the three years (a teacher not yet employed would be measured as 0, not
            # 无数据); the youngest joined during the history years, so their five-year practice is shorter.
            born = t.birth_year or 1980
            joined = 2023 if born >= 1997 else 2021 if born >= 1995 else HISTORY[0]
            full = t.kind == TeacherKind.FULL_TIME
            external = t.kind in (TeacherKind.EXTERNAL_PART_TIME, TeacherKind.EXTERNAL_GUEST)
            # 企业实践 per year: most full-time teachers reach six months in five years, a few clearly do not.
            r = rng.random()
            practice = (rng.uniform(200, 240) if external else rng.uniform(4, 18) if r < 0.03
                        else rng.uniform(26, 34) if r < 0.07 else rng.uniform(38, 70))
            if t.pk == self.demo_teacher_id:
                practice = rng.uniform(6, 14)
            r = rng.random()
            training = (rng.uniform(0, 3) if r < 0.01 else rng.uniform(6, 8) if r < 0.03 else rng.uniform(12, 22))
            seconded = rng.random() < 0.15
            r = rng.random()
            if full:
                hours = rng.gauss(385, 45) if r < 0.975 else rng.uniform(600, 700) if r < 0.995 else rng.uniform(
                    740, 800)
            elif t.kind == TeacherKind.INTERNAL_PART_TIME:
                hours = rng.uniform(100, 180)
            elif t.kind == TeacherKind.EXTERNAL_PART_TIME:
                hours = rng.uniform(430, 570)
            else:
                hours = rng.uniform(60, 140)
            # 双师: as the org says now; some earned it during the three years (never lost).
            dual_from = (HISTORY[0] if rng.random() < 0.88 else rng.choice([2024, 2025])) if t.dual_qualified \
                else 9999
            for year in (*HISTORY, *YEARS):
                if year < joined:
                    continue
                i = year - YEARS[-1]
                self.teacher_years[year].add(t.pk)
                rows.append(sd.TeacherYear(
                    institution=inst, period=self.periods[year], table_code=sd.TeacherYear.KIND_CODES[t.kind],
                    teacher=t, kind=t.kind, unit_id=t.unit_id, title=t.title, degree=t.degree,
                    dual_qualified=year >= dual_from, professional=t.unit_id in college_ids,
                    backbone=full and t.title in ("senior", "associate") and _n(t.code) % 2 == 0,
                    teacher_certificate=not external,
                    teaching_hours=max(0, round(hours * (1 + 0.01 * i) + rng.gauss(0, 12))),
                    enterprise_days=max(0, round(practice + rng.gauss(0, 5))),
                    training_days=max(0, round(training + 0.5 * i + rng.gauss(0, 1.5))),
                    secondment_days=round(rng.uniform(30, 90)) if full and seconded else 0))
        sd.TeacherYear.objects.bulk_create(rows, batch_size=1000)

        # Counsellors: staff of each college (校内兼课 first, then others), about 1:200 — one or two colleges
        # short, and the school catching up year by year.
        short = {u.pk for u in rng.sample(self.b.colleges, 2 if len(self.b.colleges) > 4 else 1)}
        counsellors = []
        for unit in self.b.colleges:
            pool = sorted((t for t in self.teachers if t.unit_id == unit.pk and t.pk != self.demo_teacher_id
                           and t.kind in (TeacherKind.INTERNAL_PART_TIME, TeacherKind.FULL_TIME)),
                          key=lambda t: (t.kind != TeacherKind.INTERNAL_PART_TIME, t.code))
            for i, year in enumerate(YEARS):
                students = self.students_by_unit_year[(unit.pk, year)]
                ratio = (262 - 10 * i) if unit.pk in short else (203 - 6 * i)
                n = min(len(pool), max(1, math.ceil(students / ratio)))
                for t in pool[:n]:
                    counsellors.append(sd.Counsellor(
                        institution=inst, period=self.periods[year], table_code="A8-3", teacher=t, unit=unit,
                        political=True, psychological=False, years_in_post=2 + (_n(t.code) % 9) + i,
                        students_in_charge=students // n))
        sd.Counsellor.objects.bulk_create(counsellors, batch_size=1000)

    # -- courses (A7-2) and evaluations (A8-7) ----------------------------------------------------
    def build_courses(self) -> None:
        rng, inst = self.rng, self.inst
        majors = {m.pk: m for m in self.majors}
        lag = {m.pk: rng.uniform(0.0, 0.15) + (0.25 if self.quality[m.pk] < -1.5 else 0) for m in self.majors}
        rows = []
        for c in self.courses:
            general = c.code.startswith("G")
            stem = next((s for s in ELECTIVE_STEMS + FOUNDATION_STEMS if c.name.endswith(s)), "")
            attribute = ("public" if general else "foundation" if stem in FOUNDATION_STEMS
                         else "specialty")
            # 选修: the general electives, the elective stems and every third other non-core specialty course (专业
            # 拓展课), so that electives make a tenth of most programmes.
            elective = c.code in ELECTIVE_GENERAL or (not general and not c.is_core and (
                stem in ELECTIVE_STEMS or (stem not in FOUNDATION_STEMS and c.course_type != "C"
                                           and _n(c.code) % 3 == 0)))
            teachers = self.course_teachers.get(c.pk, [])
            for n, major_id in enumerate(self.course_majors.get(c.pk, [])):
                for i, year in enumerate(YEARS):
                    present = [t for t in teachers if t in self.teacher_years[year]]
                    practice = c.practice_hours
                    if c.course_type == "B" and i < 2:
                        # The practice reform: B courses had less practice before, more so in lagging majors.
                        practice = round(practice * (1 - lag[major_id] * (2 - i) / 2))
                    rows.append(sd.CourseYear(
                        institution=inst, period=self.periods[year], table_code="A7-2", major=majors[major_id],
                        course=c, course_type=c.course_type, attribute=attribute,
                        nature="elective" if elective else "required", is_core=c.is_core,
                        co_developed=c.co_developed and (i == 2 or rng.random() < 0.8 + 0.1 * i),
                        credits=_d(max(1, round(c.hours / 16 * 2) / 2), 1), hours=c.hours,
                        practice_hours=practice, teacher_id=present[n % len(present)] if present else None))
        sd.CourseYear.objects.bulk_create(rows, batch_size=1000)

        # 评教: per course × teacher; students of the course's majors in one grade, shared among its teachers.
        per_major_year = {(m.pk, y): self.cohort_size(m.pk, y, y) for m in self.majors for y in YEARS}
        teacher_effect = {t.pk: rng.gauss(0, 1.6) for t in self.teachers}
        teacher_effect[self.demo_teacher_id] = min(teacher_effect[self.demo_teacher_id], -2.0)
        rows = []
        for c in self.courses:
            teachers = self.course_teachers.get(c.pk, [])
            for i, year in enumerate(YEARS):
                present = [t for t in teachers if t in self.teacher_years[year]]
                if not present:
                    continue
                students = sum(per_major_year[(m, year)] for m in self.course_majors.get(c.pk, []))
                for t in present:
                    expected = max(1, students // len(present))
                    rate = clip(rng.gauss(0.945 + 0.006 * self.course_effect[c.pk], 0.015), 0.7, 1.0)
                    score = clip(90 + 0.4 * i + 1.1 * self.course_effect[c.pk] + teacher_effect[t]
                                 + rng.gauss(0, 0.8), 70, 99)
                    rows.append(sd.Evaluation(institution=inst, period=self.periods[year], table_code="A8-7",
                                              teacher_id=t, course=c, expected=expected,
                                              participated=min(expected, round(expected * rate)),
                                              score=_d(score)))
        sd.Evaluation.objects.bulk_create(rows, batch_size=1000)

    # -- funding (A5), by calendar year --------------------------------------------------------------
    def build_funding(self) -> None:
        rng, inst = self.rng, self.inst
        rows = []
        for i, year in enumerate(YEARS):
            students = self.students_by_year[year]
            fiscal = students * (13200 + 500 * i) / 10000                 # 万元
            special = fiscal * rng.uniform(0.12, 0.16)
            regular = fiscal - special
            tuition = students * 0.55
            donations = rng.uniform(20, 80) * students / 15000
            other = tuition * rng.uniform(0.05, 0.1)
            income = tuition + regular + special + donations + other
            expense = income * rng.uniform(0.95, 0.99)
            faculty = expense * (0.034 + 0.001 * i)
            public = expense * 0.11
            training = public * (0.045, 0.053, 0.056)[i]
            parts = {"equipment_purchase": 0.12, "teaching_routine": 0.18, "teaching_reform": 0.03,
                     "books_purchase": 0.008}
            spent = {k: expense * v for k, v in parts.items()}
            incomes = {"tuition": tuition, "fiscal_regular": regular, "fiscal_special": special,
                       "donations": donations, "other_income": other}
            expenses = {**spent, "faculty_building": faculty, "other_expense": expense - faculty - sum(spent.values())}
            incomes = {k: _d(v) for k, v in incomes.items()}
            expenses = {k: _d(v) for k, v in expenses.items()}
            rows.append(sd.Funding(
                institution=inst, period=self.calendar[year + 1], table_code="A5",
                # A cent above the items' sum: on SQLite the check sums decimals as floats (2894.2300000000005).
                total_income=sum(incomes.values()) + Decimal("0.01"),
                total_expense=sum(expenses.values()) + Decimal("0.01"),
                teacher_training=_d(training), public_funds=_d(public), **incomes, **expenses))
        sd.Funding.objects.bulk_create(rows)

    # -- teaching-process records: a sample of the current semester ---------------------------------------
    def build_process(self) -> None:
        rng, inst = self.rng, self.inst
        semester = Period.objects.get(code=SEMESTER)
        own: dict[int, list[Course]] = defaultdict(list)
        for c in self.courses:
            if not c.code.startswith("G"):
                for m in self.course_majors.get(c.pk, []):
                    own[m].append(c)
        general = [c for c in self.courses if c.code.startswith("G")]
        teachers_of = self.course_teachers
        klass_plan: dict[int, list[tuple[Course, int | None]]] = {}
        for k in self.b.classes:
            grade = YEARS[-1] - k.cohort                            # 0, 1, 2
            courses = own[k.major_id][grade::3][:COURSES_PER_CLASS - (1 if grade < 2 else 0)]
            if grade < 2:
                courses = [general[(4 + grade * 3 + _n(k.code)) % len(general)], *courses]
            plan = []
            for c in courses:
                pool = teachers_of.get(c.pk, [])
                teacher = pool[_n(k.code) % len(pool)] if pool else None
                if c.pk == self.demo_course.pk:
                    # The demo teacher teaches the demo course's classes, so their own cycle has the process data
                    # the 诊断 gate asks for (授课到课率, 所授课程作业完成率).
                    teacher = self.demo_teacher_id
                plan.append((c, teacher))
            klass_plan[k.pk] = plan
        weak_class = self.demo_class.pk
        class_effect = {k.pk: rng.gauss(0, 0.006) for k in self.b.classes}
        class_effect[weak_class] = -0.065   # the counsellor's class: a 到课率 warning

        attendance, checks, homework = [], [], []
        period_id, inst_id = semester.pk, inst.pk
        rand = rng.random
        for pk, _major, klass_id, _cohort, status in self.students:
            if status != StudentStatus.ENROLLED:
                continue
            # A few students struggle (a few percent of students warned, as in a real college); the others
            # attend, submit and pass reliably, except in the weak courses (course effect below -1.5).
            weak = rand() < 0.02
            p_absent = (0.07 if weak else 0.004) - class_effect[klass_id]
            p_leave = 0.002
            p_submit = 0.86 if weak else 0.9995
            p_pass = 0.80 if weak else 0.985
            for slot, (course, teacher) in enumerate(klass_plan[klass_id]):
                ce = self.course_effect[course.pk]
                bad = min(0.0, ce + 1.5)
                absent = clip(p_absent - 0.01 * bad, 0, 0.5)
                weekday, pair = divmod(slot, 2)
                for week in range(PROCESS_WEEKS):
                    day = FIRST_MONDAY + datetime.timedelta(weeks=week, days=weekday % 5)
                    for half in (1, 2):
                        r = rand()
                        state = 4 if r < absent else 3 if r < absent + p_leave else 2 if r < absent + 0.03 else 1
                        attendance.append((inst_id, period_id, course.pk, pk, teacher, day, pair * 2 + half, state))
                    if state != 4:
                        score = clip(rng.gauss(82 + 2 * ce, 9), 20, 100)
                        checks.append((inst_id, period_id, course.pk, pk, teacher, day, pair * 2 + 2,
                                       _d(score, 1), rand() < clip(p_pass + 0.03 * bad, 0.3, 0.999)))
                    submitted = rand() < clip(p_submit + 0.015 * bad, 0.3, 1.0)
                    on_time = submitted and rand() < clip(0.93 + 0.03 * ce, 0.3, 1.0)
                    homework.append((inst_id, period_id, course.pk, pk, teacher, f"W{week + 1:02d}",
                                     day + datetime.timedelta(days=6), submitted, on_time,
                                     _d(clip(rng.gauss(80 + 2 * ce, 8), 30, 100), 1) if submitted else None))
        self._insert(sd.Attendance, ["institution_id", "period_id", "course_id", "student_id", "teacher_id",
                                     "lesson_date", "lesson_no", "status"], attendance)
        self._insert(sd.LessonCheck, ["institution_id", "period_id", "course_id", "student_id", "teacher_id",
                                      "lesson_date", "lesson_no", "score", "passed"], checks)
        self._insert(sd.Homework, ["institution_id", "period_id", "course_id", "student_id", "teacher_id",
                                   "assignment", "due_date", "submitted", "on_time", "score"], homework)
        # The raw INSERT bypasses the writers that keep the running totals: recount them once.
        from zhengai.statedata import totals

        totals.rebuild(inst_id)
        self.process_rows = len(attendance) + len(checks) + len(homework)
        if self.log:
            self.log(f"  教学过程样本：考勤{len(attendance)}行，课堂检测{len(checks)}行，作业{len(homework)}行")

    @staticmethod
    def _insert(model: type, columns: list[str], rows: list[tuple]) -> None:
        """A plain INSERT of many rows (a demo load of hundreds of thousands; model objects would triple it)."""
        qn = connection.ops.quote_name
        # Table and column names come from the model, values are parameters.
        names = ", ".join(qn(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 20000):
                cursor.executemany(sql, rows[start:start + 20000])

    @staticmethod
    def analyze() -> None:
        """Statistics for the query planner after the bulk load. Without them SQLite reads a teacher's or a
        class's teaching-process rows through the (institution, period) index — every row of the semester for
        each of 700 teachers — and the current year's recompute takes minutes instead of seconds."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # -- QC points, lead units, measurements and warnings ------------------------------------------------
    def load_points(self) -> None:
        from zhengai.standards.models import QCPoint
        from zhengai.standards.services import library_load, qcpoint_update

        library_load(self.inst)
        units = self.b.departments
        lead = {code: units[dept] for dept, codes in LEAD_UNITS.items() for code in codes if dept in units}
        for point in QCPoint.objects.filter(institution=self.inst, code__in=list(lead)).order_by("code"):
            if point.lead_unit_id is None:
                qcpoint_update(actor=None, point=point, data={"lead_unit": lead[point.code]})

    def recompute(self, year: int) -> dict[str, Any]:
        from zhengai.monitoring.services import recompute

        result = recompute(institution=self.inst, period=self.periods[year])
        if self.log:
            self.log(f"    {result['points']}个质控点，{result['entities']}项测量，新预警{result['raised']}条"
                     + (f"；未能计算：{'；'.join(result['errors'])}" if result["errors"] else ""))
        return result


def build_state_data(builder: Any) -> StateDataBuilder:
    sdb = StateDataBuilder(builder)
    sdb.build()
    return sdb
