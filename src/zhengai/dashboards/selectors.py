"""What the home page shows each person: their scope's objects and counts, read through the gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from zhengai.core.choices import CLASS_ROLES, INSTITUTION_WIDE_ROLES, Role
from zhengai.core.models import AuditEntry, Institution
from zhengai.core.permissions import VIEW, access_for
from zhengai.org.models import Course, Klass, Major, Student, Teacher, Unit


def _link(name: str, pk: int) -> str:
    return reverse(f"org:{name}_detail", args=[pk])


def institution_counts(user: Any, institution: Institution) -> list[dict[str, Any]]:
    """Active units, majors, courses, teachers, classes and students the user may see."""
    rows = []
    for model, url_name in ((Unit, "unit"), (Major, "major"), (Course, "course"), (Teacher, "teacher"),
                            (Klass, "klass"), (Student, "student")):
        qs = model.objects.restrict(user, VIEW).filter(institution=institution, active=True)
        rows.append({"label": model._meta.verbose_name, "count": qs.count(),
                     "url": reverse(f"org:{url_name}_list")})
    return rows


def scoped_cards(user: Any, institution: Institution) -> list[dict[str, Any]]:
    """One card per object the user is responsible for (their unit, major, course, class, own record)."""
    access = access_for(user)
    cards: list[dict[str, Any]] = []
    unit_ids = access.scoped_ids(Role.UNIT_HEAD, Unit)
    for unit in (Unit.objects.restrict(user, VIEW).filter(pk__in=unit_ids, institution=institution)
                 .annotate(n_majors=Count("majors", filter=Q(majors__active=True), distinct=True),
                           n_teachers=Count("teachers", filter=Q(teachers__active=True), distinct=True))):
        n_students = Student.objects.restrict(user, VIEW).filter(major__unit=unit, active=True).count()
        cards.append({"title": f"本部门：{unit.name}", "url": _link("unit", unit.pk),
                      "facts": [f"专业 {unit.n_majors} 个", f"教师 {unit.n_teachers} 人", f"在册学生 {n_students} 人"]})
    for major in Major.objects.restrict(user, VIEW).filter(
            pk__in=access.scoped_ids(Role.MAJOR_LEADER, Major), institution=institution).annotate(
            n_classes=Count("classes", distinct=True), n_courses=Count("courses", distinct=True)):
        n_students = Student.objects.restrict(user, VIEW).filter(major=major, active=True).count()
        cards.append({"title": f"我负责的专业：{major.name}", "url": _link("major", major.pk),
                      "facts": [f"班级 {major.n_classes} 个", f"课程 {major.n_courses} 门", f"学生 {n_students} 人"]})
    for course in Course.objects.restrict(user, VIEW).filter(
            pk__in=access.scoped_ids(Role.COURSE_LEADER, Course), institution=institution
    ).prefetch_related("teachers"):
        cards.append({"title": f"我负责的课程：{course.name}", "url": _link("course", course.pk),
                      "facts": [course.get_course_type_display(),
                                f"{course.hours} 学时（实践 {course.practice_hours}）",
                                "授课教师：" + ("、".join(t.name for t in course.teachers.all()) or "未设置")]})
    for klass in Klass.objects.restrict(user, VIEW).filter(
            pk__in=access.scoped_ids(CLASS_ROLES, Klass), institution=institution).select_related("major"):
        n = Student.objects.restrict(user, VIEW).filter(klass=klass, active=True).count()
        cards.append({"title": f"我带的班级：{klass.name}", "url": _link("klass", klass.pk),
                      "facts": [klass.major.name, f"{klass.cohort}级", f"学生 {n} 人"]})
    teacher = Teacher.objects.restrict(user, VIEW).filter(user=user, institution=institution).first()
    if teacher is not None:
        courses = list(teacher.courses.restrict(user, VIEW).filter(active=True)[:8])
        cards.append({"title": f"我的教师档案：{teacher.name}", "url": _link("teacher", teacher.pk),
                      "facts": [teacher.get_title_display(), "双师素质" if teacher.dual_qualified else "非双师",
                                "任教课程：" + ("、".join(c.name for c in courses) or "暂无")]})
    student = Student.objects.restrict(user, VIEW).filter(user=user, institution=institution).select_related(
        "major", "klass").first()
    if student is not None:
        cards.append({"title": f"我的学籍：{student.name}", "url": _link("student", student.pk),
                      "facts": [student.major.name, student.klass.name, student.get_status_display()]})
    return cards


def sees_whole_institution(user: Any, institution: Institution) -> bool:
    access = access_for(user)
    return access.is_superuser or access.has_role(INSTITUTION_WIDE_ROLES, institution.pk)


def recent_changes(user: Any, institution: Institution, limit: int = 8) -> list[AuditEntry]:
    return list(AuditEntry.objects.restrict(user, VIEW).filter(institution=institution)
                .select_related("actor", "object_type")[:limit])


def framework_summary(institution: Institution) -> dict[str, Any] | None:
    """The institution's adopted diagnosis table with its counts, or None when none is adopted yet."""
    from zhengai.frameworks.selectors import adopted_framework, framework_stats

    framework = adopted_framework(institution)
    if framework is None:
        return None
    return {"framework": framework, "stats": framework_stats(framework)}




