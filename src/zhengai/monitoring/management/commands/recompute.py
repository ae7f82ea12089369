"""`zhengai recompute --institution CODE --period 2024-2025 [--point CODE …]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengai.core.models import Institution, Period
from zhengai.monitoring.services import recompute


class Command(BaseCommand):
    help = "重新计算质控点的测量结果并更新预警"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", required=True, help="院校代码")
        parser.add_argument("--period", required=True, help="学年，如 2024-2025")
        parser.add_argument("--point", action="append", dest="points", help="质控点代码（可重复）；不给则全部")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            institution = Institution.objects.get(code=options["institution"])
            period = Period.objects.get(code=options["period"])
        except (Institution.DoesNotExist, Period.DoesNotExist) as exc:
            raise CommandError("没有该院校或期间") from exc
        result = recompute(institution=institution, period=period, qc_points=options["points"])
        if result["frozen"]:
            self.stdout.write(f"{period} 第{result['version']}版数据已冻结，测量结果不再改变。")
            return
        self.stdout.write(f"{period}：计算质控点 {result['points']} 个、对象 {result['entities']} 个；"
                          f"新预警 {result['raised']} 条，解除 {result['resolved']} 条。")
        for error in result["errors"]:
            self.stderr.write(error)
