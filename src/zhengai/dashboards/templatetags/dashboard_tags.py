import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder

register = template.Library()


@register.filter
def json_script_attr(value):
    """A figure as JSON for a data- attribute (autoescape turns its quotes into entities)."""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
