"""Every write of the evaluation app: instruments and their versions, windows and their targets, the vote, the
review of free-text answers, reminders and the close that sums a window's results into the state data.

The vote is deliberately not audited: an audit entry names a user and a time, which is exactly what an
anonymous answer must not have. That the person voted is the Participation row, nothing more."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.urls import reverse
from django.utils import timezone

from zhengai.core import audit
from zhengai.core.choices import AuditAction
from zhengai.core.importing import ImportResult
from zhengai.monitoring.models import Notification
from zhengai.teaching.models import Enrolment, Offering

from . import selectors
from .choices import DEFAULT_SCALE, InstrumentKind, ItemKind, TextReview
from .models import Instrument, Item, Participation, RatingCounter, Target, TextAnswer, Window

TEXT_LIMIT = 1000

DEFAULTS = {
    InstrumentKind.TEACHING: ("default-teaching", "学生评教表", [
        ("教学态度", "为人师表，按时上下课，课堂管理严格，关心学生", 15),
        ("教学态度", "备课充分，讲课认真投入，耐心解答学生问题", 10),
        ("教学内容", "内容充实，重点突出，联系岗位实际和行业新技术", 15),
        ("教学内容", "融入课程思政和职业素养要求", 10),
        ("教学方法", "方法灵活，理论与实践结合，注重动手能力培养", 15),
        ("教学方法", "合理运用信息化教学手段，师生互动充分", 10),
        ("教学效果", "学生掌握了本课程的知识和技能，学有所获", 15),
        ("教学效果", "激发了学习兴趣，提高了分析和解决问题的能力", 10),
        ("", "您对这门课、这位老师的意见和建议", None),
    ]),
    InstrumentKind.LEARNING: ("default-learning", "教师评学表", [
        ("学习态度", "学习目的明确，课前预习，课堂专注", 20),
        ("课堂纪律", "遵守课堂纪律，不迟到早退，不玩手机", 20),
        ("到课情况", "到课率高，无旷课现象", 20),
        ("作业完成", "按时独立完成作业和实训任务，质量较好", 20),
        ("学习效果", "掌握课程的知识和技能，班级学风良好", 20),
        ("", "对本班学风建设的意见和建议", None),
    ]),
}


# ---- instruments -----------------------------------------------------------------------------------------


def parse_items(text: str) -> list[dict[str, Any]]:
    """Items written one a line — `一级指标 | 指标内容 | 权重` for a rated indicator, `文字 | 问题` for a free-text
    question — as the quality office types them; every bad line reported with its number."""
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if parts[0] == "文字":
            if len(parts) != 2 or not parts[1]:
                errors.append(f"第{n}行：文字题应写作“文字 | 问题”")
                continue
            items.append({"aspect": "", "text": parts[1][:300], "kind": ItemKind.TEXT, "weight": Decimal(0)})
            continue
        if len(parts) != 3 or not parts[1]:
            errors.append(f"第{n}行：评分指标应写作“一级指标 | 指标内容 | 权重”")
            continue
        try:
            weight = Decimal(parts[2])
        except InvalidOperation:
            errors.append(f"第{n}行：权重“{parts[2]}”不是数字")
            continue
        if weight <= 0 or weight >= 1000:
            errors.append(f"第{n}行：权重应大于 0 且小于 1000")
            continue
        items.append({"aspect": parts[0][:50], "text": parts[1][:300], "kind": ItemKind.RATING, "weight": weight})
    if not errors and not any(i["kind"] == ItemKind.RATING for i in items):
        errors.append("至少需要一个评分指标")
    if errors:
        raise ValidationError(errors)
    return items


def items_text(instrument: Instrument) -> str:
    """The instrument's items as the editor shows them (the inverse of parse_items)."""
    lines = []
    for item in instrument.items.all():
        if item.kind == ItemKind.TEXT:
            lines.append(f"文字 | {item.text}")
        else:
            lines.append(f"{item.aspect} | {item.text} | {item.weight.normalize():f}")
    return "\n".join(lines)


