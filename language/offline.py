"""The offline language backend: no network, no keys, the default.

``understand`` runs a fixed pipeline — is the text usable, which language, which topics
(nearest examples), which FAQ entries, which signals, which typed fields — and returns one
frozen :class:`Understanding` that the audit records verbatim. ``render`` is the template
renderer. The LLM backend satisfies the same :class:`LanguageBackend` protocol and passes
the same contract tests (``tests/language/contract.py``).

Topic classifiers and FAQ indexes are built once per business: the engine passes the same
``topics``/``faq`` tuples every turn, so they are cached by identity first and by content
second (a rebuilt but equal business reuses the index).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

from language.classifier import FaqIndex, TopicClassifier
from language.embedding import Embedder, shared_minilm
from language.extract import (
    check_text,
    detect_language,
    extract_all,
    extract_before_time,
    extract_part_of_day,
    extract_signals,
)
from language.render import render_plan
from language.slot_labels import label_language
from language.types import (
    FaqEntry,
    Lang,
    Rendered,
    ReplyPlan,
    TopicExamples,
    TopicScore,
    UnderstandContext,
    Understanding,
)

MAX_TEXT = 2000  # characters of the customer's text kept and processed
PartOfDay = Literal["", "morning", "afternoon", "evening"]
_PARTS_OF_DAY: dict[str, PartOfDay] = {
    "": "", "morning": "morning", "afternoon": "afternoon", "evening": "evening",
}

K = TypeVar("K", bound=BaseModel)
V = TypeVar("V")


class _IndexCache(Generic[K, V]):
    """Built indexes by their source tuple: identity first, then content; bounded LRU.

    Identity is that of the items, not of the tuple: a context model validated afresh each
    turn holds a new tuple of the very same items, and digesting their content each time
    cost more than the rest of a turn's bookkeeping."""

    def __init__(self, build: Callable[[tuple[K, ...]], V], size: int) -> None:
        self._build = build
        self._size = size
        self._by_content: OrderedDict[str, V] = OrderedDict()
        self._by_identity: dict[tuple[int, ...], tuple[tuple[K, ...], V]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _digest(items: Sequence[K]) -> str:
        dump = json.dumps([i.model_dump(mode="json") for i in items], sort_keys=True)
        return hashlib.sha256(dump.encode("utf-8")).hexdigest()

    def get(self, items: tuple[K, ...]) -> V:
        with self._lock:
            # an entry keeps its items alive, so no other object can have taken their ids
            ids = tuple(map(id, items))
            hit = self._by_identity.get(ids)
            if hit is not None:
                return hit[1]
            key = self._digest(items)
            built = self._by_content.get(key)
            if built is None:
                built = self._build(items)
                self._by_content[key] = built
                while len(self._by_content) > self._size:
                    self._by_content.popitem(last=False)
            self._by_content.move_to_end(key)
            if len(self._by_identity) >= 4 * self._size:
                self._by_identity.clear()
            self._by_identity[ids] = (items, built)
            return built


class OfflineBackend:
    """:class:`LanguageBackend` built from sentence embeddings, extractors and templates.

    ``embedder`` defaults to the process-wide MiniLM (loaded here, once per process).
    Topics scoring below ``out_of_scope_threshold`` are left out of
    ``Understanding.topics``: an empty tuple means "nothing this business does".
    """

    name = "offline"

    def __init__(
        self,
        embedder: Embedder | None = None,
        out_of_scope_threshold: float = 0.35,
        cache_size: int = 64,
    ) -> None:
        self.embedder: Embedder = embedder if embedder is not None else shared_minilm()
        self.out_of_scope_threshold = out_of_scope_threshold
        self._classifiers: _IndexCache[TopicExamples, TopicClassifier] = _IndexCache(
            lambda topics: TopicClassifier(topics, self.embedder), cache_size
        )
        self._faq: _IndexCache[FaqEntry, FaqIndex] = _IndexCache(
            lambda entries: FaqIndex(entries, self.embedder), cache_size
        )

    @property
    def model(self) -> str:
        return self.embedder.model_id

    def classifier(self, topics: tuple[TopicExamples, ...]) -> TopicClassifier:
        """The (cached) classifier over ``topics``."""
        return self._classifiers.get(topics)

    def faq_index(self, entries: tuple[FaqEntry, ...]) -> FaqIndex:
        """The (cached) FAQ index over ``entries``."""
        return self._faq.get(entries)

    def prepare(self, topics: tuple[TopicExamples, ...], faq: tuple[FaqEntry, ...]) -> None:
        self.classifier(topics)
        if faq:
            self.faq_index(faq)

    def understand(
        self, text: str, topics: tuple[TopicExamples, ...], context: UnderstandContext
    ) -> Understanding:
        kept = text[:MAX_TEXT]
        problem = check_text(text)
        if problem:
            return Understanding(
                text=kept, lang=_default_lang(context), problem=problem,
                backend=self.name, model=self.model,
            )
        # a pressed button is too short to tell its language: it speaks the one it was worded in
        lang = label_language(kept, context.offered, _preferred(context), context.timezone)
        if lang is None or lang not in context.languages:
            lang = detect_language(kept, context.languages, context.conversation_lang)
        scores = self.classifier(topics).classify(kept) if topics else ()
        in_scope = tuple(s for s in scores if s.score >= self.out_of_scope_threshold)
        faq: tuple[TopicScore, ...] = self.faq_index(context.faq).search(kept) if context.faq else ()
        signals = extract_signals(kept, lang, emergency_keywords=context.emergency_keywords)
        fields = extract_all(kept, context, lang)
        part, after = extract_part_of_day(kept, lang)
        return Understanding(
            text=kept,
            lang=lang,
            topics=in_scope,
            signals=signals,
            fields=fields,
            faq=faq,
            part_of_day=_PARTS_OF_DAY.get(part, ""),
            after_time=after,
            before_time=extract_before_time(kept, lang),
            backend=self.name,
            model=self.model,
        )

    def render(self, plan: ReplyPlan) -> Rendered:
        return render_plan(plan)


def _preferred(context: UnderstandContext) -> tuple[Lang, ...]:
    """The conversation's language first, then the business's."""
    first = (context.conversation_lang,) if context.conversation_lang else ()
    return (*first, *context.languages)


def _default_lang(context: UnderstandContext) -> Lang:
    if context.conversation_lang is not None:
        return context.conversation_lang
    return context.languages[0] if context.languages else "en"


__all__ = ["MAX_TEXT", "OfflineBackend"]