def todo(user: Any, institution: Institution) -> dict[str, Any]:
    """The person's open tasks, the late ones counted (their warnings: `warnings_by_point`)."""
    from zhengai.goals.choices import OPEN_TASK_STATES
    from zhengai.goals.models import PlanTask

    tasks = (PlanTask.objects.restrict(user).filter(institution=institution, owner_id=user.pk,
                                                    state__in=OPEN_TASK_STATES)
             .select_related("plan").order_by(F("due").asc(nulls_last=True), "pk"))
    today = timezone.localdate()
    return {"tasks": list(tasks[:6]), "tasks_count": tasks.count(),
            "tasks_late": tasks.filter(due__lt=today).count(), "today": today}


# ---- the person's own objects and next actions --------------------------------------------------------

def my_portraits(user: Any, institution: Institution) -> list[tuple[str, str]]:
    """(label, url) of the portrait (画像) of the person's own teacher or student record: one click from the home
    page and the menu."""
    from zhengai.standards.choices import Level

    from .cockpit import entity_url

    access = access_for(user)
    cached = getattr(access, "_portraits", None)  # the menu and the home page both ask, once per request
    if cached is not None and cached[0] == institution.pk:
        return cached[1]
    links = []
    for model, level in ((Teacher, Level.TEACHER), (Student, Level.STUDENT)):
        for pk in model.objects.restrict(user, VIEW).filter(user=user, institution=institution).values_list(
                "pk", flat=True)[:1]:
            links.append(("我的画像", entity_url(level, pk)))
    access._portraits = (institution.pk, links[:1])  # type: ignore[attr-defined]
    return links[:1]


def portrait_links(request: Any, institution: Institution) -> list[tuple[str, str]]:
    """The navigation's personal links (registered in `core.context_processors.PERSONAL_LINKS`)."""
    return my_portraits(request.user, institution)


# Roles that answer for an entity's plan and cycle (the school's, a unit's, a major's, a course's, a teacher's,
# a class's): their home pages always show the cycle and progress lines, empty or not.
ANSWERING_ROLES = {Role.SCHOOL_LEADER, Role.QUALITY_OFFICE, Role.UNIT_HEAD, Role.MAJOR_LEADER, Role.COURSE_LEADER,
                   Role.TEACHER, Role.COUNSELLOR}


@dataclass
class Action:
    """One line of the home page's 下一步: what waits, how many, the list that shows exactly those, the first
    few, and what to do when there are none."""

    key: str
    label: str
    count: int
    url: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    empty: str = ""
    late: int = 0


def _url(name: str, query: str = "", *args: Any) -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "")


