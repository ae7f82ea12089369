"""Reads of the statedata app that pages share: the row changes of an import, in words a person can read."""

from __future__ import annotations

from typing import Any

from django.apps import apps

from .models import ImportRecord, RowChange


def _fields(record: ImportRecord) -> dict[str, Any]:
    """The table's fields by name and by column (`major` and `major_id`), or none for a table since removed."""
    try:
        model = apps.get_model("statedata", record.table)
    except LookupError:
        return {}
    found: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        found[field.name] = found[field.attname] = field
    return found


def row_change_lines(record: ImportRecord, changes: list[RowChange]) -> list[dict[str, Any]]:
    """One line per row change: the row (its key with related rows named), what was done, and each changed
    field as (label, before, after). Related rows are named with one query per key field for the whole page."""
    fields = _fields(record)
    wanted: dict[str, set[int]] = {}
    parsed = []
    for change in changes:
        pairs = [part.partition("=")[::2] for part in change.row_key.split(",")]
        parsed.append(pairs)
        for name, value in pairs:
            field = fields.get(name)
            if field is not None and field.is_relation and value.isdigit():
                wanted.setdefault(name, set()).add(int(value))
    names: dict[tuple[str, str], str] = {}
    for name, ids in wanted.items():
        for obj in fields[name].related_model.objects.filter(pk__in=ids):
            names[(name, str(obj.pk))] = str(obj)

    def label(name: str) -> str:
        field = fields.get(name)
        return str(field.verbose_name) if field is not None else name

    def shown(name: str, value: Any) -> Any:
        if value is None or value == "":
            return "—"
        field = fields.get(name)
        if field is not None and field.choices:
            return dict(field.flatchoices).get(value, value)
        return names.get((name, str(value)), value)

    lines = []
    for change, pairs in zip(changes, parsed, strict=True):
        lines.append({
            "change": change,
            "row": "，".join(f"{label(n)}：{names.get((n, v), v)}" for n, v in pairs),
            "fields": [(label(n), shown(n, change.before.get(n)), shown(n, change.after.get(n)))
                       for n in sorted(change.before.keys() | change.after.keys())],
        })
    return lines
