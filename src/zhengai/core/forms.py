from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from .middleware import institution_of
from .permissions import CHANGE, VIEW


class InstitutionModelForm(forms.ModelForm):
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
