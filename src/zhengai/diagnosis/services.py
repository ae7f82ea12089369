"""Writes of the spiral's big loop: the institution's stages and schedule templates, opening the cycles that are
due, running a cycle through its stages with the gates the platform enforces, closing it, carrying its
unfinished improvements into next year's goals, findings, and the level above's assessment (考核性诊断)."""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from zhengai.core import audit
from zhengai.core.choices import AuditAction, PeriodKind, Role
from zhengai.core.models import Membership, Period
from zhengai.core.periods import academic_year_of, ensure_academic_year
from zhengai.core.permissions import CHANGE, access_for, can
from zhengai.core.services import save_object
from zhengai.goals.choices import PlanState
from zhengai.goals.models import Goal, Plan
from zhengai.monitoring.models import Notification
from zhengai.org.choices import StudentStatus, UnitKind
from zhengai.org.entities import ENTITY_FIELDS as ENTITY_FIELD
from zhengai.org.entities import OWNER_ROLES
from zhengai.org.entities import entity_key as make_key
from zhengai.org.models import Course, Klass, Major, Student, Teacher, Unit
from zhengai.standards.choices import Level

from . import selectors
from .choices import (
    SCHEMES,
    STAGE_OUTPUTS,
    CycleState,
    DiagnosisKind,
    Frequency,
    Gate,
    ImprovementState,
    StageScheme,
    StepOutput,
)
from .models import (
    ASSESSORS,
    Assessment,
    AssessmentItem,
    Cycle,
    CycleStep,
    DiagnosisSettings,
    Finding,
    Improvement,
    ScheduleTemplate,
    Stage,
)

SEED003 = "《武汉软件工程职业学院内部质量保证体系诊断与改进工作实施方案》（武软工职督〔2018〕1号）四（二）"

# Seed 003 §四(二)'s rhythm per level: (level, kind, frequency, name, basis). The unique key of a template is
# (level, kind, frequency), so where the seed names two diagnoses of the same kind, frequency and level they are
# one template whose basis cites both.
DEFAULT_TEMPLATES = [
    (Level.SCHOOL, DiagnosisKind.IMPROVEMENT, Frequency.MONTH, "学校任务过程改进性诊断",
     f"{SEED003}1(3)：任务过程1月1次改进性诊断"),
    (Level.SCHOOL, DiagnosisKind.ASSESSMENT, Frequency.YEAR, "学校年度考核性诊断",
     f"{SEED003}1(3)：任务完成后进行考核性诊断；5(3)：学生发展按学校考核诊断每年实施一次"),
    (Level.SCHOOL, DiagnosisKind.COMPREHENSIVE, Frequency.YEAR, "学校年终综合性诊断",
     f"{SEED003}1(3)：年终综合性考核诊断"),
    (Level.UNIT, DiagnosisKind.IMPROVEMENT, Frequency.MONTH, "二级学院任务过程改进性诊断",
     f"{SEED003}1(1)③、1(3)：年度目标分解到二级学院，任务过程1月1次改进性诊断"),
    (Level.UNIT, DiagnosisKind.ASSESSMENT, Frequency.YEAR, "二级学院年度考核性诊断",
     f"{SEED003}2(1)③：质量控制与绩效考核部门对各二级学院进行考核性诊断，明确问题，限期改进"),
    (Level.UNIT, DiagnosisKind.SELF, Frequency.YEAR, "二级学院师资队伍建设自主诊断",
     f"{SEED003}4(3)：师资队伍建设的自主诊断每年实施一次"),
    (Level.MAJOR, DiagnosisKind.SELF, Frequency.MONTH, "专业团队月度自主诊断",
     f"{SEED003}2(3)：专业教学团队基于专业（课程）教学的自主诊断每月实施一次"),
    (Level.MAJOR, DiagnosisKind.ASSESSMENT, Frequency.YEAR, "专业教学年度考核诊断",
     f"{SEED003}2(3)：学校（教务处）基于专业教学标准每年一次专业教学考核诊断"),
    (Level.MAJOR, DiagnosisKind.ASSESSMENT, Frequency.THREE_YEARS, "专业建设三年考核性诊断",
     f"{SEED003}2(3)：基于专业建设实施三年一次考核性诊断"),
    (Level.MAJOR, DiagnosisKind.SELF, Frequency.YEAR, "专业学生发展年度自主诊断",
     f"{SEED003}5(3)：学生发展按专业每年进行一次自主性诊断"),
    (Level.COURSE, DiagnosisKind.SELF, Frequency.MONTH, "课程团队月度自主诊断",
     f"{SEED003}3(3)：课程教学团队基于课程教学的自主诊断每月实施一次"),
    (Level.COURSE, DiagnosisKind.ASSESSMENT, Frequency.SEMESTER, "课程完成考核性诊断",
     f"{SEED003}3(3)：基于课程建设实施课程完成一次考核性诊断（课程随学期结束）"),
    (Level.COURSE, DiagnosisKind.ASSESSMENT, Frequency.YEAR, "课程建设年度考核诊断",
     f"{SEED003}3(3)：学校基于课程建设标准每年一次课程建设考核诊断"),
    (Level.TEACHER, DiagnosisKind.SELF, Frequency.MONTH, "教师个人发展月度自主诊断",
     f"{SEED003}4(3)：教师个人发展每月一次自主性诊断"),
    (Level.TEACHER, DiagnosisKind.ASSESSMENT, Frequency.SEMESTER, "教师个人发展学期考核性诊断",
     f"{SEED003}4(3)：教师个人发展考核性诊断每学期一次"),
    (Level.STUDENT, DiagnosisKind.COMPREHENSIVE, Frequency.SEMESTER, "学生个人发展学期综合性诊断",
     f"{SEED003}5(3)：学生个人发展综合性考核性诊断每学期一次"),
]

