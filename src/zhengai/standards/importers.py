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
from zhengai.org.selectors import References

from .choices import Cycle, Level, Operator
from .formula_check import check_qc_point
from .models import Dimension, QCPoint, Standard, StandardSet

QUALITATIVE, QUANTITATIVE = "定性", "定量"
KINDS = [(QUALITATIVE, QUALITATIVE), (QUANTITATIVE, QUANTITATIVE)]
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
        Column("计算公式", "formula", text(2000), help="定量质控点必填；定性质控点不填",
               example="双师素质专任教师数 / 专任教师数 * 100"),
        Column("单位", "unit", text(20), example="%"),
        Column("比较方式", "operator", choice(Operator.choices), help="不填即“≥”", example="≥"),
        Column("目标值", "target", _line),
        Column("标准值", "standard", _line, help="达标线"),
        Column("预警值", "warning", _line),
        Column("标准值上限", "standard_upper", _line, help="比较方式为区间时"),
        Column("预警值上限", "warning_upper", _line, help="比较方式为区间时"),
        Column("监测周期", "cycle", choice(Cycle.choices), example="每学年"),
        Column("数据来源", "data_source", text(300)),
        Column("阈值依据", "threshold_source", text(2000)),
        Column("有效", "active", boolean, help="“否”即停用（不删除）", example="是"),
        Column("定性/定量", "kind", choice(KINDS), help="定性质控点无计算公式，由责任人每周期判定是否达标",
               example="定量"),
        Column("责任人", "owner", text(150), help="本校成员的账号、工号或姓名（重名时填账号或工号）；定性质控点必填",
               example="T001"),
        Column("责任部门", "lead_unit", text(100), help="牵头部门：本校部门的代码或名称", example="质量管理办公室"),
    ]

    def prepare(self) -> None:
        self.references = References(self.institution)
        self.existing = {p.code: p for p in QCPoint.objects.filter(institution=self.institution)
                         .select_related("standard_item__dimension__standard_set")}

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        messages = []
        if row["standard_item"] and not row["dimension"]:
            messages.append("填写了“标准”须同时填写“维度”")
        old = self.existing.get(row["code"])
        if old is not None and old.level != row["level"]:
            messages.append(f"质控点{row['code']}已属于“{old.get_level_display()}”层面，层面不能改")
        row["formula"] = row["formula"] or ""
        row["operator"] = row["operator"] or Operator.GE
        for field, lookup in (("owner", self.references.person), ("lead_unit", self.references.unit)):
            if field not in self.present:
                row[field] = getattr(old, field) if old is not None else None
            elif row[field]:
                try:
                    row[field] = lookup(row[field])
                except ValueError as exc:
                    messages.append(f"“{self._header(field)}”{exc}")
                    row[field] = None
        if "kind" in self.present and row["kind"]:
            row["qualitative"] = row["kind"] == QUALITATIVE
        else:
            row["qualitative"] = old.qualitative if old is not None else False
        probe = QCPoint(institution=self.institution, code=row["code"], name=row["name"], level=row["level"],
                        formula=row["formula"], operator=row["operator"], qualitative=row["qualitative"],
                        owner=row["owner"],
                        allowed=old.allowed if old is not None else [],
                        **{f: row[f] for f in LINE_FIELDS})
        try:
            check_qc_point(probe)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                messages.extend(f"“{self._header(name)}”{e}" for e in errors)
        if messages:
            raise RowInvalid(messages)
        return row

    def _header(self, field: str) -> str:
        return {"qualitative": "定性/定量", **{c.field: c.header for c in self.columns}}.get(field, field)

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
        data = {f: row[f] for f in ("name", "formula", "operator", "qualitative", "owner", "lead_unit",
                                    *LINE_FIELDS)}
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
        for p in queryset.select_related("standard_item__dimension", "owner", "lead_unit"):
            standard = p.standard_item
            rows.append([
                p.get_level_display(), standard.dimension.name if standard else "", standard.name if standard else "",
                p.code, p.name, p.definition, p.formula, p.unit, p.get_operator_display(),
                *[getattr(p, f) for f in LINE_FIELDS], p.get_cycle_display(), p.data_source, p.threshold_source,
                "是" if p.active else "否", QUALITATIVE if p.qualitative else QUANTITATIVE,
                p.owner.username if p.owner else "", p.lead_unit.code if p.lead_unit else ""])
        return rows


