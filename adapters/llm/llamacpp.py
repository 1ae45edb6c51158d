"""A GGUF model in-process through llama-cpp-python, constrained by llama.cpp's own
JSON-Schema grammar (Outlines' llama.cpp path needs numba). ``llama_cpp`` is imported when
a model is loaded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from language.model import Completion, ModelError, ModelRequest, Role

from .base import elapsed_ms

if TYPE_CHECKING:  # llama_cpp itself is imported when a model is loaded
    from llama_cpp.llama_types import ChatCompletionRequestMessage


class LlamaCppModel:
    """A GGUF model in-process; llama.cpp's grammar constrains the output to the schema."""

    def __init__(self, path: Path, model_id: str, threads: int = 1) -> None:
        from llama_cpp import Llama

        self._llama = Llama(
            model_path=str(path), n_ctx=4096, n_threads=threads, verbose=False, seed=0
        )
        self.model_id = model_id
        self._lock = threading.Lock()

    provider = "llamacpp"

    def complete(self, request: ModelRequest) -> Completion:
        start = time.perf_counter()
        messages = [_message(r, c) for r, c in request.messages]
        try:
            with self._lock:
                out = self._llama.create_chat_completion(
                    messages,
                    temperature=0.0,
                    max_tokens=request.max_tokens,
                    response_format={"type": "json_object", "schema": request.schema()},
                )
        except (RuntimeError, ValueError) as e:
            raise ModelError("error", f"{type(e).__name__}: {e}"[:300], elapsed_ms(start)) from e
        if isinstance(out, Iterator):  # only a streamed request answers with chunks
            raise ModelError(
                "error", "a stream came back for a request of one answer", elapsed_ms(start)
            )
        usage = out.get("usage") or {}
        return Completion(
            text=out["choices"][0]["message"]["content"] or "",
            tokens_in=int(usage.get("prompt_tokens", 0)),
            tokens_out=int(usage.get("completion_tokens", 0)),
            latency_ms=elapsed_ms(start),
        )


def _message(role: Role, content: str) -> ChatCompletionRequestMessage:
    if role == "system":
        return {"role": "system", "content": content}
    return {"role": "user", "content": content}


__all__ = ["LlamaCppModel"]
