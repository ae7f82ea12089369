"""State-data tables (人才培养工作状态数据): typed rows of the national 2016 workbook, one table per sheet
(or per group of sheets of the same grain), each row tied to an institution, a collection period and, where the
sheet has one, the entity it describes.

The workbook's table code and version are attributes of a row (`table_code`, `table_version`), never keys: one
logical table had different codes in different versions (state-data.md §1). Counts are integers, money and
areas are decimals; a field's unit is in its help text (万元, 平方米, 万册…). An empty cell is NULL ("not
reported"), which is not the same as 0.

Permissions: every table is visible to the institution-wide roles and to the people who own the row's entity
(a major leader their major's rows, a teacher their own rows, a unit head their unit's); only the data steward
and the quality office change or import (ADMIN_ROLES).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import ADMIN_ROLES, Role
from zhengai.core.models import Institution, InstitutionOwned, Period
from zhengai.core.permissions import VIEW, Access, RestrictedQuerySet, through
from zhengai.org.choices import Level
from zhengai.org.entities import answers_q
from zhengai.org.models import Course, Major, Student, Teacher, Unit

from .choices import (
    AdmissionMode,
    AttendanceStatus,
    BaseKind,
    CourseAttribute,
    CourseNature,
    CourseType,
    Degree,
    ImportSource,
    ImportStatus,
    OriginType,
    PeriodBasis,
    RowAction,
    TeacherKind,
    Title,
    VersionState,
)

# ---- field helpers: the same kinds of cells over and over -------------------------------------------

def count(label: str, unit: str = "人") -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, null=True, blank=True, help_text=unit)


def money(label: str, unit: str = "万元") -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, null=True, blank=True, help_text=unit)


def area(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=2, null=True, blank=True, help_text="平方米")


def flag(label: str) -> models.BooleanField:
    return models.BooleanField(label, default=False)


# Who owns a row's entity is the kernel's rule (org.entities.answers_q), never a copy here.


class StateRecord(InstitutionOwned):
    """A row of a state-data table. Subclasses name their sheet, period basis, entity and data fields."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="统计期间")
    table_code = models.CharField("表号", max_length=20, blank=True)
    table_version = models.CharField("采集版本", max_length=20, blank=True, default="2016")
    last_import = models.ForeignKey("ImportRecord", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="最近导入")

    # What the importer, pages and checks need to know about the table.
    workbook_code: ClassVar[str] = ""
    basis: ClassVar[str] = PeriodBasis.ACADEMIC_YEAR
    entities: ClassVar[tuple[str, ...]] = ()       # the natural key after (institution, period)
    # Text columns that complete the key where a row is not one of our entities (a practice base's name, an
    # aid scheme's name): they are required in a file and part of the unique constraint.
    extra_keys: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        """Rows whose entity the user answers for; institution-level tables have none."""
        return Q(pk__in=[])

    @classmethod
    def about_people(cls) -> bool:
        """Whether a row describes one person (a student, a teacher): what the authority's roles never see."""
        return bool({"student", "teacher"} & set(cls.entities))

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            q = access.wide_q("institution") | (access.institution_q("institution", VIEW) & cls.owner_q(access))
            return q if cls.about_people() else q | access.authority_q("institution")
        return access.institution_q("institution", action, roles=ADMIN_ROLES)

    @classmethod
    def key_fields(cls) -> tuple[str, ...]:
        return ("period", *cls.entities, *cls.extra_keys)

    @classmethod
    def _unique(cls, name: str) -> models.UniqueConstraint:
        return models.UniqueConstraint(fields=["institution", "period", *cls.entities, *cls.extra_keys], name=name,
                                       violation_error_message="本期间已有该记录")


