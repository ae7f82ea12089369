"""Writes of the frameworks app: loading a table (from JSON or Excel), adopting, and a college's edits.

A table travels as a plain dict in the layout of the built-in JSON files (see `framework_clean`); the
loader, the Excel importer and adoption all go through `framework_load`, which matches rows by their
numbers, so loading the same data twice changes nothing and a row's id survives a reload.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max

from zhengai.core import audit
from zhengai.core.choices import AuditAction
from zhengai.core.services import save_object

from .choices import LEVELS, TextLabel
from .models import HEADER_FIELDS, Adoption, Element, Framework, Point, Project, Task
from .selectors import framework_data, framework_stats

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
BUILTIN_FILES = ("wuhan-software.json", "beijing.json")

# The tree's key in a table's dict; the keys that are neither the tree nor header fields go to `extra`.
TREE_KEY = "projects"

# Marks as people type them (full-width asterisks from Chinese input methods) → the stored mark.
_MARKS = {"": "", "*": "*", "**": "**", "＊": "*", "＊＊": "**", "※": "*", "※※": "**"}


# ---- the shape of a table, shared with the Excel importer ---------------------------------------------

def clean_mark(value: Any) -> str:
    """The applicability mark ("", "*" or "**"); ValueError with a Chinese message for anything else."""
    mark = _MARKS.get(str(value or "").replace(" ", ""))
    if mark is None:
        raise ValueError(f"“{value}”无效，只能为空、*或**")
    return mark


def number_problem(number: str, parent_number: str, label: str, parent_label: str) -> str | None:
    """Why `number` cannot stand under `parent_number` (1.2 under 1, 1.2.3 under 1.2), or None."""
    prefix = f"{parent_number}."
    rest = number[len(prefix):] if number.startswith(prefix) else ""
    if not rest or "." in rest:
        return f"{label}编号“{number}”与所属{parent_label}编号“{parent_number}”不一致（应为{prefix}N）"
    return None


def _str(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _str_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    return [s for s in (_str(v) for v in value) if s]


def _task(raw: dict[str, Any]) -> dict[str, Any]:
    return {"number": _str(raw.get("number")), "content": _str(raw.get("content")),
            "lead": _str(raw.get("lead")), "departments": _str_list(raw.get("departments"))}


def _node(raw: dict[str, Any], parent: str | None, labels: tuple[str, str], seen: set[str],
          problems: list[str]) -> tuple[str, str]:
    """A row's number and name, noting what is missing, duplicated or not under `parent`."""
    number, name = _str(raw.get("number")), _str(raw.get("name"))
    label, parent_label = labels
    where = f"{label}{number or '（无编号）'}"
    if not number or not name:
        problems.append(f"{where}：编号和名称都不能为空")
    elif parent is not None and (problem := number_problem(number, parent, label, parent_label)):
        problems.append(problem)
    if number in seen:
        problems.append(f"{where}：编号重复")
    seen.add(number)
    return number, name


