#!/usr/bin/env bash
# Set up and run the platform on the embedded default: SQLite in ./var, the demo college loaded if the
# database is empty, a background worker, and the web server on http://127.0.0.1:8000.
source "$(dirname "$0")/_env.sh"
ensure_debs fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
ensure_venv

export ZHENGAI_DATA="${ZHENGAI_DATA:-$ROOT/var}"
PORT="${ZHENGAI_PORT:-8000}"

zhengai migrate --noinput -v0
zhengai collectstatic --noinput -v0
zhengai demo --if-empty -v 0

zhengai db_worker --interval 2 >"$ZHENGAI_DATA/worker.log" 2>&1 &
WORKER=$!
# Once an hour, `zhengai goals sweep`: task countdown/overdue warnings, 督办 of warnings left unhandled, the
# calendar's reminders; `zhengai diagnosis schedule`: the diagnosis cycles that have fallen due; and
# `zhengai evaluation sweep`: evaluation windows past their end closed and summed up, non-voters reminded. All are
# idempotent, so a restart that runs them again early does no harm. `zhengai imports purge` deletes uploaded
# import files past ZHENGAI_IMPORT_RETENTION_DAYS; `zhengai backup --daily` takes the day's backup
# (ZHENGAI_BACKUP_DIR, newest ZHENGAI_BACKUP_KEEP kept) unless it exists.
# The loop sleeps in the background and waits, so the kill on exit ends the loop and its sleep at once.
( trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
  while true; do
    # Each step on its own: one that fails is logged and the others still run, now and every hour after.
    for step in "goals sweep" "diagnosis schedule" "evaluation sweep" "imports purge" "backup --daily"; do
      zhengai $step || echo "$(date '+%F %T') zhengai $step 失败" >&2
    done
  sleep 3600 & wait $!; done ) >"$ZHENGAI_DATA/sweep.log" 2>&1 &
SWEEPER=$!
trap 'kill $WORKER $SWEEPER 2>/dev/null || true' EXIT INT TERM

echo
echo "诊改平台已启动：http://127.0.0.1:$PORT/"
zhengai demo --accounts
echo "（后台任务进程日志：$ZHENGAI_DATA/worker.log；每小时预警扫描日志：$ZHENGAI_DATA/sweep.log；按 Ctrl+C 停止）"
gunicorn zhengai.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --access-logfile - --log-level warning