class InstitutionYear(StateRecord):
    """院校基本情况 (workbook A1 院校基本信息表 在校生/固定资产 blocks, and A3 基本办学条件表), per academic year."""

    workbook_code = "A1/A3"

    converted_students = models.DecimalField("折合在校生数", max_digits=10, decimal_places=1, null=True, blank=True,
                                             help_text="人")
    fulltime_students = count("全日制在校生数")
    vocational_students = count("全日制普通高职在校生总数")
    from_high_school = count("其中：高中起点")
    from_secondary = count("其中：中职起点")
    other_origin = count("其中：其他")
    majors_offered = count("专业设置数", "个")
    fixed_assets = money("固定资产总值")
    equipment_value = money("教学科研仪器设备资产总值")
    equipment_new = money("当年新增教学科研仪器设备值")
    land_area = area("占地面积")
    building_area = area("总建筑面积")
    # A3 block 1 (state-data.md §3.1). The national field codes of these cells are not in the reference: the
    # columns follow the headings (a sub-column as "group：sub"), and our own codes are the field names.
    owned_area = area("学校产权校舍建筑面积：合计")
    owned_area_new = area("学校产权校舍建筑面积：当年新增")
    non_owned_area = area("非学校产权校舍建筑面积")
    teaching_area = area("教学科研及辅助用房")
    classroom_area = area("教学科研及辅助用房：教室")
    library_area = area("教学科研及辅助用房：图书馆")
    lab_area = area("教学科研及辅助用房：实验室、实习场所")
    research_area = area("教学科研及辅助用房：专用科研用房")
    gym_area = area("教学科研及辅助用房：体育馆")
    hall_area = area("教学科研及辅助用房：会堂")
    admin_area = area("行政办公用房")
    living_area = area("生活用房")
    dorm_area = area("学生宿舍（公寓）")
    canteen_area = area("生活用房：学生食堂")
    staff_dorm_area = area("生活用房：教工宿舍（公寓）")
    staff_canteen_area = area("生活用房：教工食堂")
    welfare_area = area("生活用房：生活福利及附属用房")
    books = models.DecimalField("纸质图书总册数", max_digits=10, decimal_places=2, null=True, blank=True,
                                help_text="万册")
    books_new = models.DecimalField("本学年新增纸质图书", max_digits=10, decimal_places=2, null=True, blank=True,
                                    help_text="万册")
    computers = count("计算机合计", "台")
    teaching_computers = count("其中：教学用计算机", "台")
    classrooms = count("教室合计", "间")
    multimedia_classrooms = count("其中：网络多媒体教室", "间")
    practice_stations = count("校内实践教学工位数", "个")
    # A3 block 4 (信息化): the digital resources of L5.
    digital_resources = models.DecimalField("数字资源量合计", max_digits=12, decimal_places=2, null=True,
                                            blank=True, help_text="GB")
    ebooks = models.DecimalField("其中：电子图书", max_digits=12, decimal_places=2, null=True, blank=True,
                                 help_text="GB")

    class Meta:
        verbose_name = "院校基本情况"
        verbose_name_plural = "院校基本情况"
        ordering = ["-period__start"]
        constraints = [models.UniqueConstraint(fields=["institution", "period"], name="sd_institutionyear_key",
                                               violation_error_message="本期间已有该记录")]

    def __str__(self) -> str:
        return f"{self.period} 院校基本情况"


class Funding(StateRecord):
    """经费收支 (workbook A5-1 经费收入表 and A5-2 经费支出表), per calendar year, in 万元."""

    workbook_code = "A5"
    basis = PeriodBasis.CALENDAR_YEAR

    total_income = money("学校总收入")
    tuition = money("学费收入")
    fiscal_regular = money("财政经常性补助收入")
    fiscal_special = money("中央、地方财政专项投入")
    donations = money("社会捐赠金额")
    other_income = money("其他收入")
    total_expense = money("学校总支出")
    equipment_purchase = money("设备采购")
    teaching_routine = money("日常教学经费")
    teaching_reform = money("教学改革及研究")
    faculty_building = money("师资建设")
    teacher_training = money("其中：教师培训专项")
    books_purchase = money("图书购置")
    other_expense = money("其他支出")
    public_funds = models.DecimalField("年度公用经费", max_digits=14, decimal_places=2, null=True, blank=True,
                                       help_text="万元；不在A5中，取自财务数据（教师培训经费占比的分母）")

    class Meta:
        verbose_name = "经费收支"
        verbose_name_plural = "经费收支"
        ordering = ["-period__start"]
        constraints = [models.UniqueConstraint(fields=["institution", "period"], name="sd_funding_key",
                                               violation_error_message="本期间已有该记录")]

    def __str__(self) -> str:
        return f"{self.period} 经费收支"


