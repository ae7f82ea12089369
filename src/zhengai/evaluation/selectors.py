"""Reads of the evaluation app, each already restricted to what the user may see.

Results are summed from the counters; a result is shown only when enough people voted (`publishable`), and a
free-text answer only once the quality office has reviewed it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from zhengai.core.choices import CLASS_ROLES, INSTITUTION_WIDE_ROLES, Role
from zhengai.core.permissions import access_for
from zhengai.org.entities import answered_units
from zhengai.org.models import Klass
from zhengai.teaching.models import Enrolment

from .choices import InstrumentKind, TextReview
from .models import Instrument, Item, Participation, RatingCounter, Target, TextAnswer, Window

TWO = Decimal("0.01")


def instruments_for(user: Any, institution: Any) -> QuerySet[Instrument]:
    return Instrument.objects.restrict(user).filter(institution=institution).prefetch_related("items")


def windows_for(user: Any, institution: Any) -> QuerySet[Window]:
    return (Window.objects.restrict(user).filter(institution=institution)
            .select_related("instrument", "period"))


def with_counts(targets: QuerySet[Target]) -> QuerySet[Target]:
    """Targets with `voters` and `asked` (应参评人数: frozen at close, else counted now: the offering's enrolled
    students for 评教, its teachers for 评学). Subqueries, so rows never multiply."""
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    from zhengai.teaching.models import Offering

    enrolled = (Enrolment.objects.filter(offering_id=OuterRef("offering_id")).order_by()
                .values("offering_id").annotate(n=Count("pk")).values("n"))
    teachers = (Offering.teachers.through.objects.filter(offering_id=OuterRef("offering_id")).order_by()
                .values("offering_id").annotate(n=Count("pk")).values("n"))
    voters = (Participation.objects.filter(target_id=OuterRef("pk")).order_by().values("target_id")
              .annotate(n=Count("pk")).values("n"))
    return targets.annotate(
        voters=Coalesce(Subquery(voters, output_field=IntegerField()), 0),
        live_students=Coalesce(Subquery(enrolled, output_field=IntegerField()), 0),
        live_teachers=Coalesce(Subquery(teachers, output_field=IntegerField()), 0),
    )


def asked(target: Target) -> int:
    if target.participants is not None:
        return target.participants
    return target.live_students if target.teacher_id else target.live_teachers  # type: ignore[attr-defined]


def meets_threshold(window: Window, voters: int, participants: int) -> bool:
    """Both thresholds: at least `min_voters` voters, and at least `min_share` % of those asked."""
    return voters >= window.min_voters and voters * 100 >= window.min_share * participants


@dataclass
class ItemResult:
    item: Item
    answers: int = 0
    average: Decimal | None = None           # on 100 (the options' scores)
    distribution: list[tuple[str, int, int]] = field(default_factory=list)   # (label, count, percent)


@dataclass
class Result:
    """What a set of targets' counters add up to: per item the average on 100 and the distribution, the
    weighted score on 100, and whether the result may be shown at all."""

    voters: int
    participants: int
    publishable: bool
    items: list[ItemResult]
    score: Decimal | None

    @property
    def rate(self) -> int:
        return round(self.voters * 100 / self.participants) if self.participants else 0


def _sum(instrument: Instrument, counts: dict[tuple[int, int], int], voters: int, participants: int,
         publishable: bool) -> Result:
    items = []
    weighted = Decimal(0)
    weights = Decimal(0)
    for item in instrument.rating_items:
        scale = item.scale or []
        row = ItemResult(item=item)
        total = sum(counts.get((item.pk, v), 0) for v in range(len(scale)))
        row.answers = total
        if total:
            points = sum(Decimal(str(scale[v]["score"])) * counts.get((item.pk, v), 0) for v in range(len(scale)))
            row.average = (points / total).quantize(TWO, ROUND_HALF_UP)
            row.distribution = [(opt["label"], counts.get((item.pk, v), 0),
                                 round(counts.get((item.pk, v), 0) * 100 / total)) for v, opt in enumerate(scale)]
            weighted += item.weight * points / total
            weights += item.weight
        items.append(row)
    score = (weighted / weights).quantize(TWO, ROUND_HALF_UP) if weights else None
    return Result(voters=voters, participants=participants, publishable=publishable, items=items, score=score)


def _counts(targets: Iterable[Target]) -> dict[int, dict[tuple[int, int], int]]:
    by_target: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for t, i, v, n in RatingCounter.objects.filter(target__in=list(targets)).values_list(
            "target_id", "item_id", "value", "count"):
        by_target[t][(i, v)] = n
    return by_target


def results(targets: list[Target]) -> dict[int, Result]:
    """Each target's result (targets from `with_counts`, of windows whose instrument items are prefetched)."""
    counts = _counts(targets)
    out = {}
    for t in targets:
        n = asked(t)
        out[t.pk] = _sum(t.window.instrument, counts.get(t.pk, {}), t.voters, n,  # type: ignore[attr-defined]
                         meets_threshold(t.window, t.voters, n))  # type: ignore[attr-defined]
    return out


