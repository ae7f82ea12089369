"""Running a cycle: each gate refuses with a message naming what is missing and passes once it is there;
closing; carrying unfinished improvements into next year's goals; who may run which cycle; the settings."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from zhengai.diagnosis import services
from zhengai.diagnosis.choices import CycleState, DiagnosisKind, StageScheme
from zhengai.diagnosis.models import CycleStep, ScheduleTemplate, Stage
from zhengai.goals.models import Goal, Plan

from . import advance, improve, major_cycle, measure, point


def advance_to(cycle, name, actor=None):
    """Pass stages until `name` is the current one."""
    while cycle.stage.name != name:
        cycle = advance(actor=actor, cycle=cycle, note="完成")
    return cycle


def test_diagnosis_stage_needs_the_years_measurements(college):
    c = college
    cycle = advance_to(major_cycle(c), "诊断")
    with pytest.raises(ValidationError) as exc:
        advance(actor=c.users["major_leader"], cycle=cycle, note="诊断")
    assert "缺少测量结果" in str(exc.value) and "软件技术" in str(exc.value)
    assert cycle.stage.name == "诊断"
    # A measurement of another major does not count; one of this major in the year does.
    measure(c.institution, point(c.institution, "M01"), c.majors["mech"], "pass")
    with pytest.raises(ValidationError):
        advance(actor=c.users["major_leader"], cycle=cycle, note="诊断")
    measure(c.institution, point(c.institution, "M02"), c.majors["soft"], "pass")
    cycle = advance(actor=c.users["major_leader"], cycle=cycle, note="对照标准诊断")
    assert cycle.stage.name == "改进"
    step = CycleStep.objects.get(cycle=cycle, stage__name="诊断")
    assert step.done_by == c.users["major_leader"] and step.note == "对照标准诊断"


def test_no_data_does_not_pass_the_diagnosis_gate(college):
    """Measurements that are all 无数据 give nothing to diagnose: the gate names them, and passes once the ones
    that count (a newer data version) have data — every one of them."""
    c = college
    cycle = advance_to(major_cycle(c), "诊断")
    blank = measure(c.institution, point(c.institution, "M03"), c.majors["soft"], "no_data")
    other = measure(c.institution, point(c.institution, "M04"), c.majors["soft"], "no_data")
    with pytest.raises(ValidationError) as exc:
        advance(actor=c.users["major_leader"], cycle=cycle, note="诊断")
    assert "无数据" in str(exc.value) and "M03 质控点M03" in str(exc.value) and "M04" in str(exc.value)
    cycle.refresh_from_db()
    assert cycle.stage.name == "诊断"
    blank.pk, blank.version, blank.status, blank.value = None, 2, "warning", 40
    blank.save()
    with pytest.raises(ValidationError) as exc:
        advance(actor=c.users["major_leader"], cycle=cycle, note="诊断")
    assert "M04" in str(exc.value) and "M03" not in str(exc.value)
    other.pk, other.version, other.status, other.value = None, 2, "pass", 30
    other.save()
    cycle = advance(actor=c.users["major_leader"], cycle=cycle, note="对照标准诊断")
    assert cycle.stage.name == "改进"


def test_close_needs_all_stages_and_an_improvement_for_every_flagged_point(college):
    c = college
    inst, soft = c.institution, c.majors["soft"]
    warned, failed, passed = point(inst, "M11"), point(inst, "M12"), point(inst, "M13")
    measure(inst, warned, soft, "warning")
    measure(inst, failed, soft, "fail")
    measure(inst, passed, soft, "pass")
    cycle = major_cycle(c)
    with pytest.raises(ValidationError) as exc:
        services.cycle_close(actor=None, cycle=cycle, summary="结论")
    assert "还有步骤未完成" in str(exc.value)
    cycle = advance_to(cycle, "改进")
    # The 改进 stage's gate names both flagged points and not the passing one.
    with pytest.raises(ValidationError) as exc:
        advance(actor=None, cycle=cycle)
    text = str(exc.value)
    assert "M11" in text and "M12" in text and "M13" not in text
    improve(inst, warned, soft)
    with pytest.raises(ValidationError) as exc:
        advance(actor=None, cycle=cycle)
    assert "M12" in str(exc.value) and "M11" not in str(exc.value)
    # An improvement of another major naming the point does not count.
    improve(inst, failed, c.majors["mech"])
    with pytest.raises(ValidationError):
        advance(actor=None, cycle=cycle)
    improve(inst, failed, soft, state="in_progress")
    cycle = advance(actor=None, cycle=cycle)
    assert cycle.stage is None
    with pytest.raises(ValidationError) as exc:
        services.cycle_close(actor=None, cycle=cycle, summary="  ")
    assert "诊断结论" in str(exc.value)
    cycle = services.cycle_close(actor=None, cycle=cycle, summary="证书获取率偏低，已制定改进措施")
    assert cycle.state == CycleState.CLOSED and cycle.closed_at is not None
    with pytest.raises(ValidationError):
        advance(actor=None, cycle=cycle)


def test_close_is_refused_when_an_improvement_is_missing_even_after_all_stages(college):
    """Measurements that warn after the 改进 stage was passed still block closing."""
    c = college
    inst, soft = c.institution, c.majors["soft"]
    measure(inst, point(inst, "M01"), soft, "pass")
    cycle = major_cycle(c)
    for _ in range(5):
        cycle = advance(actor=None, cycle=cycle)
    late = point(inst, "M20")
    measure(inst, late, soft, "fail")
    with pytest.raises(ValidationError) as exc:
        services.cycle_close(actor=None, cycle=cycle, summary="结论")
    assert "M20" in str(exc.value)
    improve(inst, late, soft)
    assert services.cycle_close(actor=None, cycle=cycle, summary="结论").state == CycleState.CLOSED


def closed_cycle_with_improvements(c):
    inst, soft = c.institution, c.majors["soft"]
    qc = point(inst, "M11")
    measure(inst, qc, soft, "warning")
    cycle = major_cycle(c)
    open_one = improve(inst, qc, soft, measure="增加考证辅导", state="in_progress")
    done = improve(inst, qc, soft, measure="已见效的措施", state="effective")
    open_one.cycle = cycle
    open_one.save()
    for _ in range(5):
        cycle = advance(actor=None, cycle=cycle)
    cycle = services.cycle_close(actor=None, cycle=cycle, summary="结论")
    return cycle, open_one, done


def test_carry_forward_makes_a_goal_once_in_the_entitys_plan(college):
    c = college
    cycle, open_one, done = closed_cycle_with_improvements(c)
    with pytest.raises(ValidationError) as exc:
        services.cycle_carry_forward(actor=c.users["major_leader"], cycle=cycle)
    assert "还没有规划" in str(exc.value)
    soft = c.majors["soft"]
    plan = Plan.objects.create(institution=c.institution, level="major", entity_key=f"major:{soft.pk}", major=soft,
                               kind="major", name="软件技术专业建设规划", start_year=2021, end_year=2025)
    goals = services.cycle_carry_forward(actor=c.users["major_leader"], cycle=cycle)
    assert [g.title for g in goals] == ["改进：增加考证辅导"] and goals[0].plan == plan
    open_one.refresh_from_db()
    done.refresh_from_db()
    assert open_one.next_goal == goals[0] and done.next_goal is None
    assert services.cycle_carry_forward(actor=c.users["major_leader"], cycle=cycle) == []
    assert Goal.objects.filter(plan=plan).count() == 1


def test_carry_forward_waits_for_the_cycle_to_close(college):
    cycle = major_cycle(college)
    with pytest.raises(ValidationError):
        services.cycle_carry_forward(actor=None, cycle=cycle)


def test_a_major_leader_runs_their_majors_cycle_and_not_anothers(college, other, login):
    c = college
    mine = major_cycle(c, "soft")
    theirs = major_cycle(c, "mech")
    client = login(c.users["major_leader"])
    page = client.get(reverse("diagnosis:cycle_detail", args=[mine.pk]))
    assert page.status_code == 200 and "软件技术" in page.content.decode()
    response = client.post(reverse("diagnosis:cycle_detail", args=[mine.pk]), {"action": "advance", "note": "定目标",
                                                                          "evidence_url": "https://x.edu.cn/a"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.stage.name == "标准"
    assert client.get(reverse("diagnosis:cycle_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("diagnosis:cycle_detail", args=[theirs.pk]), {"action": "advance"}).status_code == 404
    # The outsider from another college and a student see nothing.
    assert login(other.users["quality"]).get(reverse("diagnosis:cycle_detail", args=[mine.pk])).status_code == 404
    assert login(c.users["student"]).get(reverse("diagnosis:cycle_detail", args=[mine.pk])).status_code == 404
    # The list shows the leader's own major only; the quality office sees both.
    listed = login(c.users["major_leader"]).get(reverse("diagnosis:cycle_list")).content.decode()
    assert "软件技术" in listed and "机械设计与制造" not in listed
    listed = login(c.users["quality"]).get(reverse("diagnosis:cycle_list")).content.decode()
    assert "软件技术" in listed and "机械设计与制造" in listed


def test_the_gate_refusal_shows_on_the_page_and_keeps_the_note(college, login):
    cycle = advance_to(major_cycle(college), "诊断")
    client = login(college.users["major_leader"])
    page = client.post(reverse("diagnosis:cycle_detail", args=[cycle.pk]), {"action": "advance", "note": "我写的记录"})
    body = page.content.decode()
    assert page.status_code == 200 and "缺少测量结果" in body and "我写的记录" in body


def test_an_assessment_cycle_is_run_by_the_level_above_not_its_owner(college, login):
    c = college
    cycle = major_cycle(c, kind=DiagnosisKind.ASSESSMENT)
    owner = login(c.users["major_leader"])
    assert owner.get(reverse("diagnosis:cycle_detail", args=[cycle.pk])).status_code == 200
    assert owner.post(reverse("diagnosis:cycle_detail", args=[cycle.pk]), {"action": "advance"}).status_code == 403
    with pytest.raises(PermissionDenied):
        advance(actor=c.users["major_leader"], cycle=cycle)
    supervisor = login(c.users["supervisor"])
    assert supervisor.post(reverse("diagnosis:cycle_detail", args=[cycle.pk]),
                           {"action": "advance", "evidence_url": "https://x.edu.cn/a"}).status_code == 302


def test_finding_names_an_element_of_the_adopted_framework(college):
    from . import adopt_framework

    c = college
    elements = adopt_framework(c.institution)
    foreign = adopt_framework(None, adopt=False)
    cycle = major_cycle(c)
    finding = services.finding_add(actor=c.users["major_leader"], cycle=cycle, element=elements[0], qc_point=None,
                                   text="实训条件不足", cause="设备老化")
    assert finding.created_by == c.users["major_leader"]
    with pytest.raises(ValidationError):
        services.finding_add(actor=None, cycle=cycle, element=foreign[0], qc_point=None, text="x", cause="")


def test_cycle_list_filters_searches_and_counts(college, login):
    c = college
    major_cycle(c, "soft")
    closed = major_cycle(c, "mech", kind=DiagnosisKind.ASSESSMENT, state=CycleState.CLOSED)
    client = login(c.users["quality"])
    page = client.get(reverse("diagnosis:cycle_list"))
    assert page.context["counts"] == {"open": 1, "closed": 1}
    page = client.get(reverse("diagnosis:cycle_list"), {"state": "closed"})
    assert [x.pk for x in page.context["page"].object_list] == [closed.pk]
    page = client.get(reverse("diagnosis:cycle_list"), {"q": "机械"})
    assert [x.pk for x in page.context["page"].object_list] == [closed.pk]
    page = client.get(reverse("diagnosis:cycle_list"), {"kind": "self", "period": "2024-2025"})
    assert page.context["counts"] == {"open": 1, "closed": 0}
    empty = login(c.users["teacher"]).get(reverse("diagnosis:cycle_list"))
    assert empty.status_code == 200 and "还没有您负责或可以查看的诊改周期" in empty.content.decode()


def test_settings_quality_office_edits_others_only_view(college, login):
    c = college
    quality = login(c.users["quality"])
    assert quality.post(reverse("diagnosis:settings"), {"action": "scheme", "scheme": "seed003"}).status_code == 302
    assert list(Stage.objects.filter(institution=c.institution).values_list("name", flat=True)) == [
        "目标", "标准", "计划", "组织", "实施", "诊断", "激励", "学习", "创新", "改进"]
    assert quality.post(reverse("diagnosis:settings"), {"action": "schedule_defaults"}).status_code == 302
    assert ScheduleTemplate.objects.filter(institution=c.institution).count() == len(services.DEFAULT_TEMPLATES)
    teacher = login(c.users["teacher"])
    assert teacher.get(reverse("diagnosis:settings")).status_code == 200
    assert teacher.post(reverse("diagnosis:settings"), {"action": "schedule_defaults"}).status_code == 403
    assert login(c.users["major_leader"]).post(reverse("diagnosis:settings"),
                                               {"action": "scheme", "scheme": "seed001"}).status_code == 403


def test_stages_rename_reorder_add_and_scheme_change_refused_while_cycles_are_open(college, login):
    c = college
    inst = c.institution
    cycle = major_cycle(c, scheme=StageScheme.SEED001)
    with pytest.raises(ValidationError) as exc:
        services.stages_install(actor=c.users["quality"], institution=inst, scheme=StageScheme.SEED003)
    assert "进行中的诊改周期" in str(exc.value)
    stages = list(Stage.objects.filter(institution=inst).order_by("order"))
    client = login(c.users["quality"])
    client.post(reverse("diagnosis:settings"), {"action": "stage_update", "stage": stages[2].pk,
                                                f"s{stages[2].pk}-name": "实施", f"s{stages[2].pk}-gate": "",
                                                f"s{stages[2].pk}-description": "按计划实施"})
    client.post(reverse("diagnosis:settings"), {"action": "stage_down", "stage": stages[0].pk})
    client.post(reverse("diagnosis:settings"), {"action": "stage_add", "new-name": "激励", "new-gate": "",
                                                "new-description": ""})
    names = list(Stage.objects.filter(institution=inst).order_by("order").values_list("name", flat=True))
    assert names == ["标准", "目标", "实施", "诊断", "改进", "激励"]
    # The open cycle still stands on 目标, which it has not passed; then it goes on with 标准, the first not passed.
    cycle.refresh_from_db()
    cycle = advance(actor=None, cycle=cycle)
    assert cycle.stage.name == "标准"
    with pytest.raises(PermissionDenied):
        services.stage_add(actor=c.users["teacher"], institution=inst, name="学习")


def test_one_no_data_point_beside_measured_ones_blocks_the_diagnosis_gate(college):
    """Issue 11 fault 5: 无数据 does not pass the gate — not only when every point is 无数据. The message names the
    point without data, not the measured one; once it has data the gate passes."""
    c = college
    cycle = advance_to(major_cycle(c), "诊断")
    measure(c.institution, point(c.institution, "M01"), c.majors["soft"], "pass")
    blank = measure(c.institution, point(c.institution, "M03"), c.majors["soft"], "no_data")
    with pytest.raises(ValidationError) as exc:
        advance(actor=c.users["major_leader"], cycle=cycle, note="诊断")
    text = str(exc.value)
    assert "无数据" in text and "M03 质控点M03" in text and "M01" not in text
    cycle.refresh_from_db()
    assert cycle.stage.name == "诊断"
    blank.pk, blank.version, blank.status, blank.value = None, 2, "pass", 2600
    blank.save()
    cycle = advance(actor=c.users["major_leader"], cycle=cycle, note="对照标准诊断")
    assert cycle.stage.name == "改进"
