"""List tables of the standard chain: the name links to the node's page; retired rows carry a 已停用 badge."""

from __future__ import annotations

import django_tables2 as tables

from zhengai.org.tables import LinkColumn

from .models import Dimension, Standard, StandardSet


def _meta(model: type, fields: tuple[str, ...]) -> type:
    return type("Meta", (), {"model": model, "fields": fields, "sequence": fields, "attrs": {"class": "table"}})


class StandardSetTable(tables.Table):
    name = LinkColumn("standards:standardset_detail")
    Meta = _meta(StandardSet, ("level", "name"))


class DimensionTable(tables.Table):
    name = LinkColumn("standards:dimension_detail")
    Meta = _meta(Dimension, ("standard_set", "name", "order"))


class StandardTable(tables.Table):
    name = LinkColumn("standards:standard_detail")
    dimension__standard_set = tables.Column(verbose_name="标准体系")
    Meta = _meta(Standard, ("dimension__standard_set", "dimension", "name", "order"))