# Three-yearly templates first: in the year a major's construction assessment falls due, its yearly teaching
# assessment would be the same cycle (entity, academic year, kind) — the three-yearly one takes that place.
FREQUENCY_ORDER = {Frequency.THREE_YEARS: 0, Frequency.YEAR: 1, Frequency.SEMESTER: 2, Frequency.MONTH: 3}


def _fail(message: str | list[str]) -> None:
    raise ValidationError(message)


def _require_change(actor: Any, cycle: Cycle) -> None:
    """Services called from a page or a command: a person must be allowed to change the cycle; a command
    (no actor) runs as the system."""
    if actor is not None and not can(actor, cycle, CHANGE):
        raise PermissionDenied("您不能推进该诊改周期")


def _require_quality_office(actor: Any, institution: Any) -> None:
    if actor is None:
        return
    access = access_for(actor)
    if not access.is_superuser and not access.has_role({Role.QUALITY_OFFICE}, institution.pk):
        raise PermissionDenied("只有质管办可以修改诊改设置")


# ---- settings: stages ------------------------------------------------------------------------------------

@transaction.atomic
def stages_install(*, actor: Any, institution: Any, scheme: str) -> list[Stage]:
    """Create the institution's stages from a built-in scheme, replacing the ones it has.

    Refused while open cycles sit on the current stages (they would lose their place), and when closed cycles
    recorded steps on them (their history would lose its stages): rename, reorder or add instead."""
    _require_quality_office(actor, institution)
    if scheme not in SCHEMES:
        _fail(f"没有“{scheme}”这个螺旋步骤方案")
    existing = list(selectors.stages_of(institution))
    wanted = [(name, gate) for name, gate in SCHEMES[scheme]]
    if [(s.name, s.gate) for s in existing] == [(n, str(g)) for n, g in wanted]:
        _set_scheme(actor, institution, scheme)
        return existing
    if existing:
        open_count = Cycle.objects.filter(institution=institution, state=CycleState.OPEN).count()
        if open_count:
            _fail(f"还有 {open_count} 个进行中的诊改周期正在使用现有步骤，不能替换螺旋步骤方案；"
                  "请先完成这些周期，或改为重命名、调整顺序、增加步骤")
        if CycleStep.objects.filter(institution=institution).exists():
            _fail("已完成的诊改周期记录了现有步骤，为保留这些记录不能整体替换方案；请改为重命名、调整顺序或增加步骤")
        for stage in existing:
            audit.record(actor=actor, obj=stage, action=AuditAction.DELETE, before=audit.snapshot(stage), after={},
                         note="替换螺旋步骤方案")
        Stage.objects.filter(pk__in=[s.pk for s in existing]).delete()
    stages = []
    for order, (name, gate) in enumerate(wanted, start=1):
        stage, _ = save_object(actor=actor, obj=Stage(institution=institution),
                               data={"order": order, "name": name, "gate": gate,
                                     "output": STAGE_OUTPUTS.get(name, StepOutput.EVIDENCE)})
        stages.append(stage)
    _set_scheme(actor, institution, scheme)
    return stages