def framework_clean(data: dict[str, Any]) -> dict[str, Any]:
    """The table in canonical form (every key present, text stripped, marks normalised), or a
    ValidationError listing every problem: names missing, numbers not under their parent, duplicates."""
    problems: list[str] = []
    clean: dict[str, Any] = {k: _str(data.get(k)) for k in HEADER_FIELDS if k not in ("declared", "notes")}
    clean["text_label"] = clean["text_label"] or TextLabel.REQUIREMENT
    if clean["text_label"] not in TextLabel.values:
        problems.append(f"文字列名称“{clean['text_label']}”无效，应为{'或'.join(TextLabel.values)}")
    for key, label in (("code", "代码"), ("name", "名称")):
        if not clean[key]:
            problems.append(f"表的{label}不能为空")
    clean["notes"] = _str_list(data.get("notes"))
    clean["declared"] = {}
    for key, label in LEVELS:
        value = (data.get("declared") or {}).get(key)
        if value in (None, ""):
            continue
        try:
            clean["declared"][key] = int(value)
        except (TypeError, ValueError):
            problems.append(f"声明的{label}数“{value}”不是整数")
    # Whatever else the table carries (report_template, element_sheet_columns…) travels with it.
    clean["extra"] = {k: v for k, v in data.items() if k not in (*HEADER_FIELDS, TREE_KEY, "extra")}
    clean["extra"].update(data.get("extra") or {})

    projects, seen_projects = [], set()
    for p in data.get(TREE_KEY) or []:
        pnum, pname = _node(p, None, ("诊断项目", ""), seen_projects, problems)
        elements, seen_elements = [], set()
        for e in p.get("elements") or []:
            enum, ename = _node(e, pnum, ("诊断要素", "诊断项目"), seen_elements, problems)
            points, seen_points = [], set()
            for pt in e.get("points") or []:
                ptnum, ptname = _node(pt, enum, ("诊断点", "诊断要素"), seen_points, problems)
                try:
                    mark = clean_mark(pt.get("applicability"))
                except ValueError as exc:
                    problems.append(f"诊断点{ptnum}：适用标记{exc}")
                    mark = ""
                tasks = [_task(t) for t in pt.get("tasks") or []]
                if any(not t["content"] for t in tasks):
                    problems.append(f"诊断点{ptnum}：有诊改任务没有内容")
                points.append({
                    "number": ptnum, "name": ptname, "requirement": _str(pt.get("requirement")),
                    "indicators": _str(pt.get("indicators")), "state_tables": _str(pt.get("state_tables")),
                    "applicability": mark, "added_by_institution": bool(pt.get("added_by_institution")),
                    "tasks": tasks,
                })
            elements.append({"number": enum, "name": ename, "alt_names": _str_list(e.get("alt_names")),
                             "points": points})
        projects.append({"number": pnum, "name": pname, "alt_names": _str_list(p.get("alt_names")),
                         "elements": elements})
    clean[TREE_KEY] = projects
    if problems:
        raise ValidationError(problems)
    return clean


# ---- loading ---------------------------------------------------------------------------------------

