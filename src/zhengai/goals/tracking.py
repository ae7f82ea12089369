"""Progress tracking of the goal chain: the task warnings sweep (临期 and 逾期 warnings in the monitoring inbox),
the yearly calendar (工作日历) with its reminders, and the monthly completion board (部门工作任务完成情况一览表,
seed 003 §四(一)3).

The sweep is idempotent: it may run every hour (`zhengai goals sweep`, started by scripts/run.sh) and never
raises a warning twice — monitoring's services keep one open warning of each kind per task."""

from __future__ import annotations

import calendar as cal
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from zhengai.core.choices import INSTITUTION_WIDE_ROLES, Role
from zhengai.core.models import Institution, Membership
from zhengai.core.periods import academic_year_of, ensure_academic_year
from zhengai.core.permissions import VIEW, access_for
from zhengai.core.services import save_object
from zhengai.monitoring import services as monitoring
from zhengai.monitoring.choices import OPEN_STATES, Severity, WarningKind, WarningState
from zhengai.monitoring.models import Notification, Warning
from zhengai.org.entities import ENTITY_FIELDS, answered_units
from zhengai.org.models import Unit

from .choices import OPEN_TASK_STATES, TaskKind, TaskState
from .models import CalendarEvent, CalendarReminder, PlanTask, ProgressUpdate

TASK_KINDS = [WarningKind.TASK_COUNTDOWN, WarningKind.TASK_OVERDUE]
OVERDUE_REASON = "已逾期，转为逾期预警"


