"""Results with hand-computed values: the satisfaction rule, averages and percentages, the graduate follow-up
indicators as the reference defines them, and what a closed survey writes into the state data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.surveys.conftest import make_survey, question
from zhengai.core.periods import ensure_academic_year
from zhengai.statedata import models as sd
from zhengai.statedata.models import ImportRecord
from zhengai.surveys import selectors, services
from zhengai.surveys.choices import Audience, QuestionKind, Template

pytestmark = pytest.mark.django_db


def invitees(c, survey, majors):
    return services.invitees_add(actor=c.users["quality"], survey=survey, rows=[
        {"name": f"受邀{i}", "contact": "", "major": m, "cohort": 2025} for i, m in enumerate(majors)])


def submit(survey, invitee, by_key):
    """One response naming answers by question key (choices by label, numbers as numbers)."""
    keyed = {q.key: q for q in survey.questions.exclude(key="")}
    answers = []
    for key, value in by_key.items():
        q = keyed[key]
        if q.kind == QuestionKind.NUMBER:
            answers.append({"question": q, "number": Decimal(value)})
        else:
            answers.append({"question": q, "choice": value})
    services.response_submit(survey=survey, answers=answers, invitee=invitee)


def test_satisfaction_is_satisfied_over_satisfied_plus_dissatisfied(college):
    survey = make_survey(college, audience=Audience.GRADUATES)
    likert = question(survey, QuestionKind.LIKERT)
    picks = ["很满意", "很满意", "满意", "基本满意", "不满意", "很不满意", "无法评估", "无法评估"]
    for invitee, pick in zip(invitees(college, survey, [None] * 8), picks, strict=True):
        services.response_submit(survey=survey, answers=[{"question": likert, "choice": pick}], invitee=invitee)
    result = next(r for r in selectors.question_results(survey) if r.question == likert)
    row = result.rows[0]
    assert result.answered == 8
    assert (row.satisfied, row.dissatisfied) == (4, 2)          # 很满意×2 + 满意 + 基本满意; 不满意 + 很不满意
    assert row.satisfaction == Decimal("66.7")                  # 4 ÷ (4 + 2); 无法评估 left out
    assert row.average == Decimal("3.33")                       # (5×2 + 4 + 3 + 2 + 1) ÷ 6 scored answers
    assert {o.label: o.percent for o in row.options}["很满意"] == Decimal("25.0")   # 2 of 8 who answered


def test_the_employer_scale_counts_fair_against_satisfaction(college):
    period = ensure_academic_year(2025)
    q = college.users["quality"]
    survey = services.template_install(actor=q, institution=college.institution, key=Template.EMPLOYER)
    survey.period = period
    survey.save()
    services.survey_publish(actor=q, survey=survey)
    soft, mech = college.majors["soft"], college.majors["mech"]
    people = invitees(college, survey, [soft, soft, soft, soft, soft, mech])
    for invitee, pick in zip(people, ["满意", "基本满意", "一般", "不满意", "无法评估", "满意"], strict=True):
        submit(survey, invitee, {"employer_overall": pick})
    overall = survey.questions.get(key="employer_overall")
    row = next(r for r in selectors.question_results(survey) if r.question == overall).rows[0]
    assert row.satisfaction == Decimal("60.0")    # 满意或基本满意 3 ÷ (3 + 一般 1 + 不满意 1)
    records = services.survey_close(actor=q, survey=survey)
    assert [r.table for r in records] == ["graduatefeedback"]
    fed = sd.GraduateFeedback.objects.get(institution=college.institution, period=period, major=soft)
    assert (fed.satisfied, fed.fair, fed.dissatisfied) == (2, 1, 1)
    assert sd.GraduateFeedback.objects.get(major=mech).satisfied == 1
    assert records[0].source == "survey"


# Eight graduates half a year after graduation (the comments give each indicator's hand computation).
GRADUATES = [
    ("soft", {"status": "受雇全职工作", "income": 5000, "related": "相关", "fit": "符合", "left": "没有离职",
              "job_satisfaction": "满意", "alma_mater": "很满意"}),
    ("soft", {"status": "受雇全职工作", "income": 4000, "related": "不相关", "fit": "不符合", "left": "主动离职",
              "job_satisfaction": "不满意", "alma_mater": "满意"}),
    ("soft", {"status": "受雇半职工作", "income": 3000, "fit": "符合", "left": "被雇主解职",
              "job_satisfaction": "基本满意", "alma_mater": "不满意"}),
    ("soft", {"status": "自主创业", "income": 6000, "fit": "符合", "left": "没有离职", "alma_mater": "无法评估"}),
    ("soft", {"status": "准备升学考试", "left": "毕业后未工作过", "alma_mater": "很不满意"}),
    ("soft", {"status": "未就业，正在求职", "left": "主动离职", "alma_mater": "基本满意"}),
    ("soft", {"status": "升学（专升本、国内读研）", "left": "毕业后未工作过", "alma_mater": "满意"}),
    ("mech", {"status": "受雇全职工作", "related": "相关", "fit": "不符合", "left": "两者都有",
              "job_satisfaction": "很满意", "alma_mater": "满意"}),
]


@pytest.fixture
def graduate_survey(college):
    q = college.users["quality"]
    survey = services.template_install(actor=q, institution=college.institution, key=Template.GRADUATE)
    survey.period = ensure_academic_year(2025)
    survey.save()
    services.survey_publish(actor=q, survey=survey)
    people = invitees(college, survey, [college.majors[m] for m, _ in GRADUATES])
    for invitee, (_, answers) in zip(people, GRADUATES, strict=True):
        submit(survey, invitee, answers)
    return survey


def test_the_graduate_follow_up_indicators(graduate_survey):
    values = {i.name: i.value for i in selectors.graduate_indicators(graduate_survey)}
    assert values == {
        "就业率": Decimal("71.4"),           # employed 5 (全职 3 + 半职 1 + 创业 1) ÷ (8 − 准备升学考试 1)
        "月收入": Decimal("4500.00"),        # (5000 + 4000 + 3000 + 6000) ÷ 4 employed who gave an income
        "专业相关度": Decimal("66.7"),       # full-time employed: 相关 2 ÷ (相关 2 + 不相关 1)
        "职业期待吻合度": Decimal("60.0"),   # employed: 符合 3 ÷ 5 who answered
        "离职率": Decimal("66.7"),           # left 4 ÷ (left 4 + stayed 2); never worked left out
        "就业现状满意度": Decimal("75.0"),   # 满意 + 基本满意 + 很满意 3 ÷ (3 + 不满意 1)
        "母校满意度": Decimal("71.4"),       # 5 ÷ (5 + 不满意 1 + 很不满意 1); 无法评估 left out
    }


def test_indicators_filter_by_major(graduate_survey, college):
    values = {i.name: i.value for i in selectors.graduate_indicators(
        graduate_survey, {"major": college.majors["soft"].pk})}
    assert values["就业率"] == Decimal("66.7")   # 4 ÷ (7 − 1)
    assert values["专业相关度"] == Decimal("50.0")


def test_closing_the_graduate_survey_feeds_the_state_data(graduate_survey, college):
    period = graduate_survey.period
    soft, mech = college.majors["soft"], college.majors["mech"]
    # The employment office's own counts are there already and must stay as they are.
    sd.Employment.objects.create(institution=college.institution, period=period, major=soft, graduates=40,
                                 employed=36)
    services.survey_close(actor=college.users["quality"], survey=graduate_survey)
    employment = sd.Employment.objects.get(institution=college.institution, period=period, major=soft)
    assert employment.monthly_income == Decimal("4500.00")
    assert (employment.graduates, employment.employed) == (40, 36)
    assert not sd.Employment.objects.filter(major=mech).exists()   # no income given in that major
    feedback = sd.GraduateFeedback.objects.get(period=period, major=soft)
    assert (feedback.alma_mater_satisfied, feedback.expectation_fit, feedback.job_satisfied) == (4, 3, 2)
    assert feedback.satisfied is None   # the employers' judgement is not the graduates' to give
    other = sd.GraduateFeedback.objects.get(period=period, major=mech)
    assert (other.alma_mater_satisfied, other.expectation_fit, other.job_satisfied) == (1, 0, 1)
    assert ImportRecord.objects.filter(source="survey", institution=college.institution).count() == 2


def test_results_page_and_export(graduate_survey, college, login):
    client = login(college.users["quality"])
    page = client.get(f"/surveys/{graduate_survey.pk}/results/").content.decode()
    assert "71.4%" in page and "4500.00" in page and "职业期待吻合度" in page
    export = client.get(f"/surveys/{graduate_survey.pk}/results/export/")
    assert export.status_code == 200
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["汇总", "全部答卷"]
    rows = list(book["全部答卷"].iter_rows(values_only=True))
    assert rows[0][1] == "专业"                     # anonymous: no 作答人 column
    assert len(rows) - 1 == sum(len(a) for _, a in GRADUATES)


def test_small_groups_of_an_anonymous_survey_are_not_shown(graduate_survey, college, login):
    client = login(college.users["quality"])
    page = client.get(f"/surveys/{graduate_survey.pk}/results/?major={college.majors['mech'].pk}").content.decode()
    assert "少于 5 份时不显示结果" in page and "职业期待吻合度" not in page


def test_qc_points_can_read_what_a_survey_writes():
    from zhengai.monitoring import formula

    employer = "用人单位满意或基本满意数 / (用人单位满意或基本满意数 + 用人单位评价一般数 + 用人单位评价不满意数) * 100"
    for level in ("school", "unit", "major"):   # check raises on an unknown measure or a wrong level
        assert formula.check(employer, level) == ["用人单位满意或基本满意数", "用人单位评价一般数",
                                                  "用人单位评价不满意数"]
        assert formula.check("对母校满意人数 / 上届毕业生数 * 100", level) == ["对母校满意人数", "上届毕业生数"]
        assert formula.check("平均月收入", level) == ["平均月收入"]
