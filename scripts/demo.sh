#!/usr/bin/env bash
# Install frontdesk and talk to a demo business in the terminal (SQLite, offline language
# layer, no keys). Usage: bash scripts/demo.sh [praxis-sommer|bloom-salon|rapid-rooter] [--lang de]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh ""
business=${1:-bloom-salon}
shift || true
exec frontdesk chat --business "$business" "$@"
