"""Thin views: the gate, a form or the answer sheet, one service call, a page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from zhengai.core import audit
from zhengai.core.choices import ADMIN_ROLES
from zhengai.core.permissions import CHANGE, VIEW, access_for, can, get_object_for_user, institution_for
from zhengai.core.spreadsheets import SpreadsheetError, read_rows, workbook_bytes, write_sheet
from zhengai.org.models import Klass, Major, Student

from . import selectors, services
from .choices import QuestionKind, SurveyState, Template
from .forms import InviteeForm, QuestionForm, SectionForm, SurveyForm, blank_sheet, read_sheet, scale_text
from .models import Invitee, Question, Section, Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_LIMIT = 2 * 1024 * 1024


def _survey(request: HttpRequest, pk: int, action: str = VIEW) -> Survey:
    return get_object_for_user(Survey.objects.select_related("period", "institution"), request.user, action, pk=pk)


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = selectors.surveys_for(request.user).select_related("period")
    state = request.GET.get("state", "")
    if state in SurveyState.values:
        surveys = surveys.filter(state=state)
    institution = institution_for(request)
    may_build = can_build(request, institution)
    return render(request, "surveys/survey_list.html", {
        "surveys": surveys[:200], "states": SurveyState.choices, "state": state, "may_build": may_build,
        "templates": Template.choices})


def can_build(request: HttpRequest, institution: Any) -> bool:
    access = access_for(request.user)
    return access.is_superuser or access.has_role(ADMIN_ROLES, institution.pk)


def _require_builder(request: HttpRequest) -> Any:
    """The institution a new survey belongs to; 403 unless the user runs surveys there."""
    return institution_for(request, ADMIN_ROLES)


@login_required
def survey_create(request: HttpRequest) -> HttpResponse:
    institution = _require_builder(request)
    form = SurveyForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        survey = services.survey_save(actor=request.user, institution=institution, data=dict(form.cleaned_data))
        messages.success(request, "问卷草稿已创建，请添加分节和题目")
        return redirect("surveys:survey_detail", survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form, "survey": None})


@login_required
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk, CHANGE)
    if survey.state != SurveyState.DRAFT:
        messages.error(request, services.FROZEN)
        return redirect("surveys:survey_detail", survey.pk)
    form = SurveyForm(request.POST or None, instance=survey, institution=survey.institution)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        # The form changed the instance in place: the service compares against a fresh copy for the audit.
        survey = Survey.objects.get(pk=survey.pk)
        services.survey_save(actor=request.user, institution=survey.institution, data=data, survey=survey)
        messages.success(request, "已保存")
        return redirect("surveys:survey_detail", survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form, "survey": survey})


@require_POST
@login_required
def template_install(request: HttpRequest) -> HttpResponse:
    institution = _require_builder(request)
    key = request.POST.get("template", "")
    if key not in Template.values:
        raise Http404("没有该模板")
    survey = services.template_install(actor=request.user, institution=institution, key=key)
    messages.success(request, f"已由模板创建草稿“{survey.title}”，请设置调查对象后发布")
    return redirect("surveys:survey_detail", survey.pk)


def _detail(request: HttpRequest, survey: Survey, section_form: SectionForm | None = None,
            status: int = 200) -> HttpResponse:
    may_change = can(request.user, survey, CHANGE)
    sections = list(survey.sections.prefetch_related("questions"))
    context: dict[str, Any] = {"survey": survey, "sections": sections, "may_change": may_change,
                               "totals": selectors.totals(survey), "kinds": QuestionKind.choices}
    if may_change and survey.state == SurveyState.DRAFT:
        context["section_form"] = section_form or SectionForm(initial={"order": len(sections) + 1})
        if sections:
            context["question_form"] = QuestionForm(survey=survey, initial={
                "section": sections[-1].pk, "order": len(sections[-1].questions.all()) + 1})
        context["problems"] = services.publish_problems(survey)
    return render(request, "surveys/survey_detail.html", context, status=status)


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _survey(request, pk))


@require_POST
@login_required
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk, CHANGE)
    form = SectionForm(request.POST)
    if not form.is_valid():
        return _detail(request, survey, section_form=form, status=400)   # what was typed stays in the form
    try:
        services.section_save(actor=request.user, survey=survey, data=form.cleaned_data)
        messages.success(request, "分节已添加")
    except ValidationError as exc:
        _refused(request, exc)
    return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + "#build")


@login_required
def question_add(request: HttpRequest, pk: int, question_pk: int | None = None) -> HttpResponse:
    survey = _survey(request, pk, CHANGE)
    question = None
    if question_pk is not None:
        question = Question.objects.filter(survey=survey, pk=question_pk).first()
        if question is None:
            raise Http404("没有找到该题目")
    if survey.state != SurveyState.DRAFT:
        messages.error(request, services.FROZEN)
        return redirect("surveys:survey_detail", survey.pk)
    initial = {}
    if question is not None:
        initial = {"section": question.section_id, "kind": question.kind, "text": question.text,
                   "help": question.help, "required": question.required, "order": question.order,
                   "options": scale_text(question), "rows": "\n".join(question.rows)}
    form = QuestionForm(request.POST or None, survey=survey, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = {"section": d["section"], "kind": d["kind"], "text": d["text"], "help": d["help"],
                "required": d["required"], "order": d["order"], "options": d["option_list"], "rows": d["row_list"]}
        try:
            services.question_save(actor=request.user, survey=survey, data=data, question=question)
            messages.success(request, "题目已保存")
            return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + "#build")
        except ValidationError as exc:
            _refused(request, exc)
    return render(request, "surveys/question_form.html", {"form": form, "survey": survey, "question": question})


@require_POST
@login_required
def question_delete(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    survey = _survey(request, pk, CHANGE)
    question = Question.objects.filter(survey=survey, pk=question_pk).first()
    if question is None:
        raise Http404("没有找到该题目")
    try:
        services.question_delete(actor=request.user, question=question)
        messages.success(request, "题目已删除")
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("surveys:survey_detail", survey.pk)


@require_POST
@login_required
def section_delete(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    survey = _survey(request, pk, CHANGE)
    section = Section.objects.filter(survey=survey, pk=section_pk).first()
    if section is None:
        raise Http404("没有找到该分节")
    try:
        services.section_delete(actor=request.user, section=section)
        messages.success(request, "分节及其题目已删除")
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("surveys:survey_detail", survey.pk)


@require_POST
@login_required
def survey_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    survey = _survey(request, pk, CHANGE)
    try:
        if action == "publish":
            services.survey_publish(actor=request.user, survey=survey)
            messages.success(request, "问卷已发布，题目已冻结")
        elif action == "close":
            records = services.survey_close(actor=request.user, survey=survey)
            fed = "、".join(r.table_name for r in records)
            messages.success(request, "问卷已结束" + (f"，结果已写入状态数据：{fed}" if fed else ""))
        elif action == "copy":
            copy = services.survey_copy(actor=request.user, survey=survey)
            messages.success(request, "已复制为新的草稿")
            return redirect("surveys:survey_detail", copy.pk)
        elif action == "remind":
            sent = services.reminders_send(actor=request.user, survey=survey)
            messages.success(request, f"已提醒{sent}名未填写的学生")
            return redirect("surveys:tracking", survey.pk)
        else:
            raise Http404("没有该操作")
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("surveys:survey_detail", survey.pk)


def _sheet_page(request: HttpRequest, survey: Survey, *, template: str, submit_url: str, student: Student | None,
                invitee: Invitee | None, preview: bool = False) -> HttpResponse:
    questions = list(survey.questions.select_related("section"))
    sheet = blank_sheet(questions)
    status = 200
    if request.method == "POST" and not preview:
        sheet = read_sheet(questions, request.POST)
        if not sheet.errors:
            try:
                services.response_submit(survey=survey, answers=sheet.answers, student=student, invitee=invitee)
                return render(request, template, {"survey": survey, "done": True})
            except ValidationError as exc:
                sheet.errors = list(exc.messages)
        status = 400
    sections = []
    for item in sheet.items:
        if not sections or sections[-1]["section"].pk != item.question.section_id:
            sections.append({"section": item.question.section, "items": []})
        sections[-1]["items"].append(item)
    return render(request, template, {"survey": survey, "sections": sections, "errors": sheet.errors,
                                      "submit_url": submit_url, "preview": preview}, status=status)


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    return _sheet_page(request, survey, template="surveys/answer.html", submit_url="", student=None, invitee=None,
                       preview=True)


@login_required
def my(request: HttpRequest) -> HttpResponse:
    student = Student.objects.filter(user=request.user).first()
    waiting, done = selectors.waiting_for(student)
    return render(request, "surveys/my.html", {"waiting": waiting, "done": done, "student": student})


@login_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A student's answer page: 404 for a survey that does not wait for them (or not of their college)."""
    student = Student.objects.filter(user=request.user).first()
    waiting, done = selectors.waiting_for(student)
    survey = next((s for s in waiting + done if s.pk == pk), None)
    if survey is None:
        raise Http404("没有找到该问卷")
    if survey in done:
        return render(request, "surveys/answer.html", {"survey": survey, "done": True, "already": True})
    return _sheet_page(request, survey, template="surveys/answer.html",
                       submit_url=reverse("surveys:answer", args=[pk]), student=student, invitee=None)


