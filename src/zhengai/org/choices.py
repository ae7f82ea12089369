from django.db import models

# The default five vertical systems (五纵); seed 000 names 资源服务 and 评价改进 instead of 资源建设 and
# 监督控制 — an institution may switch to that set or edit its own.
DEFAULT_SYSTEMS = [
    ("decision", "决策指挥系统"),
    ("quality", "质量生成系统"),
    ("resource", "资源建设系统"),
    ("support", "支持服务系统"),
    ("supervision", "监督控制系统"),
]
SEED000_SYSTEMS = [
    ("decision", "决策指挥系统"),
    ("quality", "质量生成系统"),
    ("resource", "资源服务系统"),
    ("support", "支持服务系统"),
    ("evaluation", "评价改进系统"),
]
SYSTEM_SETS = {"default": DEFAULT_SYSTEMS, "seed000": SEED000_SYSTEMS}


class Level(models.TextChoices):
    """层面: what a standard set and its QC points measure (the five horizontal levels, plus unit and class);
    the entity kernel (org/entities.py) knows each level's table and who answers for its entities."""

    SCHOOL = "school", "学校"
    UNIT = "unit", "部门（院系）"
    MAJOR = "major", "专业"
    COURSE = "course", "课程"
    TEACHER = "teacher", "教师"
    STUDENT = "student", "学生"
    CLASS = "class", "班级"


class UnitKind(models.TextChoices):
    SECONDARY_COLLEGE = "college", "二级学院（系部）"
    FUNCTIONAL = "functional", "职能部门"
    SECTION = "section", "科室"
    TEACHING_OFFICE = "office", "教研室"
    OTHER = "other", "其他机构"


class KeyMajorLevel(models.TextChoices):
    NONE = "", "一般专业"
    SCHOOL = "school", "校级重点专业"
    PROVINCIAL = "provincial", "省级重点（特色）专业"
    NATIONAL = "national", "国家级重点专业"


class CourseType(models.TextChoices):
    """课程类型 of the state-data workbook."""

    A = "A", "A类（纯理论课）"
    B = "B", "B类（理论+实践课）"
    C = "C", "C类（纯实践课）"


class TeacherKind(models.TextChoices):
    """The four kinds of teachers in the state data."""

    FULL_TIME = "full_time", "校内专任教师"
    INTERNAL_PART_TIME = "internal_part_time", "校内兼课教师"
    EXTERNAL_PART_TIME = "external_part_time", "校外兼职教师"
    EXTERNAL_GUEST = "external_guest", "校外兼课教师"


class Title(models.TextChoices):
    """专业技术职务."""

    SENIOR = "senior", "正高级"
    ASSOCIATE = "associate", "副高级"
    INTERMEDIATE = "intermediate", "中级"
    JUNIOR = "junior", "初级"
    NONE = "none", "无职称"


class Degree(models.TextChoices):
    DOCTOR = "doctor", "博士"
    MASTER = "master", "硕士"
    BACHELOR = "bachelor", "学士"
    NONE = "none", "无学位"


class StudentStatus(models.TextChoices):
    ENROLLED = "enrolled", "在读"
    SUSPENDED = "suspended", "休学"
    DROPPED = "dropped", "退学"
    GRADUATED = "graduated", "毕业"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class QAGroupKind(models.TextChoices):
    """Tiers of the QA organisation (seed 002 表9, seed 003 §五)."""

    COMMITTEE = "committee", "学校质量保证委员会"
    QUALITY_OFFICE = "quality_office", "质量管理办公室"
    UNIT_GROUP = "unit_group", "二级单位质量保证工作组"
    MAJOR_TEAM = "major_team", "专业建设团队"
    COURSE_TEAM = "course_team", "课程建设团队"
    SERVICE_TEAM = "service_team", "管理服务团队"
    SPECIAL_GROUP = "special_group", "专项工作组"


class GroupPosition(models.TextChoices):
    LEADER = "leader", "组长"
    DEPUTY = "deputy", "副组长"
    SECRETARY = "secretary", "秘书"
    MEMBER = "member", "成员"

SYSTEM_SET_LABELS = {
    "default": "默认五纵：决策指挥、质量生成、资源建设、支持服务、监督控制",
    "seed000": "武汉职业技术学院方案：决策指挥、质量生成、资源服务、支持服务、评价改进",
}
