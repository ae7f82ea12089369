"""One spreadsheet writer for every export: formula-looking text leaves as text, characters XML cannot hold are
dropped (they made every export a 500), numbers stay numbers, and an export still imports back unchanged."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.hostile import CONTROL, FORMULAS, HOSTILE, assert_inert
from zhengai.core.models import AuditEntry
from zhengai.core.spreadsheets import read_rows, safe_cell, unescape_cell, workbook_bytes, write_sheet
from zhengai.org.models import Student, Teacher


def sheet_of(rows, **options):
    book = Workbook()
    write_sheet(book, "表", ["甲", "乙"], rows, first=True, **options)
    return load_workbook(io.BytesIO(workbook_bytes(book))).active


@pytest.mark.parametrize("text", FORMULAS + ["\t=1", "\r=1", "\x00=1+1"])
def test_formula_looking_text_is_prefixed_and_stays_a_string(text):
    cell = sheet_of([[text, 1]]).cell(2, 1)
    assert cell.data_type == "s" and cell.value.startswith("'")


def test_numbers_dates_and_plain_text_are_left_alone():
    ws = sheet_of([[-1, -2.5], ["王同学", None], ["a-b", "1+1"]])
    assert ws.cell(2, 1).value == -1 and ws.cell(2, 1).data_type == "n"
    assert ws.cell(2, 2).value == -2.5
    assert ws.cell(3, 1).value == "王同学" and ws.cell(3, 2).value is None
    assert ws.cell(4, 1).value == "a-b" and ws.cell(4, 2).value == "1+1"


def test_characters_xml_cannot_hold_are_dropped_not_a_crash():
    ws = sheet_of([[CONTROL, "a\ufffeb\x0bc"]], caption="标题\x01", subheaders=["x\x02", "y"])
    assert ws.cell(4, 1).value == "李四娘" and ws.cell(4, 2).value == "abc"
    assert ws.cell(1, 1).value == "标题" and ws.cell(3, 1).value == "x"


def test_a_dropdown_value_with_a_quote_cannot_break_out_of_the_list():
    book = Workbook()
    write_sheet(book, "表", ["甲"], [], choices={0: ['a"&HYPERLINK("http://x")&"', "b"]}, first=True)
    book = load_workbook(io.BytesIO(workbook_bytes(book)))
    formula = book.active.data_validations.dataValidation[0].formula1
    assert formula.startswith("_lists!") and book["_lists"].sheet_state == "hidden"


def test_a_neutralised_cell_reads_back_as_it_was_stored():
    book = Workbook()
    write_sheet(book, "表", ["甲"], [[t] for t in FORMULAS], first=True)
    assert [r[0] for r in read_rows(workbook_bytes(book), "x.xlsx")[1:]] == FORMULAS
    # A text that itself starts with ' and a formula sign goes one level deeper and comes back the same.
    assert safe_cell("'=x") == "''=x" and unescape_cell("''=x") == "'=x" and unescape_cell("'abc") == "'abc"


@pytest.fixture
def hostile_people(college):
    c = college
    for n, name in enumerate(HOSTILE):
        Student.objects.create(institution=c.institution, code=f"H{n:03d}", name=name, major=c.majors["soft"],
                               klass=c.classes["soft1"], cohort=2024)
        Teacher.objects.create(institution=c.institution, code=f"HT{n:03d}", name=name, unit=c.units["it"])
    return c


@pytest.mark.parametrize("kind", ["student", "teacher"])
def test_student_and_teacher_exports_carry_hostile_names_as_text(hostile_people, login, kind):
    response = login(hostile_people.users["quality"]).get(reverse(f"org:{kind}_export"))
    assert response.status_code == 200
    assert_inert(response.content)


@pytest.mark.parametrize("kind", ["student", "teacher"])
def test_an_export_of_people_is_logged_with_who_what_and_how_many(college, login, kind):
    assert login(college.users["quality"]).get(reverse(f"org:{kind}_export")).status_code == 200
    entry = AuditEntry.objects.get(action="export")
    model = Student if kind == "student" else Teacher
    assert (entry.actor, entry.institution, entry.object_type.model_class()) == (
        college.users["quality"], college.institution, model)
    assert entry.changes == {"内容": str(model._meta.verbose_name_plural), "行数": model.objects.count()}
    assert entry.note == f"导出{model.objects.count()}行"
