"""`zhengai backup -o FILE`: the database and the uploaded files in one archive with a manifest and checksums.
`zhengai backup --daily [--dir DIR] [--keep N]`: today's archive in the backup folder unless there is one, and
only the newest N kept — scripts/run.sh runs it every hour, so a restart does not take a second one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengai.core.backup import BackupError, backup_create, backup_daily


class Command(BaseCommand):
    help = "备份数据库与上传文件（含清单与校验和）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="备份文件路径（.tar.gz）")
        parser.add_argument("--daily", action="store_true", help="每日备份：今天已有则跳过，并只保留最新的若干份")
        parser.add_argument("--dir", help="每日备份目录，默认 ZHENGAI_BACKUP_DIR")
        parser.add_argument("--keep", type=int, help="每日备份保留份数，默认 ZHENGAI_BACKUP_KEEP")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["output"]) == bool(options["daily"]):
            raise CommandError("请给出 -o 备份文件路径，或 --daily 之一")
        try:
            if options["daily"]:
                directory = Path(options["dir"] or settings.ZHENGAI_BACKUP_DIR)
                keep = options["keep"] if options["keep"] is not None else settings.ZHENGAI_BACKUP_KEEP
                if keep < 1:
                    raise CommandError("保留份数（--keep 或 ZHENGAI_BACKUP_KEEP）至少为 1")
                made = backup_daily(directory=directory, keep=keep)
                if made is None:
                    self.stdout.write(f"今天的备份已存在（{directory}），跳过。")
                else:
                    self.stdout.write(f"已备份到 {made}（保留最新 {keep} 份）。")
                return
            output = Path(options["output"])
            manifest = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest.tables.values())
        media = sum(1 for name in manifest.files if name.startswith("media/"))
        self.stdout.write(f"已备份到 {output}：{len(manifest.tables)} 张表，{rows} 行，{media} 个上传文件。")
