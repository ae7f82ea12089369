"""Units and the vertical systems, the QA organisation, duties → posts → work standards, and the people,
majors, courses and classes that the five horizontal levels measure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import ADMIN_ROLES, CLASS_ROLES, INSTITUTION_WIDE_ROLES, Role
from zhengai.core.models import InstitutionOwned
from zhengai.core.permissions import VIEW, Access

from .choices import (
    CourseType,
    Degree,
    Gender,
    GroupPosition,
    KeyMajorLevel,
    QAGroupKind,
    StudentStatus,
    TeacherKind,
    Title,
    UnitKind,
)


def _head_units(access: Access) -> set[int]:
    """The units the user answers for as a head: theirs and every unit below (the kernel's rule)."""
    from .entities import answered_units  # the kernel imports these models

    return answered_units(access)


def _unit_scope(access: Access, field: str) -> Q:
    """Rows whose unit (at `field`) the user heads, directly or higher up the unit tree."""
    return Q(**{f"{field}_id__in": _head_units(access)})


def _admin(access: Access) -> Q:
    return access.institution_q("institution", "change", roles=ADMIN_ROLES)


class VerticalSystem(InstitutionOwned):
    """纵向系统 (五纵): the per-institution set of systems every unit is placed in."""

    code = models.CharField("代码", max_length=30)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveSmallIntegerField("排序", default=0)
    description = models.TextField("职能说明", blank=True)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "纵向系统"
        verbose_name_plural = "纵向系统"
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="system_code_unique",
                                               violation_error_message="本院校已有相同代码的纵向系统")]

    def __str__(self) -> str:
        return self.name


class Unit(InstitutionOwned):
    """部门: a secondary college, a functional department, a section or a teaching-research office."""

    code = models.CharField("部门代码", max_length=30)
    name = models.CharField("部门名称", max_length=100)
    kind = models.CharField("部门类型", max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name="上级部门")
    systems = models.ManyToManyField(VerticalSystem, blank=True, related_name="units",
                                     verbose_name="所属纵向系统")
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="unit_code_unique",
                                               violation_error_message="本院校已有相同部门代码的部门")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return _admin(access) | Q(pk__in=_head_units(access))


class Duty(InstitutionOwned):
    """部门职责, split into duties inside the unit's systems and outside them (seed 001 表1)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="duties", verbose_name="部门")
    content = models.TextField("职责内容")
    in_system = models.BooleanField("系统内职责", default=True,
                                    help_text="能支持部门所属纵向系统的职责为系统内；不能明确界定的为系统外")
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "部门职责"
        verbose_name_plural = "部门职责"
        ordering = ["unit", "-in_system", "order"]

    def __str__(self) -> str:
        return self.content[:40]

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return _admin(access) | _unit_scope(access, "unit")


class Post(InstitutionOwned):
    """岗位, with its post description (seed 002 表4: 定员, 直接上级, 任职资格)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="posts", verbose_name="部门")
    section = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="section_posts", verbose_name="所在科室")
    code = models.CharField("岗位代码", max_length=30)
    name = models.CharField("岗位名称", max_length=100)
    headcount = models.PositiveSmallIntegerField("定员", default=1)
    superior = models.CharField("直接上级", max_length=50, blank=True)
    subordinates = models.CharField("直接下级", max_length=100, blank=True)
    qualifications = models.TextField("任职资格要求", blank=True)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["unit", "code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="post_code_unique",
                                               violation_error_message="本院校已有相同岗位代码的岗位")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.name}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return _admin(access) | _unit_scope(access, "unit")