class TeacherYear(StateRecord):
    """教师 (workbook A6-1-1/A6-2-1/A6-3-1/A6-4-1 基本情况 with the A6-x-2 学年教学工作量), per academic year.

    One table for the four kinds (校内专任, 校内兼课, 校外兼职, 校外兼课), told apart by `kind`: the sheets share
    one layout, the indicators compare the kinds (生师比 counts 专任 + 0.5 × 校外; 企业兼职教师授课比例 divides
    one kind's hours by all kinds'), and a person may change kind from one year to the next.
    """

    workbook_code = "A6"
    entities = ("teacher",)
    KIND_CODES: ClassVar[dict[str, str]] = {
        TeacherKind.FULL_TIME: "A6-1-1", TeacherKind.INTERNAL_PART_TIME: "A6-2-1",
        TeacherKind.EXTERNAL_PART_TIME: "A6-3-1", TeacherKind.EXTERNAL_GUEST: "A6-4-1",
    }

    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="state_years", verbose_name="教师")
    kind = models.CharField("教师类别", max_length=30, choices=TeacherKind.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="所属系部")
    title = models.CharField("专业技术职务等级", max_length=20, choices=Title.choices, blank=True)
    degree = models.CharField("学位", max_length=20, choices=Degree.choices, blank=True)
    dual_qualified = flag("是否双师素质教师")
    professional = flag("是否专业教师")
    backbone = flag("是否骨干教师")
    teacher_certificate = flag("有无高校教师资格证")
    teaching_hours = count("学年授课学时", "学时")
    enterprise_days = count("本学年行业企业一线工作时间", "天")
    training_days = count("本学年培训进修", "天")
    secondment_days = count("本学年挂职锻炼", "天")

    class Meta:
        verbose_name = "教师情况"
        verbose_name_plural = "教师情况"
        ordering = ["-period__start", "kind", "teacher__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "teacher"], name="sd_teacheryear_key",
                                               violation_error_message="本期间已有该教师的记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.teacher}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return answers_q(access, Level.TEACHER, "teacher") | answers_q(access, Level.UNIT, "unit")


class MajorRecord(StateRecord):
    """A per-major sheet of A7: seen by the major's leader and the head of its unit."""

    entities = ("major",)
    major = models.ForeignKey(Major, on_delete=models.PROTECT, related_name="+", verbose_name="专业")

    class Meta:
        abstract = True
        ordering = ["-period__start", "major__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "major"], name="sd_%(class)s_key",
                                               violation_error_message="本期间已有该专业的记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.major}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return answers_q(access, Level.MAJOR, "major")


class MajorYear(MajorRecord):
    """开设专业 (workbook A7-1-1 开设专业表, statistics block), per academic year."""

    workbook_code = "A7-1-1"

    students = count("在校生数")
    grade1 = count("一年级在校生数")
    grade2 = count("二年级在校生数")
    grade3 = count("三年级在校生数")
    from_high_school = count("普通高中起点")
    from_secondary = count("中职起点")
    other_origin = count("其他生源")
    classes = count("班级总数", "个")
    enrolling = flag("当年是否招生")
    has_graduates = flag("是否有上届毕业生")

    class Meta(MajorRecord.Meta):
        verbose_name = "开设专业"
        verbose_name_plural = "开设专业"


class Admission(MajorRecord):
    """招生 (workbook A7-6-1 招生表), per major and academic year."""

    workbook_code = "A7-6-1"

    planned = count("计划招生数")
    admitted = count("实际录取数")
    enrolled = count("实际报到数")
    from_city = count("报到生源：本地市")
    from_province = count("报到生源：本省")

    class Meta(MajorRecord.Meta):
        verbose_name = "招生情况"
        verbose_name_plural = "招生情况"


class Employment(MajorRecord):
    """应届毕业生就业 (workbook A7-6-2 应届毕业生就业情况表), per major and academic year."""

    workbook_code = "A7-6-2"

    graduates = count("毕业生数")
    employed = count("就业数")
    matched = count("对口就业数")
    local = count("本地市就业数")
    starting_salary = money("起薪线", "元/月")
    monthly_income = money("平均月收入", "元/月")

    class Meta(MajorRecord.Meta):
        verbose_name = "毕业生就业"
        verbose_name_plural = "毕业生就业"


class Certificate(MajorRecord):
    """应届毕业生获证 (workbook A7-3-2 应届毕业生获证及社会技术培训情况表), per major and academic year."""

    workbook_code = "A7-3-2"

    graduates = count("毕业生数")
    primary = count("获证人数：初级")
    intermediate = count("获证人数：中级")
    senior = count("获证人数：高级")
    no_level = count("获证人数：无等级")
    trainings = count("专业相关社会技术培训", "人次")

    class Meta(MajorRecord.Meta):
        verbose_name = "毕业生获证"
        verbose_name_plural = "毕业生获证"


class Internship(MajorRecord):
    """顶岗实习 (workbook A7-4 顶岗实习表), per major and academic year."""

    workbook_code = "A7-4"

    total = count("顶岗实习毕业生总数")
    hired = count("企业录用数")
    matched = count("对口毕业生数")
    companies = count("实习单位数", "个")
    interns = count("实习人数")
    insured = count("参加保险学生数")
    insurance = models.CharField("险种（出资方）", max_length=100, blank=True)
    months = models.DecimalField("实习时间", max_digits=4, decimal_places=1, null=True, blank=True, help_text="月")

    class Meta(MajorRecord.Meta):
        verbose_name = "顶岗实习"
        verbose_name_plural = "顶岗实习"


class Cooperation(MajorRecord):
    """产学合作 (workbook A7-5 产学合作表), per major and academic year; S22–S24 of indicators.md read it."""

    workbook_code = "A7-5"

    companies = count("合作企业总数", "个")
    order_students = count("订单培养人数")
    joint_courses = count("共同开发课程数", "门")
    joint_textbooks = count("共同开发教材数", "种")
    part_time_teachers = count("支持兼职教师数")
    interns = count("接受顶岗实习学生数")
    donated_equipment = money("捐赠设备值")
    hired = count("接受毕业生就业数")
    service_income = money("技术服务年收入")
    training_days = count("为企业培训员工", "人天")

    class Meta(MajorRecord.Meta):
        verbose_name = "产学合作"
        verbose_name_plural = "产学合作"


class GraduateFeedback(MajorRecord):
    """上届毕业生就业情况 (workbook A7-6-3), per major and academic year: employers' judgement (logic check L11)."""

    workbook_code = "A7-6-3"

    graduates = count("毕业生数")
    employed = count("就业数")
    satisfied = count("用人单位评价：满意或基本满意")
    fair = count("用人单位评价：一般")
    dissatisfied = count("用人单位评价：不满意")
    # The graduates' own judgements (A7-6-3's 对母校满意, 工作与职业期待吻合, 就业现状满意), as numbers of people:
    # a closed graduate follow-up survey writes them, or a workbook supplies them.
    alma_mater_satisfied = count("对母校满意")
    expectation_fit = count("工作与职业期待吻合")
    job_satisfied = count("就业现状满意")

    class Meta(MajorRecord.Meta):
        verbose_name = "上届毕业生就业"
        verbose_name_plural = "上届毕业生就业"


class CourseYear(StateRecord):
    """课程设置 (workbook A7-2 课程设置表): one row per major × course, per academic year."""

    workbook_code = "A7-2"
    entities = ("major", "course")

    major = models.ForeignKey(Major, on_delete=models.PROTECT, related_name="+", verbose_name="专业")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="state_years", verbose_name="课程")
    course_type = models.CharField("课程类型", max_length=1, choices=CourseType.choices)
    attribute = models.CharField("课程属性", max_length=20, choices=CourseAttribute.choices, blank=True)
    nature = models.CharField("课程性质", max_length=20, choices=CourseNature.choices, blank=True)
    is_core = flag("是否专业核心课程")
    co_developed = flag("是否校企合作开发")
    credits = models.DecimalField("学分", max_digits=4, decimal_places=1, null=True, blank=True)
    hours = count("教学计划规定课时数", "学时")
    practice_hours = count("实践课课时数", "学时")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="主讲教师")

    class Meta:
        verbose_name = "课程设置"
        verbose_name_plural = "课程设置"
        ordering = ["-period__start", "major__code", "course__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "major", "course"],
                                               name="sd_courseyear_key",
                                               violation_error_message="本期间该专业已有该课程的记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.major} · {self.course}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return (answers_q(access, Level.MAJOR, "major") | answers_q(access, Level.COURSE, "course")
                | Q(teacher__user_id=access.user.pk))