def _set_scheme(actor: Any, institution: Any, scheme: str) -> None:
    settings = DiagnosisSettings.objects.filter(institution=institution).first() or DiagnosisSettings(
        institution=institution)
    save_object(actor=actor, obj=settings, data={"scheme": scheme})


def _ensure_stages(institution: Any, actor: Any = None) -> Stage:
    """The first stage; an institution that never chose gets seed 003's ten steps (the issue's default)."""
    first = selectors.stages_of(institution).first()
    if first is None:
        first = stages_install(actor=None, institution=institution, scheme=StageScheme.SEED003)[0]
    return first


@transaction.atomic
def stage_update(*, actor: Any, stage: Stage, name: str, gate: str = "", description: str = "",
                 output: str | None = None) -> Stage:
    """Rename a stage or change its gate or what it asks for (open cycles keep their place: they point at the
    stage itself)."""
    _require_quality_office(actor, stage.institution)
    data = {"name": name.strip(), "gate": gate, "description": description.strip()}
    if output:
        data["output"] = output
    stage, _ = save_object(actor=actor, obj=stage, data=data)
    return stage


@transaction.atomic
def stage_add(*, actor: Any, institution: Any, name: str, gate: str = "", description: str = "",
              output: str | None = None) -> Stage:
    """Add a stage at the end of the loop (move it with `stages_reorder`)."""
    _require_quality_office(actor, institution)
    last = Stage.objects.filter(institution=institution).aggregate(m=Max("order"))["m"] or 0
    stage, _ = save_object(actor=actor, obj=Stage(institution=institution),
                           data={"order": last + 1, "name": name.strip(), "gate": gate,
                                 "description": description.strip(),
                                 "output": output or STAGE_OUTPUTS.get(name.strip(), StepOutput.EVIDENCE)})
    return stage


@transaction.atomic
def stages_reorder(*, actor: Any, institution: Any, stage_ids: Iterable[int]) -> list[Stage]:
    """Put the institution's stages in the given order (every stage, each once). An open cycle's next stage is
    always the first one it has not passed, so reordering never skips or repeats a step."""
    _require_quality_office(actor, institution)
    stages = {s.pk: s for s in Stage.objects.select_for_update(of=("self",)).filter(institution=institution)}
    ids = [int(i) for i in stage_ids]
    if sorted(ids) != sorted(stages):
        _fail("调整顺序时须列出全部步骤，且每个步骤只出现一次")
    before = {pk: audit.snapshot(s) for pk, s in stages.items()}
    # Out of the way first: (institution, order) is unique and the new orders overlap the old ones.
    for n, pk in enumerate(ids, start=1):
        Stage.objects.filter(pk=pk).update(order=1000 + n)
    result = []
    for n, pk in enumerate(ids, start=1):
        stage = stages[pk]
        stage.order = n
        stage.save(update_fields=["order"])
        audit.record(actor=actor, obj=stage, action=AuditAction.UPDATE, before=before[pk], note="调整步骤顺序")
        result.append(stage)
    return result


def stage_move(*, actor: Any, stage: Stage, up: bool) -> list[Stage]:
    """Swap a stage with its neighbour (the settings page's ↑ ↓)."""
    ids = list(selectors.stages_of(stage.institution_id).values_list("pk", flat=True))
    i = ids.index(stage.pk)
    j = i - 1 if up else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    return stages_reorder(actor=actor, institution=stage.institution, stage_ids=ids)


# ---- settings: schedule templates ------------------------------------------------------------------------

@transaction.atomic
def schedule_install_defaults(*, actor: Any, institution: Any) -> int:
    """Seed 003 §四(二)'s rhythm per level as schedule templates; those the institution already has (by level,
    kind and frequency) are left as they are. Returns how many were created."""
    _require_quality_office(actor, institution)
    have = set(ScheduleTemplate.objects.filter(institution=institution).values_list("level", "kind", "frequency"))
    created = 0
    for level, kind, frequency, name, basis in DEFAULT_TEMPLATES:
        if (level, kind, frequency) in have:
            continue
        save_object(actor=actor, obj=ScheduleTemplate(institution=institution),
                    data={"level": level, "kind": kind, "frequency": frequency, "name": name, "basis": basis,
                          "active": True})
        created += 1
    return created


