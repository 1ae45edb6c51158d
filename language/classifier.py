"""Topic classification by a small trained model, and FAQ retrieval by nearest entry.

**Topics.** A business's cards give a few example utterances per topic and language, an
owner's explicit cue words (``keywords``), and for the FAQ topic the business's questions
and their keywords. :class:`TopicModel` trains a linear model on them when the business is
prepared (ridge regression with a calibrated softmax, well under a second), with a
background of unrelated requests (public data, see ``language/data/README.md``) as the
out-of-scope class, so it can say "none of these". A text's features:

* the sentence embedding of the text with its entities masked ("Can I book a SERVICE with
  STAFF on DAY?", :mod:`language.extract.mask`): the verb decides, not the nouns a request
  shares with examples of other topics;
* per topic, the similarity of the nearest example (of the masked text): an owner who adds
  one example for a message that was misread moves that message — "add an example to fix a
  misclassification" stays true;
* per topic, whether one of its cue phrases appears in the text (book, reschedule,
  absagen…);
* which kinds of entity the text names (a service, a staff member, a day, a time, a
  phone number, an e-mail address).

Scores are the model's probabilities (they sum to one over the business's topics and the
out-of-scope class). Every reading keeps its explanation for the audit: for the best
topics, the nearest examples and the features that weighed most.

**FAQ.** :class:`FaqIndex` finds the entries closest to a question by cosine similarity to
the entries' questions and keywords, with a bonus for a keyword written verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import faiss
import numpy as np

from language.embedding import Embedder, Matrix
from language.types import FAQ_FLOOR, FaqEntry, TopicEvidence, TopicExamples, TopicScore

NO_EVIDENCE = 0.0  # the FAQ similarity of an entry that has no question and no keyword
KEYWORD_BONUS = 0.1  # FAQ: added when a keyword appears verbatim in the text
ENTITIES: tuple[str, ...] = ("service", "staff", "date", "time", "phone", "email")
MIN_REPORTED = 0.01  # topics below this probability are left out of a reading
_RIDGE = 1.0  # regularisation strength of the ridge fit
_FOLDS = 5  # for the held-out scores the softmax temperature is fitted on
_BACKGROUND_WEIGHT = 3.0  # the background's total weight, in average topics
_ENTITY_SCALE = 0.5  # feature value of a present entity


class ModelStore(Protocol):
    """Keeps trained models between runs (the edge implements it with files; see
    ``adapters.cache``): the arrays under ``kind``/``key``, built once when missing."""

    def load_or_build(
        self, kind: str, key: str, build: Callable[[], dict[str, Matrix]], what: str = ""
    ) -> dict[str, Matrix]: ...


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


_WORD = re.compile(r"\w+", re.UNICODE)


class _Phrases:
    """Phrases, each owned by one key: which owners have a phrase in a text, as a run of
    whole words (case-folded). The phrases are split into words once; a text is then split
    once and looked up by its runs of as many words as some phrase has."""

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


@dataclass(frozen=True)
class Example:
    """One training text: what the customer might write (masked like a message is), the
    text as written (shown in explanations), the entity types it names, and its topic
    ("" for the background)."""

    masked: str
    text: str
    entities: frozenset[str]
    topic: str


@dataclass(frozen=True)
class Reading:
    """What the topic model made of one text."""

    scores: tuple[TopicScore, ...]  # best first; the out-of-scope class as its topic, if any
    cues: tuple[str, ...]  # topics whose cue phrase the text carries
    evidence: tuple[TopicEvidence, ...]  # why, for the best topics


class TopicModel:
    """A business's topics as a trained classifier (see the module docstring).

    Built by :meth:`train` from the topics' training texts, already masked (the language
    backend masks them with the same extractors as messages), and the background of
    unrelated requests, masked likewise, which trains ``background_topic`` (the business's
    out-of-scope card) — or, when the business has no such card, a class of its own that no
    topic is read as. :meth:`state` and :meth:`restore` turn a trained model into arrays and
    back, so a process can start from one trained before.
    """

    VERSION = "3"  # bump when features or training change: stored models are retrained

    def __init__(
        self, topics: Sequence[TopicExamples], embedder: Embedder, faq_keywords: Sequence[str] = ()
    ) -> None:
        self.topic_ids: tuple[str, ...] = tuple(t.id for t in topics)
        self._embedder = embedder
        self._index = {tid: i for i, tid in enumerate(self.topic_ids)}
        cues = [list(kw for words in t.keywords.values() for kw in words) for t in topics]
        if "faq" in self._index:
            cues[self._index["faq"]] += list(faq_keywords)
        self._cues = _Phrases(cues)
        self._texts: tuple[str, ...] = ()  # the topic examples as written, for explanations
        self._classes: tuple[str, ...] = ()
        self._coef: Matrix | None = None
        self._intercept: Matrix | None = None
        self._rows = np.zeros((0, 0), dtype=np.float32)
        self._owners = np.zeros(0, dtype=np.int64)

    @classmethod
    def train(
        cls,
        topics: Sequence[TopicExamples],
        examples: Sequence[Example],
        background: Sequence[Example],
        embedder: Embedder,
        background_topic: str = "",
        faq_keywords: Sequence[str] = (),
    ) -> TopicModel:
        model = cls(topics, embedder, faq_keywords)
        own = [e for e in examples if e.topic in model._index]
        if not own:
            return model
        texts = [e.masked for e in own] + [e.masked for e in background]
        emb = np.ascontiguousarray(embedder.embed(texts), dtype=np.float32)
        model._texts = tuple(e.text for e in own)
        model._rows = emb[: len(own)]
        model._owners = np.asarray([model._index[e.topic] for e in own], dtype=np.int64)
        # the nearest other example: an example is not its own neighbour
        near = model._nearest(emb, exclude_self=True)
        features = np.hstack(
            [
                emb,
                near,
                model._cue_matrix(e.text for e in (*own, *background)),
                model._entity_matrix(e.entities for e in (*own, *background)),
            ]
        )
        labels = [e.topic for e in own] + [background_topic or _NONE] * len(background)
        weights = np.ones(len(labels), dtype=np.float64)
        if background:
            per_topic = len(own) / max(1, len({e.topic for e in own}))
            weights[len(own) :] = _BACKGROUND_WEIGHT * per_topic / len(background)
        model._fit(features, labels, weights)
        return model

    def state(self) -> dict[str, Matrix]:
        """The trained model as arrays (see :meth:`restore`)."""
        return {
            "version": np.array(self.VERSION),
            "topics": np.array(self.topic_ids),
            "classes": np.array(self._classes),
            "texts": np.array(self._texts),
            "coef": self._coef if self._coef is not None else np.zeros((0, 0), np.float32),
            "intercept": (
                self._intercept if self._intercept is not None else np.zeros(0, np.float32)
            ),
            "rows": self._rows,
            "owners": self._owners,
        }

    @classmethod
    def restore(
        cls,
        topics: Sequence[TopicExamples],
        state: dict[str, Matrix],
        embedder: Embedder,
        faq_keywords: Sequence[str] = (),
    ) -> TopicModel | None:
        """A model from :meth:`state`, or ``None`` when the arrays are of another version
        or other topics."""
        model = cls(topics, embedder, faq_keywords)
        if (
            str(state["version"]) != cls.VERSION
            or tuple(str(x) for x in state["topics"]) != model.topic_ids
        ):
            return None
        model._classes = tuple(str(x) for x in state["classes"])
        model._texts = tuple(str(x) for x in state["texts"])
        if model._classes:
            model._coef = np.asarray(state["coef"], dtype=np.float32)
            model._intercept = np.asarray(state["intercept"], dtype=np.float32)
        model._rows = np.asarray(state["rows"], dtype=np.float32)
        model._owners = np.asarray(state["owners"], dtype=np.int64)
        return model

    def _fit(self, features: Matrix, labels: list[str], weights: np.ndarray) -> None:
        """A linear model fitted in closed form: weighted ridge regression onto one-hot
        labels, then one temperature for the softmax over its scores (so the scores are
        probabilities). The temperature minimises the weighted log-loss of the scores each
        text got from a fit *without* it (five folds): fitted on the texts the model
        learned, it would be as sure of a new message as of its own examples. Against a
        logistic regression on the same features it reads the benchmark's messages as
        well, and fits in a fraction of a second instead of several."""
        classes = sorted(set(labels))
        self._classes = tuple(classes)
        index = {c: i for i, c in enumerate(classes)}
        y = np.asarray([index[c] for c in labels], dtype=np.int64)
        if len(classes) == 1:  # one topic and no background: it is all there is
            self._coef = np.zeros((1, features.shape[1]), dtype=np.float32)
            self._intercept = np.zeros(1, dtype=np.float32)
            return
        x = np.hstack([features.astype(np.float64), np.ones((len(features), 1))])
        onehot = np.eye(len(classes))[y]
        beta = _ridge(x, onehot, weights)
        folds = np.arange(len(y)) % _FOLDS
        held_out = np.zeros_like(onehot)
        for k in range(_FOLDS):
            out = folds == k
            if out.all() or not out.any():
                continue
            held_out[out] = x[out] @ _ridge(x[~out], onehot[~out], weights[~out])
        temperature = _temperature(held_out, y, weights)
        self._coef = (beta[:-1].T * temperature).astype(np.float32)
        self._intercept = (beta[-1] * temperature).astype(np.float32)

    @property
    def size(self) -> int:
        """How many topic examples the model was trained on."""
        return len(self._texts)

    def _nearest(self, emb: Matrix, exclude_self: bool = False) -> Matrix:
        """Per row of ``emb``, per topic, the similarity of the nearest example."""
        n_topics = len(self.topic_ids)
        out = np.full((emb.shape[0], n_topics), -1.0, dtype=np.float32)
        if not len(self._rows):
            return out
        sims = emb @ self._rows.T
        if exclude_self:
            k = min(len(self._rows), emb.shape[0])
            sims[np.arange(k), np.arange(k)] = -1.0
        for topic in range(n_topics):
            cols = self._owners == topic
            if cols.any():
                out[:, topic] = sims[:, cols].max(axis=1)
        return out

    def _cue_matrix(self, texts: Iterable[str]) -> Matrix:
        rows = []
        for text in texts:
            row = np.zeros(len(self.topic_ids), dtype=np.float32)
            row[self._cues.owners_in(text)] = 1.0
            rows.append(row)
        return np.vstack(rows) if rows else np.zeros((0, len(self.topic_ids)), np.float32)

    @staticmethod
    def _entity_matrix(kinds: Iterable[frozenset[str]]) -> Matrix:
        rows = [[_ENTITY_SCALE if e in k else 0.0 for e in ENTITIES] for k in kinds]
        return np.asarray(rows, dtype=np.float32).reshape(-1, len(ENTITIES))

    def cues(self, text: str) -> tuple[str, ...]:
        """The topics whose cue phrase appears in ``text``."""
        return tuple(self.topic_ids[i] for i in self._cues.owners_in(text))

    def read(self, text: str, masked: str, entities: frozenset[str]) -> Reading:
        """Score ``text`` (``masked``: the same text with its entities masked)."""
        cues = self.cues(text)
        if self._coef is None or self._intercept is None:
            return Reading(scores=(), cues=cues, evidence=())
        emb = np.ascontiguousarray(self._embedder.embed([masked]), dtype=np.float32)
        near = self._nearest(emb)
        cue_row = self._cue_matrix([text])
        ent_row = self._entity_matrix([entities])
        x = np.hstack([emb, near, cue_row, ent_row])[0]
        logits = self._coef @ x + self._intercept
        p = np.exp(logits - logits.max())
        p = p / p.sum()
        ranked = sorted(range(len(self._classes)), key=lambda i: (-float(p[i]), i))
        scores = tuple(
            TopicScore(topic=self._classes[i], score=round(float(p[i]), 4))
            for i in ranked
            if self._classes[i] != _NONE and p[i] >= MIN_REPORTED
        )
        evidence = tuple(
            self._explain(self._classes[i], x, emb[0], near[0])
            for i in ranked[:2]
            if self._classes[i] != _NONE
        )
        return Reading(scores=scores, cues=cues, evidence=evidence)

    def _explain(self, topic: str, x: Matrix, emb: Matrix, near: Matrix) -> TopicEvidence:
        """The nearest examples of ``topic`` and the features that weighed most for it."""
        assert self._coef is not None
        row = self._coef[self._classes.index(topic)]
        dim, n = emb.shape[0], len(self.topic_ids)
        parts: list[tuple[str, float]] = [("wording", float(row[:dim] @ x[:dim]))]
        for j, tid in enumerate(self.topic_ids):
            parts.append((f"nearest {tid} example", float(row[dim + j] * x[dim + j])))
            if x[dim + n + j]:
                parts.append((f"cue for {tid}", float(row[dim + n + j] * x[dim + n + j])))
        for j, kind in enumerate(ENTITIES):
            if x[dim + 2 * n + j]:
                parts.append((f"names a {kind}", float(row[dim + 2 * n + j] * x[dim + 2 * n + j])))
        parts.sort(key=lambda kv: -abs(kv[1]))
        nearest: tuple[tuple[str, float], ...] = ()
        if topic in self._index:
            cols = np.flatnonzero(self._owners == self._index[topic])
            if len(cols):
                sims = self._rows[cols] @ emb
                best = cols[np.argsort(-sims)[:2]]
                nearest = tuple(
                    (self._texts[i], round(float(self._rows[i] @ emb), 3)) for i in best
                )
        return TopicEvidence(
            topic=topic, nearest=nearest, features=tuple((k, round(v, 3)) for k, v in parts[:4])
        )


_NONE = "\x00none"  # the background's own class when the business has no out-of-scope card


def _ridge(x: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted ridge regression of ``targets`` on ``x`` (closed form)."""
    w = weights[:, None]
    gram = x.T @ (x * w) + _RIDGE * np.eye(x.shape[1])
    return np.linalg.solve(gram, x.T @ (targets * w))


