"""`zhengai restore FILE [--force]`: the archive `zhengai backup` wrote, back into the configured database and
MEDIA_ROOT. Stop the web server and the worker first. The archive is checked whole before anything is touched;
a database that already holds data is refused unless --force; afterwards every table and file is compared with
the manifest. On PostgreSQL the tables are dropped and recreated from the dump (the database may be new or
freshly migrated); on SQLite the database file is replaced through SQLite's backup API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengai.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从备份文件恢复数据库与上传文件（恢复后逐表校验）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="zhengai backup 生成的备份文件")
        parser.add_argument("--force", action="store_true", help="目标数据库或上传目录已有数据时仍然覆盖")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(archive=Path(options["archive"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        created = result.manifest.data["created_at"]
        self.stdout.write(f"已恢复 {created} 的备份：{result.tables} 张表，{result.rows} 行，"
                          f"{result.files} 个上传文件，逐表校验一致。")
        for note in result.notes:
            self.stdout.write(note)
