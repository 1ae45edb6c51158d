"""End-to-end fixtures: the real offline language backend (MiniLM), loaded once."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@pytest.fixture(scope="session")
def language():
    import torch

    torch.set_num_threads(1)
    from language.embedding import shared_minilm
    from language.offline import OfflineBackend

    return OfflineBackend(embedder=shared_minilm())