def _sync_level(model: type[models.Model], existing: dict[Any, Any],
                wanted: Sequence[tuple[Any, dict[str, Any]]]) -> tuple[dict[Any, Any], int]:
    """Make one level's rows equal `wanted` (natural key → field values): update what differs, create
    what is new, delete what is gone; return the rows by key and how many rows were written.

    Keys are exactly the fields of the level's unique constraint, so an update never moves a row onto
    another's key and the bulk update cannot trip the constraint halfway.
    """
    created, updated, rows = [], [], {}
    for key, fields in wanted:
        obj = existing.get(key)
        if obj is None:
            obj = model(**fields)
            created.append(obj)
        elif any(getattr(obj, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(obj, name, value)
            updated.append(obj)
        rows[key] = obj
    stale = [obj.pk for key, obj in existing.items() if key not in rows]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    if updated:
        model.objects.bulk_update(updated, fields=list(wanted[0][1]))
    if created:
        model.objects.bulk_create(created)  # sets pks (PostgreSQL, SQLite ≥ 3.35): children need them
    return rows, len(created) + len(updated) + len(stale)


def _sync_tasks(point_tasks: list[tuple[int, list[dict[str, Any]]]], existing: Iterable[Task]) -> int:
    """Tasks are known by their place under their point: task numbers are not always printed."""
    _, written = _sync_level(Task, {(t.point_id, t.order): t for t in existing}, [
        ((point, i), {"point_id": point, "order": i, **t})
        for point, tasks in point_tasks for i, t in enumerate(tasks, start=1)])
    return written


def _sync_tree(framework: Framework, projects: list[dict[str, Any]]) -> int:
    """Write the tree under `framework` level by level, in a handful of queries whatever its size;
    return how many rows were written."""
    project_rows, written = _sync_level(
        Project, {p.number: p for p in Project.objects.filter(framework=framework)},
        [(p["number"], {"framework_id": framework.pk, "order": i, "number": p["number"], "name": p["name"],
                        "alt_names": p["alt_names"]})
         for i, p in enumerate(projects, start=1)])

    # (parent pk, position under the parent, the row's dict), one level at a time.
    elements = [(project_rows[p["number"]].pk, i, e)
                for p in projects for i, e in enumerate(p["elements"], start=1)]
    element_rows, n = _sync_level(
        Element, {(e.project_id, e.number): e for e in Element.objects.filter(project__framework=framework)},
        [((parent, e["number"]), {"project_id": parent, "order": i, "number": e["number"], "name": e["name"],
                                  "alt_names": e["alt_names"]}) for parent, i, e in elements])
    written += n

    points = [(element_rows[(parent, e["number"])].pk, i, pt)
              for parent, _, e in elements for i, pt in enumerate(e["points"], start=1)]
    existing_points = Point.objects.filter(element__project__framework=framework)
    point_rows, n = _sync_level(
        Point, {(pt.element_id, pt.number): pt for pt in existing_points},
        [((parent, pt["number"]), {"element_id": parent, "order": i,
                                   **{k: v for k, v in pt.items() if k != "tasks"}})
         for parent, i, pt in points])
    written += n

    point_tasks = [(point_rows[(parent, pt["number"])].pk, pt["tasks"]) for parent, _, pt in points]
    existing_tasks = Task.objects.filter(point__element__project__framework=framework)
    return written + _sync_tasks(point_tasks, existing_tasks)


def _audit_view(framework: Framework) -> dict[str, Any]:
    """What the audit trail keeps of a table: its header and its size (not every row of the tree)."""
    stats = framework_stats(framework)
    size = "、".join(f"{stats[key]}个{label}" for key, label in LEVELS)
    return {**audit.snapshot(framework), "结构": size}


@transaction.atomic
def framework_load(*, data: dict[str, Any], institution: Any = None, actor: Any = None,
                   based_on: Framework | None = None, note: str = "") -> Framework:
    """Create or replace the table (institution, code, version) with `data`; idempotent.

    The returned framework carries `load_outcome`: "created", "updated" or "unchanged" — loading the
    same data again writes nothing and records nothing.
    """
    clean = framework_clean(data)
    header = {k: clean[k] for k in HEADER_FIELDS}
    header["extra"] = clean["extra"]
    framework = Framework.objects.filter(institution=institution, code=clean["code"],
                                         version=clean["version"]).first()
    creating = framework is None
    before = {} if creating else _audit_view(framework)
    if creating:
        framework = Framework(institution=institution, based_on=based_on, **header)
        framework.full_clean()
        framework.save()
        changed = True
    else:
        if based_on is not None and framework.based_on_id is None:
            header["based_on"] = based_on
        changed = any(getattr(framework, k) != v for k, v in header.items())
        if changed:
            for k, v in header.items():
                setattr(framework, k, v)
            framework.full_clean()
            framework.save()
    changed = _sync_tree(framework, clean[TREE_KEY]) > 0 or changed
    outcome = "created" if creating else "updated" if changed else "unchanged"
    framework.load_outcome = outcome  # type: ignore[attr-defined]
    if changed:
        action = AuditAction.CREATE if creating else AuditAction.IMPORT
        audit.record(actor=actor, obj=framework, action=action, before=before, after=_audit_view(framework),
                     note=note or "载入诊断项目表")
    return framework


def read_builtin(name: str) -> dict[str, Any]:
    return json.loads((BUILTIN_DIR / name).read_text(encoding="utf-8"))


def load_builtin(actor: Any = None) -> list[Framework]:
    """Load (or refresh) the built-in tables shipped in builtin/*.json; a file not yet there is skipped."""
    return [framework_load(data=read_builtin(name), actor=actor, note=f"载入内置表 {name}")
            for name in BUILTIN_FILES if (BUILTIN_DIR / name).exists()]


# ---- adoption and a college's edits ------------------------------------------------------------------

def _require_own(framework: Framework) -> None:
    if framework.is_builtin:
        raise ValidationError("内置诊断项目表不能直接修改：请先采用，在本校的副本上修改。")


@transaction.atomic
def framework_adopt(*, actor: Any, institution: Any, framework: Framework) -> Framework:
    """Make `framework` the table `institution` works with, and return the table it then owns.

    A built-in table is copied into a version the college owns (`based_on` the built-in), which the
    quality office edits and extends. If the college already holds that copy it is reused, edits
    kept: adopting again only moves the adoption, it never discards a college's work.
    """
    if framework.institution_id not in (None, institution.pk):
        raise ValidationError("只能采用内置诊断项目表或本校的诊断项目表。")
    own = framework
    if framework.is_builtin:
        owned = Framework.objects.filter(institution=institution)
        own = (owned.filter(based_on=framework).order_by("-created_at").first()
               or owned.filter(code=framework.code, version=framework.version).first())
        if own is None:
            own = framework_load(data=framework_data(framework), institution=institution, actor=actor,
                                 based_on=framework, note=f"复制内置表“{framework}”")
    adoption = Adoption.objects.filter(institution=institution).select_related("framework").first()
    if adoption is not None and adoption.framework_id == own.pk:
        return own
    adoption = adoption or Adoption(institution=institution)
    save_object(actor=actor, obj=adoption,
                data={"framework": own, "adopted_by": actor if getattr(actor, "pk", None) else None},
                note="采用诊断项目表")
    return own


def _split_notes(notes: str | Iterable[str]) -> list[str]:
    lines = notes.splitlines() if isinstance(notes, str) else list(notes)
    return [s for s in (line.strip() for line in lines) if s]


def framework_update(*, actor: Any, framework: Framework, name: str, version: str,
                     notes: str | Iterable[str]) -> Framework:
    """Rename a college's table, give it its own version label, or change its notes."""
    _require_own(framework)
    data = {"name": name.strip(), "version": version.strip(), "notes": _split_notes(notes)}
    obj, _ = save_object(actor=actor, obj=framework, data=data)
    return obj  # type: ignore[return-value]


POINT_FIELDS = ("name", "requirement", "indicators", "state_tables", "applicability")


def _point_data(fields: dict[str, Any]) -> dict[str, Any]:
    data = {k: _str(v) for k, v in fields.items()}
    if "applicability" in data:
        try:
            data["applicability"] = clean_mark(data["applicability"])
        except ValueError as exc:
            raise ValidationError({"applicability": f"适用标记{exc}"}) from exc
    return data


def _set_tasks(actor: Any, point: Point, tasks: Iterable[dict[str, Any]]) -> None:
    """Make the point's tasks these (in this order); audited on the point when anything changed."""
    rows = [t for t in map(_task, tasks) if t["content"]]
    before = [t.content for t in point.tasks.all()]
    if _sync_tasks([(point.pk, rows)], point.tasks.all()):
        audit.record(actor=actor, obj=point, action=AuditAction.UPDATE, before={"诊改任务": before},
                     after={"诊改任务": [t["content"] for t in rows]})


@transaction.atomic
def point_add(*, actor: Any, element: Element, name: str, number: str = "",
              tasks: Iterable[dict[str, Any]] = (), **fields: Any) -> Point:
    """The college's own diagnosis point (本校自设) under `element` of its table, numbered after the
    element's last point unless a number is given; `fields` are any of POINT_FIELDS."""
    _require_own(element.project.framework)
    last = element.points.aggregate(last=Max("order"))["last"] or 0
    number = number.strip()
    if not number:
        taken = set(element.points.values_list("number", flat=True))
        n = last + 1
        while f"{element.number}.{n}" in taken:
            n += 1
        number = f"{element.number}.{n}"
    elif problem := number_problem(number, element.number, "诊断点", "诊断要素"):
        raise ValidationError({"number": problem})
    point = Point(element=element, order=last + 1, added_by_institution=True)
    save_object(actor=actor, obj=point, data={"number": number, **_point_data({**fields, "name": name})},
                note="本校自设诊断点")
    _sync_tasks([(point.pk, [t for t in map(_task, tasks) if t["content"]])], [])
    return point


@transaction.atomic
def point_update(*, actor: Any, point: Point, tasks: Iterable[dict[str, Any]] | None = None,
                 **fields: Any) -> Point:
    """Change a point of a college's table: any of POINT_FIELDS and, when given, its list of tasks."""
    _require_own(point.element.project.framework)
    unknown = set(fields) - set(POINT_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改的字段：{'、'.join(sorted(unknown))}")
    save_object(actor=actor, obj=point, data=_point_data(fields))
    if tasks is not None:
        _set_tasks(actor, point, tasks)
    return point