class WorkItem(InstitutionOwned):
    """岗位工作 and its 工作标准: a duty made concrete (SMART) and assigned to a post (seed 001 表2–3)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="work_items", verbose_name="岗位")
    duty = models.ForeignKey(Duty, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="work_items", verbose_name="对应部门职责")
    category = models.CharField("职责类型", max_length=50, blank=True)
    content = models.TextField("具体化的工作")
    standard = models.TextField("工作标准", help_text="按SMART原则：具体明确、可度量、可实现、相关联、有时限")
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "岗位工作标准"
        verbose_name_plural = "岗位工作标准"
        ordering = ["post", "order"]

    def __str__(self) -> str:
        return self.content[:40]

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return _admin(access) | _unit_scope(access, "post__unit")


class QAGroup(InstitutionOwned):
    """质量保证组织: the school committee and quality office, unit working groups, teams, special groups."""

    kind = models.CharField("组织类型", max_length=20, choices=QAGroupKind.choices)
    name = models.CharField("名称", max_length=100)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="qa_groups",
                             verbose_name="所在部门")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children", verbose_name="上级组织")
    duties = models.TextField("工作职责", blank=True)
    drawn_from = models.CharField("成员来源", max_length=200, blank=True,
                                  help_text="如：从人事处、教务处抽调")
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "质量保证组织"
        verbose_name_plural = "质量保证组织"
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="qagroup_name_unique",
                                               violation_error_message="本院校已有同名的质量保证组织")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class QAGroupMember(InstitutionOwned):
    """质量保证组织成员."""

    group = models.ForeignKey(QAGroup, on_delete=models.CASCADE, related_name="members", verbose_name="组织")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             verbose_name="用户")
    name = models.CharField("姓名", max_length=50)
    position = models.CharField("组内职务", max_length=20, choices=GroupPosition.choices,
                                default=GroupPosition.MEMBER)
    job_title = models.CharField("本职职务", max_length=100, blank=True)
    duties = models.TextField("分工", blank=True)
    # Leaving a group retires the membership rather than deleting it, so the group's history stays.
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "质量保证组织成员"
        verbose_name_plural = "质量保证组织成员"
        ordering = ["group", "position", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_position_display()}）"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return access.institution_q("institution", action, roles={Role.QUALITY_OFFICE})


class Major(InstitutionOwned):
    """专业."""

    code = models.CharField("专业代码", max_length=20)
    name = models.CharField("专业名称", max_length=100)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="majors", verbose_name="所属院系")
    key_level = models.CharField("重点专业级别", max_length=20, choices=KeyMajorLevel.choices, blank=True)
    founded_year = models.PositiveSmallIntegerField("设置年份", null=True, blank=True)
    years = models.PositiveSmallIntegerField("学制（年）", default=3)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "专业"
        verbose_name_plural = "专业"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="major_code_unique",
                                               violation_error_message="本院校已有相同专业代码的专业")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return (_admin(access) | _unit_scope(access, "unit")
                | Q(pk__in=access.scoped_ids(Role.MAJOR_LEADER, Major)))


class Teacher(InstitutionOwned):
    """教师: full-time, internal part-time, external part-time or external guest (the state data's four
    kinds)."""

    code = models.CharField("工号", max_length=30)
    name = models.CharField("姓名", max_length=50)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="teachers", verbose_name="所在部门")
    kind = models.CharField("教师类别", max_length=30, choices=TeacherKind.choices,
                            default=TeacherKind.FULL_TIME)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    title = models.CharField("职称", max_length=20, choices=Title.choices, default=Title.NONE)
    degree = models.CharField("最高学位", max_length=20, choices=Degree.choices, default=Degree.NONE)
    dual_qualified = models.BooleanField("双师素质", default=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="teacher", verbose_name="登录账号")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "教师"
        verbose_name_plural = "教师"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="teacher_code_unique",
                                               violation_error_message="本院校已有相同工号的教师")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            # The roster names people: the college's own people read it, the authority and its experts do not.
            return access.member_q("institution")
        return _admin(access) | _unit_scope(access, "unit") | Q(user_id=access.user.pk)


class Course(InstitutionOwned):
    """课程, with the state data's type A/B/C and hours."""

    code = models.CharField("课程代码", max_length=30)
    name = models.CharField("课程名称", max_length=100)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="courses", verbose_name="开课部门")
    course_type = models.CharField("课程类型", max_length=1, choices=CourseType.choices, default=CourseType.B)
    hours = models.PositiveSmallIntegerField("总学时", default=0)
    practice_hours = models.PositiveSmallIntegerField("实践学时", default=0)
    is_core = models.BooleanField("专业核心课", default=False)
    co_developed = models.BooleanField("校企合作开发", default=False)
    majors = models.ManyToManyField(Major, blank=True, related_name="courses", verbose_name="面向专业")
    teachers = models.ManyToManyField(Teacher, blank=True, related_name="courses", verbose_name="授课教师")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="course_code_unique",
                                    violation_error_message="本院校已有相同课程代码的课程"),
            models.CheckConstraint(condition=Q(practice_hours__lte=models.F("hours")),
                                   name="course_practice_le_hours",
                                   violation_error_message="实践学时不能大于总学时"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return (_admin(access) | _unit_scope(access, "unit")
                | Q(pk__in=access.scoped_ids(Role.COURSE_LEADER, Course)))


class Klass(InstitutionOwned):
    """班级 (named Klass because `class` is a Python keyword)."""

    code = models.CharField("班级代码", max_length=30)
    name = models.CharField("班级名称", max_length=100)
    major = models.ForeignKey(Major, on_delete=models.PROTECT, related_name="classes", verbose_name="专业")
    cohort = models.PositiveSmallIntegerField("年级")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "班级"
        verbose_name_plural = "班级"
        ordering = ["-cohort", "code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="klass_code_unique",
                                               violation_error_message="本院校已有相同班级代码的班级")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.institution_q("institution", VIEW)
        return (_admin(access) | _unit_scope(access, "major__unit")
                | Q(major_id__in=access.scoped_ids(Role.MAJOR_LEADER, Major))
                | Q(pk__in=access.scoped_ids(CLASS_ROLES, Klass)))


class Student(InstitutionOwned):
    """学生. Personal data: seen only by the institution-wide roles, the people responsible for the student's
    unit, major or class, and the student."""

    code = models.CharField("学号", max_length=30)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    major = models.ForeignKey(Major, on_delete=models.PROTECT, related_name="students", verbose_name="专业")
    klass = models.ForeignKey(Klass, on_delete=models.PROTECT, related_name="students", verbose_name="班级")
    cohort = models.PositiveSmallIntegerField("年级")
    status = models.CharField("学籍状态", max_length=20, choices=StudentStatus.choices,
                              default=StudentStatus.ENROLLED)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="student", verbose_name="登录账号")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "学生"
        verbose_name_plural = "学生"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="student_code_unique",
                                               violation_error_message="本院校已有相同学号的学生")]
        indexes = [models.Index(fields=["institution", "major", "cohort"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        responsible = (_unit_scope(access, "major__unit")
                       | Q(klass_id__in=access.scoped_ids(CLASS_ROLES, Klass)))
        if action == VIEW:
            return (access.institution_q("institution", VIEW, roles=INSTITUTION_WIDE_ROLES) | responsible
                    | Q(major_id__in=access.scoped_ids(Role.MAJOR_LEADER, Major)) | Q(user_id=access.user.pk))
        return _admin(access) | responsible