@transaction.atomic
def schedule_update(*, actor: Any, template: ScheduleTemplate, active: bool, frequency: str,
                    name: str | None = None) -> ScheduleTemplate:
    _require_quality_office(actor, template.institution)
    data: dict[str, Any] = {"active": active, "frequency": frequency}
    if name is not None:
        data["name"] = name.strip()
    template, _ = save_object(actor=actor, obj=template, data=data)
    return template


# ---- scheduling ------------------------------------------------------------------------------------------

def period_for(frequency: str, today: datetime.date, year: Period | None = None) -> Period:
    """The period of a frequency that contains `today` (a three-yearly cycle runs in an academic year)."""
    year = year or ensure_academic_year(academic_year_of(today))
    if frequency == Frequency.MONTH:
        return Period.objects.get(kind=PeriodKind.MONTH, code=f"{today.year}-{today.month:02d}")
    if frequency == Frequency.SEMESTER:
        return Period.objects.get(kind=PeriodKind.SEMESTER, parent=year, start__lte=today, end__gte=today)
    return year


def _scoped_owners(institution: Any, level: str) -> dict[int, int]:
    """Scope object id → the user holding the level's responsible role (the earliest grant if several; of a
    class's two roles the counsellor's, who owns the class's cycles, before the head teacher's)."""
    if level not in OWNER_ROLES:
        return {}
    roles, model = OWNER_ROLES[level]
    ct = ContentType.objects.get_for_model(model)
    owners: dict[int, int] = {}
    rows = Membership.objects.filter(institution=institution, role__in=list(roles), scope_type=ct,
                                     active=True).order_by("pk").values_list("role", "scope_id", "user_id")
    for _role, scope_id, user_id in sorted(rows, key=lambda r: roles.index(r[0])):   # stable: pk order kept
        owners.setdefault(scope_id, user_id)
    return owners


def entities_of(institution: Any, level: str) -> list[tuple[str, dict[str, int], int | None]]:
    """(entity key, entity foreign key, responsible user id) of every active entity of a level."""
    if level == Level.SCHOOL:
        return [("school", {}, None)]
    owners = _scoped_owners(institution, level)
    field = ENTITY_FIELD[level]
    if level == Level.UNIT:
        rows = Unit.objects.filter(institution=institution, active=True, kind=UnitKind.SECONDARY_COLLEGE)
    elif level == Level.MAJOR:
        rows = Major.objects.filter(institution=institution, active=True)
    elif level == Level.COURSE:
        rows = Course.objects.filter(institution=institution, active=True)
    elif level == Level.CLASS:
        rows = Klass.objects.filter(institution=institution, active=True)
    elif level == Level.TEACHER:
        return [(make_key(level, pk), {f"{field}_id": pk}, user)
                for pk, user in Teacher.objects.filter(institution=institution, active=True)
                .order_by("pk").values_list("pk", "user_id")]
    elif level == Level.STUDENT:
        return [(make_key(level, pk), {f"{field}_id": pk}, user)
                for pk, user in Student.objects.filter(institution=institution, active=True,
                                                       status=StudentStatus.ENROLLED)
                .order_by("pk").values_list("pk", "user_id")]
    else:
        return []
    return [(make_key(level, pk), {f"{field}_id": pk}, owners.get(pk))
            for pk in rows.order_by("pk").values_list("pk", flat=True)]


def _previous(institution: Any, level: str, kind: str, period: Period) -> dict[str, int]:
    """Entity key → its latest earlier cycle of the same kind on the same rhythm (month after month, year
    after year): the cycle the new one continues."""
    latest: dict[str, int] = {}
    for key, pk in (Cycle.objects.filter(institution=institution, level=level, kind=kind,
                                         period__kind=period.kind, period__start__lt=period.start)
                    .order_by("period__start", "pk").values_list("entity_key", "pk")):
        latest[key] = pk
    return latest


