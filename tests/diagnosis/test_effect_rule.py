"""THE EFFECT RULE (seed 004 附件2 note 4): an improvement's effect is what was observed after the measure — it
must cite a measurement of the same QC point and entity computed after the measure started, or say the measure
was not carried out; a forecast is refused whatever it cites."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.diagnosis.test_improvements import ago, make_point, measure, raise_warning, started
from zhengai.core.periods import ensure_academic_year
from zhengai.diagnosis import improvements as svc
from zhengai.diagnosis.effects import forecast_word
from zhengai.monitoring.models import Measurement, Warning


@pytest.fixture
def year(db):
    # The academic year under way: an effect must come from data of a period that had not ended when the
    # measure began (measures here start today).
    today = timezone.localdate()
    return ensure_academic_year(today.year if today.month >= 9 else today.year - 1)


@pytest.fixture
def point(college):
    return make_point(college)


@pytest.fixture
def improvement(college, point, year):
    return started(college, point, year, college.majors["soft"], college.users["major_leader"])


def record(c, improvement, **kwargs):
    return svc.improvement_record_effect(actor=c.users["major_leader"], improvement=improvement, **kwargs)


@pytest.mark.parametrize("text,word", [
    ("预计下学期就业率达到85%", "预计"), ("就业率有望回升", "有望"), ("力争明年达标", "力争"),
    ("估计就业率将会提高", "估计"), ("计划将于三月开设就业课", "计划将"), ("争取年底前达标", "争取"),
    ("实现预期目标", "预期"),
])
def test_forecast_words_are_found(text, word):
    assert forecast_word(text) == word


@pytest.mark.parametrize("text", ["就业率由60%回升到85%", "复测达标，达到预期", "争取到专项经费20万元，新增岗位40个",
                                  "复测仍未达预期，就业率62%"])
def test_observations_are_not_forecasts(text):
    assert forecast_word(text) is None


def test_a_forecast_is_refused_even_with_a_citation(college, point, year, improvement):
    later = measure(college, point, year, college.majors["soft"], "86", version=2)
    with pytest.raises(ValidationError) as exc:
        record(college, improvement, effect="就业率已回升，预计明年将超过90%", measurement=later)
    assert "“预计”" in exc.value.messages[0]
    improvement.refresh_from_db()
    assert improvement.state == "in_progress" and improvement.effect == ""
    # Marked not carried out, a forecast is refused all the same.
    with pytest.raises(ValidationError, match="有望"):
        record(college, improvement, effect="下月实施后有望达标", not_carried_out=True)


def test_an_uncited_effect_is_refused(college, improvement):
    with pytest.raises(ValidationError) as exc:
        record(college, improvement, effect="就业率明显回升")
    assert "须引用措施实施之后的测量结果" in exc.value.message_dict["measurement"][0]
    improvement.refresh_from_db()
    assert improvement.state == "in_progress"


def test_a_measurement_over_data_older_than_the_start_is_refused(college, point, year, improvement):
    earlier = measure(college, point, year, college.majors["soft"], "88", when=ago(2), version=2)
    with pytest.raises(ValidationError, match="没有措施开始实施"):
        record(college, improvement, effect="就业率回升到88%", measurement=earlier)
    # Recomputed today, over the same old data: still no evidence of the measure.
    Measurement.objects.filter(pk=earlier.pk).update(computed_at=timezone.now())
    earlier.refresh_from_db()
    with pytest.raises(ValidationError, match="没有措施开始实施"):
        record(college, improvement, effect="就业率回升到88%", measurement=earlier)
    improvement.refresh_from_db()
    assert improvement.state == "in_progress" and improvement.effect_measurement is None


def test_a_later_measurement_is_accepted_and_resolves_the_warning(college, point, year, improvement):
    later = measure(college, point, year, college.majors["soft"], "86", version=2)
    done = record(college, improvement, effect="合作企业新增岗位，就业率由60%回升到86%", measurement=later)
    assert done.state == "effective" and done.effect_measurement == later
    assert done.effect == "合作企业新增岗位，就业率由60%回升到86%"
    assert Warning.objects.get(pk=improvement.warning_id).state == "resolved"


def test_a_later_failing_measurement_makes_it_ineffective(college, point, year, improvement):
    later = measure(college, point, year, college.majors["soft"], "65", version=2)
    done = record(college, improvement, effect="就业率仅回升到65%", measurement=later)
    assert done.state == "ineffective"
    w = Warning.objects.get(pk=improvement.warning_id)
    assert w.state == "open" and w.escalation_level == 1


def test_not_carried_out_is_accepted(college, point, year):
    c = college
    leader = c.users["major_leader"]
    w = raise_warning(c, point, year, c.majors["soft"], owners=[leader])
    planned = svc.improvement_create(actor=leader, warning=w, measure="引入企业导师", owner=leader,
                                     deadline=datetime.date(2026, 6, 30))
    # Without the mark, a text with nothing to cite is refused.
    with pytest.raises(ValidationError):
        record(c, planned, effect="企业导师已到位")
    done = record(c, planned, effect="", not_carried_out=True)
    assert done.state == "not_carried_out" and done.not_carried_out and done.effect == "措施尚未实施"
    explained = record(c, planned, effect="企业导师聘任手续尚在办理，措施尚未实施", not_carried_out=True)
    assert explained.effect == "企业导师聘任手续尚在办理，措施尚未实施"
    # Starting the measure later clears the mark.
    restarted = svc.improvement_start(actor=leader, improvement=explained, started_on=timezone.localdate())
    assert restarted.state == "in_progress" and not restarted.not_carried_out and restarted.effect == ""


def test_a_measurement_of_another_point_or_entity_is_refused(college, point, year, improvement):
    other_point = make_point(college, code="M91", name="专业对口率")
    with pytest.raises(ValidationError, match="不是该质控点的"):
        record(college, improvement, effect="对口率上升",
               measurement=measure(college, other_point, year, college.majors["soft"], "90"))
    with pytest.raises(ValidationError, match="不是该对象的"):
        record(college, improvement, effect="就业率上升",
               measurement=measure(college, point, year, college.majors["mech"], "90"))


def test_a_measure_not_started_cannot_cite_data(college, point, year):
    c = college
    leader = c.users["major_leader"]
    w = raise_warning(c, point, year, c.majors["soft"], owners=[leader])
    planned = svc.improvement_create(actor=leader, warning=w, measure="引入企业导师", owner=leader,
                                     deadline=datetime.date(2026, 6, 30))
    with pytest.raises(ValidationError, match="尚未开始实施"):
        record(c, planned, effect="就业率回升", measurement=measure(c, point, year, c.majors["soft"], "90"))


def test_a_start_cannot_be_back_dated_before_the_warning_or_lie_in_the_future(college, point, year):
    c = college
    leader = c.users["major_leader"]
    w = raise_warning(c, point, year, c.majors["soft"], owners=[leader])
    planned = svc.improvement_create(actor=leader, warning=w, measure="引入企业导师", owner=leader,
                                     deadline=datetime.date(2026, 6, 30))
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="不能早于问题发现之日"):
        svc.improvement_start(actor=leader, improvement=planned, started_on=today - datetime.timedelta(days=10))
    with pytest.raises(ValidationError, match="不能晚于今天"):
        svc.improvement_start(actor=leader, improvement=planned, started_on=today + datetime.timedelta(days=1))


def test_only_who_may_change_the_improvement_records_its_effect(college, point, year, improvement):
    from django.core.exceptions import PermissionDenied

    later = measure(college, point, year, college.majors["soft"], "86", version=2)
    with pytest.raises(PermissionDenied):
        svc.improvement_record_effect(actor=college.users["teacher"], improvement=improvement, effect="回升",
                                      measurement=later)


def test_data_of_a_year_that_ended_before_the_measure_began_is_no_effect(college, point, year, improvement):
    """Recomputed today, last year's data still tells nothing of a measure that began this year — neither as a
    cited effect nor when the recompute reports it."""
    old_year = ensure_academic_year(year.start.year - 2)
    old = measure(college, point, old_year, college.majors["soft"], "95", version=3)
    assert old.computed_at >= timezone.now() - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="之前已结束"):
        record(college, improvement, effect="就业率回升到95%", measurement=old)
    assert old not in svc.effect_candidates(college.users["major_leader"], improvement)
    svc.on_measurements_recorded(sender=None, institution=college.institution, period=old_year, qc_point=point,
                                 entity_keys=[old.entity_key])
    improvement.refresh_from_db()
    assert improvement.state == "in_progress" and improvement.effect_measurement is None
