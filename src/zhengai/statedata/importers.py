"""Excel imports of the state-data tables, in the 2016 workbook's layout.

One importer per table. Its columns are the period (学年 such as 2024-2025, or 年度 such as 2025 for funding),
the entity by code (专业代码, 课程代码, 工号, 学号, 部门代码) with its name for reading (not checked), and the
sheet's fields with the workbook's Chinese headers; coded fields get dropdowns in the template. A file is
checked in full and written all at once through `services.table_import`, or refused with every bad row listed;
either way an ImportRecord keeps its name, SHA-256 checksum and outcome. Files above
ZHENGAI_IMPORT_INLINE_ROWS rows run as a background job.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import re
from typing import Any, ClassVar

from django.db import IntegrityError, models
from django.db.models.fields import NOT_PROVIDED

from zhengai.core import importing
from zhengai.core.importing import Column, ImportResult, RowInvalid
from zhengai.core.permissions import VIEW
from zhengai.core.spreadsheets import SpreadsheetError, read_rows

from . import models as sd
from . import services
from .choices import ImportSource, PeriodBasis

JOB_KIND = "statedata_import"

# How each kind of entity is written in a file: its code column, and a name column for people to read.
ENTITY_HEADERS = {"major": ("专业代码", "专业名称"), "course": ("课程代码", "课程名称"),
                  "teacher": ("工号", "姓名"), "student": ("学号", "学生姓名"), "unit": ("部门代码", "部门名称")}


# ---- cell parsers the core does not have (candidates for zhengai.core.importing) --------------------

def _yes_no(value: str) -> bool:
    return importing.boolean(value)


_yes_no.labels = ["是", "否"]  # type: ignore[attr-defined]  # a dropdown in the template


def number(max_digits: int, places: int) -> importing.Parser:
    """A non-negative decimal with at most `places` decimals, as the model field stores it."""
    limit = decimal.Decimal(10) ** (max_digits - places)

    def parse(value: str) -> decimal.Decimal:
        result = importing.finite_decimal(value.replace(",", "").replace("，", ""))
        if result < 0:
            raise ValueError("不能小于0")
        if result >= limit:
            raise ValueError(f"不能大于等于{limit}")
        rounded = result.quantize(decimal.Decimal(1).scaleb(-places))
        if rounded != result:
            raise ValueError(f"最多{places}位小数")
        return rounded

    return parse


def year_month(value: str) -> datetime.date:
    """年月 as the workbook writes it (YYYYMM) or as a date (2025-03, 2025-03-01)."""
    match = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?(?:[-/.]\d{1,2}日?)?", value)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return datetime.date(year, month, 1)
    raise ValueError(f"“{value}”不是年月（应如 202503 或 2025-03）")


def period_code(basis: str) -> importing.Parser:
    """学年 "2024-2025" (also 2024-25, 2024—2025学年) or 年度 "2025"; returns the period's code."""

    def parse(value: str) -> str:
        if basis == PeriodBasis.CALENDAR_YEAR:
            match = re.fullmatch(r"(\d{4})年?(?:度)?", value)
            if match and 1990 <= int(match.group(1)) <= 2100:
                return match.group(1)
            raise ValueError(f"“{value}”不是年度（应如 2025）")
        match = re.fullmatch(r"(\d{4})\s*[-—–~至]\s*(\d{2}|\d{4})(?:学年)?", value)
        if match:
            start, end = int(match.group(1)), match.group(2)
            if (int(end) if len(end) == 4 else start // 100 * 100 + int(end)) == start + 1 and 1990 <= start <= 2100:
                return f"{start}-{start + 1}"
        raise ValueError(f"“{value}”不是学年（应如 2024-2025）")

    return parse


# ---- the importer -------------------------------------------------------------------------------

REGISTRY: dict[str, Any] = {}   # model name → importer class (state tables and teaching-process tables)


def lookup_pool(model: type[models.Model], institution: Any, actor: Any) -> Any:
    """The objects of `model` a file may name: what the importing person may see; for a push through the API
    (no person, the token was checked instead) the institution's objects."""
    pool = model.objects.filter(institution=institution)
    return pool if actor is None else pool & model.objects.restrict(actor, VIEW)


class Source:
    """Where the rows come from, for the import history (a file by default; the API sets its token's name)."""

    source: str = ImportSource.FILE
    source_name: str = ""

    def origin(self) -> dict[str, str]:
        return {"source": self.source, "source_name": self.source_name}


class StateImporter(Source, importing.Importer):
    model: ClassVar[type[sd.StateRecord]]
    spec: ClassVar[list[tuple[str, str]]]        # (workbook header, model field): the data columns
    required_fields: ClassVar[set[str]] = set()

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        cls.name = cls.model._meta.verbose_name
        cls.key = cls.model.key_fields()
        period_header = "年度" if cls.model.basis == PeriodBasis.CALENDAR_YEAR else "学年"
        calendar = cls.model.basis == PeriodBasis.CALENDAR_YEAR
        help_text = "统计期间：自然年" if calendar else "统计期间：学年，9月1日至次年8月31日"
        columns = [Column(period_header, "period", period_code(cls.model.basis), True, help_text,
                          "2025" if calendar else "2024-2025")]
        for entity in cls.model.entities:
            code, name = ENTITY_HEADERS[entity]
            target = cls.model._meta.get_field(entity).related_model._meta.verbose_name
            columns.append(Column(code, entity, importing.text(30), True, f"本院校已有的{target}"))
            columns.append(Column(name, f"{entity}__name", importing.text(100), False, "仅供阅读，导入时不核对"))
        columns += [cls._column(header, name) for header, name in cls.spec]
        cls.columns = columns
        REGISTRY[cls.model._meta.model_name] = cls

    @classmethod
    def _column(cls, header: str, name: str) -> Column:
        field = cls.model._meta.get_field(name)
        required = name in cls.required_fields or name in cls.model.extra_keys
        unit = f"单位：{field.help_text}" if field.help_text else ""
        if field.is_relation:
            target = field.related_model._meta.verbose_name
            return Column(header, name, importing.text(30), required, f"本院校已有的{target}的代码")
        if field.choices:
            parser = importing.choice([c for c in field.choices if c[0] != ""])
        elif isinstance(field, models.BooleanField):
            parser = _yes_no
        elif isinstance(field, models.DecimalField):
            parser = number(field.max_digits, field.decimal_places)
        elif isinstance(field, models.IntegerField):
            parser = importing.integer(0, 2_147_483_647)
        elif isinstance(field, models.DateField):
            parser = year_month
        else:
            parser = importing.text(field.max_length or 1000)
        if isinstance(field, models.BooleanField) and field.default is not NOT_PROVIDED:
            unit = "不填则为“否”"
        return Column(header, name, parser, required, unit)

    # -- lookups --------------------------------------------------------------------------------
    def _relations(self) -> list[models.Field]:
        fields = [self.model._meta.get_field(c.field) for c in self.columns if "__" not in c.field
                  and c.field != "period"]
        return [f for f in fields if f.is_relation]

    def prepare(self) -> None:
        self.lookups: dict[str, dict[str, Any]] = {}
        for field in self._relations():
            self.lookups[field.name] = {o.code: o for o in lookup_pool(field.related_model, self.institution,
                                                                        self.actor)}

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        messages: list[str] = []
        headers = {c.field: c.header for c in self.columns}
        cleaned: dict[str, Any] = {}
        for name, value in row.items():
            if "__" in name or (name not in self.present and name not in self.key):
                continue  # names are for reading; a column the file lacks leaves the stored value alone
            if name in self.lookups:
                if value is None:
                    cleaned[name] = None
                    continue
                obj = self.lookups[name].get(value)
                if obj is None:
                    messages.append(f"“{headers[name]}”中的“{value}”在本院校不存在")
                cleaned[name] = obj
            elif value is None:
                field = self.model._meta.get_field(name)
                cleaned[name] = field.get_default() if field.has_default() else (None if field.null else "")
            else:
                cleaned[name] = value
        if not messages:
            self.complete(cleaned, messages)
        if messages:
            raise RowInvalid(messages)
        cleaned["table_code"] = self.table_code(cleaned)
        return cleaned

    def complete(self, row: dict[str, Any], messages: list[str]) -> None:
        """Per-table defaults and checks of one row (cross-table logic is in checks.py, as warnings)."""

    def table_code(self, row: dict[str, Any]) -> str:
        return self.model.workbook_code

    def save_row(self, row: dict[str, Any]) -> str:  # pragma: no cover - run_rows writes the file at once
        raise NotImplementedError

    # -- running ----------------------------------------------------------------------------------
    def run_file(self, data: bytes, filename: str, progress: importing.Progress | None = None) -> ImportResult:
        self.filename, self.checksum = filename, hashlib.sha256(data).hexdigest()
        try:
            rows = read_rows(data, filename)
        except SpreadsheetError as exc:
            result = ImportResult(file_error=str(exc))
            self.record = services.import_refused(
                actor=self.actor, institution=self.institution, model=self.model, filename=filename,
                checksum=self.checksum, result=result, period_codes=set(), **self.origin())
            return result
        return self.run_rows(rows, progress)

    def run_rows(self, rows: list[list[str]], progress: importing.Progress | None = None) -> ImportResult:
        filename, checksum = getattr(self, "filename", ""), getattr(self, "checksum", "")
        parsed, result = self.parse(rows, progress)
        if not result.ok:
            codes = {row["period"] for _, row in parsed}
            self.record = services.import_refused(actor=self.actor, institution=self.institution, model=self.model,
                                                  filename=filename, checksum=checksum, result=result,
                                                  period_codes=codes, **self.origin())
            return result
        if progress is not None:
            progress(0, len(parsed), "写入数据")
        try:
            self.record = services.table_import(actor=self.actor, institution=self.institution, model=self.model,
                                                rows=[row for _, row in parsed], filename=filename,
                                                checksum=checksum, result=result, progress=progress,
                                                **self.origin())
        except IntegrityError:  # a write that clashed with another import of the same rows: nothing was kept
            importing.busy_result(result)
            self.record = services.import_refused(actor=self.actor, institution=self.institution, model=self.model,
                                                  filename=filename, checksum=checksum, result=result,
                                                  period_codes=set(), **self.origin())
        return result

    # -- export -----------------------------------------------------------------------------------
    def export_rows(self, queryset: Any) -> list[list[Any]]:
        relations = [f.name for f in self._relations()]
        queryset = queryset.select_related("period", *relations)
        return [[self._cell(obj, c.field) for c in self.columns] for obj in queryset]

    def _cell(self, obj: Any, name: str) -> Any:
        if name == "period":
            return obj.period.code
        if "__" in name:
            related = getattr(obj, name.split("__")[0])
            return related.name if related is not None else ""
        field = self.model._meta.get_field(name)
        value = getattr(obj, name)
        if field.is_relation:
            return value.code if value is not None else ""
        if field.choices:
            return dict(field.flatchoices).get(value, value) or ""
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, datetime.date):
            return f"{value:%Y%m}"
        return "" if value is None else value


