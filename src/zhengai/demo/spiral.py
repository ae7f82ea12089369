"""The demo college's 8-shaped spiral: a year of diagnosis cycles at every level, improvements verified (or not)
by data, and the 2025-2026 self-diagnosis reports in every state of the sign-off; plus the goal chain's task
sweep and yearly calendar.

Called by `DemoBuilder.build()` after the goal chain. Unlike the bulk loads before it, this step goes through the
diagnosis, improvement and report services with the demo accounts as actors, so every gate is really passed
(诊断 needs the year's measurements, 改进 and closing need an improvement for every QC point that warned or
failed, an effect must cite a later measurement, a signed report keeps the length rules).

Time in the demo. The services stamp rows with the clock (a warning's `raised_at`, a finding's `created_at`, a
step's `done_at`), but the story must not depend on the day the demo is built. So the story runs on fixed dates
of the academic year 2025-2026, and the few timestamps the effect rule reads are set to those dates right after
the service wrote them (a bulk load of a fictional history, like the rest of the demo):

* the five run entities' 2025-2026 measurements (data version 1) and their warnings: MEASURED_ON (the autumn
  computation of the year);
* improvements start on STARTED_ON (December 2025);
* a data version 2 of the year, REMEASURED_AT (July 2026, the year-end re-import and recompute), for the QC
  points whose improvement is judged: a pass makes the improvement effective (the owner records the effect,
  citing it), a warning or fail makes it ineffective — handed to `on_measurements_recorded`, the same handler
  the recompute signals, which reopens the warning and escalates it (督办).

Why version 2 of 2025-2026 and not a 2026-2027 measurement: the demo has no state data for 2026-2027 (its year
has just begun on DEMO_TODAY), and a year's later data version is exactly what the platform writes when a
frozen year is re-imported. The version-2 rows carry no formula inputs: they stand for a re-import the demo does
not simulate table by table.

Deliberate states (tests/demo/test_demo_spiral.py names them):

* cycles of 2025-2026 opened by the schedule for every level (students: the demo class only, see
  `open_students`); the yearly cycle of the school (综合性, quality office), the first secondary college (自主,
  its head), the demo major (自主, the major leader, then assessed by the quality office element by element),
  the demo course (课程建设年度考核, quality office) and the demo teacher's two semester assessments run
  through all ten stages and closed;
* per run entity, its flagged QC points sorted by how far they are from the pass line: the nearest is made
  effective by data, the farthest (when there are two or more) stays ineffective — warning reopened and
  escalated; the others are in progress. When no entity has two, the single flagged point farthest from its
  line stays ineffective instead (`judgements`). The major also has one improvement from a finding (no QC point)
  marked "not carried out", and the school one planned but not yet started;
* the 2026-2027 cycles open at their first stage (cycles_open_due on DEMO_TODAY);
* reports of 2025-2026: the school's signed by the quality office and the president, the first college's signed
  by its head, the demo major's submitted and waiting for the head, the demo course's a draft.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zhengai.core.models import Membership, Period
from zhengai.core.numbers import with_unit
from zhengai.core.periods import ensure_academic_year
from zhengai.diagnosis import selectors as dsel
from zhengai.diagnosis.choices import CycleState, DiagnosisKind, StageScheme
from zhengai.diagnosis.improvements import (
    improvement_create,
    improvement_record_effect,
    improvement_start,
    on_measurements_recorded,
)
from zhengai.diagnosis.models import Cycle, CycleStep, Finding, Improvement, ScheduleTemplate
from zhengai.diagnosis.services import (
    assessment_record,
    cycle_advance,
    cycle_close,
    cycles_open_due,
    finding_add,
    schedule_install_defaults,
    stages_install,
)
from zhengai.frameworks.models import Element
from zhengai.monitoring.choices import OPEN_STATES, Status
from zhengai.monitoring.models import Measurement, Warning
from zhengai.monitoring.status import evaluate
from zhengai.org.choices import StudentStatus
from zhengai.org.entities import entity_key
from zhengai.org.models import Student
from zhengai.reports import rules
from zhengai.reports.choices import ReportKind
from zhengai.reports.services import (
    report_create,
    report_save,
    report_sign_head,
    report_sign_president,
    report_submit,
)
from zhengai.standards.choices import Level, Operator
from zhengai.standards.models import QCPoint

from .goals import DEMO_TODAY
from .statedata import YEARS

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR = 2025                                          # the academic year 2025-2026 that the spiral runs through
MEASURED_ON = datetime.datetime(2025, 11, 10, 9, 0, tzinfo=SHANGHAI)
STARTED_ON = datetime.date(2025, 12, 1)
REMEASURED_AT = datetime.datetime(2026, 7, 15, 9, 0, tzinfo=SHANGHAI)
OPENED_ON = (datetime.date(2025, 9, 1), datetime.date(2026, 2, 1))   # the schedule's two runs of the year
# The days each of the ten stages of a yearly cycle was passed, and the day it closed (a semester cycle's are
# spread over its semester the same way).
YEAR_STEPS = [datetime.date(2025, 9, 12), datetime.date(2025, 9, 26), datetime.date(2025, 10, 17),
              datetime.date(2025, 10, 31), datetime.date(2025, 11, 7), datetime.date(2025, 11, 21),
              datetime.date(2026, 1, 9), datetime.date(2026, 3, 20), datetime.date(2026, 5, 22),
              datetime.date(2026, 7, 24)]
YEAR_CLOSED = datetime.date(2026, 8, 28)

# What was done at each stage (seed 003's ten steps), {e} the entity.
STAGE_NOTES = {
    "目标": "对照“十五五”规划和年度任务，明确{e}本年度质量目标，分解到责任人。",
    "标准": "修订{e}质量标准，确定各质控点的标准值和预警值。",
    "计划": "编制{e}年度一页纸工作计划，明确任务、时间节点和责任人。",
    "组织": "召开工作布置会，落实{e}诊改工作小组分工与经费保障。",
    "实施": "按计划推进各项任务，每月填报进度，平台实时采集状态数据。",
    "诊断": "依据平台测量结果逐项对照标准开展自我诊断，形成问题清单和原因分析。",
    "激励": "将诊改结果纳入年度绩效考核，对达标任务和优秀个人予以表彰。",
    "学习": "组织诊改专题学习和同类院校对标交流，学习先进做法。",
    "创新": "针对突出问题提出改进思路，试行新的工作方法和管理机制。",
    "改进": "对预警和不达标质控点逐项制定改进措施，跟踪复测数据验证改进效果。",
}

# Measures for the QC points the demo's weak entities usually miss; any other point gets the generic one.
MEASURES = {
    "M01": "加强招生宣传和生源基地建设，优化专业招生计划，稳定专业在校生规模",
    "M02": "修订人才培养方案，增加综合实训和项目实践课时，提高实践教学比例",
    "M03": "按国家专业教学标准修订人才培养方案，补足专业课程总学时",
    "M05": "增设专业拓展选修课程模块，提高选修课学时占比",
    "M07": "与合作企业共同开发专业核心课程，组建校企课程开发团队",
    "M08": "调整顶岗实习单位，选择与专业岗位对口的合作企业安排实习",
    "M09": "为全部顶岗实习学生补办实习责任保险，实习前逐一核查参保情况",
    "M10": "延长顶岗实习安排，确保实习时长不少于6个月",
    "M11": "开展毕业生就业帮扶，组织专场招聘会，对未就业学生一对一推荐",
    "M12": "加强与行业企业对接，拓展专业对口就业岗位",
    "M13": "开设职业技能等级证书培训班，组织考前辅导和模拟测试",
    "M14": "做好新生录取后联系与报到服务，提高新生报到率",
    "M15": "加强课堂考勤管理，辅导员和任课教师共同跟踪缺勤学生",
    "M16": "建立学业预警和帮扶机制，对有辍学倾向的学生及时谈心帮扶",
    "C02": "推行课堂考勤和过程性考核，任课教师每次课通报到课情况",
    "C03": "调整作业设计，分层布置作业，加强作业督促与反馈",
    "C04": "开展课堂检测后辅导答疑，对未达标学生进行补充训练",
    "C05": "开展集体备课和同行听课评课，改进课堂教学方法",
    "C07": "在平台设置作业提交提醒，对逾期未交学生及时督促",
    "T01": "安排暑期到合作企业开展企业实践，参与企业实际项目",
    "T02": "参加教学能力提升培训，开展同行听课和教学反思",
    "T04": "调整教学任务安排，将周学时控制在标准范围内",
    "T06": "参加省级骨干教师培训和企业技术培训",
    "S01": "加大专任教师引进力度，补充紧缺专业教师，降低生师比",
    "S07": "增加纸质图书和电子图书采购，扩充馆藏",
    "S14": "提高教师培训经费预算比例，保障教师培训投入",
    "S22": "完善“双师型”教师认定办法，组织教师企业实践和技能培训",
    "S28": "推进校企合作开发课程，设立课程共建专项经费",
    "U01": "开展学风建设月活动，强化院系考勤通报",
    "U02": "实施院系就业“一把手”工程，拓展就业渠道",
    "U03": "组织专任教师考取职业资格证书和企业实践，提高“双师型”教师比例",
}
CAUSES = {
    "M03": "人才培养方案修订时压缩了部分专业课程学时，未对照国家专业教学标准复核。",
    "M07": "合作企业参与课程开发的积极性不高，缺少校企共建课程的激励机制。",
    "M09": "实习前参保核查不到位，个别自主联系实习单位的学生未纳入统一投保。",
    "M11": "部分毕业生求职意愿不强，就业指导和岗位推荐不够精准。",
    "M13": "考证培训安排较晚，学生备考时间不足。",
    "T01": "教学任务重，企业实践时间难以保障，缺少学校统一安排。",
    "T04": "本学年课程门数增加，教学任务分配不均衡。",
    "S01": "近年招生规模扩大，专任教师补充速度跟不上。",
    "S28": "校企合作以顶岗实习为主，共同开发课程的合作深度不够。",
    "C07": "作业布置集中在课后，缺少提交提醒和逾期督促。",
}


def finish_goal_chain(builder: Any) -> dict[str, int]:
    """The goal chain's running parts: the yearly calendar of diagnosis dates and the task sweep as of the demo's
    today, so the late tasks have their overdue warnings and the one due within a week its countdown warning.
    Escalation (督办) is not run: it reads the clock, and the demo's warnings should wait for a person."""
    from zhengai.goals.tracking import calendar_install_defaults, sweep

    calendar_install_defaults(actor=None, institution=builder.inst)
    return sweep(institution=builder.inst, today=DEMO_TODAY)


