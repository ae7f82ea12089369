"""Imports of the teaching-process tables (考勤, 课堂检测, 作业): millions of rows a term, from a file or the API.

Same contract as the other state-data imports — Chinese template, all or nothing with the bad rows listed,
idempotent, recorded in the import history — but built for volume: the codes a file may name are loaded once
into dicts (code → id), each cell is parsed by a plain function, rows are kept as small dicts of ids, duplicates
are found by sorting rather than by a set of every key, only the first importing.ERROR_LIMIT bad rows are kept (the
rest are counted), and `services.process_import` writes in batches with INSERT … ON CONFLICT DO UPDATE.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar

from zhengai.core import importing
from zhengai.core.importing import Column, ImportResult
from zhengai.core.spreadsheets import SpreadsheetError, read_rows, too_many_rows
from zhengai.core.text import clean
from zhengai.org.models import Course, Student, Teacher

from . import models as sd
from . import services
from .choices import AttendanceStatus
from .importers import REGISTRY, Source, _yes_no, lookup_pool, number


def semester(value: str) -> str:
    """学期 "2025-2026-1" (also 2025-2026学年第一学期); returns the period code."""
    match = re.fullmatch(r"(\d{4})\s*[-—–]\s*(\d{4})(?:学年)?\s*[-—–第]?\s*([12一二])(?:学期)?", value)
    if match:
        start, end, term = int(match.group(1)), int(match.group(2)), match.group(3)
        if end == start + 1 and 1990 <= start <= 2100:
            return f"{start}-{end}-{'1' if term in '1一' else '2'}"
    raise ValueError(f"“{value}”不是学期（应如 2025-2026-1）")


day = importing.date  # the one date parser of every import


def _lesson(value: str) -> int:
    return importing.integer(1, 20)(value)


def _status() -> importing.Parser:
    by_label = {label: code for code, label in AttendanceStatus.choices}
    by_code = {str(code): code for code, _ in AttendanceStatus.choices}

    def parse(value: str) -> int:
        found = by_label.get(value) or by_code.get(value)
        if found is None:
            raise ValueError(f"“{value}”不是有效选项（可选：{'、'.join(by_label)}）")
        return found

    parse.labels = list(by_label)  # type: ignore[attr-defined]
    return parse


# The entity columns every teaching-process file has: (header, field, lookup model, required, help).
ENTITIES = [("学号", "student_id", Student, True, "本院校已有的学生"),
            ("课程代码", "course_id", Course, True, "本院校已有的课程"),
            ("工号", "teacher_id", Teacher, False, "授课教师，本院校已有的教师")]


class ProcessImporter(Source, importing.Importer):
    model: ClassVar[type[sd.ProcessRecord]]
    spec: ClassVar[list[Column]]

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        cls.name = str(cls.model._meta.verbose_name)
        cls.columns = [
            Column("学期", "period", semester, True, "如 2025-2026-1（第一学期，9月至1月）", "2025-2026-1"),
            Column("学号", "student_id", importing.text(30), True, "本院校已有的学生"),
            Column("学生姓名", "student__name", importing.text(100), False, "仅供阅读，导入时不核对"),
            Column("课程代码", "course_id", importing.text(30), True, "本院校已有的课程"),
            Column("课程名称", "course__name", importing.text(100), False, "仅供阅读，导入时不核对"),
            Column("工号", "teacher_id", importing.text(30), False, "授课教师，本院校已有的教师"),
            *cls.spec,
        ]
        cls.key = tuple(cls.model._meta.get_field(k).attname for k in cls.model.import_key)
        REGISTRY[cls.model._meta.model_name] = cls

    def prepare(self) -> None:
        self.lookups = {field: dict(lookup_pool(model, self.institution, self.actor).values_list("code", "id"))
                        for _, field, model, _, _ in ENTITIES}

    def parse(self, rows: list[list[str]], progress: importing.Progress | None = None
              ) -> tuple[list[tuple[int, dict[str, Any]]], ImportResult]:
        result = ImportResult()
        if not rows:
            result.file_error = "文件是空的"
            return [], result
        refusal = too_many_rows(len(rows) - 1)
        if refusal:
            result.file_error = refusal
            return [], result
        header = importing.read_header(rows[0])
        missing = [c.header for c in self.columns if c.required and c.header not in header]
        if missing:
            result.file_error = f"缺少必填列：{'、'.join(missing)}。请使用下载的模板。"
            return [], result
        self.present = {c.field for c in self.columns if c.header in header}
        result.notices = [*getattr(rows, "notices", []), *self.unknown_columns(header)]
        # Only the columns that are written: (header, field, parser, required, index or None).
        cells = [(c.header, c.field, c.parser, c.required, header.index(c.header) if c.header in header else None)
                 for c in self.columns if "__" not in c.field]
        self.prepare()
        parsed: list[tuple[int, dict[str, Any]]] = []
        width = len(header)
        total = len(rows) - 1
        for number_, raw in enumerate(rows[1:], start=2):
            if progress is not None and number_ % 5000 == 0:
                progress(number_ - 1, total, "检查数据")
            if len(raw) < width:
                raw = [*raw, *[""] * (width - len(raw))]
            if not any(raw):
                continue
            result.total += 1
            row: dict[str, Any] = {}
            messages: list[str] = []
            for head, field, parser, required, index in cells:
                value = raw[index].strip() if index is not None else ""
                if not value:
                    if required:
                        messages.append(f"“{head}”不能为空")
                    row[field] = None
                    continue
                try:
                    value = clean(value)
                except ValueError as exc:
                    messages.append(f"“{head}”{exc}")
                    continue
                lookup = self.lookups.get(field)
                if lookup is not None:
                    found = lookup.get(value)
                    if found is None:
                        messages.append(f"“{head}”中的“{value}”在本院校不存在")
                    row[field] = found
                    continue
                try:
                    row[field] = parser(value)
                except ValueError as exc:
                    messages.append(f"“{head}”{exc}")
            if not messages:
                self.complete(row, messages)
            if messages:
                result.add_error(number_, messages)
            else:
                parsed.append((number_, row))
        self._duplicates(parsed, result)
        if result.total == 0 and not result.bad_rows:
            result.file_error = "文件中没有数据行"
        return parsed, result

    def complete(self, row: dict[str, Any], messages: list[str]) -> None:
        """Per-table defaults and checks of one row."""

    def _duplicates(self, parsed: list[tuple[int, dict[str, Any]]], result: ImportResult) -> None:
        """Sort by key (also what makes the batched writes local) and report rows whose key repeats."""
        key = self.key
        parsed.sort(key=lambda item: tuple(item[1][k] for k in key))
        previous: tuple[Any, ...] | None = None
        first = 0
        bad = []
        for number_, row in parsed:
            current = tuple(row[k] for k in key)
            if current == previous:
                bad.append((number_, f"与第{first}行重复（{'+'.join(self._key_headers())}相同）"))
            else:
                previous, first = current, number_
        for number_, message in sorted(bad):
            result.add_error(number_, [message])
        result.errors.sort(key=lambda e: e.row)

    def _key_headers(self) -> list[str]:
        by_field = {c.field: c.header for c in self.columns}
        return [by_field.get(k, k) for k in self.key]

    # -- running ------------------------------------------------------------------------------------
    def run_file(self, data: bytes, filename: str, progress: importing.Progress | None = None) -> ImportResult:
        self.filename, self.checksum = filename, hashlib.sha256(data).hexdigest()
        try:
            rows = read_rows(data, filename)
        except SpreadsheetError as exc:
            result = ImportResult(file_error=str(exc))
            self.record = services.import_refused(actor=self.actor, institution=self.institution, model=self.model,
                                                  filename=filename, checksum=self.checksum, result=result,
                                                  period_codes=set(), **self.origin())
            return result
        return self.run_rows(rows, progress)

    def run_rows(self, rows: list[list[str]], progress: importing.Progress | None = None) -> ImportResult:
        filename, checksum = getattr(self, "filename", ""), getattr(self, "checksum", "")
        parsed, result = self.parse(rows, progress)
        if not result.ok:
            codes = {row["period"] for _, row in parsed[:10_000]}
            self.record = services.import_refused(actor=self.actor, institution=self.institution, model=self.model,
                                                  filename=filename, checksum=checksum, result=result,
                                                  period_codes=codes, **self.origin())
            return result
        self.record = services.process_import(actor=self.actor, institution=self.institution, model=self.model,
                                              rows=[row for _, row in parsed], filename=filename,
                                              checksum=checksum, result=result, progress=progress, **self.origin())
        return result

    def export_rows(self, queryset: Any) -> list[list[Any]]:
        return []  # templates only: millions of rows are not exported to Excel


class AttendanceImporter(ProcessImporter):
    model = sd.Attendance
    spec = [Column("上课日期", "lesson_date", day, True, "如 2025-09-08", "2025-09-08"),
            Column("节次", "lesson_no", _lesson, True, "第几节，1–20", "1"),
            Column("考勤状态", "status", _status(), True, "出勤、迟到、请假、缺勤或早退", "出勤")]


class LessonCheckImporter(ProcessImporter):
    model = sd.LessonCheck
    spec = [Column("上课日期", "lesson_date", day, True, "如 2025-09-08", "2025-09-08"),
            Column("节次", "lesson_no", _lesson, True, "第几节，1–20", "1"),
            Column("得分", "score", number(5, 1), False, "可不填", "85"),
            Column("是否达标", "passed", _yes_no, True, "是或否", "是")]


class HomeworkImporter(ProcessImporter):
    model = sd.Homework
    spec = [Column("作业编号", "assignment", importing.text(30), True, "课程内的作业编号", "HW01"),
            Column("截止日期", "due_date", day, True, "如 2025-09-15", "2025-09-15"),
            Column("是否提交", "submitted", _yes_no, True, "是或否", "是"),
            Column("是否按时提交", "on_time", _yes_no, False, "不填则为“否”", "是"),
            Column("成绩", "score", number(5, 1), False, "可不填", "90")]

    def complete(self, row: dict[str, Any], messages: list[str]) -> None:
        if row["on_time"] is None:
            row["on_time"] = False
        if row["on_time"] and not row["submitted"]:
            messages.append("未提交的作业不能是“按时提交”")


def importer_for(model: type[sd.ProcessRecord]) -> type[ProcessImporter]:
    return REGISTRY[model._meta.model_name]
