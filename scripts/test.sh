#!/usr/bin/env bash
# Install frontdesk with its development tools and run the whole test suite:
# lint and format checks, strict type checks of every package, and pytest (unit, property
# and end-to-end tests) — all of it on SQLite, then once more on PostgreSQL every test whose database the pass
# chooses (those taking it from tests/dbs.py; see tests/conftest.py).
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
echo "== pytest on SQLite"
FRONTDESK_TEST_DB=sqlite python -m pytest -q -p no:cacheprovider "$@"
if python - <<'PY'
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
then
  echo "== pytest on PostgreSQL"
  FRONTDESK_TEST_DB=postgresql python -m pytest -q -p no:cacheprovider "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "CI needs PostgreSQL for the second pass" >&2
  exit 1
else
  echo "== pytest on PostgreSQL: skipped (no server)"
fi
