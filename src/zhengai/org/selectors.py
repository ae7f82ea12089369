"""Reads of the org app, already restricted to what the user may see (DESIGN convention 2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Prefetch, Q

from zhengai.core.permissions import VIEW, get_object_for_user

from . import models as org


def _getter(model: type[models.Model]) -> Callable[..., Any]:
    def get(user: Any, pk: Any, action: str = VIEW) -> Any:
        return get_object_for_user(model, user, action, pk=pk)

    get.__name__ = f"get_{model._meta.model_name}_for_user"
    get.__doc__ = f"The {model._meta.verbose_name} `pk` if `user` may `action` it (else 404 / 403)."
    return get


get_unit_for_user = _getter(org.Unit)
get_system_for_user = _getter(org.VerticalSystem)
get_duty_for_user = _getter(org.Duty)
get_post_for_user = _getter(org.Post)
get_workitem_for_user = _getter(org.WorkItem)
get_qagroup_for_user = _getter(org.QAGroup)
get_qamember_for_user = _getter(org.QAGroupMember)
get_major_for_user = _getter(org.Major)
get_course_for_user = _getter(org.Course)
get_klass_for_user = _getter(org.Klass)
get_teacher_for_user = _getter(org.Teacher)
get_student_for_user = _getter(org.Student)


def visible(model: type[models.Model], user: Any, institution: Any, *, active: bool | None = True) -> Any:
    """The institution's `model` rows the user may see (by default only those in use)."""
    qs = model.objects.restrict(user, VIEW).filter(institution=institution)
    return qs.filter(active=active) if active is not None else qs


@dataclass
class UnitNode:
    unit: org.Unit
    majors: int = 0
    teachers: int = 0
    children: list[UnitNode] = field(default_factory=list)


def _per_unit(model: type[models.Model], user: Any, institution: Any) -> dict[int, int]:
    rows = visible(model, user, institution).values("unit").annotate(n=Count("pk"))
    return {r["unit"]: r["n"] for r in rows}


def unit_tree(user: Any, institution: Any) -> list[UnitNode]:
    """The units in use, nested under their parents, with their systems and their majors and teachers counted.

    Three queries whatever the size: the units (systems prefetched) and one grouped count per kind.
    """
    units = list(visible(org.Unit, user, institution).prefetch_related(
        Prefetch("systems", queryset=visible(org.VerticalSystem, user, institution))))
    majors, teachers = _per_unit(org.Major, user, institution), _per_unit(org.Teacher, user, institution)
    nodes = {u.pk: UnitNode(u, majors.get(u.pk, 0), teachers.get(u.pk, 0)) for u in units}
    roots = []
    for unit in units:
        parent = nodes.get(unit.parent_id)
        (parent.children if parent else roots).append(nodes[unit.pk])
    return roots


def systems_with_units(user: Any, institution: Any) -> list[org.VerticalSystem]:
    """The vertical systems in use, each with `.placed` = its units in use, for the 五纵 page."""
    return list(visible(org.VerticalSystem, user, institution).prefetch_related(
        Prefetch("units", queryset=visible(org.Unit, user, institution), to_attr="placed")))


def units_without_system(user: Any, institution: Any) -> Any:
    """Top-level units in no system in use: the domain places every department in one, so the page shows the
    gaps. A section or teaching office belongs where its parent does."""
    in_use = visible(org.VerticalSystem, user, institution)
    return visible(org.Unit, user, institution).filter(parent=None).exclude(systems__in=in_use)


def unit_counts(user: Any, unit: org.Unit) -> dict[str, int]:
    """Majors, courses, teachers and students of the unit and its direct sub-units that the user may see."""
    inst = unit.institution_id
    here = Q(unit=unit) | Q(unit__parent=unit)
    via_major = Q(major__unit=unit) | Q(major__unit__parent=unit)
    return {
        "majors": visible(org.Major, user, inst).filter(here).count(),
        "courses": visible(org.Course, user, inst).filter(here).count(),
        "teachers": visible(org.Teacher, user, inst).filter(here).count(),
        "students": visible(org.Student, user, inst).filter(via_major).count(),
    }


# ---- naming people and units in an import -----------------------------------------------------------------

@dataclass
class References:
    """An institution's own units and people by what a clerk writes in a spreadsheet cell: a unit by its code
    or name, a person by account name, staff number (工号) or name. A name two of them share is ambiguous and
    answered with a message, never a guess; whoever is not of the institution is not found."""

    institution: Any
    _units: dict[str, list[org.Unit]] | None = None
    _people: dict[str, list[Any]] | None = None

    def unit(self, value: str) -> org.Unit:
        if self._units is None:
            self._units = {}
            for u in org.Unit.objects.filter(institution=self.institution, active=True):
                for key in {u.code, u.name}:
                    self._units.setdefault(key, []).append(u)
        found = self._units.get(value, [])
        if len(found) > 1:
            raise ValueError(f"有多个部门叫“{value}”，请填写部门代码")
        if not found:
            raise ValueError(f"本校没有代码或名称为“{value}”的部门")
        return found[0]

    def person(self, value: str) -> Any:
        if self._people is None:
            from zhengai.core.models import Membership, User

            self._people = {}
            ids = Membership.objects.filter(institution=self.institution, active=True).values("user_id")
            users = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
            codes = dict(org.Teacher.objects.filter(institution=self.institution, user_id__in=users)
                         .values_list("user_id", "code"))
            for user in users.values():
                for key in {user.username, user.name, codes.get(user.pk)} - {None, ""}:
                    self._people.setdefault(key, []).append(user)
        found = {u.pk: u for u in self._people.get(value, [])}
        if len(found) > 1:
            raise ValueError(f"本校有多人叫“{value}”，请填写账号或工号")
        if not found:
            raise ValueError(f"本校没有账号、工号或姓名为“{value}”的成员")
        return next(iter(found.values()))
