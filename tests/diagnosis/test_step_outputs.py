"""Each step asks for what the seed says it produces: evidence (a file or a link), a diagnosis finding, or the
improvement it led to. A bare click is refused with a message naming what is needed, except on the steps that
only need a confirmation; the gates stay as they were."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhengai.diagnosis import services
from zhengai.diagnosis.choices import StageScheme, StepOutput
from zhengai.diagnosis.models import CycleStep, Finding, Stage

from . import improve, major_cycle, measure, point


def test_the_built_in_steps_ask_for_what_they_produce(college):
    major_cycle(college, scheme=StageScheme.SEED003)
    outputs = dict(Stage.objects.filter(institution=college.institution).values_list("name", "output"))
    assert outputs == {"目标": "evidence", "标准": "evidence", "计划": "evidence", "组织": "confirm",
                       "实施": "evidence", "诊断": "finding", "激励": "confirm", "学习": "evidence",
                       "创新": "evidence", "改进": "improvement"}


def test_a_bare_click_is_refused_with_what_is_needed(college):
    c = college
    leader = c.users["major_leader"]
    inst, soft = c.institution, c.majors["soft"]
    cycle = major_cycle(c)  # 目标 标准 运行 诊断 改进
    with pytest.raises(ValidationError) as exc:
        services.cycle_advance(actor=leader, cycle=cycle, note="点一下")
    assert "完成“目标”步骤需要提交证据" in str(exc.value) and "上传一个文件，或填写一个链接" in str(exc.value)
    for bad in ("javascript:alert(1)", "//evil.example.com/x", "ftp://x"):
        with pytest.raises(ValidationError):
            services.cycle_advance(actor=leader, cycle=cycle, evidence_url=bad)
    cycle = services.cycle_advance(actor=leader, cycle=cycle, evidence_url="https://docs.example.edu.cn/goals")
    step = CycleStep.objects.get(cycle=cycle, stage__name="目标")
    assert step.evidence_url == "https://docs.example.edu.cn/goals"
    # A file is evidence too, checked like every upload.
    with pytest.raises(ValidationError):
        services.cycle_advance(actor=leader, cycle=cycle,
                               evidence_file=SimpleUploadedFile("x.html", b"<script>alert(1)</script>"))
    cycle = services.cycle_advance(actor=leader, cycle=cycle,
                                   evidence_file=SimpleUploadedFile("专业标准.pdf", b"%PDF-1.4 standard"))
    step = CycleStep.objects.get(cycle=cycle, stage__name="标准")
    assert step.evidence_name == "专业标准.pdf" and step.evidence_file.name.endswith(".pdf")
    assert "专业标准" not in step.evidence_file.name  # stored under a generated name
    cycle = services.cycle_advance(actor=leader, cycle=cycle, evidence_url="/goals/onepage/")  # a platform page
    # 诊断: the measurement gate first, as before; then a finding.
    with pytest.raises(ValidationError) as exc:
        services.cycle_advance(actor=leader, cycle=cycle, evidence_url="https://x.edu.cn")
    assert "缺少测量结果" in str(exc.value)
    qc = point(inst, "M11")
    measure(inst, qc, soft, "warning")
    with pytest.raises(ValidationError) as exc:
        services.cycle_advance(actor=leader, cycle=cycle, evidence_url="https://x.edu.cn")
    assert "完成“诊断”步骤需要记录诊断发现" in str(exc.value)
    cycle = services.cycle_advance(actor=leader, cycle=cycle, finding_text="证书获取率低于预警值")
    step = CycleStep.objects.get(cycle=cycle, stage__name="诊断")
    assert step.finding == Finding.objects.get(cycle=cycle) and step.finding.text == "证书获取率低于预警值"
    # 改进: the improvement gate first, as before; then the link to the improvement.
    with pytest.raises(ValidationError) as exc:
        services.cycle_advance(actor=leader, cycle=cycle)
    assert "M11" in str(exc.value)
    action = improve(inst, qc, soft)
    other = improve(inst, qc, c.majors["mech"])
    with pytest.raises(ValidationError) as exc:
        services.cycle_advance(actor=leader, cycle=cycle, evidence_url="https://x.edu.cn")
    assert "完成“改进”步骤需要关联一项改进措施" in str(exc.value)
    with pytest.raises(ValidationError):
        services.cycle_advance(actor=leader, cycle=cycle, improvement=other)
    cycle = services.cycle_advance(actor=leader, cycle=cycle, improvement=action)
    assert CycleStep.objects.get(cycle=cycle, stage__name="改进").improvement == action
    assert cycle.stage is None


def test_a_confirmation_step_passes_with_a_click(college):
    c = college
    cycle = major_cycle(c, scheme=StageScheme.SEED003)
    Stage.objects.filter(institution=c.institution, name="目标").update(output=StepOutput.CONFIRM)
    cycle.refresh_from_db()
    cycle = services.cycle_advance(actor=c.users["major_leader"], cycle=cycle)
    assert cycle.stage.name == "标准"


def test_the_page_asks_for_the_steps_output_and_keeps_the_refusal(college, login):
    c = college
    cycle = major_cycle(c)
    client = login(c.users["major_leader"])
    url = reverse("diagnosis:cycle_detail", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert "本步骤须提交" in page and 'name="evidence_file"' in page and 'name="evidence_url"' in page
    response = client.post(url, {"action": "advance", "note": "我写的记录"})
    body = response.content.decode()
    assert response.status_code == 200 and "需要提交证据" in body and "我写的记录" in body
    cycle.refresh_from_db()
    assert cycle.stage.name == "目标"
    upload = SimpleUploadedFile("年度目标.docx", b"PK\x03\x04 goals")
    assert client.post(url, {"action": "advance", "evidence_file": upload}).status_code == 302
    step = CycleStep.objects.get(cycle=cycle)
    page = client.get(url).content.decode()
    evidence = reverse("diagnosis:step_evidence", args=[step.pk])
    assert evidence in page and "年度目标.docx" in page
    response = client.get(evidence)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    # Whoever may not see the cycle may not fetch its evidence.
    assert login(c.users["teacher"]).get(evidence).status_code == 404


def test_an_improvement_recorded_in_the_cycle_is_the_steps_link(college):
    c = college
    inst, soft = c.institution, c.majors["soft"]
    cycle = major_cycle(c)
    Stage.objects.filter(institution=inst).exclude(name="改进").update(output=StepOutput.CONFIRM)
    qc = point(inst, "M11")
    measure(inst, qc, soft, "warning")
    for _ in range(4):
        cycle = services.cycle_advance(actor=None, cycle=cycle)
    action = improve(inst, qc, soft, cycle=cycle)
    cycle = services.cycle_advance(actor=None, cycle=cycle)
    assert CycleStep.objects.get(cycle=cycle, stage__name="改进").improvement == action
