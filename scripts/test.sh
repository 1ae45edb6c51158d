#!/usr/bin/env bash
# Install frontdesk with its development tools and run the whole test suite:
# lint, type checks of the pure core, and pytest (unit, property and end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh dev
echo "== ruff"
ruff check .
echo "== mypy (strict on machines/ rules/ language/ engine/)"
mypy
echo "== pytest"
python -m pytest -q -p no:cacheprovider "$@"
