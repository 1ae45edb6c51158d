"""Topic classification and FAQ retrieval by nearest example (cosine similarity).

A card's classifier data is a handful of example utterances per language plus a
description. Each example is embedded once, when the classifier is built, into a faiss
``IndexFlatIP`` (inner product = cosine for unit rows). A text's score for a topic is its
best similarity to any of that topic's examples or descriptions: nearest-example scoring
needs no training, stays explainable ("closest to: 'I'd like to book a cleaning'") and
lets an owner fix a misclassification by adding one example.

Both indexes are built once per business and reused for every turn; the offline backend
caches them by content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import faiss
import numpy as np

from language.embedding import Embedder, Matrix
from language.types import FaqEntry, TopicExamples, TopicScore

NO_EVIDENCE = 0.0  # the score of a topic that has no examples and no description


class _NearestIndex:
    """Rows of embedded texts, each owned by one key; scores a query per key (max)."""

    def __init__(self, texts: Sequence[str], owners: Sequence[int], embedder: Embedder) -> None:
        self._owners = np.asarray(owners, dtype=np.int64)
        self._index: faiss.IndexFlatIP | None = None
        if texts:
            rows = np.ascontiguousarray(embedder.embed(list(texts)), dtype=np.float32)
            self._index = faiss.IndexFlatIP(rows.shape[1])
            self._index.add(rows)

    @property
    def size(self) -> int:
        return 0 if self._index is None else int(self._index.ntotal)

    def best_per_owner(self, query: Matrix, n_owners: int) -> Matrix:
        """Max similarity of ``query`` (one row) per owner; owners without rows get -inf."""
        best = np.full(n_owners, -np.inf, dtype=np.float32)
        if self._index is None:
            return best
        sims, ids = self._index.search(np.ascontiguousarray(query, dtype=np.float32), self.size)
        np.maximum.at(best, self._owners[ids[0]], sims[0])
        return best


def _score(value: float) -> float:
    return round(min(1.0, max(-1.0, float(value))), 4)


def _ranked(ids: Sequence[str], scores: Matrix) -> tuple[TopicScore, ...]:
    order = sorted(range(len(ids)), key=lambda i: (-float(scores[i]), i))
    return tuple(TopicScore(topic=ids[i], score=_score(scores[i])) for i in order)


class TopicClassifier:
    """Scores a text against every topic: one :class:`TopicScore` per topic, best first."""

    def __init__(self, topics: Sequence[TopicExamples], embedder: Embedder) -> None:
        self.topic_ids: tuple[str, ...] = tuple(t.id for t in topics)
        self._embedder = embedder
        self._keywords = _Phrases(
            tuple(k for words in t.keywords.values() for k in words) for t in topics)
        texts: list[str] = []
        owners: list[int] = []
        for i, topic in enumerate(topics):
            for examples in topic.examples.values():
                for example in examples:
                    if example.strip():
                        texts.append(example)
                        owners.append(i)
            for description in topic.description.values():
                if description.strip():
                    texts.append(description)
                    owners.append(i)
        self._nearest = _NearestIndex(texts, owners, embedder)

    @property
    def size(self) -> int:
        """How many example and description rows the index holds."""
        return self._nearest.size

    def classify(self, text: str) -> tuple[TopicScore, ...]:
        if not self.topic_ids:
            return ()
        query = self._embedder.embed([text])
        best = self._nearest.best_per_owner(query, len(self.topic_ids))
        best[~np.isfinite(best)] = NO_EVIDENCE
        for i in self._keywords.owners_in(text):
            best[i] += KEYWORD_BONUS
        return _ranked(self.topic_ids, best)


_WORD = re.compile(r"\w+", re.UNICODE)
KEYWORD_BONUS = 0.1  # added when a keyword appears verbatim in the text


class _Phrases:
    """Keyword phrases, each owned by one key: which owners have a phrase in a text, as a
    run of whole words (case-folded). The phrases are split into words once; a text is
    then split once and looked up by its runs of as many words as some phrase has."""

    def __init__(self, phrases_per_owner: Iterable[Iterable[str]]) -> None:
        self._owners: dict[tuple[str, ...], list[int]] = {}
        for owner, phrases in enumerate(phrases_per_owner):
            for phrase in phrases:
                words = tuple(_WORD.findall(phrase.casefold()))
                if words and owner not in self._owners.setdefault(words, []):
                    self._owners[words].append(owner)
        self._lengths = sorted({len(words) for words in self._owners})

    def owners_in(self, text: str) -> list[int]:
        """The owners with a phrase in ``text``, each once, in the order they were given."""
        if not self._owners:
            return []
        words = _WORD.findall(text.casefold())
        found: set[int] = set()
        for n in self._lengths:
            for i in range(len(words) - n + 1):
                found.update(self._owners.get(tuple(words[i : i + n]), ()))
        return sorted(found)


class FaqIndex:
    """Finds the FAQ entries closest to a question.

    Rows are each entry's question in every language and each of its keywords; a keyword
    that appears verbatim in the text adds :data:`KEYWORD_BONUS`, because an owner who
    typed "parking" as a keyword means exactly that word.
    """

    def __init__(self, entries: Sequence[FaqEntry], embedder: Embedder) -> None:
        self.entry_ids: tuple[str, ...] = tuple(e.id for e in entries)
        self._keywords = _Phrases(e.keywords for e in entries)
        self._embedder = embedder
        texts: list[str] = []
        owners: list[int] = []
        for i, entry in enumerate(entries):
            for question in entry.question.values():
                if question.strip():
                    texts.append(question)
                    owners.append(i)
            for keyword in entry.keywords:
                if keyword.strip():
                    texts.append(keyword)
                    owners.append(i)
        self._nearest = _NearestIndex(texts, owners, embedder)

    def search(self, text: str, k: int = 3) -> tuple[TopicScore, ...]:
        if not self.entry_ids or k <= 0:
            return ()
        query = self._embedder.embed([text])
        best = self._nearest.best_per_owner(query, len(self.entry_ids))
        best[~np.isfinite(best)] = NO_EVIDENCE
        for i in self._keywords.owners_in(text):
            best[i] += KEYWORD_BONUS
        return _ranked(self.entry_ids, best)[:k]


__all__ = ["KEYWORD_BONUS", "NO_EVIDENCE", "FaqIndex", "TopicClassifier"]
