"""Who may and who may not: another college's people get 404 on every page of a survey; a student answers but
never reads results; only those who run surveys (质管办, 数据管理员) build, invite and export."""

from __future__ import annotations

import pytest

from tests.surveys.conftest import make_survey
from zhengai.monitoring.models import Notification
from zhengai.surveys import selectors, services
from zhengai.surveys.choices import Audience

pytestmark = pytest.mark.django_db

PAGES = ["/surveys/{pk}/", "/surveys/{pk}/preview/", "/surveys/{pk}/results/", "/surveys/{pk}/tracking/",
         "/surveys/{pk}/invitees/", "/surveys/{pk}/invitees/export/", "/surveys/{pk}/results/export/",
         "/surveys/{pk}/edit/", "/surveys/{pk}/questions/add/"]
POSTS = ["/surveys/{pk}/do/publish/", "/surveys/{pk}/do/close/", "/surveys/{pk}/do/copy/",
         "/surveys/{pk}/do/remind/", "/surveys/{pk}/sections/add/"]


def test_another_colleges_people_get_404_everywhere(college, other, login):
    survey = make_survey(college, audience=Audience.GRADUATES)
    for who in ("quality", "leader", "steward", "student"):
        client = login(other.users[who])
        for url in PAGES:
            assert client.get(url.format(pk=survey.pk)).status_code == 404, (who, url)
        for url in POSTS:
            assert client.post(url.format(pk=survey.pk)).status_code == 404, (who, url)
        assert client.get(f"/surveys/my/{survey.pk}/").status_code == 404
        assert survey.title not in client.get("/surveys/").content.decode()


def test_a_student_cannot_see_results(college, login, survey):
    client = login(college.users["student"])
    for url in PAGES:
        assert client.get(url.format(pk=survey.pk)).status_code == 404, url
    assert survey.title not in client.get("/surveys/").content.decode()


def test_the_authority_sees_no_survey(college, login, survey):
    client = login(college.users["expert"])
    assert client.get("/surveys/").status_code == 200
    assert client.get(f"/surveys/{survey.pk}/results/").status_code == 404


@pytest.mark.parametrize("who", ["leader", "supervisor", "head", "teacher", "counsellor"])
def test_staff_read_results_but_do_not_run_surveys(college, login, survey, who):
    client = login(college.users[who])
    assert client.get(f"/surveys/{survey.pk}/results/").status_code == 200
    assert client.get(f"/surveys/{survey.pk}/tracking/").status_code == 200
    assert client.get(f"/surveys/{survey.pk}/results/export/").status_code == 403
    assert client.post(f"/surveys/{survey.pk}/do/close/").status_code == 403
    assert client.get(f"/surveys/{survey.pk}/invitees/").status_code == 403
    assert client.post("/surveys/template/", {"template": "graduate"}).status_code == 403


def test_rates_per_class_and_reminders(college, login):
    c = college
    from zhengai.org.models import Student

    Student.objects.create(institution=c.institution, code="S003", name="钱同学", major=c.majors["soft"],
                           klass=c.classes["soft1"], cohort=2024)
    survey = make_survey(c, cohorts="2024")
    services.response_submit(survey=survey, answers=[], student=c.students["s2"])
    rates = {r.group: (r.answered, r.expected, r.percent) for r in selectors.response_rates(survey, "klass")}
    assert rates["软件2401"][:2] == (0, 2) and rates["机械2401"] == (1, 1, 100)
    client = login(c.users["quality"])
    page = client.get(f"/surveys/{survey.pk}/tracking/?by=major").content.decode()
    assert "软件技术" in page and "33.3%" in page   # 1 of 3 answered
    client.post(f"/surveys/{survey.pk}/do/remind/")
    notices = Notification.objects.filter(url="/surveys/my/")
    assert list(notices.values_list("user", flat=True)) == [c.users["student"].pk]   # the only one with an account
    assert services.reminders_due() == 0   # no closing date: the daily task leaves it alone


def test_unanswered_links_are_listed_for_resending(college, login):
    survey = make_survey(college, audience=Audience.EMPLOYERS)
    client = login(college.users["quality"])
    page = client.post(f"/surveys/{survey.pk}/invitees/", {"typed": "甲公司,13800000000\n乙公司,,510201,2025"})
    assert page.status_code == 302
    first, second = survey.invitees.order_by("pk")
    assert second.major == college.majors["soft"] and second.cohort == 2025
    services.response_submit(survey=survey, answers=[], invitee=first)
    tracking = client.get(f"/surveys/{survey.pk}/tracking/").content.decode()
    assert second.token in tracking and first.token not in tracking
    refused = client.post(f"/surveys/{survey.pk}/invitees/", {"typed": "丙公司,,999999\n,联系人"})
    body = refused.content.decode()
    assert refused.status_code == 400 and "第1行：没有专业代码 999999" in body and "第2行：缺少姓名或单位名称" in body
    assert survey.invitees.count() == 2
    export = client.get(f"/surveys/{survey.pk}/invitees/export/?unanswered=1")
    assert export.status_code == 200


def test_an_uploaded_list_of_invitees(college, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    survey = make_survey(college, audience=Audience.GRADUATES)
    client = login(college.users["quality"])
    data = "姓名或单位,联系方式,专业代码,毕业年份\n张三,139,510201,2025\n=cmd|' /C calc'!A0,,,\n".encode("gbk")
    client.post(f"/surveys/{survey.pk}/invitees/", {"file": SimpleUploadedFile("名单.csv", data)})
    names = sorted(survey.invitees.values_list("name", flat=True))
    assert names == ["=cmd|' /C calc'!A0", "张三"]
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/surveys/{survey.pk}/invitees/export/").content))
    cells = [row[0] for row in book.active.iter_rows(values_only=True)]
    assert "'=cmd|' /C calc'!A0" in cells   # a formula-looking name stays text in the export
    # A list without a header row loses nobody; an error names the file's own line.
    client.post(f"/surveys/{survey.pk}/invitees/",
                {"file": SimpleUploadedFile("list.csv", "李四,,510201,2025\n".encode())})
    assert survey.invitees.filter(name="李四", major=college.majors["soft"]).exists()
    listed = "姓名,联系方式,专业代码,毕业年份\n王五,,,20x5\n".encode()
    bad = client.post(f"/surveys/{survey.pk}/invitees/", {"file": SimpleUploadedFile("list.csv", listed)})
    assert "文件第2行：毕业年份应为四位年份" in bad.content.decode()


def test_the_daily_reminder_reaches_students_of_surveys_about_to_close(college):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    survey = make_survey(college)
    survey.closes_on = timezone.localdate() + datetime.timedelta(days=2)
    survey.save()
    call_command("surveys", "remind")
    assert Notification.objects.filter(user=college.users["student"], url="/surveys/my/").count() == 1
    call_command("surveys", "remind", "--date", (timezone.localdate() - datetime.timedelta(days=5)).isoformat())
    assert Notification.objects.count() == 1   # five days before: not yet due
