"""The entity and responsibility kernel (层面与责任): the one place that knows the levels the platform measures,
the table of each level's entities, how to name and find an entity, and who answers for it.

Every app reads these instead of keeping its own copy: the first build listed the entity tables nine times and
the "answers for" rule five times, and the copies disagreed (state data let a parent unit's head see its
sub-units' majors, monitoring did not). There is one rule:

* a unit head answers for the unit, every unit below it in the tree, and everything those units hold — their
  majors, courses, teachers, and the majors' classes and students;
* a major leader for the major, the courses that serve it, its classes and students;
* a course leader for the course; a teacher for themself and the courses they teach;
* a class's counsellor (辅导员) and its head teacher (班主任) — `CLASS_ROLES` — for the class and its students;
* a student for themself.

`answers_q` gives the rule as a filter over any table that reaches an entity, `answers_for` for one entity,
and `responsible_people` its inverse: the people, with accounts, whom a warning about an entity reaches — the
entity's own owners, else the head of its unit, else of the unit above, up the tree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from zhengai.core.choices import CLASS_ROLES, Role
from zhengai.core.models import Institution, Membership
from zhengai.core.permissions import Access, access_for

from .choices import Level
from .models import Course, Klass, Major, Student, Teacher, Unit

# The levels, from the top of the college down to one student.
LEVELS: tuple[str, ...] = (Level.SCHOOL, Level.UNIT, Level.MAJOR, Level.COURSE, Level.TEACHER, Level.CLASS,
                           Level.STUDENT)

# The table of each level's entities (the school level's entity is the institution itself).
ENTITY_MODELS: dict[str, type[models.Model]] = {
    Level.SCHOOL: Institution, Level.UNIT: Unit, Level.MAJOR: Major, Level.COURSE: Course,
    Level.TEACHER: Teacher, Level.CLASS: Klass, Level.STUDENT: Student,
}

# The foreign key that names an entity of each level on a row about it (measurements, warnings, plans,
# cycles, reports); the school level has none.
ENTITY_FIELDS: dict[str, str] = {Level.UNIT: "unit", Level.MAJOR: "major", Level.COURSE: "course",
                                 Level.TEACHER: "teacher", Level.STUDENT: "student", Level.CLASS: "klass"}

# The path from an entity to the unit it belongs to (a unit belongs to itself).
UNIT_PATHS: dict[str, str] = {Level.UNIT: "pk", Level.MAJOR: "unit_id", Level.COURSE: "unit_id",
                              Level.TEACHER: "unit_id", Level.CLASS: "major__unit_id",
                              Level.STUDENT: "major__unit_id"}

# The roles whose membership, scoped to the entity, makes its owner, in order of precedence where one owner is
# picked (a cycle's): teachers also own themselves by account; a student's owners are the counsellor and the
# head teacher of their class, the counsellor first.
OWNER_ROLES: dict[str, tuple[tuple[str, ...], type[models.Model]]] = {
    Level.UNIT: ((Role.UNIT_HEAD,), Unit), Level.MAJOR: ((Role.MAJOR_LEADER,), Major),
    Level.COURSE: ((Role.COURSE_LEADER,), Course), Level.TEACHER: ((Role.TEACHER,), Teacher),
    Level.CLASS: (CLASS_ROLES, Klass), Level.STUDENT: (CLASS_ROLES, Klass),
}


def entity_model(level: str) -> type[models.Model]:
    return ENTITY_MODELS[level]


def entity_key(level: str, pk: int | None) -> str:
    """One comparable key for an entity ("major:12", "school"), for uniqueness and upserts."""
    return "school" if level == Level.SCHOOL else f"{level}:{pk}"


def entity_search_q(text: str, prefix: str = "") -> Q:
    """Rows about an entity (measurements, warnings…) whose entity's name or code contains `text`: the one
    "search by entity" of every list, over the entity foreign keys of `ENTITY_FIELDS`."""
    text = (text or "").strip()
    q = Q()
    if not text:
        return q
    q = Q(pk__in=[])
    for field in ENTITY_FIELDS.values():
        q |= Q(**{f"{prefix}{field}__name__icontains": text}) | Q(**{f"{prefix}{field}__code__icontains": text})
    return q


def level_of(entity: Any) -> str:
    for level, model in ENTITY_MODELS.items():
        if isinstance(entity, model):
            return level
    raise ValueError(f"not an entity: {entity!r}")


def entity_queryset(level: str, institution: Any, active_only: bool = True) -> models.QuerySet:
    """The institution's entities of a level (the school level: the institution itself)."""
    model = ENTITY_MODELS[level]
    if level == Level.SCHOOL:
        return model.objects.filter(pk=getattr(institution, "pk", institution))
    qs = model.objects.filter(institution=institution)
    return qs.filter(active=True) if active_only else qs


