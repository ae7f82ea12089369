from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest

from . import text
from .middleware import institution_of
from .permissions import CHANGE, VIEW


def _cleaning(to_python: Callable[[Any], Any], label: str) -> Callable[[Any], Any]:
    def clean_then_convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = text.clean(value)
            except ValueError as exc:
                raise forms.ValidationError(f"“{label}”{exc}", code="invalid_characters") from None
        return to_python(value)

    return clean_then_convert


class CleanTextMixin:
    """Every text field of the form goes through core.text.clean, the cleaner of every other entrance: a
    control character or a bidi override is refused with an error on the field that names it, and what is
    kept is NFC with LF line endings. Passwords are left alone (they are hashed, never shown, and changing
    one would lock its owner out)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
                # self.fields holds this form's own copies of the fields, so the wrapper stays with the form.
                field.to_python = _cleaning(field.to_python, str(field.label or name))  # type: ignore[method-assign]
            _choose_prompt(field)


CHOOSE = "请选择…"


def _choose_prompt(field: forms.Field) -> None:
    """Django's empty choice reads "---------"; people read 请选择…."""
    if isinstance(field, forms.ModelChoiceField) and field.empty_label == "---------":
        field.empty_label = CHOOSE
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        choices = list(field.choices)
        if choices and choices[0] == ("", "---------"):
            field.choices = [("", CHOOSE), *choices[1:]]


class Form(CleanTextMixin, forms.Form):
    """The project's plain form: text cleaned as at every entrance."""


class ModelForm(CleanTextMixin, forms.ModelForm):
    """The project's model form: text cleaned as at every entrance."""


class InstitutionModelForm(ModelForm):
    """A model form whose related-object choices come only from the user's institution, through the gate.

    `change_scoped` names the foreign keys whose choices are limited to what the user may change (a unit
    head may only put a new major in their own unit).
    """

    change_scoped: tuple[str, ...] = ()

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.request = request
        institution = institution_of(request)
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None or not hasattr(queryset, "restrict"):
                continue
            action = CHANGE if name in self.change_scoped else VIEW
            qs = queryset.restrict(request.user, action)
            if hasattr(queryset.model, "institution_id"):
                qs = qs.filter(institution=institution)
            if hasattr(queryset.model, "active"):
                current = getattr(self.instance, f"{name}_id", None) if self.instance.pk else None
                from django.db.models import Q

                qs = qs.filter(Q(active=True) | Q(pk=current)) if current else qs.filter(active=True)
            field.queryset = qs
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.TextInput, forms.NumberInput, forms.Select, forms.Textarea,
                                   forms.EmailInput, forms.DateInput)):
                widget.attrs.setdefault("class", "input")
