"""The demo college's course teaching in the current semester (2026-2027-1, which holds DEMO_TODAY): the demo
major's timetable (offerings, slots, lessons), the demo class's roll calls up to the demo's today with a few
absent, late and on-leave students (one of them past the absence line, so the counsellor has a 缺勤预警), an
approved leave request; the mid-term 评教 closed and summed into the state data, the end-of-term 评教 open; and
a graduate follow-up survey answered by part of last year's graduates through their links.

Everything goes through the apps' services (the timetable import, the roll call, the vote, the survey answer),
so the demo exercises the same rules as a college. The data of 2025-2026 that the spiral reads is left alone:
the mid-term window feeds 2026-2027's 评教结果 and the survey names no 统计学年, so nothing here changes a
measurement of the year the reports are about. Dates are fixed; the windows and the survey stay open past the
demo's today so the pages show them open."""

from __future__ import annotations

import datetime
import random
import zoneinfo
from typing import Any

from zhengai.core.choices import Role
from zhengai.core.models import Membership, Period, User
from zhengai.core.periods import ensure_academic_year
from zhengai.core.services import membership_grant, user_create
from zhengai.evaluation import services as evaluation
from zhengai.evaluation.choices import InstrumentKind
from zhengai.evaluation.models import Instrument, Target
from zhengai.org.choices import StudentStatus
from zhengai.org.models import Course, Klass, Student
from zhengai.statedata.choices import AttendanceStatus
from zhengai.surveys import services as surveys
from zhengai.surveys.choices import QuestionKind, Template
from zhengai.teaching import services as teaching
from zhengai.teaching.models import Lesson

from .goals import DEMO_TODAY

SEMESTER = "2026-2027-1"
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MIDTERM = (datetime.datetime(2026, 11, 2, 8, tzinfo=TZ), datetime.datetime(2026, 11, 15, 22, tzinfo=TZ))
FINAL = (datetime.datetime(2026, 11, 23, 8, tzinfo=TZ), datetime.datetime(2027, 1, 10, 22, tzinfo=TZ))
COURSES_PER_CLASS = 4
PAIRS = [(1, 2), (3, 4), (5, 6), (7, 8)]
ROOMS = ["教学楼A", "教学楼B", "实训楼"]
COMMENTS = ["老师讲解清楚，项目案例贴近岗位。", "希望多安排上机练习时间。", "课堂节奏合适，作业反馈及时。", ""]


