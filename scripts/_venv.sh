# Shared by demo.sh, test.sh and lock.sh: a virtualenv in .venv with frontdesk installed
# from the lock (requirements/runtime.txt, or requirements/dev.txt for `dev`), every file
# checked against its hash. Nothing is installed when the lock, pyproject.toml and this
# script are unchanged since the last install (a stamp in .venv says what was installed).
#
#   PYTHON=python3.12             another interpreter for a new .venv (3.11 or 3.12)
#   FRONTDESK_TORCH_INDEX=URL     where torch's CPU build comes from when pip's own
#                                 sources do not have it, e.g.
#                                 https://download.pytorch.org/whl/cpu
set -euo pipefail
PY=${PYTHON:-python3.11}
extra=${1:-}
lock=requirements/${extra:-runtime}.txt
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
stamp=.venv/.frontdesk-installed
want=$(cat "$lock" pyproject.toml requirements/tools.in scripts/_venv.sh \
  | { cat; python -VV; echo "${extra} ${FRONTDESK_TORCH_INDEX:-}"; } | sha256sum | cut -c1-64)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "frontdesk: installing into .venv from $lock (the first time: a few minutes)" >&2
  rm -f "$stamp"
  # torch first, as the CPU build, so nothing pulls a CUDA build; the lock has its
  # dependencies
  torch=$(grep -E '^torch==' requirements/tools.in)
  if [ "$(python -c 'import torch; print("torch==" + torch.__version__.split("+")[0])' 2>/dev/null)" != "$torch" ]; then
    python -m pip install -q --no-deps ${FRONTDESK_TORCH_INDEX:+--index-url "$FRONTDESK_TORCH_INDEX"} "$torch"
  fi
  if [ -n "$extra" ]; then
    # llama.cpp (the llamacpp provider, in the llm extra) is compiled here for this CPU,
    # from the source release whose hash the lock holds. On a CPU that lists AMX its AMX
    # matrix kernels crash on the first token (a segfault, seen with llama-cpp-python
    # 0.3.35 and 0.3.36), so it is built without them, once per machine: the wheel is kept
    # in a cache of our own, because pip's wheel cache does not tell builds with different
    # flags apart (and may hold one with AMX).
    llama_req=$(mktemp)
    awk '/^llama-cpp-python==/{on=1} on{print; if ($0 !~ /\\$/) exit}' "$lock" > "$llama_req"
    llama=$(head -n 1 "$llama_req" | cut -d' ' -f1)
    if [ -n "$llama" ] && ! python -c "import importlib.metadata as m, sys; sys.exit(m.version('llama-cpp-python') != '${llama#*==}')" 2>/dev/null; then
      wheels="${XDG_CACHE_HOME:-$HOME/.cache}/frontdesk/wheels"
      if ! ls "$wheels/llama_cpp_python-${llama#*==}-"*.whl >/dev/null 2>&1; then
        flags=""
        if grep -q amx_tile /proc/cpuinfo 2>/dev/null; then
          flags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
        fi
        echo "building $llama for this CPU${flags:+ (without AMX)}: a few minutes, once" >&2
        CMAKE_ARGS="${CMAKE_ARGS:-} -DCMAKE_C_FLAGS='$flags' -DCMAKE_CXX_FLAGS='$flags'" \
          python -m pip wheel -q --no-cache-dir --no-deps --require-hashes -w "$wheels" \
          -r "$llama_req"
      fi
      python -m pip install -q --no-deps --no-index --find-links "$wheels" "$llama"
    fi
    rm -f "$llama_req"
  fi
  python -m pip install -q --require-hashes --no-deps -r "$lock"
  # the build backend's notes about editable installs are shown only if it fails
  out=$(python -m pip install -q --no-deps --no-build-isolation -e . 2>&1) \
    || { echo "$out" >&2; exit 1; }
  problems=$(python -m pip check) || { echo "$problems" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