def token_answer(request: HttpRequest, token: str) -> HttpResponse:
    """A graduate's or an employer's one-time link: no account. Once answered, or once the survey has ended, the
    link shows why it no longer opens; an unknown token is a 404 like any other."""
    invitee = Invitee.objects.select_related("survey__institution").filter(token=token).first()
    if invitee is None or invitee.survey.state == SurveyState.DRAFT:
        raise Http404("链接无效")
    survey = invitee.survey
    if hasattr(invitee, "participation"):
        return render(request, "surveys/answer.html", {"survey": survey, "done": True, "already": True}, status=410)
    if survey.state == SurveyState.CLOSED or (survey.closes_on and survey.closes_on < timezone.localdate()):
        return render(request, "surveys/answer.html", {"survey": survey, "closed": True}, status=410)
    return _sheet_page(request, survey, template="surveys/answer.html",
                       submit_url=reverse("surveys:token_answer", args=[token]), student=None, invitee=invitee)


def _filters(request: HttpRequest, survey: Survey) -> tuple[dict[str, Any], dict[str, Any]]:
    majors = Major.objects.filter(institution=survey.institution)
    classes = Klass.objects.filter(institution=survey.institution)
    filters: dict[str, Any] = {}
    for name, qs in (("major", majors), ("klass", classes)):
        value = request.GET.get(name, "")
        if value.isdigit() and qs.filter(pk=value).exists():
            filters[name] = int(value)
    cohort = request.GET.get("cohort", "")
    if cohort.isdigit():
        filters["cohort"] = int(cohort)
    return filters, {"majors": majors, "classes": classes}


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    filters, choices = _filters(request, survey)
    count = selectors.responses(survey, filters).count()
    context = {"survey": survey, "filters": filters, "count": count, "min_group": selectors.MIN_GROUP,
               "visible": selectors.shown(survey, count), **choices}
    if context["visible"]:
        context["results"] = selectors.question_results(survey, filters)
        if survey.template == Template.GRADUATE:
            context["indicators"] = selectors.graduate_indicators(survey, filters)
    return render(request, "surveys/results.html", context)