def _spec(model: type[sd.StateRecord], *names: str) -> list[tuple[str, str]]:
    """Columns named by the model's verbose names (which are the workbook's headers)."""
    return [(str(model._meta.get_field(n).verbose_name), n) for n in names]


def _data_fields(model: type[sd.StateRecord], skip: tuple[str, ...] = ()) -> list[str]:
    base = {f.name for f in sd.StateRecord._meta.get_fields()} | {"id", "institution", *model.entities, *skip}
    return [f.name for f in model._meta.concrete_fields if f.name not in base]


class InstitutionYearImporter(StateImporter):
    model = sd.InstitutionYear
    spec = _spec(model, *_data_fields(model))


class FundingImporter(StateImporter):
    model = sd.Funding
    spec = _spec(model, *_data_fields(model))


class TeacherYearImporter(StateImporter):
    model = sd.TeacherYear
    spec = [("教师类别", "kind"), ("所属系部代码", "unit"),
            *_spec(model, *_data_fields(model, skip=("kind", "unit")))]

    def complete(self, row: dict[str, Any], messages: list[str]) -> None:
        if not row.get("kind"):
            row["kind"] = row["teacher"].kind  # the kind the person has in the staff list
        if row.get("unit") is None:
            row["unit"] = row["teacher"].unit  # 所属系部 defaults to the person's unit in the staff list

    def table_code(self, row: dict[str, Any]) -> str:
        return sd.TeacherYear.KIND_CODES.get(row["kind"], "A6")


