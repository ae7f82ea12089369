"""Thin views of 评教评学: each reads through selectors (already restricted) and writes through services."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhengai.core.choices import Role
from zhengai.core.permissions import CHANGE, get_object_for_user, institution_for
from zhengai.org.models import Klass, Teacher

from . import selectors, services
from .choices import InstrumentKind, ItemKind, TextReview
from .forms import InstrumentForm, WindowForm, instrument_initial
from .models import Instrument, Participation, Target, TextAnswer, Window

OFFICE = {Role.QUALITY_OFFICE}
WATCHERS = {Role.QUALITY_OFFICE, Role.SUPERVISOR, Role.SCHOOL_LEADER}


# ---- taking part -----------------------------------------------------------------------------------------


@login_required
def my(request: HttpRequest) -> HttpResponse:
    """评教评学: what waits for my evaluation now, one card each; and, for a teacher, the results of closed
    windows about them."""
    institution = institution_for(request)
    targets = selectors.waiting_for(request.user, institution)
    waiting = [t for t in targets if not t.done]  # type: ignore[attr-defined]
    done = [t for t in targets if t.done]  # type: ignore[attr-defined]
    teacher = Teacher.objects.filter(user=request.user, institution=institution).first()
    closed = []
    if teacher is not None:
        closed = [w for w in selectors.windows_for(request.user, institution)
                  .filter(targets__teacher=teacher).distinct() if w.is_closed()]
    return render(request, "evaluation/my.html", {"waiting": waiting, "done": done, "teacher": teacher,
                                                  "closed": closed})


def _votable(request: HttpRequest, pk: int) -> Target:
    """A target the user is a voter of (404 for anyone else: nobody learns what others evaluate)."""
    institution = institution_for(request)
    target = (Target.objects.filter(selectors.votable_q(request.user), pk=pk, window__institution=institution)
              .select_related("window__instrument", "offering__course", "teacher", "klass").first())
    if target is None:
        raise Http404("没有找到该评价对象")
    return target


@login_required
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """One evaluation form; on a valid submit the next one waiting, so a student goes through them in turn."""
    target = _votable(request, pk)
    items = list(target.window.instrument.items.all())
    posted: dict[str, str] = {}
    errors: list[str] = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        posted = {f"item-{i.pk}": request.POST.get(f"item-{i.pk}", "") for i in items}
        answers: dict[int, Any] = {i.pk: posted[f"item-{i.pk}"] for i in items}
        try:
            services.vote(user=request.user, target=target, answers=answers)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                field_errors = {k: v[0] for k, v in exc.message_dict.items()}
                errors = [f"还有 {len(field_errors)} 项没有选择等级，请在标红的指标中选择"]
            else:
                errors = exc.messages
        else:
            messages.success(request, f"已提交对“{target.offering.course.name} · {target.subject}”的评价，谢谢！")
            nxt = [t for t in selectors.waiting_for(request.user, target.window.institution)
                   if not t.done]  # type: ignore[attr-defined]
            return redirect("evaluation:vote", nxt[0].pk) if nxt else redirect("evaluation:my")
    rows = [{"item": i, "name": f"item-{i.pk}", "value": posted.get(f"item-{i.pk}", ""),
             "error": field_errors.get(f"item-{i.pk}", ""),
             "options": [(str(v), o["label"]) for v, o in enumerate(i.scale)]} for i in items]
    already = Participation.objects.filter(target=target, voter=request.user).exists()
    return render(request, "evaluation/vote.html", {
        "target": target, "rows": rows, "errors": errors, "already": already, "open": target.window.is_open(),
        "small": selectors.asked(selectors.with_counts(Target.objects.filter(pk=target.pk)).get()) <= 5,
        "rating": ItemKind.RATING}, status=400 if errors else 200)


# ---- participation board ---------------------------------------------------------------------------------


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """参评情况: per class the votes expected and cast in a window — rates, never who voted what."""
    institution = institution_for(request)
    windows = list(selectors.windows_for(request.user, institution))
    window = None
    if request.GET.get("window"):
        window = next((w for w in windows if str(w.pk) == request.GET["window"]), None)
        if window is None:
            raise Http404("没有找到该评价期")
    elif windows:
        window = next((w for w in windows if w.is_open()), windows[0])
    rows = selectors.board(window, selectors.board_classes(request.user, institution)) if window else []
    expected = sum(r.expected for r in rows)
    cast = sum(r.cast for r in rows)
    return render(request, "evaluation/board.html", {
        "windows": windows, "window": window, "rows": rows, "expected": expected, "cast": cast,
        "rate": round(cast * 100 / expected) if expected else 0,
        "can_remind": window is not None and window.is_open() and selectors.is_office(request.user, institution)})


# ---- instruments and windows (quality office; supervisors and leaders read) -------------------------------


@login_required
def window_list(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request, WATCHERS)
    return render(request, "evaluation/window_list.html", {
        "windows": selectors.windows_for(request.user, institution),
        "instruments": selectors.instruments_for(request.user, institution),
        "office": selectors.is_office(request.user, institution)})


@login_required
@require_POST
def install_defaults(request: HttpRequest) -> HttpResponse:
    institution = institution_for(request, OFFICE)
    made = services.default_instruments_install(institution=institution, actor=request.user)
    messages.success(request, f"已安装 {len(made)} 个默认量表" if made else "默认量表已经存在")
    return redirect("evaluation:window_list")


@login_required
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request, WATCHERS)
    instrument = get_object_for_user(Instrument.objects.filter(institution=institution), request.user, pk=pk)
    return render(request, "evaluation/instrument_detail.html", {
        "instrument": instrument, "items": instrument.items.all(), "office": selectors.is_office(request.user,
                                                                                                institution),
        "versions": Instrument.objects.filter(institution=institution, code=instrument.code)})


@login_required
def instrument_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new draft instrument, or a draft's changes (a published one is copied into a new version first)."""
    institution = institution_for(request, OFFICE)
    instrument = None
    if pk is not None:
        instrument = get_object_for_user(Instrument.objects.filter(institution=institution), request.user, CHANGE,
                                         pk=pk)
        if instrument.published:
            messages.error(request, "已发布的量表不能修改，请生成新版本后再改")
            return redirect("evaluation:instrument_detail", instrument.pk)
    initial = instrument_initial(instrument) if instrument else {"kind": request.GET.get("kind", "teaching")}
    form = InstrumentForm(request.POST or None, initial=initial, fixed_kind=instrument is not None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.instrument_save(actor=request.user, institution=institution, instrument=instrument,
                                             data=form.cleaned_data, items=form.cleaned_data["items"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "量表已保存（草稿，发布后才能用于评价期）")
            return redirect("evaluation:instrument_detail", saved.pk)
    return render(request, "evaluation/instrument_edit.html", {"form": form, "instrument": instrument})


@login_required
@require_POST
def instrument_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    institution = institution_for(request, OFFICE)
    instrument = get_object_for_user(Instrument.objects.filter(institution=institution), request.user, CHANGE,
                                     pk=pk)
    try:
        if action == "publish":
            services.instrument_publish(actor=request.user, instrument=instrument)
            messages.success(request, "量表已发布，可用于评价期")
            return redirect("evaluation:instrument_detail", instrument.pk)
        copy = services.instrument_copy(actor=request.user, instrument=instrument, new_version=action == "version")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("evaluation:instrument_detail", instrument.pk)
    messages.success(request, "已生成新版本草稿" if action == "version" else "已复制为新量表草稿")
    return redirect("evaluation:instrument_edit", copy.pk)


@login_required
def window_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    institution = institution_for(request, OFFICE)
    window = None
    if pk is not None:
        window = get_object_for_user(Window.objects.filter(institution=institution), request.user, CHANGE, pk=pk)
    form = WindowForm(request.POST or None, instance=window, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.window_save(actor=request.user, institution=institution, window=window,
                                         data=form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, "评价期已保存")
            return redirect("evaluation:window_detail", saved.pk)
    return render(request, "evaluation/window_edit.html", {"form": form, "window": window})


@login_required
def window_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request, WATCHERS)
    window = get_object_for_user(selectors.windows_for(request.user, institution), request.user, pk=pk)
    targets = list(selectors.with_counts(Target.objects.filter(window=window)))
    voters = sum(t.voters for t in targets)  # type: ignore[attr-defined]
    asked = sum(selectors.asked(t) for t in targets)
    return render(request, "evaluation/window_detail.html", {
        "window": window, "targets": len(targets), "voters": voters, "asked": asked,
        "rate": round(voters * 100 / asked) if asked else 0,
        "undecided": TextAnswer.objects.filter(target__window=window, review=TextReview.UNDECIDED).count(),
        "office": selectors.is_office(request.user, institution)})


@login_required
@require_POST
def window_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    institution = institution_for(request, OFFICE)
    window = get_object_for_user(Window.objects.filter(institution=institution), request.user, CHANGE, pk=pk)
    try:
        if action == "remind":
            n = services.window_remind(actor=request.user, window=window)
            messages.success(request, f"已提醒 {n} 位尚未完成评价的人员" if n else "所有人都已完成评价，无需提醒")
        elif action == "close":
            services.window_close(actor=request.user, window=window)
            messages.success(request, "评价期已结束，结果已汇总到状态数据（评教结果）")
        elif action == "sync":
            n = services.targets_sync(window)
            messages.success(request, f"已补充 {n} 个评价对象")
        else:
            raise Http404("没有该操作")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    if request.POST.get("back") == "board":
        return redirect(f"{reverse('evaluation:board')}?window={window.pk}")
    return redirect("evaluation:window_detail", window.pk)


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """审核文字意见: every free-text answer of the window waits here until the quality office decides."""
    institution = institution_for(request, OFFICE)
    window = get_object_for_user(Window.objects.filter(institution=institution), request.user, CHANGE, pk=pk)
    if request.method == "POST":
        answer = TextAnswer.objects.filter(target__window=window, pk=request.POST.get("answer", "")).first()
        if answer is None:
            raise Http404("没有找到该文字意见")
        try:
            services.text_review(actor=request.user, answer=answer, review=request.POST.get("review", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已审核：{TextReview(answer.review).label}")
        return redirect("evaluation:review", window.pk)
    answers = (TextAnswer.objects.filter(target__window=window, review=TextReview.UNDECIDED)
               .select_related("item", "target__offering__course", "target__teacher", "target__klass")
               .order_by("id"))
    choices = [c for c in TextReview.choices if c[0] != TextReview.UNDECIDED]
    return render(request, "evaluation/review.html", {"window": window, "answers": answers, "choices": choices})


# ---- results ---------------------------------------------------------------------------------------------


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """结果: the closed window's results the user may read — per teacher (评教) or per class (评学), and per
    offering; below the thresholds a row says so and shows nothing else."""
    institution = institution_for(request)
    window = get_object_for_user(selectors.windows_for(request.user, institution), request.user, pk=pk)
    targets = list(selectors.visible_results(request.user, window).prefetch_related("window__instrument__items"))
    per_target = selectors.results(targets)
    groups: dict[Any, list[Target]] = defaultdict(list)
    for t in targets:
        groups[t.teacher or t.klass].append(t)
    subjects = [{"subject": s, "result": selectors.combined(window, ts), "targets": ts,
                 "unit": s.unit if isinstance(s, Teacher) else s.major.unit if isinstance(s, Klass) else None}
                for s, ts in groups.items()]
    subjects.sort(key=lambda r: (str(r["unit"]), str(r["subject"])))
    rows = [{"target": t, "result": per_target[t.pk]} for t in targets]
    return render(request, "evaluation/results.html", {
        "window": window, "subjects": subjects, "rows": rows, "closed": window.is_closed(),
        "units": selectors.unit_summary(subjects), "average": selectors.window_average(window),
        "teaching": window.kind == InstrumentKind.TEACHING})


def _subject_page(request: HttpRequest, window: Window, targets: list[Target], title: str,
                  target: Target | None = None) -> HttpResponse:
    if not targets:
        raise Http404("没有找到该评价结果")
    result = selectors.combined(window, targets) if target is None else selectors.results([target])[target.pk]
    texts = []
    if result.publishable:
        shown = [target] if target is not None else targets
        if window.kind == InstrumentKind.TEACHING and target is None:
            shown = [t for t in targets if selectors.meets_threshold(window, t.voters, selectors.asked(t))]  # type: ignore[attr-defined]
        for t in shown:
            texts += selectors.texts_for(request.user, t)
    return render(request, "evaluation/result_detail.html", {
        "window": window, "title": title, "result": result, "texts": texts, "targets": targets,
        "average": selectors.window_average(window)})


@login_required
def target_result(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_for(request)
    target = (Target.objects.restrict(request.user).filter(pk=pk, window__institution=institution)
              .select_related("window__instrument", "offering__course", "teacher", "klass").first())
    if target is None or not target.window.is_closed():
        raise Http404("没有找到该评价结果")
    t = selectors.with_counts(Target.objects.filter(pk=target.pk).select_related(
        "window__instrument", "offering__course", "teacher", "klass")).get()
    return _subject_page(request, t.window, [t], f"{t.offering.name} · {t.subject}", target=t)


@login_required
def subject_result(request: HttpRequest, pk: int, kind: str, subject: int) -> HttpResponse:
    """One teacher across their offerings (评教) or one class across its teachers (评学)."""
    institution = institution_for(request)
    if kind not in ("teacher", "class"):
        raise Http404("没有找到该评价结果")
    window = get_object_for_user(selectors.windows_for(request.user, institution), request.user, pk=pk)
    field = "teacher_id" if kind == "teacher" else "klass_id"
    targets = list(selectors.visible_results(request.user, window).filter(**{field: subject}))
    title = str(targets[0].teacher or targets[0].klass) if targets else ""
    return _subject_page(request, window, targets, title)


