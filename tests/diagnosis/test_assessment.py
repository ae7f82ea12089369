"""考核性诊断: the institution's assessors judge a cycle's self-diagnosis element by element — a disagreement needs a
reason and a deadline; elements come from the adopted framework; teachers and outsiders cannot record one."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from zhengai.diagnosis import services
from zhengai.diagnosis.choices import CycleState, DiagnosisKind
from zhengai.diagnosis.models import Assessment, AssessmentItem

from . import adopt_framework, major_cycle

DEADLINE = datetime.date(2025, 6, 30)


@pytest.fixture
def elements(college):
    return adopt_framework(college.institution)


def test_disagreeing_needs_a_reason_and_a_deadline(college, elements):
    c = college
    cycle = major_cycle(c, kind=DiagnosisKind.ASSESSMENT)
    quality = c.users["quality"]
    with pytest.raises(ValidationError) as exc:
        services.assessment_record(actor=quality, cycle=cycle, conclusion="总体达标", deadline=DEADLINE,
                                   items=[(elements[0], True, ""), (elements[1], False, "  ")])
    assert "实训条件" in str(exc.value) and "理由" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.assessment_record(actor=quality, cycle=cycle, conclusion="总体达标", deadline=None,
                                   items=[(elements[1], False, "实训工位不足，自评偏高")])
    assert "限期改进" in str(exc.value)
    assert not Assessment.objects.exists()
    assessment = services.assessment_record(actor=quality, cycle=cycle, conclusion="总体达标，实训条件须改进",
                                            deadline=DEADLINE,
                                            items=[(elements[0], True, ""),
                                                   (elements[1], False, "实训工位不足，自评偏高")])
    assert assessment.assessor == quality and assessment.deadline == DEADLINE
    items = {i.element_id: i for i in AssessmentItem.objects.filter(assessment=assessment)}
    assert items[elements[0].pk].agrees and not items[elements[1].pk].agrees
    assert items[elements[1].pk].reason == "实训工位不足，自评偏高"


def test_elements_must_belong_to_the_adopted_framework(college, elements):
    c = college
    foreign = adopt_framework(None, adopt=False)
    cycle = major_cycle(c, kind=DiagnosisKind.ASSESSMENT)
    with pytest.raises(ValidationError) as exc:
        services.assessment_record(actor=c.users["leader"], cycle=cycle, conclusion="意见", deadline=None,
                                   items=[(foreign[0], True, "")])
    assert "不属于本院校采用的诊断项目表" in str(exc.value)


def test_only_assessment_cycles_and_closed_self_cycles_are_assessed(college, elements):
    c = college
    open_self = major_cycle(c)
    with pytest.raises(ValidationError):
        services.assessment_record(actor=c.users["quality"], cycle=open_self, conclusion="意见", deadline=None,
                                   items=[(elements[0], True, "")])
    closed_self = major_cycle(c, "mech", state=CycleState.CLOSED)
    assert services.assessment_record(actor=c.users["supervisor"], cycle=closed_self, conclusion="意见",
                                      deadline=None, items=[(elements[0], True, "")]).pk


def test_a_teacher_cannot_record_an_assessment(college, elements, other, login):
    c = college
    cycle = major_cycle(c, kind=DiagnosisKind.ASSESSMENT)
    with pytest.raises(PermissionDenied):
        services.assessment_record(actor=c.users["teacher"], cycle=cycle, conclusion="意见", deadline=None,
                                   items=[(elements[0], True, "")])
    url = reverse("diagnosis:assessment_add", args=[cycle.pk])
    # The major leader sees their cycle but is not the level above: 403. The outsider sees nothing: 404.
    assert login(c.users["major_leader"]).get(url).status_code == 403
    assert login(c.users["major_leader"]).post(url, {"conclusion": "x"}).status_code == 403
    assert login(other.users["quality"]).get(url).status_code == 404
    # A teacher of another major does not even see the cycle.
    assert login(c.users["teacher"]).post(url, {"conclusion": "x"}).status_code == 404


def test_the_assessment_page_lists_the_elements_and_keeps_what_was_typed(college, elements, login):
    c = college
    cycle = major_cycle(c, kind=DiagnosisKind.ASSESSMENT)
    client = login(c.users["quality"])
    url = reverse("diagnosis:assessment_add", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert "专业定位" in page and "实训条件" in page
    e0, e1 = elements
    response = client.post(url, {"conclusion": "我的总体意见", "deadline": "2025-06-30",
                                 f"agree_{e0.pk}": "yes", f"agree_{e1.pk}": "no", f"reason_{e1.pk}": ""})
    body = response.content.decode()
    assert response.status_code == 200 and "不认同自我诊断时须说明理由" in body and "我的总体意见" in body
    response = client.post(url, {"conclusion": "我的总体意见", "deadline": "2025-06-30",
                                 f"agree_{e0.pk}": "yes", f"agree_{e1.pk}": "no", f"reason_{e1.pk}": "工位不足"})
    assert response.status_code == 302
    detail = client.get(reverse("diagnosis:cycle_detail", args=[cycle.pk])).content.decode()
    assert "工位不足" in detail and "2025-06-30" in detail
    # The owner sees the verdict on their cycle.
    assert "工位不足" in login(c.users["major_leader"]).get(
        reverse("diagnosis:cycle_detail", args=[cycle.pk])).content.decode()
