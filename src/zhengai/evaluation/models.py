"""评教评学: students evaluate the teaching of each teacher of each offering (评教), teachers evaluate the learning
of each class they teach (评学).

Anonymous by construction (docs/evaluation.md): who voted (`Participation`) is stored apart from what was
answered, and nothing answered carries a user, a time or an order. Ratings are counters per (target, item,
value) that a vote increments; free-text answers are rows with a random key and no author. So no query, by
anyone with database access, can tell who gave which answer."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from zhengai.core.choices import CLASS_ROLES, INSTITUTION_WIDE_ROLES, Role
from zhengai.core.models import InstitutionOwned, Period
from zhengai.core.permissions import VIEW, Access, RestrictedQuerySet
from zhengai.org.models import Course, Klass, Teacher
from zhengai.teaching.models import Offering

from .choices import DEFAULT_SCALE, MIN_SHARE, MIN_VOTERS, InstrumentKind, ItemKind, TextReview

OFFICE = {Role.QUALITY_OFFICE}


def _default_scale() -> list[dict]:
    return [dict(option) for option in DEFAULT_SCALE]


class Instrument(InstitutionOwned):
    """评价量表: the indicators students (评教) or teachers (评学) rate. Versioned: a published version is never
    changed, so every result keeps the questions it was answered with; editing one makes the next version."""

    kind = models.CharField("类型", max_length=12, choices=InstrumentKind.choices)
    code = models.CharField("量表代码", max_length=40, help_text="同一量表的各版本代码相同")
    name = models.CharField("量表名称", max_length=100)
    version = models.PositiveSmallIntegerField("版本", default=1)
    description = models.TextField("说明", blank=True)
    published = models.BooleanField("已发布", default=False)

    class Meta:
        verbose_name = "评价量表"
        verbose_name_plural = "评价量表"
        ordering = ["kind", "code", "-version"]
        constraints = [models.UniqueConstraint(fields=["institution", "code", "version"],
                                               name="eval_instrument_version_unique",
                                               violation_error_message="该量表已有此版本")]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.member_q("institution")
        return access.institution_q("institution", action, roles=OFFICE)

    @property
    def rating_items(self) -> list[Item]:
        return [i for i in self.items.all() if i.kind == ItemKind.RATING]


class Item(models.Model):
    """评价指标: one rated indicator (with its weight and scale) or one free-text question of an instrument."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items",
                                   verbose_name="评价量表")
    number = models.PositiveSmallIntegerField("序号")
    aspect = models.CharField("一级指标", max_length=50, blank=True, help_text="如 教学态度、教学内容")
    text = models.CharField("指标内容", max_length=300)
    kind = models.CharField("题型", max_length=10, choices=ItemKind.choices, default=ItemKind.RATING)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=2, default=Decimal("10"),
                                 validators=[MinValueValidator(Decimal("0"))])
    # The options from best to worst, each with the share of the weight it earns (百分制).
    scale = models.JSONField("评分等级", default=_default_scale, blank=True)

    class Meta:
        verbose_name = "评价指标"
        verbose_name_plural = "评价指标"
        ordering = ["instrument", "number"]
        constraints = [models.UniqueConstraint(fields=["instrument", "number"], name="eval_item_number_unique")]

    def __str__(self) -> str:
        return self.text