class MajorYearImporter(StateImporter):
    model = sd.MajorYear
    spec = _spec(model, *_data_fields(model))
    required_fields = {"students"}


class AdmissionImporter(StateImporter):
    model = sd.Admission
    spec = _spec(model, *_data_fields(model))
    required_fields = {"planned", "admitted", "enrolled"}


class EmploymentImporter(StateImporter):
    model = sd.Employment
    spec = _spec(model, *_data_fields(model))
    required_fields = {"graduates", "employed"}


class CertificateImporter(StateImporter):
    model = sd.Certificate
    spec = _spec(model, *_data_fields(model))


class InternshipImporter(StateImporter):
    model = sd.Internship
    spec = _spec(model, *_data_fields(model))


class CourseYearImporter(StateImporter):
    model = sd.CourseYear
    spec = [*_spec(model, *_data_fields(model, skip=("teacher",))), ("主讲教师工号", "teacher")]
    required_fields = {"course_type", "hours"}


class DropoutImporter(StateImporter):
    model = sd.Dropout
    spec = _spec(model, *_data_fields(model))
    required_fields = {"reason"}


class CounsellorImporter(StateImporter):
    model = sd.Counsellor
    spec = [("所在部门代码", "unit"), *_spec(model, *_data_fields(model, skip=("unit",)))]