def _write_items(instrument: Instrument, items: list[dict[str, Any]]) -> None:
    instrument.items.all().delete()
    Item.objects.bulk_create([Item(instrument=instrument, number=n, scale=[dict(o) for o in DEFAULT_SCALE]
                                   if i["kind"] == ItemKind.RATING else [], **i)
                              for n, i in enumerate(items, start=1)])


@transaction.atomic
def instrument_save(*, actor: Any, institution: Any, data: dict[str, Any], items: list[dict[str, Any]],
                    instrument: Instrument | None = None) -> Instrument:
    """Create a draft instrument, or change a draft; a published version is never changed (make a new one)."""
    if instrument is not None and instrument.published:
        raise ValidationError("已发布的量表不能修改，请先生成新版本")
    before = audit.snapshot(instrument) if instrument is not None else None
    if instrument is None:
        instrument = Instrument(institution=institution, kind=data["kind"],
                                code=data.get("code") or f"q-{uuid.uuid4().hex[:8]}")
    instrument.name = data["name"]
    instrument.description = data.get("description", "")
    instrument.full_clean()
    instrument.save()
    _write_items(instrument, items)
    audit.record(actor=actor, obj=instrument, action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
                 before=before, after={**audit.snapshot(instrument), "指标": items_text(instrument)})
    return instrument


@transaction.atomic
def instrument_publish(*, actor: Any, instrument: Instrument) -> Instrument:
    if not instrument.rating_items:
        raise ValidationError("至少需要一个评分指标才能发布")
    instrument.published = True
    instrument.save(update_fields=["published"])
    audit.record(actor=actor, obj=instrument, action=AuditAction.UPDATE, before={"published": False},
                 after={"published": True}, note="发布量表")
    return instrument


@transaction.atomic
def instrument_copy(*, actor: Any, instrument: Instrument, new_version: bool = True) -> Instrument:
    """A draft copy: the next version of the same instrument (`new_version`), or a new instrument of its own."""
    if new_version:
        top = (Instrument.objects.filter(institution=instrument.institution, code=instrument.code)
               .order_by("-version").values_list("version", flat=True).first())
        copy = Instrument(institution=instrument.institution, kind=instrument.kind, code=instrument.code,
                          name=instrument.name, version=(top or 0) + 1, description=instrument.description)
    else:
        copy = Instrument(institution=instrument.institution, kind=instrument.kind,
                          code=f"q-{uuid.uuid4().hex[:8]}", name=f"{instrument.name}（副本）",
                          description=instrument.description)
    copy.save()
    Item.objects.bulk_create([Item(instrument=copy, number=i.number, aspect=i.aspect, text=i.text, kind=i.kind,
                                   weight=i.weight, scale=i.scale) for i in instrument.items.all()])
    audit.record(actor=actor, obj=copy, action=AuditAction.CREATE, note=f"由 {instrument} 复制")
    return copy


@transaction.atomic
def default_instruments_install(*, institution: Any, actor: Any = None) -> list[Instrument]:
    """The default 评教 and 评学 instruments, published, unless the institution has them already."""
    made = []
    for kind, (code, name, rows) in DEFAULTS.items():
        if Instrument.objects.filter(institution=institution, code=code).exists():
            continue
        items = [{"aspect": a, "text": t, "kind": ItemKind.RATING if w else ItemKind.TEXT,
                  "weight": Decimal(w or 0)} for a, t, w in rows]
        instrument = instrument_save(actor=actor, institution=institution, items=items,
                                     data={"kind": kind, "code": code, "name": name,
                                           "description": "默认量表，质管办可复制后修改"})
        made.append(instrument_publish(actor=actor, instrument=instrument))
    return made


# ---- windows and targets ---------------------------------------------------------------------------------


WINDOW_FIELDS = ("name", "period", "instrument", "opens_at", "closes_at", "min_voters", "min_share")