def reverse_or_blank(name: str, *args: Any) -> str:
    """A page's URL, or "" while the page does not exist yet (the goal chain's pages arrive one by one)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# ---- task warnings ------------------------------------------------------------------------------------

def expected_progress(task: PlanTask, today: datetime.date) -> float:
    """The share (0–100) of the task's time from its start (or 1 January of the plan's year) to its due date
    that has passed: a task whose progress is below it is behind schedule."""
    start = task.start or datetime.date(task.plan.year, 1, 1)
    if task.due is None or today <= start:
        return 0.0
    if task.due <= start:
        return 100.0
    return min(100.0, 100.0 * (today - start).days / (task.due - start).days)


def is_behind(task: PlanTask, today: datetime.date) -> bool:
    return task.progress < expected_progress(task, today)


def _warning_fields(task: PlanTask, periods: dict[int, Any]) -> dict[str, Any]:
    plan = task.plan
    year = academic_year_of(task.due)
    if year not in periods:
        periods[year] = ensure_academic_year(year)
    return {
        "title": f"任务“{task.title}”",
        "url": reverse_or_blank("goals:onepage_detail", plan.pk),
        "due": task.due,
        "period": periods[year],
        "level": plan.level,
        "entity_key": plan.entity_key,
        "entity": {f"{f}_id": getattr(plan, f"{f}_id") for f in ENTITY_FIELDS.values()},
        "assigned_unit": task.unit,
        "owners": [u for u in (task.owner_id, plan.leader_id) if u is not None],
    }


@transaction.atomic
def sweep(*, institution: Any, today: datetime.date | None = None) -> dict[str, int]:
    """Raise, convert and settle the task warnings of one institution as of `today`.

    * a task done or cancelled: its open task warnings are resolved;
    * an open task past its due date: one overdue warning (严重); its countdown warning is closed;
    * an open task due within the policy's countdown days and behind schedule: one countdown warning (一般);
    * a warning whose condition no longer holds (the due date moved, the progress caught up) is resolved.
    """
    today = today or timezone.localdate()
    policy = monitoring.policy_for(institution)
    ct = ContentType.objects.get_for_model(PlanTask)
    counts = {"countdown": 0, "overdue": 0, "closed": 0, "resolved": 0}
    open_warnings: dict[tuple[str, int], Warning] = {
        (w.kind, w.subject_id): w for w in Warning.objects.filter(
            institution=institution, subject_type=ct, kind__in=TASK_KINDS, state__in=OPEN_STATES)}
    warned_ids = {subject_id for _, subject_id in open_warnings}
    tasks = {t.pk: t for t in PlanTask.objects.filter(
        Q(state__in=OPEN_TASK_STATES, due__isnull=False) | Q(pk__in=warned_ids),
        institution=institution).select_related("plan", "unit")}
    periods: dict[int, Any] = {}
    # Tasks deleted since their warning was raised: nothing left to chase.
    for subject_id in warned_ids - set(tasks):
        counts["closed"] += monitoring.subject_warnings_settle(
            subject_type=ct, subject_id=subject_id, state=WarningState.CLOSED, reason="任务已删除", kinds=TASK_KINDS)
    for task in tasks.values():
        countdown = open_warnings.get((WarningKind.TASK_COUNTDOWN, task.pk))
        overdue = open_warnings.get((WarningKind.TASK_OVERDUE, task.pk))
        if task.state not in OPEN_TASK_STATES:
            reason = "任务已完成，预警解除" if task.state == TaskState.DONE else "任务已取消，预警解除"
            counts["resolved"] += monitoring.subject_warnings_settle(
                subject=task, state=WarningState.RESOLVED, reason=reason, kinds=TASK_KINDS)
            continue
        if task.due is None:
            counts["resolved"] += monitoring.subject_warnings_settle(
                subject=task, state=WarningState.RESOLVED, reason="任务已取消完成时限，预警解除", kinds=TASK_KINDS)
            continue
        if today > task.due:
            if countdown is not None:
                counts["closed"] += monitoring.subject_warnings_settle(
                    subject=task, state=WarningState.CLOSED, reason=OVERDUE_REASON,
                    kinds=[WarningKind.TASK_COUNTDOWN])
            if overdue is None or overdue.due != task.due:
                _, created = monitoring.subject_warning_raise(
                    institution=institution, kind=WarningKind.TASK_OVERDUE, subject=task,
                    severity=Severity.SERIOUS, **_warning_fields(task, periods))
                counts["overdue"] += int(created)
            continue
        if overdue is not None:
            counts["resolved"] += monitoring.subject_warnings_settle(
                subject=task, state=WarningState.RESOLVED, reason="完成时限已调整，不再逾期",
                kinds=[WarningKind.TASK_OVERDUE])
        near = (task.due - today).days <= policy.countdown_days
        if near and is_behind(task, today):
            if countdown is None or countdown.due != task.due:
                _, created = monitoring.subject_warning_raise(
                    institution=institution, kind=WarningKind.TASK_COUNTDOWN, subject=task,
                    severity=Severity.NORMAL, **_warning_fields(task, periods))
                counts["countdown"] += int(created)
        elif countdown is not None:
            counts["resolved"] += monitoring.subject_warnings_settle(
                subject=task, state=WarningState.RESOLVED, reason="进度已跟上或时限已调整，预警解除",
                kinds=[WarningKind.TASK_COUNTDOWN])
    return counts


def sweep_all(today: datetime.date | None = None) -> dict[str, dict[str, int]]:
    """The task sweep for every institution."""
    return {i.code: sweep(institution=i, today=today) for i in Institution.objects.order_by("code")}


def run_daily(*, institution: Any, today: datetime.date | None = None,
              now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything the hourly command does for one institution: task warnings, 督办 of every unhandled warning
    (QC-point and task alike), calendar reminders."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    return {"tasks": sweep(institution=institution, today=today),
            "escalation": monitoring.warnings_escalate(institution=institution, now=now),
            "reminders": calendar_remind(institution=institution, today=today)}


# ---- the yearly calendar ------------------------------------------------------------------------------

# The default dates of the diagnosis year. Seed 002 §五(二) (and its 表10) sets January, March, June and
# December; seed 001 §七 (进度安排) ends each round with "体系运行自诊……形成质量报告" and "撰写内部质量体系
# 建设运行报告并将自主改进情况写入质量年度报告" but names no month for it: we put the self-diagnosis reports at
# the end of November, so they are in hand before December's internal review reads them.
DEFAULT_EVENTS: list[dict[str, Any]] = [
    {"name": "年度重点工作任务分解", "month": 1, "day": 31, "remind_days": 14,
     "roles": [Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.UNIT_HEAD],
     "description": "每年1月份制定学院年度重点工作任务分解表（遵循SMART原则，分解为职能部门负责的三级目标任务）。"},
    {"name": "一页纸工作计划报表", "month": 3, "day": 31, "remind_days": 14,
     "roles": [Role.QUALITY_OFFICE, Role.UNIT_HEAD, Role.MAJOR_LEADER, Role.COURSE_LEADER, Role.TEACHER,
               Role.COUNSELLOR],
     "description": "每年3月份各部门结合年度重点工作任务分解表制定一页纸年度工作计划报表；各系（部）制定专业、课程、"
                    "教师、学生四个层面一页纸工作计划报表，差错率小于5%，覆盖率达100%。"},
    {"name": "诊改中期检查汇报会", "month": 6, "day": 30, "remind_days": 14,
     "roles": [Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.UNIT_HEAD],
     "description": "每年6月份围绕一页纸工作计划报表的推进情况召开内部质量保证体系诊断与改进中期检查汇报会。"},
    {"name": "自我诊断报告", "month": 11, "day": 30, "remind_days": 21,
     "roles": [Role.QUALITY_OFFICE, Role.UNIT_HEAD, Role.MAJOR_LEADER, Role.COURSE_LEADER, Role.TEACHER],
     "description": "体系运行自诊，形成学校、专业、课程、教师、学生各层面自我诊断报告，自主改进情况写入质量年度报告。"},
    {"name": "校内复核", "month": 12, "day": 31, "remind_days": 14,
     "roles": [Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.UNIT_HEAD],
     "description": "每年12月份开展内部质量保证体系诊断与改进校内复核，形成诊断改进结论，编制校内复核报告。"},
]


def event_date(event: CalendarEvent, year: int) -> datetime.date:
    """The event's date in `year` (29 February falls on the 28th in a common year)."""
    return datetime.date(year, event.month, min(event.day, cal.monthrange(year, event.month)[1]))


