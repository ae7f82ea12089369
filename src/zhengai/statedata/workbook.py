"""The national state-data workbook (2016 layout, state-data.md §3) imported as a college exports it.

Sheets are found by their code (A1 … A12) at the start of the sheet's name. Each data sheet has a title row,
two header rows and a row of machine field codes (capitals and underscores) above the data; a column is
mapped by its field code where the sheet has one (our code is the importer's field name in capitals:
`MAJOR`, `PLANNED`, `FROM_CITY`), else by its Chinese heading (the lower header row, or 上行：下行). Every
supported sheet is parsed by its table's importer (importers.py), so checks, lineage and import records stay
one path; every other sheet is named in the result. All or nothing: if any cell of any sheet is bad, nothing
is written and every bad cell is listed by sheet, row and column.

A sheet may stack several sub-tables (A3 基本办学条件表 has five blocks, state-data.md §3.6): each block has its
own two header rows and field-code row, so a sheet is cut at every field-code row after the first, and the
blocks of an institution-level sheet are merged into its one row. Every import leaves one WorkbookImport (the
grouping of its sheets' import records, totals, bad cells and the period's logic-check findings) for the
result page; a large workbook runs as a background job (`workbook_start`) with rows done of rows total.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from openpyxl.utils import get_column_letter

from zhengai.core.importing import ImportResult
from zhengai.core.spreadsheets import SpreadsheetError, read_workbook

from . import models as sd
from . import services
from .choices import BaseKind, ImportSource, PeriodBasis, TeacherKind
from .importers import StateImporter, importer_for

# sheet code → (table, fixed values of columns the sheet does not carry)
SHEETS: dict[str, tuple[type[sd.StateRecord], dict[str, str]]] = {
    "A1": (sd.InstitutionYear, {}), "A3": (sd.InstitutionYear, {}),
    "A5-1": (sd.Funding, {}), "A5-2": (sd.Funding, {}),
    "A6-1-1": (sd.TeacherYear, {"教师类别": TeacherKind.FULL_TIME.label}),
    "A6-2-1": (sd.TeacherYear, {"教师类别": TeacherKind.INTERNAL_PART_TIME.label}),
    "A6-3-1": (sd.TeacherYear, {"教师类别": TeacherKind.EXTERNAL_PART_TIME.label}),
    "A6-4-1": (sd.TeacherYear, {"教师类别": TeacherKind.EXTERNAL_GUEST.label}),
    "A7-1-1": (sd.MajorYear, {}), "A7-2": (sd.CourseYear, {}), "A7-3-2": (sd.Certificate, {}),
    "A7-4": (sd.Internship, {}), "A7-6-1": (sd.Admission, {}), "A7-6-2": (sd.Employment, {}),
    "A7-5": (sd.Cooperation, {}), "A7-6-3": (sd.GraduateFeedback, {}),
    "A8-3": (sd.Counsellor, {}), "A8-7": (sd.Evaluation, {}), "A10-2-1": (sd.Dropout, {}),
    "A2": (sd.SchoolLeader, {}),
    "A4-1": (sd.PracticeBase, {"基地类别": BaseKind.INTERNAL.label}),
    "A4-2": (sd.PracticeBase, {"基地类别": BaseKind.EXTERNAL.label}),
    "A8-8": (sd.StudentAid, {}), "A10-1": (sd.StudentYear, {}),
    "A11-2": (sd.StudentProfile, {}), "A11-3": (sd.StudentProfile, {}),
}
JOB_KIND = "statedata_workbook"
CATALOGUE = "状态数据目录"
_CODE = re.compile(r"\s*([AB]\d{1,2}(?:-\d{1,2})*)(?![\d-])")
_FIELD_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_YEAR = re.compile(r"(\d{4})\s*[-—–]\s*(\d{4})\s*学年")
_QUOTED = re.compile(r"“([^”]+)”")


@dataclass
class CellError:
    sheet: str
    row: int
    column: str      # Excel letter, "" when the message is about the whole row
    message: str

    def __str__(self) -> str:
        where = f"{self.column}列" if self.column else ""
        return f"工作表“{self.sheet}”第{self.row}行{where}：{self.message}"


@dataclass
class SheetResult:
    sheet: str
    code: str
    table: str = ""            # the table's Chinese name, or why the sheet is not imported
    supported: bool = False
    result: ImportResult = field(default_factory=ImportResult)
    record: Any = None
    notices: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        if not self.supported:
            return f"{self.sheet}：未导入（{self.table}）"
        r = self.result
        if r.file_error:
            return f"{self.sheet} → {self.table}：{r.file_error}"
        if r.bad_rows:
            return f"{self.sheet} → {self.table}：{r.bad_rows}行有错误"
        if self.record is None:
            return f"{self.sheet} → {self.table}：共{r.total}行，检查通过（因其他工作表有错，未写入）"
        return (f"{self.sheet} → {self.table}：共{r.total}行，新增{r.created}行，更新{r.updated}行，"
                f"未变{r.unchanged}行")


@dataclass
class WorkbookResult:
    sheets: list[SheetResult] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    file_error: str = ""
    period: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)   # [{title, items}] of the period's checks
    record: Any = None                                             # the WorkbookImport

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    @property
    def unsupported(self) -> list[SheetResult]:
        return [s for s in self.sheets if not s.supported]

    @property
    def summary(self) -> str:
        if self.file_error:
            return self.file_error
        if self.errors:
            return f"工作簿有{len(self.errors)}处错误，整个工作簿未导入。"
        done = [s for s in self.sheets if s.supported]
        return f"导入完成：{self.period}学年，{len(done)}个工作表已导入，{len(self.unsupported)}个工作表未导入。"


def sheet_code(name: str) -> str:
    match = _CODE.match(name)
    return match.group(1) if match else ""


def period_of(argument: str | None, sheets: dict[str, list[list[str]]]) -> str:
    """The academic year of the workbook: the given one (2024 or 2024-2025), else the catalogue's."""
    if argument:
        match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", argument.strip())
        if not match or (match.group(2) and int(match.group(2)) != int(match.group(1)) + 1):
            raise SpreadsheetError(f"“{argument}”不是学年（应如 2024 或 2024-2025）")
        return f"{match.group(1)}-{int(match.group(1)) + 1}"
    for name, rows in sheets.items():
        if name.strip().startswith(CATALOGUE) or not sheet_code(name):
            for row in rows[:20]:
                for cell in row:
                    found = _YEAR.search(cell)
                    if found and int(found.group(2)) == int(found.group(1)) + 1:
                        return f"{found.group(1)}-{found.group(2)}"
    raise SpreadsheetError("未能确定统计学年：请在目录表中写明（如“2024-2025学年”），或导入时指定学年")