def _temperature(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """The softmax temperature in [0.5, 64] that minimises the weighted log-loss of
    ``scores`` against ``labels`` (a ternary search: the loss is unimodal in it)."""

    def loss(t: float) -> float:
        z = scores * t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-(weights * log_p[np.arange(len(labels)), labels]).sum() / weights.sum())

    lo, hi = 0.5, 64.0
    for _ in range(40):
        a, b = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if loss(a) < loss(b):
            hi = b
        else:
            lo = a
    return (lo + hi) / 2


class FaqIndex:
    """Finds the FAQ entries closest to a question.

    Rows are each entry's question in every language and each of its keywords. A score is
    the cosine similarity to the entry's nearest row, *moved* so that :data:`FAQ_FLOOR`
    is what an entry needs to be answered: embedders differ in how similar unrelated
    texts look (all-MiniLM-L6-v2 puts most pairs near 0.2-0.4, multilingual-e5 near
    0.8), so with a ``background`` of unrelated requests the index measures the level
    they reach (the 99th percentile of their best similarity) and asks a quarter of the
    way from there to 1 above it. A keyword that appears verbatim in the text (an owner who
    typed "parking" means exactly that word) lifts its entry to the floor at least, and
    adds :data:`KEYWORD_BONUS`. Below the floor the desk says it does not know, rather
    than answer the nearest entry.
    """

    def __init__(
        self, entries: Sequence[FaqEntry], embedder: Embedder, background: Sequence[str] = ()
    ) -> None:
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
        self.needed = FAQ_FLOOR  # the raw similarity an entry needs to be answered
        if background and self.entry_ids and self._nearest.size:
            rows = np.ascontiguousarray(embedder.embed(list(background)), dtype=np.float32)
            best = np.max(
                [
                    self._nearest.best_per_owner(rows[i : i + 1], len(self.entry_ids))
                    for i in range(len(rows))
                ],
                axis=1,
            )
            level = float(np.quantile(best, 0.99))
            self.needed = level + (1.0 - level) / 4

    def search(self, text: str, k: int = 3, embedded: str | None = None) -> tuple[TopicScore, ...]:
        """The ``k`` entries closest to ``text``. ``embedded``: the text to embed instead
        (the message with its entities masked, which the topic model embeds anyway: one
        forward pass a message); keywords are looked up in ``text`` as written."""
        if not self.entry_ids or k <= 0:
            return ()
        query = self._embedder.embed([text if embedded is None else embedded])
        best = self._nearest.best_per_owner(query, len(self.entry_ids))
        best[~np.isfinite(best)] = NO_EVIDENCE - 1.0
        best = best - self.needed + FAQ_FLOOR
        for i in self._keywords.owners_in(text):
            best[i] = max(float(best[i]), FAQ_FLOOR) + KEYWORD_BONUS
        return _ranked(self.entry_ids, best)[:k]


__all__ = [
    "ENTITIES",
    "FAQ_FLOOR",
    "KEYWORD_BONUS",
    "NO_EVIDENCE",
    "Example",
    "FaqIndex",
    "ModelStore",
    "Reading",
    "TopicModel",
]