def _check_event(data: dict[str, Any]) -> None:
    errors = {}
    month, day = data.get("month"), data.get("day")
    if month and day and day > cal.monthrange(2024, month)[1]:  # a leap year: 29 February is allowed
        errors["day"] = f"{month}月没有{day}日"
    unknown = set(data.get("roles") or []) - set(Role.values)
    if unknown:
        errors["roles"] = f"未知角色：{'、'.join(sorted(unknown))}"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def calendar_install_defaults(*, actor: Any, institution: Any) -> int:
    """Create the default dates the institution does not have yet (matched by name); returns how many."""
    have = set(CalendarEvent.objects.filter(institution=institution).values_list("name", flat=True))
    created = 0
    for order, spec in enumerate(DEFAULT_EVENTS, start=1):
        if spec["name"] in have:
            continue
        data = {**spec, "roles": [str(r) for r in spec["roles"]], "order": order}
        save_object(actor=actor, obj=CalendarEvent(institution=institution), data=data, note="默认工作日历")
        created += 1
    return created


@transaction.atomic
def calendar_event_save(*, actor: Any, event: CalendarEvent, data: dict[str, Any]) -> CalendarEvent:
    """Add or change a calendar event (date, reminder days, roles, active)."""
    _check_event({"month": data.get("month", event.month), "day": data.get("day", event.day),
                  "roles": data.get("roles", event.roles)})
    event, _ = save_object(actor=actor, obj=event, data=data)
    return event


@transaction.atomic
def calendar_remind(*, institution: Any, today: datetime.date | None = None) -> int:
    """Notify every active member holding one of an event's roles when today is within the event's reminder
    window; once per event and year (a CalendarReminder row). Returns the number of notifications sent."""
    today = today or timezone.localdate()
    sent = 0
    url = reverse_or_blank("goals:calendar")
    for event in CalendarEvent.objects.filter(institution=institution, active=True):
        # The window of an early-January date can start in December: look at this year's date and next.
        for year in (today.year, today.year + 1):
            date = event_date(event, year)
            if not 0 <= (date - today).days <= event.remind_days:
                continue
            reminder, created = CalendarReminder.objects.get_or_create(event=event, year=year)
            if not created:
                continue
            users = set(Membership.objects.filter(institution=institution, active=True, user__is_active=True,
                                                  role__in=event.roles or []).values_list("user_id", flat=True))
            Notification.objects.bulk_create([
                Notification(user_id=u, institution=institution, url=url,
                             text=f"工作日历提醒：{date.month}月{date.day}日前完成“{event.name}”")
                for u in sorted(users)])
            reminder.recipients = len(users)
            reminder.save(update_fields=["recipients"])
            sent += len(users)
    return sent


def calendar_events(user: Any, institution: Any, today: datetime.date
                    ) -> tuple[list[dict[str, Any]], CalendarEvent | None]:
    """The year's events the user may see (every member sees the calendar) with their dates, and the next one
    to come (this year's or, after 31 December's, next year's first)."""
    rows = []
    upcoming = None
    for event in (CalendarEvent.objects.restrict(user).filter(institution=institution)
                  .order_by("month", "day", "order")):
        date = event_date(event, today.year)
        rows.append({"event": event, "date": date, "past": date < today, "days": (date - today).days})
        if event.active and date >= today and upcoming is None:
            upcoming = event
    if upcoming is None:
        upcoming = next((r["event"] for r in rows if r["event"].active), None)
    return rows, upcoming


# ---- the monthly completion board ---------------------------------------------------------------------

BOARD_MONTHS = [1, 2, 3, 4, 5, 6, 9, 10, 11, 12]  # the seed's columns: July and August are the summer break
BOARD_ROLES = {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}