class Dropout(StateRecord):
    """辍学学生 (workbook A10-2-1 辍学学生明细表), per academic year. Personal data: the student's major leader,
    unit head and counsellor see it, with the institution-wide roles."""

    workbook_code = "A10-2-1"
    entities = ("student",)

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name="学生")
    reason = models.CharField("辍学原因", max_length=100)
    month = models.DateField("辍学年月", null=True, blank=True, help_text="按月记录，存为该月1日")

    class Meta:
        verbose_name = "辍学学生"
        verbose_name_plural = "辍学学生"
        ordering = ["-period__start", "student__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "student"], name="sd_dropout_key",
                                               violation_error_message="本期间已有该学生的辍学记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.student}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return answers_q(access, Level.STUDENT, "student")


class Counsellor(StateRecord):
    """学生管理人员 · 辅导员 (workbook A8-3 专职学生管理人员表), per academic year, by staff number (工号)."""

    workbook_code = "A8-3"
    entities = ("teacher",)

    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="+", verbose_name="教工")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="所在部门")
    political = flag("是否专职政治辅导员")
    psychological = flag("是否专职心理咨询师")
    years_in_post = count("本岗位年限", "年")
    students_in_charge = count("负责学生数")

    class Meta:
        verbose_name = "辅导员"
        verbose_name_plural = "辅导员"
        ordering = ["-period__start", "teacher__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "teacher"], name="sd_counsellor_key",
                                               violation_error_message="本期间已有该教工的记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.teacher}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return answers_q(access, Level.TEACHER, "teacher") | answers_q(access, Level.UNIT, "unit")


class Evaluation(StateRecord):
    """评教结果 (workbook A8-7 评教情况表, kept per course × teacher), per academic year."""

    workbook_code = "A8-7"
    entities = ("teacher", "course")

    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="+", verbose_name="教师")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+", verbose_name="课程")
    expected = count("应参评学生数")
    participated = count("实际参评学生数")
    score = models.DecimalField("学生评教平均分", max_digits=5, decimal_places=2, null=True, blank=True,
                                help_text="百分制")

    class Meta:
        verbose_name = "评教结果"
        verbose_name_plural = "评教结果"
        ordering = ["-period__start", "teacher__code", "course__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "teacher", "course"],
                                               name="sd_evaluation_key",
                                               violation_error_message="本期间已有该教师该课程的评教记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.teacher} · {self.course}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return answers_q(access, Level.TEACHER, "teacher") | answers_q(access, Level.COURSE, "course")


class SchoolLeader(StateRecord):
    """院校领导 (workbook A2 院校领导表), per academic year: how much each leader is among teachers and students.

    The reference gives the headings but not the national field codes: columns follow the headings."""

    workbook_code = "A2"
    entities = ("teacher",)

    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="+", verbose_name="校领导")
    post = models.CharField("职务", max_length=50, blank=True)
    lessons_observed = count("听课", "节")
    dorm_visits = count("走访学生寝室", "次")
    placement_visits = count("走访校外实习点", "次")
    student_activities = count("参与学生社团文体活动", "次")
    teaching_hours = count("兼课量", "学时")

    class Meta:
        verbose_name = "院校领导"
        verbose_name_plural = "院校领导"
        ordering = ["-period__start", "teacher__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "teacher"],
                                               name="sd_schoolleader_key",
                                               violation_error_message="本期间已有该领导的记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.teacher}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return answers_q(access, Level.TEACHER, "teacher")


class PracticeBase(StateRecord):
    """实践基地 (workbook A4-1 校内实践基地表 and A4-2 校外实习实训基地表), one row per base × 面向专业, per
    academic year. One table for both sheets (told apart by `kind`): they share the grain and most counts.

    Columns follow the headings of state-data.md §3.1; the national field codes are not in the reference."""

    workbook_code = "A4"
    entities = ("major",)
    extra_keys = ("kind", "name")

    major = models.ForeignKey(Major, on_delete=models.PROTECT, related_name="+", verbose_name="面向专业")
    kind = models.CharField("基地类别", max_length=20, choices=BaseKind.choices)
    name = models.CharField("基地名称", max_length=100)
    partner = models.CharField("依托单位", max_length=100, blank=True)
    co_built = flag("是否校企共建")
    building_area = area("建筑面积")
    usage_days = count("学年内使用时间", "天")
    equipment_value = money("设备总值")
    equipment_new = money("当年新增设备值")
    equipment_count = count("设备总数", "台套")
    projects = count("实训项目数", "个")
    stations = count("工位数", "个")
    usage_internal = count("使用频率：校内", "人时")
    usage_social = count("使用频率：社会", "人时")
    visits = count("接待学生量", "人次")
    half_year_interns = count("接受半年顶岗实习学生数")
    hired = count("接收应届毕业生就业数")

    class Meta:
        verbose_name = "实践基地"
        verbose_name_plural = "实践基地"
        ordering = ["-period__start", "kind", "name", "major__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "major", "kind", "name"],
                                               name="sd_practicebase_key",
                                               violation_error_message="本期间已有该基地面向该专业的记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.name} · {self.major}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return answers_q(access, Level.MAJOR, "major")


class StudentAid(StateRecord):
    """奖助学 (workbook A8-8 奖助学情况表), one row per scheme, per academic year; columns follow the headings
    (项目名称, 种类, 奖助范围, 人数, 金额) — the national field codes are not in the reference."""

    workbook_code = "A8-8"
    extra_keys = ("name",)

    name = models.CharField("项目名称", max_length=100)
    category = models.CharField("种类", max_length=50, blank=True)
    scope = models.CharField("奖助范围", max_length=100, blank=True)
    recipients = count("人数")
    amount = money("金额")

    class Meta:
        verbose_name = "奖助学"
        verbose_name_plural = "奖助学"
        ordering = ["-period__start", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "name"], name="sd_studentaid_key",
                                               violation_error_message="本期间已有该奖助项目")]

    def __str__(self) -> str:
        return f"{self.period} {self.name}"


