"""The held corpus: malformed files run through every importer of the platform (issue 10, item 9).

Each file is generated here, tailored to the importer's own header row where that matters. The contract for
every (importer, file) pair: no exception escapes; the file is either refused with a clear Chinese message
(a file error or listed rows) or imported whole; and a refused file leaves every table as it was (nothing
partial). An HTTP-level test posts the same files to the import pages: never a 500.

The sheet of 1 048 576 rows is generated once as raw sheet XML (cheap) and read with the row limit lowered
below it; the per-importer row-limit case uses a small file with the limit lowered to 3, which exercises the
same check.
"""

from __future__ import annotations

import datetime
import functools
import io
import re
import zipfile
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

import zhengai.statedata.process  # noqa: F401  (registers the teaching-process importers)
from zhengai.core.spreadsheets import SpreadsheetError, read_rows
from zhengai.frameworks.importers import HEADER_SHEET, MAIN_SHEET, FrameworkImporter
from zhengai.frameworks.models import Framework
from zhengai.goals.keytasks import KeyTaskImporter
from zhengai.goals.models import Indicator, KeyTask
from zhengai.org import importers as org_importers
from zhengai.org.models import Course, Klass, Major, Student, Teacher, Unit
from zhengai.statedata import importers as sd_importers

# ---- the importers: name → (how to build it for a college, how to run it on a file) ---------------------------

ORG = {c.__name__: c for c in (org_importers.UnitImporter, org_importers.MajorImporter,
                               org_importers.CourseImporter, org_importers.KlassImporter,
                               org_importers.TeacherImporter, org_importers.StudentImporter)}


def _importer(name: str, college):
    actor = college.users["quality"]
    if name in ORG:
        return ORG[name](college.institution, actor)
    if name == "framework":
        return FrameworkImporter(college.institution, actor)
    if name == "keytask":
        return KeyTaskImporter(college.institution, actor, 2025)
    return sd_importers.REGISTRY[name](college.institution, college.users["steward"])


def _run(importer, data: bytes, filename: str):
    if hasattr(importer, "run_file"):
        return importer.run_file(data, filename)
    return importer.run(data, filename)


IMPORTERS = [*ORG, *sorted(sd_importers.REGISTRY), "framework", "keytask"]


def _snapshot() -> dict[str, int]:
    """Row counts of every table an import may write (the import history is not one: it records refusals)."""
    models = [Unit, Major, Course, Klass, Teacher, Student, KeyTask, Indicator, Framework,
              *(c.model for c in sd_importers.REGISTRY.values())]
    return {m._meta.label: m.objects.count() for m in models}


# ---- the files ---------------------------------------------------------------------------------------------

def _headers(importer) -> list[str]:
    return [c.header for c in importer.columns if not c.header.startswith("__")]


def _xlsx(sheets: list[tuple[str, list[list]]], hidden: tuple[str, ...] = (), merge: str = "") -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
        if merge:
            ws.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(importer) -> str:
    return MAIN_SHEET if isinstance(importer, FrameworkImporter) else "数据"


def _book(importer, rows: list[list], **kwargs) -> bytes:
    """A workbook in the importer's layout: its header row, then `rows` (the framework also gets its header
    sheet, so the file is refused or taken for what is in the rows)."""
    sheets = [(_sheet_name(importer), [_headers(importer), *rows])]
    if isinstance(importer, FrameworkImporter):
        sheets.append((HEADER_SHEET, [["项目", "值"], ["代码", "T1"], ["名称", "测试框架"]]))
    return _xlsx(sheets, **kwargs)


def _row(importer, value: str) -> list[str]:
    return [value] * len(_headers(importer))