def combined(window: Window, targets: list[Target]) -> Result:
    """One result over several targets of a window (a teacher across offerings, a class across its teachers):
    only the targets that may be shown on their own count, so the whole never reveals a small part (for 评学, whose
    targets have one or two voters each, the sum over the class is tested against the thresholds instead)."""
    if window.kind == InstrumentKind.LEARNING:
        parts = targets
        voters = sum(t.voters for t in parts)  # type: ignore[attr-defined]
        participants = sum(asked(t) for t in parts)
        publishable = meets_threshold(window, voters, participants)
    else:
        parts = [t for t in targets if meets_threshold(window, t.voters, asked(t))]  # type: ignore[attr-defined]
        voters = sum(t.voters for t in parts)  # type: ignore[attr-defined]
        participants = sum(asked(t) for t in parts)
        publishable = bool(parts)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for per in _counts(parts).values():
        for key, n in per.items():
            counts[key] += n
    return _sum(window.instrument, counts, voters, participants, publishable)


def window_average(window: Window) -> Decimal | None:
    """The whole window's weighted score (of every target shown on its own, whoever is looking): the figure a
    teacher's or a unit's result is compared with — computed over the whole population, shown through the gate."""
    if not window.is_closed():
        return None
    targets = list(with_counts(Target.objects.filter(window=window).select_related("window__instrument")))
    result = combined(window, targets) if window.kind == InstrumentKind.TEACHING else None
    return result.score if result is not None and result.publishable else None


