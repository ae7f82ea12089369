"""Text an attacker or a careless import leaves in the database, and the check that an export carries it as
inert text: formula-looking cells arrive as strings prefixed with `'`, control characters are gone."""

from __future__ import annotations

import io

from django.db import connection
from openpyxl import load_workbook

# Stored as they are (through the ORM, past any cleaner at the entrances).
FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(A1)"]
# PostgreSQL itself refuses a NUL in text, so there no stored name can hold one; the other controls it keeps.
CONTROL = "李四娘\x07\x1b" if connection.vendor == "postgresql" else "李四娘\x00\x07\x1b"
HOSTILE = [*FORMULAS, CONTROL]


def assert_inert(data: bytes, texts: list[str] = HOSTILE) -> None:
    """Every hostile text of `texts` is in the workbook as a neutralised string, and nothing is a formula."""
    book = load_workbook(io.BytesIO(data))
    cells = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "an exported cell is a live formula"
    values = {c.value: c for c in cells}
    for text in texts:
        if text == CONTROL:
            assert any(isinstance(v, str) and "李四娘" in v for v in values), "the name with control characters"
            assert not any(isinstance(v, str) and ("\x00" in v or "\x07" in v or "\x1b" in v) for v in values)
            continue
        cell = values.get("'" + text)
        assert cell is not None, f"{text!r} is not in the export as neutralised text"
        assert cell.data_type == "s" and cell.value.startswith("'")
