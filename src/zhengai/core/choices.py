from django.db import models


class InstitutionKind(models.TextChoices):
    """办学类型: decides whether the `*` and `**` diagnosis points apply (seed 003 附件1 note 3)."""

    NATIONAL_DEMONSTRATION = "national_demo", "国家示范性高职院校"
    NATIONAL_BACKBONE = "national_backbone", "国家骨干高职院校"
    PROVINCIAL_DEMONSTRATION = "provincial_demo", "省级示范（骨干）高职院校"
    ORDINARY = "ordinary", "一般高职院校"
    NEWLY_FOUNDED = "new", "新建高职院校"


# `**` points apply only to provincial-or-higher demonstration/backbone colleges.
DEMONSTRATION_KINDS = {
    InstitutionKind.NATIONAL_DEMONSTRATION,
    InstitutionKind.NATIONAL_BACKBONE,
    InstitutionKind.PROVINCIAL_DEMONSTRATION,
}


class ScaleBand(models.TextChoices):
    """在校生规模段."""

    UNDER_5000 = "lt5000", "5000人以下"
    FROM_5000 = "5000_10000", "5000～10000人"
    FROM_10000 = "10000_15000", "10000～15000人"
    OVER_15000 = "gt15000", "15000人以上"


class PeriodKind(models.TextChoices):
    ACADEMIC_YEAR = "academic_year", "学年"
    SEMESTER = "semester", "学期"
    MONTH = "month", "月"
    CALENDAR_YEAR = "calendar_year", "自然年"


class Role(models.TextChoices):
    """角色. A membership carries one role, scoped to an institution and, where it applies, one object."""

    SCHOOL_LEADER = "school_leader", "校领导"
    QUALITY_OFFICE = "quality_office", "质管办"
    UNIT_HEAD = "unit_head", "部门负责人"
    MAJOR_LEADER = "major_leader", "专业带头人"
    COURSE_LEADER = "course_leader", "课程负责人"
    TEACHER = "teacher", "教师"
    COUNSELLOR = "counsellor", "辅导员"
    HEAD_TEACHER = "head_teacher", "班主任"
    STUDENT = "student", "学生"
    SUPERVISOR = "supervisor", "督导"
    DATA_STEWARD = "data_steward", "数据管理员"
    AUTHORITY_OFFICER = "authority_officer", "教育行政部门"
    EXPERT = "expert", "复核专家"


# Roles that see everything of their institution (read only unless also in ADMIN_ROLES).
INSTITUTION_WIDE_ROLES = {
    Role.SCHOOL_LEADER,
    Role.QUALITY_OFFICE,
    Role.SUPERVISOR,
    Role.DATA_STEWARD,
}
# The education authority and its review experts are not members of the college: until the authority's own
# workspace exists, their membership shows a college's institution-level data and reports (school cockpit,
# frameworks, standards, signed reports, state-data tables not about one person) — never a student record, a
# personal plan, an evaluation or a warning about one person. They are therefore not institution-wide.
AUTHORITY_ROLES = {Role.AUTHORITY_OFFICER, Role.EXPERT}
# The college's own people: every role but the authority's. What is about one person (the teacher roster,
# draft plans and reports) is for them, never for the authority until a college releases it.
MEMBER_ROLES = set(Role) - AUTHORITY_ROLES
# Roles that see the institution-level picture (data versions, institution-level state data).
INSTITUTION_LEVEL_ROLES = INSTITUTION_WIDE_ROLES | AUTHORITY_ROLES
# Roles that configure and maintain the institution's records.
ADMIN_ROLES = {Role.QUALITY_OFFICE, Role.DATA_STEWARD}
# Roles whose membership names the object they are responsible for.
SCOPED_ROLES = {
    Role.UNIT_HEAD: "unit",
    Role.MAJOR_LEADER: "major",
    Role.COURSE_LEADER: "course",
    Role.COUNSELLOR: "class",
    Role.HEAD_TEACHER: "class",
    Role.TEACHER: "teacher",
    Role.STUDENT: "student",
}
# The roles that answer for a class and its students: its counsellor (辅导员, student affairs) and its head
# teacher (班主任, a teacher who looks after the class's learning). Both see the class and are told of its
# students' warnings; every rule about "the class's people" reads these, never one of the two roles. In order:
# where one of them is picked (the owner of the class's cycle) it is the counsellor.
CLASS_ROLES: tuple[str, ...] = (Role.COUNSELLOR, Role.HEAD_TEACHER)


class AuditAction(models.TextChoices):
    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    RETIRE = "retire", "停用"
    RESTORE = "restore", "恢复"
    DELETE = "delete", "删除"
    IMPORT = "import", "导入"
    EXPORT = "export", "导出"
    DOWNLOAD = "download", "下载"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
