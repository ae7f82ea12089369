"""Cross-table logic checks (逻辑校验) of the state data, after state-data.md §4 (L1–L15).

The workbook's own B10 rules were not found, so these are inferred from the fields and shipped as warnings for
the data-quality report, not as import errors: a college must be able to load the file it has, then see what
does not add up. Each check is a named function over one institution and one period that queries the offending
rows (aggregates and comparisons in SQL) and returns them with a Chinese message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from zhengai.core.models import Period

from . import models as sd
from .choices import PeriodBasis


@dataclass
class Finding:
    """One offending row (or total) of a check."""

    table: str          # verbose name of the table the row is in
    label: str          # which row: the entity, or the period for an institution-level table
    message: str
    pk: int | None = None


@dataclass
class Check:
    code: str
    title: str
    basis: str
    run: Callable[[Any, Period], list[Finding]]
    reads: tuple[type[sd.StateRecord], ...] = ()   # the tables it reads: an import of one of them shows it


CHECKS: dict[str, Check] = {}


def check(code: str, title: str, basis: str = PeriodBasis.ACADEMIC_YEAR,
          reads: tuple[type[sd.StateRecord], ...] = ()) -> Callable:
    def register(func: Callable[[Any, Period], list[Finding]]) -> Callable:
        CHECKS[code] = Check(code, title, basis, func, reads)
        return func

    return register


def rows(model: type[sd.StateRecord], institution: Any, period: Period) -> Any:
    return model.objects.filter(institution=institution, period=period)


def _found(obj: sd.StateRecord, message: str, label: str = "") -> Finding:
    entity = next((getattr(obj, e) for e in obj.entities[:1]), None)
    return Finding(obj._meta.verbose_name, label or str(entity or obj.period), message, obj.pk)


def _filled(*names: str) -> Q:
    return Q(**{f"{n}__isnull": False for n in names})


@check("major_students_sum", "专业在校生数 = 一、二、三年级之和 = 各生源之和（A7-1-1）",
       reads=(sd.MajorYear,))
def major_students_sum(institution: Any, period: Period) -> list[Finding]:
    found = []
    by_grade = (rows(sd.MajorYear, institution, period).select_related("major")
                .filter(_filled("students", "grade1", "grade2", "grade3"))
                .annotate(total=F("grade1") + F("grade2") + F("grade3")).exclude(students=F("total")))
    found += [_found(o, f"在校生数{o.students}不等于一、二、三年级之和{o.total}") for o in by_grade]
    by_origin = (rows(sd.MajorYear, institution, period).select_related("major")
                 .filter(_filled("students", "from_high_school", "from_secondary", "other_origin"))
                 .annotate(total=F("from_high_school") + F("from_secondary") + F("other_origin"))
                 .exclude(students=F("total")))
    found += [_found(o, f"在校生数{o.students}不等于各生源之和{o.total}") for o in by_origin]
    return found


@check("majors_add_up", "各专业在校生之和 = 在校生信息表中未毕业人数 = 全日制普通高职在校生总数（A7-1-1、A10-1 与 A1）",
       reads=(sd.MajorYear, sd.InstitutionYear, sd.StudentYear))
def majors_add_up(institution: Any, period: Period) -> list[Finding]:
    total = rows(sd.MajorYear, institution, period).aggregate(n=Sum("students"))["n"]
    listed = rows(sd.StudentYear, institution, period).filter(graduated=False).count()
    found = []
    for basics in rows(sd.InstitutionYear, institution, period).filter(vocational_students__isnull=False):
        if total is not None and total != basics.vocational_students:
            found.append(_found(basics, f"各专业在校生数之和{total}不等于院校全日制普通高职在校生总数"
                                        f"{basics.vocational_students}", label="全校"))
        if listed and listed != basics.vocational_students:
            found.append(_found(basics, f"在校生信息表中未毕业的学生{listed}人不等于院校全日制普通高职在校生总数"
                                        f"{basics.vocational_students}", label="全校"))
    return found


@check("institution_origins", "高中起点 + 中职起点 + 其他 = 全日制普通高职在校生总数（A1）",
       reads=(sd.InstitutionYear,))
def institution_origins(institution: Any, period: Period) -> list[Finding]:
    qs = (rows(sd.InstitutionYear, institution, period)
          .filter(_filled("vocational_students", "from_high_school", "from_secondary", "other_origin"))
          .annotate(total=F("from_high_school") + F("from_secondary") + F("other_origin"))
          .exclude(vocational_students=F("total")))
    return [_found(o, f"各生源之和{o.total}不等于全日制普通高职在校生总数{o.vocational_students}", "全校")
            for o in qs]


@check("equipment_values", "当年新增 ≤ 教学科研仪器设备总值 ≤ 固定资产总值（A1）",
       reads=(sd.InstitutionYear,))
def equipment_values(institution: Any, period: Period) -> list[Finding]:
    qs = rows(sd.InstitutionYear, institution, period)
    found = [_found(o, f"当年新增设备值{o.equipment_new}万元大于设备总值{o.equipment_value}万元", "全校")
             for o in qs.filter(equipment_new__gt=F("equipment_value"))]
    found += [_found(o, f"教学科研仪器设备总值{o.equipment_value}万元大于固定资产总值{o.fixed_assets}万元", "全校")
              for o in qs.filter(equipment_value__gt=F("fixed_assets"))]
    return found


@check("course_hours", "实践课时 ≤ 规定课时；A类实践课时为0；C类实践课时等于规定课时（A7-2）",
       reads=(sd.CourseYear,))
def course_hours(institution: Any, period: Period) -> list[Finding]:
    qs = rows(sd.CourseYear, institution, period).select_related("major", "course")
    found = [_found(o, f"实践课课时{o.practice_hours}大于规定课时{o.hours}", f"{o.major} · {o.course}")
             for o in qs.filter(practice_hours__gt=F("hours"))]
    found += [_found(o, f"A类（纯理论）课程的实践课时应为0，现为{o.practice_hours}", f"{o.major} · {o.course}")
              for o in qs.filter(course_type="A", practice_hours__gt=0)]
    found += [_found(o, f"C类（纯实践）课程的实践课时应等于规定课时{o.hours}，现为{o.practice_hours}",
                     f"{o.major} · {o.course}")
              for o in qs.filter(_filled("practice_hours", "hours"), course_type="C").exclude(
                  practice_hours=F("hours"))]
    return found


@check("course_references", "课程设置的专业、主讲教师在本期间的开设专业表、教师表中（A7-2 与 A7-1-1、A6）",
       reads=(sd.CourseYear, sd.TeacherYear, sd.MajorYear))
def course_references(institution: Any, period: Period) -> list[Finding]:
    qs = rows(sd.CourseYear, institution, period).select_related("major", "course", "teacher")
    teacher_listed = rows(sd.TeacherYear, institution, period).filter(teacher=OuterRef("teacher"))
    major_listed = rows(sd.MajorYear, institution, period).filter(major=OuterRef("major"))
    found = [_found(o, f"主讲教师“{o.teacher}”（{o.teacher.code}）不在本期间的教师情况表中",
                    f"{o.major} · {o.course}")
             for o in qs.filter(teacher__isnull=False).exclude(Exists(teacher_listed))]
    found += [_found(o, f"专业“{o.major}”不在本期间的开设专业表中", f"{o.major} · {o.course}")
              for o in qs.exclude(Exists(major_listed))]
    return found


@check("internship_counts", "顶岗实习：对口数、企业录用数 ≤ 实习毕业生总数；参保人数 ≤ 实习人数（A7-4）",
       reads=(sd.Internship,))
def internship_counts(institution: Any, period: Period) -> list[Finding]:
    qs = rows(sd.Internship, institution, period).select_related("major")
    found = [_found(o, f"对口毕业生数{o.matched}大于顶岗实习毕业生总数{o.total}")
             for o in qs.filter(matched__gt=F("total"))]
    found += [_found(o, f"企业录用数{o.hired}大于顶岗实习毕业生总数{o.total}")
              for o in qs.filter(hired__gt=F("total"))]
    found += [_found(o, f"参加保险学生数{o.insured}大于实习人数{o.interns}")
              for o in qs.filter(insured__gt=F("interns"))]
    return found


@check("admission_counts", "报到数 ≤ 录取数（A7-6-1）",
       reads=(sd.Admission,))
def admission_counts(institution: Any, period: Period) -> list[Finding]:
    qs = rows(sd.Admission, institution, period).select_related("major").filter(enrolled__gt=F("admitted"))
    return [_found(o, f"实际报到数{o.enrolled}大于实际录取数{o.admitted}") for o in qs]


@check("employment_counts", "对口就业数 ≤ 就业数 ≤ 毕业生数（A7-6-2）",
       reads=(sd.Employment,))
def employment_counts(institution: Any, period: Period) -> list[Finding]:
    qs = rows(sd.Employment, institution, period).select_related("major")
    found = [_found(o, f"就业数{o.employed}大于毕业生数{o.graduates}") for o in qs.filter(employed__gt=F("graduates"))]
    found += [_found(o, f"对口就业数{o.matched}大于就业数{o.employed}") for o in qs.filter(matched__gt=F("employed"))]
    return found


@check("certificate_counts", "获证人数（初级+中级+高级+无等级）≤ 毕业生数（A7-3-2）",
       reads=(sd.Certificate,))
def certificate_counts(institution: Any, period: Period) -> list[Finding]:
    total = (Coalesce("primary", 0) + Coalesce("intermediate", 0) + Coalesce("senior", 0) + Coalesce("no_level", 0))
    qs = (rows(sd.Certificate, institution, period).select_related("major").annotate(certified=total)
          .filter(certified__gt=F("graduates")))
    return [_found(o, f"获证人数之和{o.certified}大于毕业生数{o.graduates}") for o in qs]


@check("feedback_counts", "上届毕业生：满意 + 一般 + 不满意 ≤ 毕业生数；每项 ≤ 毕业生数（A7-6-3）",
       reads=(sd.GraduateFeedback,))
def feedback_counts(institution: Any, period: Period) -> list[Finding]:
    judged = Coalesce("satisfied", 0) + Coalesce("fair", 0) + Coalesce("dissatisfied", 0)
    qs = (rows(sd.GraduateFeedback, institution, period).select_related("major").annotate(judged=judged)
          .filter(graduates__isnull=False))
    found = [_found(o, f"用人单位评价人数之和{o.judged}大于毕业生数{o.graduates}")
             for o in qs.filter(judged__gt=F("graduates"))]
    found += [_found(o, f"就业数{o.employed}大于毕业生数{o.graduates}") for o in qs.filter(employed__gt=F("graduates"))]
    return found


@check("evaluation_counts", "评教：实际参评人数 ≤ 应参评人数（A8-7）",
       reads=(sd.Evaluation,))
def evaluation_counts(institution: Any, period: Period) -> list[Finding]:
    qs = (rows(sd.Evaluation, institution, period).select_related("teacher", "course")
          .filter(participated__gt=F("expected")))
    return [_found(o, f"实际参评{o.participated}人大于应参评{o.expected}人", f"{o.teacher} · {o.course}") for o in qs]


@check("funding_totals", "经费：总收入 ≥ 各项收入之和；总支出 ≥ 各项支出之和；师资建设 ≥ 其中教师培训（A5）",
       PeriodBasis.CALENDAR_YEAR, reads=(sd.Funding,))
def funding_totals(institution: Any, period: Period) -> list[Finding]:
    def add(*names: str) -> Any:
        return _sum(sd.Funding, *names)

    qs = rows(sd.Funding, institution, period).annotate(
        income=add("tuition", "fiscal_regular", "fiscal_special", "donations", "other_income"),
        expense=add("equipment_purchase", "teaching_routine", "teaching_reform", "faculty_building",
                    "books_purchase", "other_expense"))
    # SQLite sums decimals as floats: allow half a cent, so 2894.23 is not "less than" 2894.2300000001.
    cent = Value(Decimal("0.005"))
    found = [_found(o, f"学校总收入{o.total_income}万元小于各项收入之和{o.income:.2f}万元", "全校")
             for o in qs.filter(total_income__lt=F("income") - cent)]
    found += [_found(o, f"学校总支出{o.total_expense}万元小于各项支出之和{o.expense:.2f}万元", "全校")
              for o in qs.filter(total_expense__lt=F("expense") - cent)]
    found += [_found(o, f"其中教师培训专项{o.teacher_training}万元大于师资建设{o.faculty_building}万元", "全校")
              for o in qs.filter(teacher_training__gt=F("faculty_building"))]
    return found


def _sum(model: type[sd.StateRecord], *names: str) -> Any:
    """Σ of nullable columns (an empty cell counts 0), typed as the first column."""
    expression = Coalesce(names[0], 0, output_field=model._meta.get_field(names[0]))
    for name in names[1:]:
        expression = expression + Coalesce(name, 0, output_field=model._meta.get_field(name))
    return expression


# SQLite sums decimals as floats: allow half a hundredth before two areas are called different.
HALF = Value(Decimal("0.005"))
TEACHING_PARTS = ("classroom_area", "library_area", "lab_area", "research_area", "gym_area", "hall_area")
LIVING_PARTS = ("dorm_area", "canteen_area", "staff_dorm_area", "staff_canteen_area", "welfare_area")


# L4 of state-data.md §4.
@check("building_areas", "校舍面积：总建筑面积 = 学校产权 + 非学校产权；教学科研及辅助用房、生活用房 ≥ 其中各项之和；"
       "当年新增 ≤ 合计（A3）", reads=(sd.InstitutionYear,))
def building_areas(institution: Any, period: Period) -> list[Finding]:
    qs = rows(sd.InstitutionYear, institution, period)
    owned = (qs.filter(_filled("building_area", "owned_area", "non_owned_area"))
             .annotate(parts=F("owned_area") + F("non_owned_area"))
             .filter(Q(building_area__gt=F("parts") + HALF) | Q(building_area__lt=F("parts") - HALF)))
    found = [_found(o, f"总建筑面积{o.building_area}平方米不等于学校产权与非学校产权校舍之和{o.parts:.2f}平方米",
                    "全校") for o in owned]
    teaching = (qs.filter(teaching_area__isnull=False).annotate(parts=_sum(sd.InstitutionYear, *TEACHING_PARTS))
                .filter(parts__gt=F("teaching_area") + HALF))
    found += [_found(o, f"教室、图书馆等其中各项之和{o.parts:.2f}平方米大于教学科研及辅助用房{o.teaching_area}平方米",
                     "全校") for o in teaching]
    living = (qs.filter(living_area__isnull=False).annotate(parts=_sum(sd.InstitutionYear, *LIVING_PARTS))
              .filter(parts__gt=F("living_area") + HALF))
    found += [_found(o, f"学生宿舍、食堂等其中各项之和{o.parts:.2f}平方米大于生活用房{o.living_area}平方米", "全校")
              for o in living]
    found += [_found(o, f"学校产权校舍当年新增{o.owned_area_new}平方米大于合计{o.owned_area}平方米", "全校")
              for o in qs.filter(owned_area_new__gt=F("owned_area"))]
    return found


# L5 of state-data.md §4.
@check("it_resources", "教学用计算机 ≤ 计算机合计；网络多媒体教室 ≤ 教室合计；电子图书 ≤ 数字资源量合计（A3）",
       reads=(sd.InstitutionYear,))
def it_resources(institution: Any, period: Period) -> list[Finding]:
    qs = rows(sd.InstitutionYear, institution, period)
    found = [_found(o, f"教学用计算机{o.teaching_computers}台大于计算机合计{o.computers}台", "全校")
             for o in qs.filter(teaching_computers__gt=F("computers"))]
    found += [_found(o, f"网络多媒体教室{o.multimedia_classrooms}间大于教室合计{o.classrooms}间", "全校")
              for o in qs.filter(multimedia_classrooms__gt=F("classrooms"))]
    found += [_found(o, f"电子图书{o.ebooks}GB大于数字资源量合计{o.digital_resources}GB", "全校")
              for o in qs.filter(ebooks__gt=F("digital_resources"))]
    return found


STOCKS = (("land_area", "占地面积", "平方米"), ("building_area", "总建筑面积", "平方米"),
          ("books", "纸质图书总册数", "万册"), ("equipment_value", "教学科研仪器设备资产总值", "万元"))


def previous_year(period: Period) -> Period | None:
    return Period.objects.filter(kind=period.kind, start__year=period.start.year - 1).first()


# L15 of state-data.md §4: stocks drop only with an explanation; last year's dropouts are not students now.
@check("year_over_year", "与上一学年相比：占地、校舍面积、图书、设备值等存量减少须说明；上一学年辍学的学生不应仍在"
       "在校生信息表中（A3、A1、A10）", reads=(sd.InstitutionYear, sd.StudentYear, sd.Dropout))
def year_over_year(institution: Any, period: Period) -> list[Finding]:
    before = previous_year(period)
    if before is None:
        return []
    found = []
    last = rows(sd.InstitutionYear, institution, before).first()
    if last is not None:
        for now in rows(sd.InstitutionYear, institution, period):
            for name, label, unit in STOCKS:
                old, new = getattr(last, name), getattr(now, name)
                if old is not None and new is not None and new < old:
                    found.append(_found(now, f"{label}{new}{unit}比上一学年（{old}{unit}）减少，请核实并说明原因",
                                        "全校"))
    dropped = rows(sd.Dropout, institution, before).values("student")
    for o in (rows(sd.StudentYear, institution, period).select_related("student")
              .filter(graduated=False, student__in=dropped)):
        found.append(_found(o, "该生在上一学年的辍学学生明细表中，本学年仍登记为在校生"))
    return found


def run(institution: Any, period: Period, codes: list[str] | None = None,
        reads: type[sd.StateRecord] | None = None) -> list[tuple[Check, list[Finding]]]:
    """Every check that applies to the period's kind (or only those that read the table `reads`), with what it
    found (an empty list: passed)."""
    return [(c, c.run(institution, period)) for code, c in CHECKS.items()
            if c.basis == period.kind and (codes is None or code in codes) and (reads is None or reads in c.reads)]


def findings_text(institution: Any, periods: Any, reads: type[sd.StateRecord] | None = None
                  ) -> list[dict[str, Any]]:
    """The failed checks of some periods as text for an import's result page: [{title, items}]."""
    return [{"title": c.title, "items": [f"{f.table} · {f.label}：{f.message}" for f in found]}
            for p in periods for c, found in run(institution, p, reads=reads) if found]
