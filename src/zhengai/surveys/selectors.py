"""Reads of the surveys app: who a survey waits for, response rates per group, results per question and the
graduate follow-up indicators. Figures aggregate in the database; Python only divides the few totals.

The satisfaction rule (reference §4.1): satisfaction = satisfied ÷ (satisfied + dissatisfied), where each scale
option says how it counts (满意 / 不满意 / 不计入 such as 无法评估); an option that does not count is left out of
both. Scores for averages are the options' points (5 for 很满意 … 1 for 很不满意); unscored options are left
out of averages too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from zhengai.core.permissions import VIEW
from zhengai.org.choices import StudentStatus
from zhengai.org.models import Student

from .choices import Counts, QuestionKind, SurveyState
from .models import Answer, Invitee, Participation, Question, Response, Survey

# Results of an anonymous survey are shown only over at least this many answers (the project's k ≥ 5), so a
# filter on a small class cannot single anyone out.
MIN_GROUP = 5


def surveys_for(user: Any) -> QuerySet[Survey]:
    return Survey.objects.restrict(user, VIEW)


def eligible_students(survey: Survey) -> QuerySet[Student]:
    """The students a survey for students waits for: its classes if it names any, else its majors and cohorts
    (each only when given); none given = every student in school."""
    qs = Student.objects.filter(institution_id=survey.institution_id, active=True, status=StudentStatus.ENROLLED)
    classes = list(survey.classes.values_list("pk", flat=True))
    if classes:
        return qs.filter(klass_id__in=classes)
    majors = list(survey.majors.values_list("pk", flat=True))
    if majors:
        qs = qs.filter(major_id__in=majors)
    if survey.cohort_list:
        qs = qs.filter(cohort__in=survey.cohort_list)
    return qs


def _answered(survey: Survey) -> Exists:
    return Exists(Participation.objects.filter(survey=survey, student_id=OuterRef("pk")))


def unanswered_students(survey: Survey) -> QuerySet[Student]:
    return eligible_students(survey).exclude(_answered(survey))


def waiting_for(student: Student | None) -> tuple[list[Survey], list[Survey]]:
    """(open surveys the student has yet to answer, surveys they answered) — the page “我的问卷”."""
    if student is None:
        return [], []
    # A survey past its closing date no longer waits for anyone, even before the quality office closes it.
    open_ = (Survey.objects.filter(institution_id=student.institution_id, state=SurveyState.PUBLISHED,
                                   audience="students")
             .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=timezone.localdate()))
             .prefetch_related("majors", "classes").order_by("closes_on", "pk"))
    waiting, done = [], []
    answered = set(Participation.objects.filter(student=student).values_list("survey_id", flat=True))
    for survey in open_:
        if survey.pk in answered:
            done.append(survey)
        elif _targets(survey, student):
            waiting.append(survey)
    return waiting, done


def _targets(survey: Survey, student: Student) -> bool:
    """The rule of eligible_students for one student, on prefetched rows (no query per survey)."""
    if student.status != StudentStatus.ENROLLED or not student.active:
        return False
    classes = [k.pk for k in survey.classes.all()]
    if classes:
        return student.klass_id in classes
    majors = [m.pk for m in survey.majors.all()]
    return ((not majors or student.major_id in majors)
            and (not survey.cohort_list or student.cohort in survey.cohort_list))


# ---- response rates ------------------------------------------------------------------------------------

@dataclass
class Rate:
    group: str
    expected: int
    answered: int

    @property
    def percent(self) -> Decimal | None:
        return pct(self.answered, self.expected)


def pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


GROUPS = {"klass": ("klass__name", "班级"), "major": ("major__name", "专业"), "cohort": ("cohort", "年级")}


def response_rates(survey: Survey, by: str) -> list[Rate]:
    """Answered ÷ expected per class, major or cohort (students), or per major or graduation year (invitees)."""
    if survey.by_token:
        field_name = {"klass": "major__name", "major": "major__name", "cohort": "cohort"}[by]
        rows = (Invitee.objects.filter(survey=survey).values(field_name)
                .annotate(n=Count("pk"), done=Count("pk", filter=Q(participation__isnull=False)))
                .order_by(field_name))
    else:
        field_name = GROUPS[by][0]
        rows = (eligible_students(survey).annotate(did=_answered(survey)).values(field_name)
                .annotate(n=Count("pk"), done=Count("pk", filter=Q(did=True))).order_by(field_name))
    return [Rate(group=str(r[field_name]) if r[field_name] is not None else "未填写", expected=r["n"],
                 answered=r["done"]) for r in rows]


def totals(survey: Survey) -> Rate:
    if survey.by_token:
        expected = survey.invitees.count()
        answered = Participation.objects.filter(survey=survey, invitee__isnull=False).count()
    else:
        expected = eligible_students(survey).count() if survey.state != SurveyState.DRAFT else 0
        answered = Participation.objects.filter(survey=survey, student__isnull=False).count()
    return Rate(group="全部", expected=expected, answered=answered)


def unanswered_invitees(survey: Survey) -> QuerySet[Invitee]:
    return survey.invitees.filter(participation__isnull=True).select_related("major")


# ---- results -------------------------------------------------------------------------------------------

def responses(survey: Survey, filters: dict[str, Any] | None = None) -> QuerySet[Response]:
    qs = Response.objects.filter(survey=survey)
    for name in ("major", "klass", "cohort"):
        value = (filters or {}).get(name)
        if value:
            qs = qs.filter(**{f"{name}_id" if name != "cohort" else name: value})
    return qs


@dataclass
class OptionResult:
    label: str
    count: int
    percent: Decimal | None
    counts: str = ""


@dataclass
class RowResult:
    row: str
    answered: int
    options: list[OptionResult]
    average: Decimal | None
    satisfaction: Decimal | None
    satisfied: int = 0
    dissatisfied: int = 0


@dataclass
class QuestionResult:
    number: int
    question: Question
    answered: int = 0
    rows: list[RowResult] = field(default_factory=list)   # one row ("") unless a matrix
    average: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    texts: list[str] = field(default_factory=list)


def satisfaction(counts: dict[str, int], options: list[dict[str, Any]]) -> tuple[Decimal | None, int, int]:
    """(satisfied ÷ (satisfied + dissatisfied) in %, satisfied, dissatisfied) of option counts."""
    sat = sum(counts.get(o["label"], 0) for o in options if o.get("counts") == Counts.SATISFIED)
    dis = sum(counts.get(o["label"], 0) for o in options if o.get("counts") == Counts.DISSATISFIED)
    return pct(sat, sat + dis), sat, dis


def average_score(counts: dict[str, int], options: list[dict[str, Any]]) -> Decimal | None:
    scored = [(o["score"], counts.get(o["label"], 0)) for o in options if o.get("score") is not None]
    n = sum(c for _, c in scored)
    if not n:
        return None
    return (Decimal(sum(s * c for s, c in scored)) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _row_result(row: str, counts: dict[str, int], answered: int, question: Question) -> RowResult:
    options = [OptionResult(label=o["label"], count=counts.get(o["label"], 0),
                            percent=pct(counts.get(o["label"], 0), answered), counts=o.get("counts", ""))
               for o in question.options]
    result = RowResult(row=row, answered=answered, options=options, average=None, satisfaction=None)
    if question.scaled:
        result.average = average_score(counts, question.options)
        result.satisfaction, result.satisfied, result.dissatisfied = satisfaction(counts, question.options)
    return result


def question_results(survey: Survey, filters: dict[str, Any] | None = None) -> list[QuestionResult]:
    """Per question: answers, counts and percentages per option (of those who answered it), averages and
    satisfaction for scales (per row for a matrix), mean/min/max for numbers, the texts of text questions."""
    rs = responses(survey, filters)
    questions = list(survey.questions.select_related("section"))
    answers = Answer.objects.filter(response__in=rs)
    choice_counts: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for r in answers.exclude(choice="").values("question_id", "row", "choice").annotate(n=Count("pk")):
        choice_counts[(r["question_id"], r["row"])][r["choice"]] = r["n"]
    answered = {r["question_id"]: r["n"] for r in answers.values("question_id")
                .annotate(n=Count("response_id", distinct=True))}
    row_answered = {(r["question_id"], r["row"]): r["n"] for r in answers.exclude(row="").values("question_id", "row")
                    .annotate(n=Count("pk"))}
    numbers = {r["question_id"]: r for r in answers.filter(number__isnull=False).values("question_id")
               .annotate(avg=Avg("number"), lo=Min("number"), hi=Max("number"))}
    texts: dict[int, list[str]] = defaultdict(list)
    for qid, text in (answers.exclude(text="").values_list("question_id", "text").order_by("question_id", "pk")):
        if len(texts[qid]) < 200:
            texts[qid].append(text)
    results = []
    for number, q in enumerate(questions, start=1):
        res = QuestionResult(number=number, question=q, answered=answered.get(q.pk, 0))
        if q.kind == QuestionKind.MATRIX:
            res.rows = [_row_result(row, choice_counts.get((q.pk, row), {}), row_answered.get((q.pk, row), 0), q)
                        for row in q.rows]
        elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.LIKERT):
            res.rows = [_row_result("", choice_counts.get((q.pk, ""), {}), res.answered, q)]
        elif q.kind == QuestionKind.NUMBER and q.pk in numbers:
            n = numbers[q.pk]
            res.average = Decimal(n["avg"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            res.minimum, res.maximum = n["lo"], n["hi"]
        elif q.kind == QuestionKind.TEXT:
            res.texts = texts.get(q.pk, [])
        results.append(res)
    return results


def shown(survey: Survey, count: int) -> bool:
    """Whether results over `count` answers may be shown: always for a survey that is not anonymous."""
    return not survey.anonymous or count >= MIN_GROUP


# ---- the graduate follow-up indicators -----------------------------------------------------------------

def _labels(question: Question | None, *tags: str) -> list[str]:
    if question is None:
        return []
    return [o["label"] for o in question.options if o.get("tag") in tags]


def _has(question: Question | None, labels: list[str] | None = None) -> Exists | Q:
    if question is None:
        return Exists(Answer.objects.none())
    qs = Answer.objects.filter(response_id=OuterRef("pk"), question=question)
    if labels is not None:
        qs = qs.filter(choice__in=labels)
    return Exists(qs)


def _keyed(survey: Survey) -> dict[str, Question]:
    return {q.key: q for q in survey.questions.exclude(key="")}


EMPLOYED = ("fulltime", "parttime", "self")


def _graduate_counts(survey: Survey, rs: QuerySet[Response]) -> QuerySet[Response]:
    """Responses annotated with what each indicator counts (one Exists per condition, evaluated in SQL)."""
    q = _keyed(survey)
    status, related, fit, left = q.get("status"), q.get("related"), q.get("fit"), q.get("left")
    job, alma = q.get("job_satisfaction"), q.get("alma_mater")

    def scale_labels(question: Question | None, counts: str) -> list[str]:
        return [o["label"] for o in question.options if o.get("counts") == counts] if question else []

    return rs.annotate(
        has_status=_has(status), employed=_has(status, _labels(status, *EMPLOYED)),
        fulltime=_has(status, _labels(status, "fulltime")), preparing=_has(status, _labels(status, "preparing")),
        rel_yes=_has(related, _labels(related, "yes")), rel_no=_has(related, _labels(related, "no")),
        fit_yes=_has(fit, _labels(fit, "yes")), fit_no=_has(fit, _labels(fit, "no")),
        left_yes=_has(left, _labels(left, "left")), left_no=_has(left, _labels(left, "stayed")),
        job_sat=_has(job, scale_labels(job, Counts.SATISFIED)),
        job_dis=_has(job, scale_labels(job, Counts.DISSATISFIED)),
        alma_sat=_has(alma, scale_labels(alma, Counts.SATISFIED)),
        alma_dis=_has(alma, scale_labels(alma, Counts.DISSATISFIED)),
    )


COUNTERS = {
    "respondents": Q(has_status=True), "employed": Q(employed=True), "preparing": Q(preparing=True),
    "fulltime": Q(fulltime=True),
    "related": Q(fulltime=True, rel_yes=True), "unrelated": Q(fulltime=True, rel_no=True),
    "fit": Q(employed=True, fit_yes=True), "unfit": Q(employed=True, fit_no=True),
    "left": Q(left_yes=True), "stayed": Q(left_no=True),
    "job_satisfied": Q(job_sat=True), "job_dissatisfied": Q(job_dis=True),
    "alma_satisfied": Q(alma_sat=True), "alma_dissatisfied": Q(alma_dis=True),
}


@dataclass
class Indicator:
    name: str
    value: Decimal | None
    unit: str
    basis: str


def _indicators(c: dict[str, Any], income: Decimal | None) -> list[Indicator]:
    base = c["respondents"] - c["preparing"]
    return [
        Indicator("就业率", pct(c["employed"], base), "%",
                  f"已就业（受雇全职、受雇半职、自主创业）{c['employed']}人 ÷（答卷{c['respondents']}人 − 准备升学考试"
                  f"{c['preparing']}人）"),
        Indicator("月收入", income, "元", "已就业者填写的月收入的平均值"),
        Indicator("专业相关度", pct(c["related"], c["related"] + c["unrelated"]), "%",
                  f"受雇全职工作者中工作与专业相关{c['related']}人 ÷ 作答{c['related'] + c['unrelated']}人"),
        Indicator("职业期待吻合度", pct(c["fit"], c["fit"] + c["unfit"]), "%",
                  f"已就业者中符合职业期待{c['fit']}人 ÷ 作答{c['fit'] + c['unfit']}人"),
        Indicator("离职率", pct(c["left"], c["left"] + c["stayed"]), "%",
                  f"半年内有过离职{c['left']}人 ÷ 毕业后工作过的作答者{c['left'] + c['stayed']}人"),
        Indicator("就业现状满意度", pct(c["job_satisfied"], c["job_satisfied"] + c["job_dissatisfied"]), "%",
                  f"满意{c['job_satisfied']}人 ÷（满意 + 不满意）{c['job_satisfied'] + c['job_dissatisfied']}人"),
        Indicator("母校满意度", pct(c["alma_satisfied"], c["alma_satisfied"] + c["alma_dissatisfied"]), "%",
                  f"满意{c['alma_satisfied']}人 ÷（满意 + 不满意）{c['alma_satisfied'] + c['alma_dissatisfied']}人"
                  "；无法评估不计入"),
    ]


def _income(survey: Survey, rs: QuerySet[Response], by_major: bool = False) -> Any:
    question = _keyed(survey).get("income")
    if question is None:
        return {} if by_major else None
    employed = _graduate_counts(survey, rs).filter(employed=True).values("pk")
    qs = Answer.objects.filter(question=question, response__in=employed, number__gt=0)
    if by_major:
        return {r["response__major_id"]: _money(r["avg"]) for r in qs.values("response__major_id")
                .annotate(avg=Avg("number"))}
    return _money(qs.aggregate(avg=Avg("number"))["avg"])


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def graduate_indicators(survey: Survey, filters: dict[str, Any] | None = None) -> list[Indicator]:
    """就业率, 月收入, 专业相关度, 职业期待吻合度, 离职率, 就业现状满意度, 母校满意度 — each as the reference
    defines it (annual-report reference §4.1), with its basis spelt out."""
    rs = responses(survey, filters)
    # The totals take other names than the annotations they count (Django refuses a name used twice).
    totals_ = _graduate_counts(survey, rs).aggregate(**{f"n_{k}": Count("pk", filter=v) for k, v in COUNTERS.items()})
    counts = {k: totals_[f"n_{k}"] for k in COUNTERS}
    return _indicators(counts, _income(survey, rs))


def feed_rows(survey: Survey) -> dict[Any, dict[str, Any]]:
    """What a closed survey writes into the state data, per major (respondents without a major are left out):
    people counts and the mean income."""
    rs = responses(survey).filter(major__isnull=False)
    if survey.template == "employer":
        question = _keyed(survey).get("employer_overall")
        if question is None:
            return {}
        result: dict[Any, dict[str, Any]] = defaultdict(lambda: {"ok": 0, "fair": 0, "bad": 0})
        for tag in ("ok", "fair", "bad"):
            for r in (Answer.objects.filter(response__in=rs, question=question, choice__in=_labels(question, tag))
                      .values("response__major").annotate(n=Count("pk"))):
                result[r["response__major"]][tag] = r["n"]
        return _by_major(survey, result)
    per = (_graduate_counts(survey, rs).values("major")
           .annotate(**{f"n_{k}": Count("pk", filter=v) for k, v in COUNTERS.items()}))
    income = _income(survey, rs, by_major=True)
    result = {r["major"]: {"alma_mater": r["n_alma_satisfied"], "fit": r["n_fit"],
                           "job_satisfied": r["n_job_satisfied"], "income": income.get(r["major"])} for r in per}
    return _by_major(survey, result)


def _by_major(survey: Survey, rows: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    from zhengai.org.models import Major

    majors = Major.objects.in_bulk([k for k in rows if k is not None])
    return {majors[k]: v for k, v in rows.items() if k in majors and majors[k].institution_id == survey.institution_id}


def answer_rows(survey: Survey) -> tuple[list[str], list[list[Any]]]:
    """Every answer of the survey, one row per answer, for the export: the response's short key (so the rows of
    one response go together), its group, the question and the answer; and, only for a survey that is not
    anonymous, who answered."""
    who: dict[Any, str] = {}
    if not survey.anonymous:
        for p in Participation.objects.filter(survey=survey, response__isnull=False).select_related(
                "student", "invitee"):
            who[p.response_id] = (f"{p.student.code} {p.student.name}" if p.student
                                  else f"{p.invitee.name} {p.invitee.contact}".strip())
    headers = ["答卷", "专业", "班级", "年级", "题号", "题目", "矩阵行", "选项", "数字", "文字"]
    if not survey.anonymous:
        headers.insert(1, "作答人")
    numbers = {q.pk: i for i, q in enumerate(survey.questions.all(), start=1)}
    rows = []
    for a in (Answer.objects.filter(response__survey=survey)
              .select_related("response__major", "response__klass", "question")
              .order_by("response_id", "question__section__order", "question__order", "pk")):
        r = a.response
        row = [str(r.pk)[:8], r.major.name if r.major else "", r.klass.name if r.klass else "", r.cohort or "",
               numbers.get(a.question_id), a.question.text, a.row, a.choice, a.number, a.text]
        if not survey.anonymous:
            row.insert(1, who.get(r.pk, ""))
        rows.append(row)
    return headers, rows
