"""The vote, its anonymity, thresholds at their boundaries, timing, and the close into the state data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from zhengai.evaluation import selectors, services
from zhengai.evaluation.choices import InstrumentKind, TextReview
from zhengai.evaluation.models import (
    Instrument,
    Participation,
    RatingCounter,
    Target,
    TextAnswer,
    Window,
)
from zhengai.monitoring.models import Notification
from zhengai.statedata.models import Evaluation

from .conftest import answers, offering, open_window, students

pytestmark = pytest.mark.django_db


def _target(window, **kw) -> Target:
    return Target.objects.select_related("window__instrument").get(window=window, **kw)


# ---- anonymity -------------------------------------------------------------------------------------------

ANSWER_MODELS = [RatingCounter, TextAnswer]


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_answers_have_no_path_to_a_user_and_no_time(model):
    """By schema: no answer row has a time, a sequential key, or a foreign-key path that reaches a user other
    than through the target (and a target names no voter)."""
    fields = model._meta.get_fields()
    assert not any(isinstance(f, models.DateField | models.DateTimeField | models.TimeField) for f in fields)
    assert isinstance(model._meta.pk, models.UUIDField)
    assert model._meta.ordering in ([], ["id"], ["target", "item__number", "value"])
    from django.contrib.auth import get_user_model

    def reaches_user(m, seen):
        for f in m._meta.get_fields():
            if not (f.is_relation and f.many_to_one or f.one_to_one) or not f.concrete:
                continue
            if f.related_model is get_user_model():
                return f"{m.__name__}.{f.name}"
            if f.related_model not in seen and f.related_model._meta.app_label == "evaluation":
                found = reaches_user(f.related_model, seen | {f.related_model})
                if found:
                    return found
        return None

    assert reaches_user(model, {model}) is None
    # Participation names the voter and nothing of what they answered, and no time either.
    names = {f.name for f in Participation._meta.get_fields()}
    assert names == {"id", "target", "voter"}


def test_two_votes_leave_counters_that_cannot_tell_who_gave_which(term):
    c, a, b = term["c"], term["voters"][0], term["voters"][1]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    services.vote(user=a, target=target, answers=answers(target, 0, "讲得很好"))
    snapshot_after_a = sorted(RatingCounter.objects.filter(target=target).values_list("item_id", "value", "count"))
    services.vote(user=b, target=target, answers=answers(target, 4, "节奏太快"))
    rows = list(RatingCounter.objects.filter(target=target).values("item_id", "value", "count"))
    # Only counts remain: for every item one vote for 优秀 and one for 差, whatever the order of the votes.
    first_item = target.window.instrument.rating_items[0].pk
    assert sorted((r["value"], r["count"]) for r in rows if r["item_id"] == first_item) == [
        (0, 1), (1, 0), (2, 0), (3, 0), (4, 1)]
    # Every counter row existed from the first vote, so row creation tells nothing.
    assert len(snapshot_after_a) == len(rows)
    texts = list(TextAnswer.objects.filter(target=target).values_list("text", flat=True))
    assert sorted(texts) == ["节奏太快", "讲得很好"]
    assert texts == [t.text for t in TextAnswer.objects.filter(target=target).order_by("id")]
    assert set(Participation.objects.filter(target=target).values_list("voter_id", flat=True)) == {a.pk, b.pk}


# ---- one vote, voters, timing ----------------------------------------------------------------------------


def test_a_second_vote_is_refused_and_changes_nothing(term):
    c, a = term["c"], term["voters"][0]
    target = _target(open_window(c), offering=term["java"])
    services.vote(user=a, target=target, answers=answers(target, 1))
    before = sorted(RatingCounter.objects.filter(target=target).values_list("item_id", "value", "count"))
    with pytest.raises(ValidationError, match="每人只能评价一次"):
        services.vote(user=a, target=target, answers=answers(target, 2))
    assert sorted(RatingCounter.objects.filter(target=target).values_list("item_id", "value", "count")) == before
    assert Participation.objects.filter(target=target).count() == 1


def test_a_non_voter_is_refused(term, other):
    c = term["c"]
    target = _target(open_window(c), offering=term["java"])
    for user in (c.users["teacher"], c.users["quality"], other.users["student"]):
        with pytest.raises(ValidationError, match="不是该对象的参评人"):
            services.vote(user=user, target=target, answers=answers(target, 0))
    assert not Participation.objects.exists()


def test_votes_outside_the_window_are_refused(term):
    c, a = term["c"], term["voters"][0]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    with pytest.raises(ValidationError, match="不在评价时间内"):
        services.vote(user=a, target=target, answers=answers(target), now=window.opens_at - datetime.timedelta(1))
    with pytest.raises(ValidationError, match="不在评价时间内"):
        services.vote(user=a, target=target, answers=answers(target), now=window.closes_at)
    services.vote(user=a, target=target, answers=answers(target), now=window.closes_at - datetime.timedelta(0, 1))


def test_every_rating_must_be_answered(term):
    c, a = term["c"], term["voters"][0]
    target = _target(open_window(c), offering=term["java"])
    partial = answers(target, 0)
    partial.pop(target.window.instrument.rating_items[0].pk)
    with pytest.raises(ValidationError, match="请为"):
        services.vote(user=a, target=target, answers=partial)
    assert not Participation.objects.exists() and not RatingCounter.objects.exists()


def test_teachers_evaluate_the_classes_they_teach(term):
    c = term["c"]
    window = open_window(c, InstrumentKind.LEARNING, name="期中评学")
    target = _target(window, offering=term["java"])
    assert target.klass == c.classes["soft1"]
    services.vote(user=c.users["teacher"], target=target, answers=answers(target, 0))
    with pytest.raises(ValidationError):
        services.vote(user=term["voters"][0], target=target, answers=answers(target, 0))


# ---- thresholds ------------------------------------------------------------------------------------------


def test_thresholds_cannot_go_below_the_defaults(term):
    c = term["c"]
    with pytest.raises(ValidationError) as e:
        open_window(c, min_voters=4)
    assert "min_voters" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        open_window(c, min_share=19)
    assert "min_share" in e.value.message_dict
    assert open_window(c, min_voters=8, min_share=50).min_voters == 8


def _closed_result(window, target):
    services.window_close(actor=None, window=window)
    t = selectors.with_counts(Target.objects.filter(pk=target.pk).select_related("window__instrument")).get()
    return selectors.results([t])[t.pk]


@pytest.mark.parametrize("votes, shown", [(4, False), (5, True)])
def test_min_voters_at_its_boundary(term, votes, shown):
    c = term["c"]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    for user in term["voters"][:votes]:
        services.vote(user=user, target=target, answers=answers(target, 0))
    result = _closed_result(window, target)
    assert (result.voters, result.participants, result.publishable) == (votes, 7, shown)


@pytest.mark.parametrize("asked, shown", [(25, True), (26, False)])
def test_min_share_at_its_boundary(college, asked, shown):
    """5 voters of 25 asked is 20 %: shown; of 26 it is below: hidden."""
    c = college
    users = students(c, asked)
    o = offering(c, "BIG-01", "java", ["t1"], users)
    window = open_window(c)
    target = _target(window, offering=o)
    for user in users[:5]:
        services.vote(user=user, target=target, answers=answers(target, 1))
    assert _closed_result(window, target).publishable is shown


# ---- results, review, close ------------------------------------------------------------------------------


def test_scores_and_the_close_feed_the_state_data(term):
    c = term["c"]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    for i, user in enumerate(term["voters"][:6]):
        services.vote(user=user, target=target, answers=answers(target, 0 if i < 3 else 1, f"意见{i}"))
    result = _closed_result(window, target)
    assert result.score == Decimal("90.00")           # three 95s and three 85s on every item
    assert result.items[0].distribution[:2] == [("优秀", 3, 50), ("良好", 3, 50)]
    row = Evaluation.objects.get(institution=c.institution, teacher=c.teachers["t1"], course=c.courses["java"])
    assert (row.period.code, row.expected, row.participated, row.score) == ("2025-2026", 7, 6, Decimal("90.00"))
    window.refresh_from_db()
    assert window.finalised_at and not window.is_open()
    with pytest.raises(ValidationError):
        services.window_close(actor=None, window=window)


def test_a_result_below_the_threshold_feeds_counts_but_no_score(term):
    c = term["c"]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    services.vote(user=term["voters"][0], target=target, answers=answers(target, 0))
    services.window_close(actor=None, window=window)
    row = Evaluation.objects.get(institution=c.institution)
    assert (row.expected, row.participated, row.score) == (7, 1, None)


def test_texts_are_withheld_until_reviewed(term):
    c = term["c"]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    for i, user in enumerate(term["voters"][:5]):
        services.vote(user=user, target=target, answers=answers(target, 0, f"意见{i}"))
    services.window_close(actor=None, window=window)
    teacher, head = c.users["teacher"], c.users["head"]
    assert selectors.texts_for(teacher, target) == []
    first, second, third, *_ = TextAnswer.objects.filter(target=target)
    services.text_review(actor=c.users["quality"], answer=first, review=TextReview.PUBLIC)
    services.text_review(actor=c.users["quality"], answer=second, review=TextReview.PRIVATE)
    services.text_review(actor=c.users["quality"], answer=third, review=TextReview.HIDDEN)
    assert {a.text for a in selectors.texts_for(teacher, target)} == {first.text, second.text}
    assert {a.text for a in selectors.texts_for(head, target)} == {first.text}


def test_results_are_hidden_before_the_close(term):
    c = term["c"]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    for user in term["voters"][:5]:
        services.vote(user=user, target=target, answers=answers(target, 0))
    assert not selectors.visible_results(c.users["teacher"], window).exists()
    assert not selectors.visible_results(c.users["quality"], window).exists()
    window.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    window.save()
    assert selectors.visible_results(c.users["teacher"], window).count() == 1
    assert not selectors.visible_results(c.users["student"], window).exists()


def test_reminders_reach_only_those_who_have_not_voted(term):
    c = term["c"]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    services.vote(user=term["voters"][0], target=target, answers=answers(target, 0))
    told = services.window_remind(actor=c.users["quality"], window=window)
    assert told == 6
    assert not Notification.objects.filter(user=term["voters"][0]).exists()
    assert Notification.objects.filter(user=term["voters"][1], text__contains="1 项评教").exists()


def test_published_instruments_are_immutable_and_editing_makes_a_new_version(college):
    c = college
    services.default_instruments_install(institution=c.institution)
    services.default_instruments_install(institution=c.institution)   # once only
    assert Instrument.objects.filter(institution=c.institution).count() == 2
    published = Instrument.objects.get(institution=c.institution, kind=InstrumentKind.TEACHING)
    with pytest.raises(ValidationError, match="已发布"):
        services.instrument_save(actor=None, institution=c.institution, instrument=published,
                                 data={"name": "改"}, items=services.parse_items("教学态度 | 认真 | 10"))
    draft = services.instrument_copy(actor=None, instrument=published)
    assert (draft.code, draft.version, draft.published) == (published.code, 2, False)
    services.instrument_save(actor=None, institution=c.institution, instrument=draft, data={"name": "新评教表"},
                             items=services.parse_items("教学态度 | 认真 | 10\n文字 | 建议"))
    assert [i.text for i in draft.items.all()] == ["认真", "建议"]
    assert published.items.count() == 9
    with pytest.raises(ValidationError) as e:
        services.parse_items("教学态度 | 认真\n文字 |")
    assert e.value.messages == ["第1行：评分指标应写作“一级指标 | 指标内容 | 权重”", "第2行：文字题应写作“文字 | 问题”"]


def test_windows_past_their_end_are_closed_by_the_sweep(term):
    c = term["c"]
    window = open_window(c)
    assert services.windows_close_due() == 0
    assert services.windows_close_due(now=window.closes_at) == 1
    assert Window.objects.get().finalised_at is not None


def test_the_sweep_closes_due_windows_and_reminds_once_a_day(term):
    from io import StringIO

    from django.core.management import call_command

    c = term["c"]
    window = open_window(c, closes_at=timezone.now() + datetime.timedelta(days=2))
    assert services.sweep(now=window.opens_at + datetime.timedelta(hours=1)) == {"closed": 0, "reminded": 0}
    two_days_before = window.closes_at - datetime.timedelta(days=2) + datetime.timedelta(minutes=1)
    assert services.sweep(now=two_days_before)["reminded"] == 7
    assert services.sweep(now=two_days_before + datetime.timedelta(minutes=30))["reminded"] == 0
    out = StringIO()
    call_command("evaluation", "sweep", stdout=out)
    assert "提醒未参评人员 0 人次" in out.getvalue()
    assert services.sweep(now=window.closes_at) == {"closed": 1, "reminded": 0}
    assert Evaluation.objects.filter(institution=c.institution).count() == 1


def test_the_close_recomputes_the_qc_points_that_read_evaluations(term, django_capture_on_commit_callbacks):
    """The close writes A8-7 as an import does, so the teacher's 个人评教得分 and the school's 学生参与评教比例 are
    measured from the platform's own votes."""
    from zhengai.monitoring.models import Measurement
    from zhengai.standards.services import library_load

    c = term["c"]
    library_load(c.institution)
    window = open_window(c)
    target = _target(window, offering=term["java"])
    for user in term["voters"][:5]:
        services.vote(user=user, target=target, answers=answers(target, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.window_close(actor=c.users["quality"], window=window)
    measured = {(m.qc_point.name, m.entity_key): m.value
                for m in Measurement.objects.filter(institution=c.institution, period__code="2025-2026")
                .select_related("qc_point")}
    assert measured[("个人评教得分", f"teacher:{c.teachers['t1'].pk}")] == Decimal("85")
    assert round(measured[("学生参与评教比例", "school")], 2) == Decimal("71.43")   # 5 of 7


def test_once_anyone_voted_the_instrument_and_semester_stay(term):
    c = term["c"]
    window = open_window(c)
    target = _target(window, offering=term["java"])
    services.vote(user=term["voters"][0], target=target, answers=answers(target, 0))
    other = services.instrument_copy(actor=None, instrument=window.instrument, new_version=False)
    services.instrument_publish(actor=None, instrument=other)
    data = {name: getattr(window, name) for name in services.WINDOW_FIELDS}
    with pytest.raises(ValidationError, match="不能更换量表或学期"):
        services.window_save(actor=None, institution=c.institution, window=window, data={**data, "instrument": other})
    # Raising a threshold is fine; new offerings of the semester become targets.
    offering(c, "JAVA-02", "java", ["t1", "t2"], [])
    services.window_save(actor=None, institution=c.institution, window=window, data={**data, "min_voters": 10})
    assert Target.objects.filter(window=window).count() == 3
    services.window_close(actor=None, window=window)
    with pytest.raises(ValidationError, match="已结束"):
        services.window_save(actor=None, institution=c.institution, window=window, data=data)