@login_required
def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    # Every answer row leaves the platform: only those who run surveys (ADMIN_ROLES) export.
    survey = _survey(request, pk, CHANGE)
    workbook = Workbook()
    summary = []
    for res in selectors.question_results(survey):
        if res.rows:
            for row in res.rows:
                for o in row.options:
                    summary.append([res.number, res.question.text, row.row, o.label, o.count, o.percent,
                                    row.average, row.satisfaction])
        else:
            summary.append([res.number, res.question.text, "", "", res.answered, None, res.average, None])
    if survey.template == Template.GRADUATE:
        summary.append([])
        summary += [["", i.name, "", i.basis, "", i.value, i.unit, ""] for i in selectors.graduate_indicators(survey)]
    write_sheet(workbook, "汇总", ["题号", "题目", "矩阵行", "选项", "人数", "占比（%）", "平均分", "满意度（%）"],
                summary, first=True, caption=survey.title)
    headers, rows = selectors.answer_rows(survey)
    write_sheet(workbook, "全部答卷", headers, rows)
    audit.record_export(actor=request.user, institution=survey.institution, what=f"问卷结果：{survey.title}",
                        subject=survey, count=len(rows))
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-results.xlsx"'
    return response


@login_required
def tracking(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    by = request.GET.get("by", "klass")
    if by not in selectors.GROUPS:
        by = "klass"
    may_change = can(request.user, survey, CHANGE)
    context = {"survey": survey, "by": by, "rates": selectors.response_rates(survey, by),
               "totals": selectors.totals(survey), "may_change": may_change,
               "groups": [(k, v[1]) for k, v in selectors.GROUPS.items()]}
    if may_change and survey.by_token:
        context["unanswered"] = selectors.unanswered_invitees(survey)[:500]
    return render(request, "surveys/tracking.html", context)


@login_required
def invitees(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk, CHANGE)
    form = InviteeForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        good: list[dict[str, Any]] = []
        upload = form.cleaned_data.get("file")
        if upload is not None:
            if upload.size > UPLOAD_LIMIT:
                errors.append("文件超过 2 MB，请拆分后上传")
            else:
                try:
                    rows = [list(r) for r in read_rows(upload.read(), upload.name)]
                    # The header row is skipped when there is one; a list without a header loses nobody.
                    header = bool(rows) and any("姓名" in (c or "") or "单位" in (c or "") for c in rows[0][:2])
                    found, bad = services.invitee_rows(survey.institution, rows[1:] if header else rows,
                                                       first=2 if header else 1, where="文件第")
                    good, errors = good + found, errors + bad
                except SpreadsheetError as exc:
                    errors.append(str(exc))
        typed = form.cleaned_data.get("typed") or ""
        found, bad = services.invitee_rows(survey.institution, [
            [c.strip() for c in line.replace("，", ",").split(",")] for line in typed.splitlines()])
        good, errors = good + found, errors + bad
        if not good and not errors:
            errors.append("没有读到任何受邀人，请逐行输入或上传名单")
        if not errors:
            try:
                made = services.invitees_add(actor=request.user, survey=survey, rows=good)
                messages.success(request, f"已为{len(made)}人生成作答链接")
                return redirect("surveys:invitees", survey.pk)
            except ValidationError as exc:
                errors += exc.messages
    return render(request, "surveys/invitees.html", {
        "survey": survey, "form": form, "errors": errors,
        "invitees": survey.invitees.select_related("major", "participation")[:1000],
        "base": request.build_absolute_uri("/")[:-1]}, status=400 if errors else 200)


@login_required
def invitees_export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk, CHANGE)
    only_open = request.GET.get("unanswered") == "1"
    qs = (selectors.unanswered_invitees(survey) if only_open
          else survey.invitees.select_related("major", "participation"))
    base = request.build_absolute_uri("/")[:-1]
    rows = [[i.name, i.contact, i.major.name if i.major else "", i.cohort or "",
             base + reverse("surveys:token_answer", args=[i.token]),
             "已填写" if hasattr(i, "participation") else "未填写"] for i in qs]
    workbook = Workbook()
    headers = ["姓名或单位", "联系方式", "专业", "毕业年份", "作答链接", "状态"]
    write_sheet(workbook, "作答链接", headers, rows, first=True, caption=survey.title)
    audit.record_export(actor=request.user, institution=survey.institution, what=f"问卷链接：{survey.title}",
                        subject=survey, count=len(rows))
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-links.xlsx"'
    return response

