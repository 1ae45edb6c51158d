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
if [ -n "${1:-}" ] && ! python -c "import llama_cpp" 2>/dev/null; then
  # llama.cpp (the llamacpp provider, in the llm extra) is compiled here for this CPU. On a
  # CPU that lists AMX its AMX matrix kernels crash on the first token (a segfault, seen
  # with llama-cpp-python 0.3.35 and 0.3.36), so it is built without them, once per
  # machine: the wheel is kept in a cache of our own, because pip's wheel cache does not
  # tell builds with different flags apart (and may hold one with AMX).
  llama=$(python -c 'import tomllib; print(next(d for d in tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["llm"] if d.startswith("llama-cpp-python==")))')
  wheels="${XDG_CACHE_HOME:-$HOME/.cache}/frontdesk/wheels"
  if ! ls "$wheels/llama_cpp_python-${llama#*==}-"*.whl >/dev/null 2>&1; then
    flags=""
    if grep -q amx_tile /proc/cpuinfo 2>/dev/null; then
      flags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    fi
    echo "building $llama for this CPU${flags:+ (without AMX)}: a few minutes, once"
    CMAKE_ARGS="${CMAKE_ARGS:-} -DCMAKE_C_FLAGS='$flags' -DCMAKE_CXX_FLAGS='$flags'" \
      python -m pip wheel -q --no-cache-dir --no-deps -w "$wheels" "$llama"
  fi
  python -m pip install -q --find-links "$wheels" "$llama"
fi
if [ -n "${1:-}" ]; then python -m pip install -q -e ".[$1]"; else python -m pip install -q -e .; fi
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
