"""Self-diagnosis reports: rows from the adopted framework with their evidence, the length rules at save and
submission, the sign-off order and who may sign, frozen signed reports and new versions, the pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from zhengai.core.models import AuditEntry
from zhengai.core.periods import ensure_academic_year
from zhengai.diagnosis.models import Improvement
from zhengai.frameworks.models import Element, Framework
from zhengai.frameworks.services import framework_adopt, framework_load, read_builtin
from zhengai.monitoring.models import Measurement, Warning
from zhengai.org.models import Unit
from zhengai.reports import services
from zhengai.reports.choices import ReportKind, ReportState
from zhengai.reports.models import Report
from zhengai.standards.models import QCPoint

YEAR = 2025


def adopt(college, code: str = "beijing") -> Framework:
    """The college adopts a built-in table (its own copy)."""
    builtin = (Framework.objects.filter(institution=None, code=code).first()
               or framework_load(data=read_builtin(f"{code}.json")))
    return framework_adopt(actor=college.users["quality"], institution=college.institution, framework=builtin)


def fill(report, text: str = "", *, achievements: str | None = None, problems: str | None = None,
         measures: str = "", effects: str = "") -> list[dict]:
    """Row data giving every applicable row the same texts; `text` split half and half when given."""
    half = len(text) // 2
    a = achievements if achievements is not None else text[:half]
    p = problems if problems is not None else text[half:]
    return [{"id": r.pk, "achievements": a, "problems": p, "measures": measures, "effects": effects}
            for r in report.rows.filter(applicable=True)]


def major_report(college, **kw) -> Report:
    adopt(college, kw.pop("code", "beijing"))
    return services.report_create(actor=college.users["major_leader"], kind=ReportKind.MAJOR,
                                  entity=college.majors["soft"], year=YEAR)


# ---- rows ---------------------------------------------------------------------------------------------------

def test_school_report_has_the_seed_template_rows_for_the_framework_in_use(college):
    framework = adopt(college, "beijing")
    report = services.report_create(actor=college.users["quality"], kind=ReportKind.SCHOOL,
                                    entity=college.institution, year=YEAR)
    rows = list(report.rows.order_by("order"))
    template = read_builtin("beijing.json")["report_template"]["projects"]
    expected = [(f"{p['number']} {p['name']}", f"{e['number']} {e['name']}") for p in template
                for e in p["elements"]]
    assert [(r.project_label, r.element_label) for r in rows] == expected
    assert len(rows) == 16 and all(r.applicable for r in rows)
    # Every element of the table in use is written about, and only those.
    elements = set(Element.objects.filter(project__framework=framework).values_list("pk", flat=True))
    assert {r.element_id for r in rows} == elements
    assert report.framework == framework and report.due == datetime.date(YEAR + 1, 11, 30)
    assert AuditEntry.objects.filter(object_id=str(report.pk), action="create").exists()


def test_school_report_without_a_template_has_a_row_per_element(college):
    framework = adopt(college, "wuhan-software")
    report = services.report_create(actor=college.users["quality"], kind=ReportKind.SCHOOL,
                                    entity=college.institution, year=YEAR)
    elements = list(Element.objects.filter(project__framework=framework).order_by("project__order", "order"))
    assert [r.element_id for r in report.rows.order_by("order")] == [e.pk for e in elements]
    assert len(elements) == 36


def test_college_report_fills_projects_two_to_six(college):
    adopt(college, "wuhan-software")
    report = services.report_create(actor=college.users["head"], kind=ReportKind.COLLEGE,
                                    entity=college.units["it"], year=YEAR)
    filled = {r.project_label.split()[0] for r in report.rows.filter(applicable=True)}
    assert filled == {"2", "3", "4", "5", "6"}
    assert report.rows.filter(applicable=False).count() == 4 + 4  # projects 1 and 7


def test_department_fills_only_elements_where_it_had_tasks(college):
    from zhengai.frameworks.models import Task

    framework = adopt(college, "wuhan-software")
    task = Task.objects.filter(point__element__project__framework=framework).exclude(lead="").first()
    name = task.lead.split("、")[0].strip()
    dept = Unit.objects.create(institution=college.institution, code="U91", name=name, kind="functional")
    report = services.report_create(actor=college.users["quality"], kind=ReportKind.DEPARTMENT, entity=dept,
                                    year=YEAR)
    applicable = report.rows.filter(applicable=True)
    assert applicable.filter(element=task.point.element).exists()
    assert 0 < applicable.count() < report.rows.count()
    row = applicable.get(element=task.point.element)
    assert task.content in row.evidence["framework_tasks"]
    # The unit with no tasks in the table fills nothing.
    office = services.report_create(actor=college.users["quality"], kind=ReportKind.DEPARTMENT,
                                    entity=college.units["office"], year=YEAR)
    assert not office.rows.filter(applicable=True).exists()


def test_kind_must_fit_the_entity(college):
    adopt(college)
    with pytest.raises(ValidationError, match="不是二级学院"):
        services.report_create(actor=college.users["quality"], kind=ReportKind.COLLEGE,
                               entity=college.units["office"], year=YEAR)
    services.report_create(actor=college.users["quality"], kind=ReportKind.MAJOR, entity=college.majors["soft"],
                           year=YEAR)
    with pytest.raises(ValidationError, match="已存在"):
        services.report_create(actor=college.users["quality"], kind=ReportKind.MAJOR, entity=college.majors["soft"],
                               year=YEAR)


def test_only_writers_create(college):
    adopt(college)
    with pytest.raises(PermissionDenied):
        services.report_create(actor=college.users["teacher"], kind=ReportKind.MAJOR, entity=college.majors["soft"],
                               year=YEAR)
    with pytest.raises(PermissionDenied):
        services.report_create(actor=college.users["major_leader"], kind=ReportKind.SCHOOL,
                               entity=college.institution, year=YEAR)
    assert not Report.objects.exists()  # refused creations leave nothing behind


def _evidence_world(college):
    """A major-level QC point linked to element 2.2 (专业诊改) of the Beijing table, measured for the software
    major, with a warning and two improvements: one verified by a later measurement, one not carried out."""
    framework = adopt(college)
    point = Element.objects.get(project__framework=framework, number="2.2").points.first()
    qc = QCPoint.objects.create(institution=college.institution, code="TM1", name="专业对口就业率", level="major",
                                formula="1", unit="%")
    qc.points.add(point)
    year = ensure_academic_year(YEAR)
    major = college.majors["soft"]
    key = f"major:{major.pk}"
    first = Measurement.objects.create(institution=college.institution, level="major", entity_key=key, major=major,
                                       qc_point=qc, period=year, value=58, status="fail", computed_at=timezone.now())
    later = Measurement.objects.create(institution=college.institution, level="major", entity_key=key, major=major,
                                       qc_point=qc, period=year, value=81, status="pass", computed_at=timezone.now(),
                                       version=2)
    warning = Warning.objects.create(institution=college.institution, level="major", entity_key=key, major=major,
                                     qc_point=qc, period=year, measurement=first, severity="serious")
    Improvement.objects.create(institution=college.institution, level="major", entity_key=key, major=major,
                               warning=warning, qc_point=qc, measure="与合作企业共建订单班", deadline=datetime.date(
                                   YEAR + 1, 3, 1), state="effective", effect="对口就业率由58%升至81%",
                               effect_measurement=later)
    Improvement.objects.create(institution=college.institution, level="major", entity_key=key, major=major,
                               qc_point=qc, measure="开展毕业生跟踪调查", deadline=datetime.date(YEAR + 1, 6, 1),
                               state="planned", expected_effect="对口率提高到90%")
    return qc


def test_rows_are_prefilled_with_evidence_and_a_draft_that_never_invents_an_effect(college):
    _evidence_world(college)
    report = services.report_create(actor=college.users["major_leader"], kind=ReportKind.MAJOR,
                                    entity=college.majors["soft"], year=YEAR)
    row = report.rows.get(element_label="2.2 专业诊改")
    assert row.applicable
    qc = row.evidence["qc_points"][0]
    assert qc["code"] == "TM1"
    # The newest data version only.
    assert [(m["value"], m["status"]) for m in qc["measurements"]] == [("81", "pass")]
    assert row.evidence["warnings"][0]["severity"] == "严重"
    assert [i["state"] for i in row.evidence["improvements"]] == ["effective", "planned"]
    assert row.measures == "1. 与合作企业共建订单班；2. 开展毕业生跟踪调查"
    assert "对口就业率由58%升至81%" in row.effects and "测量值 81" in row.effects
    assert "措施2尚未实施" in row.effects
    assert "90%" not in row.effects  # the expected effect is a forecast, never written as an effect
    # Elements the major has nothing linked to are not pre-marked for filling.
    assert not report.rows.get(element_label="1.1 质量保证理念").applicable


# ---- length rules -------------------------------------------------------------------------------------------

def school_report(college) -> Report:
    adopt(college)
    return services.report_create(actor=college.users["quality"], kind=ReportKind.SCHOOL,
                                  entity=college.institution, year=YEAR)


@pytest.mark.parametrize("count,ok", [(500, True), (501, False)])
def test_school_opinion_per_element(college, count, ok):
    report = school_report(college)
    row = report.rows.get(element_label="1.2 组织构架")
    data = [{"id": row.pk, "achievements": "成" * (count - 250), "problems": "问" * 250}]
    if ok:
        services.report_save(actor=college.users["quality"], report=report, overview="", rows=data)
        row.refresh_from_db()
        assert len(row.achievements) == count - 250
    else:
        with pytest.raises(ValidationError) as exc:
            services.report_save(actor=college.users["quality"], report=report, overview="", rows=data)
        assert exc.value.messages == ["“1.2 组织构架”的自我诊断意见 501 字，超过 500 字"]
        row.refresh_from_db()
        assert row.achievements == ""  # nothing saved


@pytest.mark.parametrize("field,label", [("measures", "改进措施"), ("effects", "改进效果")])
@pytest.mark.parametrize("count,ok", [(200, True), (201, False)])
def test_school_measures_and_effects_per_element(college, field, label, count, ok):
    report = school_report(college)
    row = report.rows.get(element_label="2.1 专业建设规划")
    data = [{"id": row.pk, field: "措" * count}]
    if ok:
        services.report_save(actor=college.users["quality"], report=report, overview="", rows=data)
    else:
        with pytest.raises(ValidationError) as exc:
            services.report_save(actor=college.users["quality"], report=report, overview="", rows=data)
        assert exc.value.messages == [f"“2.1 专业建设规划”的{label} 201 字，超过 200 字"]


@pytest.mark.parametrize("count,ok", [(500, True), (501, False)])
def test_school_overview(college, count, ok):
    report = school_report(college)
    if ok:
        services.report_save(actor=college.users["quality"], report=report, overview="述" * count)
    else:
        with pytest.raises(ValidationError, match="概述 501 字，超过 500 字"):
            services.report_save(actor=college.users["quality"], report=report, overview="述" * count)


def _spread(report, total: int) -> tuple[str, list[dict]]:
    """Texts that add up to exactly `total` 字 over the overview and the applicable rows' opinions, each
    opinion half problems (so no share warning) and within no per-element limit."""
    rows = list(report.rows.filter(applicable=True))
    per = min(400, total // (len(rows) + 1))
    data, left = [], total
    for r in rows:
        n = min(per, left)
        data.append({"id": r.pk, "achievements": "成" * (n // 2), "problems": "问" * (n - n // 2)})
        left -= n
    return "述" * left, data


@pytest.mark.parametrize("total,ok", [(8000, True), (8001, False)])
def test_college_total(college, total, ok):
    adopt(college, "wuhan-software")
    report = services.report_create(actor=college.users["head"], kind=ReportKind.COLLEGE,
                                    entity=college.units["it"], year=YEAR)
    overview, rows = _spread(report, total)
    if ok:
        services.report_save(actor=college.users["head"], report=report, overview=overview, rows=rows)
    else:
        with pytest.raises(ValidationError, match="报告全文 8001 字，超过 8000 字"):
            services.report_save(actor=college.users["head"], report=report, overview=overview, rows=rows)


@pytest.mark.parametrize("total,ok", [(1999, False), (2000, True), (3000, True), (3001, False)])
def test_department_range_checked_on_submission(college, total, ok):
    adopt(college)
    report = services.report_create(actor=college.users["quality"], kind=ReportKind.DEPARTMENT,
                                    entity=college.units["office"], year=YEAR)
    overview, _ = _spread(report, total)
    # While drafting, both bounds are only warnings: the save goes through.
    warnings = services.report_save(actor=college.users["quality"], report=report, overview=overview)
    assert bool(warnings) is (not ok)
    if ok:
        services.report_submit(actor=college.users["quality"], report=report)
        report.refresh_from_db()
        assert report.state == ReportState.SUBMITTED
    else:
        with pytest.raises(ValidationError, match=f"报告全文 {total} 字"):
            services.report_submit(actor=college.users["quality"], report=report)
        report.refresh_from_db()
        assert report.state == ReportState.DRAFT


@pytest.mark.parametrize("kind_limit", [(ReportKind.MAJOR, 3000), (ReportKind.COURSE, 2000)])
def test_major_and_course_totals(college, kind_limit):
    kind, limit = kind_limit
    adopt(college)
    entity = college.majors["soft"] if kind == ReportKind.MAJOR else college.courses["java"]
    report = services.report_create(actor=college.users["quality"], kind=kind, entity=entity, year=YEAR)
    services.report_save(actor=college.users["quality"], report=report, overview="述" * limit)
    with pytest.raises(ValidationError, match=f"超过 {limit} 字"):
        services.report_save(actor=college.users["quality"], report=report, overview="述" * (limit + 1))


def test_share_of_problems_is_flagged_not_blocked(college):
    report = school_report(college)
    row = report.rows.get(element_label="1.1 质量保证理念")
    warnings = services.report_save(actor=college.users["quality"], report=report, overview="概述",
                                    rows=[{"id": row.pk, "achievements": "成" * 300, "problems": "问" * 100}])
    assert [w.message for w in warnings] == [
        "“1.1 质量保证理念”的存在问题与原因分析 100 字，占自我诊断意见 400 字的 25%，要求不少于 1/2"]
    assert services.report_submit(actor=college.users["quality"], report=report)  # flagged, still submitted
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED


def test_a_forecast_effect_is_refused_in_a_report_row_and_blocks_submission(college):
    """Seeds 003 附件4 / 004 附件2 note 4: the improvement loop's forecast rule holds in reports too."""
    report = major_report(college)
    ml = college.users["major_leader"]
    row = report.rows.filter(applicable=True).first()
    forecast = "预计下学期到课率提高到98%。"
    with pytest.raises(services.ReportInvalid) as exc:
        services.report_save(actor=ml, report=report, overview="概述",
                             rows=[{"id": row.pk, "effects": forecast}])
    message = exc.value.messages[0]
    assert row.element_label in message and "“预计”" in message
    assert "实施改进措施之后已经显现的实际效果，不是预测或估计成效" in message
    row.refresh_from_db()
    assert row.effects != forecast
    # A row that holds one all the same (written before the rule) cannot be submitted.
    type(row).objects.filter(pk=row.pk).update(effects=forecast)
    with pytest.raises(services.ReportInvalid, match="预计"):
        services.report_submit(actor=ml, report=report)
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT
    # What was observed is accepted.
    services.report_save(actor=ml, report=report, overview="概述",
                         rows=[{"id": row.pk, "effects": "到课率由91%升至96%，达到预期。"}])


