"""Choosing and building each business's language model from its configuration, and the
LLM backend over the business's offline one. Businesses with the same provider, model and
URL share one model (a local one is loaded once)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from engine.brain import Brain
from engine.business import LanguageConfig
from engine.hours import week_summary
from language.brief import BusinessBrief, CardBrief, FieldBrief, ServiceBrief, StaffBrief
from language.llm import LLMBackend
from language.model import LanguageModel
from language.types import LanguageBackend

from ..net import Outbound
from .base import SMOLLM2, SMOLLM2_NAME, LanguageSetupError, smollm2_path
from .llamacpp import LlamaCppModel
from .openai_compatible import openai_model
from .transformers_model import load_transformers

log = logging.getLogger("frontdesk.llm")


def build_model(
    config: LanguageConfig,
    env: Mapping[str, str],
    threads: int = 1,
    outbound: Outbound | None = None,
) -> LanguageModel:
    try:
        return _build_model(config, env, threads, outbound)
    except ImportError as e:
        raise LanguageSetupError(
            f"language mode {config.mode} with provider "
            f"{config.provider} needs the llm extra "
            f"(pip install 'frontdesk[llm]'): {e}"
        ) from e


def _build_model(
    config: LanguageConfig, env: Mapping[str, str], threads: int, outbound: Outbound | None
) -> LanguageModel:
    if config.provider in ("openai", "openai-compatible"):
        return openai_model(config, env, outbound)
    model = config.model or SMOLLM2
    if config.provider == "transformers":
        return load_transformers(model, timeout_s=config.timeout_s)
    if config.provider == "llamacpp":
        path = smollm2_path() if model == SMOLLM2 else Path(model).expanduser()
        if not path.is_file():
            raise LanguageSetupError(f"no GGUF model at {path}")
        name = SMOLLM2_NAME if model == SMOLLM2 else path.name
        return LlamaCppModel(path, name, threads=threads)
    raise LanguageSetupError(f"unknown provider {config.provider!r}")


def business_brief(brain: Brain) -> BusinessBrief:
    """The business's published facts and its cards, for the stable part of prompts."""
    b = brain.business
    lang = b.languages[0]
    cards = tuple(
        CardBrief(
            id=t.card.id,
            title=dict(t.card.title),
            description=dict(t.card.classifier.description),
            scope=dict(t.card.scope),
            instructions=dict(t.card.instructions),
            fields=tuple(
                FieldBrief(name=f.name, type=f.type, label=dict(f.label))
                for f in t.card.required_fields
            ),
        )
        for t in brain.topics.values()
    )
    return BusinessBrief(
        name=b.name,
        kind=b.kind,
        city=b.city,
        timezone=b.timezone,
        languages=b.languages,
        services=tuple(
            ServiceBrief(
                id=s.id, name=dict(s.name), price=dict(s.price), duration_min=s.duration_min
            )
            for s in b.services
        ),
        staff=tuple(StaffBrief(id=m.id, name=m.name, services=m.services) for m in b.staff),
        hours="; ".join(f"{d}: {h}" for d, h in week_summary(b, lang)),
        cards=cards,
    )


def effective_config(global_config: LanguageConfig, brain: Brain) -> LanguageConfig:
    return brain.business.language or global_config


def llm_backends(
    global_config: LanguageConfig,
    brains: Mapping[str, Brain],
    offline: LanguageBackend | Mapping[str, LanguageBackend],
    env: Mapping[str, str] | None = None,
    threads: int = 1,
    outbound: Outbound | None = None,
) -> dict[str, LanguageBackend]:
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
        key = (
            str(config.provider),
            config.model,
            config.base_url,
            config.api_key_env,
            str(config.timeout_s),
        )
        if key not in models:
            models[key] = build_model(config, env, threads=threads, outbound=outbound)
            log.info(
                "language model ready",
                extra={"business": slug, "mode": config.mode, "provider": config.provider},
            )
        words = None if config.wording == "auto" else config.wording == "model"
        own = offline[slug] if isinstance(offline, Mapping) else offline
        out[slug] = LLMBackend(
            models[key], own, business_brief(brain), mode=config.mode, words=words
        )
    return out


__all__ = ["build_model", "business_brief", "effective_config", "llm_backends"]
