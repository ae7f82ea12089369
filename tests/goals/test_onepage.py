"""One-page plans: the services (task department, numbering, months, progress, submit and approve), the error
report (seed 002 表10) and the printable sheet on ONE A4 landscape page."""

from __future__ import annotations

import datetime
import re
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from zhengai.goals import printing, selectors, services
from zhengai.goals.models import OnePagePlan, PlanTask, ProgressUpdate


def onepage(c, level, entity, actor=None, year=2025):
    return services.onepage_create(actor=actor or c.users["quality"], institution=c.institution, level=level,
                                   entity=entity, year=year)


def task(c, plan, title, objectives=(), actor=None, **data):
    data = {"title": title, "owner": c.users["teacher"], "months": [3, 4], "due": datetime.date(plan.year, 6, 30),
            **data}
    return services.plan_task_save(actor=actor or c.users["quality"], onepage=plan, data=data,
                                   objectives=list(objectives))


def objective(c, plan, text, actor=None, **data):
    return services.objective_save(actor=actor or c.users["quality"], onepage=plan, data={"text": text, **data})


def test_tasks_belong_to_the_department_of_the_plans_entity(college):
    c = college
    cases = [("unit", c.units["it"], c.units["it"]), ("major", c.majors["mech"], c.units["mech"]),
             ("course", c.courses["java"], c.units["it"]), ("teacher", c.teachers["t2"], c.units["mech"]),
             ("class", c.classes["soft1"], c.units["it"])]
    for level, entity, unit in cases:
        plan = onepage(c, level, entity)
        assert plan.entity_key == f"{level}:{entity.pk}" and plan.entity == entity
        assert task(c, plan, "任务").unit == unit
    assert OnePagePlan.objects.get(level="class").klass == c.classes["soft1"]
    with pytest.raises(ValidationError):  # one plan per entity and year
        onepage(c, "unit", c.units["it"])
    with pytest.raises(ValidationError):  # students have development plans, not one-page plans
        onepage(c, "student", c.students["s1"])


def test_numbers_months_and_objectives_are_checked(college):
    c = college
    plan = onepage(c, "unit", c.units["it"])
    first, second = objective(c, plan, "目标一"), objective(c, plan, "目标二")
    assert (first.number, second.number) == (1, 2)
    t1 = task(c, plan, "任务一", [first, second], months=["5", 3, 3])
    t2 = task(c, plan, "任务二")
    assert (t1.number, t2.number) == (1, 2) and t1.months == [3, 5]
    assert set(t1.objectives.all()) == {first, second}
    with pytest.raises(ValidationError) as exc:
        task(c, plan, "坏月份", months=[13])
    assert "months" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        task(c, plan, "倒置日期", start=datetime.date(2025, 7, 1), due=datetime.date(2025, 6, 1))
    assert "due" in exc.value.error_dict
    other = onepage(c, "major", c.majors["soft"])
    foreign = objective(c, other, "别的计划的目标")
    with pytest.raises(ValidationError):
        task(c, plan, "挂错目标", [foreign])
    # An objective's parent is an objective of the plan above.
    with pytest.raises(ValidationError):
        objective(c, other, "上级目标不对", parent=first)
    services.onepage_save(actor=c.users["quality"], plan=other, data={"parent": plan})
    other.refresh_from_db()
    assert objective(c, other, "分解自学院目标一", parent=first).parent == first
    with pytest.raises(ValidationError):
        services.onepage_save(actor=c.users["quality"], plan=other, data={"status": "approved"})


