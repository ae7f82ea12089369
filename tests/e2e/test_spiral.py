"""The spiral in the browser: a major leader runs the major's yearly cycle to its end — the 改进 stage waits
until the warned QC point has an improvement — then writes and submits the self-diagnosis report, which the
head signs; an over-long opinion is refused with a message naming the element and the count."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.diagnosis import adopt_framework, major_cycle, measure, point
from tests.e2e.conftest import pick_person, sign_in
from zhengai.diagnosis.models import Cycle, Improvement
from zhengai.monitoring.models import Warning
from zhengai.reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cycle(college):
    inst = college.institution
    adopt_framework(inst)
    soft = college.majors["soft"]
    qc = point(inst, "M90")
    m = measure(inst, qc, soft, "warning")
    warning = Warning.objects.create(institution=inst, qc_point=qc, period=m.period, measurement=m, level="major",
                                     entity_key=m.entity_key, major=soft, severity="normal",
                                     assigned_unit=college.units["it"])
    warning.owners.add(college.users["major_leader"])
    return major_cycle(college)


def test_major_leader_closes_the_cycle_and_the_head_signs_the_report(page, college, cycle):
    sign_in(page, "major_leader")
    page.goto(page.base_url + f"/diagnosis/cycles/{cycle.pk}/")
    # Each step asks for what it produces: a link for 目标, 标准 and 运行, a finding for 诊断.
    for note in ("对照专业建设规划确定年度目标", "修订专业教学标准", "按计划开展专业建设"):
        page.locator("#advance-form #id_evidence_url").fill("https://docs.example.edu.cn/soft")
        page.locator("#advance-form #id_note").fill(note)
        page.locator("#advance-form button").click()
        expect(page.get_by_text("已完成步骤")).to_be_visible()
    page.locator("#advance-form #id_finding_text").fill("M90 质控点预警：分析本学年质控点测量结果")
    page.locator("#advance-form button").click()
    # The 改进 stage is gated: the warned QC point has no improvement yet.
    expect(page.get_by_text("完成本步骤前还缺少")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("M90")

    page.goto(page.base_url + "/monitoring/warnings/mine/")
    page.locator("#warnings").get_by_role("link", name="M90 质控点M90").click()
    page.get_by_role("link", name="制定改进措施").click()
    page.locator("#id_measure").fill("增加企业实践课时，组织教师下企业锻炼")
    pick_person(page, "#id_owner", "软件专业带头人")
    page.locator("#id_deadline").fill("2025-06-30")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("增加企业实践课时")
    assert Improvement.objects.filter(qc_point__code="M90", major=college.majors["soft"]).count() == 1

    page.goto(page.base_url + f"/diagnosis/cycles/{cycle.pk}/")
    page.locator("#advance-form #id_improvement").select_option(label="增加企业实践课时，组织教师下企业锻炼")
    page.locator("#advance-form #id_note").fill("针对M90制定改进措施")
    page.locator("#advance-form button").click()
    expect(page.get_by_role("heading", name="所有步骤已完成")).to_be_visible()
    page.locator("#close-form textarea").fill("年度目标基本达成，M90 预警已制定改进措施")
    page.locator("#close-form button").click()
    expect(page.get_by_text("已完成").first).to_be_visible()
    cycle.refresh_from_db()
    assert cycle.state == "closed"

    # The report: an over-long opinion is refused with the element and the count; the text stays.
    page.goto(page.base_url + "/reports/")
    page.locator("#create select").select_option(label="专业：软件技术")
    page.locator("#create input[name=year]").fill("2024")
    page.locator("#create").get_by_role("button", name="生成报告").click()
    report = Report.objects.get(major=college.majors["soft"])
    first = report.rows.order_by("order").first()
    page.locator(f'[data-index-for="{first.pk}"]').click()   # the index opens the element's card
    page.locator(f"textarea[name=row-{first.pk}-achievements]").fill("专业建设成效明显。" * 250)
    page.locator(f"textarea[name=row-{first.pk}-problems]").fill("实践教学条件仍有不足。" * 100)
    page.locator("#report-form").get_by_role("button", name="保存").click()
    alert = page.locator(".messages .msg.error").filter(has_text="超过 3000 字")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(f"“{first.element_label}”")
    expect(alert).to_contain_text("最长，3350 字")
    expect(page.locator(f"textarea[name=row-{first.pk}-problems]")).to_have_value("实践教学条件仍有不足。" * 100)
    first.refresh_from_db()
    assert first.achievements == ""

    page.locator(f"textarea[name=row-{first.pk}-achievements]").fill("专业人才培养方案修订完成，双师比例提高。")
    page.locator(f"textarea[name=row-{first.pk}-problems]").fill("企业实践课时不足，原因是合作企业接收能力有限。")
    page.locator("#report-form").get_by_role("button", name="保存").click()
    page.get_by_role("button", name="报告人签字并提交").click()
    expect(page.locator("#state")).to_have_text("报告人已签字，待负责人签字")

    page.context.clear_cookies()
    sign_in(page, "head")
    page.goto(page.base_url + f"/reports/{report.pk}/")
    page.get_by_role("button", name="负责人签字").click()
    expect(page.locator("#state")).to_have_text("已签发")
    report.refresh_from_db()
    assert report.state == "signed" and report.head == college.users["head"] and report.frozen
    assert Cycle.objects.get(pk=cycle.pk).state == "closed"
