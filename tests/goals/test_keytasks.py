"""Annual key tasks: indicator rules, the Excel import (all or nothing, idempotent, export round trip), the
distribution into the departments' one-page plans, and who may see and change the pages."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook

from tests.hostile import HOSTILE, assert_inert
from zhengai.core.spreadsheets import read_rows
from zhengai.goals import keytasks
from zhengai.goals.models import Goal, Indicator, KeyTask, OnePagePlan, Plan, PlanTask

YEAR = 2025


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(keytasks.HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_rows() -> list[list]:
    # 序号, 工作任务, 一级内容, 类别, 一级部门, 二级内容, 二级部门, 二级节点, 三级内容, 三级部门, 负责人, 三级节点,
    # 完成时限, 预期成效, 分管领导
    return [
        [1, "推进专业群建设", "建设软件专业群", "双高建设", "信息工程学院", "修订人才培养方案", "U01", "2025-06-30",
         "完成调研报告", "软件教研室", "信息学院院长", "2025-04-30", "2025-12-31", "专业群通过验收", "校长"],
        [1, "推进专业群建设", "建设软件专业群", "双高建设", "信息工程学院", "修订人才培养方案", "U01", "2025-06-30",
         "完成方案论证", "信息工程学院", "外聘专家甲", datetime.date(2025, 6, 15), "2025-12-31", "专业群通过验收",
         "校长"],
        [2, "完善质量保证体系", "修订质控点", "质量保证", "质量管理办公室", None, None, None, None, None, None, None,
         "2025-11-30", "质控点覆盖各层面", "分管副校长乙"],
    ]


def run_import(college, data: bytes, filename: str = "tasks.xlsx"):
    return keytasks.import_key_tasks(actor=college.users["quality"], institution=college.institution, year=YEAR,
                                     data=data, filename=filename)


def snapshot(institution) -> list[tuple]:
    tasks = [tuple(getattr(t, f) for f in ("number", "name", "deadline", "expected_results", "leader_id",
                                           "leader_name")) for t in KeyTask.objects.filter(institution=institution)]
    inds = [tuple(getattr(i, f) for f in ("key_task_id", "parent_id", "level", "content", "category", "unit_id",
                                          "head_id", "head_name", "due", "order"))
            for i in Indicator.objects.filter(institution=institution).order_by("pk")]
    return tasks + inds


# ---- indicator validation ---------------------------------------------------------------------------

@pytest.fixture
def task(college):
    t, _ = keytasks.key_task_save(actor=college.users["quality"], institution=college.institution, year=YEAR,
                                  data={"number": 1, "name": "推进专业群建设", "deadline": datetime.date(2025, 12, 31)})
    return t


def test_indicator_levels_parents_and_time_nodes(college, task):
    q = college.users["quality"]
    one, outcome = keytasks.indicator_save(actor=q, key_task=task, level=1, data={"content": "建设专业群"})
    assert outcome == "created" and one.order == 1
    # Level 1 has no parent.
    with pytest.raises(ValidationError) as exc:
        keytasks.indicator_save(actor=q, key_task=task, level=1, parent=one, data={"content": "x"})
    assert "parent" in exc.value.message_dict
    # Level 3 must hang under a level 2, not a level 1.
    with pytest.raises(ValidationError) as exc:
        keytasks.indicator_save(actor=q, key_task=task, level=3, parent=one, data={"content": "x"})
    assert "2级" in exc.value.message_dict["parent"][0]
    # Level 2 needs a parent, from the same key task.
    with pytest.raises(ValidationError):
        keytasks.indicator_save(actor=q, key_task=task, level=2, data={"content": "x"})
    other_task, _ = keytasks.key_task_save(actor=q, institution=college.institution, year=YEAR,
                                           data={"number": 2, "name": "另一任务"})
    with pytest.raises(ValidationError) as exc:
        keytasks.indicator_save(actor=q, key_task=other_task, level=2, parent=one, data={"content": "x"})
    assert "同一项" in exc.value.message_dict["parent"][0]
    # A time node after the deadline is refused; on the deadline it is fine.
    with pytest.raises(ValidationError) as exc:
        keytasks.indicator_save(actor=q, key_task=task, level=2, parent=one,
                                data={"content": "x", "due": datetime.date(2026, 1, 1)})
    assert "due" in exc.value.message_dict
    two, _ = keytasks.indicator_save(actor=q, key_task=task, level=2, parent=one,
                                     data={"content": "修订方案", "due": datetime.date(2025, 12, 31)})
    assert two.level == 2 and two.parent == one
    # Moving the deadline before an indicator's time node is refused too.
    with pytest.raises(ValidationError) as exc:
        keytasks.key_task_save(actor=q, institution=college.institution, year=YEAR, key_task=task,
                               data={"deadline": datetime.date(2025, 6, 30)})
    assert "deadline" in exc.value.message_dict


def test_goal_and_department_must_be_of_the_institution(college, other, task):
    q = college.users["quality"]
    foreign_plan = Plan.objects.create(institution=other.institution, level="school", entity_key="school",
                                       kind="master", name="外校规划", start_year=2021, end_year=2025)
    foreign_goal = Goal.objects.create(institution=other.institution, plan=foreign_plan, title="外校目标")
    with pytest.raises(ValidationError) as exc:
        keytasks.key_task_save(actor=q, institution=college.institution, year=YEAR, key_task=task,
                               data={"goal": foreign_goal})
    assert "goal" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        keytasks.indicator_save(actor=q, key_task=task, level=1, data={"content": "x", "unit": other.units["it"]})
    assert "unit" in exc.value.message_dict


# ---- import and export ------------------------------------------------------------------------------

def test_good_file_imports_the_three_levels(college):
    result = run_import(college, xlsx(good_rows()))
    assert result.ok, (result.file_error, [(e.row, e.messages) for e in result.errors])
    assert result.total == 3 and result.created == 3
    one = KeyTask.objects.get(institution=college.institution, year=YEAR, number=1)
    assert one.deadline == datetime.date(2025, 12, 31) and one.leader == college.users["leader"]
    assert one.indicators.filter(level=1).count() == 1 and one.indicators.filter(level=2).count() == 1
    threes = list(one.indicators.filter(level=3).order_by("order"))
    assert [t.content for t in threes] == ["完成调研报告", "完成方案论证"]
    # By code, by name; a head who is a user is linked, else kept as text; an Excel date cell is read.
    assert threes[0].unit == college.units["it_office"] and threes[0].head == college.users["head"]
    assert threes[1].head is None and threes[1].head_name == "外聘专家甲"
    assert threes[1].due == datetime.date(2025, 6, 15)
    two = one.indicators.get(level=2)
    assert two.unit == college.units["it"] and threes[0].parent == two
    second = KeyTask.objects.get(number=2, institution=college.institution)
    assert second.leader is None and second.leader_name == "分管副校长乙"
    assert second.indicators.get().category == "质量保证"


def test_bad_file_lists_every_bad_row_and_writes_nothing(college):
    rows = good_rows() + [
        [3, "任务三", "内容", None, "不存在的部门", None, None, None, None, None, None, None, "2025-12-31", None, None],
        [4, "任务四", "内容", None, None, "二级", None, "2026-03-01", None, None, None, None, "2025-12-31", None, None],
        ["甲", "任务五", None, None, None, None, None, None, None, None, None, None, None, None, None],
        [6, "任务六", None, None, None, None, None, None, "三级", None, None, None, "明年", None, None],
        [1, "改了名字的任务一", "建设软件专业群", "双高建设", "信息工程学院", "另一二级", None, None, None, None,
         None, None, "2025-12-31", "专业群通过验收", "校长"],
    ]
    result = run_import(college, xlsx(rows))
    assert not result.ok
    by_row = {e.row: "；".join(e.messages) for e in result.errors}
    assert set(by_row) == {5, 6, 7, 8, 9}
    assert "找不到" in by_row[5] and "不存在的部门" in by_row[5]
    assert "晚于完成时限" in by_row[6]
    assert "整数" in by_row[7]
    assert "不是日期" in by_row[8]
    assert "不一致" in by_row[9] and "第2行" in by_row[9]
    assert not KeyTask.objects.filter(institution=college.institution).exists()
    assert not Indicator.objects.exists()


def test_reimport_changes_nothing(college):
    data = xlsx(good_rows())
    assert run_import(college, data).ok
    before = snapshot(college.institution)
    result = run_import(college, data)
    assert result.ok and result.unchanged == 3 and result.created == result.updated == 0
    assert snapshot(college.institution) == before


def test_export_then_import_changes_nothing(college, login):
    assert run_import(college, xlsx(good_rows())).ok
    before = snapshot(college.institution)
    response = login(college.users["teacher"]).get(reverse("goals:keytask_export"), {"year": YEAR})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    rows = read_rows(data, "export.xlsx")
    assert rows[0] == keytasks.HEADERS and len(rows) == 4
    assert rows[1][10] == "信息学院院长" and rows[2][11] == "2025-06-15"
    result = run_import(college, data)
    assert result.ok and result.unchanged == 3
    assert snapshot(college.institution) == before


def test_merged_parent_cells_are_filled_down(college):
    rows = good_rows()[:2]
    rows[1] = [None, None, None, None, None, None, None, None, "完成方案论证", "信息工程学院", "外聘专家甲",
               "2025-06-15", None, None, None]
    result = run_import(college, xlsx(rows))
    assert result.ok, [(e.row, e.messages) for e in result.errors]
    assert Indicator.objects.filter(level=3).count() == 2 and Indicator.objects.filter(level=2).count() == 1


def test_import_page_for_the_quality_office_only(college, login):
    response = login(college.users["quality"]).post(
        reverse("goals:keytask_import"),
        {"year": YEAR, "file": _upload(xlsx(good_rows()))})
    assert response.status_code == 302 and KeyTask.objects.count() == 2
    bad = good_rows()
    bad[0][0] = "x"
    response = login(college.users["quality"]).post(reverse("goals:keytask_import"),
                                                    {"year": YEAR, "file": _upload(xlsx(bad))})
    assert response.status_code == 400 and "第2行" in response.content.decode()
    assert login(college.users["head"]).get(reverse("goals:keytask_import")).status_code == 403
    template = login(college.users["quality"]).get(reverse("goals:keytask_template"))
    assert read_rows(template.content, "t.xlsx")[0] == keytasks.HEADERS


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("tasks.xlsx", data)


# ---- distribution ------------------------------------------------------------------------------------

def test_distribution_creates_unit_plans_and_tasks_once(college):
    assert run_import(college, xlsx(good_rows())).ok
    q = college.users["quality"]
    counts = keytasks.key_tasks_distribute(actor=q, institution=college.institution, year=YEAR)
    # Leaves: two level-3 indicators (软件教研室, 信息工程学院) and one level-1 (质量管理办公室).
    assert counts == {"plans_created": 3, "tasks_created": 3, "already": 0, "no_unit": 0}
    it_plan = OnePagePlan.objects.get(institution=college.institution, year=YEAR,
                                      entity_key=f"unit:{college.units['it'].pk}")
    assert it_plan.level == "unit" and it_plan.unit == college.units["it"] and it_plan.status == "draft"
    assert it_plan.name == f"信息工程学院{YEAR}年度一页纸工作计划"
    task = PlanTask.objects.get(plan=it_plan)
    assert task.kind == "key" and task.source == "plan" and task.title == "完成方案论证"
    assert task.due == datetime.date(2025, 6, 15) and task.months == [1, 2, 3, 4, 5, 6]
    assert task.owner is None and task.owner_name == "外聘专家甲" and task.unit == college.units["it"]
    office_task = PlanTask.objects.get(plan__unit=college.units["it_office"])
    assert office_task.owner == college.users["head"]
    # The level-1 leaf has no time node: due is the key task's deadline.
    quality_task = PlanTask.objects.get(plan__unit=college.units["office"])
    assert quality_task.due == datetime.date(2025, 11, 30) and quality_task.months == list(range(1, 12))
    again = keytasks.key_tasks_distribute(actor=q, institution=college.institution, year=YEAR)
    assert again == {"plans_created": 0, "tasks_created": 0, "already": 3, "no_unit": 0}
    assert PlanTask.objects.count() == 3 and OnePagePlan.objects.count() == 3


def test_distribution_uses_an_existing_plan_and_numbers_after_its_tasks(college):
    assert run_import(college, xlsx(good_rows())).ok
    unit = college.units["it"]
    plan = OnePagePlan.objects.create(institution=college.institution, year=YEAR, level="unit",
                                      entity_key=f"unit:{unit.pk}", unit=unit, name="信息学院计划")
    PlanTask.objects.create(institution=college.institution, plan=plan, number=1, title="常规工作")
    keytasks.key_tasks_distribute(actor=college.users["quality"], institution=college.institution, year=YEAR)
    assert OnePagePlan.objects.filter(unit=unit).count() == 1
    assert list(plan.tasks.values_list("number", "kind")) == [(1, "routine"), (2, "key")]


def test_distribute_button_for_the_quality_office_only(college, login):
    assert run_import(college, xlsx(good_rows())).ok
    url = reverse("goals:keytask_distribute")
    assert login(college.users["leader"]).post(url, {"year": YEAR}).status_code == 403
    assert not PlanTask.objects.exists()
    assert login(college.users["quality"]).post(url, {"year": YEAR}).status_code == 302
    assert PlanTask.objects.count() == 3


# ---- pages and who may ----------------------------------------------------------------------------

def test_list_and_detail_seen_by_members_changed_by_planners(college, other, login):
    assert run_import(college, xlsx(good_rows())).ok
    task = KeyTask.objects.get(number=1)
    page = login(college.users["teacher"]).get(reverse("goals:keytask_list"), {"year": YEAR})
    assert page.status_code == 200 and "推进专业群建设" in page.content.decode()
    assert "新增重点任务" not in page.content.decode()
    assert login(college.users["student"]).get(reverse("goals:keytask_detail", args=[task.pk])).status_code == 200
    # Another college sees nothing of it.
    assert login(other.users["quality"]).get(reverse("goals:keytask_detail", args=[task.pk])).status_code == 404
    other_list = login(other.users["quality"]).get(reverse("goals:keytask_list"), {"year": YEAR})
    assert "推进专业群建设" not in other_list.content.decode()
    # A unit head reads but may not change: 403.
    head = login(college.users["head"])
    assert head.get(reverse("goals:keytask_edit", args=[task.pk])).status_code == 403
    assert head.post(reverse("goals:keytask_delete", args=[task.pk])).status_code == 403
    assert head.get(reverse("goals:keytask_add")).status_code == 403
    # The school leader edits, keeping what was typed on error.
    leader = login(college.users["leader"])
    response = leader.post(reverse("goals:keytask_edit", args=[task.pk]),
                           {"number": 1, "name": "推进专业群建设（修订）", "source": "plan",
                            "deadline": "2025-03-01"})
    assert response.status_code == 200 and "晚于完成时限" in response.content.decode()
    assert "推进专业群建设（修订）" in response.content.decode()
    response = leader.post(reverse("goals:keytask_edit", args=[task.pk]),
                           {"number": 1, "name": "推进专业群建设（修订）", "source": "plan", "deadline": "2025-12-31"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.name == "推进专业群建设（修订）"


def test_indicator_pages(college, login, task):
    client = login(college.users["quality"])
    response = client.post(reverse("goals:indicator_add", args=[task.pk]),
                           {"content": "建设专业群", "category": "双高", "unit": college.units["it"].pk})
    assert response.status_code == 302
    one = Indicator.objects.get(level=1)
    response = client.post(f"{reverse('goals:indicator_add', args=[task.pk])}?parent={one.pk}",
                           {"content": "二级", "due": "2026-02-01"})
    assert response.status_code == 200 and "时间节点不能晚于" in response.content.decode()
    response = client.post(f"{reverse('goals:indicator_add', args=[task.pk])}?parent={one.pk}",
                           {"content": "二级", "due": "2025-05-01"})
    assert response.status_code == 302 and Indicator.objects.get(level=2).parent == one
    detail = client.get(reverse("goals:keytask_detail", args=[task.pk])).content.decode()
    assert "建设专业群" in detail and "二级" in detail
    assert login(college.users["teacher"]).post(reverse("goals:indicator_delete", args=[one.pk])).status_code == 403
    # (`login` switches the one test client to the user given.)
    assert login(college.users["quality"]).post(reverse("goals:indicator_delete", args=[one.pk])).status_code == 302
    assert not Indicator.objects.exists()


def test_forms_render_for_planners(college, task, login):
    one, _ = keytasks.indicator_save(actor=college.users["quality"], key_task=task, level=1, data={"content": "甲"})
    client = login(college.users["quality"])
    for name, args, text in [("keytask_add", [], "新增2"), ("keytask_edit", [task.pk], "分管领导"),
                             ("indicator_add", [task.pk], "指标类别"), ("indicator_edit", [one.pk], "工作内容"),
                             ("keytask_import", [], "上传并导入")]:
        response = client.get(reverse(f"goals:{name}", args=args))
        assert response.status_code == 200 and text in response.content.decode(), name
    # A level-3 form asks for the department head, a level-2 one does not.
    two, _ = keytasks.indicator_save(actor=college.users["quality"], key_task=task, level=2, parent=one,
                                     data={"content": "乙"})
    page = client.get(f"{reverse('goals:indicator_add', args=[task.pk])}?parent={two.pk}").content.decode()
    assert "部门负责人" in page and "指标类别" not in page


def test_the_export_carries_hostile_stored_names_as_text(college, login):
    for n, name in enumerate(HOSTILE, start=1):
        KeyTask.objects.create(institution=college.institution, year=YEAR, number=n, name=name,
                               expected_results=name)
    response = login(college.users["teacher"]).get(reverse("goals:keytask_export"), {"year": YEAR})
    assert response.status_code == 200
    assert_inert(b"".join(response.streaming_content) if response.streaming else response.content)
