"""All-or-nothing, idempotent spreadsheet imports.

An importer declares its columns (Chinese headers), how each cell is parsed, and the natural key of a row.
`run_import` reads the whole file, checks every row, and writes nothing if any row is bad; the result lists
every bad row with its number (as Excel numbers it) and the reasons, in Chinese. Rows are matched to existing
records by natural key, so importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from openpyxl import Workbook

from .spreadsheets import SpreadsheetError, read_rows, workbook_bytes, write_sheet

Parser = Callable[[str], Any]
Progress = Callable[[int, int, str], None]


# ---- cell parsers: each raises ValueError with a Chinese message --------------------------------

def text(max_length: int = 200) -> Parser:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(f"不能超过{max_length}个字符（现有{len(value)}个）")
        return value

    return parse


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(value: str) -> int:
        try:
            number = decimal.Decimal(value)
        except decimal.InvalidOperation as exc:
            raise ValueError(f"“{value}”不是整数") from exc
        if number != number.to_integral_value():
            raise ValueError(f"“{value}”不是整数")
        result = int(number)
        if minimum is not None and result < minimum:
            raise ValueError(f"不能小于{minimum}")
        if maximum is not None and result > maximum:
            raise ValueError(f"不能大于{maximum}")
        return result

    return parse


def boolean(value: str) -> bool:
    if value in {"是", "Y", "y", "1", "TRUE", "true", "√"}:
        return True
    if value in {"否", "N", "n", "0", "FALSE", "false", "×"}:
        return False
    raise ValueError(f"“{value}”应为“是”或“否”")


def date(value: str) -> datetime.date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{value}”不是日期（应如 2025-09-01）")


def choice(choices: Sequence[tuple[str, str]]) -> Parser:
    """A coded field: accepts the Chinese label (what the template's dropdown offers) or the code."""
    by_label = {str(label): code for code, label in choices}
    codes = {str(code) for code, _ in choices}

    def parse(value: str) -> str:
        if value in by_label:
            return by_label[value]
        if value in codes:
            return value
        raise ValueError(f"“{value}”不是有效选项（可选：{'、'.join(by_label)}）")

    parse.labels = list(by_label)  # type: ignore[attr-defined]
    return parse


def multi(separator_chars: str = "，,、;；") -> Parser:
    def parse(value: str) -> list[str]:
        for sep in separator_chars[1:]:
            value = value.replace(sep, separator_chars[0])
        return [v.strip() for v in value.split(separator_chars[0]) if v.strip()]

    return parse


@dataclass
class Column:
    header: str
    field: str
    parser: Parser = field(default_factory=text)
    required: bool = False
    help: str = ""
    example: str = ""

    @property
    def choices(self) -> list[str] | None:
        return getattr(self.parser, "labels", None)


@dataclass
class RowError:
    row: int
    messages: list[str]


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    def as_dict(self) -> dict[str, Any]:
        """JSON for a background job's result; `from_dict` reads it back for the page."""
        data = {k: getattr(self, k) for k in ("total", "created", "updated", "unchanged", "file_error")}
        data["errors"] = [[e.row, e.messages] for e in self.errors]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        errors = [RowError(row, messages) for row, messages in data.get("errors", [])]
        fields = {k: data.get(k, 0) for k in ("total", "created", "updated", "unchanged")}
        return cls(errors=errors, file_error=data.get("file_error", ""), **fields)

    @property
    def summary(self) -> str:
        if self.file_error:
            return self.file_error
        if self.errors:
            return f"文件共{self.total}行数据，其中{len(self.errors)}行有错误，整个文件未导入。"
        return f"导入完成：共{self.total}行，新增{self.created}行，更新{self.updated}行，未变{self.unchanged}行。"


class RowInvalid(ValueError):
    def __init__(self, messages: list[str]):
        super().__init__("；".join(messages))
        self.messages = messages


class Importer:
    """Subclasses declare `name`, `columns`, `key` and implement `prepare`, `clean_row` and `save_row`."""

    name: str = ""
    columns: list[Column] = []
    key: tuple[str, ...] = ("code",)

    def __init__(self, institution: Any, actor: Any):
        self.institution = institution
        self.actor = actor
        self.present: set[str] = set()

    # -- hooks ---------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Load the lookups rows refer to (units by code, majors by code…) once per file."""

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """Cross-field checks and lookups; raise RowInvalid with every problem of the row."""
        return row

    def save_row(self, row: dict[str, Any]) -> str:
        """Create or update one record through the app's services; return "created", "updated" or "unchanged"."""
        raise NotImplementedError

    def export_rows(self, queryset: Any) -> list[list[Any]]:
        """Rows in the template's layout, so an export can be edited and imported back."""
        raise NotImplementedError

    # -- machinery ------------------------------------------------------------------------------
    def template(self, queryset: Any = None) -> bytes:
        workbook = Workbook()
        headers = [c.header for c in self.columns]
        rows = self.export_rows(queryset) if queryset is not None else []
        choices = {i: c.choices for i, c in enumerate(self.columns) if c.choices}
        required = [i for i, c in enumerate(self.columns) if c.required]
        write_sheet(workbook, self.name, headers, rows, choices=choices, required=required, first=True)
        notes = [[c.header, "必填" if c.required else "选填", c.help, c.example,
                  "、".join(c.choices) if c.choices else ""] for c in self.columns]
        notes.append([])
        notes.append(["说明", "", "红色表头为必填列；第一行为表头，从第二行起每行一条记录。"
                      f"按“{'+'.join(self._key_headers())}”识别记录：已有则更新，没有则新增；"
                      "只要有一行有错，整个文件都不会导入。", "", ""])
        write_sheet(workbook, "填写说明", ["列名", "是否必填", "说明", "示例", "可选值"], notes)
        return workbook_bytes(workbook)

    def _key_headers(self) -> list[str]:
        by_field = {c.field: c.header for c in self.columns}
        return [by_field.get(k, k) for k in self.key]

    def parse(self, rows: list[list[str]], progress: Progress | None = None
              ) -> tuple[list[tuple[int, dict[str, Any]]], ImportResult]:
        result = ImportResult()
        if not rows:
            result.file_error = "文件是空的"
            return [], result
        header = [h.strip().rstrip("*＊").strip() for h in rows[0]]
        # The fields whose column the file has: an importer may leave the others alone.
        self.present = {c.field for c in self.columns if c.header in header}
        positions: dict[str, int] = {}
        for column in self.columns:
            if column.header in header:
                positions[column.field] = header.index(column.header)
            elif column.required:
                missing = [c.header for c in self.columns if c.required and c.header not in header]
                result.file_error = f"缺少必填列：{'、'.join(missing)}。请使用下载的模板。"
                return [], result
        self.prepare()
        parsed: list[tuple[int, dict[str, Any]]] = []
        seen: dict[tuple[Any, ...], int] = {}
        for number, raw in enumerate(rows[1:], start=2):
            if progress is not None:
                progress(number - 1, len(rows) - 1, "检查数据")
            if not any(cell.strip() for cell in raw):
                continue
            result.total += 1
            row: dict[str, Any] = {}
            messages: list[str] = []
            for column in self.columns:
                index = positions.get(column.field)
                value = raw[index].strip() if index is not None and index < len(raw) else ""
                if not value:
                    if column.required:
                        messages.append(f"“{column.header}”不能为空")
                    row[column.field] = None
                    continue
                try:
                    row[column.field] = column.parser(value)
                except ValueError as exc:
                    messages.append(f"“{column.header}”{exc}")
            if not messages:
                try:
                    row = self.clean_row(row)
                except RowInvalid as exc:
                    messages.extend(exc.messages)
            if not messages:
                key = tuple(row.get(k) for k in self.key)
                if key in seen:
                    messages.append(f"与第{seen[key]}行重复（{'+'.join(self._key_headers())}相同）")
                else:
                    seen[key] = number
            if messages:
                result.errors.append(RowError(number, messages))
            else:
                parsed.append((number, row))
        if result.total == 0 and not result.errors:
            result.file_error = "文件中没有数据行"
        return parsed, result

    def run(self, data: bytes, filename: str) -> ImportResult:
        try:
            rows = read_rows(data, filename)
        except SpreadsheetError as exc:
            return ImportResult(file_error=str(exc))
        return self.run_rows(rows)

    def run_rows(self, rows: list[list[str]], progress: Progress | None = None) -> ImportResult:
        parsed, result = self.parse(rows, progress)
        if not result.ok:
            return result
        try:
            with transaction.atomic():
                for done, (number, row) in enumerate(parsed, start=1):
                    if progress is not None:
                        progress(done, len(parsed), "写入数据")
                    try:
                        outcome = self.save_row(row)
                    except RowInvalid as exc:
                        result.errors.append(RowError(number, exc.messages))
                        continue
                    setattr(result, outcome, getattr(result, outcome) + 1)
                if result.errors:
                    raise _Rollback
        except _Rollback:
            result.created = result.updated = result.unchanged = 0
        return result


class _Rollback(Exception):
    pass


# ---- large files run as a background job -----------------------------------------------------------

def importer_path(importer_class: type[Importer]) -> str:
    return f"{importer_class.__module__}.{importer_class.__qualname__}"


def import_start(*, importer_class: type[Importer], institution: Any, actor: Any, data: bytes,
                 filename: str, label: str) -> Any:
    """Keep the uploaded file and import it in the background; returns the Job to watch."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .jobs import job_start

    path = default_storage.save(f"imports/{uuid.uuid4().hex}/{filename}", ContentFile(data))
    return job_start(actor=actor, institution=institution, kind="import", label=label,
                     params={"importer": importer_path(importer_class), "path": path, "filename": filename})


def run_import_job(job: Any, progress: Any) -> dict[str, Any]:
    """The "import" job's handler (registered in CoreConfig.ready, so the worker knows it too)."""
    from django.core.files.storage import default_storage
    from django.utils.module_loading import import_string

    importer = import_string(job.params["importer"])(job.institution, job.created_by)
    with default_storage.open(job.params["path"]) as handle:
        data = handle.read()
    try:
        rows = read_rows(data, job.params["filename"])
    except SpreadsheetError as exc:
        return ImportResult(file_error=str(exc)).as_dict()
    return importer.run_rows(rows, progress).as_dict()

