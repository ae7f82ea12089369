"""State-data imports: all or nothing with every bad row listed, idempotent, recorded in the history with the
file's checksum, the workbook's layout in templates and exports, large files as jobs."""

from __future__ import annotations

import decimal
import hashlib
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.statedata.conftest import Y, clean_rows, headers, load, sheet, upload, xlsx
from zhengai.core.models import AuditEntry, Period
from zhengai.core.spreadsheets import read_rows
from zhengai.statedata import models as sd
from zhengai.statedata.choices import ImportStatus

MAJORS = [{"学年": Y, "专业代码": "510201", "专业名称": "软件技术", "在校生数": 120, "一年级在校生数": 40},
          {"学年": Y, "专业代码": "460104", "在校生数": 80, "当年是否招生": "是"}]


def errors(response) -> dict[int, str]:
    page = response.content.decode()
    table = re.search(r'<table class="table" id="import-errors">(.*?)</table>', page, re.S)
    return {int(n): reason for n, reason in re.findall(r"<td[^>]*>第(\d+)行</td><td>(.*?)</td>", table.group(1))}


def test_a_good_file_creates_rows_tied_to_period_and_entity(college, steward):
    response = upload(steward, sd.MajorYear, MAJORS)
    assert response.status_code == 200, response.content.decode()
    assert "新增2行" in response.content.decode()
    soft = sd.MajorYear.objects.get(major=college.majors["soft"])
    assert (soft.institution, soft.period.code, soft.students, soft.grade1, soft.grade2) == (
        college.institution, Y, 120, 40, None)
    assert (soft.table_code, soft.table_version) == ("A7-1-1", "2016")
    assert sd.MajorYear.objects.get(major=college.majors["mech"]).enrolling is True
    assert Period.objects.get(code=Y).kind == "academic_year"


def test_one_bad_row_writes_nothing_and_every_bad_row_is_listed(college, steward):
    rows = [*MAJORS,
            {"学年": "2024-2026", "专业代码": "510201", "在校生数": 1},
            {"学年": Y, "专业代码": "999999", "在校生数": 3},
            {"学年": Y, "专业代码": "460104", "在校生数": 5},
            {"学年": Y, "专业代码": "510201", "在校生数": "十", "一年级在校生数": -1}]
    response = upload(steward, sd.MajorYear, rows)
    assert response.status_code == 400
    found = errors(response)
    assert set(found) == {4, 5, 6, 7}
    assert "不是学年" in found[4]
    assert "“999999”在本院校不存在" in found[5]
    assert "与第3行重复" in found[6]
    assert "“十”不是整数" in found[7] and "不能小于0" in found[7]
    assert sd.MajorYear.objects.count() == 0
    record = sd.ImportRecord.objects.get()
    assert record.status == ImportStatus.REFUSED and record.rows == 6
    assert [row for row, _ in record.errors] == [4, 5, 6, 7]
    assert not AuditEntry.objects.filter(action="import").exists()


def test_missing_required_column_and_unreadable_file_are_refused_and_recorded(college, steward):
    response = upload(steward, sd.Admission, data=xlsx([["学年", "专业代码", "计划招生数"], [Y, "510201", 3]]))
    assert response.status_code == 400 and "缺少必填列：实际录取数、实际报到数" in response.content.decode()
    response = upload(steward, sd.Admission, data=b"not a spreadsheet", filename="x.xlsx")
    assert response.status_code == 400
    assert list(sd.ImportRecord.objects.values_list("status", flat=True)) == ["refused", "refused"]
    assert sd.Admission.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing_and_history_says_so(college, steward):
    data = xlsx(sheet(sd.MajorYear, MAJORS))
    upload(steward, sd.MajorYear, data=data, filename="专业.xlsx")
    before = list(sd.MajorYear.objects.values())
    response = upload(steward, sd.MajorYear, data=data, filename="专业（副本）.xlsx")
    assert response.status_code == 200
    assert "导入的文件相同，未作任何修改" in response.content.decode()
    assert list(sd.MajorYear.objects.values()) == before
    second, first = sd.ImportRecord.objects.all()
    assert (first.created, first.unchanged, second.created, second.updated, second.unchanged) == (2, 0, 0, 0, 2)
    assert first.checksum == second.checksum == hashlib.sha256(data).hexdigest()
    assert second.identical_to == first and first.identical_to is None
    assert second.summary.startswith("与") and first.summary.startswith("共2行")
    assert AuditEntry.objects.filter(action="import").count() == 2  # one per import, not per row


