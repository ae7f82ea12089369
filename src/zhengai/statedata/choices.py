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
