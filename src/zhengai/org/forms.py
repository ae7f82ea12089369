"""Edit forms of the org objects. Choices come from the user's institution through the gate; the field that
places an object (its unit, major, post…) offers only what the user may change, so a unit head places things
in their own unit only."""

from __future__ import annotations

from typing import Any

from django import forms

from zhengai.core.forms import InstitutionModelForm
from zhengai.core.middleware import institution_of
from zhengai.core.models import Membership, User
from zhengai.core.permissions import VIEW

from . import models as org


class OrgForm(InstitutionModelForm):
    # Fields the school verifies (a teacher's kind, title, degree, 双师 recognition): whoever may edit the
    # object but not move it — a teacher on their own record — sees them but cannot change them.
    verified: tuple[str, ...] = ()

    def __init__(self, *args: Any, request: Any, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        pinned = False
        for name in self.change_scoped:
            field = self.fields[name]
            current = getattr(self.instance, f"{name}_id", None) if self.instance.pk else None
            if current is None or field.queryset.filter(pk=current).exists():
                continue
            # The user may edit this object (a teacher their own record) but not move it out of a unit they do
            # not manage: show where it is and keep it there, instead of offering no valid choice at all.
            field.queryset = field.queryset.model.objects.restrict(request.user, VIEW).filter(pk=current)
            field.disabled = pinned = True
        if pinned:
            # The code is the natural key imports match on: whoever cannot move the object cannot re-key it.
            for name in ("code", *self.verified):
                if name in self.fields:
                    self.fields[name].disabled = True


class _MemberAccounts(OrgForm):
    def __init__(self, *args: Any, request: Any, **kwargs: Any):
        super().__init__(*args, request=request, **kwargs)
        # Accounts to link: the institution's members, as far as the user may see memberships.
        memberships = Membership.objects.restrict(request.user, VIEW).filter(
            institution=institution_of(request), active=True)
        accounts = User.objects.filter(memberships__in=memberships).distinct()
        self.fields["user"].queryset = accounts.order_by("username")


def _form(model: type, fields: list[str], change_scoped: tuple[str, ...] = (), base: type = OrgForm,
          widgets: dict[str, Any] | None = None, verified: tuple[str, ...] = ()) -> type[OrgForm]:
    form = type(f"{model.__name__}Form", (base,), {"change_scoped": change_scoped, "verified": verified})
    return forms.modelform_factory(model, form=form, fields=fields, widgets=widgets)


# A teacher's or student's login account is linked when their membership is granted, not on these forms.
UnitForm = _form(org.Unit, ["code", "name", "kind", "parent", "systems", "order"], ("parent",),
                 widgets={"systems": forms.CheckboxSelectMultiple})
SystemForm = _form(org.VerticalSystem, ["code", "name", "order", "description"])
DutyForm = _form(org.Duty, ["unit", "content", "in_system", "order"], ("unit",))
PostForm = _form(org.Post, ["unit", "section", "code", "name", "headcount", "superior", "subordinates",
                            "qualifications"], ("unit",))
WorkItemForm = _form(org.WorkItem, ["post", "duty", "category", "content", "standard", "order"], ("post",))
QAGroupForm = _form(org.QAGroup, ["kind", "name", "unit", "parent", "duties", "drawn_from", "order"])
QAMemberForm = _form(org.QAGroupMember, ["group", "user", "name", "position", "job_title", "duties"],
                     base=_MemberAccounts)
MajorForm = _form(org.Major, ["code", "name", "unit", "key_level", "founded_year", "years"], ("unit",))
CourseForm = _form(org.Course, ["code", "name", "unit", "course_type", "hours", "practice_hours", "is_core",
                                "co_developed", "majors", "teachers"], ("unit",))
KlassForm = _form(org.Klass, ["code", "name", "major", "cohort"], ("major",))
TeacherForm = _form(org.Teacher, ["code", "name", "unit", "kind", "gender", "birth_year", "title", "degree",
                                  "dual_qualified"], ("unit",),
                    verified=("name", "kind", "title", "degree", "dual_qualified"))
StudentForm = _form(org.Student, ["code", "name", "gender", "major", "klass", "cohort", "status"],
                    ("major", "klass"))