# ---- the standard chain in the seeds' layout: 类型 · 主要标准要素 ------------------------------------------

OPENING, CLOSING = "（(【[", "）)】]"
ELEMENT_SEPARATORS = "、，,;；\n"


def split_elements(value: str) -> list[str]:
    """The elements of a 主要标准要素 cell, as the seeds write them: separated by 、 (or a comma, semicolon or
    line break), but not inside brackets — “课程标准制定（课程目标、课程内容、教学组织、课程考核等）” is one
    element."""
    elements, current, depth = [], [], 0
    for char in value:
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth = max(depth - 1, 0)
        if char in ELEMENT_SEPARATORS and depth == 0:
            elements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    elements.append("".join(current).strip())
    return [e for e in elements if e]


class ChainImporter(Importer):
    """Seed 001 表6–9 and seed 002 表8 as the quality office keeps them: one row per 类型 (a dimension of the
    level's standard set) with its 主要标准要素 (the dimension's standards) in one cell, separated by 、.

    The row is the dimension's whole list: an element not there yet is added after the others, one no longer
    listed is retired (停用, never deleted — QC points may refer to it), a retired one listed again is
    restored. Existing elements keep their order and content, so an export imports back unchanged."""

    name = "标准要素"
    key = ("level", "dimension")
    columns = [
        Column("层面", "level", choice(Level.choices), required=True, example="专业"),
        Column("类型", "dimension", text(100), required=True, help="标准体系中的维度（类型）",
               example="专业开发标准"),
        Column("主要标准要素", "elements", text(5000), help="用“、”分隔；括号内的“、”不分隔",
               example="专业建设调研、人才培养方案制定、课程标准制定（课程目标、课程内容等）"),
        Column("有效", "active", boolean, help="“否”即停用该类型（不删除）", example="是"),
    ]

    def prepare(self) -> None:
        self.sets = {s.level: s for s in StandardSet.objects.filter(institution=self.institution)}
        self.dimensions = {(d.standard_set.level, d.name): d for d in Dimension.objects.filter(
            institution=self.institution).select_related("standard_set")}

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        elements = split_elements(row["elements"] or "")
        messages = [f"标准要素“{e[:20]}…”超过100字" for e in elements if len(e) > 100]
        repeated = sorted({e for e in elements if elements.count(e) > 1})
        if repeated:
            messages.append(f"标准要素重复：{'、'.join(repeated)}")
        if messages:
            raise RowInvalid(messages)
        row["elements"] = elements
        return row

    def save_row(self, row: dict[str, Any]) -> str:
        from . import services

        level, changed = row["level"], False
        standard_set = self.sets.get(level)
        if standard_set is None:
            standard_set, _ = services.standardset_create(actor=self.actor, institution=self.institution,
                                                          level=level, name=f"{Level(level).label}标准体系")
            self.sets[level] = standard_set
        dimension = self.dimensions.get((level, row["dimension"]))
        created = dimension is None
        if created:
            last = Dimension.objects.filter(standard_set=standard_set).order_by("-order").first()
            dimension, _ = services.dimension_create(actor=self.actor, institution=self.institution,
                                                     standard_set=standard_set, name=row["dimension"],
                                                     order=(last.order + 1) if last else 0)
        active = True if row["active"] is None else row["active"]
        if dimension.active != active:
            services.chain_node_retire(actor=self.actor, node=dimension, active=active)
            changed = True
        existing = {s.name: s for s in dimension.standards.all()}
        order = max((s.order for s in existing.values()), default=-1)
        for name in row["elements"]:
            standard = existing.get(name)
            if standard is None:
                order += 1
                services.standard_create(actor=self.actor, institution=self.institution, dimension=dimension,
                                         name=name, order=order)
                changed = True
            elif not standard.active:
                services.chain_node_retire(actor=self.actor, node=standard, active=True)
                changed = True
        for name, standard in existing.items():
            if standard.active and name not in row["elements"]:
                services.chain_node_retire(actor=self.actor, node=standard, active=False)
                changed = True
        return "created" if created else "updated" if changed else "unchanged"

    def export_rows(self, queryset: Any) -> list[list[Any]]:
        rows = []
        for d in queryset.select_related("standard_set").prefetch_related("standards"):
            elements = [s.name for s in sorted(d.standards.all(), key=lambda s: (s.order, s.pk)) if s.active]
            rows.append([d.standard_set.get_level_display(), d.name, "、".join(elements),
                         "是" if d.active else "否"])
        return rows
