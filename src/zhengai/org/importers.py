"""Excel imports of units, majors, courses, classes, teachers and students.

Each importer names its model and its columns (Chinese header → model field); how a cell is parsed, whether it
is required and how a reference is looked up follow from the model field. Rows are matched by code; references
are codes that must exist in the institution — within what the importing user may manage, for the field that
places the record (a unit head imports majors into their own unit only). Every row is checked in full (the org
services' rules and the model's own validation) before anything is written, so one pass lists every bad row.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.fields import NOT_PROVIDED

from zhengai.core import importing
from zhengai.core.importing import Column, RowInvalid
from zhengai.core.permissions import CHANGE, VIEW

from . import services
from .models import Course, Klass, Major, Student, Teacher, Unit


def _yes_no(value: str) -> bool:
    return importing.boolean(value)


_yes_no.labels = ["是", "否"]  # type: ignore[attr-defined]  # gives the template a dropdown, like a coded field


class _Pending(str):
    """A reference to a record created earlier in the same file (a unit's parent), resolved when saving."""


class OrgImporter(importing.Importer):
    model: ClassVar[type[models.Model]]
    kind: ClassVar[str]                                  # service stem: services.<kind>_create / _update
    spec: ClassVar[list[tuple[str, str]]]                # (Chinese header, model field)
    # How a reference may be written; the first attribute is what exports write. Default: the code.
    ref_keys: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        cls.name = cls.model._meta.verbose_name
        cls.columns = [cls._column(header, name) for header, name in cls.spec]

    @classmethod
    def _column(cls, header: str, name: str) -> Column:
        field = cls.model._meta.get_field(name)
        required = not field.blank and field.default is NOT_PROVIDED
        if field.is_relation:
            target = field.related_model._meta.verbose_name
            many = "；可填多个，用“、”或“,”分隔" if field.many_to_many else ""
            own = "，或本文件中更早的行" if field.related_model is cls.model else ""
            return Column(header, name, importing.multi() if field.many_to_many else importing.text(),
                          required, f"本院校已有的{target}{own}{many}")
        if field.choices:
            parser = importing.choice(field.choices)
        elif isinstance(field, models.BooleanField):
            parser = _yes_no
        elif isinstance(field, models.IntegerField):
            parser = importing.integer(0, 32767)
        else:
            parser = importing.text(field.max_length or 10000)
        default = "" if required or field.default is NOT_PROVIDED else field.default
        if default != "" and field.choices:
            default = dict(field.flatchoices)[default]
        elif isinstance(default, bool):
            default = "是" if default else "否"
        return Column(header, name, parser, required, f"不填则为“{default}”" if default != "" else "")

    # -- lookups --------------------------------------------------------------------------------
    def _relations(self) -> list[models.Field]:
        return [f for f in (self.model._meta.get_field(c.field) for c in self.columns) if f.is_relation]

    def _keys(self, field: models.Field) -> tuple[str, ...]:
        return self.ref_keys.get(field.name, ("code",))

    def _pool(self, model: type[models.Model], action: str) -> Any:
        return model.objects.restrict(self.actor, action).filter(institution=self.institution)

    def prepare(self) -> None:
        self.existing = {o.code: o for o in self._pool(self.model, VIEW)}
        self.changeable = set(self._pool(self.model, CHANGE).values_list("pk", flat=True))
        self.file_codes: set[str] = set()
        # The field that places a record is chosen among what the user may change; other references
        # (a course's majors and teachers, a unit's systems) among what they may see.
        self.lookups: dict[str, dict[str, Any]] = {}
        self.allowed: dict[str, set[int]] = {}
        for field in self._relations():
            pool = list(self._pool(field.related_model, VIEW))
            self.lookups[field.name] = {str(getattr(o, k)): o for o in pool for k in self._keys(field)}
            action = VIEW if field.many_to_many else CHANGE
            allowed = self._pool(field.related_model, action).values_list("pk", flat=True)
            self.allowed[field.name] = set(allowed)

    def _resolve(self, field: models.Field, header: str, value: Any, row: dict, messages: list[str]) -> Any:
        if value is None:
            return [] if field.many_to_many else None
        found = []
        own = field.related_model is self.model
        for code in value if field.many_to_many else [value]:
            obj = self.lookups[field.name].get(code)
            if own and code == row["code"]:
                messages.append(f"“{header}”不能是本{self.name}")
            elif obj is None and own and code in self.file_codes:
                found.append(_Pending(code))
            elif obj is None:
                messages.append(f"“{header}”中的“{code}”在本院校不存在")
            elif obj.pk not in self.allowed[field.name]:
                messages.append(f"“{header}”中的“{code}”不在您可管理的范围内")
            else:
                found.append(obj)
        return found if field.many_to_many else (found[0] if found else None)

    def _default(self, name: str) -> Any:
        field = self.model._meta.get_field(name)
        if field.has_default():
            return field.get_default()
        return None if field.null else ""

    # -- rows -----------------------------------------------------------------------------------
    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        messages: list[str] = []
        headers = {c.field: c.header for c in self.columns}
        fields = {}
        for name, value in row.items():
            if name not in self.present:
                continue
            field = self.model._meta.get_field(name)
            if field.is_relation:
                fields[name] = self._resolve(field, headers[name], value, row, messages)
            else:
                fields[name] = self._default(name) if value is None else value
        current = self.existing.get(row["code"])
        if current is not None and current.pk not in self.changeable:
            messages.append(f"无权修改{self.name}“{row['code']}”")
        if not messages:
            messages = self._validate(current, fields)
        if messages:
            raise RowInvalid(messages)
        self.file_codes.add(row["code"])
        return fields

    def _validate(self, current: Any, fields: dict[str, Any]) -> list[str]:
        """All that saving would check, on a copy, so that every bad row is found before any is written."""
        candidate = copy.copy(current) if current is not None else self.model(institution=self.institution)
        plain = {k: (None if isinstance(v, _Pending) else v) for k, v in fields.items()}
        for name, value in plain.items():
            if not self.model._meta.get_field(name).many_to_many:
                setattr(candidate, name, value)
        # References were looked up in the institution already: the model need not query each one again.
        resolved = [f.name for f in self._relations()]
        try:
            services.check(candidate, plain)
            candidate.full_clean(exclude=resolved)
        except ValidationError as exc:
            return self._messages(exc)
        return []

    def _messages(self, exc: ValidationError) -> list[str]:
        headers = {c.field: c.header for c in self.columns}
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        return [m if name == NON_FIELD_ERRORS else f"“{headers.get(name, name)}”：{m}"
                for name, messages in errors.items() for m in messages]

    def save_row(self, row: dict[str, Any]) -> str:
        fields = {k: (self.lookups[k][v] if isinstance(v, _Pending) else v) for k, v in row.items()}
        current = self.existing.get(row["code"])
        # A row that named a parent from earlier in the file was checked without it: validate it again.
        validated = not any(isinstance(v, _Pending) for v in row.values())
        try:
            if current is None:
                create = getattr(services, f"{self.kind}_create")
                obj, outcome = create(actor=self.actor, institution=self.institution, validated=validated,
                                      **fields)
            else:
                update = getattr(services, f"{self.kind}_update")
                obj, outcome = update(actor=self.actor, validated=validated, **{self.kind: current}, **fields)
        except ValidationError as exc:
            raise RowInvalid(self._messages(exc)) from exc
        for field in self._relations():
            if field.related_model is self.model:  # later rows may name this one as their parent
                self.lookups[field.name][obj.code] = obj
        return outcome

    # -- export ---------------------------------------------------------------------------------
    def export_rows(self, queryset: Any) -> list[list[Any]]:
        relations = self._relations()
        queryset = queryset.select_related(*[f.name for f in relations if not f.many_to_many])
        queryset = queryset.prefetch_related(*[f.name for f in relations if f.many_to_many])
        return [[self._cell(obj, c.field) for c in self.columns] for obj in self.ordered(queryset)]

    def ordered(self, queryset: Any) -> list[Any]:
        return list(queryset)

    def _cell(self, obj: Any, name: str) -> Any:
        field = self.model._meta.get_field(name)
        value = getattr(obj, name)
        if field.many_to_many:
            return "、".join(sorted(str(getattr(o, self._keys(field)[0])) for o in value.all()))
        if field.is_relation:
            return getattr(value, self._keys(field)[0]) if value is not None else ""
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return "是" if value else "否"
        return "" if value is None else value


class UnitImporter(OrgImporter):
    model, kind = Unit, "unit"
    spec = [("部门代码", "code"), ("部门名称", "name"), ("部门类型", "kind"), ("上级部门代码", "parent"),
            ("所属纵向系统", "systems"), ("排序", "order")]
    ref_keys = {"systems": ("name", "code")}

    def ordered(self, queryset: Any) -> list[Any]:
        """Parents before their children, so that the export imports into an empty institution too."""
        units = list(queryset)
        by_pk = {u.pk: u for u in units}

        def depth(unit: Unit) -> int:
            level = 0
            while unit.parent_id in by_pk and level < len(by_pk):
                unit, level = by_pk[unit.parent_id], level + 1
            return level

        return sorted(units, key=depth)  # stable: the list's order within each level


class MajorImporter(OrgImporter):
    model, kind = Major, "major"
    spec = [("专业代码", "code"), ("专业名称", "name"), ("所属院系代码", "unit"),
            ("重点专业级别", "key_level"), ("设置年份", "founded_year"), ("学制", "years")]


class CourseImporter(OrgImporter):
    model, kind = Course, "course"
    spec = [("课程代码", "code"), ("课程名称", "name"), ("开课部门代码", "unit"), ("课程类型", "course_type"),
            ("总学时", "hours"), ("实践学时", "practice_hours"), ("专业核心课", "is_core"),
            ("校企合作开发", "co_developed"), ("面向专业代码", "majors"), ("授课教师工号", "teachers")]


class KlassImporter(OrgImporter):
    model, kind = Klass, "klass"
    spec = [("班级代码", "code"), ("班级名称", "name"), ("专业代码", "major"), ("年级", "cohort")]


class TeacherImporter(OrgImporter):
    model, kind = Teacher, "teacher"
    spec = [("工号", "code"), ("姓名", "name"), ("所在部门代码", "unit"), ("教师类别", "kind"),
            ("性别", "gender"), ("出生年份", "birth_year"), ("职称", "title"), ("最高学位", "degree"),
            ("双师素质", "dual_qualified")]


class StudentImporter(OrgImporter):
    model, kind = Student, "student"
    spec = [("学号", "code"), ("姓名", "name"), ("性别", "gender"), ("专业代码", "major"),
            ("班级代码", "klass"), ("年级", "cohort"), ("学籍状态", "status")]