def _patch_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    """Rewrite the first worksheet's XML (for cells openpyxl does not write: error values, broken XML)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(old, new)
            out.writestr(info, content)
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def _bomb() -> bytes:
    """An .xlsx-shaped zip whose sheet inflates to 200 MB (2.1 MB → 1.15 GB was the report's)."""
    buffer = io.BytesIO()
    chunk = b"<row><c><v>0</v></c></row>" * 40_000
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(200):
                part.write(chunk)
    return buffer.getvalue()


DATES = ["2025-09-01", "2025/9/1", "2025.9.1", "2025年9月1日", "20250901", "45901", "2025-09-01 00:00:00",
         "２０２５-０９-０１", "2025-02-30", "2025-09-01 10:30", "9/1/2025"]

# name → (filename, builder(importer) → bytes, what the refusal must say if the file is refused: a regex or "")
CORPUS: dict[str, tuple[str, Callable[..., bytes], str]] = {
    "empty xlsx": ("空.xlsx", lambda i: b"", "空"),
    "empty csv": ("空.csv", lambda i: b"", ""),
    "png named xlsx": ("图.xlsx", lambda i: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "无法读取"),
    "csv named xlsx": ("表.xlsx", lambda i: ",".join(_headers(i)).encode() + b"\nA,B\n", "无法读取"),
    "xlsx named csv": ("表.csv", lambda i: _book(i, [_row(i, "A")]), ""),
    "utf-16 csv": ("表.csv", lambda i: (",".join(_headers(i)) + "\n" + ",".join(_row(i, "甲"))).encode("utf-16"), ""),
    "shift-jis csv": ("表.csv", lambda i: "コード,名前\nテスト,データ\n".encode("shift_jis"), ""),
    "merged header": ("合并.xlsx", lambda i: _book(i, [_row(i, "A")], merge="A1:B1"), ""),
    "formula cells": ("公式.xlsx", lambda i: _book(i, [_row(i, "=1+1"), _row(i, "=HYPERLINK(\"http://x\",\"y\")")]),
                      ""),
    "error cells": ("错误值.xlsx", lambda i: _patch_sheet(
        _book(i, [_row(i, "#ERR#")]), b't="inlineStr"><is><t>#ERR#</t></is>', b't="e"><v>#DIV/0!</v>'), ""),
    "malformed xml": ("坏.xlsx", lambda i: _patch_sheet(_book(i, [_row(i, "李四娘")]), b"</sheetData>", b"<row"),
                      "无法读取"),
    "too many rows": ("多.xlsx", lambda i: _book(i, [_row(i, f"A{n}") for n in range(4)]), "上限"),
    "zip bomb": ("炸弹.xlsx", lambda i: _bomb(), "解压后"),
    "duplicate keys": ("重复.xlsx", lambda i: _book(i, [_row(i, "A1"), _row(i, "A1")]), ""),
    # openpyxl refuses to write a control character; the OOXML escape _x0007_ is how a file carries one.
    "control characters xlsx": ("控制.xlsx", lambda i: _book(i, [_row(i, "李四娘_x0007__x001B_")]), "U\\+0007"),
    "control characters csv": ("控制.csv", lambda i: (",".join(_headers(i)) + "\n"
                                                     + ",".join(_row(i, "李四娘\x00\x07"))).encode(), "U\\+0000"),
    "bidi override": ("方向.xlsx", lambda i: _book(i, [_row(i, "abc\u202etxt.exe")]), "U\\+202E"),
    "dates of every shape": ("日期.xlsx", lambda i: _book(i, [_row(i, d) for d in DATES]), ""),
    "real date cells": ("日期格.xlsx", lambda i: _book(i, [[datetime.date(2025, 9, 1)] * len(_headers(i))]), ""),
    "infinity and nan": ("无穷.xlsx", lambda i: _book(i, [_row(i, v) for v in ("Infinity", "-inf", "NaN", "sNaN")]),
                         ""),
    "full-width digits": ("全角.xlsx", lambda i: _book(i, [_row(i, "１２３")]), ""),
    "hidden first sheet": ("隐藏.xlsx", lambda i: _xlsx(
        [(_sheet_name(i), [_headers(i), _row(i, "HIDDEN")]), ("可见", [_headers(i)])], hidden=(_sheet_name(i),)),
        ""),
    "bare-CR csv": ("旧Mac.csv", lambda i: ("\r".join([",".join(_headers(i)), ",".join(_row(i, "A")), ""])).encode(),
                    ""),
    "gbk csv junk": ("乱.csv", lambda i: bytes(range(128, 256)) * 4, ""),
}

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _messages(result) -> str:
    return result.file_error + "".join("；".join(e.messages) for e in result.errors)


@pytest.mark.parametrize("case", sorted(CORPUS))
@pytest.mark.parametrize("name", IMPORTERS)
def test_every_importer_refuses_or_imports_whole(college, settings, name, case):
    settings.ZHENGAI_IMPORT_MAX_ROWS = 3
    importer = _importer(name, college)
    filename, build, expected = CORPUS[case]
    data = build(importer)
    before = _snapshot()
    result = _run(importer, data, filename)  # no exception may escape
    if result.ok:
        assert result.total > 0
        assert case not in {"zip bomb", "too many rows", "control characters xlsx", "control characters csv",
                            "bidi override", "malformed xml", "empty xlsx", "png named xlsx", "csv named xlsx"}
        return
    message = _messages(result)
    assert CHINESE.search(message), message
    if expected and not (name == "framework" and filename.endswith(".csv")):  # it takes Excel files only
        assert re.search(expected, message), message
    assert _snapshot() == before, "a refused file changed the data"
    if case == "hidden first sheet":
        assert "HIDDEN" not in message  # the hidden rows were not read


def test_a_sheet_of_1048576_rows_is_refused_by_the_row_limit(settings):
    """Excel's largest sheet, as raw sheet XML (openpyxl would take minutes to write it)."""
    settings.ZHENGAI_IMPORT_MAX_ROWS = 1_000_000
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(1, 1_048_577))
    data = _patch_sheet(_xlsx([("数据", [["x"]])]), b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t>'
                        b"</is></c></row></sheetData>", b"<sheetData>" + rows + b"</sheetData>")
    with pytest.raises(SpreadsheetError, match="1048575行数据，超过了一次导入的上限1000000行"):
        read_rows(data, "大.xlsx")


# ---- the pages: posting the corpus never gives a 500 ---------------------------------------------------------

PAGES = {
    "student": (lambda: reverse("org:student_import"), "StudentImporter", {}),
    "unit": (lambda: reverse("org:unit_import"), "UnitImporter", {}),
    "attendance": (lambda: reverse("statedata:attendance_import"), "attendance", {}),
    "majoryear": (lambda: reverse("statedata:majoryear_import"), "majoryear", {}),
    "framework": (lambda: reverse("frameworks:import"), "framework", {}),
    "keytask": (lambda: reverse("goals:keytask_import"), "keytask", {"year": "2025"}),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_posting_the_corpus_to_the_import_pages_never_gives_a_500(college, login, settings, page):
    settings.ZHENGAI_IMPORT_MAX_ROWS = 3
    client = login(college.users["quality"])
    url, name, extra = PAGES[page]
    importer = _importer(name, college)
    for case, (filename, build, _) in sorted(CORPUS.items()):
        response = client.post(url(), {"file": SimpleUploadedFile(filename, build(importer)), **extra})
        assert response.status_code in (200, 302, 400), (case, response.status_code)
