"""All-or-nothing, idempotent spreadsheet imports.

An importer declares its columns (Chinese headers), how each cell is parsed, and the natural key of a row.
`run_import` reads the whole file, checks every row, and writes nothing if any row is bad; the result lists
every bad row with its number (as Excel numbers it) and the reasons, in Chinese. Rows are matched to existing
records by natural key, so importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime
import decimal
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from openpyxl import Workbook

from .spreadsheets import SpreadsheetError, read_rows, too_many_rows, workbook_bytes, write_sheet
from .text import clean, half_width, shown

Parser = Callable[[str], Any]
Progress = Callable[[int, int, str], None]


# ---- cell parsers: each raises ValueError with a Chinese message --------------------------------

def text(max_length: int = 200) -> Parser:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(f"不能超过{max_length}个字符（现有{len(value)}个）")
        return value

    return parse


def finite_decimal(value: str, what: str = "数字") -> decimal.Decimal:
    """A finite decimal from a cell (full-width digits and signs read as half-width); ValueError otherwise.

    Infinity, -inf and NaN parse as decimals, and sNaN even raises InvalidOperation when compared: refused here
    so that no parser downstream meets them."""
    try:
        number = decimal.Decimal(half_width(value))
    except decimal.InvalidOperation as exc:
        raise ValueError(f"“{value}”不是{what}") from exc
    if not number.is_finite():
        raise ValueError(f"“{value}”不是{what}（不接受无穷大或非数）")
    if number.adjusted() > 30:
        raise ValueError(f"“{value}”太大")  # before int(): 1e999999999 would take the worker's memory
    return number


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(value: str) -> int:
        number = finite_decimal(value, "整数")
        if number != number.to_integral_value():
            raise ValueError(f"“{value}”不是整数")
        if minimum is not None and number < minimum:
            raise ValueError(f"不能小于{minimum}")
        if maximum is not None and number > maximum:
            raise ValueError(f"不能大于{maximum}")
        return int(number)

    return parse


def boolean(value: str) -> bool:
    if value in {"是", "Y", "y", "1", "TRUE", "true", "√"}:
        return True
    if value in {"否", "N", "n", "0", "FALSE", "false", "×"}:
        return False
    raise ValueError(f"“{value}”应为“是”或“否”")


EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 1900-01-01 in Excel's (leap-year-bug) count
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?", re.ASCII)


def date(value: str) -> datetime.date:
    """The one date parser of every import: 2025-09-01, 2025-9-1, 2025/9/1, 2025.9.1, 2025年9月1日, 20250901,
    full-width digits, a date with a 00:00 time (what a date cell with a time format gives), and an Excel
    serial number such as 45901 (a date cell that lost its format). A real date cell arrives as ISO text from
    core.spreadsheets. A time other than midnight is refused rather than silently dropped."""
    text_ = half_width(value).strip()
    if text_.isdigit() and len(text_) == 5 and 20000 <= int(text_) <= 80000:  # 1954-10-03 … 2119-01-10
        return EXCEL_EPOCH + datetime.timedelta(days=int(text_))
    if text_.isdigit() and len(text_) == 8:
        text_ = f"{text_[:4]}-{text_[4:6]}-{text_[6:]}"
    match = _DATE.fullmatch(text_)
    if match:
        year, month, day, *clock = match.groups()
        if any(part and int(part) for part in clock):
            raise ValueError(f"“{value}”带有时刻，此列只填日期（应如 2025-09-01）")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"“{value}”不是有效日期") from None
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


# Bad rows a result lists (the page, a job's result, the import history); the rest are counted, not listed, so
# a file of a million bad rows does not make a page or a JSON result of a million entries.
ERROR_LIMIT = 1000


@dataclass
class ImportResult:
    """The outcome of one file. `error_count` is the true number of bad rows even when `errors` lists only the
    first ERROR_LIMIT; `notices` are things the person should know about an accepted file (a column that was
    not read, the sheet that was taken)."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    error_count: int = 0
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error and not self.error_count

    def add_error(self, row: int, messages: list[str]) -> None:
        self.error_count = max(self.error_count, len(self.errors)) + 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append(RowError(row, messages))

    @property
    def bad_rows(self) -> int:
        """Every bad row, listed or not (errors appended directly count too)."""
        return max(self.error_count, len(self.errors))

    @property
    def more_errors(self) -> int:
        return self.bad_rows - len(self.errors)

    def as_dict(self) -> dict[str, Any]:
        """JSON for a background job's result; `from_dict` reads it back for the page."""
        data: dict[str, Any] = {k: getattr(self, k) for k in ("total", "created", "updated", "unchanged",
                                                              "file_error")}
        data["errors"] = [[e.row, e.messages] for e in self.errors[:ERROR_LIMIT]]
        data["error_count"] = self.bad_rows
        data["notices"] = list(self.notices)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        errors = [RowError(row, messages) for row, messages in data.get("errors", [])]
        fields = {k: data.get(k, 0) for k in ("total", "created", "updated", "unchanged", "error_count")}
        return cls(errors=errors, file_error=data.get("file_error", ""), notices=list(data.get("notices", [])),
                   **fields)

    @property
    def summary(self) -> str:
        notes = "".join(self.notices)
        if self.file_error:
            return self.file_error
        if self.bad_rows:
            text_ = f"文件共{self.total}行数据，其中{self.bad_rows}行有错误，整个文件未导入。"
            if self.more_errors:
                text_ += f"下面列出前{len(self.errors)}行，其余{self.more_errors}行未列出。"
            return text_ + notes
        return (f"导入完成：共{self.total}行，新增{self.created}行，更新{self.updated}行，"
                f"未变{self.unchanged}行。{notes}")