class Window(InstitutionOwned):
    """评价期: one instrument open to its voters in one semester, between two moments. Results are shown only for
    at least `min_voters` voters and `min_share` % of those asked, both never below the project's floor."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="windows",
                                   verbose_name="评价量表")
    name = models.CharField("评价期名称", max_length=100)
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    min_voters = models.PositiveSmallIntegerField(
        "最少参评人数", default=MIN_VOTERS, validators=[MinValueValidator(MIN_VOTERS)],
        help_text=f"参评人数少于此数时不显示结果；不得低于 {MIN_VOTERS}")
    min_share = models.PositiveSmallIntegerField(
        "最低参评比例（%）", default=MIN_SHARE, validators=[MinValueValidator(MIN_SHARE), MaxValueValidator(100)],
        help_text=f"参评比例低于此值时不显示结果；不得低于 {MIN_SHARE}%")
    # Set when the results have been summed into the state data (the close); a window can close only once.
    finalised_at = models.DateTimeField("汇总时间", null=True, blank=True)
    # When non-voters were last reminded, so an hourly sweep reminds at most once a day.
    reminded_at = models.DateTimeField("最近提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "评价期"
        verbose_name_plural = "评价期"
        ordering = ["-opens_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                              name="eval_window_closes_after_opens",
                                              violation_error_message="截止时间必须晚于开始时间"),
                       models.CheckConstraint(condition=Q(min_voters__gte=MIN_VOTERS) & Q(min_share__gte=MIN_SHARE)
                                              & Q(min_share__lte=100),
                                              name="eval_window_thresholds_floor",
                                              violation_error_message="结果显示门槛不得低于默认值")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        if action == VIEW:
            return access.member_q("institution")
        return access.institution_q("institution", action, roles=OFFICE)

    @property
    def kind(self) -> str:
        return self.instrument.kind

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at and self.finalised_at is None

    def is_closed(self, now=None) -> bool:
        return self.finalised_at is not None or (now or timezone.now()) >= self.closes_at

    @property
    def state_label(self) -> str:
        if self.is_closed():
            return "已结束"
        return "进行中" if self.is_open() else "未开始"


class Target(models.Model):
    """评价对象: 评教 — one teacher of one offering (several teachers are rated one by one); 评学 — one class of
    one offering. `participants` (应参评人数) is frozen when the window closes; until then it is counted live."""

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="targets", verbose_name="评价期")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+", verbose_name="教学班")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="被评教师")
    klass = models.ForeignKey(Klass, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="被评班级")
    participants = models.PositiveIntegerField("应参评人数", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "评价对象"
        verbose_name_plural = "评价对象"
        ordering = ["window", "offering__code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["window", "offering", "teacher"], condition=Q(teacher__isnull=False),
                                    name="eval_target_teacher_unique"),
            models.UniqueConstraint(fields=["window", "offering", "klass"], condition=Q(klass__isnull=False),
                                    name="eval_target_class_unique"),
            models.CheckConstraint(condition=Q(teacher__isnull=True) ^ Q(klass__isnull=True),
                                   name="eval_target_teacher_xor_class"),
        ]

    def __str__(self) -> str:
        return f"{self.offering} · {self.teacher or self.klass}"

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        """Whose results a user may read: the institution-wide roles all; a unit head their unit's teachers and
        classes; a teacher their own; a course leader their course's; a class's counsellor and head teacher the
        class's 评学. Students never read results. Changing is the quality office's."""
        from zhengai.org.entities import answered_units

        if action != VIEW:
            return access.institution_q("window__institution", action, roles=OFFICE)
        units = answered_units(access)
        return (access.institution_q("window__institution", VIEW, roles=INSTITUTION_WIDE_ROLES)
                | Q(teacher__user_id=access.user.pk)
                | Q(teacher__unit_id__in=units) | Q(klass__major__unit_id__in=units)
                | Q(teacher__isnull=False, offering__course_id__in=access.scoped_ids(Role.COURSE_LEADER, Course))
                | Q(klass_id__in=access.scoped_ids(CLASS_ROLES, Klass)))

    @property
    def subject(self) -> str:
        return str(self.teacher or self.klass)


class Participation(models.Model):
    """参评记录: that `voter` has voted for `target` — and nothing of what they answered. One per person and
    target (a database constraint), so a second vote fails instead of counting twice."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="participations",
                               verbose_name="评价对象")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              verbose_name="参评人")

    class Meta:
        verbose_name = "参评记录"
        verbose_name_plural = "参评记录"
        constraints = [models.UniqueConstraint(fields=["target", "voter"], name="eval_participation_once",
                                               violation_error_message="您已评价过该对象，每人只能评价一次")]

    def __str__(self) -> str:
        return f"{self.target_id}:{self.voter_id}"


class RatingCounter(models.Model):
    """评分计数: how many voters gave `item` the option `value` (0 = the best option) for `target`. No ballot row
    exists: a vote adds one to a counter, and all of a target's counters are created together at its first
    vote, so neither their keys nor their order say which option anyone chose."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="counters", verbose_name="评价对象")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name="评价指标")
    value = models.PositiveSmallIntegerField("等级")
    count = models.PositiveIntegerField("人数", default=0)

    class Meta:
        verbose_name = "评分计数"
        verbose_name_plural = "评分计数"
        ordering = ["target", "item__number", "value"]
        constraints = [models.UniqueConstraint(fields=["target", "item", "value"], name="eval_counter_unique")]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.value}={self.count}"


class TextAnswer(models.Model):
    """文字意见: one free-text answer, with a random key, no author and no time. Read back only in the order of
    the random key; rewritten in that order at every vote for the target, so storage order says nothing either.
    Shown to nobody until the quality office has reviewed it (`review`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="texts", verbose_name="评价对象")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name="评价指标")
    text = models.TextField("内容")
    review = models.CharField("审核结果", max_length=12, choices=TextReview.choices, default=TextReview.UNDECIDED)

    class Meta:
        verbose_name = "文字意见"
        verbose_name_plural = "文字意见"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:30]
