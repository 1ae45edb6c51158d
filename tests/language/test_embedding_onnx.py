"""The embedding model on ONNX Runtime gives the torch model's rows, and its export is
made once, checked, and reused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from language.embedding import MiniLMEmbedder
from language.embedding_onnx import TOLERANCE

TEXTS = [
    "Hello, this is customer 3-1",
    "What are your opening hours? Asking for abc-12-0",
    "yes",
    "I'd like a haircut with Anna tomorrow at 3pm please, my name is Jonathan Smithers",
    "Ich möchte einen Termin am Freitag",
    "cancel my appointment",
    "",
    "water everywhere " * 200,
]


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="module")
def torch_minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder(threads=1, cache_size=0)  # no cache: every row a forward pass


@pytest.fixture(scope="module")
def onnx_minilm(onnx_dir: Path) -> MiniLMEmbedder:
    embedder = MiniLMEmbedder(threads=1, cache_size=0, onnx_dir=onnx_dir)
    assert (embedder.runtime, embedder.runtime_note) == ("onnxruntime", "")
    return embedder


def test_the_first_load_exports_and_checks_the_model(
    onnx_minilm: MiniLMEmbedder, onnx_dir: Path
) -> None:
    assert onnx_minilm.exported
    graphs = list(onnx_dir.glob("minilm-*.onnx"))
    assert len(graphs) == 1
    checked = graphs[0].with_suffix(".json").read_text()
    assert '"max_difference"' in checked
    assert not list(onnx_dir.glob(".*")), "no temporary file is left behind"


def test_a_later_load_reuses_the_export(onnx_minilm: MiniLMEmbedder, onnx_dir: Path) -> None:
    graph = next(onnx_dir.glob("minilm-*.onnx"))
    before = graph.stat().st_mtime_ns
    again = MiniLMEmbedder(threads=1, cache_size=0, onnx_dir=onnx_dir)
    assert again.runtime == "onnxruntime" and not again.exported
    assert graph.stat().st_mtime_ns == before
    np.testing.assert_array_equal(again.embed(TEXTS), onnx_minilm.embed(TEXTS))


def test_a_damaged_export_is_made_again(tmp_path: Path) -> None:
    first = MiniLMEmbedder(threads=1, cache_size=0, onnx_dir=tmp_path)
    graph = next(tmp_path.glob("minilm-*.onnx"))
    graph.write_bytes(b"not a graph")
    again = MiniLMEmbedder(threads=1, cache_size=0, onnx_dir=tmp_path)
    assert again.runtime == "onnxruntime" and again.exported
    np.testing.assert_allclose(again.embed(TEXTS), first.embed(TEXTS), atol=TOLERANCE)


def test_an_unwritable_directory_leaves_the_torch_model_running(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    embedder = MiniLMEmbedder(threads=1, cache_size=0, onnx_dir=blocked / "onnx")
    assert embedder.runtime == "torch"
    assert embedder.runtime_note
    assert embedder.embed(["hello"]).shape == (1, 384)


def test_rows_equal_the_torch_models_in_any_batch(
    onnx_minilm: MiniLMEmbedder, torch_minilm: MiniLMEmbedder
) -> None:
    torch_model = torch_minilm
    for size in (1, 2, 3, 5, 8):
        for start in range(0, len(TEXTS) - size + 1, 2):
            batch = TEXTS[start : start + size]
            np.testing.assert_allclose(
                onnx_minilm.embed(batch), torch_model.embed(batch), atol=TOLERANCE
            )
    rows = onnx_minilm.embed(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(rows[:-1], axis=1), 1.0, atol=1e-5)
    assert torch_model.model_id == onnx_minilm.model_id  # cached rows are interchangeable


_words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_words, min_size=1, max_size=6))
def test_any_texts_get_the_torch_models_rows(
    onnx_minilm: MiniLMEmbedder, torch_minilm: MiniLMEmbedder, texts: list[str]
) -> None:
    np.testing.assert_allclose(onnx_minilm.embed(texts), torch_minilm.embed(texts), atol=TOLERANCE)
