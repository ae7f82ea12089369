"""Every write of the org app.

Each kind has `<kind>_create(*, actor, institution, **fields)` and `<kind>_update(*, actor, <kind>,
**fields)`; many-to-many members (Unit.systems, Course.majors, Course.teachers) are passed as lists. Both
return `(object, outcome)` with outcome "created", "updated" or "unchanged", as `core.services.save_object`
does, so that imports can count what they did. Retiring and restoring is `core.services.set_active`.

Permission is the caller's business (views and importers go through the gate); these functions guard the
data: nothing may point into another institution, and the structural rules below hold whoever calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from zhengai.core.models import InstitutionOwned, Membership
from zhengai.core.services import save_object, set_active

from . import models as org
from .choices import SYSTEM_SETS

Errors = dict[str, list[str]]
Value = Callable[[str], Any]


# ---- the rules ----------------------------------------------------------------------------------

def _same_institution(obj: models.Model, value: Value, errors: Errors) -> None:
    """Every related object (foreign key or many-to-many member) must belong to the object's institution."""
    for field in [*obj._meta.concrete_fields, *obj._meta.many_to_many]:
        if not field.is_relation or not issubclass(field.related_model, InstitutionOwned):
            continue
        if field.name == "institution":
            continue
        related = value(field.name)
        members = related if field.many_to_many else [related]
        if any(m is not None and m.institution_id != obj.institution_id for m in members or []):
            errors.setdefault(field.name, []).append(
                f"“{field.verbose_name}”必须是本院校的{field.related_model._meta.verbose_name}")


def _no_cycle(obj: models.Model, value: Value, errors: Errors) -> None:
    """A unit (or QA group) cannot sit below itself: walk up from the new parent and never meet the object."""
    parent = value("parent")
    seen = set()
    while parent is not None and parent.pk not in seen:
        if obj.pk is not None and parent.pk == obj.pk:
            label = type(obj)._meta.verbose_name
            errors.setdefault("parent", []).append(f"上级不能是本{label}或其下级{label}")
            return
        seen.add(parent.pk)
        parent = parent.parent


def _student(obj: org.Student, value: Value, errors: Errors) -> None:
    klass, major = value("klass"), value("major")
    if klass is not None and major is not None and klass.major_id != major.pk:
        errors.setdefault("klass", []).append(f"班级“{klass}”不属于专业“{major}”")


def _post(obj: org.Post, value: Value, errors: Errors) -> None:
    section, unit = value("section"), value("unit")
    if section is not None and unit is not None and section.parent_id != unit.pk:
        errors.setdefault("section", []).append(f"所在科室必须是“{unit}”的下级部门")


def _work_item(obj: org.WorkItem, value: Value, errors: Errors) -> None:
    duty, post = value("duty"), value("post")
    if duty is not None and post is not None and duty.unit_id != post.unit_id:
        errors.setdefault("duty", []).append(f"对应部门职责必须是“{post.unit}”的职责")


def _member(obj: org.QAGroupMember, value: Value, errors: Errors) -> None:
    user = value("user")
    if user is not None and not Membership.objects.filter(user=user, institution_id=obj.institution_id,
                                                          active=True).exists():
        errors.setdefault("user", []).append(f"用户“{user}”不是本院校的成员")


RULES: dict[type[models.Model], list[Callable[[Any, Value, Errors], None]]] = {
    org.Unit: [_no_cycle],
    org.QAGroup: [_no_cycle],
    org.Student: [_student],
    org.Post: [_post],
    org.WorkItem: [_work_item],
    org.QAGroupMember: [_member],
}