def test_monthly_progress_replaces_and_finishes(college):
    c = college
    plan = onepage(c, "unit", c.units["it"], actor=c.users["head"])
    t = task(c, plan, "课程标准修订", owner=c.users["teacher"], actor=c.users["head"])
    # The task's owner reports, though they may not edit the plan.
    services.progress_report(actor=c.users["teacher"], task=t, year=2025, month=3, progress=30, note="启动")
    services.progress_report(actor=c.users["teacher"], task=t, year=2025, month=3, progress=40, note="更正")
    t.refresh_from_db()
    assert ProgressUpdate.objects.filter(task=t).count() == 1
    assert (t.progress, t.state, t.completed_on) == (40, "in_progress", None)
    services.progress_report(actor=c.users["head"], task=t, year=2025, month=5, progress=100)
    t.refresh_from_db()
    assert (t.progress, t.state, t.completed_on) == (100, "done", timezone.localdate())
    # Re-reporting an earlier month does not undo the latest month's report.
    services.progress_report(actor=c.users["teacher"], task=t, year=2025, month=4, progress=70)
    t.refresh_from_db()
    assert t.progress == 100 and t.state == "done"
    services.progress_report(actor=c.users["head"], task=t, year=2025, month=6, progress=90, note="返工")
    t.refresh_from_db()
    assert (t.progress, t.state, t.completed_on) == (90, "in_progress", None)
    with pytest.raises(PermissionDenied):
        services.progress_report(actor=c.users["major_leader"], task=t, year=2025, month=6, progress=10)
    with pytest.raises(ValidationError):
        services.progress_report(actor=c.users["head"], task=t, year=2025, month=13, progress=10)
    with pytest.raises(ValidationError):
        services.progress_report(actor=c.users["head"], task=t, year=2024, month=1, progress=10)


def test_submit_and_approval_by_the_level_above(college):
    c = college
    unit_plan = onepage(c, "unit", c.units["it"], actor=c.users["head"])
    with pytest.raises(ValidationError):  # nothing to submit yet
        services.onepage_submit(actor=c.users["head"], plan=unit_plan)
    task(c, unit_plan, "任务", [objective(c, unit_plan, "目标", actor=c.users["head"])], actor=c.users["head"])
    services.onepage_submit(actor=c.users["head"], plan=unit_plan)
    assert unit_plan.status == "submitted" and unit_plan.submitted_at
    # The head does not approve their own unit's plan; the quality office does.
    with pytest.raises(PermissionDenied):
        services.onepage_approve(actor=c.users["head"], plan=unit_plan)
    services.onepage_approve(actor=c.users["quality"], plan=unit_plan)
    assert unit_plan.status == "approved" and unit_plan.approved_by == c.users["quality"]

    major_plan = onepage(c, "major", c.majors["soft"], actor=c.users["major_leader"])
    task(c, major_plan, "任务", [objective(c, major_plan, "目标", actor=c.users["major_leader"])],
         actor=c.users["major_leader"])
    services.onepage_submit(actor=c.users["major_leader"], plan=major_plan)
    with pytest.raises(PermissionDenied):
        services.onepage_approve(actor=c.users["major_leader"], plan=major_plan)
    services.onepage_approve(actor=c.users["head"], plan=major_plan, approve=False)
    assert major_plan.status == "draft"
    services.onepage_submit(actor=c.users["major_leader"], plan=major_plan)
    services.onepage_approve(actor=c.users["head"], plan=major_plan)
    assert major_plan.status == "approved"


