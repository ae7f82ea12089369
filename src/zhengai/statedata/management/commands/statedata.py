"""`zhengai statedata import FILE --institution CODE [--period YEAR]`: import a national state-data workbook
(2016 layout) for an IT office, printing the result per sheet, every bad cell, and the logic-check findings.
The same service as the web import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengai.core.models import Institution


class Command(BaseCommand):
    help = "状态数据：导入全国状态数据采集工作簿"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        load = sub.add_parser("import", help="导入一个状态数据采集工作簿（A1…A12 各表）")
        load.add_argument("file", help="工作簿文件（.xlsx/.xls/.ods）")
        load.add_argument("--institution", required=True, help="院校代码")
        load.add_argument("--period", help="统计学年，如 2024 或 2024-2025；不填则取目录表中的学年")

    def handle(self, *args: Any, **options: Any) -> None:
        from zhengai.statedata.workbook import import_workbook

        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError(f"没有代码为“{options['institution']}”的院校")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        result = import_workbook(data=path.read_bytes(), filename=path.name, institution=institution, actor=None,
                                 period=options.get("period"), source_name="命令行")
        for sheet in result.sheets:
            self.stdout.write(sheet.line)
        for error in result.errors:
            self.stdout.write(str(error))
        if not result.ok:
            raise CommandError(result.summary)
        self.stdout.write(result.summary)
        # The logic checks of the year, as on the page: imported, but to be looked at.
        for finding in result.findings:
            self.stdout.write(f"逻辑校验未通过：{finding['title']}")
            for item in finding["items"]:
                self.stdout.write(f"  {item}")