@dataclass
class Run:
    """One entity's cycle(s) to run to the end: who runs them and who owns its improvements."""

    name: str                      # for the notes: 学校, 信息工程学院, …
    level: str
    key: str
    cycles: list[Cycle]
    actor: Any                     # who advances and closes the cycle
    owner: Any                     # who plans, carries out and reports the improvements
    flagged: list[tuple[Any, Measurement]] = field(default_factory=list)   # (QC point, measurement), nearest first


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def _n(value: Decimal | None) -> str:
    if value is None:
        return "无数据"
    return format(value.quantize(Decimal("0.01")).normalize(), "f")


def gap(point: Any, m: Measurement) -> Decimal:
    """How far a measurement is from its pass line, relative to the line (the nearest is the easiest to fix)."""
    line = point.standard if point.standard is not None else point.warning
    if m.value is None or line is None:
        return Decimal(999)
    return abs(m.value - line) / max(abs(line), Decimal(1))


def remeasured(point: Any, m: Measurement, passes: bool) -> tuple[Decimal, str]:
    """The year-end value of a flagged point: just past its standard when the improvement worked, two fifths of
    the way towards it when it did not (still flagged). The status is judged by the point's own lines."""
    lines = dict(point.lines)
    for k in ("standard", "warning"):
        if m.lines.get(k) is not None:
            lines[k] = Decimal(str(m.lines[k]))
    standard, value = lines["standard"], m.value or Decimal(0)
    if passes:
        if point.operator == Operator.BETWEEN and point.standard_upper is not None:
            new = (standard + point.standard_upper) / 2
        elif point.operator in (Operator.LE, Operator.LT):
            new = standard - max(abs(standard) * Decimal("0.03"), Decimal("0.1"))
        elif point.operator in (Operator.GE, Operator.GT):
            new = standard + max(abs(standard) * Decimal("0.015"), Decimal("0.1"))
        else:
            new = standard
    else:
        new = value + (standard - value) * Decimal("0.4")
    new = new.quantize(Decimal("0.01"))
    return new, evaluate(new, **lines)