class StudentYear(StateRecord):
    """在校生 (workbook A10-1 在校生信息表), one row per student, per academic year. Personal data, seen as the
    student's record is (the kernel's rule). Columns follow the headings of state-data.md §3.4; the name and class
    are the student list's (org), read by 学号."""

    workbook_code = "A10-1"
    entities = ("student",)

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name="学生")
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    origin_place = models.CharField("生源地", max_length=50, blank=True)
    from_military = flag("来自军队")
    admission_mode = models.CharField("招生方式", max_length=20, choices=AdmissionMode.choices, blank=True)
    origin_type = models.CharField("生源类型", max_length=20, choices=OriginType.choices, blank=True)
    rural = flag("常住户口在农村")
    order_training = flag("订单（定向）培养")
    poverty_registered = flag("建档立卡贫困家庭")
    grade = models.CharField("年级", max_length=10, blank=True)
    years = count("学制", "年")
    entry_month = models.DateField("入学年月", null=True, blank=True, help_text="按月记录，存为该月1日")
    graduated = flag("是否毕业")

    class Meta:
        verbose_name = "在校生"
        verbose_name_plural = "在校生"
        ordering = ["-period__start", "student__code"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "student"],
                                               name="sd_studentyear_key",
                                               violation_error_message="本期间已有该学生的记录")]

    def __str__(self) -> str:
        return f"{self.period} {self.student}"

    @classmethod
    def owner_q(cls, access: Access) -> Q:
        return answers_q(access, Level.STUDENT, "student")


class StudentProfile(StateRecord):
    """在校生构成 (workbook A11-2 在校学生的地区、户籍及民族等情况 and A11-3 复转军人及退役士兵情况), per academic
    year, for the whole institution. Columns follow the headings; the national field codes are not in the
    reference."""

    workbook_code = "A11"

    students = count("在校生总数")
    other_province = count("外省")
    western = count("西部地区")
    rural = count("农村户口")
    poor_area = count("贫困地区")
    minority = count("少数民族")
    international = count("国际")
    overseas = count("境外")
    veterans_admitted = count("招生数：合计")
    veterans_admitted_demobilized = count("招生数：复转军人")
    veterans_admitted_retired = count("招生数：退役士兵")
    veterans_students = count("在校生数：合计")
    veterans_students_demobilized = count("在校生数：复转军人")
    veterans_students_retired = count("在校生数：退役士兵")
    veterans_trained = count("社会培训人次：合计", "人次")
    veterans_trained_demobilized = count("社会培训人次：复转军人", "人次")
    veterans_trained_retired = count("社会培训人次：退役士兵", "人次")

    class Meta:
        verbose_name = "在校生构成"
        verbose_name_plural = "在校生构成"
        ordering = ["-period__start"]
        constraints = [models.UniqueConstraint(fields=["institution", "period"], name="sd_studentprofile_key",
                                               violation_error_message="本期间已有该记录")]

    def __str__(self) -> str:
        return f"{self.period} 在校生构成"


TABLES: list[type[StateRecord]] = [InstitutionYear, Funding, TeacherYear, MajorYear, Admission, Employment,
                                   Certificate, Internship, CourseYear, Dropout, Counsellor, Evaluation,
                                   Cooperation, GraduateFeedback, SchoolLeader, PracticeBase, StudentAid,
                                   StudentYear, StudentProfile]


