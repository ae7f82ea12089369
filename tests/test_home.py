from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengai.frameworks.services import framework_adopt, load_builtin


@pytest.mark.parametrize(
    ("who", "cards", "sees_counts"),
    [
        ("quality", [], True),
        ("leader", [], True),
        ("head", ["本部门：信息工程学院"], False),
        ("major_leader", ["我负责的专业：软件技术"], False),
        ("course_leader", ["我负责的课程：Java程序设计"], False),
        ("teacher", ["我的教师档案：张老师"], False),
        ("counsellor", ["我带的班级：软件2401"], False),
        ("head_teacher", ["我带的班级：软件2401"], False),
        ("student", ["我的学籍：王同学"], False),
    ],
)
def test_home_shows_each_person_their_own_scope(college, other, login, who, cards, sees_counts):
    html = login(college.users[who]).get("/").content.decode()
    for title in cards:
        assert title in html
    assert ("测试职业技术学院概况" in html) is sees_counts
    # Nothing of the other college, and no other person's card.
    assert "另一所职业学院" not in html
    others = {"本部门：", "我负责的专业：", "我负责的课程：", "我带的班级：", "我的学籍：", "我的教师档案："}
    assert {t for t in others if t in html} == {t.split("：")[0] + "：" for t in cards}


def test_home_tells_quality_office_to_adopt_a_framework_until_it_does(college, login):
    client = login(college.users["quality"])
    assert "本校还没有采用诊断项目表" in client.get("/").content.decode()
    builtin = {f.code: f for f in load_builtin()}["beijing"]
    framework_adopt(actor=college.users["quality"], institution=college.institution, framework=builtin)
    html = client.get("/").content.decode()
    assert "本校还没有采用诊断项目表" not in html and "38 个诊断点" in html


def test_home_query_count_does_not_grow_with_the_college(college, login):
    client = login(college.users["quality"])
    client.get("/")
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    from tests.personas import build_college

    build_college("10003", "第三所学院", "y_")  # more rows of every kind (in another college)
    from zhengai.org.models import Student

    Student.objects.bulk_create(
        Student(institution=college.institution, code=f"B{i}", name="批量", major=college.majors["soft"],
                klass=college.classes["soft1"], cohort=2024) for i in range(200)
    )
    with CaptureQueriesContext(connection) as large:
        client.get("/")
    assert len(large) == len(small)
    # The home page answers about a dozen questions (each a count and its first few items, and the school-wide
    # figures second): a fixed number of queries, whatever the size of the college.
    assert len(small) <= 45


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_home_lists_my_open_tasks_and_flags_the_late_ones(college, login):
    import datetime

    from django.utils import timezone

    from zhengai.goals.models import OnePagePlan, PlanTask

    today = timezone.localdate()
    it = college.units["it"]
    plan = OnePagePlan.objects.create(institution=college.institution, level="unit", entity_key=f"unit:{it.pk}",
                                      unit=it, year=today.year, name="信息工程学院年度一页纸工作计划")
    head = college.users["head"]
    PlanTask.objects.create(institution=college.institution, plan=plan, number=1, title="修订人才培养方案",
                            owner=head, unit=it, due=today - datetime.timedelta(days=3), progress=40,
                            state="in_progress")
    PlanTask.objects.create(institution=college.institution, plan=plan, number=2, title="已完成的任务", owner=head,
                            unit=it, due=today, progress=100, state="done")
    html = login(head).get("/").content.decode()
    assert "修订人才培养方案" in html and "已逾期 1 项" in html
    assert "已完成的任务" not in html
    # Another person's task is not on the teacher's home page.
    assert "修订人才培养方案" not in login(college.users["teacher"]).get("/").content.decode()


# ---- next actions first, each count linking to exactly its list ----------------------------------------------

def _count_link(html: str, key: str) -> tuple[str, int]:
    import re

    part = html[html.index(f'id="action-{key}"'):]
    found = re.search(r'<a href="([^"]+)"><strong>(\d+)</strong>', part)
    assert found, key
    return found.group(1).replace("&amp;", "&"), int(found.group(2))


