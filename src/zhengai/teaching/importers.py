"""The timetable (课表) and roster (选课名单) imports from the academic-affairs system's exports.

Same contract as every import (core.importing): Chinese template, every bad row listed with its reasons, nothing
written unless the whole file is good, a repeat changes nothing. A timetable has one row per slot; the rows of
one teaching class must agree on its name, course, teachers and classes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import IntegrityError

from zhengai.core import importing
from zhengai.core.importing import Column, ImportResult, RowInvalid
from zhengai.core.models import Period
from zhengai.org.models import Course, Klass, Student, Teacher
from zhengai.statedata.process import semester
from zhengai.statedata.services import semester_for_code

from . import services
from .models import Offering

_WEEKDAYS = {**{str(i): i for i in range(1, 8)}, **{c: i + 1 for i, c in enumerate("一二三四五六日")}, "天": 7}


def weekday(value: str) -> int:
    text = value.replace("星期", "").replace("周", "").strip()
    if text in _WEEKDAYS:
        return _WEEKDAYS[text]
    raise ValueError(f"“{value}”不是星期（填1–7或一至日）")


def weeks(value: str) -> str:
    services.parse_weeks(value)  # raises the Chinese message
    return value.replace("，", ",").replace("、", ",").replace(" ", "")


class _Lookups:
    def _codes(self, model: Any) -> dict[str, int]:
        return dict(model.objects.filter(institution=self.institution).values_list("code", "pk"))  # type: ignore[attr-defined]


class TimetableImporter(_Lookups, importing.Importer):
    name = "课表"
    columns = [
        Column("学期", "period", semester, True, "如 2025-2026-1（第一学期）", "2025-2026-1"),
        Column("教学班代码", "code", importing.text(40), True, "教务系统的教学班代码，同一学期内唯一", "JX2025001"),
        Column("教学班名称", "name", importing.text(100), True, "如 Java程序设计-软件2401", "Java程序设计-软件2401"),
        Column("课程代码", "course", importing.text(30), True, "本院校已有的课程", "C001"),
        Column("教师工号", "teachers", importing.multi(), True, "一人或多人，用“、”或“,”分隔", "T001"),
        Column("班级代码", "classes", importing.multi(), False,
               "一个或多个行政班，用“、”或“,”分隔；选课形成的混合班留空，另行导入选课名单", "K2401"),
        Column("上课周次", "weeks", weeks, True, "如 1-16、1-8,10-17、2-16双、1-15单", "1-16"),
        Column("星期", "weekday", weekday, True, "1–7 或 一至日", "1"),
        Column("起始节次", "first_period", importing.integer(1, 20), True, "1–20", "1"),
        Column("结束节次", "last_period", importing.integer(1, 20), True, "1–20，不早于起始节次", "2"),
        Column("上课地点", "room", importing.text(60), False, "教室", "A101"),
    ]
    key = ("period", "code", "weeks", "weekday", "first_period")

    def prepare(self) -> None:
        self.course_ids = self._codes(Course)
        self.teacher_ids = self._codes(Teacher)
        self.class_ids = self._codes(Klass)

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        messages = []
        if row["course"] not in self.course_ids:
            messages.append(f"“课程代码”中的“{row['course']}”在本院校不存在")
        missing = [t for t in row["teachers"] if t not in self.teacher_ids]
        if missing:
            messages.append(f"“教师工号”中的“{'、'.join(missing)}”在本院校不存在")
        missing = [k for k in row["classes"] or [] if k not in self.class_ids]
        if missing:
            messages.append(f"“班级代码”中的“{'、'.join(missing)}”在本院校不存在")
        if row["last_period"] < row["first_period"]:
            messages.append("“结束节次”不能早于“起始节次”")
        if messages:
            raise RowInvalid(messages)
        row["course_id"] = self.course_ids[row["course"]]
        row["teacher_ids"] = sorted({self.teacher_ids[t] for t in row["teachers"]})
        row["class_ids"] = sorted({self.class_ids[k] for k in row["classes"] or []})
        row["room"] = row["room"] or ""
        return row

    def run_rows(self, rows: list[list[str]], progress: importing.Progress | None = None) -> ImportResult:
        parsed, result = self.parse(rows, progress)
        groups: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for number, row in parsed:
            groups[(row["period"], row["code"])].append((number, row))
        offerings = []
        agree = {"教学班名称": "name", "课程代码": "course_id", "教师工号": "teacher_ids", "班级代码": "class_ids"}
        for (period_code, code), members in groups.items():
            first_number, first = members[0]
            for number, row in members[1:]:
                differ = [header for header, name in agree.items() if row[name] != first[name]]
                if differ:
                    result.add_error(number, [f"与第{first_number}行同一教学班，但“{'、'.join(differ)}”不同"])
            offerings.append((period_code, code, first, members))
        result.errors.sort(key=lambda e: e.row)
        if not result.ok:
            return result
        periods: dict[str, Period] = {}
        batches = []
        for period_code, code, first, members in offerings:
            if period_code not in periods:
                periods[period_code] = semester_for_code(period_code)
            batches.append(services.OfferingRows(
                period=periods[period_code], code=code, name=first["name"], course_id=first["course_id"],
                teacher_ids=first["teacher_ids"], class_ids=first["class_ids"],
                slots=[{k: row[k] for k in ("weeks", "weekday", "first_period", "last_period", "room")}
                       for _, row in members]))
        try:
            outcome = services.timetable_import(actor=self.actor, institution=self.institution, offerings=batches)
        except IntegrityError:
            return importing.busy_result(result)
        # Counted per teaching class (a class has several timetable rows).
        result.created, result.updated, result.unchanged = outcome.created, outcome.updated, outcome.unchanged
        result.notices.append(f"新增、更新、未变按教学班计：共{len(batches)}个教学班。")
        return result

    def export_rows(self, queryset: Any) -> list[list[Any]]:
        out = []
        for offering in queryset.prefetch_related("teachers", "classes", "slots").select_related("period",
                                                                                               "course"):
            for slot in offering.slots.all():
                out.append([offering.period.code, offering.code, offering.name, offering.course.code,
                            "、".join(t.code for t in offering.teachers.all()),
                            "、".join(k.code for k in offering.classes.all()), slot.weeks, slot.weekday,
                            slot.first_period, slot.last_period, slot.room])
        return out


class RosterImporter(_Lookups, importing.Importer):
    name = "选课名单"
    columns = [
        Column("学期", "period", semester, False, "可不填：不填时按该代码最近一个学期的教学班", "2025-2026-1"),
        Column("教学班代码", "code", importing.text(40), True, "课表中已有的教学班", "JX2025001"),
        Column("学号", "student", importing.text(30), True, "本院校已有的学生", "S001"),
        Column("学生姓名", "student_name", importing.text(100), False, "仅供阅读，导入时不核对", ""),
    ]
    key = ("offering_id", "student_id")

    def prepare(self) -> None:
        self.student_ids = self._codes(Student)
        # code → offering id, the newest semester first; (period code, code) → id
        self.by_code: dict[str, int] = {}
        self.by_period: dict[tuple[str, str], int] = {}
        for pk, code, period_code in (Offering.objects.filter(institution=self.institution)
                                      .order_by("-period__start").values_list("pk", "code", "period__code")):
            self.by_code.setdefault(code, pk)
            self.by_period[(period_code, code)] = pk

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        messages = []
        offering = (self.by_period.get((row["period"], row["code"])) if row["period"]
                    else self.by_code.get(row["code"]))
        if offering is None:
            messages.append(f"教学班“{row['code']}”不存在，请先导入课表")
        if row["student"] not in self.student_ids:
            messages.append(f"“学号”中的“{row['student']}”在本院校不存在")
        if messages:
            raise RowInvalid(messages)
        row["offering_id"], row["student_id"] = offering, self.student_ids[row["student"]]
        return row

    def run_rows(self, rows: list[list[str]], progress: importing.Progress | None = None) -> ImportResult:
        parsed, result = self.parse(rows, progress)
        if not result.ok:
            return result
        rosters: dict[int, set[int]] = defaultdict(set)
        for _, row in parsed:
            rosters[row["offering_id"]].add(row["student_id"])
        try:
            outcome = services.roster_import(actor=self.actor, institution=self.institution, rosters=rosters)
        except IntegrityError:
            return importing.busy_result(result)
        result.created, result.updated, result.unchanged = outcome.created, outcome.updated, outcome.unchanged
        result.notices.append(f"更新、未变按教学班计：共{len(rosters)}个教学班的名单。")
        return result

    def export_rows(self, queryset: Any) -> list[list[Any]]:
        return []
