import time

from django.core.management.base import BaseCommand, CommandError

from zhengai.core.models import Institution
from zhengai.demo.builder import DEMO_CODE, DEMO_PASSWORD, SIZES, DemoBuilder, demo_accounts


class Command(BaseCommand):
    help = "建立演示院校（可重复：同一种子得到同样的数据）并打印各角色的演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="full", help="full：完整规模；small：十分之一")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认2026）")
        parser.add_argument("--if-empty", action="store_true", help="仅当数据库中还没有任何院校时才建立")
        parser.add_argument("--accounts", action="store_true", help="只打印演示账号")

    def handle(self, *args, **options):
        if options["accounts"]:
            self.print_accounts()
            return
        if Institution.objects.filter(code=DEMO_CODE).exists():
            if options["if_empty"]:
                return
            raise CommandError("演示院校已存在。如需重建，请先删除数据目录中的数据库。")
        if options["if_empty"] and Institution.objects.exists():
            return
        started = time.monotonic()
        self.stdout.write("正在建立演示院校……")
        log = self.stdout.write if options["verbosity"] >= 2 else None
        inst = DemoBuilder(seed=options["seed"], size=options["size"], log=log).build()
        self.stdout.write(self.style.SUCCESS(f"已建立演示院校“{inst.name}”，用时{time.monotonic() - started:.1f}秒。"))
        if options["verbosity"] >= 1:
            self.print_accounts()

    def print_accounts(self):
        inst = Institution.objects.filter(code=DEMO_CODE).first()
        if inst is None:
            self.stdout.write("还没有演示院校：运行 zhengai demo 建立。")
            return
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for a in demo_accounts(inst):
            self.stdout.write(f"  {a.role:<8}\t{a.username:<12}\t{a.name}\t{a.scope}")