# ---- sign-off and versions ----------------------------------------------------------------------------------

def test_signed_report_never_changes_and_a_new_version_keeps_the_old(college):
    report = major_report(college)
    ml, head = college.users["major_leader"], college.users["head"]
    services.report_save(actor=ml, report=report, overview="本年度专业诊改概述")
    with pytest.raises(ValidationError, match="报告人签字后"):
        services.report_sign_head(actor=head, report=report)
    services.report_submit(actor=ml, report=report)
    with pytest.raises(ValidationError, match="已提交签字"):
        services.report_save(actor=ml, report=report, overview="改")
    services.report_sign_head(actor=head, report=report)
    report.refresh_from_db()
    assert report.state == ReportState.SIGNED and report.frozen
    assert report.reporter == ml and report.head == head and report.reported_at and report.head_signed_at
    with pytest.raises(ValidationError, match="已签发"):
        services.report_save(actor=ml, report=report, overview="偷偷修改")
    row = report.rows.first()
    with pytest.raises(ValidationError, match="已签发"):
        services.report_save(actor=college.users["quality"], report=report, overview="本年度专业诊改概述",
                             rows=[{"id": row.pk, "achievements": "改"}])
    new = services.report_new_version(actor=ml, report=report)
    assert (new.version, new.previous, new.state) == (2, report, ReportState.DRAFT)
    assert new.overview == report.overview and new.rows.count() == report.rows.count()
    services.report_save(actor=ml, report=new, overview="第二版概述")
    report.refresh_from_db()
    assert report.overview == "本年度专业诊改概述" and report.state == ReportState.SIGNED
    assert not report.rows.exclude(achievements="").exists()
    with pytest.raises(ValidationError, match="已有第 2 版"):
        services.report_new_version(actor=ml, report=report)
    with pytest.raises(ValidationError, match="只有已签发"):
        services.report_new_version(actor=ml, report=new)


