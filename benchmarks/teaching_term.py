"""Benchmark: one term of teaching-process records for the full demo college.

Builds (if missing) the full demo college, writes one semester of attendance — every student, each course of
their major's first courses, two lessons a week for sixteen weeks (5.3 million rows at full size) — as the
import template's CSV, then times:

* the import through the platform's own importer (validation, bulk upsert, history);
* the same import again (idempotent: nothing changes);
* the attendance rate per course and per student in the platform's database (SQL through the ORM) and the same
  aggregates with DuckDB over the same CSV, as a reference;
* a full recompute of every QC point and an incremental one after a small import, when the monitoring app is
  installed.

Run: `.venv/bin/python benchmarks/teaching_term.py [--scale 1.0] [--data var/bench]`; DATABASE_URL selects
PostgreSQL. Prints figures; nothing here is a test.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import sys
import time
from pathlib import Path

SEMESTER = "2025-2026-1"
FIRST_MONDAY = datetime.date(2025, 9, 8)


def setup(data_dir: str) -> None:
    os.environ.setdefault("ZHENGAI_DATA", data_dir)
    # Background work runs in this process, so that the incremental recompute an import sets off is timed.
    os.environ.setdefault("ZHENGAI_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengai.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(label: str, results: list, fn, rows: int | None = None):
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    results.append((label, seconds, rows))
    rate = f"{rows / seconds:,.0f} 行/秒" if rows else ""
    print(f"{label:<36} {seconds:9.2f} 秒  {rate}", flush=True)
    return value


def build_csv(path: Path, courses_per_student: int, weeks: int, seed: int) -> int:
    """The attendance file: status drawn so that about 92% attend, 3% late, 2% on leave, 3% absent."""
    from zhengai.org.models import Course, Student

    rng = random.Random(seed)
    courses_by_major: dict[int, list[str]] = {}
    for code, major_id in Course.objects.filter(majors__isnull=False, code__startswith="C").order_by(
            "code").values_list("code", "majors"):
        courses_by_major.setdefault(major_id, []).append(code)
    statuses = ["出勤"] * 92 + ["迟到"] * 3 + ["请假"] * 2 + ["缺勤"] * 3
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["学期", "学号", "课程代码", "上课日期", "节次", "考勤状态"])
        for code, major_id in Student.objects.filter(status="enrolled").values_list("code", "major_id").iterator():
            for slot, course in enumerate(courses_by_major.get(major_id, [])[:courses_per_student]):
                weekday, lesson = divmod(slot, 4)
                for week in range(weeks):
                    day = FIRST_MONDAY + datetime.timedelta(weeks=week, days=weekday % 5)
                    for half in (1, 2):
                        out.writerow([SEMESTER, code, course, day.isoformat(), lesson * 2 + half,
                                      rng.choice(statuses)])
                        rows += 1
    return rows


def orm_rates() -> tuple[int, int]:
    from django.db.models import Count, Q

    from zhengai.statedata.models import Attendance

    present = Count("id", filter=Q(status__in=[1, 2]))
    per_course = list(Attendance.objects.filter(period__code=SEMESTER).values("course_id")
                      .annotate(n=Count("id"), p=present))
    per_student = list(Attendance.objects.filter(period__code=SEMESTER).values("student_id")
                       .annotate(n=Count("id"), p=present))
    return len(per_course), len(per_student)


def duckdb_load(path: Path):
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE a AS SELECT * FROM read_csv_auto('{path}', header=true)")
    return con


def duckdb_rates(con) -> tuple[int, int]:
    present = "count(*) FILTER (WHERE 考勤状态 IN ('出勤', '迟到'))"
    per_course = con.execute(f"SELECT 课程代码, count(*), {present} FROM a GROUP BY 1").fetchall()
    per_student = con.execute(f"SELECT 学号, count(*), {present} FROM a GROUP BY 1").fetchall()
    return len(per_course), len(per_student)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 11 courses × 16 weeks per student")
    parser.add_argument("--data", default="var/bench", help="data folder (ZHENGAI_DATA)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    Path(args.data).mkdir(parents=True, exist_ok=True)
    setup(args.data)

    from zhengai.core.models import Institution, User
    from zhengai.demo.builder import DEMO_CODE, DemoBuilder
    from zhengai.statedata.process import AttendanceImporter

    results: list = []
    if not Institution.objects.filter(code=DEMO_CODE).exists():
        timed("建立演示院校（完整规模）", results, lambda: DemoBuilder(seed=args.seed, size="full").build())
    inst = Institution.objects.get(code=DEMO_CODE)
    steward = User.objects.get(username="steward")
    from zhengai.core.periods import ensure_academic_year

    ensure_academic_year(2025)
    weeks = max(1, round(16 * min(args.scale, 1.0)))
    courses = max(1, round(11 * args.scale)) if args.scale < 1 else 11
    path = Path(args.data) / "attendance.csv"
    total = timed("生成一学期考勤CSV", results, lambda: build_csv(path, courses, weeks, args.seed))
    print(f"  考勤记录 {total:,} 行，文件 {path.stat().st_size / 1e6:,.0f} MB")
    data = path.read_bytes()
    # The term is imported into an empty semester: the demo's two-week sample would blur the comparison.
    from zhengai.statedata.models import Attendance

    Attendance.objects.filter(institution=inst, period__code=SEMESTER).delete()

    def run_import():
        result = AttendanceImporter(inst, steward).run_file(data, path.name)
        assert result.ok, result.summary
        return result

    first = timed("导入（首次）", results, run_import, total)
    print(f"  {first.summary}")
    again = timed("再次导入同一文件（幂等）", results, run_import, total)
    print(f"  {again.summary}")
    ours = timed("到课率聚合：本平台数据库", results, orm_rates)
    con = timed("DuckDB 参照：读入同一CSV", results, lambda: duckdb_load(path), total)
    ref = timed("到课率聚合：DuckDB 参照", results, lambda: duckdb_rates(con))
    assert ours == ref, (ours, ref)
    ratio = results[-2][1] / results[-1][1]
    print(f"  课程 {ours[0]:,} 门、学生 {ours[1]:,} 人；本平台 ÷ DuckDB = {ratio:.1f}")

    try:
        from zhengai.monitoring import services as monitoring
    except ImportError:
        print("（监测应用尚未安装：跳过重算计时）")
        return
    from zhengai.core.models import Period

    year = Period.objects.get(code="2025-2026")
    timed("全量重算（全部质控点 × 全部对象）", results,
          lambda: monitoring.recompute(institution=inst, period=year))
    small = io.StringIO()
    writer = csv.writer(small)
    with path.open(encoding="utf-8") as handle:
        for i, row in enumerate(csv.reader(handle)):
            if i > 1000:
                break
            writer.writerow(row if i == 0 else [*row[:5], "缺勤"])
    timed("增量：导入1000行更正并重算受影响部分", results,
          lambda: AttendanceImporter(inst, steward).run_file(small.getvalue().encode(), "更正.csv"))


if __name__ == "__main__":
    main()
