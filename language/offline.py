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
from datetime import UTC, datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

from language.classifier import Example, FaqIndex, ModelStore, TopicModel
from language.embedding import Embedder, shared_minilm
from language.extract import (
    check_text,
    detect_language,
    extract_all,
    extract_before_time,
    extract_part_of_day,
    extract_signals,
)
from language.extract.mask import entity_types, mask_entities
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
# the context the background of unrelated requests is masked in: no business, no catalog
BACKGROUND_CONTEXT = UnderstandContext(
    now=datetime(2026, 1, 5, 12, 0, tzinfo=UTC), timezone="UTC", languages=("en",)
)
PartOfDay = Literal["", "morning", "afternoon", "evening"]
_PARTS_OF_DAY: dict[str, PartOfDay] = {
    "": "",
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
}

K = TypeVar("K", bound=BaseModel)
V = TypeVar("V")


class _IndexCache(Generic[K, V]):
    """Built indexes by their source tuple: identity first, then content; bounded LRU.

    Identity is that of the items, not of the tuple: a context model validated afresh each
    turn holds a new tuple of the very same items, and digesting their content each time
    cost more than the rest of a turn's bookkeeping."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._by_content: OrderedDict[str, V] = OrderedDict()
        self._by_identity: dict[tuple[int, ...], tuple[tuple[K, ...], V]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _digest(items: Sequence[K]) -> str:
        dump = json.dumps(
            [[type(i).__name__, i.model_dump(mode="json")] for i in items], sort_keys=True
        )
        return hashlib.sha256(dump.encode("utf-8")).hexdigest()

    def get(self, items: tuple[K, ...], build: Callable[[], V]) -> V:
        with self._lock:
            # an entry keeps its items alive, so no other object can have taken their ids
            ids = tuple(map(id, items))
            hit = self._by_identity.get(ids)
            if hit is not None:
                return hit[1]
            key = self._digest(items)
            built = self._by_content.get(key)
            if built is None:
                built = build()
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
    ``background`` are unrelated requests (public data; the edge loads them, see
    ``language/data``) that teach each business's topic model what is none of its topics.
    ``store`` keeps trained topic models between runs (trained afresh without one).
    """

    name = "offline"

    def __init__(
        self,
        embedder: Embedder | None = None,
        background: Sequence[str] = (),
        cache_size: int = 64,
        store: ModelStore | None = None,
    ) -> None:
        self.embedder: Embedder = embedder if embedder is not None else shared_minilm()
        self.background = tuple(background)
        self.store = store
        self._models: _IndexCache[BaseModel, TopicModel] = _IndexCache(cache_size)
        self._faq: _IndexCache[FaqEntry, FaqIndex] = _IndexCache(cache_size)
        self._masked_background: tuple[Example, ...] | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.embedder.model_id

    def topic_model(
        self, topics: tuple[TopicExamples, ...], context: UnderstandContext
    ) -> TopicModel:
        """The (cached) topic model of a business: its topics, FAQ and catalog."""
        key: tuple[BaseModel, ...] = (*topics, *context.faq, *context.services, *context.staff)
        return self._models.get(key, lambda: self._train(topics, context))

    def faq_index(self, entries: tuple[FaqEntry, ...]) -> FaqIndex:
        """The (cached) FAQ index over ``entries``."""
        return self._faq.get(
            entries,
            lambda: FaqIndex(
                entries, self.embedder, background=[e.masked for e in self.masked_background()]
            ),
        )

    def prepare(self, topics: tuple[TopicExamples, ...], context: UnderstandContext) -> None:
        self.topic_model(topics, context)
        if context.faq:
            self.faq_index(context.faq)

    def _train(self, topics: tuple[TopicExamples, ...], context: UnderstandContext) -> TopicModel:
        keywords = [k for e in context.faq for k in e.keywords]

        def train() -> TopicModel:
            ids = {t.id for t in topics}
            return TopicModel.train(
                topics,
                self._examples(topics, context),
                self._background(context),
                self.embedder,
                background_topic="out_of_scope" if "out_of_scope" in ids else "",
                faq_keywords=keywords,
            )

        if self.store is None:
            return train()
        key = _digest(
            [t.model_dump(mode="json") for t in topics],
            [e.model_dump(mode="json") for e in context.faq],
            [c.model_dump(mode="json") for c in (*context.services, *context.staff)],
            context.languages,
            self.background,
            self.embedder.model_id,
            TopicModel.VERSION,
        )
        state = self.store.load_or_build(
            "topics", key, lambda: train().state(), what="training the topic model of a business"
        )
        restored = TopicModel.restore(topics, state, self.embedder, keywords)
        return restored if restored is not None else train()

    def _examples(
        self, topics: tuple[TopicExamples, ...], context: UnderstandContext
    ) -> list[Example]:
        """Every topic's training texts, masked: examples, descriptions, and for the FAQ
        topic the business's questions and keywords."""
        plain = context.model_copy(
            update={
                "expected_field": None,
                "expected_type": None,
                "offered": (),
                "choices": (),
                "active_topic": None,
                "expects_confirm": False,
            }
        )
        examples: list[Example] = []
        for topic in topics:
            for lang, texts in topic.examples.items():
                examples += [_example(t, topic.id, plain, lang) for t in texts if t.strip()]
            for lang, text in topic.description.items():
                if text.strip():
                    examples.append(_example(text, topic.id, plain, lang))
        if any(t.id == "faq" for t in topics):
            for entry in context.faq:
                for lang, question in entry.question.items():
                    if question.strip():
                        examples.append(_example(question, "faq", plain, lang))
                examples += [_example(k, "faq", plain, None) for k in entry.keywords if k.strip()]
        return examples

    def masked_background(self) -> tuple[Example, ...]:
        """The background, masked once and the same for every business: without a catalog
        (dates, times, numbers and addresses are masked; no business's services)."""
        with self._lock:
            if self._masked_background is None:
                self._masked_background = tuple(
                    _example(t, "", BACKGROUND_CONTEXT, "en") for t in self.background if t.strip()
                )
            return self._masked_background

    def _background(self, context: UnderstandContext) -> tuple[Example, ...]:
        del context  # the background is masked alike for every business
        return self.masked_background()

    def understand(
        self, text: str, topics: tuple[TopicExamples, ...], context: UnderstandContext
    ) -> Understanding:
        kept = text[:MAX_TEXT]
        problem = check_text(text)
        if problem:
            return Understanding(
                text=kept,
                lang=_default_lang(context),
                problem=problem,
                backend=self.name,
                model=self.model,
            )
        # a pressed button is too short to tell its language: it speaks the one it was worded in
        lang = label_language(kept, context.offered, _preferred(context), context.timezone)
        if lang is None or lang not in context.languages:
            lang = detect_language(kept, context.languages, context.conversation_lang)
        fields = extract_all(kept, context, lang)
        masked = mask_entities(kept, fields)
        reading = (
            self.topic_model(topics, context).read(kept, masked, entity_types(fields))
            if topics
            else None
        )
        faq: tuple[TopicScore, ...] = (
            self.faq_index(context.faq).search(kept, embedded=masked) if context.faq else ()
        )
        signals = extract_signals(kept, lang, emergency_keywords=context.emergency_keywords)
        part, after = extract_part_of_day(kept, lang)
        return Understanding(
            text=kept,
            lang=lang,
            topics=reading.scores if reading else (),
            cues=reading.cues if reading else (),
            evidence=reading.evidence if reading else (),
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


def _digest(*parts: object) -> str:
    dump = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=list)
    return hashlib.sha256(dump.encode("utf-8")).hexdigest()[:24]


def _example(text: str, topic: str, context: UnderstandContext, lang: str | None) -> Example:
    """A training text masked the way a message is."""
    known: Lang = (
        lang if lang in context.languages else detect_language(text, context.languages, None)
    )
    fields = extract_all(text, context, known)
    return Example(
        masked=mask_entities(text, fields), text=text, entities=entity_types(fields), topic=topic
    )


def _preferred(context: UnderstandContext) -> tuple[Lang, ...]:
    """The conversation's language first, then the business's."""
    first = (context.conversation_lang,) if context.conversation_lang else ()
    return (*first, *context.languages)


def _default_lang(context: UnderstandContext) -> Lang:
    if context.conversation_lang is not None:
        return context.conversation_lang
    return context.languages[0] if context.languages else "en"


__all__ = ["MAX_TEXT", "OfflineBackend"]
