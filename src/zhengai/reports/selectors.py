"""Reads of the self-diagnosis reports, restricted through the permission gate."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from zhengai.core.choices import Role
from zhengai.core.models import Membership
from zhengai.core.permissions import VIEW, access_for, get_object_for_user
from zhengai.org.choices import UnitKind
from zhengai.org.entities import answered_units
from zhengai.org.models import Course, Major, Teacher, Unit

from .choices import ReportKind, ReportState
from .evidence import key_of
from .models import Report, WordTemplate
from .services import default_due

WRITERS = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER}
WATCHERS = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}


def reports_for(user: Any, institution: Any) -> QuerySet[Report]:
    return (Report.objects.restrict(user, VIEW).filter(institution=institution)
            .select_related("period", "unit", "major", "course", "teacher", "reporter", "head", "president"))


def get_report(user: Any, institution: Any, pk: Any, action: str = VIEW) -> Report:
    return get_object_for_user(Report.objects.filter(institution=institution), user, action, pk=pk)


def versions_of(user: Any, report: Report) -> QuerySet[Report]:
    return reports_for(user, report.institution).filter(entity_key=report.entity_key, period=report.period,
                                                        kind=report.kind).order_by("version")


def latest_report(institution: Any, kind: str, entity: Any, year: int) -> Report | None:
    """The newest version of an entity's report for the academic year starting in `year` (command line)."""
    return (Report.objects.filter(institution=institution, kind=kind, entity_key=key_of(kind, entity),
                                  period__start__year=year, period__start__month=9)
            .order_by("-version").first())


def unit_kind_report(unit: Unit) -> str:
    return ReportKind.COLLEGE if unit.kind == UnitKind.SECONDARY_COLLEGE else ReportKind.DEPARTMENT


def creatable(user: Any, institution: Any) -> list[tuple[str, str, str]]:
    """(value "kind:pk", label, kind) of the reports `user` may write: the quality office and school leaders
    every one; a unit head their unit's and its majors', courses' and teachers'; a major leader, a course leader
    and a teacher their own."""
    access = access_for(user)
    everything = access.is_superuser or access.has_role(WRITERS, institution.pk)
    units = Unit.objects.filter(institution=institution, active=True)
    majors = Major.objects.filter(institution=institution, active=True)
    courses = Course.objects.filter(institution=institution, active=True)
    teachers = Teacher.objects.filter(institution=institution, active=True)
    if not everything:
        heads = answered_units(access)
        units = units.filter(pk__in=heads)
        majors = majors.filter(pk__in=access.scoped_ids(Role.MAJOR_LEADER, Major)) | majors.filter(unit_id__in=heads)
        courses = (courses.filter(pk__in=access.scoped_ids(Role.COURSE_LEADER, Course))
                   | courses.filter(unit_id__in=heads))
        teachers = teachers.filter(user_id=user.pk) | teachers.filter(unit_id__in=heads)
    out: list[tuple[str, str, str]] = []
    if everything:
        out.append((f"school:{institution.pk}", f"学校：{institution.name}", ReportKind.SCHOOL))
    for u in units.exclude(kind__in=[UnitKind.SECTION, UnitKind.TEACHING_OFFICE]).order_by("code"):
        kind = unit_kind_report(u)
        out.append((f"{kind}:{u.pk}", f"{ReportKind(kind).label}：{u.name}", kind))
    out += [(f"major:{m.pk}", f"专业：{m.name}", ReportKind.MAJOR) for m in majors.distinct().order_by("code")]
    out += [(f"course:{c.pk}", f"课程：{c.name}", ReportKind.COURSE) for c in courses.distinct().order_by("code")]
    out += [(f"teacher:{t.pk}", f"教师：{t.name}", ReportKind.TEACHER) for t in teachers.distinct().order_by("code")]
    return out


def entity_from_choice(user: Any, institution: Any, value: str) -> tuple[str, Any]:
    """The (kind, entity) a "kind:pk" choice names, if the user may write it; else ValueError."""
    if value not in {v for v, _, _ in creatable(user, institution)}:
        raise ValueError("不能为该对象编写报告")
    kind, pk = value.split(":", 1)
    if kind == ReportKind.SCHOOL:
        return kind, institution
    model = {"college": Unit, "department": Unit, "major": Major, "course": Course, "teacher": Teacher}[kind]
    return kind, model.objects.get(institution=institution, pk=pk)


def find_entity(institution: Any, kind: str, code: str) -> Any:
    """The entity of `kind` with `code` (the unit, major, course or teacher code; the school: the institution
    code or nothing). Raises LookupError with a Chinese message naming what was not found."""
    if kind == ReportKind.SCHOOL:
        if code and code != institution.code:
            raise LookupError(f"学校代码“{code}”与院校“{institution.name}”（{institution.code}）不符")
        return institution
    if kind in (ReportKind.COLLEGE, ReportKind.DEPARTMENT):
        unit = Unit.objects.filter(institution=institution, code=code).first()
        if unit is None:
            raise LookupError(f"院校“{institution.name}”没有代码为“{code}”的部门")
        if unit_kind_report(unit) != kind:
            raise LookupError(f"“{unit.name}”（{code}）是{unit.get_kind_display()}，不是"
                              f"{'二级学院（系部）' if kind == ReportKind.COLLEGE else '职能部门'}")
        return unit
    model, label = {ReportKind.MAJOR: (Major, "专业"), ReportKind.COURSE: (Course, "课程"),
                    ReportKind.TEACHER: (Teacher, "教师")}[kind]
    found = model.objects.filter(institution=institution, code=code).first()
    if found is None:
        raise LookupError(f"院校“{institution.name}”没有代码为“{code}”的{label}")
    return found


