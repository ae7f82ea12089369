"""Reading and writing the spreadsheets colleges exchange: .xlsx/.xls/.ods and CSV (UTF-8 or GBK)."""

from __future__ import annotations

import csv
import datetime
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum


class SpreadsheetError(ValueError):
    """The file itself cannot be read (not a row problem)."""


def _cell_text(value: Any) -> str:
    """A cell as the text a person typed: 12.0 → "12", dates as YYYY-MM-DD, None → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError("无法识别CSV文件的编码，请另存为UTF-8或GBK编码")


class Rows(list):  # type: ignore[type-arg]
    """The rows of one sheet, with what the person should be told about how they were read."""

    def __init__(self, rows: Iterable[list[str]] = (), notices: Sequence[str] = ()):
        super().__init__(rows)
        self.notices = list(notices)


def too_many_rows(count: int) -> str:
    """The refusal for a file of more than ZHENGAI_IMPORT_MAX_ROWS data rows, or ""."""
    from django.conf import settings

    limit = settings.ZHENGAI_IMPORT_MAX_ROWS
    if count <= limit:
        return ""
    return f"文件有{count}行数据，超过了一次导入的上限{limit}行。请拆分成几个文件分别导入。"


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.0f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KB"


def _check_size(data: bytes) -> None:
    from django.conf import settings

    if len(data) > settings.ZHENGAI_IMPORT_MAX_BYTES:
        raise SpreadsheetError(f"文件太大（{_size(len(data))}），上限为{_size(settings.ZHENGAI_IMPORT_MAX_BYTES)}")


ZIP_MAX_ENTRIES = 10_000  # an .xlsx has tens of parts; a directory of millions is itself a memory bomb


def check_zip(data: bytes) -> None:
    """Refuse a zip-based file (.xlsx, .xlsm, .ods) whose content would inflate too much, before anything is
    inflated: the sizes the zip's directory declares are added up and compared with
    ZHENGAI_IMPORT_MAX_UNPACKED_BYTES and with ZHENGAI_IMPORT_MAX_RATIO times the file's size. Then each part is
    streamed through zlib in small chunks, counting, which holds the file to what it declared (a part that
    inflates beyond its declared size fails its CRC) with memory bounded by the chunk."""
    from django.conf import settings

    _check_size(data)
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        raise SpreadsheetError("无法读取该文件：它已损坏，或不是Excel文件（扩展名与内容不符）")
    entries = struct.unpack("<H", data[end + 10:end + 12])[0]
    if entries > ZIP_MAX_ENTRIES:  # 0xFFFF means a ZIP64 directory: never needed by a spreadsheet this size
        raise SpreadsheetError("文件结构异常（包含的部件过多），无法导入")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise SpreadsheetError("无法读取该文件：它已损坏，或不是Excel文件（扩展名与内容不符）") from exc
    declared = sum(m.file_size for m in members)
    limit = settings.ZHENGAI_IMPORT_MAX_UNPACKED_BYTES
    ratio = settings.ZHENGAI_IMPORT_MAX_RATIO
    # Tiny files may compress very well (an empty sheet); below 10 MB unpacked nothing can hurt.
    if declared > limit or (declared > 10 * 1024 * 1024 and declared > ratio * len(data)):
        raise SpreadsheetError(
            f"文件解压后有{_size(declared)}（压缩比{declared / max(len(data), 1):.0f}倍），超过上限"
            f"（解压后{_size(limit)}、压缩比{ratio}倍），可能是恶意构造的文件，未导入。")
    try:
        for member in members:
            with archive.open(member) as part:
                while part.read(1024 * 1024):
                    pass
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError,
            zlib.error) as exc:
        raise SpreadsheetError("文件已损坏（压缩内容与文件目录不符），无法导入") from exc


def _read_csv(data: bytes) -> Rows:
    """CSV in UTF-8 (with or without BOM) or GBK, with any line endings: LF, CR LF or a bare CR (old Mac
    Excel's "CSV (Macintosh)"), which the csv module refuses in an unquoted field."""
    text = _decode_csv(data)
    from django.conf import settings

    limit = settings.ZHENGAI_IMPORT_MAX_ROWS + 1
    rows = Rows()
    try:
        # newline=None: universal newlines, so CR and CR LF are read as LF, inside quoted cells too.
        for row in csv.reader(io.StringIO(text, newline=None)):
            rows.append([unescape_cell(c.strip()) for c in row])
            if len(rows) > limit:
                break
    except csv.Error as exc:
        raise SpreadsheetError(f"CSV文件第{len(rows) + 1}行格式有误，请用Excel另存为CSV后重试") from exc
    refusal = too_many_rows(len(rows) - 1)
    if refusal:
        raise SpreadsheetError(refusal)
    return rows


# The sheet our templates add for reading: a workbook of data plus its notes still has one sheet of data.
NOTES_SHEETS = {"填写说明"}


def _visible_sheets(workbook: CalamineWorkbook) -> tuple[list[str], set[str]]:
    visible, hidden = [], set()
    for meta in workbook.sheets_metadata:
        if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet:
            visible.append(meta.name)
        else:
            hidden.add(meta.name)
    return visible, hidden


def read_rows(data: bytes, filename: str, sheet: str | None = None) -> Rows:
    """All rows of the named sheet, or else of the first visible sheet, as lists of cell text.

    A hidden sheet is never read: the rows a clerk cannot see are not what they mean to import (a hidden first
    sheet used to be the one imported). With several visible sheets and no name, the first visible one is read
    — it is what our templates put first and what a clerk sees on opening the file — and the result says
    which sheet was taken and which were not."""
    name = filename.lower()
    _check_size(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    if not name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise SpreadsheetError("只接受 .xlsx、.xls、.ods 或 .csv 文件")
    if not data:
        raise SpreadsheetError("文件是空的")
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm", ".ods")):
        check_zip(data)
    notices: list[str] = []
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible, hidden = _visible_sheets(workbook)
        if sheet is not None:
            if sheet in hidden:
                raise SpreadsheetError(f"工作表“{sheet}”是隐藏的，请在Excel中取消隐藏、核对后再导入")
            if sheet not in visible:
                raise SpreadsheetError(f"文件中没有名为“{sheet}”的工作表")
            chosen = sheet
        else:
            if not visible:
                raise SpreadsheetError("文件中没有可见的工作表")
            chosen = visible[0]
            others = [n for n in visible[1:] if n not in NOTES_SHEETS]
            if others:
                notices.append(f"文件有多个工作表，导入的是第一个工作表“{chosen}”，"
                               f"未读取：{'、'.join(others)}。")
        worksheet = workbook.get_sheet_by_name(chosen)
        end = worksheet.end
        refusal = too_many_rows(end[0] if end else 0)
        if refusal:
            raise SpreadsheetError(refusal)
        rows = worksheet.to_python(skip_empty_area=False)
    except SpreadsheetError:
        raise
    except Exception as exc:  # calamine raises several types for a damaged file
        raise SpreadsheetError("无法读取该文件，请确认它是完好的Excel文件") from exc
    for index, row in enumerate(rows):  # in place, so the cells of calamine's copy are freed as we go
        rows[index] = [unescape_cell(_cell_text(v)) for v in row]
    return Rows(rows, notices)


def read_workbook(data: bytes, filename: str) -> tuple[dict[str, Rows], list[str]]:
    """Every visible sheet of a workbook, read once, as {sheet name: rows of cell text} in the file's order,
    with the names of the hidden sheets (never read, so that the caller can name them). Same checks as
    `read_rows`: size, zip bomb, the row limit (over all sheets together) and the cell-text cleaning."""
    name = filename.lower()
    _check_size(data)
    if not name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise SpreadsheetError("只接受 .xlsx、.xls 或 .ods 工作簿")
    if not data:
        raise SpreadsheetError("文件是空的")
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm", ".ods")):
        check_zip(data)
    sheets: dict[str, Rows] = {}
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible, hidden = _visible_sheets(workbook)
        total = 0
        for sheet in visible:
            worksheet = workbook.get_sheet_by_name(sheet)
            end = worksheet.end
            total += end[0] if end else 0
            refusal = too_many_rows(total)
            if refusal:
                raise SpreadsheetError(refusal)
            rows = worksheet.to_python(skip_empty_area=False)
            for index, row in enumerate(rows):
                rows[index] = [unescape_cell(_cell_text(v)) for v in row]
            sheets[sheet] = Rows(rows)
    except SpreadsheetError:
        raise
    except Exception as exc:  # calamine raises several types for a damaged file
        raise SpreadsheetError("无法读取该文件，请确认它是完好的Excel文件") from exc
    return sheets, sorted(hidden)


def sheet_names(data: bytes) -> list[str]:
    if data[:4] == b"PK\x03\x04":
        check_zip(data)
    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except Exception as exc:
        raise SpreadsheetError("无法读取该文件，请确认它是完好的Excel文件") from exc


HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")

# A cell starting with one of these is read as a formula by Excel, LibreOffice or WPS (or becomes one when a
# person edits the cell or the file goes through CSV): `=HYPERLINK(...)`, `=cmd|' /C calc'!A0`, `@SUM(...)`.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 cannot hold: C0 controls other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF.
# openpyxl raises IllegalCharacterError on the C0 ones, which made a stored `李四娘\x00` a 500 for every export.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Band(str):
    """A row of one text that spans the whole sheet (a group heading such as “部门：教务处”)."""


def safe_cell(value: Any) -> Any:
    """A value as it may go into an exported cell: text loses what XML cannot hold and, if it looks like a
    formula, gets a leading `'` so that it stays text; numbers, dates and blanks are left as they are."""
    if not isinstance(value, str):
        return value
    value = _NOT_XML.sub("", str(value))
    # A stored `'=x` gets its prefix too, so that reading back (which drops one `'`) gives `'=x` again.
    if value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The reverse of `safe_cell`'s prefix for a file read back: `'=x` → `=x`, so that an export imports
    back unchanged (export → import changes nothing). Any other text is returned as it is."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _append(ws: Worksheet, values: Sequence[Any]) -> None:
    ws.append([safe_cell(v) for v in values])


def write_sheet(
    workbook: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    choices: dict[int, Sequence[str]] | None = None,
    required: Iterable[int] = (),
    first: bool = False,
    caption: str = "",
    subheaders: Sequence[str] | None = None,
    widths: Sequence[int] | None = None,
    wrap: bool = False,
) -> Worksheet:
    """One sheet with a bold header row, sensible widths, and a dropdown for each coded column.

    Every export writes through here, so every cell is neutralised (`safe_cell`). `caption` is a title line
    above the header, spanning it; `subheaders` a second header row; a `Band` in `rows` a group heading that
    spans the sheet. The sheet is returned for merges a layout needs beyond these (they write no values)."""
    ws = workbook.active if first else workbook.create_sheet()
    ws.title = title[:31]
    width = max(len(headers), 1)
    if caption:
        _append(ws, [caption])
        ws.cell(row=1, column=1).font = Font(bold=True, size=14)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        if width > 1:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    header_rows = [headers] + ([subheaders] if subheaders is not None else [])
    required = set(required)
    for line in header_rows:
        _append(ws, line)
        for index in range(1, len(line) + 1):
            cell = ws.cell(row=ws.max_row, column=index)
            cell.font = Font(bold=True, color="B00020" if index - 1 in required else "000000")
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, header in enumerate(headers, start=1):
        wide = widths[index - 1] if widths and index <= len(widths) else max(10, min(40, len(header) * 2 + 4))
        ws.column_dimensions[get_column_letter(index)].width = wide
    top = ws.max_row
    for row in rows:
        _append(ws, [row] if isinstance(row, Band) else row)
        if isinstance(row, Band) and width > 1:
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        if wrap:
            for cell in ws[ws.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{top + 1}"
    last = max(ws.max_row, 1000)
    for index, values in (choices or {}).items():
        values = [safe_cell(v) for v in values]
        formula = '"' + ",".join(values) + '"'
        # Excel's limit for an inline list is 255 characters, and a value holding a quote or a comma would
        # break out of it: such lists go on a hidden sheet, cell by cell.
        if len(formula) > 255 or any('"' in v or "," in v for v in values):
            lists = workbook["_lists"] if "_lists" in workbook.sheetnames else workbook.create_sheet("_lists")
            lists.sheet_state = "hidden"
            col = get_column_letter(lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1)
            for i, v in enumerate(values, start=1):
                lists[f"{col}{i}"] = v
            formula = f"_lists!${col}$1:${col}${len(values)}"
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle="取值无效", error="请从下拉列表中选择")
        letter = get_column_letter(index + 1)
        dv.add(f"{letter}{top + 1}:{letter}{last}")
        ws.add_data_validation(dv)
    return ws


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