def _onepage(college, level, entity, status="submitted", name="计划"):
    from django.utils import timezone

    from zhengai.goals.models import OnePagePlan

    fields = {"unit": entity} if level == "unit" else {level if level != "class" else "klass": entity}
    return OnePagePlan.objects.create(institution=college.institution, level=level, entity_key=f"{level}:{entity.pk}",
                                      year=timezone.localdate().year, name=name, status=status,
                                      submitted_at=timezone.now() if status == "submitted" else None, **fields)


def test_a_head_sees_the_course_plan_waiting_for_her_review_and_opens_it(college, login):
    waiting = _onepage(college, "course", college.courses["java"], name="Java程序设计课程一页纸计划")
    _onepage(college, "unit", college.units["it"], name="信息工程学院一页纸计划")  # the level above approves it
    _onepage(college, "course", college.courses["cad"], name="机械制图课程一页纸计划")  # another college's
    client = login(college.users["head"])
    html = client.get("/").content.decode()
    url, count = _count_link(html, "review_plans")
    assert count == 1 and "Java程序设计课程一页纸计划" in html and "信息工程学院一页纸计划" not in html
    assert f'href="/goals/onepage/{waiting.pk}/"' in html
    assert client.get(f"/goals/onepage/{waiting.pk}/").status_code == 200
    listed = client.get(url)
    assert listed.status_code == 200 and listed.context["page"].paginator.count == 1
    assert [p.pk for p in listed.context["page"]] == [waiting.pk]
    # A teacher approves nothing: no such line on their home page.
    assert 'id="action-review_plans"' not in login(college.users["teacher"]).get("/").content.decode()


def test_a_head_sees_the_major_report_waiting_for_her_signature(college, login):
    from tests.reports.test_reports import major_report
    from zhengai.reports import services

    report = major_report(college)
    services.report_submit(actor=college.users["major_leader"], report=report)
    client = login(college.users["head"])
    html = client.get("/").content.decode()
    url, count = _count_link(html, "sign_reports")
    assert count == 1 and report.title in html
    listed = client.get(url)
    assert listed.status_code == 200 and [r.pk for r in listed.context["page"]] == [report.pk]
    assert client.get(f"/reports/{report.pk}/").status_code == 200
    # Not the other college's head (mech), and not the school leader: it is not theirs to sign.
    assert _count_link(login(college.users["leader"]).get("/").content.decode(), "sign_reports")[1] == 0


def test_reports_due_for_what_a_major_leader_answers_for_flag_the_late_one(college, login, monkeypatch):
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 12, 5))
    html = login(college.users["major_leader"]).get("/").content.decode()
    part = html[html.index('id="action-reports_due"'):]
    assert "2025—2026学年应交的自我诊改报告" in part
    assert "专业：软件技术" in part and "已逾期" in part and "尚未编写" in part
    assert "机械设计与制造" not in part


def test_my_cycles_with_their_current_step_and_the_filtered_list(college, login):
    from tests.diagnosis import major_cycle

    mine = major_cycle(college)
    major_cycle(college, key="mech")  # another college's major: not the head's
    client = login(college.users["head"])
    html = client.get("/").content.decode()
    url, count = _count_link(html, "cycles")
    assert count == 1 and f"当前步骤：{mine.stage.name}" in html
    listed = client.get(url)
    assert listed.status_code == 200 and [c.pk for c in listed.context["page"]] == [mine.pk]
    # The quality office may read every cycle, but neither is theirs to move: 0 first, the school's 2 second.
    html = login(college.users["quality"]).get("/").content.decode()
    assert _count_link(html, "cycles")[1] == 0
    school = html[html.index('id="school"'):]
    assert "全校进行中的诊改周期" in school and '<strong>2</strong>' in school


