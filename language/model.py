"""The port to a language model: a request in, raw text out, nothing else.

The LLM backend (``language.llm``) never talks to a provider itself. It builds a
:class:`ModelRequest` — chat messages plus the Pydantic model the output must validate
against — and hands it to a :class:`LanguageModel` it was given. The implementations (an
OpenAI-compatible HTTP endpoint, a local transformers model through Outlines) live at the
edge, in the ``adapters/llm`` package, and measure latency and count tokens there: this
package reads no clock and does no I/O.

A model sees no tools and cannot return a transition: its output is a JSON value of the
requested shape, which the backend validates again and then checks with the same typed
extractors as offline values before anything of it reaches ``decide``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel

from language.types import ModelPurpose
from rules.errors import FrontdeskError

Role = Literal["system", "user"]
Failure = Literal["timeout", "error"]


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One constrained generation: ``messages`` (system first — the stable part, so that
    a provider's prefix cache holds across turns — then the turn's user message), the
    output model the text must be an instance of, and a bound on the output's tokens."""

    purpose: ModelPurpose
    messages: tuple[tuple[Role, str], ...]
    output: type[BaseModel]
    max_tokens: int

    def schema(self) -> dict[str, object]:
        return self.output.model_json_schema()

    def prompt_hash(self) -> str:
        """sha256 over the messages and the output schema: equal prompts, equal hashes."""
        body = json.dumps(
            {
                "messages": [list(m) for m in self.messages],
                "schema": self.schema(),
                "max_tokens": self.max_tokens,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Completion:
    """What came back: the raw text (not yet validated), token counts, and the latency the
    edge measured."""

    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0


class ModelError(FrontdeskError):
    """The model could not answer: ``timeout`` or any other provider ``error``. The
    backend then falls back to the offline backend for the turn; the customer sees no
    error. ``latency_ms`` is how long the edge waited."""

    def __init__(self, kind: Failure, message: str, latency_ms: float = 0.0) -> None:
        super().__init__(message)
        self.kind: Failure = kind
        self.latency_ms = latency_ms


class LanguageModel(Protocol):
    """A model behind a provider. ``complete`` raises :class:`ModelError`, nothing else."""

    @property
    def provider(self) -> str: ...  # "openai", "openai-compatible", "transformers", ...

    @property
    def model_id(self) -> str: ...

    def complete(self, request: ModelRequest) -> Completion: ...


__all__ = ["Completion", "Failure", "LanguageModel", "ModelError", "ModelRequest", "Role"]
