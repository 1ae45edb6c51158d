"""Shared fixtures for the language tests: one MiniLM per test session.

Tests may touch the environment (the library never does): ``HF_HUB_OFFLINE`` is set before
anything imports huggingface_hub, and torch runs single-threaded, as in production.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from language.embedding import MiniLMEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    """The process-wide MiniLM embedder (loaded once; torch limited to one thread)."""
    import torch

    torch.set_num_threads(1)
    from language.embedding import shared_minilm

    return shared_minilm()