@transaction.atomic
def cycles_open_due(*, institution: Any, today: datetime.date, actor: Any = None) -> dict[str, int]:
    """Open, for every active schedule template, the cycles due in the period containing `today`, one per active
    entity of the template's level. Safe to run as often as one likes: a cycle that exists is never opened
    again. Returns the number opened per template name."""
    templates = sorted(ScheduleTemplate.objects.filter(institution=institution, active=True),
                       key=lambda t: (FREQUENCY_ORDER.get(t.frequency, 9), t.level, t.kind))
    if not templates:
        return {}
    first = _ensure_stages(institution, actor)
    result: dict[str, int] = {}
    year = ensure_academic_year(academic_year_of(today))
    periods: dict[str, Period] = {}
    for template in templates:
        if template.frequency not in periods:
            periods[template.frequency] = period_for(template.frequency, today, year)
        period = periods[template.frequency]
        entities = entities_of(institution, template.level)
        existing = set(Cycle.objects.filter(institution=institution, period=period, kind=template.kind,
                                            level=template.level).values_list("entity_key", flat=True))
        if template.frequency == Frequency.THREE_YEARS:
            # Due only when the entity had no cycle of this template in this or the two years before.
            since = datetime.date(period.start.year - 2, 9, 1)
            existing |= set(Cycle.objects.filter(template=template, period__start__gte=since)
                            .values_list("entity_key", flat=True))
        due = [e for e in entities if e[0] not in existing]
        if not due:
            result[template.name] = 0
            continue
        previous = _previous(institution, template.level, template.kind, period)
        cycles = [Cycle(institution=institution, level=template.level, entity_key=key, period=period,
                        kind=template.kind, template=template, stage=first, state=CycleState.OPEN,
                        previous_id=previous.get(key), owner_id=owner, **fk)
                  for key, fk, owner in due]
        # A college has some 15 000 students: one insert per thousand, never one per row. A concurrent run
        # that got there first is ignored by the unique constraint.
        Cycle.objects.bulk_create(cycles, batch_size=1000, ignore_conflicts=True)
        result[template.name] = len(cycles)
        # Tell each owner once per template and period that their cycle has begun (a student gets one notice a
        # semester; nobody gets one per cycle of a run).
        url = reverse("diagnosis:cycle_list") + f"?period={period.code}"
        Notification.objects.bulk_create(
            [Notification(user_id=owner, institution=institution, url=url,
                          text=f"诊改周期已开启：{template.name}（{period}），请按螺旋步骤推进")
             for owner in sorted({owner for _, _, owner in due if owner})], batch_size=1000)
        audit.record(actor=actor, obj=template, action=AuditAction.CREATE, after={"opened": len(cycles)},
                     note=f"开启{period}诊改周期 {len(cycles)} 个")
    return result


# ---- running a cycle -------------------------------------------------------------------------------------

def _locked(cycle: Cycle) -> Cycle:
    return (Cycle.objects.select_for_update(of=("self",)).select_related("period", "stage", "institution")
            .get(pk=cycle.pk))


OUTPUT_NEEDED = {
    StepOutput.EVIDENCE: "提交证据：上传一个文件，或填写一个链接（如文件、系统页面的地址）",
    StepOutput.FINDING: "记录诊断发现：写下诊断发现的问题（或先在本页“记录诊断发现”中记录）",
    StepOutput.IMPROVEMENT: "关联一项改进措施：选择本对象的改进措施（没有的先新增改进措施）",
}


