import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder

register = template.Library()


@register.filter
def json_script_attr(value):
    """A figure as JSON for a data- attribute (autoescape turns its quotes into entities)."""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


@register.filter
def num(value, places: int = 2):
    """A measured value or a line for people: "—" when missing, at most two decimals, no trailing zeros (the
    one rule of core.numbers; use `value` with the unit where the unit is known)."""
    from zhengai.core.numbers import number

    return number(value, places=int(places))
