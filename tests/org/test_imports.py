"""Excel imports: all or nothing, every bad row reported in Chinese, idempotent, templates and exports that
round-trip, CSV in GBK, and the importer's scope."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.org.helpers import audit_of
from zhengai.core.models import AuditEntry
from zhengai.core.spreadsheets import read_rows
from zhengai.org.models import Course, Klass, Major, Student, Teacher, Unit

HEADERS = {
    "unit": ["部门代码", "部门名称", "部门类型", "上级部门代码", "所属纵向系统", "排序"],
    "major": ["专业代码", "专业名称", "所属院系代码", "重点专业级别", "设置年份", "学制"],
    "course": ["课程代码", "课程名称", "开课部门代码", "课程类型", "总学时", "实践学时", "专业核心课",
               "校企合作开发", "面向专业代码", "授课教师工号"],
    "klass": ["班级代码", "班级名称", "专业代码", "年级"],
    "teacher": ["工号", "姓名", "所在部门代码", "教师类别", "性别", "出生年份", "职称", "最高学位",
                "双师素质"],
    "student": ["学号", "姓名", "性别", "专业代码", "班级代码", "年级", "学籍状态"],
}
MODELS = {"unit": Unit, "major": Major, "course": Course, "klass": Klass, "teacher": Teacher,
          "student": Student}


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, kind: str, rows: list[list] | None = None, *, data: bytes | None = None,
           filename: str = "导入.xlsx"):
    content = data if data is not None else xlsx([HEADERS[kind], *rows])
    return client.post(reverse(f"org:{kind}_import"), {"file": SimpleUploadedFile(filename, content)})


def errors(response) -> dict[int, str]:
    """Row number → reasons, from the error table of the import page."""
    page = response.content.decode()
    table = re.search(r'<table class="table" id="import-errors">(.*?)</table>', page, re.S)
    rows = re.findall(r"<td[^>]*>第(\d+)行</td><td>(.*?)</td>", table.group(1))
    return {int(n): reason for n, reason in rows}


def count(model) -> int:
    return model.objects.count()


@pytest.fixture
def qo(college, login):
    return login(college.users["quality"])


GOOD_MAJORS = [["510203", "云计算技术应用", "U01", "校级重点专业", 2019, 3],
               ["460105", "工业机器人技术", "U02", "", "", ""]]


def test_a_good_file_creates_everything(college, qo):
    response = upload(qo, "major", GOOD_MAJORS)
    assert response.status_code == 200
    assert "新增2行" in response.content.decode()
    cloud = Major.objects.get(institution=college.institution, code="510203")
    assert (cloud.name, cloud.unit, cloud.key_level, cloud.founded_year, cloud.years) == (
        "云计算技术应用", college.units["it"], "school", 2019, 3)
    robot = Major.objects.get(code="460105")
    assert (robot.key_level, robot.founded_year, robot.years) == ("", None, 3)
    assert audit_of(cloud).filter(action="create", actor=college.users["quality"]).exists()


def test_one_bad_row_among_good_ones_writes_nothing(college, qo):
    before, audits = count(Major), AuditEntry.objects.count()
    response = upload(qo, "major", [*GOOD_MAJORS, ["510299", "不存在的院系", "U99", "", "", ""]])
    assert response.status_code == 400
    assert errors(response) == {4: "“所属院系代码”中的“U99”在本院校不存在"}
    assert "整个文件未导入" in response.content.decode()
    assert count(Major) == before and AuditEntry.objects.count() == audits


def test_several_bad_rows_are_all_listed(college, qo):
    rows = [
        ["S101", "甲", "男", "510201", "K2401", 2024, "在读"],        # good
        ["S102", "乙", "未知", "510201", "K2401", "二〇二四", "在读"],  # bad choice and bad integer
        ["S103", "丙", "女", "510201", "K2402", 2024, "在读"],        # another major's class (service rule)
        ["", "丁", "女", "510201", "K2401", 2024, "在读"],            # no code
        ["S101", "甲", "男", "510201", "K2401", 2024, "在读"],        # the same student twice
        ["S002", "赵同学", "男", "460104", "K2402", 1990, "在读"],     # fine: updates an existing student
    ]
    before = count(Student)
    response = upload(qo, "student", rows)
    found = errors(response)
    assert set(found) == {3, 4, 5, 6}
    assert "“性别”“未知”不是有效选项" in found[3] and "“年级”“二〇二四”不是整数" in found[3]
    assert "班级“机械2401”不属于专业“软件技术”" in found[4]
    assert "“学号”不能为空" in found[5]
    assert "与第2行重复" in found[6]
    assert count(Student) == before
    assert Student.objects.get(code="S002").cohort == 2024


def test_model_validation_is_reported_per_row_before_anything_is_written(college, qo):
    rows = [["C101", "好课程", "U01", "A类（纯理论课）", 32, 0, "否", "否", "", ""],
            ["C102", "学时不对", "U01", "B类（理论+实践课）", 32, 40, "是", "否", "", ""],
            ["C001", "Java程序设计", "U02", "B", 64, 32, "是", "是", "510201", "T001"],
            ["C103", "x" * 101, "U01", "", "", "", "", "", "", ""]]
    response = upload(qo, "course", rows)
    found = errors(response)
    assert set(found) == {3, 5}
    assert found[3] == "实践学时不能大于总学时"
    assert "“课程名称”不能超过100个字符" in found[5]
    assert not Course.objects.filter(code__in=["C101", "C102", "C103"]).exists()
    assert Course.objects.get(code="C001").unit == college.units["it"]


def test_importing_the_same_file_again_changes_nothing(college, qo):
    assert upload(qo, "major", GOOD_MAJORS).status_code == 200
    audits = AuditEntry.objects.count()
    response = upload(qo, "major", GOOD_MAJORS)
    assert response.status_code == 200 and "新增0行，更新0行，未变2行" in response.content.decode()
    assert AuditEntry.objects.count() == audits


def test_a_changed_row_updates_and_is_audited(college, qo):
    row = ["T002", "李老师", "U02", "校内专任教师", "女", 1980, "中级", "硕士", "是"]
    response = upload(qo, "teacher", [row])
    assert "更新1行" in response.content.decode()
    t2 = Teacher.objects.get(code="T002")
    assert (t2.gender, t2.birth_year, t2.title, t2.degree, t2.dual_qualified) == ("F", 1980, "intermediate",
                                                                                  "master", True)
    entry = audit_of(t2).get(action="update")
    assert entry.changes["title"] == ["none", "intermediate"]


@pytest.mark.parametrize("kind", list(HEADERS))
def test_export_then_import_changes_nothing(college, qo, kind):
    exported = qo.get(reverse(f"org:{kind}_export"))
    assert exported.status_code == 200
    assert read_rows(exported.content, "x.xlsx")[0] == HEADERS[kind]
    audits, before = AuditEntry.objects.count(), count(MODELS[kind])
    response = upload(qo, kind, data=exported.content)
    assert response.status_code == 200, errors(response)
    assert f"新增0行，更新0行，未变{before}行" in response.content.decode()
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize("kind", list(HEADERS))
def test_template_downloads_as_xlsx_with_chinese_headers_and_dropdowns(college, qo, kind):
    response = qo.get(reverse(f"org:{kind}_template"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS[kind]
    assert sheet.max_row == 1
    assert "填写说明" in book.sheetnames
    if kind != "klass":  # every other kind has a coded column
        assert sheet.data_validations.dataValidation


def test_template_dropdown_offers_the_chinese_labels(college, qo):
    book = load_workbook(io.BytesIO(qo.get(reverse("org:teacher_template")).content))
    formulas = [dv.formula1 for dv in book.worksheets[0].data_validations.dataValidation]
    assert '"正高级,副高级,中级,初级,无职称"' in formulas and '"是,否"' in formulas


def test_csv_in_gbk_is_read(college, qo):
    text = "学号,姓名,性别,专业代码,班级代码,年级,学籍状态\r\nS201,钱同学,女,510201,K2401,2024,在读\r\n"
    response = upload(qo, "student", data=text.encode("gbk"), filename="学生.csv")
    assert response.status_code == 200
    assert Student.objects.get(code="S201").name == "钱同学"


def test_units_refer_to_parents_earlier_in_the_file_and_systems_by_name(college, qo):
    rows = [["U03", "电子工程学院", "二级学院（系部）", "", "质量生成系统、supervision", 3],
            ["U0301", "电子教研室", "教研室", "U03", "", ""]]
    assert upload(qo, "unit", rows).status_code == 200
    child = Unit.objects.get(code="U0301")
    assert child.parent.code == "U03"
    assert set(child.parent.systems.values_list("code", flat=True)) == {"quality", "supervision"}


def test_a_parent_later_in_the_file_or_itself_is_refused(college, qo):
    rows = [["U0401", "材料教研室", "教研室", "U04", "", ""],
            ["U04", "材料学院", "二级学院（系部）", "U04", "", ""]]
    found = errors(upload(qo, "unit", rows))
    assert found == {2: "“上级部门代码”中的“U04”在本院校不存在", 3: "“上级部门代码”不能是本部门"}


def test_a_unit_cannot_be_placed_below_its_own_sub_unit(college, qo):
    found = errors(upload(qo, "unit", [["U01", "信息工程学院", "二级学院（系部）", "U0101", "", ""]]))
    assert found == {2: "“上级部门代码”：上级不能是本部门或其下级部门"}


def test_courses_take_several_majors_and_teachers(college, qo):
    rows = [["C201", "Python程序设计", "U01", "B", 64, 32, "是", "否", "510201、460104", "T001,T002"]]
    assert upload(qo, "course", rows).status_code == 200
    course = Course.objects.get(code="C201")
    assert set(course.majors.values_list("code", flat=True)) == {"510201", "460104"}
    assert set(course.teachers.values_list("code", flat=True)) == {"T001", "T002"}
    assert course.is_core and not course.co_developed


def test_references_into_another_college_do_not_exist(college, other, login):
    # 班级 K9901 exists only in the other college; its 专业 510201 exists in both.
    Klass.objects.create(institution=other.institution, code="K9901", name="外校班",
                         major=other.majors["soft"], cohort=2024)
    response = upload(login(college.users["quality"]), "student",
                      [["S301", "孙同学", "男", "510201", "K9901", 2024, "在读"]])
    assert errors(response) == {2: "“班级代码”中的“K9901”在本院校不存在"}


def test_a_missing_required_column_is_a_file_error(college, qo):
    response = upload(qo, "klass", data=xlsx([["班级代码", "班级名称", "年级"], ["K1", "x", 2024]]))
    assert response.status_code == 400 and "缺少必填列：专业代码" in response.content.decode()


def test_unit_head_imports_into_own_unit_only(college, login):
    client = login(college.users["head"])
    rows = [["510204", "物联网应用技术", "U01", "", "", ""],
            ["460106", "数控技术", "U02", "", "", ""]]
    assert errors(upload(client, "major", rows)) == {3: "“所属院系代码”中的“U02”不在您可管理的范围内"}
    assert upload(client, "major", rows[:1]).status_code == 200
    assert Major.objects.get(code="510204").unit == college.units["it"]
    found = errors(upload(client, "teacher", [["T002", "李老师", "U01", "", "", "", "", "", ""]]))
    assert found == {2: "无权修改教师“T002”"}
    assert Teacher.objects.get(code="T002").unit == college.units["mech"]


@pytest.mark.parametrize("who", ["teacher", "leader", "major_leader", "counsellor", "student"])
def test_people_who_may_not_add_may_not_import(college, login, who):
    response = upload(login(college.users[who]), "klass", [["K9", "新班", "510201", 2025]])
    assert response.status_code == 403
    assert not Klass.objects.filter(code="K9").exists()


def test_a_column_left_out_leaves_its_field_alone(college, qo):
    data = xlsx([["工号", "姓名", "所在部门代码"], ["T001", "张老师（新）", "U01"]])
    response = upload(qo, "teacher", data=data)
    assert "更新1行" in response.content.decode()
    t1 = Teacher.objects.get(code="T001")
    assert (t1.name, t1.title, t1.degree, t1.dual_qualified) == ("张老师（新）", "associate", "master", True)
    # An empty cell in a column that is there clears the field to its default.
    data = xlsx([["工号", "姓名", "所在部门代码", "职称"], ["T001", "张老师", "U01", ""]])
    assert upload(qo, "teacher", data=data).status_code == 200
    t1.refresh_from_db()
    assert t1.title == "none"