@transaction.atomic
def window_save(*, actor: Any, institution: Any, data: dict[str, Any], window: Window | None = None) -> Window:
    """Create or change a window; its targets follow the semester's offerings. Once anyone has voted, the
    instrument and semester stay as they are (the counters belong to its items)."""
    if window is not None:
        window = Window.objects.select_for_update().get(pk=window.pk)   # as it is now, not as a page read it
    before = audit.snapshot(window) if window is not None else None
    if window is None:
        window = Window(institution=institution)
    elif (Participation.objects.filter(target__window=window).exists()
          and (data["instrument"] != window.instrument or data["period"] != window.period)):
        raise ValidationError("已有人参评，不能更换量表或学期")
    if window.finalised_at is not None:
        raise ValidationError("评价期已结束并汇总，不能再修改")
    for name in WINDOW_FIELDS:
        setattr(window, name, data[name])
    if not window.instrument.published:
        raise ValidationError({"instrument": "请选择已发布的量表"})
    if window.instrument.institution_id != institution.pk:
        raise ValidationError({"instrument": "请选择本院校的量表"})
    window.full_clean()
    window.save()
    targets_sync(window)
    audit.record(actor=actor, obj=window, action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
                 before=before)
    return window


def targets_sync(window: Window) -> int:
    """Add the targets of offerings new to the semester (评教: each teacher; 评学: each class). Targets are not
    removed: votes may hang from them."""
    offerings = Offering.objects.filter(institution=window.institution, period=window.period)
    if window.kind == InstrumentKind.TEACHING:
        pairs = Offering.teachers.through.objects.filter(offering__in=offerings).values_list("offering_id",
                                                                                            "teacher_id")
        new = [Target(window=window, offering_id=o, teacher_id=t) for o, t in pairs]
    else:
        pairs = Offering.classes.through.objects.filter(offering__in=offerings).values_list("offering_id",
                                                                                           "klass_id")
        new = [Target(window=window, offering_id=o, klass_id=k) for o, k in pairs]
    made = Target.objects.bulk_create(new, ignore_conflicts=True)
    return len(made)


# ---- the vote --------------------------------------------------------------------------------------------


class VoteRefused(ValidationError):
    pass


def _check_answers(target: Target, answers: dict[int, Any]) -> tuple[dict[int, int], dict[int, str]]:
    ratings: dict[int, int] = {}
    texts: dict[int, str] = {}
    missing = []
    for item in target.window.instrument.items.all():
        value = answers.get(item.pk)
        if item.kind == ItemKind.RATING:
            try:
                index = int(value)
            except (TypeError, ValueError):
                index = -1
            if not 0 <= index < len(item.scale):
                missing.append((item.pk, item.text))
                continue
            ratings[item.pk] = index
        elif value and str(value).strip():
            texts[item.pk] = str(value).strip()[:TEXT_LIMIT]
    if missing:
        # Keyed by the form's field, so the page marks each indicator that still needs a choice.
        raise VoteRefused({f"item-{pk}": [f"请为“{text}”选择一个等级"] for pk, text in missing})
    return ratings, texts


@transaction.atomic
def vote(*, user: Any, target: Target, answers: dict[int, Any], now: datetime.datetime | None = None) -> None:
    """One vote, one transaction: the participation, the counters and the free-text answers, or nothing.

    Refused outside the window, for anyone who is not a voter of the target, and a second time (the unique
    constraint, so even two requests at once cannot both count). Every counter of the target is written in one
    statement and every text answer rewritten in random-key order, so neither which rows changed last nor the
    order rows lie in links this vote to this voter."""
    # Only the target's row is locked (`of`): votes on one target queue, votes on the window's other targets —
    # thousands of students in the same hour — do not wait for each other.
    target = Target.objects.select_for_update(of=("self",)).select_related("window__instrument").get(pk=target.pk)
    window = target.window
    if not window.is_open(now):
        raise VoteRefused("不在评价时间内，不能评价")
    if not selectors.is_voter(user, target):
        raise VoteRefused("您不是该对象的参评人")
    ratings, texts = _check_answers(target, answers)
    try:
        with transaction.atomic():
            Participation.objects.create(target=target, voter=user)
    except IntegrityError as exc:
        raise VoteRefused("您已评价过该对象，每人只能评价一次") from exc
    counters = RatingCounter.objects.filter(target=target)
    if not counters.exists():
        # All of the target's counters at once, in a fixed order: their creation says nothing about a choice.
        RatingCounter.objects.bulk_create([RatingCounter(target=target, item=item, value=v)
                                           for item in window.instrument.rating_items
                                           for v in range(len(item.scale))])
    chosen = [When(item_id=item_id, value=value, then=Value(1)) for item_id, value in ratings.items()]
    counters.update(count=F("count") + Case(*chosen, default=Value(0)))
    if texts:
        kept = [TextAnswer(id=a.id, target=target, item_id=a.item_id, text=a.text, review=a.review)
                for a in TextAnswer.objects.filter(target=target)]
        fresh = [TextAnswer(target=target, item_id=item_id, text=text) for item_id, text in texts.items()]
        TextAnswer.objects.filter(target=target).delete()
        TextAnswer.objects.bulk_create(sorted(kept + fresh, key=lambda a: a.id))
    else:
        TextAnswer.objects.filter(target=target).update(text=F("text"))


