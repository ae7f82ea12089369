"""`zhengai diagnosis schedule [--date YYYY-MM-DD] [--institution CODE]`: open the diagnosis cycles that are due
(safe to run daily: a cycle that exists is never opened twice); `zhengai diagnosis defaults --institution CODE`:
set the ten-step loop (if none) and seed 003's schedule templates."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zhengai.core.models import Institution
from zhengai.diagnosis import selectors, services
from zhengai.diagnosis.choices import StageScheme


class Command(BaseCommand):
    help = "诊改周期：按周期模板开启到期的诊改周期"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        schedule = sub.add_parser("schedule", help="开启到期的诊改周期")
        schedule.add_argument("--date", help="按哪一天计算（YYYY-MM-DD），默认今天")
        schedule.add_argument("--institution", help="院校代码；不给则全部院校")
        defaults = sub.add_parser("defaults", help="设置十步螺旋（如尚未设置）和默认诊断周期模板")
        defaults.add_argument("--institution", help="院校代码；不给则全部院校")

    def _institutions(self, code: str | None):
        institutions = Institution.objects.order_by("code")
        if code:
            institutions = institutions.filter(code=code)
            if not institutions.exists():
                raise CommandError(f"没有院校“{code}”")
        return institutions

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "defaults":
            for institution in self._institutions(options.get("institution")):
                if not selectors.stages_of(institution).exists():
                    services.stages_install(actor=None, institution=institution, scheme=StageScheme.SEED003)
                created = services.schedule_install_defaults(actor=None, institution=institution)
                self.stdout.write(f"{institution.code} {institution.name}：新建周期模板 {created} 个")
            return
        today = timezone.localdate()
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        for institution in self._institutions(options.get("institution")):
            opened = services.cycles_open_due(institution=institution, today=today)
            if not opened:
                self.stdout.write(f"{institution.code} {institution.name}：没有有效的周期模板")
                continue
            detail = "；".join(f"{name} {n} 个" for name, n in opened.items() if n)
            self.stdout.write(f"{institution.code} {institution.name}（{today}）：开启诊改周期 "
                              f"{sum(opened.values())} 个" + (f"（{detail}）" if detail else ""))