def test_who_may_sign(college):
    report = major_report(college)
    services.report_submit(actor=college.users["major_leader"], report=report)
    for key in ("teacher", "major_leader", "course_leader", "leader"):
        with pytest.raises(PermissionDenied):
            services.report_sign_head(actor=college.users[key], report=report)
    other_head = Unit.objects.get(pk=college.units["mech"].pk)
    assert not services.head_units(report) & {other_head.pk}
    with pytest.raises(ValidationError, match="只有学校"):
        services.report_sign_president(actor=college.users["leader"], report=report)


def test_school_sign_off_order(college):
    report = school_report(college)
    quality, leader = college.users["quality"], college.users["leader"]
    services.report_submit(actor=quality, report=report)
    with pytest.raises(ValidationError, match="负责人签字后"):
        services.report_sign_president(actor=leader, report=report)
    with pytest.raises(PermissionDenied):
        services.report_sign_head(actor=college.users["head"], report=report)
    services.report_sign_head(actor=quality, report=report)
    report.refresh_from_db()
    assert report.state == ReportState.HEAD_SIGNED and not report.frozen
    with pytest.raises(PermissionDenied):
        services.report_sign_president(actor=quality, report=report)
    services.report_sign_president(actor=leader, report=report)
    report.refresh_from_db()
    assert report.state == ReportState.SIGNED and report.president == leader and report.president_signed_at


