"""A student answers once; a refused submission lists every problem and keeps what was typed; a token link
answers once, only for its survey, and not after the survey closes."""

from __future__ import annotations

import pytest

from tests.surveys.conftest import make_survey, question
from zhengai.surveys import services
from zhengai.surveys.choices import Audience, QuestionKind
from zhengai.surveys.models import Answer, Participation, Response

pytestmark = pytest.mark.django_db


def full_answer(survey) -> dict[str, str]:
    likert, single = question(survey, QuestionKind.LIKERT), question(survey, QuestionKind.SINGLE)
    multiple, matrix = question(survey, QuestionKind.MULTIPLE), question(survey, QuestionKind.MATRIX)
    number, text = question(survey, QuestionKind.NUMBER), question(survey, QuestionKind.TEXT)
    return {f"q{likert.pk}": "满意", f"q{single.pk}": "5小时及以上", f"q{multiple.pk}": ["教材", "图书馆"],
            f"q{matrix.pk}_0": "很满意", f"q{matrix.pk}_1": "不满意", f"q{number.pk}": "6.5",
            f"q{text.pk}": "希望增加实训课"}


def test_the_student_sees_the_survey_waiting_and_answers_it_once(college, login, survey):
    client = login(college.users["student"])
    page = client.get("/surveys/my/")
    assert survey.title in page.content.decode()
    response = client.post(f"/surveys/my/{survey.pk}/", full_answer(survey))
    assert response.status_code == 200 and "提交成功" in response.content.decode()
    assert Response.objects.filter(survey=survey).count() == 1
    assert Answer.objects.filter(response__survey=survey).count() == 8   # 1 + 1 + 2 + 2 + 1 + 1
    again = client.post(f"/surveys/my/{survey.pk}/", full_answer(survey))
    assert "您已提交过该问卷" in again.content.decode()
    assert Response.objects.filter(survey=survey).count() == 1
    assert survey.title not in client.get("/surveys/my/").content.decode().split("已填写")[0]


def test_missing_required_answers_are_listed_and_what_was_typed_is_kept(college, login, survey):
    client = login(college.users["student"])
    text = question(survey, QuestionKind.TEXT)
    matrix = question(survey, QuestionKind.MATRIX)
    response = client.post(f"/surveys/my/{survey.pk}/", {f"q{text.pk}": "保留这段文字", f"q{matrix.pk}_0": "满意"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "第1题“您对专业课教学的满意程度”为必答题，请作答" in body
    assert "第2题“您每周自习的时间”为必答题，请作答" in body
    assert "第4题“您对以下方面的满意程度”还有未作答的行：宿舍" in body
    assert "请处理以下3个问题" in body
    assert "保留这段文字" in body and 'value="满意" checked' in body
    assert not Response.objects.exists() and not Participation.objects.exists()


def test_a_bad_number_and_a_forged_option_are_refused(college, login, survey):
    client = login(college.users["student"])
    data = full_answer(survey)
    data[f"q{question(survey, QuestionKind.NUMBER).pk}"] = "六"
    data[f"q{question(survey, QuestionKind.SINGLE).pk}"] = "不存在的选项"
    body = client.post(f"/surveys/my/{survey.pk}/", data).content.decode()
    assert "第5题“每周上网课的小时数”请填写数字" in body and "第2题“您每周自习的时间”的选项无效" in body
    assert not Response.objects.exists()


def test_a_student_outside_the_audience_cannot_answer(college, login):
    survey = make_survey(college, classes=[college.classes["mech1"]])
    client = login(college.users["student"])
    assert survey.title not in client.get("/surveys/my/").content.decode()
    assert client.get(f"/surveys/my/{survey.pk}/").status_code == 404
    assert client.post(f"/surveys/my/{survey.pk}/", full_answer(survey)).status_code == 404


def test_a_draft_is_not_answered(college, login):
    survey = make_survey(college, publish=False)
    assert login(college.users["student"]).get(f"/surveys/my/{survey.pk}/").status_code == 404


def invite(college, survey, *names):
    return services.invitees_add(actor=college.users["quality"], survey=survey,
                                 rows=[{"name": n, "contact": "", "major": None, "cohort": None} for n in names])


def test_a_token_answers_once_without_logging_in(college, client):
    survey = make_survey(college, audience=Audience.GRADUATES, anonymous=False)
    invitee, = invite(college, survey, "刘毕业")
    url = f"/surveys/t/{invitee.token}/"
    assert client.get(url).status_code == 200
    assert "提交成功" in client.post(url, full_answer(survey)).content.decode()
    again = client.post(url, full_answer(survey))
    assert again.status_code == 410 and "每人只能提交一次" in again.content.decode()
    assert Response.objects.filter(survey=survey).count() == 1
    # Not anonymous: the participation names the response, and only through the invitee list.
    participation = Participation.objects.get(invitee=invitee)
    assert participation.response is not None and participation.student is None


def test_a_token_works_only_for_its_survey_and_not_after_close(college, client):
    first = make_survey(college, audience=Audience.EMPLOYERS)
    second = make_survey(college, audience=Audience.EMPLOYERS)
    invitee, = invite(college, first, "某某科技有限公司")
    with pytest.raises(Exception, match="链接无效"):
        services.response_submit(survey=second, answers=[], invitee=invitee)
    assert client.get(f"/surveys/t/{invitee.token}x/").status_code == 404
    assert client.get("/surveys/t/guess/").status_code == 404
    services.survey_close(actor=college.users["quality"], survey=first)
    closed = client.get(f"/surveys/t/{invitee.token}/")
    assert closed.status_code == 410 and "已结束" in closed.content.decode()
    assert client.post(f"/surveys/t/{invitee.token}/", full_answer(first)).status_code == 410
    assert not Response.objects.exists()


def test_tokens_are_random_and_long(college):
    survey = make_survey(college, audience=Audience.GRADUATES)
    tokens = [i.token for i in invite(college, survey, *[f"毕业生{i}" for i in range(50)])]
    assert len(set(tokens)) == 50 and min(len(t) for t in tokens) >= 32


def test_past_its_closing_date_a_survey_waits_for_nobody(college, login, client):
    import datetime

    from django.utils import timezone

    from zhengai.surveys.models import Survey

    students = make_survey(college)
    links = make_survey(college, audience=Audience.GRADUATES)
    invitee, = invite(college, links, "刘毕业")
    Survey.objects.filter(pk__in=[students.pk, links.pk]).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1))
    assert client.get(f"/surveys/t/{invitee.token}/").status_code == 410
    student = login(college.users["student"])
    assert students.title not in student.get("/surveys/my/").content.decode()
    assert student.post(f"/surveys/my/{students.pk}/", full_answer(students)).status_code == 404