def board_tasks(user: Any, institution: Any, year: int, *, unit: Any = None, kind: str = "", mine: bool = False):
    """The tasks of `year`'s one-page plans a user's board shows: all units for the quality office, school
    leaders and supervisors; a unit head their unit and its sub-units; anyone else the tasks they own.
    `mine`: only the tasks the user owns (what the home page's 本月待填进展 counts among)."""
    access = access_for(user)
    # The gate's view includes the tasks a person owns in a plan they do not otherwise see.
    qs = PlanTask.objects.restrict(user, VIEW).filter(institution=institution, plan__year=year)
    if not (access.is_superuser or access.has_role(BOARD_ROLES, institution.pk)):
        qs = qs.filter(Q(unit_id__in=answered_units(access)) | Q(owner_id=user.pk))
    if unit is not None:
        qs = qs.filter(unit=unit)
    if kind in TaskKind.values:
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(owner_id=user.pk)
    return qs


def board_units(user: Any, institution: Any):
    """The units a user may pick on the board (those of the tasks they may see)."""
    access = access_for(user)
    qs = Unit.objects.restrict(user).filter(institution=institution, active=True)
    if not (access.is_superuser or access.has_role(BOARD_ROLES | INSTITUTION_WIDE_ROLES, institution.pk)):
        qs = qs.filter(pk__in=answered_units(access))
    return qs.order_by("code")


@dataclass
class BoardRow:
    task: PlanTask
    cells: list[dict[str, Any]]
    late: bool
    owner: str


@dataclass
class BoardGroup:
    unit: Any
    rows: list[BoardRow] = field(default_factory=list)


def _cell(task: PlanTask, month: int, year: int, reported: dict[int, int], today: datetime.date) -> dict[str, Any]:
    planned = month in (task.months or [])
    month_over = datetime.date(year, month, cal.monthrange(year, month)[1]) < today
    if month in reported:
        return {"text": f"{reported[month]}%", "state": "reported", "planned": planned}
    if planned and month_over and task.state != TaskState.CANCELLED:
        return {"text": "未报", "state": "missing", "planned": True}
    if planned:
        return {"text": "计划", "state": "planned", "planned": True}
    return {"text": "", "state": "", "planned": False}


def is_late(task: PlanTask, today: datetime.date) -> bool:
    if task.due is None or task.state == TaskState.CANCELLED:
        return False
    if task.state == TaskState.DONE:
        return task.completed_on is not None and task.completed_on > task.due
    return today > task.due


def board_rows(tasks, year: int, today: datetime.date) -> list[BoardGroup]:
    """Rows grouped by department, each month cell the progress reported that month (two queries)."""
    tasks = list(tasks.select_related("unit", "owner", "plan").order_by("unit__code", "kind", "plan", "number"))
    reports: dict[int, dict[int, int]] = {}
    for task_id, month, progress in ProgressUpdate.objects.filter(
            task_id__in=[t.pk for t in tasks], year=year).values_list("task_id", "month", "progress"):
        reports.setdefault(task_id, {})[month] = progress
    groups: list[BoardGroup] = []
    for task in tasks:
        if not groups or groups[-1].unit != task.unit:
            groups.append(BoardGroup(unit=task.unit))
        owner = task.owner.display_name if task.owner_id else task.owner_name
        groups[-1].rows.append(BoardRow(
            task=task, late=is_late(task, today), owner=owner,
            cells=[_cell(task, m, year, reports.get(task.pk, {}), today) for m in BOARD_MONTHS]))
    return groups


def board_summary(tasks, today: datetime.date) -> list[dict[str, Any]]:
    """Per department (one aggregate query): tasks (cancelled ones left out), done, done on time, late
    (done after the due date, or still open past it), completion %."""
    done = Q(state=TaskState.DONE)
    rows = (tasks.exclude(state=TaskState.CANCELLED).order_by().values("unit", "unit__name", "unit__code")
            .annotate(total=Count("pk"), done=Count("pk", filter=done),
                      on_time=Count("pk", filter=done & (Q(due__isnull=True) | Q(completed_on__isnull=True)
                                                         | Q(completed_on__lte=F("due")))),
                      late=Count("pk", filter=(done & Q(completed_on__gt=F("due")))
                                 | (Q(state__in=OPEN_TASK_STATES) & Q(due__lt=today))))
            .order_by("unit__code"))
    result = []
    for r in rows:
        r["rate"] = round(100 * r["done"] / r["total"], 1) if r["total"] else None
        result.append(r)
    return result