def test_head_returns_with_a_reason(college):
    report = major_report(college)
    services.report_submit(actor=college.users["major_leader"], report=report)
    with pytest.raises(ValidationError, match="退回原因"):
        services.report_return(actor=college.users["head"], report=report, reason=" ")
    with pytest.raises(PermissionDenied):
        services.report_return(actor=college.users["teacher"], report=report, reason="不行")
    services.report_return(actor=college.users["head"], report=report, reason="问题分析不够")
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT and report.reporter is None and report.reported_at is None
    assert AuditEntry.objects.filter(object_id=str(report.pk), note="退回：问题分析不够").exists()


# ---- pages --------------------------------------------------------------------------------------------------

def test_list_and_detail_are_scoped(college, other, login):
    report = major_report(college)
    page = login(college.users["major_leader"]).get(reverse("reports:report_list"))
    assert page.status_code == 200 and report.title in page.content.decode()
    client = login(other.users["quality"])
    assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:report_docx", args=[report.pk])).status_code == 404
    # A teacher sees no major's report.
    assert login(college.users["teacher"]).get(reverse("reports:report_detail", args=[report.pk])).status_code == 404


def test_detail_shows_evidence_counts_and_sign_buttons(college, login):
    _evidence_world(college)
    report = services.report_create(actor=college.users["major_leader"], kind=ReportKind.MAJOR,
                                    entity=college.majors["soft"], year=YEAR)
    html = login(college.users["major_leader"]).get(reverse("reports:report_detail", args=[report.pk])).content \
        .decode()
    assert "专业对口就业率" in html and "达标" in html and "data-limit" in html
    assert "报告人签字并提交" in html


