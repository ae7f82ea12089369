"""Lesson observation (听课): who may observe and who reads what, the weighted total, the versioned form, a filed
record's immutability and its audited correction, quotas and the coverage board."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.teaching.conftest import MONDAY, S, timetable
from zhengai.core.models import AuditEntry
from zhengai.monitoring.models import Notification
from zhengai.teaching import observations as obs
from zhengai.teaching.choices import ObservationState, ObserverKind
from zhengai.teaching.models import Observation, ObservationForm, Offering


def _all(form, value):
    return {str(i.pk): value for i in form.indicators.all()}


def _filed(college, lesson, actor_key="supervisor", value=8):
    record = obs.observation_start(actor=college.users[actor_key], institution=college.institution, lesson=lesson)
    return obs.observation_save(actor=college.users[actor_key], observation=record, scores=_all(record.form, value),
                                strengths="案例贴近岗位", suggestions="", file=True)


@pytest.fixture
def cad(college, offering) -> Offering:
    """JX02: 机械制图 taught by 李老师 (机械工程学院, no account) to 机械2401 on Tuesdays 3–4."""
    result = timetable(college, [[S, "JX02", "制图-机械2401", "C002", "T002", "K2402", "1-16", "2", "3", "4",
                                  "B201"]])
    assert result.ok, result.errors or result.file_error
    return Offering.objects.get(code="JX02")


def test_the_default_form_weighs_to_100_and_a_published_version_is_never_changed(college, offering):
    form = obs.current_form(college.institution)
    assert form.version == 1 and sum(i.weight for i in form.indicators.all()) == 100
    assert {"教学准备", "课堂组织", "课程思政"} <= {i.name for i in form.indicators.all()}
    record = _filed(college, offering.lessons.first())
    assert record.total == Decimal("80.0")
    with pytest.raises(ValidationError) as problems:
        obs.parse_indicators("教学内容|60\n教学效果|x\n|10")
    assert "第2行的权重“x”不是整数" in problems.value.messages
    assert "第3行应为“指标|权重|评价要点”" in problems.value.messages
    with pytest.raises(ValidationError, match="权重之和应为100"):
        obs.parse_indicators("教学内容|60|要点\n教学效果|30")
    revised = obs.form_revise(actor=college.users["quality"], institution=college.institution, name="",
                              indicators=obs.parse_indicators("教学内容|60|要点\n教学效果|40"))
    assert revised.version == 2 and obs.current_form(college.institution) == revised
    # Version 1 and the record scored with it are as they were.
    assert form.indicators.count() == 7
    record.refresh_from_db()
    assert record.form == form and record.total == Decimal("80.0")
    second = obs.observation_start(actor=college.users["leader"], institution=college.institution,
                                   lesson=offering.lessons.all()[1])
    assert second.form == revised and second.observer_kind == ObserverKind.SCHOOL_LEADER


def test_the_total_is_weighted_server_side(college, offering):
    record = obs.observation_start(actor=college.users["supervisor"], institution=college.institution,
                                   lesson=offering.lessons.first())
    indicators = list(record.form.indicators.all())
    scores = {str(i.pk): 10 for i in indicators}
    scores[str(indicators[1].pk)] = 5  # 教学内容, weight 20: loses 10 points
    scores[str(indicators[0].pk)] = 7  # 教学准备, weight 10: loses 3 points
    record = obs.observation_save(actor=college.users["supervisor"], observation=record, scores=scores,
                                  strengths="", suggestions="多提问", file=True)
    assert record.total == Decimal("87.0") and record.state == ObservationState.FILED


def test_a_draft_is_the_observers_alone_and_filing_notifies_the_teacher(college, other, offering, login):
    lesson = offering.lessons.first()
    # The teacher may not observe their own lesson; a student may not observe at all.
    with pytest.raises(ValidationError):
        obs.observation_start(actor=college.users["teacher"], institution=college.institution, lesson=lesson)
    assert login(college.users["student"]).get(reverse("teaching:observation_pick")).status_code == 403
    record = obs.observation_start(actor=college.users["supervisor"], institution=college.institution,
                                   lesson=lesson)
    obs.observation_save(actor=college.users["supervisor"], observation=record, scores={}, strengths="草稿中",
                         suggestions="", file=False)
    detail = reverse("teaching:observation_detail", args=[record.pk])
    for key in ("teacher", "head", "quality", "leader"):
        assert login(college.users[key]).get(detail).status_code == 404, key
    assert "草稿中" in login(college.users["supervisor"]).get(detail).content.decode()
    assert "共 0 条" in login(college.users["teacher"]).get(reverse("teaching:observation_list")).content.decode()
    record = obs.observation_save(actor=college.users["supervisor"], observation=record,
                                  scores=_all(record.form, 9), strengths="节奏好", suggestions="", file=True)
    notice = Notification.objects.get(user=college.users["teacher"])
    assert "总分90.0" in notice.text and notice.url == detail
    for key in ("teacher", "head", "quality", "leader", "supervisor"):
        assert login(college.users[key]).get(detail).status_code == 200, key
    for user in (college.users["counsellor"], college.users["course_leader"], other.users["supervisor"],
                 other.users["quality"]):
        assert login(user).get(detail).status_code == 404
    assert "张老师" in login(college.users["teacher"]).get(reverse("teaching:observation_list")).content.decode()


def test_a_filed_observation_is_read_only_and_corrected_by_the_quality_office_audited(college, offering, login):
    record = _filed(college, offering.lessons.first())
    with pytest.raises(ValidationError, match="已提交"):
        obs.observation_save(actor=college.users["supervisor"], observation=record, scores={}, strengths="",
                             suggestions="", file=False)
    edit = reverse("teaching:observation_edit", args=[record.pk])
    assert login(college.users["supervisor"]).get(edit).status_code == 302
    with pytest.raises(ValidationError):
        obs.observation_correct(actor=college.users["leader"], observation=record, scores=_all(record.form, 6),
                                strengths="", suggestions="", reason="录入错误")
    client = login(college.users["quality"])
    response = client.post(edit, {**{f"i{i.pk}": "6" for i in record.form.indicators.all()}, "strengths": "x",
                                  "suggestions": "", "reason": ""})
    assert response.status_code == 400 and "请填写更正原因" in response.content.decode()
    response = client.post(edit, {**{f"i{i.pk}": "6" for i in record.form.indicators.all()}, "strengths": "x",
                                  "suggestions": "", "reason": "录入错误"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.total == Decimal("60.0")
    entry = AuditEntry.objects.filter(object_id=str(record.pk), note__startswith="更正").get()
    assert entry.actor == college.users["quality"] and entry.changes["total"] == ["80.0", "60.0"]


def test_the_phone_flow_keeps_what_was_typed_and_lists_every_problem(college, offering, login):
    lesson = offering.lessons.first()
    client = login(college.users["head"])
    page = client.get(reverse("teaching:observation_pick"), {"q": "张老师", "date": lesson.date.isoformat()})
    assert "Java-软件2401" in page.content.decode()
    assert "没有找到可以听的课" in client.get(reverse("teaching:observation_pick"),
                                          {"date": "2025-09-02"}).content.decode()
    response = client.post(reverse("teaching:observation_start", args=[lesson.pk]))
    record = Observation.objects.get()
    assert response.url == reverse("teaching:observation_edit", args=[record.pk])
    first = record.form.indicators.first()
    response = client.post(response.url, {f"i{first.pk}": "7", "strengths": "", "suggestions": "",
                                          "action": "file"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "请为“教学内容”打分" in body and "提交前请填写优点或不足与建议" in body
    assert '<option value="7" selected>' in body
    response = client.post(reverse("teaching:observation_edit", args=[record.pk]),
                           {f"i{first.pk}": "7", "action": "save"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == ObservationState.DRAFT and record.scores == {str(first.pk): 7} and record.total is None
    assert record.observer_kind == ObserverKind.UNIT_HEAD


def test_quotas_and_coverage_on_a_small_semester(college, offering, cad, login):
    period = offering.period
    week3 = MONDAY + datetime.timedelta(weeks=2)
    _filed(college, offering.lessons.first())
    _filed(college, offering.lessons.all()[1], actor_key="leader")
    # A draft does not count.
    obs.observation_start(actor=college.users["head"], institution=college.institution,
                          lesson=cad.lessons.first())
    board = obs.coverage(college.users["quality"], college.institution, period, today=week3)
    assert (board["teaching"], board["observed"]) == (2, 1)
    units = {r["unit"].name: (r["observed"], r["teaching"], r["rate"]) for r in board["units"]}
    assert units == {"信息工程学院": (1, 1, 100), "机械工程学院": (0, 1, 0)}
    [missing] = board["missing"]
    assert missing["teacher"].name == "李老师"
    assert [lesson.date for lesson in missing["lessons"]] == [week3 + datetime.timedelta(days=1)]
    observers = {o["name"]: (o["kind"], o["count"], o["quota"]) for o in board["observers"]}
    assert observers == {"督导": ("督导", 1, 16), "校长": ("校领导", 1, 4)}
    # The quality office sets the semester's quotas; nobody else may.
    with pytest.raises(ValidationError):
        obs.quotas_set(actor=college.users["head"], institution=college.institution, period=period,
                       counts={"supervisor": 3})
    client = login(college.users["quality"])
    url = f"{reverse('teaching:observation_board')}?period={period.pk}"
    response = client.post(url, {"quota_supervisor": "x", "quota_school_leader": "4", "quota_unit_head": "8",
                                 "quota_teacher": "2"})
    assert response.status_code == 400 and "督导的听课次数“x”不是整数" in response.content.decode()
    client.post(url, {"quota_supervisor": "3", "quota_school_leader": "4", "quota_unit_head": "8",
                      "quota_teacher": "2"})
    assert obs.quotas(college.institution, period)["supervisor"] == 3
    # A unit head sees their unit only, and not the observers' table.
    head = obs.coverage(college.users["head"], college.institution, period, today=week3)
    assert [r["unit"].name for r in head["units"]] == ["信息工程学院"] and head["missing"] == []
    assert head["observers"] == [] and not head["all_units"]
    assert login(college.users["teacher"]).get(reverse("teaching:observation_board")).status_code == 403
    page = login(college.users["supervisor"]).get(url).content.decode()
    assert "李老师" in page and "保存听课任务" not in page
    export = login(college.users["leader"]).get(reverse("teaching:observation_board_export"),
                                                 {"period": period.pk})
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["各部门覆盖", "未被听课教师", "听课任务完成"]
    assert any("李老师" in str(c.value) for row in book["未被听课教师"].iter_rows() for c in row)
    assert ObservationForm.objects.count() == 1


def test_information_officers_report_lesson_problems_to_the_teaching_office(college, other, offering, login):
    from zhengai.teaching.models import InformationOfficer, Lesson, LessonReport

    today = timezone.localdate()
    lesson = Lesson.objects.create(offering=offering, date=today, first_period=5, last_period=6, room="A101")
    student = college.users["student"]
    reports = reverse("teaching:report_list")
    # A student who is not an officer is told so; a teacher has no business here.
    assert "你不是学生信息员" in login(student).get(reports).content.decode()
    assert login(college.users["teacher"]).get(reports).status_code == 403
    with pytest.raises(ValidationError, match="你不是学生信息员"):
        obs.report_create(actor=student, institution=college.institution, lesson=lesson, category="late", text="x")
    # The quality office designates officers; a unit head may not.
    officers = reverse("teaching:officer_list")
    assert login(college.users["head"]).get(officers).status_code == 403
    client = login(college.users["quality"])
    response = client.post(officers, {"code": "S999"})
    assert response.status_code == 400 and "没有学号为“S999”的学生" in response.content.decode()
    assert client.post(officers, {"code": "S001"}).status_code == 302
    assert InformationOfficer.objects.get().student == college.students["s1"]
    # The officer reports; every problem is listed and what was typed is kept.
    client = login(student)
    response = client.post(reports, {"lesson": "", "category": "", "text": "空调坏了"})
    body = response.content.decode()
    assert response.status_code == 400 and "请选择你所在班级近两周的一次课" in body and "请选择问题类别" in body
    assert "空调坏了" in body
    assert client.post(reports, {"lesson": lesson.pk, "category": "facility", "text": "空调坏了"}).status_code == 302
    report = LessonReport.objects.get()
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert notified == {college.users["quality"].pk, college.users["head"].pk}
    # The teaching office reads and replies; others may not.
    assert "空调坏了" in login(college.users["head"]).get(reports).content.decode()
    assert login(other.users["quality"]).post(reverse("teaching:report_reply", args=[report.pk]),
                                              {"reply": "x"}).status_code == 404
    assert login(college.users["counsellor"]).get(reports).status_code == 403
    login(college.users["head"]).post(reverse("teaching:report_reply", args=[report.pk]),
                                      {"reply": "已报后勤维修"})
    report.refresh_from_db()
    assert report.state == "closed" and report.replied_by == college.users["head"]
    assert "已报后勤维修" in login(student).get(reports).content.decode()
    assert Notification.objects.filter(user=student).exists()
    # Withdrawn: the student can no longer report but still reads their past reports.
    officer = InformationOfficer.objects.get()
    login(college.users["quality"]).post(officers, {"withdraw": officer.pk})
    page = login(student).get(reports).content.decode()
    assert "你不是学生信息员" in page and "已报后勤维修" in page


def test_another_college_and_the_observed_teacher_cannot_reach_a_draft_or_a_lesson(college, other, offering, login):
    lesson = offering.lessons.first()
    record = obs.observation_start(actor=college.users["supervisor"], institution=college.institution,
                                   lesson=lesson)
    stranger = login(other.users["supervisor"])
    assert stranger.post(reverse("teaching:observation_start", args=[lesson.pk])).status_code == 404
    assert stranger.get(reverse("teaching:observation_edit", args=[record.pk])).status_code == 404
    teacher = login(college.users["teacher"])
    assert teacher.get(reverse("teaching:observation_edit", args=[record.pk])).status_code == 404
    # A teacher does not find their own lessons in the picker.
    page = teacher.get(reverse("teaching:observation_pick"), {"date": lesson.date.isoformat()}).content.decode()
    assert "Java-软件2401" not in page and "没有找到可以听的课" in page
    assert Observation.objects.count() == 1


def test_typed_comments_go_through_the_one_cleaner(college, offering):
    """The observation page posts plain fields: a bidi override hidden in a comment is refused by name, and
    nothing is saved."""
    lesson = offering.lessons.first()
    record = obs.observation_start(actor=college.users["supervisor"], institution=college.institution,
                                   lesson=lesson)
    with pytest.raises(ValidationError) as refused:
        obs.observation_save(actor=college.users["supervisor"], observation=record, scores=_all(record.form, 8),
                             strengths="讲解清楚\u202e", suggestions="", file=True)
    assert "U+202E" in str(refused.value)
    record.refresh_from_db()
    assert record.strengths == "" and record.state == "draft"
