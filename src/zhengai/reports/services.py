"""Writes of the self-diagnosis reports: create (rows from the adopted framework, pre-filled with evidence), save
(length rules enforced), the sign-off — reporter → head → (school) president — return, and new versions.

A signed report never changes: every write refuses it, and a change makes a new version that points back to it.
Every write is audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zhengai.core import audit
from zhengai.core.choices import AuditAction, Role
from zhengai.core.models import Institution
from zhengai.core.periods import ensure_academic_year
from zhengai.core.permissions import CHANGE, access_for, can
from zhengai.core.services import save_object
from zhengai.frameworks.models import Adoption
from zhengai.org.choices import UnitKind
from zhengai.org.entities import entity_model
from zhengai.org.models import Unit

from . import rules
from .choices import ReportKind, ReportState
from .evidence import ENTITY_FIELD, KIND_LEVEL, build_rows, key_of, pins_of
from .models import Report, ReportRow
from .rendering import check_template

TEXT_FIELDS = ("achievements", "problems", "measures", "effects")
TITLES = {ReportKind.SCHOOL: "{name}内部质量保证体系自我诊改报告",
          ReportKind.COLLEGE: "{name}内部质量保证体系自我诊改报告",
          ReportKind.DEPARTMENT: "{name}内部质量保证体系自我诊改报告",
          ReportKind.MAJOR: "{name}专业自我诊改报告",
          ReportKind.COURSE: "《{name}》课程自我诊改报告",
          ReportKind.TEACHER: "{name}教师自我诊改报告"}


class ReportInvalid(ValidationError):
    """A save or submission refused by the length rules; `problems` says which element and how many 字."""

    def __init__(self, problems: list[rules.Problem]):
        super().__init__([p.message for p in problems])
        self.problems = problems


def default_due(year: int) -> datetime.date:
    """30 November after the academic year `year`–`year+1` ends: seed 001 §九 (建设与实施进程表) schedules the
    school's, the majors' and courses', the teachers' and the students' quality reports "每年 11 月", and the
    report on a year can only be written once the year is over."""
    return datetime.date(year + 1, 11, 30)


def institution_of_entity(kind: str, entity: Any) -> Institution:
    return entity if kind == ReportKind.SCHOOL else entity.institution


def check_kind(kind: str, entity: Any) -> None:
    """The entity fits the kind: a secondary college's report is a 院（部）'s, a department's a functional one's."""
    if kind not in ReportKind.values:
        raise ValidationError(f"未知的报告类型：{kind}")
    expected = entity_model(KIND_LEVEL[kind])
    if not isinstance(entity, expected):
        raise ValidationError(f"{ReportKind(kind).label}报告的对象不正确")
    if kind == ReportKind.COLLEGE and entity.kind != UnitKind.SECONDARY_COLLEGE:
        raise ValidationError(f"“{entity.name}”不是二级学院（系部），不能编写院（部）自我诊改报告")
    if kind == ReportKind.DEPARTMENT and entity.kind == UnitKind.SECONDARY_COLLEGE:
        raise ValidationError(f"“{entity.name}”是二级学院（系部），请编写院（部）自我诊改报告")


def entity_label(kind: str, entity: Any) -> str:
    return entity.name


def adopted(institution: Institution):
    adoption = Adoption.objects.filter(institution=institution).select_related("framework").first()
    if adoption is None:
        raise ValidationError("本院校还没有采用诊断项目表：请质管办先在“诊断项目表”中采用一张表。")
    return adoption.framework


def draft_report(*, kind: str, entity: Any, year: int) -> tuple[Report, list[ReportRow]]:
    """An unsaved report with its rows, built from the evidence (the command line renders it without saving)."""
    check_kind(kind, entity)
    institution = institution_of_entity(kind, entity)
    framework = adopted(institution)
    period = ensure_academic_year(year)
    report = Report(institution=institution, kind=kind, level=KIND_LEVEL[kind], entity_key=key_of(kind, entity),
                    period=period, framework=framework, due=default_due(year),
                    title=f"{TITLES[kind].format(name=entity_label(kind, entity))}（{period.name}）")
    if kind != ReportKind.SCHOOL:
        setattr(report, ENTITY_FIELD[kind], entity)
    rows = build_rows(institution=institution, kind=kind, entity=entity, period=period, framework=framework,
                      report=report)
    return report, rows


@transaction.atomic
def report_create(*, actor: Any, kind: str, entity: Any, year: int) -> Report:
    """A new report of `entity` (the institution for the school report) for the academic year starting in
    `year`: a row per element of the adopted framework (the school report: per row of its report template),
    each pre-filled with the entity's evidence. Only those who may write the report may create it."""
    report, rows = draft_report(kind=kind, entity=entity, year=year)
    if Report.objects.filter(institution=report.institution, entity_key=report.entity_key, period=report.period,
                             kind=kind).exists():
        raise ValidationError(f"{report.title}已存在，请在列表中打开它")
    report.full_clean()
    report.save()
    # The gate decides who may write which report: create, then ask it, and roll back if the answer is no.
    if actor is not None and not can(actor, report, CHANGE):
        raise PermissionDenied("您不能编写该对象的自我诊改报告")
    for r in rows:
        r.report = report
    ReportRow.objects.bulk_create(rows)
    audit.record(actor=actor, obj=report, action=AuditAction.CREATE,
                 note=f"新建自我诊改报告（{len(rows)} 个诊断要素）")
    return report


