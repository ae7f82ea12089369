"""The lesson-grain small loop (小循环): a student whose absences in an offering pass the line raises one 缺勤预警
to the people who answer for the student (the class's counsellor and head teacher, by the entity kernel) and to
the offering's teachers, in monitoring's warning inbox; it resolves when a correction brings the student back
under the line. The counts come from statedata's running totals, so a roll call checks its roster in a few
queries instead of recounting the term."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from zhengai.monitoring import services as monitoring
from zhengai.monitoring.choices import OPEN_STATES, Severity, WarningKind, WarningState
from zhengai.monitoring.models import Warning
from zhengai.org.choices import Level
from zhengai.org.entities import entity_key, responsible_people
from zhengai.statedata.models import AttendanceTotal

from .models import Enrolment, Offering

# The line: this many absences, or this share of the lessons recorded so far (once `limit` lessons were
# recorded — one absence in the first lesson is not yet a pattern). A deployment may set its own.
DEFAULT_LINE = {"limit": 3, "share": Fraction(1, 3)}


def absence_line() -> dict[str, Any]:
    return {**DEFAULT_LINE, **getattr(settings, "ZHENGAI_ABSENCE_LINE", {})}


def over_line(absent: int, recorded: int, line: dict[str, Any] | None = None) -> bool:
    line = line or absence_line()
    if absent >= line["limit"]:
        return True
    return recorded >= line["limit"] and absent > 0 and Fraction(absent, recorded) >= Fraction(line["share"])


def absence_check(*, offering: Offering, student_ids: Iterable[int]) -> dict[str, int]:
    """Raise or resolve the absence warnings of these students in this offering; returns the counts."""
    ids = list(student_ids)
    enrolments = {e.student_id: e for e in Enrolment.objects.filter(offering=offering, student_id__in=ids)
                  .select_related("student")}
    counts = {(t.student_id): (t.absent, t.total) for t in AttendanceTotal.objects.filter(
        course_id=offering.course_id, period_id=offering.period_id, student_id__in=ids)}
    enrolment_type = ContentType.objects.get_for_model(Enrolment)
    open_ids = set(Warning.objects.filter(kind=WarningKind.ABSENCE, state__in=OPEN_STATES,
                                          subject_type=enrolment_type,
                                          subject_id__in=[e.pk for e in enrolments.values()])
                   .values_list("subject_id", flat=True))
    line = absence_line()
    over = [e for sid, e in enrolments.items() if over_line(*counts.get(sid, (0, 0)), line)]
    under = [e for e in enrolments.values() if e.pk in open_ids and e not in over]
    raised = resolved = 0
    new = [e for e in over if e.pk not in open_ids]
    if new:
        people = responsible_people(offering.institution, Level.STUDENT, [e.student_id for e in new])
        teachers = set(offering.teachers.exclude(user=None).values_list("user_id", flat=True))
        url = reverse("teaching:offering_detail", args=[offering.pk])
        for enrolment in new:
            absent, recorded = counts.get(enrolment.student_id, (0, 0))
            student = enrolment.student
            _, created = monitoring.subject_warning_raise(
                institution=offering.institution, kind=WarningKind.ABSENCE, subject=enrolment,
                title=f"{student.name}（{student.code}）在{offering.name}缺勤{absent}次（已记{recorded}次课）",
                severity=Severity.NORMAL, period=offering.period, level=Level.STUDENT,
                entity_key=entity_key(Level.STUDENT, student.pk), entity={"student_id": student.pk}, url=url,
                owners=people.get(student.pk, set()) | teachers)
            raised += int(created)
    for enrolment in under:
        resolved += monitoring.subject_warnings_settle(subject=enrolment, state=WarningState.RESOLVED,
                                                       reason="缺勤次数已回到预警线以下",
                                                       kinds=[WarningKind.ABSENCE])
    return {"raised": raised, "resolved": resolved}


def _pairs(record: Any) -> set[tuple[int, int]]:
    """(student id, course id) of the attendance rows an import created or changed, from its row changes
    (their key text: "student_id=…,course_id=…,lesson_date=…,lesson_no=…")."""
    pairs = set()
    for key in record.row_changes.values_list("row_key", flat=True).iterator():
        parts = dict(part.split("=", 1) for part in key.split(",") if "=" in part)
        if parts.get("student_id", "").isdigit() and parts.get("course_id", "").isdigit():
            pairs.add((int(parts["student_id"]), int(parts["course_id"])))
    return pairs


def on_import_committed(sender: type, institution: Any, periods: list[Any], record: Any = None,
                        **kwargs: Any) -> None:
    """After a file or API import of attendance: check the absence line of the students whose rows changed,
    in the offerings of their courses — only those, so a correction file does not rescan the term."""
    from zhengai.statedata.models import Attendance

    if sender is not Attendance or record is None:
        return
    by_course: dict[int, set[int]] = {}
    for student_id, course_id in _pairs(record):
        by_course.setdefault(course_id, set()).add(student_id)
    if not by_course:
        return
    for offering in (Offering.objects.filter(institution=institution, period__in=periods,
                                             course_id__in=list(by_course)).select_related("institution", "period")):
        absence_check(offering=offering, student_ids=by_course[offering.course_id])
