from django.db import models

from zhengai.org.choices import CourseType, Degree, TeacherKind, Title  # noqa: F401  (re-exported)


class PeriodBasis(models.TextChoices):
    """统计口径: what kind of period a table's rows are reported for (state-data.md §2)."""

    ACADEMIC_YEAR = "academic_year", "学年"
    CALENDAR_YEAR = "calendar_year", "自然年"


class ImportStatus(models.TextChoices):
    OK = "ok", "已导入"
    REFUSED = "refused", "未导入"


class RowAction(models.TextChoices):
    """What an import did to one stored row (imports never delete; the value is there for the lineage)."""

    CREATED = "created", "新增"
    UPDATED = "updated", "更新"
    DELETED = "deleted", "删除"


class ImportSource(models.TextChoices):
    """Where an import came from: an uploaded file, or a business system pushing rows through the API."""

    FILE = "file", "文件"
    API = "api", "API"
    SURVEY = "survey", "问卷调查"


class VersionState(models.TextChoices):
    OPEN = "open", "未冻结"
    FROZEN = "frozen", "已冻结"


class CourseAttribute(models.TextChoices):
    """课程属性 (A7-2)."""

    PUBLIC = "public", "公共基础课"
    FOUNDATION = "foundation", "专业基础课"
    SPECIALTY = "specialty", "专业课"
    OTHER = "other", "其他"


class CourseNature(models.TextChoices):
    """课程性质 (A7-2)."""

    REQUIRED = "required", "必修课"
    ELECTIVE = "elective", "选修课"


class AttendanceStatus(models.IntegerChoices):
    """考勤状态. Small integers: a term holds millions of attendance rows."""

    PRESENT = 1, "出勤"
    LATE = 2, "迟到"
    LEAVE = 3, "请假"
    ABSENT = 4, "缺勤"
    EARLY_LEAVE = 5, "早退"  # came, then left before the lesson ended: a roll-call exception of its own


class BaseKind(models.TextChoices):
    """实践基地类别: A4-1 校内实践基地表 and A4-2 校外实习实训基地表 share one table."""

    INTERNAL = "internal", "校内实践基地"
    EXTERNAL = "external", "校外实习实训基地"


class OriginType(models.TextChoices):
    """生源类型 (state-data.md §3.5)."""

    HIGH_SCHOOL = "high_school", "普通高中起点"
    SECONDARY = "secondary", "中职起点"
    OTHER = "other", "其他"


class AdmissionMode(models.TextChoices):
    """招生方式 (state-data.md §3.5)."""

    GAOKAO = "gaokao", "基于高考的“知识+技能”"
    COUNTERPART = "counterpart", "对口招生"
    SEPARATE = "separate", "单独考试招生"
    COMPREHENSIVE = "comprehensive", "综合评价招生"
    THROUGH = "through", "中高职贯通"
    EXEMPT = "exempt", "技能拔尖人才免试"
    OTHER = "other", "其他"
