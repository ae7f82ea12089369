"""The pages: who may and who may not, the vote through the form, the board, the office's pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from zhengai.evaluation import services
from zhengai.evaluation.choices import InstrumentKind
from zhengai.evaluation.models import Instrument, Participation, Target, TextAnswer, Window

from .conftest import answers, open_window, semester

pytestmark = pytest.mark.django_db


def _form(target, value=0, text=""):
    return {f"item-{k}": v for k, v in answers(target, value, text).items()}


def _closed(term, votes=5):
    c = term["c"]
    window = open_window(c)
    target = Target.objects.get(window=window, offering=term["java"])
    for i, user in enumerate(term["voters"][:votes]):
        services.vote(user=user, target=target, answers=answers(target, i % 2, f"意见{i}"))
    services.window_close(actor=c.users["quality"], window=window)
    return window, target


def test_a_student_sees_what_waits_and_votes_through_the_form(term, client):
    c = term["c"]
    window = open_window(c)
    target = Target.objects.get(window=window, offering=term["java"])
    client.force_login(c.users["student"])
    page = client.get(reverse("evaluation:my")).content.decode()
    assert "Java程序设计" in page and "去评价" in page
    # Missing ratings: refused, and what was chosen and typed is kept.
    form = _form(target, 1, "多讲项目")
    form.pop(f"item-{target.window.instrument.rating_items[0].pk}")
    response = client.post(reverse("evaluation:vote", args=[target.pk]), form)
    assert response.status_code == 400
    body = response.content.decode()
    assert "请为" in body and "多讲项目" in body and 'value="1" checked' in body
    assert not Participation.objects.exists()
    response = client.post(reverse("evaluation:vote", args=[target.pk]), _form(target, 1, "多讲项目"))
    assert response.status_code == 302 and response.url == reverse("evaluation:my")
    assert Participation.objects.filter(voter=c.users["student"]).count() == 1
    page = client.get(reverse("evaluation:my")).content.decode()
    assert "已评价" in page and "去评价" not in page
    again = client.post(reverse("evaluation:vote", args=[target.pk]), _form(target, 0))
    assert "每人只能评价一次" in again.content.decode()
    assert Participation.objects.count() == 1


def test_the_vote_page_is_404_for_anyone_not_a_voter(term, client, other):
    c = term["c"]
    target = Target.objects.get(window=open_window(c), offering=term["java"])
    for user in (c.users["quality"], c.users["teacher"], other.users["student"], other.users["quality"]):
        client.force_login(user)
        assert client.get(reverse("evaluation:vote", args=[target.pk])).status_code == 404
        assert client.post(reverse("evaluation:vote", args=[target.pk]), _form(target)).status_code == 404
    assert not Participation.objects.exists()


def test_another_colleges_people_get_404_everywhere(term, client, other):
    window, target = _closed(term)
    instrument = window.instrument
    answer = TextAnswer.objects.first()
    client.force_login(other.users["quality"])
    for url in [reverse("evaluation:window_detail", args=[window.pk]),
                reverse("evaluation:window_edit", args=[window.pk]),
                reverse("evaluation:review", args=[window.pk]),
                reverse("evaluation:results", args=[window.pk]),
                reverse("evaluation:subject_result", args=[window.pk, "teacher", target.teacher_id]),
                reverse("evaluation:target_result", args=[target.pk]),
                reverse("evaluation:instrument_detail", args=[instrument.pk]),
                reverse("evaluation:instrument_edit", args=[instrument.pk]),
                reverse("evaluation:board") + f"?window={window.pk}"]:
        assert client.get(url).status_code == 404, url
    for url in [reverse("evaluation:window_action", args=[window.pk, "remind"]),
                reverse("evaluation:instrument_action", args=[instrument.pk, "version"])]:
        assert client.post(url).status_code == 404, url
    assert client.post(reverse("evaluation:review", args=[window.pk]),
                       {"answer": answer.pk, "review": "public"}).status_code == 404
    # Their own pages show nothing of ours.
    assert "Java" not in client.get(reverse("evaluation:window_list")).content.decode()


def test_results_wait_for_the_close_and_the_threshold(term, client):
    c = term["c"]
    window = open_window(c)
    target = Target.objects.get(window=window, offering=term["java"])
    for user in term["voters"][:5]:
        services.vote(user=user, target=target, answers=answers(target, 0))
    client.force_login(c.users["teacher"])
    assert client.get(reverse("evaluation:target_result", args=[target.pk])).status_code == 404
    assert "评价期结束后才显示结果" in client.get(reverse("evaluation:results", args=[window.pk])).content.decode()
    services.window_close(actor=None, window=window)
    page = client.get(reverse("evaluation:target_result", args=[target.pk])).content.decode()
    assert "95.00" in page and "优秀 5人（100%）" in page
    mine = client.get(reverse("evaluation:my")).content.decode()
    assert reverse("evaluation:subject_result", args=[window.pk, "teacher", c.teachers["t1"].pk]) in mine
    # A student never reads results; a teacher of another unit does not read this one's.
    client.force_login(c.users["student"])
    assert client.get(reverse("evaluation:target_result", args=[target.pk])).status_code == 404
    client.force_login(c.users["head"])   # head of the teacher's unit
    assert client.get(reverse("evaluation:target_result", args=[target.pk])).status_code == 200


def test_below_the_threshold_the_page_says_so_and_shows_no_score(term, client):
    c = term["c"]
    window, target = _closed(term, votes=4)
    client.force_login(c.users["quality"])
    page = client.get(reverse("evaluation:target_result", args=[target.pk])).content.decode()
    assert "参评人数不足" in page and "90.00" not in page and "意见" not in page.split("参评人数不足")[1]
    assert "参评人数不足，不显示" in client.get(reverse("evaluation:results", args=[window.pk])).content.decode()


def test_texts_show_after_review_only(term, client):
    c = term["c"]
    window, target = _closed(term)
    url = reverse("evaluation:target_result", args=[target.pk])
    client.force_login(c.users["teacher"])
    assert "意见0" not in client.get(url).content.decode()
    client.force_login(c.users["quality"])
    answer = TextAnswer.objects.get(text="意见0")
    assert "意见0" in client.get(reverse("evaluation:review", args=[window.pk])).content.decode()
    client.post(reverse("evaluation:review", args=[window.pk]), {"answer": answer.pk, "review": "private"})
    assert "意见0" not in client.get(url).content.decode()       # private: the teacher only
    client.force_login(c.users["teacher"])
    assert "意见0" in client.get(url).content.decode()
    client.force_login(c.users["teacher"])
    assert client.post(reverse("evaluation:review", args=[window.pk]),
                       {"answer": answer.pk, "review": "public"}).status_code == 403


def test_the_board_shows_rates_per_class_to_those_who_follow_the_class(term, client):
    c = term["c"]
    window = open_window(c)
    target = Target.objects.get(window=window, offering=term["java"])
    for user in term["voters"][:3]:
        services.vote(user=user, target=target, answers=answers(target, 0))
    url = reverse("evaluation:board") + f"?window={window.pk}"
    for who in ("counsellor", "head_teacher", "head", "quality", "leader"):
        client.force_login(c.users[who])
        page = client.get(url).content.decode()
        assert "软件2401" in page and "43%" in page, who    # 3 of 7
        assert "学生0" not in page and "王同学" not in page
    client.force_login(c.users["quality"])
    assert "提醒未完成评价的人员" in client.get(url).content.decode()
    response = client.post(reverse("evaluation:window_action", args=[window.pk, "remind"]), {"back": "board"})
    assert response.url == url
    # Another class's counsellor sees nothing of this class.
    from zhengai.core.choices import Role
    from zhengai.core.services import membership_grant, user_create

    mech = user_create(username="mech_counsellor", name="机械辅导员", password="x")
    membership_grant(user=mech, institution=c.institution, role=Role.COUNSELLOR, scope=c.classes["mech1"])
    client.force_login(mech)
    assert "软件2401" not in client.get(url).content.decode()
    client.force_login(c.users["teacher"])
    assert client.post(reverse("evaluation:window_action", args=[window.pk, "remind"])).status_code == 403


def test_the_office_opens_a_window_thresholds_never_below_the_floor(college, client):
    c = college
    services.default_instruments_install(institution=c.institution)
    client.force_login(c.users["quality"])
    instrument = Instrument.objects.get(institution=c.institution, kind=InstrumentKind.TEACHING)
    now = timezone.localtime()
    data = {"name": "期末评教", "period": semester().pk, "instrument": instrument.pk,
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "min_voters": 3, "min_share": 10}
    response = client.post(reverse("evaluation:window_new"), data)
    assert response.status_code == 200 and not Window.objects.exists()
    body = response.content.decode()
    assert "期末评教" in body and "5" in body
    response = client.post(reverse("evaluation:window_new"), {**data, "min_voters": 6, "min_share": 30})
    window = Window.objects.get()
    assert response.url == reverse("evaluation:window_detail", args=[window.pk])
    assert (window.min_voters, window.min_share) == (6, 30)
    assert client.get(reverse("evaluation:window_detail", args=[window.pk])).status_code == 200
    for who in ("teacher", "student", "head"):
        client.force_login(c.users[who])
        assert client.get(reverse("evaluation:window_new")).status_code == 403
        assert client.get(reverse("evaluation:window_list")).status_code == 403
    client.force_login(c.users["supervisor"])
    assert client.get(reverse("evaluation:window_list")).status_code == 200
    assert client.get(reverse("evaluation:window_new")).status_code == 403


def test_the_office_edits_a_published_instrument_as_a_new_version(college, client):
    c = college
    services.default_instruments_install(institution=c.institution)
    instrument = Instrument.objects.get(institution=c.institution, kind=InstrumentKind.LEARNING)
    client.force_login(c.users["quality"])
    assert client.get(reverse("evaluation:instrument_edit", args=[instrument.pk])).status_code == 302
    response = client.post(reverse("evaluation:instrument_action", args=[instrument.pk, "version"]))
    draft = Instrument.objects.get(code=instrument.code, version=2)
    assert response.url == reverse("evaluation:instrument_edit", args=[draft.pk])
    bad = client.post(response.url, {"name": "评学表", "items": "学习态度 | 认真 | 十"})
    assert "第1行：权重“十”不是数字" in bad.content.decode() and "学习态度 | 认真 | 十" in bad.content.decode()
    client.post(response.url, {"name": "评学表（新）", "items": "学习态度 | 认真 | 50\n课堂纪律 | 守纪 | 50"})
    client.post(reverse("evaluation:instrument_action", args=[draft.pk, "publish"]))
    draft.refresh_from_db()
    assert draft.published and draft.items.count() == 2 and instrument.items.count() == 6


def test_a_teacher_evaluates_their_class(term, client):
    c = term["c"]
    window = open_window(c, InstrumentKind.LEARNING, name="期中评学")
    target = Target.objects.get(window=window)
    client.force_login(c.users["teacher"])
    assert "软件2401" in client.get(reverse("evaluation:my")).content.decode()
    client.post(reverse("evaluation:vote", args=[target.pk]), _form(target, 0))
    assert Participation.objects.filter(voter=c.users["teacher"], target=target).exists()


def test_a_head_reads_their_units_results_beside_the_whole_windows_average(term, client):
    """Two teachers, one per unit, each above the threshold: the head of 信息工程学院 reads their unit's teacher and
    the school's average over both; not the other unit's teacher."""
    c = term["c"]
    from .conftest import offering, students

    mech_users = students(c, 5, "mech1", prefix="m")
    cad = offering(c, "CAD-01", "cad", ["t2"], mech_users, classes=("mech1",))
    window = open_window(c)
    java = Target.objects.get(window=window, offering=term["java"])
    cad_target = Target.objects.get(window=window, offering=cad)
    for user in term["voters"][:5]:
        services.vote(user=user, target=java, answers=answers(java, 0))      # 95
    for user in mech_users:
        services.vote(user=user, target=cad_target, answers=answers(cad_target, 2))   # 75
    services.window_close(actor=None, window=window)
    client.force_login(c.users["head"])
    page = client.get(reverse("evaluation:results", args=[window.pk])).content.decode()
    assert "张老师" in page and "李老师" not in page and "信息工程学院" in page
    assert '<b id="average">85.00</b>' in page and "95.00" in page
    assert client.get(reverse("evaluation:target_result", args=[cad_target.pk])).status_code == 404
    client.force_login(c.users["leader"])
    page = client.get(reverse("evaluation:results", args=[window.pk])).content.decode()
    assert "张老师" in page and "李老师" in page and "机械工程学院" in page


def test_the_board_and_my_page_take_a_fixed_number_of_queries(term, client, django_assert_max_num_queries):
    """However many classes and offerings: the board counts in the database, one query per figure."""
    c = term["c"]
    from .conftest import offering, students

    for n in range(4):
        offering(c, f"CAD-0{n}", "cad", ["t2"], students(c, 3, "mech1", prefix=f"q{n}"), classes=("mech1",))
    window = open_window(c)
    client.force_login(c.users["quality"])
    with django_assert_max_num_queries(20):
        page = client.get(reverse("evaluation:board") + f"?window={window.pk}").content.decode()
    assert "机械2401" in page and "软件2401" in page
    client.force_login(c.users["student"])
    with django_assert_max_num_queries(20):
        assert client.get(reverse("evaluation:my")).status_code == 200
