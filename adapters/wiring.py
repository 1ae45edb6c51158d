"""The composition root: settings in, a working Desk out.

This is the one place that knows every concrete piece — the store implementation, the
language backend, the business files and the card templates — and wires them together.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.brain import Brain
from engine.business import Business
from engine.config_loader import load_businesses
from engine.desk import Desk
from engine.ports import Store
from language.types import LanguageBackend
from machines.card import Card
from machines.loader import bundled_cards, load_cards

from .settings import Settings


@dataclass
class App:
    settings: Settings
    store: Store
    desk: Desk
    brains: Mapping[str, Brain]

    async def close(self) -> None:
        await self.store.close()


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


def language_backend(settings: Settings) -> LanguageBackend:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the edge: never reach for a model hub
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from language.embedding import HashingEmbedder, shared_minilm
    from language.offline import OfflineBackend

    # one torch thread: on this class of machine two threads make a forward pass ~40x slower
    embedder = HashingEmbedder() if settings.embedder == "hashing" else shared_minilm(
        threads=settings.torch_threads)
    return OfflineBackend(embedder=embedder)


async def open_app(settings: Settings, only: str | None = None,
                   language: LanguageBackend | None = None) -> App:
    from store import open_store

    brains = load_brains(settings, only=only)
    store = await open_store(settings.db)
    await store.migrate()
    backend = language or language_backend(settings)
    for brain in brains.values():  # index the cards' examples now, not in the first turn
        backend.prepare(brain.examples, brain.faq)
    desk = Desk(store, brains, backend)
    return App(settings=settings, store=store, desk=desk, brains=brains)


def repo_path(*parts: str) -> Path:
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


__all__ = ["App", "card_templates", "language_backend", "load_brains", "open_app", "repo_path"]