# ---- review, reminders, close ----------------------------------------------------------------------------


@transaction.atomic
def text_review(*, actor: Any, answer: TextAnswer, review: str) -> TextAnswer:
    if review not in TextReview.values or review == TextReview.UNDECIDED:
        raise ValidationError("请选择审核结果")
    before = answer.review
    TextAnswer.objects.filter(pk=answer.pk).update(review=review)
    answer.review = review
    audit.record(actor=actor, obj=answer.target.window, action=AuditAction.UPDATE,
                 before={"文字意见审核": TextReview(before).label}, after={"文字意见审核": TextReview(review).label},
                 note="审核文字意见")
    return answer


def non_voters(window: Window) -> dict[int, int]:
    """user id → how many of the window's targets they may still evaluate (who, never what)."""
    voted = set(Participation.objects.filter(target__window=window).values_list("voter_id", "target_id"))
    waiting: dict[int, int] = defaultdict(int)
    targets = Target.objects.filter(window=window)
    if window.kind == InstrumentKind.TEACHING:
        by_offering: dict[int, list[int]] = defaultdict(list)
        for pk, offering in targets.values_list("pk", "offering_id"):
            by_offering[offering].append(pk)
        rows = (Enrolment.objects.filter(offering_id__in=by_offering, student__user__isnull=False)
                .values_list("student__user_id", "offering_id"))
        pairs = [(u, t) for u, o in rows for t in by_offering[o]]
    else:
        pairs = list(targets.filter(offering__teachers__user__isnull=False)
                     .values_list("offering__teachers__user_id", "pk"))
    for user_id, target_id in pairs:
        if (user_id, target_id) not in voted:
            waiting[user_id] += 1
    return dict(waiting)


@transaction.atomic
def window_remind(*, actor: Any, window: Window, now: datetime.datetime | None = None) -> int:
    """Notify everyone who still has something to evaluate in an open window; how many were told. Usable by a
    scheduled task (actor None)."""
    if not window.is_open(now):
        raise ValidationError("评价期未在进行中，无需提醒")
    url = reverse("evaluation:my")
    what = "评教" if window.kind == InstrumentKind.TEACHING else "评学"
    closes = timezone.localtime(window.closes_at)
    notices = [Notification(user_id=u, institution=window.institution, url=url,
                            text=f"您在“{window.name}”中还有 {n} 项{what}未完成，请于 {closes:%m月%d日 %H:%M} 前完成")
               for u, n in sorted(non_voters(window).items())]
    Notification.objects.bulk_create(notices)
    Window.objects.filter(pk=window.pk).update(reminded_at=now or timezone.now())
    audit.record(actor=actor, obj=window, action=AuditAction.UPDATE, before={}, after={"提醒人数": len(notices)},
                 note="提醒未参评人员")
    return len(notices)