def resolve(institution: Any, level: str, ref: Any) -> Any:
    """The entity of `level` named by its id or its code (学号, 工号, 专业代码…) in the institution, or None."""
    if level == Level.SCHOOL:
        return institution
    model = ENTITY_MODELS.get(level)
    if model is None or ref in (None, ""):
        return None
    qs = model.objects.filter(institution=institution)
    found = qs.filter(code=str(ref)).first()
    if found is None and str(ref).isdigit():
        found = qs.filter(pk=int(ref)).first()
    return found


# ---- who answers for an entity ------------------------------------------------------------------------

def answered_units(access: Access) -> set[int]:
    """The units a user answers for as a unit head: those they head and every unit below them, read once per
    request (the unit tree of a college is a few hundred rows)."""
    cached = getattr(access, "_answered_units", None)
    if cached is not None:
        return cached
    heads = access.scoped_ids(Role.UNIT_HEAD, Unit)
    result = set(heads)
    if heads:
        children: dict[int, list[int]] = defaultdict(list)
        for pk, parent in Unit.objects.filter(institution_id__in=access.institution_ids([Role.UNIT_HEAD]),
                                              parent__isnull=False).values_list("pk", "parent_id"):
            children[parent].append(pk)
        frontier = list(heads)
        while frontier:
            nxt = [c for p in frontier for c in children.get(p, ()) if c not in result]
            result.update(nxt)
            frontier = nxt
    access._answered_units = result  # type: ignore[attr-defined]
    return result


def _at(path: str, rest: str) -> str:
    """The lookup `rest` on the entity at `path` ("" = the entity's own table)."""
    if not path:
        return "pk" if rest == "id" else rest
    return f"{path}_id" if rest == "id" else f"{path}__{rest}"


def answers_q(access: Access, level: str, path: str = "") -> Q:
    """Rows whose entity of `level` (at `path`; "" for the entity table itself) the user answers for — THE
    rule, as a filter. Subqueries, never joins through many-to-many relations, so rows never repeat."""
    user = access.user.pk
    units = answered_units(access)
    led = access.scoped_ids(Role.MAJOR_LEADER, Major)
    counselled = access.scoped_ids(CLASS_ROLES, Klass)
    if level == Level.UNIT:
        return Q(**{_at(path, "id") + "__in": units})
    if level == Level.MAJOR:
        return Q(**{_at(path, "id") + "__in": led}) | Q(**{_at(path, "unit_id__in"): units})
    if level == Level.COURSE:
        return (Q(**{_at(path, "id") + "__in": access.scoped_ids(Role.COURSE_LEADER, Course)})
                | Q(**{_at(path, "id") + "__in": Course.majors.through.objects.filter(major_id__in=led)
                       .values("course_id")})
                | Q(**{_at(path, "id") + "__in": Course.teachers.through.objects.filter(teacher__user_id=user)
                       .values("course_id")})
                | Q(**{_at(path, "unit_id__in"): units}))
    if level == Level.TEACHER:
        return (Q(**{_at(path, "user_id"): user})
                | Q(**{_at(path, "id") + "__in": access.scoped_ids(Role.TEACHER, Teacher)})
                | Q(**{_at(path, "unit_id__in"): units}))
    if level == Level.CLASS:
        return (Q(**{_at(path, "id") + "__in": counselled}) | Q(**{_at(path, "major_id__in"): led})
                | Q(**{_at(path, "major__unit_id__in"): units}))
    if level == Level.STUDENT:
        return (Q(**{_at(path, "user_id"): user}) | Q(**{_at(path, "klass_id__in"): counselled})
                | Q(**{_at(path, "major_id__in"): led}) | Q(**{_at(path, "major__unit_id__in"): units}))
    if level == Level.SCHOOL:
        return Q(**{_at(path, "id") + "__in": access.institution_ids([Role.SCHOOL_LEADER, Role.QUALITY_OFFICE])})
    raise ValueError(f"unknown level {level!r}")


def entity_rows_q(access: Access, prefix: str = "") -> Q:
    """Rows about an entity of any level below the school (the `EntityOwned` columns: level and one foreign
    key per level) whose entity the user answers for."""
    q = Q(pk__in=[])
    for level, field in ENTITY_FIELDS.items():
        q |= Q(**{f"{prefix}level": level}) & answers_q(access, level, prefix + field)
    return q