@dataclass
class Expected:
    """One report the year expects, and where it stands."""

    kind: str
    name: str
    report: Report | None
    due: datetime.date
    entity: Any = None

    @property
    def kind_label(self) -> str:
        return ReportKind(self.kind).label

    @property
    def submitted(self) -> bool:
        return bool(self.report and self.report.reported_at)

    @property
    def late(self) -> bool:
        """Past the due date and not submitted (or submitted after it)."""
        if self.report and self.report.reported_at:
            return timezone.localdate(self.report.reported_at) > self.due
        return timezone.localdate() > self.due


def status_rows(institution: Any, year: int) -> list[Expected]:
    """The reports the year expects — the school, every secondary college, every functional department, every
    major, every course with a course leader — each with its newest version."""
    reports: dict[tuple[str, str], Report] = {}
    for r in (Report.objects.filter(institution=institution, period__start__year=year, period__start__month=9)
              .select_related("reporter", "head", "president").order_by("version")):
        reports[(r.kind, r.entity_key)] = r  # the newest version wins
    due = default_due(year)
    course_ct = ContentType.objects.get_for_model(Course)
    led = set(Membership.objects.filter(institution=institution, role=Role.COURSE_LEADER, active=True,
                                        scope_type=course_ct).values_list("scope_id", flat=True))
    expected: list[tuple[str, Any]] = [(ReportKind.SCHOOL, institution)]
    for u in Unit.objects.filter(institution=institution, active=True,
                                 kind__in=[UnitKind.SECONDARY_COLLEGE, UnitKind.FUNCTIONAL]).order_by("kind", "code"):
        expected.append((unit_kind_report(u), u))
    expected += [(ReportKind.MAJOR, m) for m in Major.objects.filter(institution=institution, active=True)
                 .order_by("code")]
    expected += [(ReportKind.COURSE, c) for c in Course.objects.filter(institution=institution, active=True,
                                                                        pk__in=led).order_by("code")]
    out = []
    for kind, entity in expected:
        report = reports.get((kind, key_of(kind, entity)))
        out.append(Expected(kind, entity.name, report, report.due if report and report.due else due, entity))
    return out


def due_year(today: datetime.date | None = None) -> int:
    """The academic year whose reports are due or just due: the latest one whose deadline (`default_due`) falls
    in this calendar year or before. In December that is the year whose deadline has just passed — not the
    coming year, whose reports nobody can be late with yet."""
    today = today or timezone.localdate()
    year = today.year
    while default_due(year).year > today.year:
        year -= 1
    return year


def my_expected(user: Any, institution: Any, year: int) -> list[Expected]:
    """The reports `year` expects of the entities this user writes for (`creatable`): a unit head their
    units', majors' and courses'; a major or course leader their own; the institution-wide roles the school's
    (the rest of the school is theirs to watch, on the status page, not to write)."""
    access = access_for(user)
    if access.is_superuser or access.has_role(WRITERS | WATCHERS, institution.pk):
        if not (access.is_superuser or access.has_role(WRITERS, institution.pk)):
            return []
        report = (Report.objects.filter(institution=institution, kind=ReportKind.SCHOOL, period__start__year=year,
                                        period__start__month=9).order_by("-version").first())
        return [Expected(ReportKind.SCHOOL, institution.name, report,
                         report.due if report and report.due else default_due(year), institution)]
    keys = {value for value, _, _ in creatable(user, institution)}
    if not keys:
        return []
    return [row for row in status_rows(institution, year) if f"{row.kind}:{row.entity.pk}" in keys]


def awaiting_signature(user: Any, institution: Any) -> QuerySet[Report]:
    """Reports waiting for this user's signature in the sign-off chain (`services.may_sign_head` and
    `may_sign_president` as one filter): a unit head the submitted reports of their units and of the majors,
    courses and teachers in them; the quality office the submitted school report; a school leader the school
    report its head has signed."""
    from django.db.models import Q

    access = access_for(user)
    qs = reports_for(user, institution)
    if access.is_superuser:
        return qs.filter(state__in=[ReportState.SUBMITTED, ReportState.HEAD_SIGNED])
    mine = Q(pk__in=[])
    if access.has_role({Role.QUALITY_OFFICE}, institution.pk):
        mine |= Q(kind=ReportKind.SCHOOL, state=ReportState.SUBMITTED)
    if access.has_role({Role.SCHOOL_LEADER}, institution.pk):
        mine |= Q(kind=ReportKind.SCHOOL, state=ReportState.HEAD_SIGNED)
    units = answered_units(access)
    if units:
        mine |= Q(state=ReportState.SUBMITTED) & (
            Q(kind__in=[ReportKind.COLLEGE, ReportKind.DEPARTMENT], unit_id__in=units)
            | Q(kind=ReportKind.MAJOR, major__unit_id__in=units) | Q(kind=ReportKind.COURSE, course__unit_id__in=units)
            | Q(kind=ReportKind.TEACHER, teacher__unit_id__in=units))
    return qs.filter(mine).order_by("reported_at", "pk")


def templates_for(user: Any, institution: Any) -> QuerySet[WordTemplate]:
    return WordTemplate.objects.restrict(user, VIEW).filter(institution=institution).select_related("uploaded_by")


STATES = ReportState.choices
