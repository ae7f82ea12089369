"""Reading and writing the spreadsheets colleges exchange: .xlsx/.xls/.ods and CSV (UTF-8 or GBK)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
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
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
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
    return [[_cell_text(v) for v in row] for row in rows]


def sheet_names(data: bytes) -> list[str]:
    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except Exception as exc:
        raise SpreadsheetError("无法读取该文件，请确认它是完好的Excel文件") from exc


HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def write_sheet(
    workbook: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    choices: dict[int, Sequence[str]] | None = None,
    required: Iterable[int] = (),
    first: bool = False,
) -> None:
    """One sheet with a bold header row, sensible widths, and a dropdown for each coded column."""
    ws = workbook.active if first else workbook.create_sheet()
    ws.title = title[:31]
    ws.append(list(headers))
    required = set(required)
    for index, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True, color="B00020" if index - 1 in required else "000000")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) * 2 + 4))
    count = 0
    for row in rows:
        ws.append(list(row))
        count += 1
    ws.freeze_panes = "A2"
    last = max(count + 1, 1000)
    for index, values in (choices or {}).items():
        formula = '"' + ",".join(values) + '"'
        if len(formula) > 255:  # Excel's limit for an inline list; long lists go on a hidden sheet
            lists = workbook["_lists"] if "_lists" in workbook.sheetnames else workbook.create_sheet("_lists")
            lists.sheet_state = "hidden"
            col = get_column_letter(lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1)
            for i, v in enumerate(values, start=1):
                lists[f"{col}{i}"] = v
            formula = f"_lists!${col}$1:${col}${len(values)}"
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle="取值无效", error="请从下拉列表中选择")
        letter = get_column_letter(index + 1)
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