@transaction.atomic
def window_close(*, actor: Any, window: Window, now: datetime.datetime | None = None) -> Window:
    """End a window (now, if it is still open) and sum it up: each target's 应参评人数 is frozen, and a 评教
    window's results go into the state data's 评教结果 (A8-7) for the semester's academic year, as an import."""
    now = now or timezone.now()
    window = Window.objects.select_for_update().get(pk=window.pk)
    if window.finalised_at is not None:
        raise ValidationError("评价期已经结束并汇总")
    before = audit.snapshot(window)
    for target in selectors.with_counts(Target.objects.filter(window=window, participants__isnull=True)):
        target.participants = selectors.asked(target)
        target.save(update_fields=["participants"])
    window.closes_at = min(window.closes_at, now)
    window.finalised_at = now
    window.save(update_fields=["closes_at", "finalised_at"])
    audit.record(actor=actor, obj=window, action=AuditAction.UPDATE, before=before, note="结束评价期并汇总")
    if window.kind == InstrumentKind.TEACHING:
        feed_statedata(actor=actor, window=window)
    return window


def windows_close_due(*, now: datetime.datetime | None = None) -> int:
    """Close every window whose end has passed (the scheduled sweep); how many."""
    now = now or timezone.now()
    done = 0
    for window in Window.objects.filter(finalised_at__isnull=True, closes_at__lte=now):
        window_close(actor=None, window=window, now=now)
        done += 1
    return done


# Non-voters are reminded this many days before the end, and on the last day (as mature systems do).
REMIND_DAYS_AHEAD = (2, 0)


def sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The hourly work: close the windows whose end has passed, and remind non-voters of open windows two days
    before the end and on the last day — at most once a day per window, so the sweep may run as often as one
    likes."""
    now = now or timezone.now()
    closed = windows_close_due(now=now)
    reminded = 0
    today = timezone.localdate(now)
    for window in Window.objects.filter(finalised_at__isnull=True, opens_at__lte=now, closes_at__gt=now):
        days_left = (timezone.localdate(window.closes_at) - today).days
        if days_left not in REMIND_DAYS_AHEAD:
            continue
        if window.reminded_at is not None and timezone.localdate(window.reminded_at) == today:
            continue
        reminded += window_remind(actor=None, window=window, now=now)
    return {"closed": closed, "reminded": reminded}


def feed_statedata(*, actor: Any, window: Window) -> Any:
    """The academic year's 评教结果 rows (teacher × course) from every closed 评教 window of the year, written
    through statedata's import service so the QC points that read A8-7 are recomputed like after a file:
    应参评学生数 and 实际参评学生数 are summed over the targets; 学生评教平均分 is the voter-weighted mean of the
    targets whose results may be shown (none shown → empty, never a figure from too few voters)."""
    from zhengai.statedata.choices import ImportSource
    from zhengai.statedata.models import Evaluation
    from zhengai.statedata.services import table_import

    year = window.period.parent or window.period
    targets = list(selectors.with_counts(
        Target.objects.filter(window__institution=window.institution, window__finalised_at__isnull=False,
                              window__instrument__kind=InstrumentKind.TEACHING, window__period__parent=year,
                              teacher__isnull=False)
        .select_related("window__instrument", "offering__course", "teacher")
        .prefetch_related("window__instrument__items")))
    shown = selectors.results(targets)
    sums: dict[tuple[int, int], dict[str, Any]] = {}
    for t in targets:
        row = sums.setdefault((t.teacher_id, t.offering.course_id), {
            "teacher": t.teacher, "course": t.offering.course, "expected": 0, "participated": 0,
            "points": Decimal(0), "weight": 0})
        row["expected"] += selectors.asked(t)
        row["participated"] += t.voters  # type: ignore[attr-defined]
        result = shown[t.pk]
        if result.publishable and result.score is not None:
            row["points"] += result.score * t.voters  # type: ignore[attr-defined]
            row["weight"] += t.voters  # type: ignore[attr-defined]
    rows = [{"period": year.code, "teacher": r["teacher"], "course": r["course"], "expected": r["expected"],
             "participated": r["participated"],
             "score": (r["points"] / r["weight"]).quantize(Decimal("0.01"), ROUND_HALF_UP) if r["weight"] else None}
            for r in sums.values()]
    if not rows:
        return None
    result = ImportResult(total=len(rows))
    return table_import(actor=actor, institution=window.institution, model=Evaluation, rows=rows,
                        filename=f"评教结果：{window.name}"[:255], checksum="", result=result,
                        source=ImportSource.API, source_name="本平台学生评教")
