"""The number filters every template has (a builtin library, see settings.TEMPLATES): one rule per unit, the
same as exports and reports use (core.numbers)."""

from django import template

from zhengai.core import numbers

register = template.Library()


@register.filter
def value(amount, unit=""):
    """{{ m.value|value:point.unit }} → "94.61%", "6.5平方米", "—"."""
    return numbers.with_unit(amount, unit or "")


@register.filter
def number(amount, unit=""):
    """{{ m.value|number:point.unit }} → "94.61" (the unit's rule, without the unit)."""
    return numbers.number(amount, unit or "")


@register.filter
def standard(lines, unit=""):
    """{{ measurement.lines|standard:point.unit }} → "≥ 95%"."""
    return numbers.standard_text(lines, unit or "")


@register.filter
def shown(recorded):
    """{{ pair.0|shown }} → 是 / 否 / （空） / a list joined: an audit value as people read it."""
    from zhengai.core.audit import shown as _shown

    return _shown(recorded)


@register.filter
def field_label(name, model):
    """{{ key|field_label:record.object_type }} → the field's Chinese label (`active` → 有效)."""
    from zhengai.core.audit import field_label as _label

    return _label(model, name)
