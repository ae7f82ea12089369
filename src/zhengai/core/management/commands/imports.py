"""`zhengai imports purge [--days N]`: delete uploaded import files older than ZHENGAI_IMPORT_RETENTION_DAYS
(default 30). Idempotent; scripts/run.sh runs it with the hourly sweep."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengai.core.importing import import_files_purge


class Command(BaseCommand):
    help = "导入文件：删除超过保留期的已上传导入文件"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        purge = sub.add_parser("purge", help="删除超过保留期的已上传导入文件")
        purge.add_argument("--days", type=int, help="保留天数，默认取 ZHENGAI_IMPORT_RETENTION_DAYS")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "purge":
            raise CommandError("未知子命令")
        if options.get("days") is not None and options["days"] < 0:
            raise CommandError("保留天数不能为负数")
        deleted = import_files_purge(days=options.get("days"))
        self.stdout.write(f"已删除超过保留期的导入文件 {deleted} 个。")