def test_error_rate_per_department_on_a_hand_made_case(college, login):
    c = college
    it_plan = onepage(c, "unit", c.units["it"])
    soft_plan = onepage(c, "major", c.majors["soft"])
    mech_plan = onepage(c, "unit", c.units["mech"])
    o_it, o_soft, o_mech = objective(c, it_plan, "甲"), objective(c, soft_plan, "乙"), objective(c, mech_plan, "丙")
    for i in range(3):
        task(c, it_plan, f"好任务{i}", [o_it])
    no_objective = task(c, it_plan, "没有目标")
    for i in range(5):
        task(c, soft_plan, f"好任务{i}", [o_soft])
    many = task(c, soft_plan, "问题任务", owner=None, months=[], due=datetime.date(2026, 1, 15))
    for i in range(20):
        task(c, mech_plan, f"好任务{i}", [o_mech])
    task(c, mech_plan, "无日期", [o_mech], due=None)

    assert selectors.task_errors(many, 2025) == ["未对应目标", "未指定负责人", "未安排进度月份",
                                                 "目标日期不在计划年度内"]
    report = {ue.unit: ue for ue in selectors.error_report(c.users["quality"], c.institution, 2025)}
    it, mech = report[c.units["it"]], report[c.units["mech"]]
    # IT: the unit plan (1 of 4 wrong) and the software major's plan (1 of 6) → 2 of 10 = 20%.
    assert (it.tasks, len(it.bad), it.percent, it.flagged) == (10, 2, 20, True)
    assert {pe.plan: (pe.tasks, len(pe.bad)) for pe in it.plans} == {it_plan: (4, 1), soft_plan: (6, 1)}
    assert [t for t, _ in it.bad] == [no_objective, many] or {t for t, _ in it.bad} == {no_objective, many}
    # Mechanical: 1 of 21 ≈ 4.8%, under the 5% line.
    assert (mech.tasks, len(mech.bad), str(mech.percent), mech.flagged) == (21, 1, "4.8", False)
    assert selectors.onepage_errors(it_plan).percent == 25

    # The head of IT sees their own department only; the page shows the rates.
    mine = selectors.error_report(c.users["head"], c.institution, 2025)
    assert [ue.unit for ue in mine] == [c.units["it"]]
    page = login(c.users["quality"]).get(reverse("goals:onepage_errors"), {"year": 2025}).content.decode()
    assert "20%" in page and "4.8%" in page and "没有目标" in page
    assert "差错率 25%" in login(c.users["quality"]).get(
        reverse("goals:onepage_detail", args=[it_plan.pk])).content.decode()


LONG = "很长的说明文字" * 60


@pytest.fixture
def full_plan(college):
    """Twelve tasks and eight objectives with long texts, every month planned and reported: the worst case."""
    c = college
    q = c.users["quality"]
    plan = onepage(c, "unit", c.units["it"])
    services.onepage_save(actor=q, plan=plan, data={
        "name": "信息工程学院 2025 年度一页纸工作计划" + "（加长）" * 20, "leader": c.users["head"],
        "date": datetime.date(2025, 3, 1), "objective": LONG, "summary": LONG})
    objectives = [objective(c, plan, f"第{i}个目标：" + LONG[:200]) for i in range(1, 9)]
    for i in range(12):
        t = task(c, plan, f"第{i + 1}项主要任务" + LONG[:200], objectives[i % 8: i % 8 + 3],
                 months=list(range(1, 13)), priority="A")
        for month in range(1, 13):
            services.progress_report(actor=q, task=t, year=2025, month=month, progress=min(100, month * 9))
    for line in ("部门一般公用经费", "培训经费", "实训基地建设经费", "专业建设经费", "课程建设经费", "其他经费"):
        services.cost_save(actor=q, onepage=plan, data={"budget_line": line, "amount": 12.5})
    return plan


def pdf_pages(data: bytes) -> int:
    """Page objects in the PDF (/Type /Page, not the /Pages tree nodes). The writer packs objects into
    compressed object streams, so the streams are inflated first."""
    text = data
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            text += zlib.decompress(m.group(1))
        except zlib.error:
            pass
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", text))