class TeachingBuilder:
    def __init__(self, builder: Any):
        self.b = builder
        self.inst = builder.inst
        self.rng = random.Random(builder.rng.getrandbits(32))  # noqa: S311 — reproducible demo data

    def build(self) -> dict[str, int]:
        ensure_academic_year(2026)
        self.semester = Period.objects.get(code=SEMESTER)
        ms = {m.user.username: m for m in Membership.objects.filter(
            institution=self.inst, user__username__in=["quality", "major", "course", "teacher", "counsellor",
                                                       "student"]).select_related("user")}
        self.users = {k: m.user for k, m in ms.items()}
        self.major = ms["major"].scope
        self.course = ms["course"].scope
        self.teacher = ms["teacher"].scope
        self.klass = ms["counsellor"].scope
        self.student_accounts()
        out = {"offerings": self.timetable()}
        out["roll_calls"] = self.roll_calls()
        out["votes"] = self.evaluations()
        out["survey_responses"] = self.survey()
        return out

    # -- the timetable ------------------------------------------------------------------------------------
    def timetable(self) -> int:
        """Each class of the demo major: up to four of the major's courses, one slot a week over 18 weeks; the
        demo class has the demo course, taught by the demo teacher."""
        courses = list(Course.objects.filter(institution=self.inst, majors=self.major, active=True)
                       .prefetch_related("teachers").order_by("code"))
        rows = []
        for k, klass in enumerate(Klass.objects.filter(institution=self.inst, major=self.major, active=True)
                                  .order_by("code")):
            chosen = [courses[(k * 3 + i) % len(courses)] for i in range(min(COURSES_PER_CLASS, len(courses)))]
            if klass.pk == self.klass.pk and self.course not in chosen:
                chosen[0] = self.course
            for i, course in enumerate(chosen):
                teachers = list(course.teachers.all())
                teacher = self.teacher if course.pk == self.course.pk else (
                    teachers[k % len(teachers)] if teachers else self.teacher)
                first, last = PAIRS[(i + k) % len(PAIRS)]
                rows.append(teaching.OfferingRows(
                    period=self.semester, code=f"{klass.code}-{course.code}", name=f"{course.name}（{klass.name}）",
                    course_id=course.pk, teacher_ids=[teacher.pk], class_ids=[klass.pk],
                    slots=[{"weeks": "1-18", "weekday": i % 5 + 1, "first_period": first, "last_period": last,
                            "room": f"{ROOMS[i % len(ROOMS)]}{(k * 7 + i * 3) % 40 + 101}"}]))
        teaching.timetable_import(actor=self.users["quality"], institution=self.inst, offerings=rows)
        return len(rows)

    # -- roll calls ---------------------------------------------------------------------------------------
    def roll_calls(self) -> int:
        """The demo class's lessons up to the demo's today, each called by its teacher: most students present,
        a few late or on leave, and one student who keeps missing the demo course (a 缺勤预警 for the counsellor
        and the teacher). One leave request approved by the counsellor, one waiting."""
        students = list(Student.objects.filter(klass=self.klass, active=True, status=StudentStatus.ENROLLED)
                        .order_by("code"))
        truant = students[-1] if students else None
        lessons = list(Lesson.objects.filter(offering__classes=self.klass, offering__period=self.semester,
                                             date__lt=DEMO_TODAY).select_related("offering__course")
                       .order_by("date", "first_period"))
        rng = self.rng
        for lesson in lessons:
            exceptions = {}
            for s in students:
                r = rng.random()
                if s == truant and lesson.offering.course_id == self.course.pk and lesson.week and lesson.week >= 6:
                    exceptions[s.pk] = AttendanceStatus.ABSENT if r < 0.6 else AttendanceStatus.LATE
                elif r < 0.012:
                    exceptions[s.pk] = AttendanceStatus.ABSENT
                elif r < 0.04:
                    exceptions[s.pk] = AttendanceStatus.LATE
                elif r < 0.05:
                    exceptions[s.pk] = AttendanceStatus.LEAVE
            actor = self.users["teacher"] if lesson.offering.course_id == self.course.pk else self.users["quality"]
            teaching.roll_call(actor=actor, lesson=lesson, exceptions=exceptions, today=DEMO_TODAY)
        if len(students) >= 3:
            asked = teaching.leave_request(actor=students[1].user, student=students[1],
                                           start_date=DEMO_TODAY + datetime.timedelta(days=3),
                                           end_date=DEMO_TODAY + datetime.timedelta(days=4),
                                           first_period=None, last_period=None, reason="参加省职业院校技能大赛集训")
            teaching.leave_decide(actor=self.users["counsellor"], leave=asked, approve=True, note="同意，注意安全")
            teaching.leave_request(actor=students[2].user, student=students[2],
                                   start_date=DEMO_TODAY + datetime.timedelta(days=1),
                                   end_date=DEMO_TODAY + datetime.timedelta(days=1), first_period=1, last_period=4,
                                   reason="身体不适，需到医院复查")
        return len(lessons)

    # -- 评教 ---------------------------------------------------------------------------------------------
    def student_accounts(self) -> list[User]:
        """Login accounts for the demo class's students (the persona student has one): a vote needs a voter.
        No usable password — the demo prints only the persona's."""
        made = []
        for s in Student.objects.filter(klass=self.klass, active=True, status=StudentStatus.ENROLLED,
                                        user__isnull=True).order_by("code"):
            user = user_create(username=f"s{s.code}", name=s.name)
            membership_grant(user=user, institution=self.inst, role=Role.STUDENT, scope=s)
            s.user = user
            s.save(update_fields=["user"])
            made.append(user)
        return made

    def evaluations(self) -> int:
        """The mid-term 评教 (closed and summed into 2026-2027's 评教结果) and the end-of-term one (open): the
        demo class's students vote on their offerings — all of them mid-term, about two thirds so far at the
        end of term, never the persona student, who finds theirs waiting."""
        quality = self.users["quality"]
        evaluation.default_instruments_install(institution=self.inst, actor=quality)
        instrument = Instrument.objects.get(institution=self.inst, kind=InstrumentKind.TEACHING, published=True)
        voters = list(Student.objects.filter(klass=self.klass, status=StudentStatus.ENROLLED, user__isnull=False)
                      .exclude(user=self.users["student"]).select_related("user").order_by("code"))
        votes = 0
        for (opens, closes), name, share in ((MIDTERM, "2026-2027学年第一学期期中评教", 1.0),
                                             (FINAL, "2026-2027学年第一学期期末评教", 0.65)):
            window = evaluation.window_save(actor=quality, institution=self.inst, data={
                "name": name, "period": self.semester, "instrument": instrument, "opens_at": opens,
                "closes_at": closes, "min_voters": 5, "min_share": 20})
            when = opens + datetime.timedelta(days=2)
            targets = list(Target.objects.filter(window=window, offering__classes=self.klass)
                           .order_by("offering__code", "pk"))
            items = list(instrument.items.order_by("number", "pk"))
            for target in targets:
                for s in voters[:round(len(voters) * share)]:
                    skill = self.rng.random()
                    answers = {i.pk: (0 if skill < 0.55 else 1 if skill < 0.9 else 2) if i.kind == "rating"
                               else self.rng.choice(COMMENTS) for i in items}
                    evaluation.vote(user=s.user, target=target, answers=answers, now=when)
                    votes += 1
            if closes < datetime.datetime.combine(DEMO_TODAY, datetime.time(), tzinfo=TZ):
                evaluation.window_close(actor=quality, window=window, now=closes)
        return votes

    # -- the graduate survey ------------------------------------------------------------------------------
    def survey(self) -> int:
        """毕业生跟踪调查 of the demo major's 2026 graduates, published with one link each; about half answered."""
        quality = self.users["quality"]
        survey = surveys.template_install(actor=quality, institution=self.inst, key=Template.GRADUATE)
        survey.closes_on = datetime.date(2027, 1, 31)
        survey.save(update_fields=["closes_on"])
        surveys.survey_publish(actor=quality, survey=survey)
        graduates = list(Student.objects.filter(major=self.major, status=StudentStatus.GRADUATED)
                         .order_by("code")[:40])
        people = [{"name": g.name, "contact": "", "major": self.major, "cohort": 2026} for g in graduates] or [
            {"name": f"{self.major.name}2026届毕业生{i + 1}", "contact": "", "major": self.major, "cohort": 2026}
            for i in range(30)]
        invitees = surveys.invitees_add(actor=quality, survey=survey, rows=people)
        keyed = {q.key: q for q in survey.questions.exclude(key="")}
        answered = 0
        for invitee in invitees[: len(invitees) // 2 + 1]:
            answers = []
            for q in keyed.values():
                labels = q.labels
                if q.kind == QuestionKind.NUMBER:
                    answers.append({"question": q, "number": self.rng.randrange(3800, 7200, 100)})
                elif q.kind in (QuestionKind.SINGLE, QuestionKind.LIKERT) and labels:
                    weights = [6, 4, 2, 1, 1, 1][:len(labels)] + [1] * max(0, len(labels) - 6)
                    answers.append({"question": q, "choice": self.rng.choices(labels, weights=weights)[0]})
            surveys.response_submit(survey=survey, answers=answers, invitee=invitee)
            answered += 1
        return answered


def build_teaching(builder: Any) -> dict[str, int]:
    return TeachingBuilder(builder).build()