def read_header(cells: list[str]) -> list[str]:
    """The header row as column names: a required column's trailing * dropped, refused characters kept (they
    make the name unknown, and the notice shows them)."""
    return [h.strip().rstrip("*＊").strip() for h in cells]


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

    def unknown_columns(self, header: list[str]) -> list[str]:
        """A notice naming the file's columns that are not the template's: they are not read, and saying so
        keeps a clerk from believing a misspelt column was imported."""
        known = {c.header for c in self.columns}
        unknown = [shown(h) for h in header if h and h not in known]
        if not unknown:
            return []
        return [f"以下列不是模板中的列，未导入：{'、'.join(unknown)}。"]

    def parse(self, rows: list[list[str]], progress: Progress | None = None
              ) -> tuple[list[tuple[int, dict[str, Any]]], ImportResult]:
        result = ImportResult()
        if not rows:
            result.file_error = "文件是空的"
            return [], result
        limit = too_many_rows(len(rows) - 1)
        if limit:
            result.file_error = limit
            return [], result
        header = read_header(rows[0])
        result.notices = [*getattr(rows, "notices", []), *self.unknown_columns(header)]
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
                    row[column.field] = column.parser(clean(value))
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
                result.add_error(number, messages)
            else:
                parsed.append((number, row))
        if result.total == 0 and not result.bad_rows:
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
                import_lock(self.institution, type(self))
                for done, (number, row) in enumerate(parsed, start=1):
                    if progress is not None:
                        progress(done, len(parsed), "写入数据")
                    try:
                        outcome = self.save_row(row)
                    except RowInvalid as exc:
                        result.add_error(number, exc.messages)
                        continue
                    setattr(result, outcome, getattr(result, outcome) + 1)
                if result.errors:
                    raise _Rollback
        except _Rollback:
            result.created = result.updated = result.unchanged = 0
        except IntegrityError:
            return busy_result(result)
        return result


class _Rollback(Exception):
    pass


# ---- two imports of the same data at once ----------------------------------------------------------------

BUSY = "另一个相同的导入正在进行，本文件未导入。请稍后重试（重试时已导入的行会被识别为未变）。"


def import_lock(institution: Any, kind: Any) -> None:
    """Serialise imports of one kind for one institution, inside the caller's transaction.

    Two people (or a person and a business system) importing the same students at once would both find a
    student missing and both insert it; the second insert then fails on the unique key. On PostgreSQL a
    transaction-scoped advisory lock keyed by institution and importer makes the second import wait for the
    first and then find its rows; SQLite needs nothing, because the project opens every transaction with
    BEGIN IMMEDIATE (settings.py), which already admits one writer at a time. `busy_result` is the answer if
    a clash gets through anyway (another code path writing the same rows)."""
    name = kind if isinstance(kind, str) else f"{kind.__module__}.{kind.__qualname__}"
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(name.encode()) - 2**31  # the lock's second int4
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [int(getattr(institution, "pk", 0) or 0), key])


def busy_result(result: ImportResult) -> ImportResult:
    """A clash on a unique key while writing: nothing was written; a clear message instead of a 500."""
    result.created = result.updated = result.unchanged = 0
    result.file_error = BUSY
    return result


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



# ---- uploaded files are kept only as long as needed ---------------------------------------------------------

IMPORT_DIR = "imports"


def import_files_purge(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Delete the files kept for background imports (media/imports/<uuid>/<name>) older than
    ZHENGAI_IMPORT_RETENTION_DAYS; returns how many were deleted. The import history keeps each file's name and
    checksum, not its content: a file of students' data should not stay on the server for ever."""
    import os

    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.utils import timezone

    days = settings.ZHENGAI_IMPORT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    if not default_storage.exists(IMPORT_DIR):
        return 0
    deleted = 0
    folders, _ = default_storage.listdir(IMPORT_DIR)
    for folder in folders:
        base = f"{IMPORT_DIR}/{folder}"
        _, files = default_storage.listdir(base)
        for name in files:
            path = f"{base}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        if not default_storage.listdir(base)[1] and hasattr(default_storage, "path"):
            try:
                os.rmdir(default_storage.path(base))
            except OSError:  # a file arrived meanwhile, or the folder is already gone
                pass
    return deleted