class SpiralBuilder:
    def __init__(self, builder: Any):
        self.b = builder
        self.inst = builder.inst
        self.log = getattr(builder, "log", None)

    def step(self, label: str, func) -> Any:
        return self.b.step(label, func) if self.log else func()

    def build(self) -> dict[str, Any]:
        self.prepare()
        self.step("诊改：步骤、周期模板与2025-2026学年周期", self.open_year)
        self.step("诊改：五个层面的年度诊改与改进", self.run_all)
        self.step("诊改：2026-2027学年周期", self.open_next_year)
        self.step("自我诊改报告", self.build_reports)
        return {"runs": self.runs}

    # -- who and what ------------------------------------------------------------------------------------
    def prepare(self) -> None:
        inst = self.inst
        memberships = {m.user.username: m for m in Membership.objects.filter(
            institution=inst, user__username__in=["leader", "quality", "head", "major", "course", "teacher",
                                                  "counsellor"]).select_related("user").order_by("pk")}
        self.users = {name: m.user for name, m in memberships.items()}
        self.college = memberships["head"].scope
        self.major = memberships["major"].scope
        self.course = memberships["course"].scope
        self.teacher = memberships["teacher"].scope
        self.klass = memberships["counsellor"].scope
        self.year = ensure_academic_year(YEAR)
        self.next_year = ensure_academic_year(YEAR + 1)
        self.elements = list(dsel.framework_elements(inst))
        # QC point → its first diagnosis element in the adopted table (a finding and its improvement are filed
        # under it, so the report row about that element carries them).
        self.element_of: dict[int, Element] = {}
        by_pk = {e.pk: e for e in self.elements}
        order = {e.pk: i for i, e in enumerate(self.elements)}
        links = (QCPoint.points.through.objects.filter(qcpoint__institution=inst, point__element_id__in=list(by_pk))
                 .values_list("qcpoint_id", "point__element_id"))
        for qc_id, element_id in sorted(links, key=lambda x: (x[0], order[x[1]])):
            self.element_of.setdefault(qc_id, by_pk[element_id])
        # A QC point the table links to no element (生均图书, …) is filed under the element that holds most of its
        # level's points, so its finding and improvement still have a report row to be written in.
        counts: dict[tuple[str, int], int] = {}
        for qc_id, level in QCPoint.objects.filter(institution=inst).values_list("pk", "level"):
            if qc_id in self.element_of:
                k = (level, self.element_of[qc_id].pk)
                counts[k] = counts.get(k, 0) + 1
        self.level_element = {}
        for (level, element_id), _count in sorted(counts.items(), key=lambda kv: (-kv[1], order[kv[0][1]])):
            self.level_element.setdefault(level, by_pk[element_id])

    def element_for(self, point: Any) -> Element | None:
        return self.element_of.get(point.pk) or self.level_element.get(point.level)

    # -- 2025-2026: stages, schedule, the year's cycles ---------------------------------------------------
    def open_year(self) -> None:
        quality = self.users["quality"]
        stages_install(actor=quality, institution=self.inst, scheme=StageScheme.SEED003)
        schedule_install_defaults(actor=quality, institution=self.inst)
        for day in OPENED_ON:
            self.open_due(day)

    def open_due(self, day: datetime.date) -> None:
        """The schedule's cycles due on `day` for every level but the students, then the demo class's students.

        Measured on the full demo (14 750 enrolled students): one `cycles_open_due` run takes ~2 s with the
        students' semester cycles and well under 1 s without; the spiral opens three periods, so the students
        would triple the step's cost for rows nobody in the demo opens. The students' template stays active:
        the platform's hourly run opens the other students' cycles of the current semester when it first runs."""
        students = ScheduleTemplate.objects.filter(institution=self.inst, level=Level.STUDENT, active=True)
        student_ids = list(students.values_list("pk", flat=True))
        students.update(active=False)
        try:
            cycles_open_due(institution=self.inst, today=day, actor=None)
        finally:
            ScheduleTemplate.objects.filter(pk__in=student_ids).update(active=True)
        self.open_students(day, student_ids)

    def open_students(self, day: datetime.date, template_ids: list[int]) -> None:
        """The demo class's students' cycles of the semester containing `day`, as `cycles_open_due` writes them."""
        first = dsel.stages_of(self.inst).first()
        for template in ScheduleTemplate.objects.filter(pk__in=template_ids).order_by("kind", "frequency"):
            from zhengai.diagnosis.services import _previous, period_for

            period = period_for(template.frequency, day)
            have = set(Cycle.objects.filter(institution=self.inst, period=period, kind=template.kind,
                                            level=Level.STUDENT).values_list("entity_key", flat=True))
            previous = _previous(self.inst, Level.STUDENT, template.kind, period)
            rows = []
            for pk, user_id in (Student.objects.filter(klass=self.klass, active=True, status=StudentStatus.ENROLLED)
                                .order_by("code").values_list("pk", "user_id")):
                key = entity_key(Level.STUDENT, pk)
                if key not in have:
                    rows.append(Cycle(institution=self.inst, level=Level.STUDENT, entity_key=key, period=period,
                                      kind=template.kind, template=template, stage=first, state=CycleState.OPEN,
                                      previous_id=previous.get(key), owner_id=user_id, student_id=pk))
            Cycle.objects.bulk_create(rows)

    def open_next_year(self) -> None:
        self.open_due(DEMO_TODAY)

    # -- the five runs ------------------------------------------------------------------------------------
    def cycle(self, key: str, kind: str, period: Period) -> Cycle:
        return Cycle.objects.get(institution=self.inst, entity_key=key, kind=kind, period=period)

    def run_all(self) -> None:
        users = self.users
        semesters = list(Period.objects.filter(parent=self.year, kind="semester").order_by("start"))
        unit_key = entity_key(Level.UNIT, self.college.pk)
        major_key = entity_key(Level.MAJOR, self.major.pk)
        course_key = entity_key(Level.COURSE, self.course.pk)
        teacher_key = entity_key(Level.TEACHER, self.teacher.pk)
        self.runs = [
            Run("学校", Level.SCHOOL, "school", [self.cycle("school", DiagnosisKind.COMPREHENSIVE, self.year)],
                users["quality"], users["quality"]),
            Run(self.college.name, Level.UNIT, unit_key, [self.cycle(unit_key, DiagnosisKind.SELF, self.year)],
                users["head"], users["head"]),
            Run(f"{self.major.name}专业", Level.MAJOR, major_key,
                [self.cycle(major_key, DiagnosisKind.SELF, self.year)], users["major"], users["major"]),
            # The course's yearly cycle is an assessment (课程建设年度考核): the quality office runs it, the course
            # leader owns the course's improvements. Likewise the teacher's two semester assessments — a teacher
            # has no yearly template in seed 003 §四(二).
            Run(f"《{self.course.name}》课程", Level.COURSE, course_key,
                [self.cycle(course_key, DiagnosisKind.ASSESSMENT, self.year)], users["quality"], users["course"]),
            Run(f"{self.teacher.name}老师", Level.TEACHER, teacher_key,
                [self.cycle(teacher_key, DiagnosisKind.ASSESSMENT, s) for s in semesters],
                users["quality"], users["teacher"]),
        ]
        self.backdate_measurements()
        for run in self.runs:
            self.diagnose(run)
        self.remeasure()
        for run in self.runs:
            self.close(run)
        self.assess_major()

    def backdate_measurements(self) -> None:
        """Each measured year's computation of the run entities on 10 November of its autumn (the 2025-2026 one
        MEASURED_ON), and their warnings raised then. Not only for the tidy story: the recompute signals
        `measurements_recorded` for every year when the demo's transaction commits, and the handler judges an
        improvement by a measurement whose data is newer than its start — left on the build's clock (the data
        as of the demo's import), the autumn data would "verify" the December 2025 measures."""
        keys = [r.key for r in self.runs]
        for period in Period.objects.filter(kind="academic_year", code__in=[f"{y}-{y + 1}" for y in YEARS]):
            when = MEASURED_ON.replace(year=period.start.year)
            Measurement.objects.filter(institution=self.inst, period=period, entity_key__in=keys,
                                       version=1).update(computed_at=when, data_as_of=when)
            Warning.objects.filter(institution=self.inst, period=period, entity_key__in=keys,
                                   qc_point__isnull=False).update(raised_at=when)

    def advance(self, run: Run, cycle: Cycle, until: str | None) -> Cycle:
        """Pass the stages in order up to and including `until` (None: all that remain)."""
        while cycle.stage_id is not None:
            name = cycle.stage.name
            note = STAGE_NOTES.get(name, "按计划完成。").format(e=run.name)
            # Each step leaves what it produces: a link to the plans page, the note as 诊断's finding when none
            # was recorded, the entity's latest improvement for 改进.
            latest = (Improvement.objects.filter(institution=cycle.institution, entity_key=cycle.entity_key)
                      .order_by("-pk").first())
            cycle = cycle_advance(actor=run.actor, cycle=cycle, note=note, evidence_url="/goals/onepage/",
                                  finding_text=note, improvement=latest)
            if name == until:
                break
        return cycle

    def diagnose(self, run: Run) -> None:
        """Stages up to 诊断: a finding per flagged QC point, an improvement per flagged QC point (from its open
        warning), started in December 2025."""
        cycle = run.cycles[0]
        cycle = self.advance(run, cycle, "实施")
        latest = dsel.latest_measurements(cycle)
        flagged = [(m.qc_point, m) for m in latest if m.status in (Status.WARNING, Status.FAIL)]
        run.flagged = sorted(flagged, key=lambda pm: (gap(*pm), pm[0].code))
        findings = []
        for point, m in run.flagged:
            side = "高于" if point.operator in (Operator.LE, Operator.LT) else "低于"
            findings.append(finding_add(
                actor=run.actor, cycle=cycle, element=self.element_for(point), qc_point=point,
                text=f"{point.name}为{_n(m.value)}{point.unit}，{side}标准值{_n(point.standard)}{point.unit}"
                     f"（{m.get_status_display()}）",
                cause=CAUSES.get(point.code, "相关工作责任落实不到位，过程监测和跟踪督促不够。")))
        if not run.flagged:
            # Nothing flagged: the diagnosis still records the weakest point it found, so the loop has a measure.
            passing = [m for m in latest if m.value is not None and m.status == Status.PASS]
            if passing:
                m = min(passing, key=lambda x: (gap(x.qc_point, x), x.qc_point.code))
                findings.append(finding_add(
                    actor=run.actor, cycle=cycle, element=self.element_for(m.qc_point), qc_point=m.qc_point,
                    text=f"{m.qc_point.name}为{_n(m.value)}{m.qc_point.unit}，虽达标但接近预警线",
                    cause="相关工作缺少常态化跟踪，指标波动时未能及时发现。"))
        if run.level == Level.MAJOR:
            findings.append(finding_add(
                actor=run.actor, cycle=cycle, element=self.elements[0] if self.elements else None,
                text="专业人才需求调研覆盖企业数量偏少，调研报告对岗位能力分析不够深入",
                cause="调研经费和时间安排不足，合作企业参与度不高。"))
        Finding.objects.filter(pk__in=[f.pk for f in findings]).update(created_at=_at(YEAR_STEPS[5]))
        findings = list(Finding.objects.filter(pk__in=[f.pk for f in findings]).select_related("qc_point", "element")
                        .order_by("pk"))
        self.improvements(run, cycle, findings)
        self.advance(run, cycle, None)

    def improvements(self, run: Run, cycle: Cycle, findings: list[Finding]) -> None:
        open_warnings = {w.qc_point_id: w for w in Warning.objects.filter(
            institution=self.inst, period=self.year, entity_key=run.key, qc_point__isnull=False,
            state__in=OPEN_STATES).select_related("qc_point")}
        deadline = datetime.date(2026, 6, 30)
        for finding in findings:
            point = finding.qc_point
            warning = open_warnings.get(point.pk) if point is not None else None
            measure = (MEASURES.get(point.code) if point is not None else None) or (
                f"分析{point.name}未达标原因，制定专项整改方案，按月跟踪数据" if point is not None
                else "扩大专业人才需求调研范围，每年走访合作企业不少于10家，完善岗位能力分析")
            expected = f"{point.name}达到标准值" if point is not None else "形成高质量的专业人才需求调研报告"
            improvement = improvement_create(
                actor=run.owner, warning=warning, finding=None if warning else finding, measure=measure,
                owner=run.owner, deadline=deadline, expected_effect=expected, element=finding.element,
                qc_point=point, cycle=cycle)
            if point is None:
                # The major's finding without a QC point: the survey waits for next year's budget.
                improvement_record_effect(actor=run.owner, improvement=improvement, not_carried_out=True,
                                          effect="措施尚未实施：调研经费列入2026年预算后于下一学年开展。")
                continue
            if run.level == Level.SCHOOL and len(run.flagged) >= 3 and point == run.flagged[len(run.flagged) // 2][0]:
                continue   # the school's middle point: planned, not yet started
            improvement_start(actor=run.owner, improvement=improvement, started_on=STARTED_ON)

    def judgements(self) -> list[tuple[Run, list[tuple[tuple[Any, Measurement], bool]]]]:
        """Which flagged points the year-end data judges, and whether each improvement worked: per run, the
        nearest point passes and the farthest of two or more does not. A plausible college flags one point per
        entity as often as several; when no run has two, the single flagged point farthest from its line (of
        the runs with one) is the one the year did not fix, so the demo still shows a warning reopened by data."""
        out = [(run, [(run.flagged[0], True)] + ([(run.flagged[-1], False)] if len(run.flagged) >= 2 else []))
               for run in self.runs if run.flagged]
        if len(out) >= 2 and not any(not passes for _run, judged in out for _pm, passes in judged):
            i = max(range(len(out)), key=lambda k: (gap(*out[k][1][0][0]), out[k][0].name))
            run, judged = out[i]
            out[i] = (run, [(judged[0][0], False)])
        return out

    def remeasure(self) -> None:
        """Data version 2 of 2025-2026 for the judged points: the nearest point of each run passes (its owner
        records the effect), the farthest of a run with two or more still fails (the data handler judges it)."""
        for run, judged in self.judgements():
            for (point, m), passes in judged:
                value, status = remeasured(point, m, passes)
                if (status == Status.PASS) != passes:
                    continue
                new = Measurement.objects.create(
                    institution=self.inst, qc_point=point, period=self.year, level=m.level, entity_key=m.entity_key,
                    unit_id=m.unit_id, major_id=m.major_id, course_id=m.course_id, teacher_id=m.teacher_id,
                    value=value, status=status, inputs={}, formula=m.formula, lines=m.lines,
                    computed_at=REMEASURED_AT, data_as_of=REMEASURED_AT, version=m.version + 1)
                improvement = Improvement.objects.get(institution=self.inst, entity_key=run.key, qc_point=point)
                if passes:
                    improvement_record_effect(
                        actor=run.owner, improvement=improvement, measurement=new,
                        effect=f"措施实施后，{point.name}由{_n(m.value)}{point.unit}提高到{_n(value)}{point.unit}，"
                               f"达到标准值，预警解除。" if point.operator not in (Operator.LE, Operator.LT) else
                               f"措施实施后，{point.name}由{_n(m.value)}{point.unit}降至{_n(value)}{point.unit}，"
                               f"达到标准值，预警解除。")
                else:
                    on_measurements_recorded(sender=Measurement, institution=self.inst, period=self.year,
                                             qc_point=point, entity_keys=[m.entity_key])

    def close(self, run: Run) -> None:
        mine = Improvement.objects.filter(institution=self.inst, entity_key=run.key)
        effective = mine.filter(state="effective").count()
        ineffective = mine.filter(state="ineffective").count()
        if run.flagged:
            summary = (f"{run.name}本周期完成十个步骤的诊改工作，{len(run.flagged)}个质控点预警或不达标，"
                       "均已制定改进措施；"
                       f"其中{effective}项经复测数据验证已见效，{ineffective}项未见效已重新预警并督办，"
                       "其余措施正在实施，未见效和未实施的措施转入下一周期目标。")
        else:
            summary = (f"{run.name}本周期完成十个步骤的诊改工作，质控点均已达标；"
                       "对接近预警线的指标制定了预防性改进措施，持续跟踪监测。")
        for n, cycle in enumerate(run.cycles):
            if n:
                self.advance(run, cycle, None)
            cycle.refresh_from_db()
            cycle = cycle_close(actor=run.actor, cycle=cycle, summary=summary)
            self.backdate_cycle(cycle)

    def backdate_cycle(self, cycle: Cycle) -> None:
        """The cycle's steps on the days of its period (see the module docstring: no clock in the story)."""
        period = cycle.period
        if period.pk == self.year.pk:
            days, closed = YEAR_STEPS, YEAR_CLOSED
        else:
            span = (period.end - period.start).days
            days = [period.start + datetime.timedelta(days=span * (i + 1) // 12) for i in range(10)]
            closed = period.start + datetime.timedelta(days=span * 11 // 12)
        for step in CycleStep.objects.filter(cycle=cycle).select_related("stage"):
            CycleStep.objects.filter(pk=step.pk).update(done_at=_at(days[min(step.stage.order, 10) - 1]))
        Cycle.objects.filter(pk=cycle.pk).update(opened_at=_at(period.start, 8), closed_at=_at(closed))

    def assess_major(self) -> None:
        """The quality office's assessment of the major's closed self-diagnosis, element by element: it agrees
        but on the elements where the major's own data disagree with a clean self-diagnosis."""
        run = next(r for r in self.runs if r.level == Level.MAJOR)
        cycle = run.cycles[0]
        cycle.refresh_from_db()
        flagged_elements = {self.element_of[p.pk].pk for p, _ in run.flagged if p.pk in self.element_of}
        items = []
        for element in self.elements:
            if element.pk in flagged_elements and len(items) < 40:
                items.append((element, True, "自我诊断准确，问题和原因分析到位，改进措施具体可行。"))
        disagree = next((e for e in self.elements if e.pk not in flagged_elements
                         and e.project_id == (self.elements[0].project_id if self.elements else None)), None)
        others = [e for e in self.elements if e.pk not in flagged_elements]
        for element in others[:3]:
            if element is disagree:
                items.append((element, False, "自我诊断未反映专业人才需求调研不充分的问题，应补充原因分析和改进措施。"))
            else:
                items.append((element, True, "认同自我诊断。"))
        assessment_record(actor=self.users["quality"], cycle=cycle,
                          conclusion="专业自我诊断基本准确，预警质控点均已制定改进措施；"
                                     "专业调研和校企合作开发课程仍是薄弱环节，须限期改进。",
                          deadline=datetime.date(2026, 12, 31), items=items)

    # -- reports ----------------------------------------------------------------------------------------
    def build_reports(self) -> None:
        users = self.users
        school = report_create(actor=users["quality"], kind=ReportKind.SCHOOL, entity=self.inst, year=YEAR)
        self.write(school, users["quality"])
        report_submit(actor=users["quality"], report=school)
        report_sign_head(actor=users["quality"], report=school)
        report_sign_president(actor=users["leader"], report=school)

        college = report_create(actor=users["head"], kind=ReportKind.COLLEGE, entity=self.college, year=YEAR)
        self.write(college, users["head"])
        report_submit(actor=users["head"], report=college)
        report_sign_head(actor=users["head"], report=college)

        major = report_create(actor=users["major"], kind=ReportKind.MAJOR, entity=self.major, year=YEAR)
        self.write(major, users["major"])
        report_submit(actor=users["major"], report=major)

        course = report_create(actor=users["course"], kind=ReportKind.COURSE, entity=self.course, year=YEAR)
        self.write(course, users["course"])

    def write(self, report: Any, actor: Any) -> None:
        """Prose for every applicable row from the row's evidence, within the report's length rules."""
        rows = list(report.rows.order_by("order"))
        limits = rules.limits_for(report.kind)
        applicable = [r for r in rows if r.applicable]
        # A per-row budget so the whole report stays inside its limit (the school has none, only per field).
        budget = None
        if limits.total_max:
            budget = max(60, (limits.total_max - 200) // max(1, len(applicable)))
        typed = []
        for row in applicable:
            texts = row_texts(row, report.kind, budget)
            typed.append({"id": row.pk, **texts})
        self.place_verified(report, {r.pk: r for r in applicable}, typed, budget)
        overview = overview_text(report, self)
        problems = rules.check(rules.ReportText(kind=report.kind, overview=overview, rows=[
            rules.RowText(label=r.element_label, applicable=True, **{k: t[k] for k in
                                                                     ("achievements", "problems", "measures",
                                                                      "effects")})
            for r, t in zip(applicable, typed, strict=True)]))
        if rules.errors(problems):
            # Keep the demo buildable whatever the data: drop the drafted measures and effects that overflow.
            for t in typed:
                t["measures"] = t["measures"][:60]
                t["effects"] = t["effects"][:60]
        report_save(actor=actor, report=report, overview=overview, rows=typed)


    def place_verified(self, report: Any, rows: dict[int, Any], typed: list[dict[str, Any]],
                       budget: int | None) -> None:
        """The evidence files an improvement with a QC point under the rows holding that point; one about a point
        the table links to no element would be in no row. Its measure and verified effect go to the row of the
        element its finding was filed under, so every effect the data verified is in the report."""
        written = " ".join(t["effects"] for t in typed)
        by_element = {rows[t["id"]].element_id: t for t in typed}
        limit = min(200, budget // 5) if budget else 200
        for i in (Improvement.objects.filter(institution=self.inst, entity_key=report.entity_key,
                                             state="effective", cycle__period__start__gte=self.year.start,
                                             cycle__period__end__lte=self.year.end)
                  .order_by("qc_point__code", "measure")):
            t = by_element.get(i.element_id)
            if i.effect in written or t is None:
                continue
            generic = t["effects"].startswith("相关措施正在实施")
            t["effects"] = _clip(i.effect if generic else f"{i.effect}{t['effects']}", limit)
            if t["measures"].startswith("细化"):
                t["measures"] = _clip(i.measure + "。", limit)


def _clip(text: str, limit: int) -> str:
    """At most `limit` 字, cut at the last full stop or semicolon that fits."""
    if rules.count_chars(text) <= limit:
        return text
    out = ""
    for part in text.replace("；", "；\n").replace("。", "。\n").split("\n"):
        if rules.count_chars(out + part) > limit:
            break
        out += part
    return out or text[:limit]


ACHIEVED = ["建立了{e}的目标和标准，年度任务分解到部门和责任人。", "依托平台按月采集状态数据，对质控点实时监测和预警。",
            "完成年度自我诊断，形成问题清单并逐项制定改进措施。"]
CAUSES_MORE = ["同时，相关人员对诊改标准理解不深，自我诊断的主动性不足。",
               "此外，部门间数据共享不够及时，影响问题的早发现、早改进。"]


def _balanced(achievements: str, problems: str, kind: str, element: str) -> tuple[str, str]:
    """Problems and causes about half of the opinion: at least half for the school (seed 004 附件2 note 2), two
    fifths to three fifths for the others (seed 003 附件4 "一半左右"), by adding achievements or causes."""
    limits = rules.limits_for(kind)
    extra_a, extra_p = [t.format(e=element) for t in ACHIEVED], list(CAUSES_MORE)
    for _ in range(6):
        ratio = rules.share(rules.RowText(label="", achievements=achievements, problems=problems))
        if ratio is None:
            break
        if ratio < limits.share_min and extra_p:
            problems += extra_p.pop(0)
        elif limits.share_max and ratio > limits.share_max and extra_a:
            achievements += extra_a.pop(0)
        else:
            break
    return achievements, problems


def row_texts(row: Any, kind: str, budget: int | None) -> dict[str, str]:
    """The four texts of one report row, from its evidence: achievements from the QC points that pass and the
    tasks done, problems and causes from the flagged points and late tasks (balanced as the rules ask), measures
    and effects from the recorded improvements (the drafted text the report was pre-filled with), each within
    the report's limits (`budget`: the 字 a row may take when the whole report has a limit)."""
    ev = row.evidence or {}
    element = row.element_label.split(" ", 1)[-1]
    good, bad = [], []
    for q in ev.get("qc_points", []):
        last = (q.get("measurements") or [None])[-1]
        if not last or last.get("value") is None:
            continue
        text = f"{q['name']}{with_unit(last['value'], q['unit'])}"   # "94.27%", as every page writes it
        (good if last["status"] == Status.PASS else bad).append(text)
    for low in ev.get("lower_levels", [])[:2]:
        if low["pass"]:
            good.append(f"{low['level']}层面{low['name']}达标{low['pass']}个")
        if low["warning"] + low["fail"]:
            bad.append(f"{low['level']}层面{low['name']}预警或不达标{low['warning'] + low['fail']}个")
    done = [t["title"] for t in ev.get("tasks", []) if t.get("state") == "done"]
    late = [t["title"] for t in ev.get("tasks", []) if t.get("state") != "done"]
    achievements = f"围绕{element}目标推进年度任务"
    if good:
        achievements += "，" + "，".join(good[:2]) + "，达到标准"
    if done:
        achievements += f"；完成“{done[0]}”等{len(done)}项任务"
    achievements += "。"
    problems = "存在问题："
    if bad:
        problems += "，".join(bad[:2]) + "，未达到标准值"
    else:
        problems += f"{element}的过程监测还不够常态化，部分工作缺少量化标准"
    if late:
        problems += f"；“{late[0]}”进度滞后"
    problems += "。原因分析：责任分解不够具体，过程跟踪和数据分析不及时。"
    measures = row.measures or f"细化{element}年度目标和标准，责任落实到人，按月跟踪质控点数据，及时预警和改进。"
    effects = row.effects or "相关措施正在实施，暂无复测数据验证效果。"
    if budget is not None:
        # The whole-report limit shared among the rows: three tenths each for the two halves of the opinion,
        # two tenths each for measures and effects.
        achievements, problems = _clip(achievements, budget * 3 // 10), _clip(problems, budget * 3 // 10)
        measures, effects = _clip(measures, budget // 5), _clip(effects, budget // 5)
    achievements, problems = _balanced(achievements, problems, kind, element)
    return {"achievements": achievements, "problems": problems, "measures": _clip(measures, 200),
            "effects": _clip(effects, 200)}


def overview_text(report: Any, sb: SpiralBuilder) -> str:
    closed = Cycle.objects.filter(institution=sb.inst, state=CycleState.CLOSED,
                                  period__start__gte=sb.year.start, period__end__lte=sb.year.end).count()
    improvements = Improvement.objects.filter(institution=sb.inst, cycle__period__start__gte=sb.year.start,
                                              cycle__period__end__lte=sb.year.end)
    effective = improvements.filter(state="effective").count()
    text = (f"2025—2026学年，按照“8”字形质量改进螺旋，{sb.inst.name}在学校、专业、课程、教师、学生五个层面开展"
            f"自我诊断与改进。本学年完成诊改周期{closed}个，制定改进措施{improvements.count()}项，其中{effective}项经"
            "复测数据验证已见效；未见效的措施已重新预警并督办，尚未实施的措施已说明原因并转入下一周期。")
    if report.kind != ReportKind.SCHOOL:
        text = f"本报告为{report.title}。" + text
    return text


def build_spiral(builder: Any) -> dict[str, Any]:
    """Write the demo college's spiral (see the module's docstring)."""
    return SpiralBuilder(builder).build()

