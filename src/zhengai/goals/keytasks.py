"""The annual key-task decomposition (年度重点工作任务分解, seed 002 表1, seed 003 表5): services that save key
tasks and their three levels of indicators, the Excel import and export in the seed's layout, and the
distribution of the leaf indicators into the responsible departments' one-page plans.

Every write goes through `core.services.save_object`, so it is validated, audited, and a save that changes
nothing writes nothing — which is what makes re-importing a file and re-distributing a year no-ops.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from zhengai.core import audit
from zhengai.core.choices import AuditAction
from zhengai.core.importing import (
    Column,
    Importer,
    ImportResult,
    RowError,
    RowInvalid,
    busy_result,
    date,
    import_lock,
    integer,
    text,
)
from zhengai.core.models import Membership, User
from zhengai.core.services import save_object
from zhengai.core.spreadsheets import SpreadsheetError, read_rows
from zhengai.org.models import Unit
from zhengai.standards.choices import Level

from .choices import PlanStatus, TaskKind
from .models import Indicator, KeyTask, OnePagePlan, PlanTask

KEY_TASK_FIELDS = ("number", "name", "goal", "source", "lead_unit", "deadline", "measures", "expected_results",
                   "leader", "leader_name")
INDICATOR_FIELDS = ("content", "category", "unit", "head", "head_name", "due", "order")


# ---- key tasks and indicators ------------------------------------------------------------------------

def _same_institution(errors: dict[str, list[str]], institution: Any, field: str, obj: Any, label: str) -> None:
    if obj is not None and obj.institution_id != institution.pk:
        errors.setdefault(field, []).append(f"{label}不属于本院校")


@transaction.atomic
def key_task_save(*, actor: Any, institution: Any, year: int, data: dict[str, Any],
                  key_task: KeyTask | None = None, validated: bool = False) -> tuple[KeyTask, str]:
    """Create or update one key task of `year`; returns the task and "created", "updated" or "unchanged".

    Checks that the plan goal and the departments are the institution's own, and that no indicator's time node
    falls after the (new) deadline — a deadline moved earlier must not leave indicators due after it."""
    obj = key_task if key_task is not None else KeyTask(institution=institution, year=year)
    errors: dict[str, list[str]] = {}
    goal = data.get("goal", obj.goal)
    if goal is not None and goal.institution_id != institution.pk:
        errors.setdefault("goal", []).append("对应规划目标不属于本院校")
    _same_institution(errors, institution, "lead_unit", data.get("lead_unit"), "牵头部门")
    deadline = data.get("deadline", obj.deadline)
    if obj.pk and deadline is not None:
        late = obj.indicators.filter(due__gt=deadline).order_by("due").first()
        if late is not None:
            errors.setdefault("deadline", []).append(
                f"指标“{late.content}”的时间节点{late.due:%Y-%m-%d}晚于完成时限，请先调整指标时间节点")
    number = data.get("number", obj.number)
    twin = KeyTask.objects.filter(institution=institution, year=year, number=number).exclude(pk=obj.pk)
    if number is not None and twin.exists():
        errors.setdefault("number", []).append(f"{year}年已有序号为{number}的重点工作任务")
    if errors:
        raise ValidationError(errors)
    clean = {k: v for k, v in data.items() if k in KEY_TASK_FIELDS}
    clean["year"] = year
    # The name as written goes with a linked person, so an export names them and imports back unchanged.
    if clean.get("leader") is not None and not clean.get("leader_name"):
        clean["leader_name"] = clean["leader"].display_name
    return save_object(actor=actor, obj=obj, data=clean, validated=validated)


@transaction.atomic
def key_task_delete(*, actor: Any, key_task: KeyTask) -> None:
    """Delete a key task with its indicators. One-page plan tasks that carried its indicators stay (their
    link is cleared by the model), because the departments' work and records must not vanish with it."""
    before = audit.snapshot(key_task)
    audit.record(actor=actor, obj=key_task, action=AuditAction.DELETE, before=before, after={})
    key_task.delete()


