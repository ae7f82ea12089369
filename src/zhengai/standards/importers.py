"""The standard chain by Excel: one row per QC point under its level, dimension and standard — seed 002 表5–7's
三列（维度 · 标准 · 质控点）flattened so that each QC point names the standard it makes measurable.

All-or-nothing and idempotent through core.importing: a QC point is matched by its code; the level's standard
set, the dimension and the standard are found by name (created if missing). An export imports back unchanged.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from zhengai.core.importing import Column, Importer, RowInvalid, boolean, choice, finite_decimal, text
from zhengai.core.services import save_object

from .choices import Cycle, Level, Operator
from .formula_check import check_qc_point
from .models import Dimension, QCPoint, Standard, StandardSet

QUANTUM = Decimal("0.0001")  # the fields' four decimal places: 80 and 80.0000 are the same line
LINE_FIELDS = ("target", "standard", "warning", "standard_upper", "warning_upper")


def _line(value: str) -> Decimal:
    return finite_decimal(value).quantize(QUANTUM)


class QCPointImporter(Importer):
    name = "质控点"
    key = ("code",)
    columns = [
        Column("层面", "level", choice(Level.choices), required=True, example="专业"),
        Column("维度", "dimension", text(100), help="标准体系中的维度",
               example="专业资源配置标准"),
        Column("标准", "standard_item", text(100), help="维度下的标准；须同时填写维度",
               example="专业师资队伍建设"),
        Column("质控点代码", "code", text(30), required=True, help="本校唯一，据此识别质控点", example="M10"),
        Column("质控点名称", "name", text(100), required=True, example="双师素质教师比例"),
        Column("测量数据内涵", "definition", text(2000)),
        Column("计算公式", "formula", text(2000), required=True, example="双师素质专任教师数 / 专任教师数 * 100"),
        Column("单位", "unit", text(20), example="%"),
        Column("比较方式", "operator", choice(Operator.choices), required=True, example="≥"),
        Column("目标值", "target", _line),
        Column("标准值", "standard", _line, help="达标线"),
        Column("预警值", "warning", _line),
        Column("标准值上限", "standard_upper", _line, help="比较方式为区间时"),
        Column("预警值上限", "warning_upper", _line, help="比较方式为区间时"),
        Column("监测周期", "cycle", choice(Cycle.choices), example="每学年"),
        Column("数据来源", "data_source", text(300)),
        Column("阈值依据", "threshold_source", text(2000)),
        Column("有效", "active", boolean, help="“否”即停用（不删除）", example="是"),
    ]

    def prepare(self) -> None:
        self.existing = {p.code: p for p in QCPoint.objects.filter(institution=self.institution)
                         .select_related("standard_item__dimension__standard_set")}

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        messages = []
        if row["standard_item"] and not row["dimension"]:
            messages.append("填写了“标准”须同时填写“维度”")
        old = self.existing.get(row["code"])
        if old is not None and old.level != row["level"]:
            messages.append(f"质控点{row['code']}已属于“{old.get_level_display()}”层面，层面不能改")
        probe = QCPoint(institution=self.institution, code=row["code"], name=row["name"], level=row["level"],
                        formula=row["formula"], operator=row["operator"],
                        allowed=old.allowed if old is not None else [],
                        **{f: row[f] for f in LINE_FIELDS})
        try:
            check_qc_point(probe)
        except ValidationError as exc:
            fields = {c.field: c.header for c in self.columns}
            for name, errors in exc.message_dict.items():
                messages.extend(f"“{fields.get(name, name)}”{e}" for e in errors)
        if messages:
            raise RowInvalid(messages)
        return row

    def _standard(self, row: dict[str, Any]) -> Standard | None:
        if not row["dimension"]:
            return None
        standard_set, _ = StandardSet.objects.get_or_create(
            institution=self.institution, level=row["level"],
            defaults={"name": f"{Level(row['level']).label}标准体系"})
        dimension, _ = Dimension.objects.get_or_create(institution=self.institution, standard_set=standard_set,
                                                       name=row["dimension"])
        if not row["standard_item"]:
            return None
        standard, _ = Standard.objects.get_or_create(institution=self.institution, dimension=dimension,
                                                     name=row["standard_item"])
        return standard

    def save_row(self, row: dict[str, Any]) -> str:
        point = self.existing.get(row["code"]) or QCPoint(institution=self.institution, code=row["code"],
                                                           level=row["level"])
        data = {f: row[f] for f in ("name", "formula", "operator", *LINE_FIELDS)}
        data["standard_item"] = self._standard(row)
        for name, default in (("definition", ""), ("unit", ""), ("data_source", ""), ("threshold_source", ""),
                              ("cycle", Cycle.ACADEMIC_YEAR), ("active", True)):
            if name in self.present:
                data[name] = default if row[name] is None else row[name]
        try:
            _, outcome = save_object(actor=self.actor, obj=point, data=data, note="Excel导入")
        except ValidationError as exc:
            raise RowInvalid(exc.messages) from exc
        return outcome

    def export_rows(self, queryset: Any) -> list[list[Any]]:
        rows = []
        for p in queryset.select_related("standard_item__dimension"):
            standard = p.standard_item
            rows.append([
                p.get_level_display(), standard.dimension.name if standard else "", standard.name if standard else "",
                p.code, p.name, p.definition, p.formula, p.unit, p.get_operator_display(),
                *[getattr(p, f) for f in LINE_FIELDS], p.get_cycle_display(), p.data_source, p.threshold_source,
                "是" if p.active else "否"])
        return rows
