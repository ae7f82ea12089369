"""Benchmark: the pages people open every day, on the full demo college.

Builds (if missing) the full demo college (≈15 000 students, 700 teachers, 1 500 courses, three years of
measurements, the goal chain and a year of the spiral), then opens each page as the quality office and as a
department head, twice, and prints the second (warm) time and the number of queries.

Run: `.venv/bin/python benchmarks/pages.py [--data var/bench-pages]`; DATABASE_URL selects PostgreSQL. Prints
figures; nothing here is a test.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

PAGES = [
    ("工作台", "/"),
    ("规划与目标", "/goals/plans/"),
    ("年度重点任务", "/goals/keytasks/"),
    ("一页纸计划列表", "/goals/onepage/"),
    ("一页纸计划", "/goals/onepage/{onepage}/"),
    ("一页纸计划 PDF", "/goals/onepage/{onepage}/pdf/"),
    ("差错率报告", "/goals/onepage/errors/"),
    ("任务完成情况", "/goals/board/"),
    ("部门绩效", "/goals/performance/"),
    ("目标链体检", "/goals/health/"),
    ("我的预警", "/monitoring/warnings/mine/"),
    ("全部预警", "/monitoring/warnings/"),
    ("学校驾驶舱", "/cockpit/school/"),
    ("专业驾驶舱", "/cockpit/major/"),
    ("诊改周期", "/diagnosis/cycles/"),
    ("诊改周期详情", "/diagnosis/cycles/{cycle}/"),
    ("改进措施", "/diagnosis/improvements/"),
    ("自我诊断要素一览表", "/diagnosis/element-sheet/"),
    ("自我诊改报告", "/reports/{report}/"),
    ("报告 Word", "/reports/{report}/docx/"),
    ("报告提交情况", "/reports/status/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="var/bench-pages", help="data folder (ZHENGAI_DATA)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    Path(args.data).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ZHENGAI_DATA", args.data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengai.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zhengai.core.models import Institution, User
    from zhengai.demo.builder import DEMO_CODE, DemoBuilder
    from zhengai.diagnosis.models import Cycle
    from zhengai.goals.models import OnePagePlan
    from zhengai.reports.models import Report

    call_command("migrate", verbosity=0)
    # A refused page (a head on the school-wide lists) is an expected answer here, not an error to print.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    if not Institution.objects.filter(code=DEMO_CODE).exists():
        started = time.perf_counter()
        DemoBuilder(size="full").build()
        print(f"建立演示院校（完整规模）：{time.perf_counter() - started:.1f} 秒")
    head = User.objects.get(username="head")
    ids = {"onepage": OnePagePlan.objects.filter(level="unit", unit__in=head.memberships.values("scope_id"))
           .order_by("pk").values_list("pk", flat=True).first() or OnePagePlan.objects.order_by("pk").first().pk,
           "cycle": Cycle.objects.filter(state="closed").order_by("pk").values_list("pk", flat=True).first(),
           "report": Report.objects.order_by("pk").values_list("pk", flat=True).first()}
    client = Client(HTTP_HOST="127.0.0.1")
    print(f"{'页面':<20}{'质管办':>16}{'部门负责人':>18}")
    for label, path in PAGES:
        url = path.format(**ids)
        cells = []
        for username in ("quality", "head"):
            client.force_login(User.objects.get(username=username))
            client.get(url)  # warm: templates compiled, caches filled
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                seconds = time.perf_counter() - started
            cells.append(f"{seconds:6.2f}秒 {len(queries):3d}次查询" if response.status_code == 200
                         else f"{'（' + str(response.status_code) + '）':>14}")
        print(f"{label:<20}{cells[0]:>18}{cells[1]:>18}", flush=True)


if __name__ == "__main__":
    main()
