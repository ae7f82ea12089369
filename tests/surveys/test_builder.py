"""The builder: drafts change, published surveys are frozen (copying makes a new draft), templates install,
and an anonymous survey has no path from an answer to a person."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from tests.surveys.conftest import make_survey, question
from zhengai.org.models import Student
from zhengai.surveys import services
from zhengai.surveys.catalogue import TEMPLATES
from zhengai.surveys.choices import QuestionKind, SurveyState, Template
from zhengai.surveys.models import Answer, Invitee, Participation, Response, Survey

pytestmark = pytest.mark.django_db


def test_the_quality_office_builds_a_survey_through_the_pages(college, login):
    client = login(college.users["quality"])
    response = client.post("/surveys/new/", {"title": "食堂满意度调查", "audience": "students", "anonymous": "on",
                                             "cohorts": "2024", "majors": [college.majors["soft"].pk]})
    survey = Survey.objects.get(title="食堂满意度调查")
    assert response.status_code == 302 and survey.state == SurveyState.DRAFT and survey.cohort_list == [2024]
    client.post(f"/surveys/{survey.pk}/sections/add/", {"title": "饭菜", "order": 1})
    section = survey.sections.get()
    client.post(f"/surveys/{survey.pk}/questions/add/", {
        "section": section.pk, "kind": "likert", "text": "饭菜质量", "required": "on", "order": 1, "options": ""})
    client.post(f"/surveys/{survey.pk}/questions/add/", {
        "section": section.pk, "kind": "likert", "text": "服务态度", "required": "on", "order": 2,
        "options": "好|满意\n一般|不满意\n说不清|不计入"})
    refused = client.post(f"/surveys/{survey.pk}/questions/add/", {
        "section": section.pk, "kind": "single", "text": "只有一个选项", "order": 3, "options": "是"})
    assert "至少需要两个选项" in refused.content.decode() and "只有一个选项" in refused.content.decode()
    first, second = survey.questions.order_by("order")
    assert first.labels == ["很满意", "满意", "基本满意", "不满意", "很不满意"]
    assert second.options == [{"label": "好", "score": 2, "counts": "satisfied"},
                              {"label": "一般", "score": 1, "counts": "dissatisfied"},
                              {"label": "说不清", "score": None, "counts": ""}]
    assert client.get(f"/surveys/{survey.pk}/preview/").status_code == 200
    client.post(f"/surveys/{survey.pk}/do/publish/")
    survey.refresh_from_db()
    assert survey.state == SurveyState.PUBLISHED


def test_a_published_survey_cannot_be_edited(college, login, survey):
    q = college.users["quality"]
    likert = question(survey, QuestionKind.LIKERT)
    with pytest.raises(ValidationError, match="题目不能再修改"):
        services.question_save(actor=q, survey=survey, question=likert, data={"section": likert.section,
                                                                              "text": "改过的题目"})
    with pytest.raises(ValidationError):
        services.question_delete(actor=q, question=likert)
    with pytest.raises(ValidationError):
        services.section_save(actor=q, survey=survey, data={"title": "新分节"})
    with pytest.raises(ValidationError):
        services.survey_save(actor=q, institution=college.institution, survey=survey, data={"title": "改名"})
    client = login(q)
    client.post(f"/surveys/{survey.pk}/questions/{likert.pk}/", {
        "section": likert.section_id, "kind": "text", "text": "改过的题目", "order": 1})
    client.post(f"/surveys/{survey.pk}/questions/{likert.pk}/delete/")
    client.post(f"/surveys/{survey.pk}/edit/", {"title": "改名", "audience": "students"})
    likert.refresh_from_db()
    survey.refresh_from_db()
    assert likert.text == "您对专业课教学的满意程度" and survey.title == "教学满意度抽样调查"
    copy = services.survey_copy(actor=q, survey=survey)
    assert copy.state == SurveyState.DRAFT and copy.copied_from == survey
    assert [x.text for x in copy.questions.all()] == [x.text for x in survey.questions.all()]
    services.question_delete(actor=q, question=copy.questions.first())   # the copy is a draft: it changes
    assert survey.questions.count() == 6


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_every_template_installs_and_publishes(college, key):
    survey = services.template_install(actor=college.users["quality"], institution=college.institution, key=key)
    assert survey.state == SurveyState.DRAFT and survey.template == key and survey.questions.exists()
    assert services.publish_problems(survey) == []


def test_the_graduate_template_has_the_indicator_questions(college):
    survey = services.template_install(actor=college.users["quality"], institution=college.institution,
                                       key=Template.GRADUATE)
    assert {"status", "income", "related", "fit", "left", "job_satisfaction", "alma_mater"} <= set(
        survey.questions.values_list("key", flat=True))


def _reaches(model: type[models.Model], target: type[models.Model], seen: set | None = None) -> bool:
    """Whether any chain of forward relations leads from `model` to `target`. The survey itself is not
    followed: it is one row shared by every response (its creator identifies no respondent)."""
    seen = seen or {Survey}
    for field in model._meta.get_fields():
        if not (field.is_relation and (field.many_to_one or field.one_to_one) and field.concrete):
            continue
        related = field.related_model
        if related is target:
            return True
        if related not in seen and related._meta.app_label == "surveys":
            seen.add(related)
            if _reaches(related, target, seen):
                return True
    return False


def test_an_answer_has_no_path_to_a_person(college):
    from django.contrib.auth import get_user_model

    for model in (Response, Answer):
        for person in (get_user_model(), Student, Invitee, Participation):
            assert not _reaches(model, person), (model, person)
    field_names = {f.name for f in Response._meta.concrete_fields}
    assert not {"created_at", "submitted_at", "answered_at"} & field_names   # no time to match against


def test_an_anonymous_response_is_never_linked(college, login, survey):
    assert survey.anonymous
    client = login(college.users["student"])
    likert, single = question(survey, QuestionKind.LIKERT), question(survey, QuestionKind.SINGLE)
    matrix = question(survey, QuestionKind.MATRIX)
    client.post(f"/surveys/my/{survey.pk}/", {f"q{likert.pk}": "满意", f"q{single.pk}": "少于5小时",
                                              f"q{matrix.pk}_0": "满意", f"q{matrix.pk}_1": "满意"})
    participation = Participation.objects.get(survey=survey)
    assert participation.student == college.students["s1"] and participation.response is None
    response = Response.objects.get(survey=survey)
    assert response.klass == college.classes["soft1"]   # the group, never the person


def test_a_named_survey_links_the_response(college, login):
    survey = make_survey(college, anonymous=False)
    client = login(college.users["student"])
    likert, single = question(survey, QuestionKind.LIKERT), question(survey, QuestionKind.SINGLE)
    matrix = question(survey, QuestionKind.MATRIX)
    client.post(f"/surveys/my/{survey.pk}/", {f"q{likert.pk}": "满意", f"q{single.pk}": "少于5小时",
                                              f"q{matrix.pk}_0": "满意", f"q{matrix.pk}_1": "满意"})
    assert Participation.objects.get(survey=survey).response == Response.objects.get(survey=survey)


def test_a_refused_section_keeps_what_was_typed(college, login):
    survey = make_survey(college, publish=False)
    page = login(college.users["quality"]).post(f"/surveys/{survey.pk}/sections/add/", {
        "title": "", "description": "这段说明要留下", "order": 2})
    assert page.status_code == 400 and "这段说明要留下" in page.content.decode()
