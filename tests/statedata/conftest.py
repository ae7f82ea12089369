from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from zhengai.statedata import importers
from zhengai.statedata import models as sd


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def headers(model) -> list[str]:
    return [c.header for c in importers.importer_for(model).columns]


def sheet(model, rows: list[dict], full: bool = True) -> list[list]:
    """A file in the template's layout: the header row, then each row's values by header (others empty).

    `full=False` keeps only the columns the rows name, so that the other stored values are left alone.
    """
    head = headers(model)
    named = {k for row in rows for k in row}
    assert not named - set(head), named - set(head)
    if not full:
        head = [h for h in head if h in named]
    return [head, *[[row.get(h, "") for h in head] for row in rows]]


def upload(client, model, rows: list[dict] | None = None, *, data: bytes | None = None, filename: str = "数据.xlsx"):
    content = data if data is not None else xlsx(sheet(model, rows or []))
    url = reverse(f"statedata:{model._meta.model_name}_import")
    return client.post(url, {"file": SimpleUploadedFile(filename, content)})


def load(college, model, rows: list[dict], actor=None):
    """Import rows straight through the importer (as a job would), asserting they are accepted."""
    importer = importers.importer_for(model)(college.institution, actor or college.users["steward"])
    result = importer.run_rows([[str(v) for v in r] for r in sheet(model, rows, full=False)])
    assert result.ok, (result.file_error, [(e.row, e.messages) for e in result.errors])
    return importer.record


Y = "2024-2025"


def clean_rows() -> dict:
    """One consistent academic year (and calendar year) of every table: every logic check passes on it."""
    return {
        sd.InstitutionYear: [{"学年": Y, "折合在校生数": "2400.5", "全日制在校生数": 2300,
                              "全日制普通高职在校生总数": 200, "其中：高中起点": 120, "其中：中职起点": 70,
                              "其中：其他": 10, "固定资产总值": "50000", "教学科研仪器设备资产总值": "8000.50",
                              "当年新增教学科研仪器设备值": "600"}],
        sd.Funding: [{"年度": "2025", "学校总收入": "30000", "学费收入": "9000", "财政经常性补助收入": "15000",
                      "其他收入": "1000", "学校总支出": "28000", "日常教学经费": "5000", "师资建设": "800",
                      "其中：教师培训专项": "300", "年度公用经费": "6000"}],
        sd.TeacherYear: [{"学年": Y, "工号": "T001", "教师类别": "校内专任教师", "是否双师素质教师": "是",
                          "学年授课学时": 320, "本学年行业企业一线工作时间": 20},
                         {"学年": Y, "工号": "T002", "学年授课学时": 280}],
        sd.MajorYear: [{"学年": Y, "专业代码": "510201", "在校生数": 120, "一年级在校生数": 40,
                        "二年级在校生数": 40, "三年级在校生数": 40, "普通高中起点": 80, "中职起点": 30,
                        "其他生源": 10},
                       {"学年": Y, "专业代码": "460104", "在校生数": 80}],
        sd.Admission: [{"学年": Y, "专业代码": "510201", "计划招生数": 50, "实际录取数": 48, "实际报到数": 45}],
        sd.Employment: [{"学年": Y, "专业代码": "510201", "毕业生数": 40, "就业数": 38, "对口就业数": 30,
                         "平均月收入": "4200"}],
        sd.Certificate: [{"学年": Y, "专业代码": "510201", "毕业生数": 40, "获证人数：初级": 10,
                          "获证人数：中级": 20}],
        sd.Internship: [{"学年": Y, "专业代码": "510201", "顶岗实习毕业生总数": 40, "企业录用数": 20,
                         "对口毕业生数": 35, "实习人数": 40, "参加保险学生数": 40}],
        sd.CourseYear: [{"学年": Y, "专业代码": "510201", "课程代码": "C001", "课程类型": "B类（理论+实践课）",
                         "教学计划规定课时数": 64, "实践课课时数": 32, "主讲教师工号": "T001"}],
        sd.Dropout: [{"学年": Y, "学号": "S002", "辍学原因": "转学", "辍学年月": "202503"}],
        sd.Counsellor: [{"学年": Y, "工号": "T002", "是否专职政治辅导员": "是", "负责学生数": 200}],
        sd.Evaluation: [{"学年": Y, "工号": "T001", "课程代码": "C001", "应参评学生数": 40, "实际参评学生数": 38,
                         "学生评教平均分": "91.5"}],
    }


@pytest.fixture
def clean(college) -> dict:
    """Every table filled for 2024-2025 (and 2025), consistently."""
    for model, rows in clean_rows().items():
        load(college, model, rows)
    return clean_rows()


@pytest.fixture
def steward(college, login):
    return login(college.users["steward"])
