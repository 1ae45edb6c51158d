#!/usr/bin/env bash
# Install frontdesk with its development tools and run the whole test suite:
# lint and format checks, strict type checks of every package, and pytest (unit, property
# and end-to-end tests) — all of it on SQLite and, side by side, once more on PostgreSQL
# every test whose database the pass chooses (those taking it from tests/dbs.py; see
# tests/conftest.py).
#
# PostgreSQL: FRONTDESK_TEST_PG names the server (default
# postgresql://postgres@127.0.0.1:5432/postgres); each test makes its own database or
# schema there. When it does not answer, the PostgreSQL pass is skipped with a notice —
# except under CI=true, where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh dev
export FRONTDESK_TEST_PG=${FRONTDESK_TEST_PG:-postgresql://postgres@127.0.0.1:5432/postgres}
echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy (strict on every package)"
mypy
# The two passes run side by side (each on one core): SQLite, and PostgreSQL when it
# answers. Each pass writes its own log, printed whole when it ends.
pg_answers() {
  python - <<'PY'
import asyncio, os, sys
import asyncpg
async def ping() -> None:
    conn = await asyncpg.connect(os.environ["FRONTDESK_TEST_PG"], timeout=5)
    await conn.close()
try:
    asyncio.run(ping())
except Exception as e:
    print(f"PostgreSQL at {os.environ['FRONTDESK_TEST_PG']} does not answer: {e}")
    sys.exit(1)
PY
}
logs=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$logs"' EXIT
# With both, the long tests that need no database (marked second_pass) run in the
# PostgreSQL pass, the shorter one (FRONTDESK_TEST_SPLIT=1; see tests/conftest.py).
pg_pid=""
split=0
if pg_answers; then
  split=1
elif [ "${CI:-}" = "true" ]; then
  echo "CI needs PostgreSQL for the second pass" >&2
  exit 1
fi
echo "== pytest on SQLite (and on PostgreSQL beside it)"
FRONTDESK_TEST_SPLIT=$split FRONTDESK_TEST_DB=sqlite python -m pytest -q -p no:cacheprovider "$@" >"$logs/sqlite" 2>&1 &
sqlite_pid=$!
if [ "$split" = 1 ]; then
  FRONTDESK_TEST_SPLIT=1 FRONTDESK_TEST_DB=postgresql python -m pytest -q -p no:cacheprovider "$@" >"$logs/pg" 2>&1 &
  pg_pid=$!
fi
status=0
wait "$sqlite_pid" || status=$?
echo "== pytest on SQLite: exit $status"
cat "$logs/sqlite"
if [ -n "$pg_pid" ]; then
  pg_status=0
  wait "$pg_pid" || pg_status=$?
  echo "== pytest on PostgreSQL: exit $pg_status"
  cat "$logs/pg"
  [ "$pg_status" -eq 0 ] || status=$pg_status
else
  echo "== pytest on PostgreSQL: skipped (no server)"
fi
exit "$status"
