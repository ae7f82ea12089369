from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from zhengai.core import importing
from zhengai.core.importing import Column, Importer, RowInvalid
from zhengai.core.spreadsheets import read_rows


class _Thing(Importer):
    name = "测试"
    columns = [
        Column("代码", "code", importing.text(10), required=True),
        Column("数量", "n", importing.integer(0, 100), required=True),
        Column("类型", "kind", importing.choice([("a", "甲"), ("b", "乙")])),
        Column("启用", "on", importing.boolean),
    ]

    saved: list = []

    def clean_row(self, row):
        if row["code"] == "BAD":
            raise RowInvalid(["代码不能是BAD", "再说一遍"])
        return row

    def save_row(self, row):
        self.saved.append(row)
        return "created"

    def export_rows(self, queryset):
        return [[r["code"], r["n"], "甲", "是"] for r in queryset]


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def test_every_bad_row_listed_and_nothing_saved():
    _Thing.saved = []
    data = _csv("代码,数量,类型,启用\nA1,5,甲,是\nA2,x,丙,也许\nBAD,3,,\nA1,7,乙,否\n")
    result = _Thing(None, None).run(data, "t.csv")
    assert not result.ok and _Thing.saved == []
    by_row = {e.row: e.messages for e in result.errors}
    assert set(by_row) == {3, 4, 5}
    assert any("不是整数" in m for m in by_row[3]) and any("不是有效选项" in m for m in by_row[3])
    assert any("应为“是”或“否”" in m for m in by_row[3])
    assert by_row[4] == ["代码不能是BAD", "再说一遍"]
    assert "与第2行重复" in by_row[5][0]
    assert "4行数据" in result.summary and "3行有错误" in result.summary


def test_missing_required_header_is_a_file_error():
    result = _Thing(None, None).run(_csv("代码,类型\nA,甲\n"), "t.csv")
    assert result.file_error.startswith("缺少必填列：数量")


def test_gbk_csv_and_labels_or_codes_accepted(db):
    _Thing.saved = []
    result = _Thing(None, None).run(_csv("代码,数量,类型\nA1,5,甲\nA2,6,b\n", "gbk"), "t.csv")
    assert result.ok and [r["kind"] for r in _Thing.saved] == ["a", "b"]


def test_template_has_chinese_headers_dropdown_and_notes():
    wb = load_workbook(io.BytesIO(_Thing(None, None).template()))
    assert [c.value for c in wb["测试"][1]] == ["代码", "数量", "类型", "启用"]
    assert "填写说明" in wb.sheetnames
    formulas = [dv.formula1 for dv in wb["测试"].data_validations.dataValidation]
    assert '"甲,乙"' in formulas


def test_template_round_trips_through_reader():
    data = _Thing(None, None).template([{"code": "Z9", "n": 12}])
    assert read_rows(data, "x.xlsx")[:2] == [["代码", "数量", "类型", "启用"], ["Z9", "12", "甲", "是"]]


@pytest.mark.parametrize("value", ["1.5", "abc", "-1", "101"])
def test_integer_parser_refuses(value):
    with pytest.raises(ValueError):
        importing.integer(0, 100)(value)


def test_unreadable_file_is_refused():
    result = _Thing(None, None).run(b"not a workbook", "t.xlsx")
    assert "无法读取" in result.file_error