def test_the_sheet_fits_one_a4_landscape_page(college, full_plan, login):
    document = printing.sheet_document(full_plan)
    assert len(document.pages) == 1
    page = document.pages[0]
    assert page.width > page.height  # landscape
    assert round(page.width * 25.4 / 96) == 297 and round(page.height * 25.4 / 96) == 210

    response = login(college.users["head"]).get(reverse("goals:onepage_pdf", args=[full_plan.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF") and pdf_pages(data) == 1

    html = login(college.users["head"]).get(reverse("goals:onepage_print", args=[full_plan.pk])).content.decode()
    for label in ("项目领导", "工作名称", "日期", "项目目标", "主要任务", "负责人/优先级", "目标日期", "成本",
                  "概述与预测"):
        assert label in html
    # One mark per objective↔task link (3+3+3+3+3+3+2+1+3+3+3+3) and one in the legend line.
    assert html.count("●") == 33 + 1 and "size: A4 landscape" in html
    assert LONG not in html  # long texts are clipped on the sheet


def test_a_sheet_that_overflows_would_be_caught(college, full_plan):
    """The page counter is real: the same plan without clipping runs over one page."""
    from weasyprint import HTML

    html = printing.sheet_html(full_plan).replace("@page { size: A4 landscape; margin: 8mm; }",
                                                  "@page { size: A4 landscape; margin: 8mm; }"
                                                  ".sheet tbody tr { height: 20mm !important; }")
    assert len(HTML(string=html).render().pages) > 1
    assert pdf_pages(HTML(string=html).write_pdf()) > 1


def test_head_fills_a_plan_through_the_pages(college, login):
    c = college
    client = login(c.users["head"])
    response = client.post(reverse("goals:onepage_add"), {"entity": f"unit:{c.units['it'].pk}", "year": 2025})
    assert response.status_code == 302
    plan = OnePagePlan.objects.get(unit=c.units["it"], year=2025)
    # Another unit is not the head's to plan for: a forged choice is refused with a message.
    response = client.post(reverse("goals:onepage_add"), {"entity": f"unit:{c.units['mech'].pk}", "year": 2025})
    assert response.status_code == 200 and "只能为您负责的" in response.content.decode()
    assert not OnePagePlan.objects.filter(unit=c.units["mech"]).exists()
    assert client.post(reverse("goals:onepage_edit", args=[plan.pk]), {
        "name": "信息学院年度计划", "leader": c.users["head"].pk, "objective": "建成示范学院", "summary": "预计完成"
    }).status_code == 302
    assert client.post(reverse("goals:onepage_objective_add", args=[plan.pk]), {"text": "课程改革"}).status_code == 302
    o = plan.objectives.get()
    response = client.post(reverse("goals:onepage_task_add", args=[plan.pk]), {
        "title": "修订课程标准", "objectives": [o.pk], "owner": c.users["teacher"].pk, "priority": "A",
        "months": ["3", "4"], "due": "2025-04-30", "kind": "key", "source": "unit"})
    assert response.status_code == 302
    t = PlanTask.objects.get(plan=plan)
    assert t.months == [3, 4] and t.unit == c.units["it"] and list(t.objectives.all()) == [o]
    response = client.post(reverse("goals:onepage_task_add", args=[plan.pk]), {
        "title": "坏月份", "months": ["13"], "priority": "A", "kind": "key", "source": "unit"})
    assert response.status_code == 200 and "坏月份" in response.content.decode()
    assert client.post(reverse("goals:onepage_cost_add", args=[plan.pk]),
                       {"budget_line": "培训经费", "amount": "3"}).status_code == 302
    # The task's owner reports progress; the plan's page shows it.
    # (`login` re-logs the one test client in as someone else.)
    assert login(c.users["supervisor"]).get(reverse("goals:onepage_task_edit", args=[t.pk])).status_code == 403
    teacher = login(c.users["teacher"])
    assert teacher.get(reverse("goals:onepage_task_edit", args=[t.pk])).status_code == 404
    assert teacher.get(reverse("goals:onepage_detail", args=[plan.pk])).status_code == 404
    assert "修订课程标准" in teacher.get(reverse("goals:onepage_list")).content.decode()  # 我负责的任务
    assert teacher.get(reverse("goals:onepage_task_progress", args=[t.pk])).status_code == 200
    assert teacher.post(reverse("goals:onepage_task_progress", args=[t.pk]),
                        {"month": 3, "progress": 100, "note": "完成"}).status_code == 302
    t.refresh_from_db()
    assert t.state == "done"
    client = login(c.users["head"])
    assert client.post(reverse("goals:onepage_submit", args=[plan.pk])).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "submitted"
    client.post(reverse("goals:onepage_approve", args=[plan.pk]), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == "submitted"  # not the head's to approve
    login(c.users["quality"]).post(reverse("goals:onepage_approve", args=[plan.pk]), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == "approved"
    listing = login(c.users["quality"]).get(reverse("goals:onepage_list"), {"year": 2025, "status": "approved"})
    assert "信息学院年度计划" in listing.content.decode()
    assert "信息学院年度计划" not in login(c.users["quality"]).get(
        reverse("goals:onepage_list"), {"level": "major"}).content.decode()



# ---- the sheet fills its page, whatever the number of tasks ----------------------------------------------

def sized_plan(c, tasks: int, objectives: int = 6, costs: int = 3):
    """A plan with `tasks` tasks, long typed texts everywhere (the worst case for fitting the page)."""
    q = c.users["quality"]
    plan = onepage(c, "unit", c.units["it"])
    services.onepage_save(actor=q, plan=plan, data={
        "name": "信息工程学院 2025 年度一页纸工作计划", "leader": c.users["head"], "date": datetime.date(2025, 3, 1),
        "objective": LONG, "summary": LONG})
    objs = [objective(c, plan, f"第{i}个目标：" + LONG[:100]) for i in range(1, objectives + 1)]
    for i in range(tasks):
        t = task(c, plan, f"第{i + 1}项主要任务：" + LONG[:80], objs[i % objectives: i % objectives + 2],
                 months=list(range(1, 13)), priority="A")
        services.progress_report(actor=q, task=t, year=2025, month=3, progress=40)
    for i in range(costs):
        services.cost_save(actor=q, onepage=plan, data={"budget_line": f"经费科目{i + 1}", "amount": 10})
    return plan


def content_bottom(page) -> float:
    """How far down the page (px) the sheet's last box ends."""
    bottom = 0.0
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        if getattr(box, "element_tag", None) in ("td", "th", "p", "tr"):
            bottom = max(bottom, box.position_y + box.margin_height())
        stack.extend(getattr(box, "children", ()))
    return bottom


@pytest.mark.parametrize("count", [5, 16, 30])
def test_the_sheet_fills_one_page_at_any_size(college, count):
    plan = sized_plan(college, count)
    fit = printing.plan_fit(plan)
    assert not fit.spills
    document = printing.sheet_document(plan)
    assert len(document.pages) == 1  # at 30 tasks, no second page holding only 概述与预测
    page = document.pages[0]
    margin = 8 * 96 / 25.4
    # Not half blank: the sheet reaches at least 85 % down the printable height.
    assert content_bottom(page) - margin >= 0.85 * (page.height - 2 * margin)
    html = printing.sheet_html(plan)
    assert "概述与预测" in html and "编制人" in html and "审核人" in html and "批准人" in html
    assert pdf_pages(printing.sheet_pdf(plan)) == 1


def test_the_type_is_large_for_few_tasks_and_small_for_many(college):
    c = college
    sizes = {}
    for count in (5, 16, 30):
        plan = sized_plan(c, count)
        sizes[count] = printing.plan_fit(plan).font
        plan.delete()
    assert sizes[5] > sizes[16] > sizes[30] >= printing.FONTS[-1]
    assert sizes[5] >= 10


def test_the_editor_warns_before_the_plan_spills(college, login):
    c = college
    plan = sized_plan(c, 40)
    fit = printing.plan_fit(plan)
    assert fit.spills and "超出一页" in fit.warning
    # The estimate is right: the sheet does spill.
    assert len(printing.sheet_document(plan).pages) > 1
    client = login(c.users["quality"])
    assert "超出一页" in client.get(reverse("goals:onepage_detail", args=[plan.pk])).content.decode()
    assert "超出一页" in client.get(reverse("goals:onepage_task_add", args=[plan.pk])).content.decode()
    response = client.post(reverse("goals:onepage_task_add", args=[plan.pk]), {
        "title": "再加一项", "priority": "A", "months": ["3"], "kind": "key", "source": "unit"}, follow=True)
    assert "再加一项" in str(PlanTask.objects.filter(plan=plan).values_list("title", flat=True)[::1])
    assert "超出一页" in response.content.decode()  # said again on save


def test_the_signed_sheet_names_the_approver(college, login):
    c = college
    plan = sized_plan(c, 3)
    services.onepage_submit(actor=c.users["quality"], plan=plan)
    services.onepage_approve(actor=c.users["quality"], plan=plan)
    html = printing.sheet_html(OnePagePlan.objects.get(pk=plan.pk))
    assert "审核人（签字）" in html and c.users["quality"].display_name in html


# ---- forms: the object is chosen, progress is stated, an approved plan stays as approved ---------------------

def entity_values(html: str) -> set[str]:
    select = html[html.index('name="entity"'):]
    select = select[:select.index("</select>")]
    return set(re.findall(r'value="([a-z]+:\d+)"', select))


def test_the_new_plan_form_offers_only_what_the_user_may_plan_for(college, other, login):
    c = college
    head = login(c.users["head"]).get(reverse("goals:onepage_add")).content.decode()
    assert "对象代码" not in head and 'name="entity_code"' not in head
    values = entity_values(head)
    assert f"unit:{c.units['it'].pk}" in values and f"major:{c.majors['soft'].pk}" in values
    assert f"unit:{c.units['mech'].pk}" not in values and f"major:{c.majors['mech'].pk}" not in values
    quality = entity_values(login(c.users["quality"]).get(reverse("goals:onepage_add")).content.decode())
    assert f"unit:{c.units['mech'].pk}" in quality
    assert not {v for v in quality if v.split(":")[1] in {str(o.pk) for o in other.units.values()}
                and v.startswith("unit:")} - {f"unit:{u.pk}" for u in c.units.values()}
    assert f"unit:{other.units['it'].pk}" not in quality or other.units["it"].pk in {u.pk for u in c.units.values()}
    # A teacher has one choice: themself, already chosen.
    teacher = login(c.users["teacher"]).get(reverse("goals:onepage_add")).content.decode()
    assert entity_values(teacher) == {f"teacher:{c.teachers['t1'].pk}"} and "selected" in teacher
    # Forged ids are refused: another college's unit, a colleague, a level that is not planned.
    client = login(c.users["quality"])
    for forged in (f"unit:{other.units['it'].pk}", f"teacher:{other.teachers['t1'].pk}", "school:1", "unit:x"):
        response = client.post(reverse("goals:onepage_add"), {"entity": forged, "year": 2025})
        assert response.status_code == 200 and "只能为您负责的" in response.content.decode(), forged
    assert not OnePagePlan.objects.filter(institution=other.institution).exists()
    response = login(c.users["teacher"]).post(reverse("goals:onepage_add"),
                                              {"entity": f"teacher:{c.teachers['t2'].pk}", "year": 2025})
    assert response.status_code == 200 and not OnePagePlan.objects.filter(teacher=c.teachers["t2"]).exists()
    response = login(c.users["teacher"]).post(reverse("goals:onepage_add"),
                                              {"entity": f"teacher:{c.teachers['t1'].pk}", "year": 2025})
    assert response.status_code == 302 and OnePagePlan.objects.filter(teacher=c.teachers["t1"]).exists()
    # The plan form (规划) chooses its object the same way.
    plan_form = login(c.users["head"]).get(reverse("goals:plan_add")).content.decode()
    assert "对象代码" not in plan_form and f"unit:{c.units['it'].pk}" in entity_values(plan_form)


def test_the_monthly_progress_form_starts_empty_and_says_what_is_missing(college, login):
    c = college
    plan = onepage(c, "unit", c.units["it"])
    t = task(c, plan, "修订课程标准")
    services.progress_report(actor=c.users["quality"], task=t, year=2025, month=3, progress=40, note="调研")
    client = login(c.users["teacher"])
    page = client.get(reverse("goals:onepage_task_progress", args=[t.pk])).content.decode()
    form = page[page.index('<form method="post" class="card form"'):]
    form = form[:form.index("</form>")]
    assert 'value="40"' not in form and 'value="" selected' in form and re.search(r'value="\d+" selected', form) is None
    response = client.post(reverse("goals:onepage_task_progress", args=[t.pk]), {"month": "", "progress": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请选择填报的月份" in html and "请填写该月末的完成进度" in html and "请写明本月做了什么" in html
    assert ProgressUpdate.objects.filter(task=t).count() == 1


def test_an_approved_plan_keeps_its_lines(college, login):
    c = college
    q = c.users["quality"]
    plan = onepage(c, "unit", c.units["it"])
    o = objective(c, plan, "目标一")
    t = task(c, plan, "任务一", [o])
    cost = services.cost_save(actor=q, onepage=plan, data={"budget_line": "培训经费", "amount": 3})
    client = login(c.users["head"])
    draft = client.get(reverse("goals:onepage_detail", args=[plan.pk])).content.decode()
    assert reverse("goals:onepage_task_edit", args=[t.pk]) in draft
    services.onepage_submit(actor=q, plan=plan)
    services.onepage_approve(actor=q, plan=plan)
    page = client.get(reverse("goals:onepage_detail", args=[plan.pk])).content.decode()
    for name, pk in (("onepage_task_edit", t.pk), ("onepage_task_delete", t.pk), ("onepage_objective_edit", o.pk),
                     ("onepage_objective_delete", o.pk), ("onepage_cost_edit", cost.pk),
                     ("onepage_cost_delete", cost.pk)):
        assert reverse(f"goals:{name}", args=[pk]) not in page, name
    assert reverse("goals:onepage_task_add", args=[plan.pk]) not in page and "审核通过" in page
    # The server refuses too, with a message.
    response = client.post(reverse("goals:onepage_task_edit", args=[t.pk]), {
        "title": "改了", "priority": "A", "kind": "key", "source": "unit"})
    assert response.status_code == 200 and "已审核通过" in response.content.decode()
    response = client.post(reverse("goals:onepage_task_delete", args=[t.pk]), follow=True)
    assert "已审核通过" in response.content.decode() and PlanTask.objects.filter(pk=t.pk).exists()
    with pytest.raises(ValidationError):
        services.objective_save(actor=q, onepage=OnePagePlan.objects.get(pk=plan.pk), data={"text": "新目标"})
    with pytest.raises(ValidationError):
        services.onepage_save(actor=q, plan=OnePagePlan.objects.get(pk=plan.pk), data={"name": "改名"})
    assert PlanTask.objects.get(pk=t.pk).title == "任务一"
    # Monthly progress is still reported against the approved plan.
    services.progress_report(actor=c.users["teacher"], task=t, year=2025, month=4, progress=50, note="进行中")


def crumb_links(html: str) -> list[str]:
    crumbs = html[html.index('class="crumbs'):]
    crumbs = crumbs[:crumbs.index("</div>")]
    return re.findall(r'href="([^"]+)"', crumbs)


@pytest.mark.parametrize(("persona", "level", "entity"),
                         [("teacher", "teacher", "t1"), ("course_leader", "course", "java")])
def test_every_breadcrumb_of_a_plan_answers(college, login, persona, level, entity):
    c = college
    q = c.users["quality"]
    unit_plan = onepage(c, "unit", c.units["it"])
    basis = services.plan_save(actor=q, institution=c.institution, data={
        "kind": "sub", "name": "信息学院子规划", "start_year": 2021, "end_year": 2025, "state": "active",
        "entity": c.units["it"]})
    target = c.teachers[entity] if level == "teacher" else c.courses[entity]
    plan = onepage(c, level, target)
    services.onepage_save(actor=q, plan=plan, data={"parent": unit_plan, "plan": basis})
    client = login(c.users[persona])
    response = client.get(reverse("goals:onepage_detail", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert unit_plan.name in html  # the parent is named ...
    links = crumb_links(html) + re.findall(r'href="(/goals/plans/\d+/[^"]*)"', html)
    assert links
    for href in links:  # ... and every link shown answers
        assert client.get(href).status_code == 200, href
