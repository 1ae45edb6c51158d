#!/usr/bin/env bash
# Refresh the lock: requirements/runtime.txt (what `pip install -e .` needs; the demo
# installs it) and requirements/dev.txt (with the llm and dev extras; the test suite
# installs it). Every install comes from these files, with hashes, so a fresh clone gets
# exactly what was tested. Upgrading is done here, on purpose, then the suite is run:
#
#   bash scripts/lock.sh                      add what pyproject.toml now asks for; keep
#                                             every other pin as it is
#   bash scripts/lock.sh --upgrade            every package to its newest allowed release
#   bash scripts/lock.sh -P transformers      one package (repeatable)
#   bash scripts/test.sh                      then prove the new lock
#
# The lock is resolved for CPython 3.11 on Linux x86-64 (what CI runs); the hashes cover
# every platform's files of each pinned release. torch is pinned in requirements/tools.in
# and installed first by scripts/_venv.sh as the CPU build, so it is a comment at the end;
# llama-cpp-python is compiled from its (hash-checked) source release for the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh dev
export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh"
compile() {
  out=$1
  shift
  python -m piptools compile -q --generate-hashes --strip-extras --no-emit-index-url \
    --no-emit-find-links --no-allow-unsafe --unsafe-package torch --unsafe-package frontdesk \
    --output-file "$out" "$@" pyproject.toml requirements/tools.in
}
compile requirements/runtime.txt "$@"
compile requirements/dev.txt --extra llm --extra dev "$@"
echo "lock refreshed: requirements/runtime.txt, requirements/dev.txt; now run bash scripts/test.sh"
