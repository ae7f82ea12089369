"""`zhengai evaluation sweep [--now "YYYY-MM-DD HH:MM"]`: close the evaluation windows whose end has passed (their
results go into the state data) and remind those who have not voted, two days before the end and on the last day.
Safe to run every hour: a window closes once and its non-voters are reminded at most once a day."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zhengai.evaluation import services


class Command(BaseCommand):
    help = "评教评学：结束到期的评价期并汇总结果，提醒未参评人员"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        sweep = sub.add_parser("sweep", help="结束到期的评价期、提醒未参评人员")
        sweep.add_argument("--now", help="按哪个时刻计算（YYYY-MM-DD HH:MM），默认现在")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "sweep":
            raise CommandError("未知子命令")
        now = timezone.now()
        if options.get("now"):
            try:
                now = timezone.make_aware(datetime.datetime.fromisoformat(options["now"]))
            except ValueError as exc:
                raise CommandError("时刻格式应为 YYYY-MM-DD HH:MM") from exc
        result = services.sweep(now=now)
        self.stdout.write(f"结束并汇总评价期 {result['closed']} 个；提醒未参评人员 {result['reminded']} 人次。")
