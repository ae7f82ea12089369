"""Academic periods as explicit objects: an academic year runs 1 Sep – 31 Aug; funding by calendar year."""

from __future__ import annotations

import calendar
import datetime

from django.db import transaction

from .choices import PeriodKind
from .models import Period


def academic_year_of(day: datetime.date) -> int:
    """The starting calendar year of the academic year containing `day` (2025 for 2025-2026)."""
    return day.year if day.month >= 9 else day.year - 1


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


@transaction.atomic
def ensure_academic_year(start_year: int) -> Period:
    """The academic year `start_year`-`start_year+1` with its two semesters and twelve months.

    First semester: 1 Sep – 31 Jan (the winter break belongs to it); second: 1 Feb – 31 Aug.
    """
    code = f"{start_year}-{start_year + 1}"
    year, _ = Period.objects.get_or_create(
        code=code,
        defaults={
            "kind": PeriodKind.ACADEMIC_YEAR,
            "name": f"{code}学年",
            "start": datetime.date(start_year, 9, 1),
            "end": datetime.date(start_year + 1, 8, 31),
        },
    )
    semesters = [
        (1, datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 1, 31)),
        (2, datetime.date(start_year + 1, 2, 1), datetime.date(start_year + 1, 8, 31)),
    ]
    for number, start, end in semesters:
        semester, _ = Period.objects.get_or_create(
            code=f"{code}-{number}",
            defaults={"kind": PeriodKind.SEMESTER, "name": f"{code}学年第{'一二'[number - 1]}学期",
                      "start": start, "end": end, "parent": year},
        )
        months = range(9, 13) if number == 1 else range(2, 9)
        extra = [(start_year + 1, 1)] if number == 1 else []
        for y, m in [(start_year if number == 1 else start_year + 1, m) for m in months] + extra:
            Period.objects.get_or_create(
                code=f"{y}-{m:02d}",
                defaults={"kind": PeriodKind.MONTH, "name": f"{y}年{m}月",
                          "start": datetime.date(y, m, 1), "end": _month_end(y, m), "parent": semester},
            )
    return year


def ensure_calendar_year(year: int) -> Period:
    period, _ = Period.objects.get_or_create(
        code=str(year),
        defaults={"kind": PeriodKind.CALENDAR_YEAR, "name": f"{year}年",
                  "start": datetime.date(year, 1, 1), "end": datetime.date(year, 12, 31)},
    )
    return period


def current_academic_year(today: datetime.date | None = None) -> Period:
    from django.utils import timezone

    return ensure_academic_year(academic_year_of(today or timezone.localdate()))