def next_actions(user: Any, institution: Institution, today: Any = None, limit: int = 5) -> list[Action]:
    """What is this person's to act on now, first: items to review or approve, reports to sign, reports due for
    what they answer for, their cycles' current steps, the month's progress to fill in. Each count is the size
    of the list its link opens (the same selector behind both)."""
    from zhengai.diagnosis.choices import CycleState
    from zhengai.diagnosis.selectors import my_cycles
    from zhengai.goals.models import PLANNERS
    from zhengai.goals.records import REVIEWERS
    from zhengai.goals.selectors import onepages_to_review, progress_due, records_to_review
    from zhengai.reports.selectors import awaiting_signature, due_year, my_expected

    today = today or timezone.localdate()
    access = access_for(user)
    everything = access.is_superuser
    actions: list[Action] = []

    if everything or access.has_role(PLANNERS | {Role.UNIT_HEAD}, institution.pk):
        plans = onepages_to_review(user, institution)
        actions.append(Action(
            "review_plans", "待我审核的一页纸计划", plans.count(), _url("goals:onepage_list", "review=1"),
            [{"text": p.name, "url": _url("goals:onepage_detail", "", p.pk),
              "note": f"{p.submitted_at:%Y-%m-%d} 提交" if p.submitted_at else "已提交"} for p in plans[:limit]],
            "没有等待您审核的一页纸计划。下级提交计划后会出现在这里，打开即可审核通过或退回。"))
    if everything or access.has_role(REVIEWERS, institution.pk):
        items = records_to_review(user, institution)
        actions.append(Action(
            "review_records", "待核查的任务诊改记录", items.count(), _url("goals:record_review_list"),
            [{"text": f"{i.record.task.title}：{i.content}", "url": _url("goals:record_detail", "", i.record.task_id),
              "note": i.get_result_state_display()} for i in items[:limit]],
            "没有待核查的诊改记录。任务负责人填写完成情况后，请在记录页填写学校核查意见。"))
    if everything or access.has_role({Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.UNIT_HEAD}, institution.pk):
        reports = awaiting_signature(user, institution)
        actions.append(Action(
            "sign_reports", "待我签字的自我诊改报告", reports.count(), _url("reports:report_list", "sign=1"),
            [{"text": r.title, "url": _url("reports:report_detail", "", r.pk), "note": r.get_state_display()}
             for r in reports[:limit]],
            "没有等待您签字的报告。报告人签字提交后，报告会在这里等您签字或退回。"))

    year = due_year(today)
    expected = [row for row in my_expected(user, institution, year) if not row.submitted]
    if expected or access.has_role({Role.UNIT_HEAD, Role.MAJOR_LEADER, Role.COURSE_LEADER}, institution.pk):
        late = [row for row in expected if row.late]
        actions.append(Action(
            "reports_due", f"{year}—{year + 1}学年应交的自我诊改报告", len(expected), "",
            [{"text": f"{row.kind_label}：{row.name}",
              "url": (_url("reports:report_detail", "", row.report.pk) if row.report
                      else _url("reports:report_list") + "#create"),
              "note": (f"已逾期（期限 {row.due:%Y-%m-%d}）" if row.late else f"期限 {row.due:%Y-%m-%d}")
              + ("" if row.report else "，尚未编写"), "late": row.late} for row in (late + [
                  r for r in expected if not r.late])[:limit]],
            f"您负责的{year}—{year + 1}学年报告都已提交。", late=len(late)))

    cycles = my_cycles(user, institution).filter(state=CycleState.OPEN).order_by("period__start", "pk")
    n_cycles = cycles.count()
    # The lines below are shown, even empty, to those who run cycles and plans; to others only when not empty
    # (a student, an expert or the data steward has no step to take and no month to report).
    if n_cycles or everything or access.has_role(ANSWERING_ROLES, institution.pk):
        actions.append(Action(
            "cycles", "我的诊改周期（进行中）", n_cycles, _url("diagnosis:cycle_list", "mine=1&state=open"),
            [{"text": str(c), "url": _url("diagnosis:cycle_detail", "", c.pk),
              "note": f"当前步骤：{c.stage.name}" if c.stage_id else "尚未开始"} for c in cycles[:limit]],
            "您没有进行中的诊改周期。质管办按周期模板开启本学年的周期后，您负责对象的周期会出现在这里。"))

    tasks = progress_due(user, institution, today)
    if tasks or everything or access.has_role(ANSWERING_ROLES, institution.pk):
        actions.append(Action(
            "progress", f"{today.month}月待填的任务进展", len(tasks),
            _url("goals:board", f"year={today.year}&mine=1"),
            [{"text": t.title, "url": _url("goals:onepage_task_progress", "", t.pk), "note": t.plan.name}
             for t in tasks[:limit]],
            f"本月没有待填的进展。一页纸计划中由您负责、安排在{today.month}月的任务，需在月底前填报进展。"))
    return actions