def _step_output(*, actor: Any, cycle: Cycle, stage: Stage, evidence_file: Any, evidence_url: str,
                 finding_text: str, finding: Finding | None, improvement: Improvement | None) -> dict[str, Any]:
    """What the step leaves behind, as CycleStep fields; refused with a message naming what is needed when the
    stage's output is missing (a stage that asks only for a confirmation needs nothing)."""
    data: dict[str, Any] = {}
    if evidence_file is not None:
        from zhengai.goals.records import SNIFF_BYTES, check_evidence

        original = os.path.basename((evidence_file.name or "").replace("\\", "/"))[:200]
        evidence_file.seek(0)
        ext = check_evidence(original, evidence_file.size or 0, evidence_file.read(SNIFF_BYTES))
        evidence_file.seek(0)
        evidence_file.name = f"{uuid.uuid4().hex}.{ext}"  # stored under a generated name, shown by its own
        data.update(evidence_file=evidence_file, evidence_name=original)
    url = (evidence_url or "").strip()
    if url:
        # A web address, or a page of this platform ("/goals/onepage/12/"); never a script or another scheme.
        own_page = url.startswith("/") and not url.startswith("//")
        if not (url.lower().startswith(("http://", "https://")) or own_page) or any(ch.isspace() for ch in url):
            _fail("证据链接必须以 http:// 或 https:// 开头，或是本平台页面的地址（以 / 开头）")
        data["evidence_url"] = url
    if finding is not None and finding.cycle_id != cycle.pk:
        _fail("所选诊断发现不属于本周期")
    if improvement is not None and (improvement.institution_id != cycle.institution_id
                                    or improvement.entity_key != cycle.entity_key):
        _fail("所选改进措施不属于本周期的对象")
    output = stage.output
    if output == StepOutput.EVIDENCE and not (data.get("evidence_file") or url):
        _fail(f"完成“{stage.name}”步骤需要{OUTPUT_NEEDED[output]}")
    if output == StepOutput.FINDING:
        if finding is None and (finding_text or "").strip():
            finding = finding_add(actor=actor, cycle=cycle, text=finding_text)
        # Findings recorded earlier in this cycle (the page's finding form) are what this step produced.
        finding = finding or Finding.objects.filter(cycle=cycle).order_by("-pk").first()
        if finding is None:
            _fail(f"完成“{stage.name}”步骤需要{OUTPUT_NEEDED[output]}")
        data["finding"] = finding
    if output == StepOutput.IMPROVEMENT:
        # With nothing flagged there may be nothing to improve: the step's record is then its evidence.
        nothing_flagged = not selectors.flagged_points(cycle)
        # Improvements recorded in this cycle (from its warnings or findings) are what this step produced.
        improvement = improvement or Improvement.objects.filter(cycle=cycle).order_by("-pk").first()
        if improvement is None and not (nothing_flagged and (data.get("evidence_file") or url)):
            _fail(f"完成“{stage.name}”步骤需要{OUTPUT_NEEDED[output]}"
                  + ("；本周期没有预警或不达标的质控点，也可以提交证据" if nothing_flagged else ""))
        data["improvement"] = improvement
    return data


@transaction.atomic
def cycle_advance(*, actor: Any, cycle: Cycle, note: str = "", evidence_file: Any = None, evidence_url: str = "",
                  finding_text: str = "", finding: Finding | None = None,
                  improvement: Improvement | None = None) -> Cycle:
    """Record the current stage as done (who, when, what was done, and what the step produced) and move to the
    next stage. A stage's gate is checked before it is passed: 诊断 needs the year's measurements, 改进 an
    improvement for every QC point that warned or failed; and each stage asks for its output (`Stage.output`):
    evidence (a file or a link), a diagnosis finding, or the improvement it led to — never a bare click,
    except for the steps that only need a confirmation."""
    _require_change(actor, cycle)
    cycle = _locked(cycle)
    if cycle.state != CycleState.OPEN:
        _fail("该诊改周期已完成，不能再推进")
    done = selectors.done_steps(cycle)
    stage = cycle.stage if cycle.stage_id and cycle.stage_id not in done else selectors.next_stage(cycle, done)
    if stage is None:
        _fail("所有步骤均已完成，请填写诊断结论并完成本周期")
    problems = selectors.gate_problems(cycle, stage.gate)
    if problems:
        _fail([f"不能完成“{stage.name}”步骤：{p}" for p in problems])
    output = _step_output(actor=actor, cycle=cycle, stage=stage, evidence_file=evidence_file,
                          evidence_url=evidence_url, finding_text=finding_text, finding=finding,
                          improvement=improvement)
    upload = output.pop("evidence_file", None)
    step, _ = save_object(actor=actor, obj=CycleStep(institution_id=cycle.institution_id, cycle=cycle, stage=stage),
                          data={"note": note.strip(), "done_by": actor if getattr(actor, "pk", None) else None,
                                **output})
    if upload is not None:
        # The file is stored after the audited save: the audit names it (evidence_name), it does not hold it.
        step.evidence_file = upload
        step.save(update_fields=["evidence_file"])
    done[stage.pk] = None  # type: ignore[assignment]
    cycle, _ = save_object(actor=actor, obj=cycle, data={"stage": selectors.next_stage(cycle, done)},
                           note=f"完成步骤“{stage.name}”")
    return cycle


