"""`zhengai frameworks …`: load the built-in diagnosis tables, count them, move them in and out of Excel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengai.core.models import Institution
from zhengai.frameworks.choices import LEVELS
from zhengai.frameworks.importers import FrameworkImporter
from zhengai.frameworks.models import Framework
from zhengai.frameworks.selectors import builtin_framework, count_differences, framework_stats, with_counts
from zhengai.frameworks.services import load_builtin


class Command(BaseCommand):
    help = ("诊断项目表：load-builtin | list | stats CODE [--json] | export CODE -o FILE.xlsx | "
            "import FILE.xlsx [--institution CODE]")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-builtin", help="载入（或更新）内置诊断项目表")
        sub.add_parser("list", help="列出全部诊断项目表及其数量")
        stats = sub.add_parser("stats", help="内置表（最新版本）的数量与声明数量")
        stats.add_argument("code")
        stats.add_argument("--json", action="store_true", dest="as_json", help="只输出一行JSON")
        export = sub.add_parser("export", help="把内置表（最新版本）导出为Excel")
        export.add_argument("code")
        export.add_argument("-o", "--output", required=True, help="输出文件 .xlsx")
        imp = sub.add_parser("import", help="从Excel导入一张诊断项目表")
        imp.add_argument("file")
        imp.add_argument("--institution", help="院校代码；不给则作为内置表导入")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"].replace("-", "_"))(**options)

    def _builtin(self, code: str) -> Framework:
        framework = builtin_framework(code)
        if framework is None:
            # The built-in tables ship with the platform: load them on first use rather than refuse.
            load_builtin()
            framework = builtin_framework(code)
        if framework is None:
            raise CommandError(f"没有代码为“{code}”的内置诊断项目表"
                               "（先运行 zhengai frameworks load-builtin）")
        return framework

    def do_load_builtin(self, **options: Any) -> None:
        for framework in load_builtin():
            outcome = {"created": "已新建", "updated": "已更新", "unchanged": "未变"}[framework.load_outcome]
            self.stdout.write(f"{framework.code} {framework.version}：{outcome}")

    def do_list(self, **options: Any) -> None:
        for f in with_counts(Framework.objects.select_related("institution")).order_by("institution", "code"):
            owner = f.institution.code if f.institution else "内置"
            self.stdout.write(f"{owner}\t{f.code}\t{f.version}\t{f.name}\t"
                              f"{f.n_projects}/{f.n_elements}/{f.n_points}/{f.n_tasks}")

    def do_stats(self, code: str, as_json: bool = False, **options: Any) -> None:
        stats = framework_stats(self._builtin(code))
        if as_json:
            self.stdout.write(json.dumps(stats, ensure_ascii=False))
            return
        for key, label in LEVELS:
            declared = stats["declared"].get(key)
            said = "" if declared is None else f"（表中声明{declared}）"
            self.stdout.write(f"{label}：{stats[key]}{said}")
        for line in count_differences(stats, stats["declared"]):
            self.stdout.write(self.style.WARNING(line))

    def do_export(self, code: str, output: str, **options: Any) -> None:
        framework = self._builtin(code)
        Path(output).write_bytes(FrameworkImporter(None, None).template(framework))
        self.stdout.write(f"已导出 {framework} → {output}")

    def do_import(self, file: str, institution: str | None = None, **options: Any) -> None:
        owner = None
        if institution:
            owner = Institution.objects.filter(code=institution).first()
            if owner is None:
                raise CommandError(f"没有代码为“{institution}”的院校")
        path = Path(file)
        result = FrameworkImporter(owner, None).run(path.read_bytes(), path.name)
        if not result.ok:
            lines = [result.summary] + [f"第{e.row}行：{'；'.join(e.messages)}" for e in result.errors]
            raise CommandError("\n".join(lines))
        self.stdout.write(result.summary)
