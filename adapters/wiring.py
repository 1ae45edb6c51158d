"""The composition root: settings in, a working Desk out.

This is the one place that knows every concrete piece — the store implementation, the
language backend, the business files and the card templates — and wires them together.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from engine.brain import Brain
from engine.business import Business, LanguageConfig
from engine.config_loader import load_businesses
from engine.desk import Desk
from engine.ports import Store
from language.types import LanguageBackend
from machines.card import Card
from machines.loader import bundled_cards, load_cards

from .settings import Settings, SettingsError

log = logging.getLogger("frontdesk.wiring")


@dataclass
class App:
    settings: Settings
    store: Store
    desk: Desk
    brains: Mapping[str, Brain]
    pool: ThreadPoolExecutor | None = None

    async def close(self) -> None:
        await self.store.close()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


def card_templates(settings: Settings) -> dict[str, Card]:
    cards = dict(bundled_cards())
    if settings.cards:
        cards.update(load_cards(list(settings.cards)))
    return cards


def load_brains(settings: Settings, cards: Mapping[str, Card] | None = None,
                only: str | None = None) -> dict[str, Brain]:
    businesses: dict[str, Business] = load_businesses(settings.businesses, settings.env)
    if only is not None:
        if only not in businesses:
            from engine.config_loader import ConfigError

            known = ", ".join(sorted(businesses)) or "none"
            raise ConfigError(f"unknown business '{only}' (known: {known})")
        businesses = {only: businesses[only]}
    templates = dict(cards) if cards is not None else card_templates(settings)
    return {slug: Brain.build(b, templates, source=str(settings.businesses / f"{slug}.yaml"))
            for slug, b in businesses.items()}


def language_config(settings: Settings) -> LanguageConfig:
    """The global language configuration (a business's ``language:`` section beats it)."""
    try:
        return LanguageConfig(
            mode=settings.language, provider=settings.language_provider or None,  # type: ignore[arg-type]
            model=settings.language_model, base_url=settings.language_base_url,
            timeout_s=settings.language_timeout_s, api_key_env=settings.language_api_key_env,
            wording=settings.language_wording)  # type: ignore[arg-type]
    except ValidationError as e:
        raise SettingsError([f"language: {err['msg'].removeprefix('Value error, ')}"
                             for err in e.errors(include_url=False)]) from e


def language_backends(settings: Settings, brains: Mapping[str, Brain],
                      offline: LanguageBackend) -> dict[str, LanguageBackend]:
    """The LLM backend of every business that uses one (see ``adapters.llm``); the model
    libraries are imported only when some business needs them."""
    config = language_config(settings)
    if config.mode == "offline" and all(
            b.business.language is None or b.business.language.mode == "offline"
            for b in brains.values()):
        return {}
    from .llm import llm_backends

    return llm_backends(config, brains, offline, settings.env or None,
                        threads=settings.torch_threads)


def onnx_export_dir(settings: Settings) -> Path | None:
    """Where the embedding model's ONNX export is kept: ``None`` runs it on torch."""
    if settings.embedder != "minilm" or not settings.cache_dir:
        return None
    return settings.cache_dir / "onnx"


def language_backend(settings: Settings) -> LanguageBackend:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the edge: never reach for a model hub
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from language.embedding import HashingEmbedder, shared_minilm
    from language.offline import OfflineBackend

    if settings.embedder == "hashing":
        return OfflineBackend(embedder=HashingEmbedder())
    # one thread: on this class of machine two threads make a forward pass ~40x slower
    onnx_dir = onnx_export_dir(settings)
    embedder = shared_minilm(threads=settings.torch_threads, onnx_dir=onnx_dir)
    if embedder.exported:
        log.info("exported the embedding model to ONNX", extra={"dir": str(onnx_dir)})
    if onnx_dir is not None and embedder.runtime != "onnxruntime":
        log.warning("the embedding model runs on torch", extra={"reason": embedder.runtime_note})
    return OfflineBackend(embedder=embedder)


async def open_app(settings: Settings, only: str | None = None,
                   language: LanguageBackend | None = None,
                   understand_threads: int = 0) -> App:
    """The composed app. ``understand_threads`` > 0 runs understanding on that many
    threads off the event loop (a server's concurrent turns then share the embedding
    model's forward passes); 0 runs it inline (the terminal chat, the CLI)."""
    from store import open_store

    brains = load_brains(settings, only=only)
    store = await open_store(settings.db)
    await store.migrate()
    backend = language or language_backend(settings)
    embedder = getattr(backend, "embedder", None)
    cached = _load_rows(settings, embedder)
    for brain in brains.values():  # index the cards' examples now, not in the first turn
        backend.prepare(brain.examples, brain.faq)
    _save_rows(settings, embedder, cached)
    pool = ThreadPoolExecutor(understand_threads, thread_name_prefix="understand") \
        if understand_threads > 0 else None
    desk = Desk(store, brains, backend, understand_in=pool,
                languages=language_backends(settings, brains, backend))
    return App(settings=settings, store=store, desk=desk, brains=brains, pool=pool)


def _rows_file(settings: Settings, embedder: object) -> Path | None:
    model = getattr(embedder, "model_id", "")
    if not settings.cache_dir or not model or not hasattr(embedder, "rows"):
        return None
    digest = hashlib.sha256(model.encode()).hexdigest()[:12]
    return settings.cache_dir / f"embeddings-{digest}.npz"


def _load_rows(settings: Settings, embedder: object) -> int:
    """Embeddings of card examples computed by an earlier run of the same model: start-up
    then skips embedding several hundred examples. A damaged file is ignored."""
    path = _rows_file(settings, embedder)
    if path is None or not path.exists():
        return 0
    try:
        with np.load(path, allow_pickle=False) as data:
            texts = json.loads(str(data["texts"]))
            matrix = data["rows"]
        embedder.remember(dict(zip(texts, matrix, strict=True)))  # type: ignore[attr-defined]
        return len(texts)
    except (OSError, ValueError, KeyError) as e:
        log.warning("ignoring embedding cache %s: %s", path, e)
        return 0


def _save_rows(settings: Settings, embedder: object, loaded: int) -> None:
    path = _rows_file(settings, embedder)
    if path is None:
        return
    rows = embedder.rows()  # type: ignore[attr-defined]
    if len(rows) <= loaded:
        return  # nothing new
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, texts=np.array(json.dumps(list(rows))),
                 rows=np.stack(list(rows.values())).astype(np.float32))
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    except OSError as e:
        log.warning("cannot write embedding cache %s: %s", path, e)


def repo_path(*parts: str) -> Path:
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


__all__ = ["App", "card_templates", "language_backend", "language_backends", "language_config",
           "load_brains", "open_app", "repo_path"]
