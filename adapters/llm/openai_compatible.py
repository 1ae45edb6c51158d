"""OpenAI or any OpenAI-compatible server (Ollama, vLLM, a llama.cpp server) through the
``openai`` client. Outlines' OpenAI type adapter builds the request body
(``response_format`` = ``json_schema``, ``strict``, ``additionalProperties: false``) exactly
as ``outlines.from_openai`` would; the call itself is made here because Outlines' wrapper
drops the response's ``usage``, which the audit records.

The ``openai`` and ``outlines`` imports wait until a model is built: a desk that answers
offline never loads them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from engine.business import LanguageConfig
from language.model import Completion, ModelError, ModelRequest

from ..net import Outbound, OutboundRefused, guarded_http_client
from .base import LanguageSetupError, elapsed_ms


class OpenAIChatModel:
    """A chat-completions endpoint with strict JSON-Schema output."""

    def __init__(self, client: Any, model: str, provider: str = "openai-compatible") -> None:
        from outlines.models.openai import OpenAITypeAdapter

        self.client = client
        self._model = model
        self._provider = provider
        self._adapter = OpenAITypeAdapter()

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def model_id(self) -> str:
        return self._model

    def body(self, request: ModelRequest) -> dict[str, Any]:
        """The request body (without the model), as Outlines formats it."""
        from outlines.inputs import Chat

        messages = self._adapter.format_input(
            Chat([{"role": r, "content": c} for r, c in request.messages])
        )
        fmt = self._adapter.format_output_type(request.output)
        fmt["response_format"]["json_schema"]["name"] = request.purpose
        limit = "max_completion_tokens" if self._provider == "openai" else "max_tokens"
        return {"messages": messages, **fmt, limit: request.max_tokens, "temperature": 0}

    def complete(self, request: ModelRequest) -> Completion:
        import openai

        start = time.perf_counter()
        try:
            result = self.client.chat.completions.create(model=self._model, **self.body(request))
        except openai.APITimeoutError as e:
            raise ModelError("timeout", f"no answer in time: {e}", elapsed_ms(start)) from e
        except openai.APIStatusError as e:
            raise ModelError(
                "error", f"HTTP {e.status_code}: {e.message}"[:300], elapsed_ms(start)
            ) from e
        except openai.OpenAIError as e:
            raise ModelError("error", f"{type(e).__name__}: {e}"[:300], elapsed_ms(start)) from e
        except OutboundRefused as e:  # the guard, before any connection
            raise ModelError("error", f"refused: {e}"[:300], elapsed_ms(start)) from e
        latency = elapsed_ms(start)
        choices = getattr(result, "choices", None) or []
        if not choices or choices[0].message is None:
            raise ModelError("error", "the completion has no choices", latency)
        message = choices[0].message
        if getattr(message, "refusal", None):
            raise ModelError("error", f"the model refused: {message.refusal}"[:300], latency)
        usage = getattr(result, "usage", None)
        return Completion(
            text=message.content or "",
            tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
            tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
            latency_ms=latency,
        )


def openai_model(
    config: LanguageConfig, env: Mapping[str, str], outbound: Outbound | None = None
) -> OpenAIChatModel:
    """The model of ``config``, its calls through the outbound guard (``adapters.net``):
    where ``outbound`` allows (the composition root passes the operator's policy, with the
    configured ``language_base_url``); none given, to ``config.base_url`` alone."""
    import openai

    key_env = config.api_key_env or ("OPENAI_API_KEY" if config.provider == "openai" else "")
    key = env.get(key_env, "") if key_env else ""
    if config.provider == "openai" and not key:
        raise LanguageSetupError(f"provider openai needs its key in ${key_env}")
    client = openai.OpenAI(
        api_key=key or "none",
        base_url=config.base_url or None,
        timeout=config.timeout_s,
        max_retries=0,
        http_client=guarded_http_client(
            outbound or Outbound().with_urls(config.base_url), config.timeout_s
        ),
    )
    return OpenAIChatModel(client, config.model, provider=config.provider or "openai")


__all__ = ["OpenAIChatModel", "openai_model"]
