# Shared by demo.sh and test.sh: a virtualenv in .venv with frontdesk installed.
# torch goes in first, pinned to the CPU build, so nothing pulls a CUDA build.
set -euo pipefail
PY=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -c "import torch" 2>/dev/null || python -m pip install -q "torch==2.13.0"
if [ -n "${1:-}" ]; then python -m pip install -q -e ".[$1]"; else python -m pip install -q -e .; fi
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