def identical_message(at) -> str:
    from django.utils import timezone

    day = timezone.localtime(at)
    return f"与{day.year}年{day.month}月{day.day}日导入的文件相同，未作任何修改。"


class ImportRecord(models.Model):
    """导入记录: one uploaded state-data file, imported or refused, with what it did or why not."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, verbose_name="院校")
    table = models.CharField("数据表", max_length=50)             # the model name, e.g. "majoryear"
    table_name = models.CharField("数据表名称", max_length=50)
    periods = models.ManyToManyField(Period, blank=True, related_name="+", verbose_name="统计期间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name="导入人")
    at = models.DateTimeField("导入时间", auto_now_add=True, db_index=True)
    filename = models.CharField("文件名", max_length=255, blank=True)
    checksum = models.CharField("SHA-256", max_length=64, blank=True, db_index=True)
    rows = models.PositiveIntegerField("数据行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    status = models.CharField("结果", max_length=20, choices=ImportStatus.choices)
    errors = models.JSONField("错误", default=list, blank=True)
    file_error = models.CharField("文件错误", max_length=500, blank=True)
    identical_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="与之相同的导入")
    source = models.CharField("来源", max_length=10, choices=ImportSource.choices, default=ImportSource.FILE)
    source_name = models.CharField("来源名称", max_length=100, blank=True, help_text="API导入时为接口令牌的名称")
    # Bad rows in all; `errors` lists at most the first IMPORT_ERROR_LIMIT of them (a bad file of millions).
    error_count = models.PositiveIntegerField("错误行数", default=0)
    note = models.CharField("说明", max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.table_name} · {self.filename} · {self.get_status_display()}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action != VIEW:
            return None  # history is written by the import service only
        return access.institution_q("institution", VIEW, roles={Role.DATA_STEWARD, Role.QUALITY_OFFICE})

    @property
    def summary(self) -> str:
        if self.status == ImportStatus.REFUSED:
            bad = max(self.error_count, len(self.errors))
            return self.file_error or f"共{self.rows}行数据，其中{bad}行有错误，整个文件未导入。"
        text = f"共{self.rows}行，新增{self.created}行，更新{self.updated}行，未变{self.unchanged}行。"
        if self.identical_to_id and not (self.created or self.updated):
            return identical_message(self.identical_to.at)
        return f"{text}{self.note}"


class WorkbookImport(models.Model):
    """工作簿导入: one national workbook imported or refused as a whole — the grouping of the import records of
    its sheets, with each sheet's line, every bad cell (sheet, row, column), the totals and the logic-check
    findings of the period, kept for the result page (also when the import ran as a background job)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, verbose_name="院校")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name="导入人")
    at = models.DateTimeField("导入时间", auto_now_add=True, db_index=True)
    filename = models.CharField("文件名", max_length=255, blank=True)
    checksum = models.CharField("SHA-256", max_length=64, blank=True)
    period = models.CharField("统计学年", max_length=20, blank=True)
    status = models.CharField("结果", max_length=20, choices=ImportStatus.choices)
    summary = models.CharField("结果说明", max_length=300, blank=True)
    source_name = models.CharField("来源名称", max_length=100, blank=True)
    sheets = models.JSONField("各工作表", default=list, blank=True)     # [{sheet, code, table, line, record, notices}]
    errors = models.JSONField("错误", default=list, blank=True)          # [[sheet, row, column, message]]
    error_count = models.PositiveIntegerField("错误数", default=0)
    rows = models.PositiveIntegerField("数据行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    findings = models.JSONField("逻辑校验", default=list, blank=True)    # [{title, items: [text]}]
    records = models.ManyToManyField(ImportRecord, blank=True, related_name="workbooks",
                                     verbose_name="各表导入记录")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "工作簿导入"
        verbose_name_plural = "工作簿导入"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} · {self.get_status_display()}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action != VIEW:
            return None  # written by the workbook import only
        return access.institution_q("institution", VIEW, roles={Role.DATA_STEWARD, Role.QUALITY_OFFICE})