def _indicator_errors(key_task: KeyTask, level: int | None, parent: Indicator | None, due: Any,
                      unit: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if level not in (1, 2, 3):
        errors.setdefault("level", []).append("级别只能是1、2或3")
    elif level == 1 and parent is not None:
        errors.setdefault("parent", []).append("一级指标不能有上级指标")
    elif level > 1:
        if parent is None:
            errors.setdefault("parent", []).append(f"{level}级指标必须有上级（{level - 1}级）指标")
        elif parent.key_task_id != key_task.pk:
            errors.setdefault("parent", []).append("上级指标必须属于同一项重点工作任务")
        elif parent.level != level - 1:
            errors.setdefault("parent", []).append(f"{level}级指标的上级必须是{level - 1}级指标")
    if due is not None and key_task.deadline is not None and due > key_task.deadline:
        errors.setdefault("due", []).append(f"时间节点不能晚于任务的完成时限（{key_task.deadline:%Y-%m-%d}）")
    if unit is not None and unit.institution_id != key_task.institution_id:
        errors.setdefault("unit", []).append("责任部门不属于本院校")
    return errors


@transaction.atomic
def indicator_save(*, actor: Any, key_task: KeyTask, data: dict[str, Any], indicator: Indicator | None = None,
                   level: int | None = None, parent: Indicator | None = None) -> tuple[Indicator, str]:
    """Create or update an indicator of `key_task`.

    Rules: a first-level indicator has no parent; a level-n indicator's parent is a level n-1 indicator of
    the same key task; its time node is not after the key task's deadline; its department is the
    institution's own. The level and parent of an existing indicator do not change (children hang on them)."""
    if indicator is not None:
        level, parent = indicator.level, indicator.parent
        obj = indicator
    else:
        obj = Indicator(institution=key_task.institution, key_task=key_task, level=level, parent=parent)
    errors = _indicator_errors(key_task, level, parent, data.get("due", obj.due), data.get("unit", obj.unit))
    if errors:
        raise ValidationError(errors)
    clean = {k: v for k, v in data.items() if k in INDICATOR_FIELDS}
    if clean.get("head") is not None and not clean.get("head_name"):
        clean["head_name"] = clean["head"].display_name
    if indicator is None and "order" not in clean:
        siblings = Indicator.objects.filter(key_task=key_task, parent=parent, level=level)
        clean["order"] = (siblings.aggregate(m=Max("order"))["m"] or 0) + 1
    return save_object(actor=actor, obj=obj, data=clean)


@transaction.atomic
def indicator_delete(*, actor: Any, indicator: Indicator) -> None:
    """Delete an indicator and the indicators under it (the model cascades; each is audited)."""
    doomed = [indicator]
    frontier = [indicator]
    while frontier:
        children = list(Indicator.objects.filter(parent__in=frontier))
        doomed.extend(children)
        frontier = children
    for obj in reversed(doomed):
        audit.record(actor=actor, obj=obj, action=AuditAction.DELETE, before=audit.snapshot(obj), after={})
    indicator.delete()


def indicator_tree(key_task: KeyTask, indicators: list[Indicator] | None = None
                   ) -> list[tuple[Indicator, list[tuple[Indicator, list[Indicator]]]]]:
    """The key task's indicators as [(level 1, [(level 2, [level 3…])…])…], in their order, from one query
    (or from `indicators` already read for a page of tasks)."""
    if indicators is None:
        indicators = list(key_task.indicators.select_related("unit", "head").order_by("level", "order", "pk"))
    children: dict[int | None, list[Indicator]] = {}
    for ind in indicators:
        children.setdefault(ind.parent_id, []).append(ind)
    return [(one, [(two, children.get(two.pk, [])) for two in children.get(one.pk, [])])
            for one in children.get(None, [])]


def indicator_trees(tasks: list[KeyTask]) -> list[tuple[KeyTask, list]]:
    """Trees for a page of key tasks from one query over all their indicators."""
    by_task: dict[int, list[Indicator]] = {t.pk: [] for t in tasks}
    for ind in (Indicator.objects.filter(key_task__in=tasks).select_related("unit", "head")
                .order_by("level", "order", "pk")):
        by_task[ind.key_task_id].append(ind)
    return [(t, indicator_tree(t, by_task[t.pk])) for t in tasks]


def person_name(user: Any, name: str) -> str:
    """A head or leader as written (the name kept with the row), else the linked user's name."""
    return name or (user.display_name if user is not None else "")


# ---- distribution into the departments' one-page plans --------------------------------------------

def _months(due: datetime.date | None, year: int) -> list[int]:
    """The months from January to the due month (the 12-month schedule of a one-page plan)."""
    if due is None:
        return []
    if due.year > year:
        return list(range(1, 13))
    if due.year < year:
        return [1]
    return list(range(1, due.month + 1))


@transaction.atomic
def key_tasks_distribute(*, actor: Any, institution: Any, year: int) -> dict[str, int]:
    """Put every leaf indicator of the year's key tasks into its department's one-page plan (下达到部门).

    Ensures the unit's plan for the year exists and holds one key task (属性 重点工作) carrying the
    indicator. Idempotent: an indicator already carried by any task is left alone, so running it again (or
    after a department moved the task) creates nothing. Returns counts of plans and tasks created and of
    indicators skipped."""
    counts = {"plans_created": 0, "tasks_created": 0, "already": 0, "no_unit": 0}
    leaves = (Indicator.objects.filter(institution=institution, key_task__year=year, children__isnull=True)
              .select_related("key_task", "unit", "head").order_by("key_task__number", "level", "order", "pk"))
    carried = set(PlanTask.objects.filter(institution=institution, indicator__isnull=False)
                  .values_list("indicator_id", flat=True))
    plans: dict[int, OnePagePlan] = {}
    for ind in leaves:
        if ind.unit is None:
            counts["no_unit"] += 1
            continue
        if ind.pk in carried:
            counts["already"] += 1
            continue
        unit = ind.unit
        plan = plans.get(unit.pk)
        if plan is None:
            key = f"unit:{unit.pk}"
            plan = OnePagePlan.objects.filter(institution=institution, year=year, entity_key=key).first()
            if plan is None:
                plan, _ = save_object(actor=actor, obj=OnePagePlan(institution=institution), data={
                    "year": year, "level": Level.UNIT, "entity_key": key, "unit": unit,
                    "name": f"{unit.name}{year}年度一页纸工作计划", "status": PlanStatus.DRAFT,
                }, note="年度重点任务下达")
                counts["plans_created"] += 1
            plans[unit.pk] = plan
        task = ind.key_task
        due = ind.due or task.deadline
        number = (PlanTask.objects.filter(plan=plan).aggregate(m=Max("number"))["m"] or 0) + 1
        save_object(actor=actor, obj=PlanTask(institution=institution, plan=plan), data={
            "number": number, "title": ind.content[:300], "kind": TaskKind.KEY, "source": task.source,
            "indicator": ind, "unit": unit, "due": due, "months": _months(due, year),
            "owner": ind.head, "owner_name": "" if ind.head is not None else ind.head_name,
        }, note="年度重点任务下达")
        carried.add(ind.pk)
        counts["tasks_created"] += 1
    return counts


# ---- Excel import and export in the seed's layout ---------------------------------------------------

HEADERS = ["序号", "工作任务", "一级指标工作内容", "指标类别", "一级指标责任部门", "二级指标工作内容",
           "二级指标责任部门", "二级指标时间节点", "三级指标工作内容", "三级指标责任部门", "部门负责人",
           "三级指标时间节点", "完成时限", "预期成效", "分管领导"]
# Which columns belong to which level, for filling merged (blank) parent cells down from the row above.
TASK_COLUMNS = ["序号", "工作任务", "完成时限", "预期成效", "分管领导"]
L1_COLUMNS = ["一级指标工作内容", "指标类别", "一级指标责任部门"]
L2_COLUMNS = ["二级指标工作内容", "二级指标责任部门", "二级指标时间节点"]


def fill_down(rows: list[list[str]]) -> list[list[str]]:
    """Fill parent cells left blank under a merged cell: the seed's table merges the task and its first-
    and second-level cells over their children's rows, and a merged cell reads as blank below its top.
    Only blanks are filled, and only from the row above within the same task (and the same parent)."""
    if not rows:
        return rows
    header = [h.strip().rstrip("*＊").strip() for h in rows[0]]
    pos = {h: header.index(h) for h in HEADERS if h in header}

    def cell(row: list[str], name: str) -> str:
        i = pos.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    def copy(row: list[str], previous: list[str], names: list[str]) -> None:
        for name in names:
            i = pos.get(name)
            if i is None:
                continue
            while len(row) <= i:
                row.append("")
            if not row[i].strip():
                row[i] = cell(previous, name)

    out = [rows[0]]
    previous: list[str] | None = None
    for raw in rows[1:]:
        row = list(raw)
        if not any(c.strip() for c in row):
            out.append(row)
            continue
        if previous is not None and cell(row, "序号") in ("", cell(previous, "序号")):
            copy(row, previous, TASK_COLUMNS)
            deeper = cell(row, "二级指标工作内容") or cell(row, "三级指标工作内容")
            if cell(row, "一级指标工作内容") in ("", cell(previous, "一级指标工作内容")) and (
                    deeper or cell(row, "一级指标工作内容")):
                copy(row, previous, L1_COLUMNS)
                if cell(row, "二级指标工作内容") in ("", cell(previous, "二级指标工作内容")) and (
                        cell(row, "三级指标工作内容") or cell(row, "二级指标工作内容")):
                    copy(row, previous, L2_COLUMNS)
        previous = row
        out.append(row)
    return out


class KeyTaskImporter(Importer):
    """年度重点工作任务分解表: one row per deepest indicator, parents repeated on every row.

    Natural keys: a key task by (year, 序号); an indicator by its content under its parent. The import adds
    and updates, never deletes (a row left out of the file is not taken as a request to delete: deleting is
    done on the page, where it is seen)."""

    name = "年度重点工作任务分解表"
    key = ("number", "l1", "l2", "l3")

    def __init__(self, institution: Any, actor: Any, year: int | None = None):
        super().__init__(institution, actor)
        self.year = year or datetime.date.today().year
        self._units: dict[str, Unit] | None = None
        self._people: dict[str, Any] | None = None
        self.columns = [
            Column("序号", "number", integer(1, 999), required=True, help="同一任务的各行序号相同", example="1"),
            Column("工作任务", "name", text(300), required=True, example="推进专业群建设"),
            Column("一级指标工作内容", "l1", text(500)),
            Column("指标类别", "l1_category", text(50), example="双高建设"),
            Column("一级指标责任部门", "l1_unit", self._unit, help="部门名称或部门代码"),
            Column("二级指标工作内容", "l2", text(500)),
            Column("二级指标责任部门", "l2_unit", self._unit, help="部门名称或部门代码"),
            Column("二级指标时间节点", "l2_due", date, help="日期，如 2025-06-30"),
            Column("三级指标工作内容", "l3", text(500)),
            Column("三级指标责任部门", "l3_unit", self._unit, help="部门名称或部门代码"),
            Column("部门负责人", "l3_head", self._person, help="姓名；与平台用户同名时关联该用户"),
            Column("三级指标时间节点", "l3_due", date, help="日期，如 2025-06-30"),
            Column("完成时限", "deadline", date, help="日期，如 2025-12-31", example="2025-12-31"),
            Column("预期成效", "expected_results", text(5000)),
            Column("分管领导", "leader", self._person, help="姓名；与平台用户同名时关联该用户"),
        ]

    # -- lookups ------------------------------------------------------------------------------------
    def units(self) -> dict[str, Unit]:
        """Departments by code and by name (a name two departments share is left out: it would be a guess)."""
        if self._units is None:
            units = list(Unit.objects.filter(institution=self.institution))
            by_name: dict[str, list[Unit]] = {}
            for u in units:
                by_name.setdefault(u.name, []).append(u)
            self._units = {name: found[0] for name, found in by_name.items() if len(found) == 1}
            self._units.update({u.code: u for u in units})
        return self._units

    def _unit(self, value: str) -> Unit:
        unit = self.units().get(value)
        if unit is None:
            raise ValueError(f"找不到名称或代码为“{value}”的部门")
        return unit

    def people(self) -> dict[str, Any]:
        """Members of the institution by name, where exactly one member has the name."""
        if self._people is None:
            ids = Membership.objects.filter(institution=self.institution, active=True).values("user_id")
            by_name: dict[str, list[Any]] = {}
            for user in User.objects.filter(pk__in=ids, is_active=True).exclude(name=""):
                by_name.setdefault(user.name, []).append(user)
            self._people = {name: users[0] for name, users in by_name.items() if len(users) == 1}
        return self._people

    def _person(self, value: str) -> tuple[Any, str]:
        if len(value) > 50:
            raise ValueError("不能超过50个字符")
        return self.people().get(value), value

    # -- rows -----------------------------------------------------------------------------------------
    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        messages = []
        if row.get("l2") and not row.get("l1"):
            messages.append("有二级指标时必须填写一级指标工作内容")
        if row.get("l3") and not row.get("l2"):
            messages.append("有三级指标时必须填写二级指标工作内容")
        deadline = row.get("deadline")
        for field, label in (("l2_due", "二级指标时间节点"), ("l3_due", "三级指标时间节点")):
            due = row.get(field)
            if due is not None and deadline is not None and due > deadline:
                messages.append(f"“{label}”{due:%Y-%m-%d}晚于完成时限{deadline:%Y-%m-%d}")
        for prefix, label in (("l1", "一级"), ("l2", "二级"), ("l3", "三级")):
            if not row.get(prefix):
                extras = [f for f in row if f.startswith(f"{prefix}_") and row.get(f)]
                if extras:
                    messages.append(f"没有填写{label}指标工作内容，却填写了该级指标的其他列")
        if messages:
            raise RowInvalid(messages)
        return row

    def _consistency(self, parsed: list[tuple[int, dict[str, Any]]]) -> list[RowError]:
        """The repeated parent cells must agree: a task's name, deadline, expected results and leader on every
        row with its 序号; a first-level indicator's category and department, a second-level indicator's
        department and time node on every row under it."""
        errors: list[RowError] = []
        first: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = {}
        groups = [
            ("序号", lambda r: (r["number"],),
             lambda r: (r["name"], r.get("deadline"), r.get("expected_results") or "", _text(r.get("leader"))),
             "工作任务、完成时限、预期成效或分管领导"),
            ("一级指标", lambda r: (r["number"], r.get("l1")) if r.get("l1") else None,
             lambda r: (r.get("l1_category") or "", r.get("l1_unit")), "指标类别或一级指标责任部门"),
            ("二级指标", lambda r: (r["number"], r.get("l1"), r.get("l2")) if r.get("l2") else None,
             lambda r: (r.get("l2_unit"), r.get("l2_due")), "二级指标责任部门或时间节点"),
        ]
        for number, row in parsed:
            messages = []
            for label, key_of, values_of, what in groups:
                key = key_of(row)
                if key is None:
                    continue
                key = (label, *key)
                values = values_of(row)
                if key not in first:
                    first[key] = (number, values)
                elif first[key][1] != values:
                    messages.append(f"{what}与第{first[key][0]}行（同一{label}）不一致")
            if messages:
                errors.append(RowError(number, messages))
        return errors

    def run(self, data: bytes, filename: str) -> ImportResult:
        try:
            rows = read_rows(data, filename)
        except SpreadsheetError as exc:
            return ImportResult(file_error=str(exc))
        return self.run_rows(rows)

    def run_rows(self, rows: list[list[str]], progress: Any = None) -> ImportResult:
        parsed, result = self.parse(fill_down(rows), progress)
        result.notices[:0] = getattr(rows, "notices", [])  # how the sheet was chosen (fill_down copies rows)
        if result.file_error:
            return result
        for error in self._consistency(parsed):
            result.add_error(error.row, error.messages)
        if result.errors:
            result.errors.sort(key=lambda e: e.row)
            return result
        self._orders(parsed)
        try:
            with transaction.atomic():
                import_lock(self.institution, type(self))
                for number, row in parsed:
                    try:
                        outcome = self.save_row(row)
                    except RowInvalid as exc:
                        result.add_error(number, exc.messages)
                        continue
                    except ValidationError as exc:
                        result.add_error(number, _messages(exc))
                        continue
                    setattr(result, outcome, getattr(result, outcome) + 1)
                if result.errors:
                    raise _Rollback
        except _Rollback:
            result.created = result.updated = result.unchanged = 0
        except IntegrityError:
            return busy_result(result)
        return result

    def _orders(self, parsed: list[tuple[int, dict[str, Any]]]) -> None:
        """Each indicator's order among its siblings is its first appearance in the file, so an export (which
        writes them in order) imports back unchanged."""
        seen: dict[tuple[Any, ...], int] = {}
        counters: dict[tuple[Any, ...], int] = {}
        for _, row in parsed:
            path: tuple[Any, ...] = (row["number"],)
            for level in ("l1", "l2", "l3"):
                content = row.get(level)
                if not content:
                    break
                node = (*path, content)
                if node not in seen:
                    counters[path] = counters.get(path, 0) + 1
                    seen[node] = counters[path]
                row[f"{level}_order"] = seen[node]
                path = node

    def save_row(self, row: dict[str, Any]) -> str:
        outcomes = []
        leader, leader_name = row.get("leader") or (None, "")
        task = KeyTask.objects.filter(institution=self.institution, year=self.year, number=row["number"]).first()
        task, outcome = key_task_save(actor=self.actor, institution=self.institution, year=self.year, key_task=task,
                                      data={"number": row["number"], "name": row["name"],
                                            "deadline": row.get("deadline"),
                                            "expected_results": row.get("expected_results") or "",
                                            "leader": leader, "leader_name": leader_name})
        outcomes.append(outcome)
        parent = None
        for level, prefix in ((1, "l1"), (2, "l2"), (3, "l3")):
            content = row.get(prefix)
            if not content:
                break
            data: dict[str, Any] = {"content": content, "unit": row.get(f"{prefix}_unit"),
                                    "order": row[f"{prefix}_order"]}
            if level == 1:
                data["category"] = row.get("l1_category") or ""
            else:
                data["due"] = row.get(f"{prefix}_due")
            if level == 3:
                head, head_name = row.get("l3_head") or (None, "")
                data.update(head=head, head_name=head_name)
            existing = Indicator.objects.filter(key_task=task, parent=parent, level=level, content=content).first()
            parent, outcome = indicator_save(actor=self.actor, key_task=task, indicator=existing, data=data,
                                             level=level, parent=parent)
            outcomes.append(outcome)
        if "created" in outcomes:
            return "created"
        return "updated" if "updated" in outcomes else "unchanged"

    def export_rows(self, queryset: Iterable[KeyTask]) -> list[list[Any]]:
        rows: list[list[Any]] = []
        names = list(Unit.objects.filter(institution=self.institution).values_list("name", flat=True))
        # A department whose name another shares is written by its code, so it imports back to the same one.
        twins = {n for n in names if names.count(n) > 1}

        def _unit_name(unit: Unit | None) -> str | None:
            return None if unit is None else unit.code if unit.name in twins else unit.name

        for task in queryset:
            head = [task.number, task.name]
            tail = [task.deadline, task.expected_results, person_name(task.leader, task.leader_name)]
            tree = indicator_tree(task)
            if not tree:
                rows.append([*head, *[None] * 10, *tail])
            for one, twos in tree:
                l1 = [one.content, one.category, _unit_name(one.unit)]
                if not twos:
                    rows.append([*head, *l1, *[None] * 7, *tail])
                for two, threes in twos:
                    l2 = [two.content, _unit_name(two.unit), two.due]
                    if not threes:
                        rows.append([*head, *l1, *l2, *[None] * 4, *tail])
                    for three in threes:
                        l3 = [three.content, _unit_name(three.unit), person_name(three.head, three.head_name),
                              three.due]
                        rows.append([*head, *l1, *l2, *l3, *tail])
        return [[_cell(v) for v in row] for row in rows]


def _cell(value: Any) -> Any:
    """Dates as YYYY-MM-DD text (what the template asks for); blanks as empty cells."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return None if value in ("", None) else value


def _text(person: tuple[Any, str] | None) -> str:
    return person[1] if person else ""


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errs in exc.message_dict.values() for m in errs]
    return list(exc.messages)


class _Rollback(Exception):
    pass


def key_tasks_for(user: Any, institution: Any, year: int):
    """The year's key tasks the user may see (every member of the institution sees them)."""
    return (KeyTask.objects.restrict(user).filter(institution=institution, year=year)
            .select_related("goal", "lead_unit", "leader").order_by("number"))


def key_task_years(user: Any, institution: Any) -> list[int]:
    """Years that have key tasks, plus the current one, newest first (for the year selector)."""
    years = set(KeyTask.objects.restrict(user).filter(institution=institution)
                .values_list("year", flat=True).distinct())
    years.add(datetime.date.today().year)
    return sorted(years, reverse=True)


def import_key_tasks(*, actor: Any, institution: Any, year: int, data: bytes, filename: str) -> ImportResult:
    """Import a year's decomposition table (all or nothing)."""
    return KeyTaskImporter(institution, actor, year).run(data, filename)


def export_key_tasks(*, user: Any, institution: Any, year: int) -> bytes:
    """The year's key tasks in the import layout (export → import changes nothing)."""
    importer = KeyTaskImporter(institution, user, year)
    return importer.template(key_tasks_for(user, institution, year))