def _require_draft(report: Report) -> None:
    if report.frozen:
        raise ValidationError("报告已签发，不能修改；如需修改，请生成新版本。")
    if report.state != ReportState.DRAFT:
        raise ValidationError("报告已提交签字，不能修改；如需修改，请负责人退回。")


def _require_change(actor: Any, report: Report) -> None:
    if not can(actor, report, CHANGE):
        raise PermissionDenied("您不能修改该报告")


def text_of(report: Report, overview: str | None = None, rows: list[dict[str, Any]] | None = None,
            existing: list[ReportRow] | None = None) -> rules.ReportText:
    """The report's text as the rules read it, with `overview` and `rows` (as typed) laid over what is saved."""
    typed = {int(r["id"]): r for r in rows or [] if r.get("id")}
    texts = []
    for row in existing if existing is not None else report.rows.all():
        t = typed.get(row.pk, {})
        texts.append(rules.RowText(
            label=row.element_label, applicable=bool(t.get("applicable", row.applicable)),
            **{f: (t[f] if f in t else getattr(row, f)) or "" for f in TEXT_FIELDS}))
    return rules.ReportText(kind=report.kind, overview=report.overview if overview is None else overview,
                            rows=texts, limits=rules.limits_of(report))


@transaction.atomic
def report_save(*, actor: Any, report: Report, overview: str, rows: list[dict[str, Any]] | None = None
                ) -> list[rules.Problem]:
    """Save what the author typed: the overview and, per row (`{"id": row pk, "achievements": …, "problems": …,
    "measures": …, "effects": …, "applicable": bool}`, any key may be left out), its texts.

    Refused when the report is signed or waiting for signatures, and when a hard length rule is broken (the
    error names the element and the count; nothing is saved). Returns the warnings that do not block."""
    given, report = report, _locked(report)
    _require_draft(report)
    _require_change(actor, report)
    existing = list(report.rows.all())
    known = {r.pk for r in existing}
    unknown = [r["id"] for r in rows or [] if r.get("id") and int(r["id"]) not in known]
    if unknown:
        raise ValidationError("提交的行不属于该报告")
    problems = rules.check(text_of(report, overview, rows, existing))
    if rules.errors(problems):
        raise ReportInvalid(rules.errors(problems))
    typed = {int(r["id"]): r for r in rows or [] if r.get("id")}
    for row in existing:
        t = typed.get(row.pk)
        if t is None:
            continue
        data = {f: (t[f] or "").strip() for f in TEXT_FIELDS if f in t}
        if "applicable" in t:
            data["applicable"] = bool(t["applicable"])
        save_object(actor=actor, obj=row, data=data, note="编写自我诊改报告")
    save_object(actor=actor, obj=report, data={"overview": (overview or "").strip()}, note="编写自我诊改报告")
    given.refresh_from_db()
    return problems


