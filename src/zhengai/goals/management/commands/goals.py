"""`zhengai goals sweep [--date YYYY-MM-DD] [--institution CODE]`: the hourly work of the goal chain — task
warnings (临期/逾期), 督办 of every warning left unhandled, and the calendar's reminders. Safe to run as often as
one likes: nothing is raised or sent twice. scripts/run.sh runs it once an hour."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zhengai.core.models import Institution
from zhengai.goals import tracking


class Command(BaseCommand):
    help = "目标链：任务预警、督办与工作日历提醒"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        sweep = sub.add_parser("sweep", help="扫描任务预警、督办未处理的预警、发送工作日历提醒")
        sweep.add_argument("--date", help="按哪一天计算（YYYY-MM-DD），默认今天")
        sweep.add_argument("--institution", help="院校代码；不给则全部院校")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "sweep":
            raise CommandError("未知子命令")
        now = timezone.now()
        today = timezone.localdate(now)
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
            # Escalation reads the clock: a given day is taken at the same time of day as now.
            now = timezone.make_aware(datetime.datetime.combine(today, timezone.localtime(now).time()))
        institutions = Institution.objects.order_by("code")
        if options.get("institution"):
            institutions = institutions.filter(code=options["institution"])
            if not institutions.exists():
                raise CommandError(f"没有院校“{options['institution']}”")
        for institution in institutions:
            result = tracking.run_daily(institution=institution, today=today, now=now)
            t, e = result["tasks"], result["escalation"]
            self.stdout.write(
                f"{institution.code} {institution.name}（{today}）：临期预警 {t['countdown']} 条，"
                f"逾期预警 {t['overdue']} 条，解除 {t['resolved']} 条，关闭 {t['closed']} 条；"
                f"督办 {e['escalated']} 条；日历提醒 {result['reminders']} 人次。")
