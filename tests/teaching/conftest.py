"""A term's timetable for the personas' college: 2025-2026-1 (1 Sep 2025, a Monday, is in week 1), the Java
course taught by 张老师 to 软件2401 (the persona student and extra classmates) on Mondays, periods 1–2."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook

from zhengai.org.models import Student
from zhengai.teaching.importers import RosterImporter, TimetableImporter
from zhengai.teaching.models import Offering

S = "2025-2026-1"
HEAD = ["学期", "教学班代码", "教学班名称", "课程代码", "教师工号", "班级代码", "上课周次", "星期", "起始节次",
        "结束节次", "上课地点"]
MONDAY = datetime.date(2025, 9, 1)


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timetable(college, rows: list[list], actor=None):
    importer = TimetableImporter(college.institution, actor or college.users["steward"])
    return importer.run_rows([HEAD, *rows])


def roster(college, rows: list[list], actor=None):
    importer = RosterImporter(college.institution, actor or college.users["steward"])
    return importer.run_rows([["教学班代码", "学号"], *rows])


def classmates(college, n: int) -> list[Student]:
    klass = college.classes["soft1"]
    return [Student.objects.create(institution=college.institution, code=f"S1{i:03d}", name=f"同学{i}",
                                   major=klass.major, klass=klass, cohort=2024) for i in range(n)]


@pytest.fixture
def offering(college) -> Offering:
    """JX01: Java to 软件2401 (王同学 and four classmates), Mondays 1–2 in weeks 1–16."""
    classmates(college, 4)
    result = timetable(college, [[S, "JX01", "Java-软件2401", "C001", "T001", "K2401", "1-16", "1", "1", "2",
                                  "A101"]])
    assert result.ok, result.errors or result.file_error
    return Offering.objects.get(code="JX01")
