"""Reading and writing the spreadsheets colleges exchange: .xlsx/.xls/.ods and CSV (UTF-8 or GBK)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook


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


def read_rows(data: bytes, filename: str, sheet: str | None = None) -> list[list[str]]:
    """All rows of the first (or the named) sheet as lists of cell text."""
    name = filename.lower()
    if name.endswith(".csv"):
        text = _decode_csv(data)
        return [[unescape_cell(c.strip()) for c in row] for row in csv.reader(io.StringIO(text))]
    if not name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise SpreadsheetError("只接受 .xlsx、.xls、.ods 或 .csv 文件")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            raise SpreadsheetError(f"文件中没有名为“{sheet}”的工作表")
        rows = workbook.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False)
    except SpreadsheetError:
        raise
    except Exception as exc:  # calamine raises several types for a damaged file
        raise SpreadsheetError("无法读取该文件，请确认它是完好的Excel文件") from exc
    return [[unescape_cell(_cell_text(v)) for v in row] for row in rows]


def sheet_names(data: bytes) -> list[str]:
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