def answers_for(user: Any, entity: Any) -> bool:
    """Whether `user` answers for this one entity (a unit, major, course, teacher, class, student or the
    institution)."""
    if not getattr(user, "is_authenticated", False):
        return False
    access = access_for(user)
    if access.is_superuser:
        return True
    level = level_of(entity)
    return ENTITY_MODELS[level].objects.filter(pk=entity.pk).filter(answers_q(access, level)).exists()


# ---- the inverse: whom to notify or escalate to --------------------------------------------------------

def _members(institution: Any, roles: Iterable[str], model: type[models.Model], scope_ids: Iterable[int]
             ) -> dict[int, set[int]]:
    """{scope id: user ids} of the active members, with active accounts, holding one of `roles` on those
    objects."""
    result: dict[int, set[int]] = defaultdict(set)
    ids = set(scope_ids) - {None}
    if not ids:
        return result
    for user_id, scope_id in Membership.objects.filter(
            institution=institution, role__in=list(roles), active=True, user__is_active=True,
            scope_type=ContentType.objects.get_for_model(model), scope_id__in=ids).values_list("user_id", "scope_id"):
        result[scope_id].add(user_id)
    return result


def owners(institution: Any, level: str, ids: Iterable[int]) -> dict[int, set[int]]:
    """{entity id: user ids} of each entity's own owners with an account — no fallback. A constant number of
    queries."""
    ids = list(ids)
    result: dict[int, set[int]] = defaultdict(set)
    if not ids or level == Level.SCHOOL:
        return result
    roles, model = OWNER_ROLES[level]
    if level == Level.STUDENT:
        klass_of = dict(Student.objects.filter(pk__in=ids).values_list("pk", "klass_id"))
        by_class = _members(institution, roles, model, klass_of.values())
        for pk, klass_id in klass_of.items():
            result[pk] |= by_class.get(klass_id, set())
        return result
    for pk, users in _members(institution, roles, model, ids).items():
        result[pk] |= users
    if level == Level.TEACHER:
        for pk, user_id in Teacher.objects.filter(pk__in=ids, user__isnull=False,
                                                  user__is_active=True).values_list("pk", "user_id"):
            result[pk].add(user_id)
    return result


def unit_heads(institution: Any, unit_ids: Iterable[int | None]) -> dict[int, set[int]]:
    """{unit id: user ids} of the heads (with accounts) of each unit — or, when it has none, of the nearest unit
    above it that has (an office reports to its college, a college to nobody). Two queries."""
    ids = set(unit_ids) - {None}
    if not ids:
        return {}
    parents = dict(Unit.objects.filter(institution=institution).values_list("pk", "parent_id"))
    heads = _members(institution, (Role.UNIT_HEAD,), Unit, parents)
    result = {}
    for unit in ids:
        seen, current = set(), unit
        while current is not None and current not in seen and not heads.get(current):
            seen.add(current)
            current = parents.get(current)
        result[unit] = set(heads.get(current, set())) if current is not None else set()
    return result


def units_of(level: str, ids: Iterable[int]) -> dict[int, int]:
    """{entity id: the id of the unit it belongs to} (a unit belongs to itself)."""
    ids = list(ids)
    if not ids or level == Level.SCHOOL:
        return {}
    return dict(ENTITY_MODELS[level].objects.filter(pk__in=ids).values_list("pk", UNIT_PATHS[level]))


def responsible_people(institution: Any, level: str, ids: Iterable[int]) -> dict[int, set[int]]:
    """The inverse of `answers_for` for notices and escalation: {entity id: user ids} — the entity's owners with
    an account, else the head of its unit, else of the unit above, up the tree. An entity nobody can be found
    for maps to an empty set (chain health lists it). A constant number of queries."""
    ids = list(ids)
    own = owners(institution, level, ids)
    orphans = [pk for pk in ids if not own.get(pk)]
    unit_of = units_of(level, orphans)
    heads = unit_heads(institution, unit_of.values())
    return {pk: set(own.get(pk) or heads.get(unit_of.get(pk), set())) for pk in ids}


def responsible_people_for(entity: Any) -> set[int]:
    """`responsible_people` of one entity."""
    level = level_of(entity)
    institution = entity if level == Level.SCHOOL else entity.institution
    return responsible_people(institution, level, [entity.pk]).get(entity.pk, set())