def _unit_chain(unit: Unit | None) -> set[int]:
    ids: set[int] = set()
    while unit is not None and unit.pk not in ids:
        ids.add(unit.pk)
        unit = unit.parent
    return ids


def head_units(report: Report) -> set[int]:
    """The units whose head signs a report as 部门负责人: the unit itself for a secondary college or a
    department; the major's, course's or teacher's unit (and the units above it) for the others."""
    entity = report.entity
    unit = entity if report.kind in (ReportKind.COLLEGE, ReportKind.DEPARTMENT) else getattr(entity, "unit", None)
    return _unit_chain(unit)


def may_sign_head(user: Any, report: Report) -> bool:
    """The school report's 负责人 is the quality office, which writes it; the others' is the unit head."""
    access = access_for(user)
    if access.is_superuser:
        return True
    if report.kind == ReportKind.SCHOOL:
        return access.has_role({Role.QUALITY_OFFICE}, report.institution_id)
    mine = {m.scope_id for m in access.memberships
            if m.role == Role.UNIT_HEAD and m.institution_id == report.institution_id and m.scope_id}
    return bool(mine & head_units(report))


def may_sign_president(user: Any, report: Report) -> bool:
    access = access_for(user)
    return report.kind == ReportKind.SCHOOL and (
        access.is_superuser or access.has_role({Role.SCHOOL_LEADER}, report.institution_id))


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).get(pk=report.pk)


@transaction.atomic
def report_submit(*, actor: Any, report: Report) -> list[rules.Problem]:
    """The reporter signs (报告人签字): every rule is checked; a hard limit — now including a department's
    2 000—3 000 字 — blocks, the share of problems and causes is only flagged. Returns those warnings."""
    given, report = report, _locked(report)
    _require_draft(report)
    _require_change(actor, report)
    problems = rules.check(text_of(report), submitting=True)
    if rules.errors(problems):
        raise ReportInvalid(rules.errors(problems))
    save_object(actor=actor, obj=report, data={"state": ReportState.SUBMITTED, "reporter": actor,
                                               "reported_at": timezone.now()}, note="报告人签字")
    given.refresh_from_db()
    return problems


@transaction.atomic
def report_sign_head(*, actor: Any, report: Report) -> Report:
    """The head signs (部门负责人签字). A school report then waits for the president; any other is signed and
    frozen."""
    given, report = report, _locked(report)
    if report.state != ReportState.SUBMITTED:
        raise ValidationError("报告人签字后，负责人才能签字")
    if not may_sign_head(actor, report):
        raise PermissionDenied("只有该对象的负责人可以签字")
    state = ReportState.HEAD_SIGNED if report.kind == ReportKind.SCHOOL else ReportState.SIGNED
    data = {"state": state, "head": actor, "head_signed_at": timezone.now()}
    if state == ReportState.SIGNED:
        data["pinned"] = pins_of(report)   # frozen: the figures stay those the signatures stand behind
    save_object(actor=actor, obj=report, data=data, note="负责人签字")
    given.refresh_from_db()
    return given


@transaction.atomic
def report_sign_president(*, actor: Any, report: Report) -> Report:
    """The president (a school leader) signs the school report, which freezes it (seed 004 附件2: 校长签字)."""
    given, report = report, _locked(report)
    if report.kind != ReportKind.SCHOOL:
        raise ValidationError("只有学校自我诊改报告需要校长签字")
    if report.state != ReportState.HEAD_SIGNED:
        raise ValidationError("负责人签字后，校长才能签字")
    if not may_sign_president(actor, report):
        raise PermissionDenied("只有校领导可以以校长身份签字")
    save_object(actor=actor, obj=report, data={"state": ReportState.SIGNED, "president": actor,
                                               "president_signed_at": timezone.now(), "pinned": pins_of(report)},
                note="校长签字")
    given.refresh_from_db()
    return given


