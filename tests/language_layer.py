"""The server's offline language layer, made once per test process.

:func:`production_language` is what ``frontdesk serve`` reads messages with
(:class:`adapters.wiring.Backends`: the English model for English-only businesses, the
multilingual one for the others), with the trained topic models and the embedding model's
ONNX export kept in ``var/cache/tests`` between test runs. The session fixture
``language`` (``tests/conftest.py``) hands it to tests; modules whose helpers build desks
outside a fixture call it directly.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.wiring import Backends

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

TEST_CACHE = Path(__file__).resolve().parent.parent / "var" / "cache" / "tests"


@cache
def production_language() -> Backends:
    import torch

    torch.set_num_threads(1)
    from adapters.settings import Settings
    from adapters.wiring import Backends

    return Backends(Settings(cache_dir=TEST_CACHE, embedder="auto", torch_threads=1))


__all__ = ["TEST_CACHE", "production_language"]
