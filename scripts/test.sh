#!/usr/bin/env bash
# Set up and run the whole test suite, browser tests included (Debian's chromium, headless).
# Extra arguments go to pytest. DATABASE_URL=postgres://… runs the suite against PostgreSQL.
source "$(dirname "$0")/_env.sh"
ensure_debs chromium fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 libreoffice-writer-nogui
ensure_venv dev

export ZHENGAI_DATA="${ZHENGAI_DATA:-$ROOT/var/test}"
mkdir -p "$ZHENGAI_DATA"
# Style and import order first: a second or two, and a failure names the file and line.
ruff check --quiet src tests benchmarks
echo "数据库：${DATABASE_URL:-SQLite（内置）}"
exec python -m pytest -n "${ZHENGAI_TEST_WORKERS:-2}" -q "$@"