def _is_codes(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    return len(cells) >= 2 and all(_FIELD_CODE.fullmatch(c) for c in cells) and any(len(c) >= 3 for c in cells)


def _is_title(row: list[str]) -> bool:
    """A block's own title or a separator line between stacked blocks: one cell of text, no number."""
    cells = [c.strip() for c in row if c.strip()]
    if not cells:
        return True
    if len(cells) > 1:
        return False
    try:
        float(cells[0])
    except ValueError:
        return True
    return False


def blocks(rows: list[list[str]]) -> list[tuple[int, list[list[str]]]]:
    """The stacked sub-tables of a sheet as (index of the block's first row in the sheet, its rows). A block
    after the first starts at its two header rows above its field-code row; the rows of the block before it
    end there, less a trailing block title or separator line."""
    codes = [i for i, row in enumerate(rows) if i >= 3 and _is_codes(row)]
    starts = [0, *[i - 2 for i in codes[1:] if i - 2 > codes[0]]] if codes else [0]
    found = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(rows)
        part = rows[start:end]
        if n + 1 < len(starts):
            while part and _is_title(part[-1]):
                part = part[:-1]
        found.append((start, part))
    return found


def _layout(rows: list[list[str]]) -> tuple[int, list[str], list[str], list[str]]:
    """(index of the first data row, field codes, upper headers, lower headers) of a national sheet."""
    for index, row in enumerate(rows[:8]):
        cells = [c.strip() for c in row if c.strip()]
        if cells and all(_FIELD_CODE.fullmatch(c) for c in cells) and (index >= 2 or _is_codes(row)):
            upper = rows[index - 2] if index >= 2 else []
            lower = rows[index - 1] if index >= 1 else []
            return index + 1, row, upper, lower
    # No field-code row: title, two header rows, data.
    return 3, [], rows[1] if len(rows) > 1 else [], rows[2] if len(rows) > 2 else []


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _convert(importer: StateImporter, rows: list[list[str]], fixed: dict[str, str], period: str,
             notices: list[str]) -> tuple[list[list[str]], int, dict[str, str]]:
    """The sheet in the importer's simple layout (one header row, then the data rows, none dropped, so that
    row numbers map back), the Excel row of its first data row, and each header's column letter."""
    start, codes, upper, lower = _layout(rows)
    by_code = {c.field.upper(): c.header for c in importer.columns}
    by_header = {c.header for c in importer.columns}
    width = max((len(r) for r in rows), default=0)
    chosen: list[tuple[int, str]] = []
    carried = ""
    for j in range(width):
        code, top, low = _cell(codes, j), _cell(upper, j), _cell(lower, j)
        carried = top or carried        # a merged group heading is written in its first cell only
        header = by_code.get(code)
        if header is None:
            for candidate in (f"{carried}：{low}", low, top):
                if candidate in by_header:
                    header = candidate
                    break
        if header is None:
            if code or top or low:
                heading = f"{carried}：{low}" if carried and low and carried != low else (low or top)
                notices.append(f"第{get_column_letter(j + 1)}列“{heading or code}”未识别，未导入")
            continue
        if header not in (h for _, h in chosen):
            chosen.append((j, header))
    letters = {h: get_column_letter(j + 1) for j, h in chosen}
    heads = [h for _, h in chosen]
    period_header = "年度" if importer.model.basis == PeriodBasis.CALENDAR_YEAR else "学年"
    extra = {k: v for k, v in fixed.items() if k not in heads}
    if period_header not in heads:
        extra[period_header] = period.split("-")[0] if period_header == "年度" else period
    out = [[*heads, *extra]]
    for raw in rows[start:]:
        values = [_cell(raw, j) for j, _ in chosen]
        out.append([*values, *(extra.values() if any(values) else ["" for _ in extra])])
    return out, start + 1, letters


def _parse_sheet(result: WorkbookResult, name: str, code: str, rows: list[list[str]], institution: Any,
                 actor: Any, source_name: str, progress: Any, done: int, total: int
                 ) -> tuple[SheetResult, StateImporter, list[dict[str, Any]]]:
    """Check one supported sheet, block by block; its rows (merged on their key where blocks describe the same
    row, as A3's five blocks describe the institution's one row) and every bad cell in the result."""
    model, fixed = SHEETS[code]
    sheet = SheetResult(name, code, str(model._meta.verbose_name), True)
    parts = blocks(rows)
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    importer: StateImporter | None = None
    empty = 0
    for number, (offset, part) in enumerate(parts, start=1):
        importer = importer_for(model)(institution, actor)
        if source_name:
            importer.source_name = source_name
        prefix = f"第{number}块：" if len(parts) > 1 else ""
        notices: list[str] = []
        simple, first, letters = _convert(importer, part, fixed, result.period, notices)
        first += offset
        step = None
        if progress is not None:
            def step(d: int, t: int, m: str, base: int = done) -> None:
                progress(min(base + d, total), total, f"{name}：检查数据")
        found, parsed = importer.parse(simple, step)
        done += max(len(part) - _layout(part)[0], 0)
        sheet.notices.extend(prefix + n for n in notices)
        if parsed.file_error == "文件中没有数据行":   # an empty sheet or block of the national file: nothing to do
            empty += 1
            continue
        if parsed.file_error:
            sheet.result.file_error = prefix + parsed.file_error
            result.errors.append(CellError(name, first - 1, "", prefix + parsed.file_error))
        for error in parsed.errors:
            row = error.row - 2 + first
            sheet.result.add_error(row, error.messages)
            for message in error.messages:
                quoted = _QUOTED.match(message)
                result.errors.append(CellError(name, row, letters.get(quoted.group(1), "") if quoted else "",
                                               message))
        sheet.result.error_count = max(sheet.result.error_count, len(sheet.result.errors))
        sheet.result.notices.extend(prefix + n for n in parsed.notices)
        for _, row in found:
            merged.setdefault(tuple(row.get(k) for k in importer.key), {}).update(row)
    if empty == len(parts):
        sheet.result.file_error = "没有数据行，未导入"
    sheet.result.total = len(merged) + sheet.result.bad_rows
    sheet.result.notices = list(dict.fromkeys([*sheet.notices, *sheet.result.notices]))
    return sheet, importer or importer_for(model)(institution, actor), list(merged.values())


def _sheet_rows(rows: list[list[str]]) -> int:
    """Rows below the headers of a sheet's blocks: what checking it counts through."""
    return sum(max(len(part) - _layout(part)[0], 0) for _, part in blocks(rows))


def data_rows(sheets: dict[str, list[list[str]]]) -> int:
    """Rows below the headers of the supported sheets: the total a job's progress counts to."""
    return sum(_sheet_rows(rows) for name, rows in sheets.items() if sheet_code(name) in SHEETS)


def import_workbook(*, data: bytes, filename: str, institution: Any, actor: Any, period: str | None = None,
                    source_name: str = "", progress: Any = None) -> WorkbookResult:
    """Import a national workbook: every supported sheet, or — if any cell is bad — nothing. Either way one
    WorkbookImport records it (`result.record`)."""
    result = WorkbookResult()
    checksum = hashlib.sha256(data).hexdigest()
    try:
        sheets, hidden = read_workbook(data, filename)
        result.period = period_of(period, sheets)
    except SpreadsheetError as exc:
        result.file_error = str(exc)
        result.record = services.workbook_record(actor=actor, institution=institution, filename=filename,
                                                 checksum=checksum, result=result, source_name=source_name)
        return result
    total = data_rows(sheets)
    done = 0
    parsed: list[tuple[SheetResult, StateImporter, list[dict[str, Any]], str]] = []
    for name, rows in sheets.items():
        code = sheet_code(name)
        if code not in SHEETS:
            reason = ("目录" if name.strip().startswith(CATALOGUE) else "分析表，由A表计算" if code.startswith("B")
                      else "本平台尚不支持该表" if code else "不是状态数据表")
            result.sheets.append(SheetResult(name, code, reason))
            continue
        sheet, importer, found = _parse_sheet(result, name, code, rows, institution, actor, source_name, progress,
                                              done, total)
        done += _sheet_rows(rows)
        result.sheets.append(sheet)
        sheet_checksum = hashlib.sha256(json.dumps([name, rows], ensure_ascii=False).encode()).hexdigest()
        parsed.append((sheet, importer, found, sheet_checksum))
    for name in hidden:
        result.sheets.append(SheetResult(name, sheet_code(name), "隐藏的工作表，未读取"))
    if result.ok:
        _write(result, parsed, filename, institution, actor, source_name, progress, total)
    if result.ok:
        result.findings = findings(institution, result.period)
    if progress is not None:
        progress(total, total, "完成")
    result.record = services.workbook_record(actor=actor, institution=institution, filename=filename,
                                             checksum=checksum, result=result, source_name=source_name)
    return result


def _write(result: WorkbookResult, parsed: list, filename: str, institution: Any, actor: Any, source_name: str,
           progress: Any, total: int) -> None:
    written = 0
    try:
        with transaction.atomic():
            for sheet, importer, rows, checksum in parsed:
                if not rows:
                    continue
                sheet.record = services.table_import(
                    actor=actor, institution=institution, model=importer.model, rows=rows,
                    filename=f"{filename} · {sheet.sheet}"[:255], checksum=checksum, result=sheet.result,
                    source=ImportSource.FILE, source_name=source_name)
                written += len(rows)
                if progress is not None:
                    progress(min(written, total), total, f"{sheet.sheet}：写入数据")
    except IntegrityError:
        result.file_error = "另一个导入正在写入相同的数据，本工作簿未导入。请稍后重试。"
        for sheet, *_ in parsed:
            sheet.record = None


def findings(institution: Any, period_code: str) -> list[dict[str, Any]]:
    """The logic checks of the workbook's academic year (and of its calendar year, for funding), as text: they
    belong to the import's result page, not only to the data-quality report."""
    from zhengai.core.models import Period

    from . import checks

    start = int(period_code[:4])
    return checks.findings_text(institution, Period.objects.filter(code__in=[period_code, str(start)]))


# ---- a large workbook: a background job -------------------------------------------------------------------

def workbook_start(*, institution: Any, actor: Any, data: bytes, filename: str, period: str | None) -> Any:
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from zhengai.core.jobs import job_start

    path = default_storage.save(f"imports/{uuid.uuid4().hex}/{filename}", ContentFile(data))
    return job_start(actor=actor, institution=institution, kind=JOB_KIND, label=f"导入状态数据采集表：{filename}",
                     params={"path": path, "filename": filename, "period": period or ""})


def run_workbook_job(job: Any, progress: Any) -> dict[str, Any]:
    """The job's handler: the same import as the page's; the job's result points to the WorkbookImport."""
    from django.core.files.storage import default_storage
    from django.urls import reverse

    with default_storage.open(job.params["path"]) as handle:
        data = handle.read()
    result = import_workbook(data=data, filename=job.params["filename"], institution=job.institution,
                             actor=job.created_by, period=job.params.get("period") or None, progress=progress)
    record = result.record
    return {"workbook": record.pk, "url": reverse("statedata:workbook_detail", args=[record.pk]),
            "summary": result.summary, "ok": result.ok, "total": record.rows, "done": record.rows}