def warnings_by_point(user: Any, institution: Institution) -> dict[str, Any]:
    """The person's warnings (`monitoring.selectors.my_warnings`) waiting for them (待处理) counted per QC point
    and, for tasks, per kind — each count with the link to the inbox filtered to exactly those — and the ones
    already in hand (已确认, 整改中) counted by state."""
    from zhengai.monitoring.choices import WarningKind, WarningState
    from zhengai.monitoring.selectors import my_warnings

    base = my_warnings(user, institution).order_by()
    waiting = base.filter(state=WarningState.OPEN)
    mine = _url("monitoring:my_warnings")
    points = [{"label": r["qc_point__name"], "code": r["qc_point__code"], "count": r["n"],
               "url": f"{mine}?mine=1&point={r['qc_point']}&state=open"}
              for r in waiting.filter(qc_point__isnull=False).values("qc_point", "qc_point__name", "qc_point__code")
              .annotate(n=Count("pk")).order_by("-n", "qc_point__code")]
    tasks = [{"label": WarningKind(r["kind"]).label, "count": r["n"],
              "url": f"{mine}?mine=1&kind={r['kind']}&state=open"}
             for r in waiting.filter(qc_point__isnull=True).values("kind").annotate(n=Count("pk")).order_by("kind")]
    in_hand = [{"label": WarningState(r["state"]).label, "count": r["n"],
                "url": f"{mine}?mine=1&state={r['state']}"}
               for r in base.filter(state__in=[WarningState.ACKNOWLEDGED, WarningState.IMPROVING]).values("state")
               .annotate(n=Count("pk")).order_by("state")]
    return {"points": points, "tasks": tasks, "in_hand": in_hand, "total": sum(p["count"] for p in points + tasks),
            "total_url": f"{mine}?mine=1&state=open"}


def school_figures(user: Any, institution: Institution, today: Any = None) -> list[dict[str, Any]]:
    """The school-wide picture for the institution-wide roles, shown after what is theirs to act on: open
    warnings, reports late in the due year, open cycles, plans waiting anywhere — each linked where the role
    may open the list."""
    from zhengai.diagnosis.choices import CycleState
    from zhengai.diagnosis.selectors import cycles_for
    from zhengai.goals.choices import PlanStatus
    from zhengai.goals.selectors import onepages_for
    from zhengai.monitoring.choices import OPEN_STATES, Severity
    from zhengai.monitoring.selectors import warnings_for
    from zhengai.monitoring.views import WIDE as WARNING_LIST_ROLES
    from zhengai.reports.selectors import WATCHERS, due_year, status_rows

    access = access_for(user)

    def may(roles: set[str]) -> bool:
        return access.is_superuser or access.has_role(roles, institution.pk)

    open_all = warnings_for(user, institution).filter(state__in=OPEN_STATES)
    n_open = open_all.count()
    serious = open_all.filter(severity=Severity.SERIOUS).count()
    figures = [{"label": "全校未关闭的预警", "count": n_open, "note": f"其中严重 {serious} 条",
                "url": _url("monitoring:warning_list", "state=open") if may(WARNING_LIST_ROLES) else ""}]
    if may(WATCHERS):
        year = due_year(today)
        late = sum(r.late for r in status_rows(institution, year))
        figures.append({"label": f"{year}—{year + 1}学年逾期未交的报告", "count": late, "note": "",
                        "url": _url("reports:status", f"year={year}")})
    figures.append({"label": "全校进行中的诊改周期", "note": "",
                    "count": cycles_for(user, institution).filter(state=CycleState.OPEN).count(),
                    "url": _url("diagnosis:cycle_list", "state=open")})
    figures.append({"label": "全校已提交待审核的一页纸计划", "note": "",
                    "count": onepages_for(user, institution).filter(status=PlanStatus.SUBMITTED).count(),
                    "url": _url("goals:onepage_list", "status=submitted")})
    return figures
