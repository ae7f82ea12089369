"""`zhengai report self-diagnosis --entity major:510201 --period 2025 --format docx -o 报告.docx`

Writes an entity's self-diagnosis report: the newest saved version when there is one, otherwise a draft built
from the platform's evidence (not saved)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhengai.core.models import Institution
from zhengai.reports import rendering, selectors, services
from zhengai.reports.choices import ReportKind

KINDS = ", ".join(ReportKind.values)


class Command(BaseCommand):
    help = "生成自我诊改报告（Word、PDF 或 HTML）"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["self-diagnosis"], help="报告种类：self-diagnosis（自我诊改报告）")
        parser.add_argument("--entity", required=True,
                            help=f"报告对象 类型:代码，类型为 {KINDS}；代码为部门、专业、课程代码或教师工号，"
                                 "学校可写 school 或 school:院校代码")
        parser.add_argument("--period", required=True, type=int, help="学年的起始年份，如 2025 表示 2025—2026 学年")
        parser.add_argument("--format", default="docx", choices=["docx", "pdf", "html"], help="输出格式")
        parser.add_argument("-o", "--output", required=True, help="输出文件")
        parser.add_argument("--institution", default="", help="院校代码（平台只有一所院校时可省略）")

    def handle(self, *args, **opts):
        kind, _, code = opts["entity"].partition(":")
        kind, code = kind.strip(), code.strip()
        if kind not in ReportKind.values:
            raise CommandError(f"未知的报告对象类型“{kind}”，应为 {KINDS} 之一")
        if kind != ReportKind.SCHOOL and not code:
            raise CommandError(f"请写明{ReportKind(kind).label}的代码，如 --entity {kind}:代码")
        institution = self._institution(opts["institution"] or (code if kind == ReportKind.SCHOOL else ""))
        try:
            entity = selectors.find_entity(institution, kind, code)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        report = selectors.latest_report(institution, kind, entity, opts["period"])
        rows = None
        try:
            if report is None:
                report, rows = services.draft_report(kind=kind, entity=entity, year=opts["period"])
                self.stderr.write(f"{report.title}尚未编写：按平台数据生成草稿（未保存）")
            else:
                self.stderr.write(f"使用已保存的报告：{report}（{report.get_state_display()}）")
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        fmt = opts["format"]
        if fmt == "docx":
            data = rendering.render_docx(report, rows)
        elif fmt == "pdf":
            data = rendering.render_pdf(report, rows)
        else:
            data = rendering.render_html(report, rows).encode("utf-8")
        out = Path(opts["output"])
        out.write_bytes(data)
        self.stdout.write(f"已写入 {out}（{len(data)} 字节）")

    def _institution(self, code: str) -> Institution:
        if code:
            found = Institution.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"没有院校代码为“{code}”的院校")
            return found
        institutions = list(Institution.objects.all()[:2])
        if not institutions:
            raise CommandError("平台中还没有院校")
        if len(institutions) > 1:
            raise CommandError("平台中有多所院校，请用 --institution 指定院校代码")
        return institutions[0]