def test_warnings_are_counted_per_point_and_each_count_opens_exactly_those(college, login):
    from zhengai.core.periods import ensure_academic_year
    from zhengai.monitoring.models import Warning
    from zhengai.standards.models import QCPoint

    year = ensure_academic_year(2024)
    p1 = QCPoint.objects.create(institution=college.institution, code="M01", name="生师比", level="major",
                                formula="1")
    p2 = QCPoint.objects.create(institution=college.institution, code="M02", name="就业率", level="major",
                                formula="1")
    for major, qc in ((college.majors["soft"], p1), (college.majors["soft"], p2), (college.majors["mech"], p1)):
        Warning.objects.create(institution=college.institution, level="major", entity_key=f"major:{major.pk}",
                               major=major, qc_point=qc, period=year, severity="warning")
    soft = college.majors["soft"]
    Warning.objects.create(institution=college.institution, level="major", entity_key=f"major:{soft.pk}", major=soft,
                           qc_point=p1, period=ensure_academic_year(2023), severity="warning", state="acknowledged")
    client = login(college.users["major_leader"])
    html = client.get("/").content.decode()
    part = html[html.index('id="warnings"'):]
    assert "生师比 <strong>1</strong> 条" in part and "就业率 <strong>1</strong> 条" in part
    url = f"/monitoring/warnings/mine/?mine=1&point={p1.pk}&state=open"
    assert url.replace("&", "&amp;") in part
    listed = client.get(url)
    assert listed.status_code == 200 and [(w.qc_point_id, w.state) for w in listed.context["warnings"]] == [
        (p1.pk, "open")]
    # The one already acknowledged is counted apart, with its own list.
    assert "已确认 <strong>1</strong> 条" in part
    listed = client.get("/monitoring/warnings/mine/?mine=1&state=acknowledged")
    assert [w.state for w in listed.context["warnings"]] == ["acknowledged"]


def test_the_months_progress_due_links_to_the_form(college, login):
    from django.utils import timezone

    from zhengai.goals.models import PlanTask, ProgressUpdate

    today = timezone.localdate()
    plan = _onepage(college, "teacher", college.teachers["t1"], status="approved", name="张老师一页纸计划")
    teacher = college.users["teacher"]
    due = PlanTask.objects.create(institution=college.institution, plan=plan, number=1, title="建设在线课程",
                                  owner=teacher, months=[today.month], progress=10)
    PlanTask.objects.create(institution=college.institution, plan=plan, number=2, title="下月才开展的任务",
                            owner=teacher, months=[today.month % 12 + 1])
    reported = PlanTask.objects.create(institution=college.institution, plan=plan, number=3, title="已报进展",
                                       owner=teacher, months=[today.month])
    ProgressUpdate.objects.create(institution=college.institution, task=reported, year=today.year,
                                  month=today.month, progress=50)
    client = login(teacher)
    html = client.get("/").content.decode()
    part = html[html.index('id="action-progress"'):html.index('id="warnings"')]
    assert "建设在线课程" in part and "下月才开展的任务" not in part and "已报进展" not in part
    assert _count_link(html, "progress")[1] == 1
    assert client.get(f"/goals/onepage/tasks/{due.pk}/progress/").status_code == 200
    assert client.get(_count_link(html, "progress")[0]).status_code == 200


def test_wide_roles_see_their_own_actions_first_and_the_school_second(college, login):
    """The quality office and the school leader do not see one identical whole-school count: the school report
    waits for the office's signature, then for the president's; the school-wide figures come after."""
    from tests.reports.test_reports import adopt
    from zhengai.reports import services
    from zhengai.reports.choices import ReportKind

    adopt(college)
    report = services.report_create(actor=college.users["quality"], kind=ReportKind.SCHOOL,
                                    entity=college.institution, year=2025)
    services.report_submit(actor=college.users["quality"], report=report)
    quality = login(college.users["quality"]).get("/").content.decode()
    leader = login(college.users["leader"]).get("/").content.decode()
    assert _count_link(quality, "sign_reports")[1] == 1 and _count_link(leader, "sign_reports")[1] == 0
    services.report_sign_head(actor=college.users["quality"], report=report)
    quality = login(college.users["quality"]).get("/").content.decode()
    leader = login(college.users["leader"]).get("/").content.decode()
    assert _count_link(quality, "sign_reports")[1] == 0 and _count_link(leader, "sign_reports")[1] == 1
    for html in (quality, leader):
        assert html.index('id="next"') < html.index('id="school"')
    # Only the quality office and supervisors check task records.
    assert 'id="action-review_records"' in quality and 'id="action-review_records"' not in leader


