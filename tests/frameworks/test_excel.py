"""Excel in and out: one layout, exact round trips, whole files refused with every bad row listed."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.hostile import FORMULAS, HOSTILE, assert_inert
from zhengai.frameworks.importers import HEADER_SHEET, MAIN_SHEET, FrameworkImporter
from zhengai.frameworks.models import Framework, Point
from zhengai.frameworks.selectors import builtin_framework, framework_data
from zhengai.frameworks.services import framework_adopt, load_builtin, point_add, read_builtin

from .conftest import REAL


def export(framework) -> bytes:
    return FrameworkImporter(None, None).template(framework)


def edit(data: bytes, change) -> bytes:
    """The workbook after `change(main_sheet, header_sheet)`."""
    workbook = load_workbook(io.BytesIO(data))
    change(workbook[MAIN_SHEET], workbook[HEADER_SHEET])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cell(ws, row: int, header: str):
    headers = [c.value for c in ws[1]]
    return ws.cell(row=row, column=headers.index(header) + 1)


def row_of(ws, header: str, value: str) -> int:
    headers = [c.value for c in ws[1]]
    column = headers.index(header) + 1
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=column).value == value)


def test_layout_has_the_documented_columns_and_header(mini):
    workbook = load_workbook(io.BytesIO(export(mini)))
    assert workbook.sheetnames[:2] == [MAIN_SHEET, HEADER_SHEET]
    headers = [c.value for c in workbook[MAIN_SHEET][1]]
    assert headers[:14] == ["项目编号", "项目名称", "要素编号", "要素名称", "诊断点编号", "诊断点名称",
                            "质量要求/参考提示", "关键量化指标", "状态数据表", "适用标记", "任务编号",
                            "诊改任务", "牵头部门", "责任部门"]
    # One row per task, and one per point without tasks: 5 tasks + 2 bare points.
    assert workbook[MAIN_SHEET].max_row == 1 + 5 + 2
    header = {r[0].value: r[1].value for r in workbook[HEADER_SHEET].iter_rows(min_row=2)}
    assert header["代码"] == "mini" and header["版本"] == "1" and header["文字列名称"] == "质量要求"
    declared = [header[f"声明{label}数"] for label in ("诊断项目", "诊断要素", "诊断点", "诊改任务")]
    assert declared == [2, 3, 5, 5]


def test_export_then_import_round_trips_exactly(mini, college):
    result = FrameworkImporter(college.institution, college.users["quality"]).run(export(mini), "mini.xlsx")
    assert result.ok, result.errors
    assert result.outcome == "created"
    copy = result.framework
    assert copy.institution == college.institution
    assert framework_data(copy) == framework_data(mini)
    again = FrameworkImporter(college.institution, None).run(export(mini), "mini.xlsx")
    assert again.ok and again.outcome == "unchanged" and again.framework.pk == copy.pk


def test_a_colleges_own_points_survive_the_round_trip(mini, college):
    copy = framework_adopt(actor=None, institution=college.institution, framework=mini)
    element = copy.projects.get(number="1").elements.get(number="1.1")
    point_add(actor=None, element=element, name="本校点", applicability="**",
              tasks=[{"content": "任务", "lead": "教务处", "departments": ["教务处", "学工处"]}])
    data = export(copy)
    copy.version = "旧"
    copy.save()
    result = FrameworkImporter(college.institution, None).run(data, "copy.xlsx")
    assert result.ok, result.errors
    assert framework_data(result.framework) == framework_data(copy) | {"version": "1"}
    assert Point.objects.get(element__project__framework=result.framework, name="本校点").added_by_institution


@pytest.mark.skipif(not REAL, reason="the built-in JSON files are not there yet")
@pytest.mark.parametrize("name", REAL)
def test_builtin_tables_round_trip_through_excel(db, college, name):
    load_builtin()
    builtin = builtin_framework(read_builtin(name)["code"])
    result = FrameworkImporter(college.institution, None).run(export(builtin), f"{name}.xlsx")
    assert result.ok, result.errors[:5]
    assert framework_data(result.framework) == framework_data(builtin)


def test_found_and_declared_counts_are_reported_and_their_difference_said(mini, college):
    result = FrameworkImporter(college.institution, None).run(export(mini), "mini.xlsx")
    assert result.found == {"projects": 2, "elements": 3, "points": 6, "tasks": 5}
    assert result.declared == {"projects": 2, "elements": 3, "points": 5, "tasks": 5}
    assert result.differences == ["表中声明5个诊断点，实际导入6个"]
    assert "表中声明5个诊断点，实际导入6个" in result.summary


def test_matching_counts_are_said_to_match(mini, college):
    def declare_six(main, header):
        header.cell(row=row_of(header, "项目", "声明诊断点数"), column=2).value = 6

    result = FrameworkImporter(college.institution, None).run(edit(export(mini), declare_six), "m.xlsx")
    assert result.ok and not result.differences
    assert "与表中声明的数量一致" in result.summary


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_row(mini, college):
    def spoil(main, header):
        # Row 3, the second task of 1.1.1, names its point differently from row 2.
        cell(main, 3, "诊断点名称").value = "改了名字"
        row = row_of(main, "诊断点编号", "1.2.1")
        cell(main, row, "要素编号").value = "2.2"                                       # not under project 1
        cell(main, row_of(main, "诊断点编号", "2.1.2"), "适用标记").value = "***"
        cell(main, row_of(main, "诊断点编号", "2.1.3"), "诊断点名称").value = None        # first and only row
        cell(main, row_of(main, "诊断点编号", "1.1.2"), "诊断点编号").value = "1.1"       # not under 1.1

    bad = edit(export(mini), spoil)
    before = Framework.objects.count()
    result = FrameworkImporter(college.institution, None).run(bad, "bad.xlsx")
    assert not result.ok
    errors = {e.row: "；".join(e.messages) for e in result.errors}
    # Rows: 2–3 point 1.1.1 (two tasks), 4 point 1.1.2, 5 point 1.2.1, 6–8 points 2.1.1–2.1.3.
    assert set(errors) == {3, 4, 5, 7, 8}, errors
    assert "诊断点1.1.1的“诊断点名称”与第2行不一致" in errors[3]
    assert "诊断点编号“1.1”与所属要素编号“1.1”不一致" in errors[4]
    assert "要素编号“2.2”与所属项目编号“1”不一致" in errors[5]
    assert "“适用标记”“***”无效" in errors[7]
    assert "诊断点2.1.3的名称不能为空" in errors[8]
    assert "整个文件未导入" in result.summary
    assert Framework.objects.count() == before
    assert not Framework.objects.filter(institution=college.institution).exists()


def test_duplicate_task_rows_are_refused(mini, college):
    def duplicate(main, header):
        main.append([c.value for c in main[2]])

    result = FrameworkImporter(college.institution, None).run(edit(export(mini), duplicate), "dup.xlsx")
    assert [e.row for e in result.errors] == [9]
    assert "与第2行重复" in result.errors[0].messages[0]


def test_blank_parent_cells_mean_the_row_above(mini, college):
    """People merge the parent cells in Excel; merged cells read as blanks below the first."""
    def merge(main, header):
        # Bottom-up, as a merged cell keeps its value only in its first row.
        for r in range(main.max_row, 2, -1):
            same_point = [c.value for c in main[r][:10]] == [c.value for c in main[r - 1][:10]]
            for column in range(1, 11 if same_point else 5):
                if main.cell(row=r, column=column).value == main.cell(row=r - 1, column=column).value:
                    main.cell(row=r, column=column).value = None

    data = export(mini)
    merged = edit(data, merge)
    sheet = load_workbook(io.BytesIO(merged))[MAIN_SHEET]
    first_column = [sheet.cell(row=r, column=1).value for r in range(2, 9)]
    assert first_column == ["1", None, None, None, "2", None, None]
    assert sheet.cell(row=3, column=6).value is None      # the second task of 1.1.1 leaves its point blank
    result = FrameworkImporter(college.institution, None).run(merged, "merged.xlsx")
    assert result.ok, result.errors
    assert framework_data(result.framework) == framework_data(mini)


def test_header_problems_refuse_the_file(mini, college):
    def no_code(main, header):
        header.cell(row=row_of(header, "项目", "代码"), column=2).value = None
        header.cell(row=row_of(header, "项目", "声明诊断点数"), column=2).value = "很多"

    result = FrameworkImporter(college.institution, None).run(edit(export(mini), no_code), "h.xlsx")
    assert not result.ok
    assert "“代码”不能为空" in result.file_error and "“声明诊断点数”应为整数" in result.file_error


def test_missing_columns_and_wrong_files_are_refused(mini, college):
    def drop(main, header):
        main.delete_cols(12)

    importer = FrameworkImporter(college.institution, None)
    assert "缺少列：诊改任务" in importer.run(edit(export(mini), drop), "x.xlsx").file_error
    assert "Excel" in importer.run(b"a,b\n1,2\n", "x.csv").file_error
    assert importer.run(b"not a workbook", "x.xlsx").file_error
    assert not Framework.objects.filter(institution=college.institution).exists()


def test_hostile_texts_leave_as_text_and_formula_looking_ones_round_trip_exactly(mini, college):
    points = list(Point.objects.filter(element__project__framework=mini).order_by("pk"))
    for point, text in zip(points, HOSTILE, strict=False):
        point.requirement = text
        point.save()
    assert_inert(export(mini), HOSTILE[:len(points)])
    points[-1].requirement = ""  # the control characters are dropped on the way out: no exact round trip for it
    points[-1].save()
    assert_inert(export(mini), FORMULAS[:len(points) - 1])
    result = FrameworkImporter(college.institution, None).run(export(mini), "mini.xlsx")
    assert result.ok, result.errors
    assert framework_data(result.framework) == framework_data(mini)