def check(obj: models.Model, fields: dict[str, Any]) -> None:
    """Raise one ValidationError with every broken rule for `obj` as it would be after applying `fields`."""
    def value(name: str) -> Any:
        if name in fields:
            return fields[name]
        field = obj._meta.get_field(name)
        if field.many_to_many:
            return list(getattr(obj, name).all()) if obj.pk else []
        return getattr(obj, name)

    errors: Errors = {}
    for rule in [_same_institution, *RULES.get(type(obj), [])]:
        rule(obj, value, errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save(*, actor: Any, obj: models.Model, fields: dict[str, Any], validated: bool = False
         ) -> tuple[models.Model, str]:
    """Check the org rules, then validate, save and audit through `save_object`.

    `validated=True`: the caller (an importer) has just run `check` and `full_clean` on a copy with these
    very values, so they are not run again row by row.
    """
    unknown = set(fields) - {f.name for f in obj._meta.get_fields()}
    if unknown:
        raise ValidationError({NON_FIELD_ERRORS: [f"未知字段：{'、'.join(sorted(unknown))}"]})
    if not validated:
        check(obj, fields)
    m2m_names = {f.name for f in obj._meta.many_to_many}
    m2m = {name: list(fields.pop(name)) for name in list(fields) if name in m2m_names}
    return save_object(actor=actor, obj=obj, data=fields, m2m=m2m, validated=validated)


def _writers(model: type[models.Model], kind: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """`<kind>_create` and `<kind>_update` for one model; they differ only in the object they start from."""
    label = model._meta.verbose_name

    def create(*, actor: Any, institution: Any, validated: bool = False, **fields: Any) -> tuple[Any, str]:
        return save(actor=actor, obj=model(institution=institution), fields=fields, validated=validated)

    def update(*, actor: Any, validated: bool = False, **fields: Any) -> tuple[Any, str]:
        return save(actor=actor, obj=fields.pop(kind), fields=fields, validated=validated)

    create.__name__, update.__name__ = f"{kind}_create", f"{kind}_update"
    create.__doc__ = f"新建{label}: validated, audited; returns (object, outcome)."
    update.__doc__ = f"修改{label}: `{kind}=` the object; returns (object, \"updated\" or \"unchanged\")."
    return create, update


unit_create, unit_update = _writers(org.Unit, "unit")
system_create, system_update = _writers(org.VerticalSystem, "system")
duty_create, duty_update = _writers(org.Duty, "duty")
post_create, post_update = _writers(org.Post, "post")
workitem_create, workitem_update = _writers(org.WorkItem, "workitem")
qagroup_create, qagroup_update = _writers(org.QAGroup, "qagroup")
qamember_create, qamember_update = _writers(org.QAGroupMember, "qamember")
major_create, major_update = _writers(org.Major, "major")
course_create, course_update = _writers(org.Course, "course")
klass_create, klass_update = _writers(org.Klass, "klass")
teacher_create, teacher_update = _writers(org.Teacher, "teacher")
student_create, student_update = _writers(org.Student, "student")


@transaction.atomic
def systems_apply_set(*, actor: Any, institution: Any, set_name: str) -> dict[str, int]:
    """Make `set_name` (the default 五纵 or seed 000's variant) the institution's vertical systems.

    Idempotent: systems are matched by code, so applying the same set twice changes nothing. Built-in systems
    of the other set are retired rather than deleted, so units placed in them keep that history; systems the
    college added itself are left alone.
    """
    if set_name not in SYSTEM_SETS:
        raise ValidationError(f"没有名为“{set_name}”的纵向系统方案")
    wanted = SYSTEM_SETS[set_name]
    builtin = {code for systems in SYSTEM_SETS.values() for code, _ in systems}
    existing = {s.code: s for s in org.VerticalSystem.objects.filter(institution=institution)}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "retired": 0}
    for order, (code, name) in enumerate(wanted, start=1):
        system = existing.get(code)
        fields = {"code": code, "name": name, "order": order}
        if system is None:
            outcome = system_create(actor=actor, institution=institution, **fields)[1]
        else:
            outcome = system_update(actor=actor, system=system, **fields)[1]
            if not system.active:
                set_active(actor=actor, obj=system, active=True)
                outcome = "updated"
        counts[outcome] += 1
    keep = {code for code, _ in wanted}
    for code, system in existing.items():
        if code in builtin and code not in keep and system.active:
            set_active(actor=actor, obj=system, active=False, note=f"改用{set_name}方案")
            counts["retired"] += 1
    return counts