def close_problems(cycle: Cycle) -> list[str]:
    """Why the cycle may not be closed yet (empty: it may)."""
    problems = []
    missing = selectors.missing_stages(cycle)
    if missing:
        problems.append("还有步骤未完成：" + "、".join(s.name for s in missing))
    problems += selectors.gate_problems(cycle, Gate.IMPROVEMENTS)
    return problems


@transaction.atomic
def cycle_close(*, actor: Any, cycle: Cycle, summary: str) -> Cycle:
    """Close a cycle with its diagnosis conclusion once every stage is passed and every QC point that warned or
    failed has an improvement. Closing opens nothing: the next cycle comes from the schedule."""
    _require_change(actor, cycle)
    cycle = _locked(cycle)
    if cycle.state != CycleState.OPEN:
        _fail("该诊改周期已完成")
    problems = close_problems(cycle)
    if not summary.strip():
        problems.insert(0, "请填写诊断结论")
    if problems:
        _fail(problems)
    cycle, _ = save_object(actor=actor, obj=cycle, data={"state": CycleState.CLOSED, "closed_at": timezone.now(),
                                                         "summary": summary.strip(), "stage": None},
                           note="完成诊改周期")
    return cycle


def _current_plan(cycle: Cycle, next_year: int) -> Plan | None:
    """The entity's plan for the next year: an active plan covering it, else its latest plan not closed."""
    plans = Plan.objects.filter(institution_id=cycle.institution_id, entity_key=cycle.entity_key)
    return (plans.filter(state=PlanState.ACTIVE, start_year__lte=next_year, end_year__gte=next_year)
            .order_by("-start_year", "-pk").first()
            or plans.exclude(state=PlanState.CLOSED).order_by("-end_year", "-pk").first())


def carry_candidates(cycle: Cycle):
    """The cycle's improvements (and the entity's improvements filed under no cycle) that have not been shown
    effective and were not carried forward yet."""
    return (Improvement.objects.filter(institution_id=cycle.institution_id, entity_key=cycle.entity_key)
            .filter(Q(cycle=cycle) | Q(cycle__isnull=True))
            .exclude(state=ImprovementState.EFFECTIVE).filter(next_goal__isnull=True).order_by("pk"))


@transaction.atomic
def cycle_carry_forward(*, actor: Any, cycle: Cycle) -> list[Goal]:
    """Turn the closed cycle's improvements that are not effective into goals of the entity's plan for the next
    year ("改进：…"), each linked back by `Improvement.next_goal` — so the next cycle starts from them. Each
    improvement is carried once."""
    _require_change(actor, cycle)
    cycle = _locked(cycle)
    if cycle.state != CycleState.CLOSED:
        _fail("诊改周期完成后才能把未见效的改进措施转入下一周期目标")
    candidates = list(carry_candidates(cycle).select_for_update(of=("self",)))
    if not candidates:
        return []
    next_year = selectors.academic_year(cycle.period).start.year + 1
    plan = _current_plan(cycle, next_year)
    if plan is None:
        _fail(f"{cycle.entity}还没有规划，无法把改进措施转入下一周期目标；请先建立{cycle.entity}的规划")
    order = (Goal.objects.filter(plan=plan).aggregate(m=Max("order"))["m"] or 0)
    goals = []
    for n, improvement in enumerate(candidates, start=1):
        text = f"改进：{improvement.measure.strip()}"
        description = "；".join(x for x in [
            f"来自{cycle}的改进措施（{improvement.get_state_display()}）",
            f"质控点 {improvement.qc_point.code} {improvement.qc_point.name}" if improvement.qc_point_id else "",
            f"预期效果：{improvement.expected_effect}" if improvement.expected_effect else ""] if x)
        goal, _ = save_object(actor=actor, obj=Goal(institution_id=cycle.institution_id, plan=plan),
                              data={"title": text[:300], "description": description, "owner": improvement.owner,
                                    "owner_unit": plan.lead_unit, "order": min(order + n, 32767)},
                              note="诊改周期的改进措施转入下一周期目标")
        save_object(actor=actor, obj=improvement, data={"next_goal": goal}, note="转入下一周期目标")
        goals.append(goal)
    return goals