class RowChange(models.Model):
    """行变更: one stored row an import created or changed, with the changed fields' values before and after.

    The lineage of a state-data value: which file (ImportRecord: who, when, checksum) set it, and from what.
    Slim on purpose — a term's attendance is millions of rows: no institution, table or actor of its own (the
    import record has them), only the fields that changed, written in bulk in the import's transaction.
    Unchanged rows write nothing.
    """

    record = models.ForeignKey(ImportRecord, on_delete=models.CASCADE, related_name="row_changes",
                               verbose_name="导入记录")
    # The row's natural key as stable text ("period_id=3,major_id=12"): the pk of a row written by an upsert is
    # not known on every database, and the key is how imports match rows anyway.
    row_key = models.CharField("行", max_length=200, db_index=True)
    action = models.CharField("操作", max_length=10, choices=RowAction.choices)
    before = models.JSONField("原值", default=dict, blank=True)
    after = models.JSONField("新值", default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "行变更"
        verbose_name_plural = "行变更"
        ordering = ["record", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.row_key}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return through(ImportRecord, "record", access, action)


# ---- teaching-process records (课程教学过程数据) ---------------------------------------------------
# Daily attendance, a check after every lesson and homework (seed 000 §三(五)3, seed 001 图12): millions of
# rows a term, fed by the teaching system. Lean rows — no table code, no audit per row (the import is
# audited) — and indexes for the aggregates the QC points read (per course, per student, per period).

def _process_owner_q(access: Access) -> Q:
    return (answers_q(access, Level.COURSE, "course") | answers_q(access, Level.STUDENT, "student")
            | answers_q(access, Level.TEACHER, "teacher"))


class ProcessRecord(models.Model):
    """A teaching-process row: one student in one course, in a semester, on a day (`date_field`): the day
    places the row in its month, so that monthly QC points are measured per month."""

    date_field: ClassVar[str] = ""

    id = models.BigAutoField(primary_key=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+", verbose_name="院校")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+", verbose_name="课程")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name="学生")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="授课教师")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.wide_q("institution") | (access.institution_q("institution", VIEW)
                                                   & _process_owner_q(access))
        return access.institution_q("institution", action, roles=ADMIN_ROLES)


class Attendance(ProcessRecord):
    """考勤（到课）记录: one student at one lesson (date and 节次)."""

    import_key: ClassVar[tuple[str, ...]] = ("student", "course", "lesson_date", "lesson_no")
    date_field: ClassVar[str] = "lesson_date"

    lesson_date = models.DateField("上课日期")
    lesson_no = models.PositiveSmallIntegerField("节次")
    status = models.PositiveSmallIntegerField("考勤状态", choices=AttendanceStatus.choices)

    class Meta:
        verbose_name = "考勤记录"
        verbose_name_plural = "考勤记录"
        constraints = [models.UniqueConstraint(fields=["student", "course", "lesson_date", "lesson_no"],
                                               name="sd_attendance_key",
                                               violation_error_message="该学生该节课已有考勤记录")]
        indexes = [models.Index(fields=["institution", "period", "course"], name="sd_att_course"),
                   models.Index(fields=["institution", "period", "student"], name="sd_att_student")]

    def __str__(self) -> str:
        return f"{self.lesson_date} 第{self.lesson_no}节 {self.get_status_display()}"


class LessonCheck(ProcessRecord):
    """课堂检测（随堂达标）结果: one student's check after one lesson, summed monthly into 学习达标率."""

    import_key: ClassVar[tuple[str, ...]] = ("student", "course", "lesson_date", "lesson_no")
    date_field: ClassVar[str] = "lesson_date"

    lesson_date = models.DateField("上课日期")
    lesson_no = models.PositiveSmallIntegerField("节次")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField("达标")

    class Meta:
        verbose_name = "课堂检测结果"
        verbose_name_plural = "课堂检测结果"
        constraints = [models.UniqueConstraint(fields=["student", "course", "lesson_date", "lesson_no"],
                                               name="sd_lessoncheck_key",
                                               violation_error_message="该学生该节课已有检测结果")]
        indexes = [models.Index(fields=["institution", "period", "course"], name="sd_chk_course"),
                   models.Index(fields=["institution", "period", "student"], name="sd_chk_student")]

    def __str__(self) -> str:
        return f"{self.lesson_date} 第{self.lesson_no}节 {'达标' if self.passed else '未达标'}"


class Homework(ProcessRecord):
    """作业完成记录: one student's one assignment (by its code within the course)."""

    import_key: ClassVar[tuple[str, ...]] = ("student", "course", "assignment")
    date_field: ClassVar[str] = "due_date"

    assignment = models.CharField("作业编号", max_length=30)
    due_date = models.DateField("截止日期")
    submitted = models.BooleanField("已提交")
    on_time = models.BooleanField("按时提交", default=False)
    score = models.DecimalField("成绩", max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = "作业完成记录"
        verbose_name_plural = "作业完成记录"
        constraints = [models.UniqueConstraint(fields=["student", "course", "assignment"],
                                               name="sd_homework_key",
                                               violation_error_message="该学生该作业已有记录")]
        indexes = [models.Index(fields=["institution", "period", "course"], name="sd_hw_course"),
                   models.Index(fields=["institution", "period", "student"], name="sd_hw_student")]

    def __str__(self) -> str:
        return f"作业{self.assignment} {'已提交' if self.submitted else '未提交'}"


PROCESS_TABLES: list[type[ProcessRecord]] = [Attendance, LessonCheck, Homework]


class StudentTotal(models.Model):
    """Running counts of one student's teaching-process rows in one course and semester. Kept by
    `statedata.totals` in the same transaction as the rows (roll call, file, API), so a warning line or a class
    summary reads one row instead of rescanning a term."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+", verbose_name="院校")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", verbose_name="课程")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name="学生")
    total = models.PositiveIntegerField("合计", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.student_id}:{self.course_id}:{self.period_id}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return Attendance.access_q(access, action) if action == VIEW else None


class CourseMonthTotal(models.Model):
    """Running counts of one course's teaching-process rows in one calendar month (the rows' own dates)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+", verbose_name="院校")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", verbose_name="课程")
    month = models.DateField("月份", help_text="该月1日")
    total = models.PositiveIntegerField("合计", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.course_id}:{self.month:%Y-%m}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action != VIEW:
            return None
        return access.wide_q("institution") | (access.institution_q("institution", VIEW)
                                               & answers_q(access, Level.COURSE, "course"))


