"""The composition root keeps card-example embeddings between runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adapters.settings import Settings
from adapters.wiring import _load_rows, _save_rows


def test_embeddings_survive_a_restart_and_a_damaged_file_is_ignored(language, tmp_path: Path):
    from language.embedding import MiniLMEmbedder

    settings = Settings(cache_dir=tmp_path / "cache")
    texts = ["I'd like to book a cleaning", "Wann haben Sie geöffnet?"]
    first = language.for_languages(("en",)).embedder
    expected = first.embed(texts)
    _save_rows(settings, first, loaded=0)
    [saved] = list((tmp_path / "cache").glob("embeddings-*.npz"))

    second = MiniLMEmbedder(cache_size=4096)
    assert _load_rows(settings, second) >= len(texts)
    rows = second.rows()
    assert np.allclose(np.stack([rows[t] for t in texts]), expected)

    saved.write_bytes(b"not a numpy file")
    third = MiniLMEmbedder(cache_size=4096)
    assert _load_rows(settings, third) == 0  # ignored, start-up goes on


def test_the_embedding_model_runs_on_onnx_from_the_cache_directory_unless_told_otherwise(
    tmp_path: Path,
) -> None:
    from adapters.wiring import onnx_export_dir

    assert onnx_export_dir(Settings(cache_dir=tmp_path)) == tmp_path / "onnx"
    assert onnx_export_dir(Settings(cache_dir=tmp_path, embedder="minilm-torch")) is None
    assert onnx_export_dir(Settings(cache_dir=None)) is None  # the cache is off: torch
    assert onnx_export_dir(Settings(cache_dir=tmp_path, embedder="hashing")) is None