@transaction.atomic
def finding_add(*, actor: Any, cycle: Cycle, element: Any = None, qc_point: Any = None, text: str,
                cause: str = "") -> Finding:
    """A problem the diagnosis found (存在问题) and its cause (原因分析), tied to a diagnosis element of the
    adopted framework and optionally a QC point of the institution."""
    _require_change(actor, cycle)
    if cycle.state != CycleState.OPEN:
        _fail("已完成的诊改周期不能再添加诊断发现")
    if element is not None and not selectors.framework_elements(cycle.institution).filter(pk=element.pk).exists():
        _fail(f"诊断要素“{element}”不属于本院校采用的诊断项目表")
    if qc_point is not None and qc_point.institution_id != cycle.institution_id:
        _fail("质控点不属于本院校")
    if not text.strip():
        _fail("请填写存在问题")
    finding, _ = save_object(actor=actor, obj=Finding(institution_id=cycle.institution_id, cycle=cycle),
                             data={"element": element, "qc_point": qc_point, "text": text.strip(),
                                   "cause": cause.strip(),
                                   "created_by": actor if getattr(actor, "pk", None) else None})
    return finding


# ---- assessment (考核性诊断) -------------------------------------------------------------------------------

def may_be_assessed(cycle: Cycle) -> bool:
    """An assessment cycle, or a self-diagnosis the owner has completed, can be assessed by the level above."""
    return cycle.kind == DiagnosisKind.ASSESSMENT or (cycle.kind == DiagnosisKind.SELF
                                                     and cycle.state == CycleState.CLOSED)


def is_assessor(user: Any, institution: Any) -> bool:
    access = access_for(user)
    return access.is_superuser or access.has_role(ASSESSORS, institution.pk)


@transaction.atomic
def assessment_record(*, actor: Any, cycle: Cycle, conclusion: str, deadline: datetime.date | None,
                      items: Iterable[tuple[Any, bool, str]]) -> Assessment:
    """The level above's verdict (明确问题，限期改进): an overall conclusion, the deadline for improving and, per
    diagnosis element of the adopted framework, whether the assessor agrees with the self-diagnosis and why.
    Disagreeing needs a reason; a disagreement needs a deadline."""
    if actor is not None and not is_assessor(actor, cycle.institution):
        raise PermissionDenied("只有质管办、校领导和督导可以记录考核意见")
    if not may_be_assessed(cycle):
        _fail("只有考核性诊断周期或已完成的自主诊断周期可以记录考核意见")
    framework = selectors.adopted_framework(cycle.institution)
    if framework is None:
        _fail("本院校还没有采用诊断项目表，无法按诊断要素记录考核意见；请质管办先采用诊断项目表")
    items = list(items)
    errors = []
    if not conclusion.strip():
        errors.append("请填写总体意见")
    if not items:
        errors.append("请至少对一个诊断要素给出考核意见")
    allowed = set(selectors.framework_elements(cycle.institution).values_list("pk", flat=True))
    seen: set[int] = set()
    for element, agrees, reason in items:
        if element.pk not in allowed:
            errors.append(f"诊断要素“{element}”不属于本院校采用的诊断项目表")
        if element.pk in seen:
            errors.append(f"诊断要素“{element}”重复")
        seen.add(element.pk)
        if not agrees and not (reason or "").strip():
            errors.append(f"诊断要素“{element}”：不认同自我诊断时须说明理由")
    if any(not agrees for _, agrees, _ in items) and deadline is None:
        errors.append("有不认同的诊断要素时须给出限期改进日期（明确问题，限期改进）")
    if errors:
        _fail(errors)
    assessment, _ = save_object(actor=actor, obj=Assessment(institution_id=cycle.institution_id, cycle=cycle),
                                data={"assessor": actor if getattr(actor, "pk", None) else None,
                                      "conclusion": conclusion.strip(), "deadline": deadline})
    for element, agrees, reason in items:
        # The model needs a reason; agreeing without one is recorded as plain agreement.
        save_object(actor=actor, obj=AssessmentItem(institution_id=cycle.institution_id, assessment=assessment),
                    data={"element": element, "agrees": bool(agrees),
                          "reason": (reason or "").strip() or "认同自我诊断"})
    return assessment