def unit_summary(subjects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per unit, how many of its teachers (or classes) have a result shown, and the mean of their scores."""
    by_unit: dict[Any, list[Decimal]] = defaultdict(list)
    counted: dict[Any, int] = defaultdict(int)
    for s in subjects:
        counted[s["unit"]] += 1
        if s["result"].publishable and s["result"].score is not None:
            by_unit[s["unit"]].append(s["result"].score)
    return [{"unit": unit, "subjects": counted[unit], "shown": len(by_unit[unit]),
             "average": (sum(by_unit[unit]) / len(by_unit[unit])).quantize(TWO, ROUND_HALF_UP)
             if by_unit[unit] else None} for unit in counted]


def visible_results(user: Any, window: Window) -> QuerySet[Target]:
    """The targets of a closed window whose results the user may read (nothing before the close)."""
    if not window.is_closed():
        return Target.objects.none()
    return with_counts(Target.objects.restrict(user).filter(window=window)
                       .select_related("offering__course", "teacher__unit", "klass", "window__instrument"))


def texts_for(user: Any, target: Target) -> list[TextAnswer]:
    """The reviewed free-text answers the user may read for a target whose result is shown: public ones, and
    those kept for the teacher when the user is that teacher. In the random key's order."""
    shown = Q(review=TextReview.PUBLIC)
    if target.teacher_id and target.teacher.user_id == getattr(user, "pk", None):
        shown |= Q(review=TextReview.PRIVATE)
    return list(TextAnswer.objects.filter(target=target).filter(shown).select_related("item").order_by("id"))


# ---- voting ----------------------------------------------------------------------------------------------


def votable_q(user: Any) -> Q:
    """Targets the user is a voter of: 评教 the teachers of the offerings they are enrolled in, 评学 the
    classes of the offerings they teach."""
    return (Q(teacher__isnull=False, offering__in=Enrolment.objects.filter(student__user=user).values("offering_id"))
            | Q(klass__isnull=False, offering__teachers__user=user))


def is_voter(user: Any, target: Target) -> bool:
    return Target.objects.filter(votable_q(user), pk=target.pk).exists()


def waiting_for(user: Any, institution: Any, now: Any = None) -> list[Target]:
    """The targets of the institution's open windows that the user may still evaluate, and those they have
    (`done`), for 我的评教评学."""
    now = now or timezone.now()
    qs = (Target.objects.filter(votable_q(user), window__institution=institution, window__opens_at__lte=now,
                                window__closes_at__gt=now, window__finalised_at__isnull=True)
          .annotate(done=Exists(Participation.objects.filter(target=OuterRef("pk"), voter=user)))
          .select_related("window__instrument", "offering__course", "teacher", "klass")
          .order_by("window__closes_at", "offering__code", "pk").distinct())
    return list(qs)


# ---- participation board ---------------------------------------------------------------------------------


def board_classes(user: Any, institution: Any) -> QuerySet[Klass]:
    """The classes whose response rates the user follows: all for the institution-wide roles, their classes for
    a counsellor or head teacher, the classes of their units for a head."""
    access = access_for(user)
    qs = Klass.objects.filter(institution=institution)
    if access.is_superuser or access.has_role(INSTITUTION_WIDE_ROLES, institution.pk):
        return qs
    return qs.filter(Q(pk__in=access.scoped_ids(CLASS_ROLES, Klass))
                     | Q(major__unit_id__in=answered_units(access)))


@dataclass
class BoardRow:
    klass: Klass
    expected: int
    cast: int

    @property
    def rate(self) -> int:
        return round(self.cast * 100 / self.expected) if self.expected else 0


def board(window: Window, classes: QuerySet[Klass]) -> list[BoardRow]:
    """Per class, the votes expected and cast in the window: counts only, never who. 评教 counts each student's
    votes by the student's class; 评学 each teacher's votes by the class evaluated."""
    targets = Target.objects.filter(window=window)
    if window.kind == InstrumentKind.TEACHING:
        expected_rows = (targets.filter(offering__enrolments__student__klass__in=classes)
                         .values_list("offering__enrolments__student__klass").annotate(n=Count("pk")))
        cast_rows = (Participation.objects.filter(target__window=window, voter__student__klass__in=classes)
                     .values_list("voter__student__klass").annotate(n=Count("pk")))
    else:
        expected_rows = (targets.filter(klass__in=classes).values_list("klass")
                         .annotate(n=Count("offering__teachers")))
        cast_rows = (Participation.objects.filter(target__window=window, target__klass__in=classes)
                     .values_list("target__klass").annotate(n=Count("pk")))
    expected = dict(expected_rows.order_by())
    cast = dict(cast_rows.order_by())
    return [BoardRow(klass=k, expected=expected.get(k.pk, 0), cast=cast.get(k.pk, 0))
            for k in classes.filter(pk__in=expected.keys()).select_related("major")]


def is_office(user: Any, institution: Any) -> bool:
    access = access_for(user)
    return access.is_superuser or access.has_role({Role.QUALITY_OFFICE}, institution.pk)
