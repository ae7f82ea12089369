from __future__ import annotations

from typing import Any

import pytest

from zhengai.surveys import services
from zhengai.surveys.choices import Audience, QuestionKind
from zhengai.surveys.models import Question, Section, Survey


def make_survey(c: Any, *, anonymous: bool = True, audience: str = Audience.STUDENTS, publish: bool = True,
                **fields: Any) -> Survey:
    """A small survey of each kind of question, built through the services as the builder pages do."""
    q = c.users["quality"]
    survey = services.survey_save(actor=q, institution=c.institution, data={
        "title": "教学满意度抽样调查", "audience": audience, "anonymous": anonymous, **fields})
    section = services.section_save(actor=q, survey=survey, data={"title": "教学", "order": 1})
    for order, (kind, text, options, rows, required) in enumerate([
        (QuestionKind.LIKERT, "您对专业课教学的满意程度", None, [], True),
        (QuestionKind.SINGLE, "您每周自习的时间", ["少于5小时", "5小时及以上"], [], True),
        (QuestionKind.MULTIPLE, "您常用的学习资源", ["教材", "在线课程", "图书馆"], [], False),
        (QuestionKind.MATRIX, "您对以下方面的满意程度", None, ["食堂", "宿舍"], True),
        (QuestionKind.NUMBER, "每周上网课的小时数", None, [], False),
        (QuestionKind.TEXT, "您的建议", None, [], False),
    ], start=1):
        from zhengai.surveys.forms import default_scale

        opts = default_scale() + [{"label": "无法评估", "score": None, "counts": ""}] if options is None and kind in (
            QuestionKind.LIKERT, QuestionKind.MATRIX) else [{"label": o} for o in options or []]
        services.question_save(actor=q, survey=survey, data={
            "section": section, "kind": kind, "text": text, "required": required, "order": order,
            "options": opts, "rows": rows})
    if publish:
        services.survey_publish(actor=q, survey=survey)
    survey.refresh_from_db()
    return survey


def question(survey: Survey, kind: str) -> Question:
    return survey.questions.get(kind=kind)


@pytest.fixture
def survey(college) -> Survey:
    return make_survey(college)


__all__ = ["Section", "make_survey", "question"]
