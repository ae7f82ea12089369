"""What the home page shows each person: their scope's objects and counts, read through the gate."""

from __future__ import annotations

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




def todo(user: Any, institution: Institution, wide: bool) -> dict[str, Any]:
    """What needs the person now: their open warnings and tasks (and, for the wide roles, the school's open count)."""
    from zhengai.goals.choices import OPEN_TASK_STATES
    from zhengai.goals.models import PlanTask
    from zhengai.monitoring.choices import OPEN_STATES, Severity
    from zhengai.monitoring.selectors import my_warnings, warnings_for

    mine = (my_warnings(user, institution).filter(state__in=OPEN_STATES).select_related("qc_point")
            .order_by("-severity", "-raised_at"))
    tasks = (PlanTask.objects.restrict(user).filter(institution=institution, owner_id=user.pk,
                                                    state__in=OPEN_TASK_STATES)
             .select_related("plan").order_by(F("due").asc(nulls_last=True), "pk"))
    today = timezone.localdate()
    result: dict[str, Any] = {"mine": list(mine[:6]), "mine_count": mine.count(),
                              "tasks": list(tasks[:6]), "tasks_count": tasks.count(),
                              "tasks_late": tasks.filter(due__lt=today).count(), "today": today}
    if wide:
        open_all = warnings_for(user, institution).filter(state__in=OPEN_STATES)
        result["all_count"] = open_all.count()
        result["serious_count"] = open_all.filter(severity=Severity.SERIOUS).count()
    return result