class AttendanceCounts(models.Model):
    present = models.PositiveIntegerField("出勤", default=0)
    late = models.PositiveIntegerField("迟到", default=0)
    leave = models.PositiveIntegerField("请假", default=0)
    absent = models.PositiveIntegerField("缺勤", default=0)
    early_leave = models.PositiveIntegerField("早退", default=0)

    class Meta:
        abstract = True


class AttendanceTotal(StudentTotal, AttendanceCounts):
    """考勤累计（学生·课程·学期）: a student's attendance in a course and semester, by status (合计 = 应到)."""

    class Meta:
        verbose_name = "考勤累计"
        verbose_name_plural = "考勤累计"
        constraints = [models.UniqueConstraint(fields=["student", "course", "period"], name="sd_att_total_key")]
        indexes = [models.Index(fields=["institution", "period", "course"], name="sd_att_total_course")]


class AttendanceMonthTotal(CourseMonthTotal, AttendanceCounts):
    """考勤月累计（课程·月）: a course's attendance in a calendar month, by status."""

    class Meta:
        verbose_name = "考勤月累计"
        verbose_name_plural = "考勤月累计"
        constraints = [models.UniqueConstraint(fields=["course", "month"], name="sd_att_month_key")]


class LessonCheckCounts(models.Model):
    passed = models.PositiveIntegerField("达标", default=0)

    class Meta:
        abstract = True


class LessonCheckTotal(StudentTotal, LessonCheckCounts):
    """课堂检测累计（学生·课程·学期）: checks taken and passed."""

    class Meta:
        verbose_name = "课堂检测累计"
        verbose_name_plural = "课堂检测累计"
        constraints = [models.UniqueConstraint(fields=["student", "course", "period"], name="sd_chk_total_key")]


class LessonCheckMonthTotal(CourseMonthTotal, LessonCheckCounts):
    """课堂检测月累计（课程·月）."""

    class Meta:
        verbose_name = "课堂检测月累计"
        verbose_name_plural = "课堂检测月累计"
        constraints = [models.UniqueConstraint(fields=["course", "month"], name="sd_chk_month_key")]


class HomeworkCounts(models.Model):
    submitted = models.PositiveIntegerField("已提交", default=0)
    on_time = models.PositiveIntegerField("按时提交", default=0)

    class Meta:
        abstract = True


class HomeworkTotal(StudentTotal, HomeworkCounts):
    """作业累计（学生·课程·学期）: assignments set, submitted, submitted on time."""

    class Meta:
        verbose_name = "作业累计"
        verbose_name_plural = "作业累计"
        constraints = [models.UniqueConstraint(fields=["student", "course", "period"], name="sd_hw_total_key")]


class HomeworkMonthTotal(CourseMonthTotal, HomeworkCounts):
    """作业月累计（课程·截止月份）."""

    class Meta:
        verbose_name = "作业月累计"
        verbose_name_plural = "作业月累计"
        constraints = [models.UniqueConstraint(fields=["course", "month"], name="sd_hw_month_key")]


# ---- data versions and snapshots (冻结数据) ----------------------------------------------------------

class DataVersion(models.Model):
    """数据版本: the state data of one institution and period, numbered 1, 2, … Freezing a version keeps a
    snapshot of every table for the period; an import into a frozen period opens the next version."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+", verbose_name="院校")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="统计期间")
    number = models.PositiveIntegerField("版本号")
    state = models.CharField("状态", max_length=10, choices=VersionState.choices, default=VersionState.OPEN)
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)
    frozen_at = models.DateTimeField("冻结时间", null=True, blank=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="冻结人")
    note = models.CharField("说明", max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "数据版本"
        verbose_name_plural = "数据版本"
        ordering = ["period__start", "number"]
        constraints = [models.UniqueConstraint(fields=["institution", "period", "number"], name="sd_version_key")]

    def __str__(self) -> str:
        return f"{self.period} 第{self.number}版（{self.get_state_display()}）"

    @property
    def frozen(self) -> bool:
        return self.state == VersionState.FROZEN

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.level_q("institution")  # a version is institution-level: the authority sees it too
        return access.institution_q("institution", action, roles=ADMIN_ROLES)


class Snapshot(models.Model):
    """数据快照: one table's rows of a frozen version, as JSON keyed by the row's natural key (codes, not ids).

    The teaching-process tables are kept by their per-course and per-student aggregates only (millions of rows
    would make a snapshot as large as the table, and the QC points read only the aggregates)."""

    version = models.ForeignKey(DataVersion, on_delete=models.CASCADE, related_name="snapshots",
                                verbose_name="数据版本")
    table = models.CharField("数据表", max_length=50)
    table_name = models.CharField("数据表名称", max_length=50)
    rows = models.PositiveIntegerField("行数", default=0)
    data = models.JSONField("数据", default=dict)

    class Meta:
        verbose_name = "数据快照"
        verbose_name_plural = "数据快照"
        constraints = [models.UniqueConstraint(fields=["version", "table"], name="sd_snapshot_key")]

    def __str__(self) -> str:
        return f"{self.version} · {self.table_name}"
