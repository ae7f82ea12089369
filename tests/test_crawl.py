"""Every persona walks the pages reachable from their home page and menus and follows every link shown: no link
a page shows answers 4xx/5xx, and no page shows developer text (Python reprs, raw None/True/False, file names
of this repository, seed line references, Django's "---------" placeholder, a traceback).

Bounded so it stays quick: breadth-first, same-origin GET links only, logout/download/export links skipped,
at most two pages of each shape (the same path with other ids) opened and read, a cap per persona."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.monitoring.conftest import build_state
from zhengai.core.context_processors import navigation
from zhengai.core.periods import ensure_academic_year
from zhengai.frameworks.services import framework_adopt, load_builtin
from zhengai.monitoring.services import recompute
from zhengai.standards.services import library_load

MAX_PAGES = 90          # pages opened per persona (status checked and read)
PER_SHAPE = 2           # pages of one shape (/x/<id>/y/) read and expanded
SKIP = re.compile(r"logout|/export|download|\.(docx|pdf|xlsx|csv|zip)\b|/(docx|pdf|xlsx|csv|html|print)/?$|^/admin/"
                  r"|^/static/|^/media/|^/api/")
# Developer text that must never reach a page, with what it would mean.
DEVELOPER_TEXT = [
    (re.compile(r"\{'|'\s*:\s*'|\[\('"), "a Python repr"),
    (re.compile(r"\bNone\b"), "a raw None"),
    (re.compile(r"\b(True|False)\b"), "a raw True/False"),
    (re.compile(r"\bseed 0\d\d", re.I), "a seed reference"),
    (re.compile(r"\b[\w-]+\.md\b"), "a file name of this repository"),
    (re.compile(r"\bDOMAIN\b"), "a file name of this repository"),
    (re.compile(r"Traceback"), "a traceback"),
    (re.compile(r"-{5,}"), "Django's empty choice"),
]


class _Page(HTMLParser):
    """The links and the visible text of a page (not scripts, styles or attributes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data)


def _shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(sorted(k.split("=")[0] for k in parts.query.split("&")
                                                                     if k))


def crawl(client, start: list[str]) -> tuple[list[str], int]:
    """Problems found from `start` (the home page and the menus), and the number of pages opened."""
    problems: list[str] = []
    queue = deque((url, "菜单") for url in start)
    seen = set(start)
    shapes: dict[str, int] = {}
    opened = 0
    while queue and opened < MAX_PAGES:
        url, origin = queue.popleft()
        shape = _shape(url)
        response = client.get(url, follow=True)
        opened += 1
        if response.status_code != 200:
            problems.append(f"{url} ← {origin}: {response.status_code}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        if shapes[shape] > PER_SHAPE:
            continue
        page = _Page()
        page.feed(response.content.decode())
        text = " ".join(page.text)
        for pattern, meaning in DEVELOPER_TEXT:
            found = pattern.search(text)
            if found:
                around = text[max(0, found.start() - 30):found.end() + 30].replace("\n", " ")
                problems.append(f"{url}: {meaning}: …{around}…")
        for href in page.links:
            link = urldefrag(urljoin(url, href))[0]
            parts = urlsplit(link)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link in seen or SKIP.search(link):
                continue
            seen.add(link)
            queue.append((link, url))
    return problems, opened


@pytest.fixture
def lived_in(college):
    """The personas' college with a framework, the QC-point library, a year of state data and its measurements
    and warnings: pages with something on them."""
    framework_adopt(actor=None, institution=college.institution,
                    framework={f.code: f for f in load_builtin()}["beijing"])
    library_load(college.institution)
    year = ensure_academic_year(2024)
    build_state(college, year)
    recompute(institution=college.institution, period=year)
    _waiting(college)
    return college


def _waiting(college):
    """Something in each line of the home pages' 下一步: a course plan submitted for review with a task due this
    month, a major report waiting for the head's signature, a major's open cycle — so their links are followed."""
    from django.utils import timezone

    from tests.diagnosis import major_cycle
    from zhengai.goals.models import Objective, OnePagePlan, PlanTask
    from zhengai.reports import services as reports
    from zhengai.reports.choices import ReportKind

    today = timezone.localdate()
    java = college.courses["java"]
    plan = OnePagePlan.objects.create(institution=college.institution, level="course", entity_key=f"course:{java.pk}",
                                      course=java, year=today.year, name="Java程序设计课程一页纸计划")
    Objective.objects.create(institution=college.institution, plan=plan, number=1, text="课程达标")
    PlanTask.objects.create(institution=college.institution, plan=plan, number=1, title="更新课程标准",
                            owner=college.users["course_leader"], months=[today.month], unit=java.unit)
    OnePagePlan.objects.filter(pk=plan.pk).update(status="submitted", submitted_at=timezone.now())
    report = reports.report_create(actor=college.users["major_leader"], kind=ReportKind.MAJOR,
                                   entity=college.majors["soft"], year=2024)
    reports.report_submit(actor=college.users["major_leader"], report=report)
    major_cycle(college)


def test_every_link_every_persona_opens_and_reads_as_chinese(lived_in, rf, client):
    report: list[str] = []
    for who, user in lived_in.users.items():
        request = rf.get("/")
        request.user = user
        request.session = {}
        menu = [link["url"] for section in navigation(request)["nav_sections"] for link in section["links"]]
        client.force_login(user)
        problems, _ = crawl(client, ["/", *dict.fromkeys(menu)])
        report += [f"{who}: {p}" for p in problems]
        client.logout()
    assert not report, "\n".join(report)


def test_the_favicon_is_served(client, college):
    client.force_login(college.users["student"])
    assert client.get("/favicon.ico", follow=True).status_code == 200
    assert 'rel="icon"' in client.get("/").content.decode()
