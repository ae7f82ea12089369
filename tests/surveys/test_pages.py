"""Every page of a survey with answers opens for the quality office and shows no developer text."""

from __future__ import annotations

import pytest

from tests.surveys.test_results import GRADUATES, invitees, submit
from tests.test_crawl import DEVELOPER_TEXT, _Page
from zhengai.surveys import services
from zhengai.surveys.choices import Template

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    parser = _Page()
    parser.feed(html)
    return " ".join(parser.text)


def test_every_page_reads_clean(college, login):
    q = college.users["quality"]
    survey = services.template_install(actor=q, institution=college.institution, key=Template.GRADUATE)
    draft = services.template_install(actor=q, institution=college.institution, key=Template.SELF_DIAGNOSIS)
    services.survey_publish(actor=q, survey=survey)
    people = invitees(college, survey, [college.majors[m] for m, _ in GRADUATES])
    for invitee, (_, answers) in zip(people, GRADUATES, strict=True):
        submit(survey, invitee, answers)
    client = login(q)
    question = draft.questions.first()
    urls = ["/surveys/", "/surveys/new/", f"/surveys/{draft.pk}/", f"/surveys/{draft.pk}/edit/",
            f"/surveys/{draft.pk}/questions/{question.pk}/", f"/surveys/{draft.pk}/preview/"]
    urls += [f"/surveys/{survey.pk}/{p}" for p in ("", "preview/", "results/", "tracking/", "tracking/?by=cohort",
                                                   "invitees/")]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        text = visible_text(page.content.decode())
        for pattern, meaning in DEVELOPER_TEXT:
            assert not pattern.search(text), (url, meaning, pattern.search(text).group(0))
    student = login(college.users["student"])
    assert student.get("/surveys/my/").status_code == 200
