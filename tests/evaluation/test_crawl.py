"""Every persona walks the evaluation pages of a college with an open and a closed window: no link answers
4xx/5xx and no page shows developer text (the project's crawl, started from the evaluation menu entries)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_crawl import crawl
from zhengai.core.context_processors import navigation
from zhengai.evaluation import services
from zhengai.evaluation.choices import InstrumentKind
from zhengai.evaluation.models import Target, TextAnswer

from .conftest import answers, open_window

pytestmark = pytest.mark.django_db


def test_every_persona_walks_the_evaluation_pages(term, rf, client):
    c = term["c"]
    closed = open_window(c, name="期中评教")
    target = Target.objects.get(window=closed)
    for i, user in enumerate(term["voters"][:5]):
        services.vote(user=user, target=target, answers=answers(target, i % 3, f"意见{i}"))
    services.window_close(actor=None, window=closed)
    services.text_review(actor=None, answer=TextAnswer.objects.first(), review="public")
    learning = open_window(c, InstrumentKind.LEARNING, name="期中评学")
    t = Target.objects.get(window=learning)
    services.vote(user=c.users["teacher"], target=t, answers=answers(t, 0, "学风良好"))
    open_window(c, name="期末评教")
    problems = []
    for who, user in c.users.items():
        request = rf.get("/")
        request.user = user
        request.session = {}
        menu = [link["url"] for section in navigation(request)["nav_sections"] for link in section["links"]
                if link["url"].startswith("/evaluation/")]
        client.force_login(user)
        # The authority's experts are not members: the window's pages answer them 404 (tested below).
        extra = [] if who == "expert" else [reverse("evaluation:results", args=[closed.pk])]
        found, _ = crawl(client, [*menu, *extra])
        problems += [f"{who}: {p}" for p in found]
        client.logout()
    assert not problems, "\n".join(problems)
    client.force_login(c.users["expert"])
    assert client.get(reverse("evaluation:results", args=[closed.pk])).status_code == 404
