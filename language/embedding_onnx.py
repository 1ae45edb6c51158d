"""all-MiniLM-L6-v2 on ONNX Runtime: the same rows as the torch model, for less CPU.

The forward pass of a six-layer model on short texts is mostly per-operation overhead
under torch (one short text: ~13 ms on one thread); ONNX Runtime runs the same graph in
~5 ms and holds no GIL for the whole pass, so a server's event loop keeps running meanwhile.

There is no ONNX file in the model's package, and nothing may be downloaded, so the graph
is exported here from the packaged weights with torch, once, into a directory the caller
names (the server's cache directory), and checked against the torch model before it is
used: the export is kept only if every row of a fixed set of probe texts (short, long,
German, empty) is within ``TOLERANCE`` of sentence-transformers' own. The file name carries
a digest of the weights' and tokenizer's files and this exporter, so a changed model is
exported afresh.

Writing that file and loading the session are this module's I/O; :func:`load_onnx_minilm`
is the named loader. Attention is exported in its eager form (plain MatMul/Softmax): the
fused SDPA path traces a mask shortcut that is wrong for other batch shapes.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import warnings
from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np

from language.embedding import Matrix
from rules.errors import FrontdeskError

EXPORT_VERSION = "2"  # bump when the exported graph or its check changes
TOLERANCE = 1e-5  # max |torch row − onnx row| over the probes, per component
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
BATCH = 64  # texts in one pass of the session
PROBES = (
    "",
    "yes",
    "Hello, this is customer 4-2",
    "What are your opening hours on Saturday?",
    "I'd like a haircut with Anna tomorrow at 3pm please, my name is Jonathan Smithers "
    "and my number is 0151 2345678",
    "Ich möchte am Freitag einen Termin für eine Zahnreinigung, geht das um 9 Uhr?",
    "cancel 🙂",
    "my sink is leaking everywhere!!! " * 60,  # over MAX_TOKENS: truncated alike
)


class OnnxExportError(FrontdeskError):
    """The export could not be made or does not match the torch model."""


def _digest(model_path: Path) -> str:
    """Names the export after the files it is made from, by size and modification time (a
    stat, not a read of 90 MB at every start): changed or reinstalled files mean a fresh
    export."""
    h = hashlib.sha256(EXPORT_VERSION.encode())
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        stat = (model_path / name).stat()
        h.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _tokenizer(model_path: Path) -> Any:
    """The model's own tokenizer, truncating as sentence-transformers does."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


class _Session:
    """A tokenizer and an ONNX Runtime session: texts → unit rows (mean pooled)."""

    def __init__(self, onnx_file: Path, model_path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = _tokenizer(model_path)
        self._tokenizer.enable_padding()

    def __call__(self, texts: list[str]) -> Matrix:
        """Rows for ``texts``, run in passes of at most :data:`BATCH` texts of similar
        length: one pass over hundreds of texts (a business's examples at start-up) would
        hold activations for all of them at once — over a gigabyte for two thousand — and
        pad every short text to the longest."""
        encoded = self._tokenizer.encode_batch(texts)
        lengths = [sum(e.attention_mask) for e in encoded]  # the batch is padded to its longest
        out = np.empty((len(texts), 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            width = max(lengths[i] for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                n = lengths[i]
                ids[row, :n] = encoded[i].ids[:n]
                mask[row, :n] = 1
            (rows,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            if out.shape[1] == 0:
                out = np.empty((len(texts), rows.shape[1]), dtype=np.float32)
            out[chunk] = rows
        # the graph normalises, but its fused kernels leave norms a few 1e-5 off one; the
        # similarities downstream assume unit rows
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0.0)
        return out


def _export(model_path: Path, target: Path, tokenizer: Any) -> Matrix:
    """The model with mean pooling and L2 normalisation, as one ONNX graph at ``target``;
    returns the torch model's own rows for :data:`PROBES` (tokenised by ``tokenizer``, as
    the session tokenises), which the export is checked against. The pooling is
    sentence-transformers' for this model (mean, then L2): the test suite holds these rows
    to sentence-transformers' own, so a start need not load it as well."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(
        str(model_path), attn_implementation="eager", local_files_only=True
    ).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    pooled = Pooled().eval()
    ids = torch.tensor([[101, 7592, 102, 0], [101, 7592, 2045, 102]])
    mask = (ids != 0).long()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on shape-dependent Python
        torch.onnx.export(
            pooled,
            (ids, mask),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["rows"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "rows": {0: "batch"},
            },
        )
        rows = []
        for text in PROBES:  # one by one: no padding in the reference
            encoded = tokenizer.encode(text)
            rows.append(
                pooled(torch.tensor([encoded.ids]), torch.tensor([encoded.attention_mask])).numpy()[
                    0
                ]
            )
    return np.asarray(rows, dtype=np.float32)


def _check(session: _Session, reference: Matrix) -> float:
    """The largest difference from the torch rows, over the probes as one padded batch and
    one by one (so padding and batch shape are both covered)."""
    batched = session(list(PROBES))
    alone = np.concatenate([session([text]) for text in PROBES])
    return float(max(np.abs(batched - reference).max(), np.abs(alone - reference).max()))


def export_ready(directory: Path, model_path: Path) -> bool:
    """Whether ``directory`` holds a checked export of the model at ``model_path``."""
    onnx_file = directory / f"minilm-{_digest(model_path)}.onnx"
    return onnx_file.exists() and onnx_file.with_suffix(".json").exists()


def load_onnx_minilm(directory: Path, model_path: Path, threads: int = 1) -> tuple[_Session, bool]:
    """The ONNX session for the model at ``model_path``, exported into ``directory`` first if
    no checked export of these weights is there. Returns the session and whether it was
    exported now. ``OnnxExportError`` when the export fails or does not match torch."""
    onnx_file = directory / f"minilm-{_digest(model_path)}.onnx"
    checked = onnx_file.with_suffix(".json")
    if onnx_file.exists() and checked.exists():
        try:
            return _Session(onnx_file, model_path, threads), False
        except Exception:  # a damaged file: export again
            pass
    # several server workers may start at once: each exports to its own name, then the
    # atomic renames leave one whole, checked file
    tmp = directory / f".minilm-{uuid.uuid4().hex}.onnx"
    note = directory / f".{checked.name}.{uuid.uuid4().hex}"
    try:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            reference = _export(model_path, tmp, _tokenizer(model_path))
            session = _Session(tmp, model_path, threads)
            worst = _check(session, reference)
            if not worst <= TOLERANCE:
                raise OnnxExportError(
                    f"the ONNX export differs from the torch model by "
                    f"{worst:.2e} (more than {TOLERANCE:.0e})"
                )
            note.write_text(
                json.dumps(
                    {
                        "max_difference": worst,
                        "probes": len(PROBES),
                        "export_version": EXPORT_VERSION,
                    }
                )
            )
            os.replace(note, checked)
            os.replace(tmp, onnx_file)
        except OnnxExportError:
            raise
        except Exception as e:
            raise OnnxExportError(
                f"exporting all-MiniLM-L6-v2 to ONNX into {directory} "
                f"failed: {type(e).__name__}: {e}"
            ) from e
        return session, True  # the session holds the graph in memory, not the file
    finally:
        for leftover in (tmp, note):
            with suppress(OSError):
                leftover.unlink(missing_ok=True)


__all__ = [
    "EXPORT_VERSION",
    "PROBES",
    "TOLERANCE",
    "OnnxExportError",
    "export_ready",
    "load_onnx_minilm",
]
