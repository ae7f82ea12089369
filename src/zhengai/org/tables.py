"""List tables of the org objects: the name links to the object's page; retired rows carry a 已停用 badge."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from . import models as org


class LinkColumn(tables.Column):
    def __init__(self, url_name: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.url_name = url_name

    def render(self, value: Any, record: Any) -> str:
        badge = mark_safe(' <span class="badge gray">已停用</span>') if record.active is False else ""
        url = reverse(self.url_name, args=[record.pk])
        return format_html('<a href="{}">{}</a>{}', url, Truncator(str(value)).chars(60), badge)


def _table(model: type, name: str, fields: tuple[str, ...], link: str = "name") -> type[tables.Table]:
    meta = type("Meta", (), {"model": model, "fields": fields, "sequence": fields,
                             "attrs": {"class": "table"}})
    columns = {link: LinkColumn(f"org:{name}_detail"), "Meta": meta}
    return type(f"{model.__name__}Table", (tables.Table,), columns)


UnitTable = _table(org.Unit, "unit", ("code", "name", "kind", "parent", "systems"))
SystemTable = _table(org.VerticalSystem, "system", ("order", "code", "name"))
DutyTable = _table(org.Duty, "duty", ("content", "unit", "in_system", "order"), link="content")
PostTable = _table(org.Post, "post", ("code", "name", "unit", "section", "headcount", "superior"))
WorkItemTable = _table(org.WorkItem, "workitem", ("content", "post", "category", "duty"), link="content")
QAGroupTable = _table(org.QAGroup, "qagroup", ("name", "kind", "unit", "parent"))
QAMemberTable = _table(org.QAGroupMember, "qamember", ("name", "group", "position", "job_title"))
MajorTable = _table(org.Major, "major", ("code", "name", "unit", "key_level", "founded_year", "years"))
CourseTable = _table(org.Course, "course", ("code", "name", "unit", "course_type", "hours",
                                            "practice_hours", "is_core"))
KlassTable = _table(org.Klass, "klass", ("code", "name", "major", "cohort"))
TeacherTable = _table(org.Teacher, "teacher", ("code", "name", "unit", "kind", "title", "degree",
                                               "dual_qualified"))
StudentTable = _table(org.Student, "student", ("code", "name", "gender", "major", "klass", "cohort",
                                               "status"))
