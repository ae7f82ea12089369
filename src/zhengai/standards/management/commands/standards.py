"""`zhengai standards load-library --institution CODE`: load the built-in QC-point library into a college."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengai.core.models import Institution
from zhengai.standards.services import library_load


class Command(BaseCommand):
    help = "标准与质控点：load-library --institution CODE"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-library", help="把内置质控点库载入一所院校（可重复执行）")
        load.add_argument("--institution", required=True, help="院校代码")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            institution = Institution.objects.get(code=options["institution"])
        except Institution.DoesNotExist as exc:
            raise CommandError(f"没有院校代码为 {options['institution']} 的院校") from exc
        result = library_load(institution)
        self.stdout.write(f"{institution}：新增质控点 {result['created']} 个，保留已有 {result['kept']} 个。")