def test_over_long_opinion_refused_in_the_page_keeps_what_was_typed(college, login):
    report = major_report(college)
    row = report.rows.get(element_label="2.2 专业诊改")
    client = login(college.users["major_leader"])
    typed = "好" * 150 + "坏" * 60
    response = client.post(reverse("reports:report_detail", args=[report.pk]), {
        "overview": "述" * 10, f"row-{row.pk}-applicable": "on", f"row-{row.pk}-achievements": typed,
        f"row-{row.pk}-problems": "", f"row-{row.pk}-measures": "措" * 201, f"row-{row.pk}-effects": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "“2.2 专业诊改”的改进措施 201 字，超过 200 字" in html
    assert typed in html  # kept in the form
    row.refresh_from_db()
    assert row.achievements == ""


def test_page_sign_off_by_role(college, login):
    adopt(college)
    report = services.report_create(actor=college.users["course_leader"], kind=ReportKind.COURSE,
                                    entity=college.courses["java"], year=YEAR)
    services.report_save(actor=college.users["course_leader"], report=report, overview="课程概述")
    client = login(college.users["course_leader"])
    assert client.post(reverse("reports:report_submit", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    # The course's teacher sees the report but may not sign as head.
    teacher = login(college.users["teacher"])
    assert teacher.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
    assert teacher.post(reverse("reports:report_sign_head", args=[report.pk])).status_code == 403
    head = login(college.users["head"])
    assert head.post(reverse("reports:report_sign_head", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.SIGNED and report.head == college.users["head"]


def test_create_from_the_list_page(college, login):
    adopt(college)
    client = login(college.users["major_leader"])
    page = client.get(reverse("reports:report_list")).content.decode()
    assert f"major:{college.majors['soft'].pk}" in page and "school:" not in page
    response = client.post(reverse("reports:report_list"), {"entity": f"major:{college.majors['soft'].pk}",
                                                            "year": YEAR})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:report_detail",
                                                                           args=[report.pk])
    # Someone else's entity is refused.
    response = client.post(reverse("reports:report_list"), {"entity": f"major:{college.majors['mech'].pk}",
                                                            "year": YEAR})
    assert response.status_code == 200 and Report.objects.count() == 1


def test_status_page(college, login):
    report = major_report(college)
    services.report_submit(actor=college.users["major_leader"], report=report)
    page = login(college.users["quality"]).get(reverse("reports:status") + f"?year={YEAR}")
    html = page.content.decode()
    assert page.status_code == 200
    for name in (college.institution.name, "信息工程学院", "机械工程学院", "质量管理办公室", "软件技术",
                 "机械设计与制造", "Java程序设计"):
        assert name in html
    assert "机械制图" not in html  # no course leader: not expected
    assert college.users["major_leader"].name in html
    assert login(college.users["teacher"]).get(reverse("reports:status")).status_code == 403


def test_status_knows_who_is_late(college):
    from zhengai.reports.selectors import status_rows

    adopt(college)
    rows = {(r.kind, r.name): r for r in status_rows(college.institution, 2020)}
    assert rows[("major", "软件技术")].late and not rows[("major", "软件技术")].submitted
    future = {(r.kind, r.name): r for r in status_rows(college.institution, timezone.localdate().year + 1)}
    assert not future[("major", "软件技术")].late