def test_empty_states_say_what_to_do(college, login):
    html = login(college.users["head"]).get("/").content.decode()
    assert "没有等待您审核的一页纸计划。下级提交计划后会出现在这里" in html
    assert "没有等待您签字的报告" in html and "您没有进行中的诊改周期" in html


def test_students_and_teachers_reach_their_portrait_in_one_click(college, login):
    for who, url in (("student", f"/entities/student/{college.students['s1'].pk}/"),
                     ("teacher", f"/entities/teacher/{college.teachers['t1'].pk}/")):
        client = login(college.users[who])
        html = client.get("/").content.decode()
        assert f'<a class="button" href="{url}">我的画像</a>' in html
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["leader", "quality", "steward", "supervisor", "head", "major_leader",
                                 "course_leader", "teacher", "counsellor", "student", "expert"])
def test_every_link_on_the_home_page_opens(college, login, who):
    """With something waiting in every line (a plan, a report, a cycle, warnings), each link the home page shows
    answers 200 for the person who sees it."""
    import re

    from tests.diagnosis import major_cycle
    from tests.reports.test_reports import major_report
    from zhengai.reports import services

    _onepage(college, "course", college.courses["java"], name="Java程序设计课程一页纸计划")
    services.report_submit(actor=college.users["major_leader"], report=major_report(college))
    major_cycle(college)
    client = login(college.users[who])
    html = client.get("/").content.decode()
    links = {h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"]*)"', html)
             if not h.startswith(("/static/", "/logout"))}
    assert len(links) > 5
    bad = {link: client.get(link).status_code for link in links}
    assert {k: v for k, v in bad.items() if v != 200} == {}


def test_records_to_check_reach_the_quality_office_and_supervisors(college, login):
    from zhengai.goals.models import PlanTask, RecordItem, TaskRecord

    plan = _onepage(college, "unit", college.units["it"], status="approved", name="信息工程学院一页纸计划")
    task = PlanTask.objects.create(institution=college.institution, plan=plan, number=1, title="修订人才培养方案",
                                   owner=college.users["head"])
    record = TaskRecord.objects.create(institution=college.institution, task=task)
    RecordItem.objects.create(institution=college.institution, record=record, number=1, content="调研企业需求",
                              result="调研报告", result_state="met")
    RecordItem.objects.create(institution=college.institution, record=record, number=2, content="尚未完成的工作")
    RecordItem.objects.create(institution=college.institution, record=record, number=3, content="已核查的工作",
                              result="已完成", result_state="met", review_opinion="属实")
    for who in ("quality", "supervisor"):
        client = login(college.users[who])
        html = client.get("/").content.decode()
        url, count = _count_link(html, "review_records")
        assert count == 1 and "调研企业需求" in html
        listed = client.get(url)
        assert listed.status_code == 200 and [i.content for i in listed.context["page"]] == ["调研企业需求"]
        assert client.get(f"/goals/records/task/{task.pk}/").status_code == 200
    assert login(college.users["head"]).get("/goals/records/review/").status_code == 403


def test_a_student_home_has_no_staff_lines(college, login):
    html = login(college.users["student"]).get("/").content.decode()
    assert 'id="next"' not in html and "诊改周期" not in html and "全校" not in html
    assert "我的画像" in html and "我的预警" in html


def test_the_data_steward_is_told_what_to_do_and_shown_no_locked_door(college, login):
    """The steward is institution-wide but not one of the warning list's roles: the school's warning count is
    shown without a link to it, and their next step is the state-data import."""
    client = login(college.users["steward"])
    html = client.get("/").content.decode()
    assert "在<a href=\"/statedata/\">状态数据</a>页导入各数据表" in html
    assert "/monitoring/warnings/?" not in html and 'href="/monitoring/warnings/"' not in html
    assert client.get("/monitoring/warnings/").status_code == 403