class EvaluationImporter(StateImporter):
    model = sd.Evaluation
    spec = _spec(model, *_data_fields(model))


class CooperationImporter(StateImporter):
    model = sd.Cooperation
    spec = _spec(model, *_data_fields(model))


class GraduateFeedbackImporter(StateImporter):
    model = sd.GraduateFeedback
    spec = _spec(model, *_data_fields(model))


class SchoolLeaderImporter(StateImporter):
    model = sd.SchoolLeader
    spec = _spec(model, *_data_fields(model))


class PracticeBaseImporter(StateImporter):
    model = sd.PracticeBase
    spec = _spec(model, *_data_fields(model))


class StudentAidImporter(StateImporter):
    model = sd.StudentAid
    spec = _spec(model, *_data_fields(model))


class StudentYearImporter(StateImporter):
    model = sd.StudentYear
    spec = _spec(model, *_data_fields(model))


class StudentProfileImporter(StateImporter):
    model = sd.StudentProfile
    spec = _spec(model, *_data_fields(model))


def importer_for(model: type[sd.StateRecord]) -> type[StateImporter]:
    return REGISTRY[model._meta.model_name]


# ---- large files: a background job of the statedata's own kind ------------------------------------------

def import_start(*, model: type[sd.StateRecord], institution: Any, actor: Any, data: bytes, filename: str) -> Any:
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from zhengai.core.jobs import job_start

    path = default_storage.save(f"imports/{uuid.uuid4().hex}/{filename}", ContentFile(data))
    return job_start(actor=actor, institution=institution, kind=JOB_KIND,
                     label=f"导入{model._meta.verbose_name}：{filename}",
                     params={"table": model._meta.model_name, "path": path, "filename": filename})


def run_statedata_job(job: Any, progress: Any) -> dict[str, Any]:
    from django.core.files.storage import default_storage

    importer = REGISTRY[job.params["table"]](job.institution, job.created_by)
    with default_storage.open(job.params["path"]) as handle:
        data = handle.read()
    result = importer.run_file(data, job.params["filename"], progress)
    findings = []
    if result.ok:
        from . import checks

        findings = checks.findings_text(job.institution, importer.record.periods.all(), reads=importer.model)
    return {**result.as_dict(), "record": importer.record.pk, "findings": findings}
