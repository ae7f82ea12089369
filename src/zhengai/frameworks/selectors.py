"""Reads of the frameworks app: counts in SQL, the tree in a fixed number of queries, the gate for users."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from zhengai.core.permissions import VIEW, get_object_for_user

from .choices import LEVELS
from .models import HEADER_FIELDS, Adoption, Element, Framework, Point, Project, Task

# The relation from a framework down to each level, for counting.
_PATHS = {
    "projects": "projects",
    "elements": "projects__elements",
    "points": "projects__elements__points",
    "tasks": "projects__elements__points__tasks",
}


def with_counts(queryset: QuerySet[Framework]) -> QuerySet[Framework]:
    """Frameworks annotated with n_projects, n_elements, n_points, n_tasks (one query for a whole list)."""
    return queryset.annotate(**{f"n_{key}": Count(path, distinct=True) for key, path in _PATHS.items()})


def framework_stats(framework: Framework) -> dict[str, Any]:
    """{"projects": n, "elements": n, "points": n, "tasks": n, "declared": {...}}, counted by the database."""
    one = with_counts(Framework.objects.filter(pk=framework.pk))
    counts = one.values(*(f"n_{key}" for key in _PATHS)).get()
    return {**{key: counts[f"n_{key}"] for key in _PATHS}, "declared": dict(framework.declared)}


def count_differences(found: dict[str, int], declared: dict[str, int], verb: str = "有") -> list[str]:
    """A plain sentence for each level whose declared count differs from the count found, such as
    "表中声明37个诊断点，实际导入38个"."""
    return [f"表中声明{declared[key]}个{label}，实际{verb}{found[key]}个"
            for key, label in LEVELS if key in declared and declared[key] != found[key]]


def framework_tree(framework: Framework, institution: Any = None,
                   applicable_only: bool = True) -> dict[str, Any]:
    """The table as projects → elements → points → tasks, with counts per level.

    With an institution and `applicable_only`, points whose mark does not apply there (`*` at a newly
    founded college, `**` below provincial demonstration level) are left out, and so are their counts.
    Five queries whatever the size of the table.
    """
    filtering = institution is not None and applicable_only
    marks = institution.applicable_marks if filtering else None
    point_q = Q(applicability__in=marks) if filtering else Q()

    def under(prefix: str) -> Q:
        return Q(**{f"{prefix}applicability__in": marks}) if filtering else Q()

    tasks = Task.objects.order_by("order", "pk")
    points = (Point.objects.filter(point_q).annotate(n_tasks=Count("tasks"))
              .prefetch_related(Prefetch("tasks", tasks)).order_by("order", "pk"))
    elements = (Element.objects
                .annotate(n_points=Count("points", filter=under("points__"), distinct=True),
                          n_tasks=Count("points__tasks", filter=under("points__"), distinct=True))
                .prefetch_related(Prefetch("points", points)).order_by("order", "pk"))
    projects = list(
        Project.objects.filter(framework=framework)
        .annotate(n_elements=Count("elements", distinct=True),
                  n_points=Count("elements__points", filter=under("elements__points__"), distinct=True),
                  n_tasks=Count("elements__points__tasks", filter=under("elements__points__"), distinct=True))
        .prefetch_related(Prefetch("elements", elements)).order_by("order", "pk")
    )
    shown = {
        "projects": len(projects),
        "elements": sum(p.n_elements for p in projects),
        "points": sum(p.n_points for p in projects),
        "tasks": sum(p.n_tasks for p in projects),
    }
    return {"framework": framework, "projects": projects, "counts": shown, "filtered": filtering,
            "marks": marks or ["", "*", "**"]}


def framework_data(framework: Framework) -> dict[str, Any]:
    """The table as a dict in the built-in JSON layout (plus each point's `added_by_institution`), so it
    can be copied, exported and compared; four queries."""
    data: dict[str, Any] = {name: getattr(framework, name) for name in HEADER_FIELDS}
    data.update(declared=dict(framework.declared), notes=list(framework.notes), **framework.extra)
    projects = {p.pop("id"): {**p, "elements": []}
                for p in Project.objects.filter(framework=framework).order_by("order", "pk")
                .values("id", "number", "name", "alt_names")}
    elements: dict[int, dict[str, Any]] = {}
    for e in (Element.objects.filter(project__framework=framework).order_by("order", "pk")
              .values("id", "project_id", "number", "name", "alt_names")):
        pk, parent = e.pop("id"), e.pop("project_id")
        elements[pk] = {**e, "points": []}
        projects[parent]["elements"].append(elements[pk])
    points: dict[int, dict[str, Any]] = {}
    for pt in (Point.objects.filter(element__project__framework=framework).order_by("order", "pk")
               .values("id", "element_id", "number", "name", "requirement", "indicators", "state_tables",
                       "applicability", "added_by_institution")):
        pk, parent = pt.pop("id"), pt.pop("element_id")
        points[pk] = {**pt, "tasks": []}
        elements[parent]["points"].append(points[pk])
    for t in (Task.objects.filter(point__element__project__framework=framework).order_by("order", "pk")
              .values("point_id", "number", "content", "lead", "departments")):
        points[t.pop("point_id")]["tasks"].append(t)
    data["projects"] = list(projects.values())
    return data


def adopted_framework(institution: Any) -> Framework | None:
    """The table `institution` has adopted (采用), or None."""
    if institution is None:
        return None
    adoption = Adoption.objects.filter(institution=institution).select_related("framework").first()
    return adoption.framework if adoption else None


def builtin_framework(code: str) -> Framework | None:
    """The latest loaded version of the built-in table `code`."""
    builtins = Framework.objects.filter(institution__isnull=True, code=code)
    return builtins.order_by("-created_at", "-pk").first()


def frameworks_for_user(user: Any, institution: Any) -> dict[str, list[Framework]]:
    """The tables `user` may see from `institution`: the built-ins and the college's own, with counts."""
    qs = with_counts(Framework.objects.restrict(user, VIEW)).order_by("code", "-created_at")
    return {
        "builtin": list(qs.filter(institution__isnull=True)),
        "own": list(qs.filter(institution=institution)) if institution is not None else [],
    }


def get_framework_for_user(user: Any, pk: Any, action: str = VIEW) -> Framework:
    """404 if `user` may not see table `pk`, 403 if they may see but not `action` it."""
    return get_object_for_user(Framework.objects.all(), user, action, pk=pk)


def get_point_for_user(user: Any, pk: Any, action: str = VIEW) -> Point:
    points = Point.objects.select_related("element__project__framework").prefetch_related("tasks")
    return get_object_for_user(points, user, action, pk=pk)