def test_a_changed_file_updates_only_its_rows_and_leaves_missing_columns_alone(college, steward):
    upload(steward, sd.MajorYear, MAJORS)
    soft = sd.MajorYear.objects.get(major=college.majors["soft"])
    # A file without the 一年级 column: the stored value stays; 在校生数 changes.
    response = upload(steward, sd.MajorYear, data=xlsx([["学年", "专业代码", "在校生数"], [Y, "510201", 125],
                                                         [Y, "460104", 80]]))
    assert "更新1行" in response.content.decode() and "未变1行" in response.content.decode()
    soft.refresh_from_db()
    assert (soft.students, soft.grade1) == (125, 40)
    assert soft.last_import == sd.ImportRecord.objects.first()


def test_funding_is_by_calendar_year_in_decimals(college, steward):
    response = upload(steward, sd.Funding, [{"年度": "2025", "学费收入": "9000.25", "年度公用经费": "6000"}])
    assert response.status_code == 200
    funding = sd.Funding.objects.get()
    assert (funding.period.code, funding.period.kind) == ("2025", "calendar_year")
    assert funding.tuition == decimal.Decimal("9000.25")
    response = upload(steward, sd.Funding, [{"年度": Y, "学费收入": "1.234"}])
    assert response.status_code == 400
    assert "不是年度" in errors(response)[2] and "最多2位小数" in errors(response)[2]


def test_teacher_kind_defaults_to_the_staff_list_and_sets_the_sheet_code(college, steward):
    upload(steward, sd.TeacherYear, [{"学年": Y, "工号": "T001", "学年授课学时": 300},
                                     {"学年": Y, "工号": "T002", "教师类别": "校外兼职教师"}])
    rows = {r.teacher.code: r for r in sd.TeacherYear.objects.select_related("teacher")}
    assert (rows["T001"].kind, rows["T001"].table_code) == ("full_time", "A6-1-1")
    assert (rows["T002"].kind, rows["T002"].table_code) == ("external_part_time", "A6-3-1")


@pytest.mark.parametrize("model", list(clean_rows()))
def test_every_table_imports_and_its_export_imports_back_unchanged(college, steward, model):
    load(college, model, clean_rows()[model])
    count = model.objects.count()
    response = steward.get(reverse(f"statedata:{model._meta.model_name}_export"))
    assert response.status_code == 200
    rows = read_rows(response.content, "export.xlsx")
    assert rows[0] == headers(model) and len(rows) == count + 1
    again = upload(steward, model, data=response.content, filename="export.xlsx")
    assert again.status_code == 200, again.content.decode()
    assert f"未变{count}行" in again.content.decode()


def test_template_has_the_workbook_headers_and_dropdowns(college, steward):
    response = steward.get(reverse("statedata:courseyear_template"))
    book = load_workbook(filename=__import__("io").BytesIO(response.content))
    sheet_ = book.worksheets[0]
    assert [c.value for c in sheet_[1]][:5] == ["学年", "专业代码", "专业名称", "课程代码", "课程名称"]
    formulas = [dv.formula1 for dv in sheet_.data_validations.dataValidation]
    assert any("A类（纯理论课）" in f for f in formulas)
    assert "填写说明" in book.sheetnames


def test_a_large_file_runs_as_a_job_and_is_recorded(college, steward, settings, django_capture_on_commit_callbacks):
    settings.ZHENGAI_IMPORT_INLINE_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(steward, sd.MajorYear, MAJORS)
    assert response.status_code == 302 and "/core/jobs/" in response["Location"]
    assert sd.MajorYear.objects.count() == 2
    record = sd.ImportRecord.objects.get()
    assert (record.status, record.created, record.filename) == ("ok", 2, "数据.xlsx")


def test_import_committed_signal_fires_after_commit_with_changes_only(college, steward,
                                                                    django_capture_on_commit_callbacks):
    from zhengai.statedata.signals import import_committed

    received = []

    def handler(sender, **kwargs):
        received.append((sender, [p.code for p in kwargs["periods"]]))

    import_committed.connect(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            upload(steward, sd.MajorYear, MAJORS)
        with django_capture_on_commit_callbacks(execute=True):
            upload(steward, sd.MajorYear, MAJORS)
    finally:
        import_committed.disconnect(handler)
    assert received == [(sd.MajorYear, [Y])]
