"""Measures (度量): named aggregates over the state-data tables, the words of the formula language.

Each measure names its table, its aggregate (count, sum or average), the field or expression it aggregates,
a filter, and, for each level it supports, the path from a row to that level's entity. How a measure reads
the periods (`basis`):

* ``year`` — rows of the measurement's academic year (the workbook's tables, stock and flow alike);
* ``process`` — rows of the semesters (and months) inside the academic year: the teaching-process tables; a
  semester's measurement reads the rows of that semester, a month's the rows dated in that month, so only
  points over process measures can be measured per semester or month (their 监测周期);
* ``calendar`` — rows of the calendar year that starts inside the academic year (2024-2025 → 2025): funding;
* ``five_years`` — rows of the five academic years ending with the measurement's (enterprise practice, 5 年累计).

What an absent value means (`missing`): ``zero`` — a count over no rows is 0 (nobody dropped out); ``null`` —
a sum or average over no rows stays missing (the table was not reported), so the QC point is 无数据 rather than
a false 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.db.models import Avg, Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from zhengai.statedata import models as sd

# The path from each level's entity model to its institution is the entity itself; a row reaches the entity
# through the measure's paths. "school" rows reach the institution.
SCHOOL = "school"


@dataclass(frozen=True)
class Measure:
    name: str
    model: type
    aggregate: str                       # "count" | "sum" | "avg"
    field: Any = "pk"                    # a field name or an expression (sum of several columns)
    filter: Q = dc_field(default_factory=Q)
    paths: dict[str, str] = dc_field(default_factory=dict)   # level → path from the row to the entity
    basis: str = "year"
    missing: str = "null"                # "zero" | "null"
    unit: str = ""
    description: str = ""

    @property
    def table(self) -> str:
        return self.model._meta.model_name

    def aggregate_expression(self, filtered: bool = False):
        """The aggregate over the measure's rows; `filtered`: with the measure's own filter inside it
        (`COUNT(…) FILTER (WHERE …)`), for rows already restricted only to the institution and periods."""
        target = self.field if not isinstance(self.field, str) else F(self.field)
        extra = {"filter": self.filter} if filtered and self.filter else {}
        if self.aggregate == "count":
            return Count("pk", **extra)
        if self.aggregate == "sum":
            return Sum(target, **extra)
        if self.aggregate == "avg":
            return Avg(target, **extra)
        raise ValueError(self.aggregate)


REGISTRY: dict[str, Measure] = {}


def _add(name: str, model: type, aggregate: str, field: Any = "pk", *, where: Q | None = None,
         paths: dict[str, str], basis: str = "year", missing: str | None = None, unit: str = "",
         description: str = "") -> None:
    REGISTRY[name] = Measure(name=name, model=model, aggregate=aggregate, field=field, filter=where or Q(),
                             paths={SCHOOL: "institution", **paths}, basis=basis,
                             missing=missing or ("zero" if aggregate == "count" else "null"),
                             unit=unit, description=description or name)


FULL = Q(kind="full_time")
EXTERNAL = Q(kind__in=["external_part_time", "external_guest"])

# ---- 院校基本情况 (A1/A3): school level only, per academic year ------------------------------------------
for _name, _field, _unit in [
    ("折合在校生数", "converted_students", "人"), ("全日制在校生数", "fulltime_students", "人"),
    ("高职在校生数", "vocational_students", "人"), ("专业设置数", "majors_offered", "个"),
    ("教学科研仪器设备值", "equipment_value", "万元"), ("新增教学科研仪器设备值", "equipment_new", "万元"),
    ("占地面积", "land_area", "平方米"), ("教学科研及辅助用房面积", "teaching_area", "平方米"),
    ("行政办公用房面积", "admin_area", "平方米"), ("学生宿舍面积", "dorm_area", "平方米"),
    ("纸质图书册数", "books", "万册"), ("新增纸质图书册数", "books_new", "万册"),
    ("教学用计算机数", "teaching_computers", "台"), ("校内实践教学工位数", "practice_stations", "个"),
]:
    _add(_name, sd.InstitutionYear, "sum", _field, paths={}, unit=_unit, description=f"院校基本情况·{_name}")

# ---- 经费收支 (A5): school level, calendar year ---------------------------------------------------------
for _name, _field in [
    ("财政经常性补助", "fiscal_regular"), ("财政专项投入", "fiscal_special"), ("学校总支出", "total_expense"),
    ("师资建设经费", "faculty_building"), ("教师培训专项经费", "teacher_training"), ("年度公用经费", "public_funds"),
]:
    _add(_name, sd.Funding, "sum", _field, paths={}, basis="calendar", unit="万元",
         description=f"经费收支·{_name}（自然年）")

# ---- 教师 (A6): school, unit (the teacher's unit), teacher --------------------------------------------
TEACHER_PATHS = {"unit": "teacher__unit", "teacher": "teacher"}
for _name, _where in [
    ("专任教师数", FULL), ("校外兼职教师数", Q(kind="external_part_time")),
    ("校外兼课教师数", Q(kind="external_guest")), ("校外教师数", EXTERNAL),
    ("校内兼课教师数", Q(kind="internal_part_time")),
    ("双师专任教师数", FULL & Q(dual_qualified=True)),
    ("研究生学位专任教师数", FULL & Q(degree__in=["master", "doctor"])),
    ("高级职称专任教师数", FULL & Q(title__in=["senior", "associate"])),
    ("有教师资格证专任教师数", FULL & Q(teacher_certificate=True)),
    ("骨干教师数", Q(backbone=True)),
    ("专业课专任教师数", FULL & Q(professional=True)),
]:
    _add(_name, sd.TeacherYear, "count", where=_where, paths=TEACHER_PATHS, unit="人",
         description=f"教师情况中{_name.removesuffix('数')}的人数")
for _name, _field, _where in [
    ("专任教师授课学时", "teaching_hours", FULL), ("校外兼职教师授课学时", "teaching_hours",
                                                   Q(kind="external_part_time")),
    ("全部教师授课学时", "teaching_hours", None), ("教师授课学时", "teaching_hours", None),
    ("专任教师企业实践天数", "enterprise_days", FULL), ("专任教师培训进修天数", "training_days", FULL),
    ("专任教师挂职锻炼天数", "secondment_days", FULL), ("教师培训进修天数", "training_days", None),
]:
    _add(_name, sd.TeacherYear, "sum", _field, where=_where, paths=TEACHER_PATHS, missing="zero",
         unit="学时" if "学时" in _name else "天")
_add("近五年企业实践天数", sd.TeacherYear, "sum", "enterprise_days", paths=TEACHER_PATHS, basis="five_years",
     missing="zero", unit="天", description="本学年及此前四个学年行业企业一线工作时间之和")

# ---- 辅导员 (A8-3) ---------------------------------------------------------------------------------------
_add("专职辅导员数", sd.Counsellor, "count", where=Q(political=True), paths={"unit": "unit"}, unit="人")

# ---- 专业 (A7-1-1, A7-6-1, A7-6-2, A7-3-2, A7-4): school, unit, major -----------------------------------
MAJOR_PATHS = {"unit": "major__unit", "major": "major"}
for _name, _model, _agg, _field, _unit in [
    ("专业在校生数", sd.MajorYear, "sum", "students", "人"),
    ("计划招生数", sd.Admission, "sum", "planned", "人"), ("录取数", sd.Admission, "sum", "admitted", "人"),
    ("报到数", sd.Admission, "sum", "enrolled", "人"),
    ("毕业生数", sd.Employment, "sum", "graduates", "人"), ("就业数", sd.Employment, "sum", "employed", "人"),
    ("对口就业数", sd.Employment, "sum", "matched", "人"),
    ("平均月收入", sd.Employment, "avg", "monthly_income", "元/月"),
    ("获证统计毕业生数", sd.Certificate, "sum", "graduates", "人"),
    ("顶岗实习毕业生数", sd.Internship, "sum", "total", "人"),
    ("顶岗实习对口数", sd.Internship, "sum", "matched", "人"),
    ("企业录用数", sd.Internship, "sum", "hired", "人"),
    ("实习人数", sd.Internship, "sum", "interns", "人"), ("参保人数", sd.Internship, "sum", "insured", "人"),
    ("实习月数", sd.Internship, "avg", "months", "月"),
]:
    _add(_name, _model, _agg, _field, paths=MAJOR_PATHS, unit=_unit,
         description=f"{_model._meta.verbose_name}·{_name}")
_add("获证人数", sd.Certificate, "sum",
     sum((Coalesce(F(f), Value(0)) for f in ("primary", "intermediate", "senior", "no_level")), Value(0)),
     paths=MAJOR_PATHS, unit="人", description="获证人数：初级 + 中级 + 高级 + 无等级")

# ---- 上届毕业生 (A7-6-3): employers' judgements and the graduates' own, which a graduate follow-up or employer
# survey writes when it closes (docs/surveys.md), so 雇主满意度 and 母校满意度 can be QC points --------------
for _name, _field in [
    ("上届毕业生数", "graduates"), ("用人单位满意或基本满意数", "satisfied"), ("用人单位评价一般数", "fair"),
    ("用人单位评价不满意数", "dissatisfied"), ("对母校满意人数", "alma_mater_satisfied"),
    ("工作与职业期待吻合人数", "expectation_fit"), ("就业现状满意人数", "job_satisfied"),
]:
    _add(_name, sd.GraduateFeedback, "sum", _field, paths=MAJOR_PATHS, unit="人",
         description=f"上届毕业生就业·{_name}")

# ---- 课程设置 (A7-2): school, unit (the major's), major, course, teacher (主讲) --------------------------
COURSE_PATHS = {"unit": "major__unit", "major": "major", "course": "course", "teacher": "teacher"}
for _name, _agg, _field, _where, _unit in [
    ("总学时", "sum", "hours", None, "学时"), ("实践学时", "sum", "practice_hours", None, "学时"),
    ("公共基础课学时", "sum", "hours", Q(attribute="public"), "学时"),
    ("选修课学时", "sum", "hours", Q(nature="elective"), "学时"),
    ("C类课程学时", "sum", "hours", Q(course_type="C"), "学时"),
    ("开设课程门数", "count", "pk", None, "门"), ("专业核心课程门数", "count", "pk", Q(is_core=True), "门"),
    ("校企合作开发课程门数", "count", "pk", Q(co_developed=True), "门"),
    ("校外兼职教师主讲课程门数", "count", "pk", Q(teacher__kind__in=["external_part_time", "external_guest"]), "门"),
]:
    _add(_name, sd.CourseYear, _agg, _field, where=_where, paths=COURSE_PATHS, unit=_unit,
         description=f"课程设置·{_name}")

# ---- 辍学 (A10-2-1): school, unit, major, class, student -------------------------------------------------
_add("辍学人数", sd.Dropout, "count", paths={"unit": "student__major__unit", "major": "student__major",
                                          "class": "student__klass", "student": "student"}, unit="人")

# ---- 评教 (A8-7): school, unit (the course's), course, teacher -------------------------------------------
EVAL_PATHS = {"unit": "course__unit", "course": "course", "teacher": "teacher"}
_add("评教平均分", sd.Evaluation, "avg", "score", paths=EVAL_PATHS, unit="分",
     description="学生评教平均分（各课程、教师记录的简单平均）")
_add("应参评人数", sd.Evaluation, "sum", "expected", paths=EVAL_PATHS, unit="人")
_add("实际参评人数", sd.Evaluation, "sum", "participated", paths=EVAL_PATHS, unit="人")

# ---- teaching-process records: every level ---------------------------------------------------------------
PROCESS_PATHS = {"unit": "course__unit", "major": "student__major", "course": "course", "teacher": "teacher",
                 "student": "student", "class": "student__klass"}
for _name, _model, _where, _unit in [
    ("应到人次", sd.Attendance, None, "人次"), ("出勤人次", sd.Attendance, Q(status__in=[1, 2]), "人次"),
    ("缺勤人次", sd.Attendance, Q(status=4), "人次"), ("迟到人次", sd.Attendance, Q(status=2), "人次"),
    ("检测人次", sd.LessonCheck, None, "人次"), ("检测达标人次", sd.LessonCheck, Q(passed=True), "人次"),
    ("作业布置数", sd.Homework, None, "份"), ("作业提交数", sd.Homework, Q(submitted=True), "份"),
    ("按时提交作业数", sd.Homework, Q(on_time=True), "份"),
]:
    _add(_name, _model, "count", where=_where, paths=PROCESS_PATHS, basis="process", unit=_unit,
         description=f"{_model._meta.verbose_name}·{_name}（学年内各学期）")


def rows_q(rows_filter: Any, model: type) -> Q:
    """The rows of `model` a period filter selects. A filter is a Q, or — for a month, which teaching-process
    rows name by their own date field (a lesson's day, a homework's due day) — a function of the table."""
    return rows_filter(model) if callable(rows_filter) else rows_filter


def get(name: str) -> Measure | None:
    return REGISTRY.get(name)


def measures_of_table(model: type) -> set[str]:
    return {m.name for m in REGISTRY.values() if m.model is model}
