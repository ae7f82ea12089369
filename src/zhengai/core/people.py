"""The people picker (选择人员): one form field for every "who" of a form — an owner, an assignee, a
reviewer, a leader — whose choices are the staff of the user's own institution, searched as you type.

A college has tens of thousands of members; a `<select>` of all of them listed students, the authority's
officer and its experts beside the staff. The picker renders only the chosen person; the search endpoint
(`core:people_search`, htmx) offers at most a screenful of matches, and the field validates the submitted id
against the same query, so a forged id is refused whatever the page offered.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse

from .choices import AUTHORITY_ROLES, Role
from .models import Membership, User
from .permissions import access_for

# Who counts as staff where a staff member is wanted: every role of the college except its students and the
# authority's people (who are not members of the college, see core.choices).
STAFF_ROLES = {r for r in Role if r != Role.STUDENT and r not in AUTHORITY_ROLES}
SEARCH_LIMIT = 20


def may_pick(user: Any, institution: Any) -> bool:
    """Only the institution's own staff pick its people: a student or an authority account searches nobody."""
    if institution is None:
        return False
    access = access_for(user)
    return access.is_superuser or access.has_role(STAFF_ROLES, institution.pk)


def staff_for(user: Any, institution: Any) -> QuerySet[User]:
    """The active staff of `institution` that `user` may pick (none if the user may not pick there)."""
    if not may_pick(user, institution):
        return User.objects.none()
    staff = Membership.objects.filter(institution=institution, active=True, role__in=STAFF_ROLES).values("user_id")
    return User.objects.filter(pk__in=staff, is_active=True).order_by("name", "username")


def label(user: Any) -> str:
    """How a person reads in a picker: the name, and the account to tell two people of one name apart."""
    name = user.display_name
    return name if name == user.username else f"{name}（{user.username}）"


def search(user: Any, institution: Any, text: str) -> list[User]:
    text = (text or "").strip()
    qs = staff_for(user, institution)
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(username__icontains=text) | Q(first_name__icontains=text)
                       | Q(last_name__icontains=text))
    return list(qs[:SEARCH_LIMIT])


class PersonPicker(forms.Select):
    """A search box (htmx: search as you type) above a select that holds only the chosen person; the
    endpoint swaps in the matches."""

    template_name = "core/widgets/person_picker.html"

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> list[Any]:
        # Never iterate the whole queryset: only the empty choice and the chosen person(s) are rendered.
        chosen = [v for v in value if v not in ("", None)]
        queryset = getattr(self.choices, "queryset", None)
        options = [("", "请选择…")]
        if chosen and queryset is not None:
            options += [(str(u.pk), label(u)) for u in queryset.filter(pk__in=[v for v in chosen if str(v).isdigit()])]
        groups = []
        for index, (option_value, option_label) in enumerate(options):
            selected = str(option_value) in {str(v) for v in chosen} if option_value else not chosen
            groups.append((None, [self.create_option(name, option_value, option_label, selected, index,
                                                     attrs=attrs)], index))
        return groups

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = reverse("core:people_search")
        return context


class PersonField(forms.ModelChoiceField):
    """A staff member of the user's institution. Set `queryset` with `staff_for` (see `person_field`)."""

    widget = PersonPicker
    default_error_messages = {"invalid_choice": "请从本院校的教职工中选择"}

    def label_from_instance(self, obj: Any) -> str:
        return label(obj)


def person_field(form: forms.BaseForm, name: str, user: Any, institution: Any, current: Any = None) -> None:
    """Turn the form's `name` field into a people picker over the staff `user` may pick. The person already
    chosen (`current`, an edit) stays valid even if they have since left the staff, so an unrelated edit is
    not refused; any other id outside the staff is."""
    old = form.fields[name]
    queryset = staff_for(user, institution)
    current_id = getattr(current, "pk", current)
    if current_id:
        queryset = User.objects.filter(Q(pk__in=queryset.values("pk")) | Q(pk=current_id)).order_by("name",
                                                                                                    "username")
    field = PersonField(queryset=queryset, required=old.required, label=old.label, help_text=old.help_text,
                        initial=old.initial)
    field.widget.attrs.update({k: v for k, v in old.widget.attrs.items() if k == "class"})
    form.fields[name] = field