@transaction.atomic
def report_return(*, actor: Any, report: Report, reason: str) -> Report:
    """The head sends a submitted report back to draft (the president one waiting for them), with a reason;
    the signatures given so far are withdrawn (the audit trail keeps them)."""
    given, report = report, _locked(report)
    reason = (reason or "").strip()
    if report.state == ReportState.SUBMITTED:
        allowed = may_sign_head(actor, report)
    elif report.state == ReportState.HEAD_SIGNED:
        allowed = may_sign_president(actor, report)
    else:
        raise ValidationError("只能退回待签字的报告")
    if not allowed:
        raise PermissionDenied("只有待签字的负责人可以退回报告")
    if not reason:
        raise ValidationError("请填写退回原因")
    save_object(actor=actor, obj=report, data={"state": ReportState.DRAFT, "reporter": None, "reported_at": None,
                                               "head": None, "head_signed_at": None}, note=f"退回：{reason}"[:200])
    given.refresh_from_db()
    return given


@transaction.atomic
def report_new_version(*, actor: Any, report: Report) -> Report:
    """A draft copy of a signed report as version + 1, pointing back to it; the signed one stays as it was."""
    report = _locked(report)
    if not report.frozen:
        raise ValidationError("只有已签发的报告才能生成新版本；未签发的报告可直接修改。")
    _require_change(actor, report)
    newer = Report.objects.filter(institution=report.institution, entity_key=report.entity_key,
                                  period=report.period, kind=report.kind, version__gt=report.version).first()
    if newer is not None:
        raise ValidationError(f"已有第 {newer.version} 版，请在新版本上修改")
    copy = Report(institution=report.institution, kind=report.kind, level=report.level,
                  entity_key=report.entity_key, unit=report.unit, major=report.major, course=report.course,
                  teacher=report.teacher, period=report.period, framework=report.framework, title=report.title,
                  overview=report.overview, version=report.version + 1, previous=report, due=report.due)
    copy.full_clean()
    copy.save()
    ReportRow.objects.bulk_create([
        ReportRow(institution=r.institution, report=copy, element=r.element, project_label=r.project_label,
                  element_label=r.element_label, order=r.order, applicable=r.applicable, evidence=r.evidence,
                  **{f: getattr(r, f) for f in TEXT_FIELDS})
        for r in report.rows.all()])
    audit.record(actor=actor, obj=copy, action=AuditAction.CREATE, note=f"由第 {report.version} 版生成新版本")
    return copy


@transaction.atomic
def template_upload(*, actor: Any, institution: Institution, kind: str, name: str, data: bytes) -> Any:
    """The quality office's own Word template for a kind of report: accepted only when it renders with sample
    data; it replaces the kind's active template (the old one is kept, inactive)."""
    from django.core.files.base import ContentFile

    from zhengai.core.permissions import require_role

    from .models import WordTemplate

    require_role(actor, {Role.QUALITY_OFFICE}, institution.pk)
    if kind not in ReportKind.values:
        raise ValidationError("未知的报告类型")
    check_template(data)
    for old in WordTemplate.objects.filter(institution=institution, kind=kind, active=True):
        _template_active(actor, old, False, "被新模板替换")
    template = WordTemplate(institution=institution, kind=kind, name=name[:200], uploaded_by=actor, active=True)
    template.file.save(f"{kind}.docx", ContentFile(data), save=False)
    template.save()
    audit.record(actor=actor, obj=template, action=AuditAction.CREATE, after=_template_view(template),
                 note="上传报告模板")
    return template


def _template_view(template: Any) -> dict[str, Any]:
    # The audit trail's snapshot cannot hold a stored file: name it by its path instead.
    return {"kind": template.kind, "name": template.name, "file": template.file.name, "active": template.active}


def _template_active(actor: Any, template: Any, active: bool, note: str) -> None:
    before = _template_view(template)
    template.active = active
    template.save(update_fields=["active"])
    audit.record(actor=actor, obj=template, action=AuditAction.UPDATE, before=before,
                 after=_template_view(template), note=note)


@transaction.atomic
def template_deactivate(*, actor: Any, template: Any) -> Any:
    """Stop using a college template: the built-in one is used again."""
    from zhengai.core.permissions import require_role

    require_role(actor, {Role.QUALITY_OFFICE}, template.institution_id)
    _template_active(actor, template, False, "停用报告模板")
    return template
