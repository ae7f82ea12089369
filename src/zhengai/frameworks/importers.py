"""Excel in and out for any diagnosis table, in the one layout docs/frameworks-excel.md describes.

Sheet 诊断项目表 has one row per task (or per point without tasks, per element without points…), the
parents' columns repeated on every row; blank parent cells — merged cells read as blanks — mean "the same
as the row above". Sheet 表头信息 holds the table's header as 项目/值 pairs. Every row is checked before
anything is written; one bad row and the whole file is refused with every bad row's number and reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from openpyxl import Workbook

from zhengai.core.importing import Column, Importer, ImportResult, RowInvalid, boolean, integer, text
from zhengai.core.spreadsheets import SpreadsheetError, read_rows, workbook_bytes, write_sheet
from zhengai.core.text import clean

from .choices import LEVELS, TextLabel
from .models import Framework
from .selectors import count_differences, framework_data, framework_stats
from .services import clean_mark, framework_load, number_problem

MAIN_SHEET = "诊断项目表"
LAYOUT_NOTE = ("每行一项诊改任务；没有任务的诊断点占一行。上级（项目、要素、诊断点）的列可在每行重复，"
               "也可留空（含合并单元格），留空表示与上一行相同。编号须逐级对应：要素 1.2 属于项目 1，"
               "诊断点 1.2.3 属于要素 1.2。只要有一行有错，整个文件都不会导入。")
HEADER_SHEET = "表头信息"
NOTES_SHEET = "填写说明"


def _mark(value: str) -> str:
    return clean_mark(value)


_mark.labels = ["*", "**"]  # type: ignore[attr-defined]


def _split(separators: str):
    def parse(value: str) -> list[str]:
        for sep in separators[1:]:
            value = value.replace(sep, separators[0])
        return [v.strip() for v in value.split(separators[0]) if v.strip()]

    return parse


LONG = text(4000)
# Departments are listed with 、 as Chinese tables print them; other names of an element with ；.
DEPARTMENTS = _split("、，,;；\n")
ALT_NAMES = _split("；;\n")

COLUMNS = [
    Column("项目编号", "p_number", text(30), help="如 1", example="1"),
    Column("项目名称", "p_name", text(200), example="办学理念与定位"),
    Column("要素编号", "e_number", text(30), help="项目编号.序号，如 1.1", example="1.1"),
    Column("要素名称", "e_name", text(200)),
    Column("诊断点编号", "t_number", text(30), help="要素编号.序号，如 1.1.1", example="1.1.1"),
    Column("诊断点名称", "t_name", text(200)),
    Column("质量要求/参考提示", "requirement", LONG,
           help="表头信息中“文字列名称”说明本列是质量要求还是影响因素参考提示"),
    Column("关键量化指标", "indicators", LONG),
    Column("状态数据表", "state_tables", LONG, help="状态数据表编号，仅作参考"),
    Column("适用标记", "applicability", _mark,
           help="空：全部院校；*：新建院校不适用；**：仅省级及以上示范（骨干）院校"),
    Column("任务编号", "k_number", text(30)),
    Column("诊改任务", "content", LONG),
    Column("牵头部门", "lead", text(200)),
    Column("责任部门", "departments", DEPARTMENTS, help="多个部门用“、”分隔", example="教务处、各二级学院"),
    # Two optional columns keep what a college's copy needs to come back exactly.
    Column("项目其他名称", "p_alt", ALT_NAMES, help="选填；多个用“；”分隔"),
    Column("要素其他名称", "e_alt", ALT_NAMES, help="选填；多个用“；”分隔"),
    Column("本校自设", "added", boolean, help="选填；本校自己增加的诊断点填“是”"),
]
REQUIRED_HEADERS = [c.header for c in COLUMNS[:14]]
# The core importer does not tell `clean_row` which row it is on; `parse` appends each row's number as
# this hidden column, so a contradiction can name the row it contradicts.
ROW_COLUMN = Column("__行号", "row_number", integer(minimum=2))

# 表头信息: label → key of the table's dict. Declared counts are "声明诊断点数" and so on.
HEADER_ROWS = [("代码", "code"), ("名称", "name"), ("发布单位", "issuer"), ("来源", "source"),
               ("版本", "version"), ("文字列名称", "text_label"),
               *[(f"声明{label}数", f"declared.{key}") for key, label in LEVELS],
               ("声明原文", "declared_text"), ("适用说明", "applicability_note")]
NOTE_LABEL = "说明"          # one row per note
EXTRA_LABEL = "扩展信息（JSON）"  # report template etc., split over rows to stay under Excel's cell limit
EXTRA_CHUNK = 30000

_GROUPS = {
    "p": ("p_number", "p_name", "p_alt"),
    "e": ("e_number", "e_name", "e_alt"),
    "t": ("t_number", "t_name", "requirement", "indicators", "state_tables", "applicability", "added"),
    "k": ("k_number", "content", "lead", "departments"),
}


@dataclass
class FrameworkImportResult(ImportResult):
    framework: Framework | None = None
    outcome: str = ""
    found: dict[str, int] = field(default_factory=dict)
    declared: dict[str, int] = field(default_factory=dict)

    @property
    def differences(self) -> list[str]:
        return count_differences(self.found, self.declared, verb="导入") if self.found else []

    @property
    def summary(self) -> str:
        if not self.ok:
            return super().summary
        counts = "、".join(f"{self.found[key]}个{label}" for key, label in LEVELS)
        done = {"created": "已新建", "updated": "已更新",
                "unchanged": "内容与已有版本相同，未作改动"}[self.outcome]
        text = f"“{self.framework}”{done}：共{self.total}行，{counts}。"
        if self.differences:
            text += "注意：" + "；".join(self.differences) + "。"
        elif self.declared:
            text += "与表中声明的数量一致。"
        return text


class FrameworkImporter(Importer):
    """Reads and writes one table; `institution` None means a built-in table."""

    name = MAIN_SHEET
    columns = [*COLUMNS, ROW_COLUMN]
    # One row per task (by number, or by content where tasks are unnumbered) or per bare parent.
    key = ("p_number", "e_number", "t_number", "task_key")

    # -- reading -------------------------------------------------------------------------------------
    def prepare(self) -> None:
        self._above: dict[str, Any] = {}
        # number → (first row, {field: value}) per level, to fill blanks and to catch contradictions.
        self._known: dict[str, dict[tuple[str, ...], tuple[int, dict[str, Any]]]] = {g: {} for g in "pet"}

    def parse(self, rows: list[list[str]]) -> tuple[list[tuple[int, dict[str, Any]]], ImportResult]:
        header = [h.strip().rstrip("*＊").strip() for h in rows[0]] if rows else []
        missing = [h for h in REQUIRED_HEADERS if h not in header]
        if rows and missing:
            return [], ImportResult(
                file_error=f"“{MAIN_SHEET}”工作表缺少列：{'、'.join(missing)}。请按导出的格式填写。")
        width = len(header)
        numbered = [[*header, ROW_COLUMN.header]] + [
            [*(raw + [""] * width)[:width], str(number)] if any(c.strip() for c in raw) else raw
            for number, raw in enumerate(rows[1:], start=2)]
        return super().parse(numbered)

    def _key_headers(self) -> list[str]:
        return ["项目编号", "要素编号", "诊断点编号", "任务编号（无编号时为任务内容）"]

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        has = {g: any(row.get(f) not in (None, "", []) for f in fields) for g, fields in _GROUPS.items()}
        messages: list[str] = []
        # A blank number means "the row above's" when the row has something deeper to place and its
        # higher levels are those of the row above (merged cells read as blanks).
        same = True
        for number, deeper in (("p_number", "etk"), ("e_number", "tk"), ("t_number", "k")):
            if not row.get(number) and same and any(has[d] for d in deeper):
                row[number] = self._above.get(number)
            same = same and row.get(number) == self._above.get(number)
        if not row.get("p_number"):
            raise RowInvalid(["“项目编号”不能为空"])
        key_p = (row["p_number"],)
        self._merge("p", key_p, row, _GROUPS["p"][1:], "项目", messages)
        if row.get("e_number"):
            if problem := number_problem(row["e_number"], row["p_number"], "要素", "项目"):
                messages.append(problem)
            self._merge("e", (*key_p, row["e_number"]), row, _GROUPS["e"][1:], "要素", messages)
        elif has["e"]:
            messages.append("有要素内容但没有“要素编号”")
        if row.get("t_number"):
            if not row.get("e_number"):
                messages.append("诊断点必须属于某个要素：“要素编号”不能为空")
            elif problem := number_problem(row["t_number"], row["e_number"], "诊断点", "要素"):
                messages.append(problem)
            self._merge("t", (*key_p, row.get("e_number") or "", row["t_number"]), row, _GROUPS["t"][1:],
                        "诊断点", messages)
        elif has["t"]:
            messages.append("有诊断点内容但没有“诊断点编号”")
        if has["k"]:
            if not row.get("t_number"):
                messages.append("诊改任务必须属于某个诊断点：“诊断点编号”不能为空")
            if not row.get("content"):
                messages.append("“诊改任务”不能为空")
        if messages:
            raise RowInvalid(messages)
        row["task_key"] = (row.get("k_number") or row.get("content")) if has["k"] else None
        self._above = {k: row.get(k) for k in ("p_number", "e_number", "t_number")}
        return row

    def _merge(self, group: str, key: tuple[str, ...], row: dict[str, Any], fields: tuple[str, ...],
               label: str, messages: list[str]) -> None:
        """Fill this row's blanks for a level from its first row, and report values that contradict it."""
        known = self._known[group].get(key)
        if known is None:
            name_field = fields[0]
            if not row.get(name_field):
                messages.append(f"{label}{key[-1]}的名称不能为空")
                return
            self._known[group][key] = (row["row_number"], {f: row.get(f) for f in fields})
            return
        first, values = known
        for f in fields:
            value = row.get(f)
            if value in (None, "", []):
                row[f] = values[f]
            elif values[f] in (None, "", []):
                values[f] = value
            elif value != values[f]:
                header = next(c.header for c in COLUMNS if c.field == f)
                messages.append(f"{label}{key[-1]}的“{header}”与第{first}行不一致")

    def _tree(self, parsed: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
        """The rows as projects → elements → points → tasks, in the order they first appear."""
        projects: dict[Any, dict[str, Any]] = {}
        elements: dict[Any, dict[str, Any]] = {}
        points: dict[Any, dict[str, Any]] = {}
        for _, row in parsed:
            p_key = row["p_number"]
            if p_key not in projects:
                values = self._known["p"][(p_key,)][1]
                projects[p_key] = {"number": p_key, "name": values["p_name"],
                                   "alt_names": values["p_alt"] or [], "elements": []}
            if not row.get("e_number"):
                continue
            e_key = (p_key, row["e_number"])
            if e_key not in elements:
                values = self._known["e"][e_key][1]
                elements[e_key] = {"number": row["e_number"], "name": values["e_name"],
                                   "alt_names": values["e_alt"] or [], "points": []}
                projects[p_key]["elements"].append(elements[e_key])
            if not row.get("t_number"):
                continue
            t_key = (*e_key, row["t_number"])
            if t_key not in points:
                values = self._known["t"][t_key][1]
                points[t_key] = {"number": row["t_number"], "name": values["t_name"],
                                 "requirement": values["requirement"] or "",
                                 "indicators": values["indicators"] or "",
                                 "state_tables": values["state_tables"] or "",
                                 "applicability": values["applicability"] or "",
                                 "added_by_institution": bool(values["added"]), "tasks": []}
                elements[e_key]["points"].append(points[t_key])
            if row.get("content"):
                points[t_key]["tasks"].append({"number": row.get("k_number") or "", "content": row["content"],
                                               "lead": row.get("lead") or "",
                                               "departments": row.get("departments") or []})
        return list(projects.values())

    def _header(self, rows: list[list[str]]) -> tuple[dict[str, Any], list[str]]:
        """The table's header from 表头信息 (label in column A, value in column B)."""
        by_label = dict(HEADER_ROWS)
        data: dict[str, Any] = {"declared": {}, "notes": []}
        extra, problems = "", []
        for number, raw in enumerate(rows, start=1):
            label, value = (raw + ["", ""])[:2]
            label, value = label.strip(), value.strip()
            if not label or (number == 1 and label == "项目"):
                continue
            try:  # the same cleaner as every cell of every import
                label, value = clean(label), clean(value)
            except ValueError as exc:
                problems.append(f"第{number}行{exc}")
                continue
            if label == NOTE_LABEL:
                if value:
                    data["notes"].append(value)
            elif label == EXTRA_LABEL:
                extra += value
            elif label in by_label:
                key = by_label[label]
                if key.startswith("declared."):
                    if value:
                        try:
                            data["declared"][key.split(".", 1)[1]] = integer(0, 1_000_000)(value)
                        except ValueError:
                            problems.append(f"第{number}行“{label}”应为整数")
                else:
                    data[key] = value
            else:
                problems.append(f"第{number}行“{label}”不是可识别的项目")
        if extra:
            try:
                data["extra"] = json.loads(extra)
            except ValueError:
                problems.append(f"“{EXTRA_LABEL}”不是有效的JSON")
        for label, key in (("代码", "code"), ("名称", "name")):
            if not data.get(key):
                problems.append(f"“{label}”不能为空")
        if data.get("text_label") and data["text_label"] not in TextLabel.values:
            problems.append(f"“文字列名称”应为{'或'.join(TextLabel.values)}")
        return data, problems

    def run(self, data: bytes, filename: str) -> FrameworkImportResult:
        result = FrameworkImportResult()
        if filename.lower().endswith(".csv"):
            result.file_error = f"诊断项目表须为Excel文件（含“{MAIN_SHEET}”和“{HEADER_SHEET}”两个工作表）。"
            return result
        try:
            main = read_rows(data, filename, sheet=MAIN_SHEET)
            header_rows = read_rows(data, filename, sheet=HEADER_SHEET)
        except SpreadsheetError as exc:
            result.file_error = str(exc)
            return result
        header, problems = self._header(header_rows)
        parsed, checked = self.parse(main)
        for name in ("total", "errors", "file_error", "error_count", "notices"):
            setattr(result, name, getattr(checked, name))
        if problems:
            result.file_error = "；".join([f"“{HEADER_SHEET}”工作表：" + "；".join(problems)]
                                         + ([result.file_error] if result.file_error else []))
        if not result.ok:
            return result
        try:
            framework = framework_load(data={**header, "projects": self._tree(parsed)},
                                       institution=self.institution, actor=self.actor,
                                       note=f"Excel导入：{filename}"[:200])
        except ValidationError as exc:
            result.file_error = "；".join(exc.messages)
            return result
        stats = framework_stats(framework)
        result.framework, result.outcome = framework, framework.load_outcome  # type: ignore[attr-defined]
        result.declared = stats.pop("declared")
        result.found = stats
        return result

    # -- writing -------------------------------------------------------------------------------------
    def export_rows(self, data: dict[str, Any]) -> list[list[Any]]:  # type: ignore[override]
        """One row per task, per point without tasks, per element without points, per bare project."""
        rows: list[list[Any]] = []

        def emit(values: dict[str, Any]) -> None:
            rows.append([values.get(c.field, "") for c in COLUMNS])

        for p in data["projects"]:
            pv = {"p_number": p["number"], "p_name": p["name"], "p_alt": "；".join(p["alt_names"])}
            if not p["elements"]:
                emit(pv)
            for e in p["elements"]:
                ev = {**pv, "e_number": e["number"], "e_name": e["name"], "e_alt": "；".join(e["alt_names"])}
                if not e["points"]:
                    emit(ev)
                for pt in e["points"]:
                    tv = {**ev, "t_number": pt["number"], "t_name": pt["name"],
                          "requirement": pt["requirement"], "indicators": pt["indicators"],
                          "state_tables": pt["state_tables"], "applicability": pt["applicability"],
                          "added": "是" if pt["added_by_institution"] else ""}
                    if not pt["tasks"]:
                        emit(tv)
                    for t in pt["tasks"]:
                        emit({**tv, "k_number": t["number"], "content": t["content"], "lead": t["lead"],
                              "departments": "、".join(t["departments"])})
        return rows

    def template(self, framework: Framework | None = None) -> bytes:  # type: ignore[override]
        data = framework_data(framework) if framework is not None else {"projects": [], "declared": {},
                                                                         "notes": []}
        workbook = Workbook()
        choices = {i: c.choices for i, c in enumerate(COLUMNS) if c.choices}
        write_sheet(workbook, MAIN_SHEET, [c.header for c in COLUMNS], self.export_rows(data),
                    choices=choices, required=range(14), first=True)
        header = []
        for label, key in HEADER_ROWS:
            level = key.removeprefix("declared.")
            value = data["declared"].get(level) if level != key else data.get(key)
            header.append([label, "" if value is None else value])
        header += [[NOTE_LABEL, note] for note in data["notes"]]
        extra = {k: v for k, v in data.items() if k not in dict(HEADER_ROWS).values()
                 and k not in ("projects", "declared", "notes")}
        if extra:
            encoded = json.dumps(extra, ensure_ascii=False)
            header += [[EXTRA_LABEL, encoded[i:i + EXTRA_CHUNK]] for i in range(0, len(encoded), EXTRA_CHUNK)]
        write_sheet(workbook, HEADER_SHEET, ["项目", "值"], header)
        notes = [[c.header, c.help, c.example, "、".join(c.choices) if c.choices else ""] for c in COLUMNS]
        notes += [[], ["说明", LAYOUT_NOTE, "", ""]]
        write_sheet(workbook, NOTES_SHEET, ["列名", "说明", "示例", "可选值"], notes)
        return workbook_bytes(workbook)
