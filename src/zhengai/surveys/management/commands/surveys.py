"""`zhengai surveys remind [--date YYYY-MM-DD] [--days N]`: remind the students who have not answered an open
survey that closes within N days (default 3). Meant to run once a day from the system's scheduler."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengai.surveys import services


class Command(BaseCommand):
    help = "问卷调查：提醒未填写即将截止问卷的学生"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        remind = sub.add_parser("remind", help="提醒未填写即将截止问卷的学生")
        remind.add_argument("--date", help="按哪一天计算（YYYY-MM-DD），默认今天")
        remind.add_argument("--days", type=int, default=3, help="截止前几天开始提醒，默认 3")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        sent = services.reminders_due(today=today, days=options["days"])
        self.stdout.write(f"已提醒{sent}名学生")
