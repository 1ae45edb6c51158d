"""Topic classification and FAQ retrieval with the real MiniLM, and the embedders."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from language import FaqEntry, FaqIndex, HashingEmbedder, TopicClassifier, TopicExamples
from language.classifier import KEYWORD_BONUS, NO_EVIDENCE, _Phrases
from language.embedding import MiniLMEmbedder
from tests.language.contract import FAQ, TOPICS

OFF_TOPIC_THRESHOLD = 0.35


@pytest.fixture(scope="module")
def classifier(minilm: MiniLMEmbedder) -> TopicClassifier:
    return TopicClassifier(TOPICS, minilm)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I'd like to book a cleaning", "book"),
        ("Can I cancel my appointment?", "cancel"),
        ("Wann haben Sie geöffnet?", "hours"),
        ("How late are you open on Friday?", "hours"),
        ("Is there somewhere to park my car?", "faq"),
        ("Could I speak to an actual human please", "human"),
        ("My tooth hurts so badly I can't sleep", "emergency"),
        ("Ich möchte meinen Termin stornieren", "cancel"),
    ],
)
def test_typical_requests_find_their_topic(classifier: TopicClassifier, text: str, topic: str) -> None:
    assert classifier.classify(text)[0].topic == topic


@pytest.mark.parametrize(
    "text", ["what's the capital of France", "tell me a joke about penguins",
             "how do I install python on windows"],
)
def test_off_topic_text_scores_low_for_every_topic(classifier: TopicClassifier, text: str) -> None:
    assert all(s.score < OFF_TOPIC_THRESHOLD for s in classifier.classify(text))


def test_one_score_per_topic_best_first_within_bounds(classifier: TopicClassifier) -> None:
    scores = classifier.classify("I'd like to book a cleaning")
    assert sorted(s.topic for s in scores) == sorted(t.id for t in TOPICS)
    values = [s.score for s in scores]
    assert values == sorted(values, reverse=True)
    assert all(-1.0 <= v <= 1.0 for v in values)
    assert classifier.size == sum(
        len(ex) for t in TOPICS for ex in t.examples.values()
    ) + sum(len(t.description) for t in TOPICS)


def test_an_exact_example_scores_one(classifier: TopicClassifier) -> None:
    assert classifier.classify("When are you open?")[0].score == pytest.approx(1.0, abs=1e-3)


def test_a_topic_without_examples_gets_no_evidence() -> None:
    topics = (TopicExamples(id="empty"), TopicExamples(id="book", examples={"en": ("book me in",)}))
    scores = {s.topic: s.score for s in TopicClassifier(topics, HashingEmbedder()).classify("x")}
    assert scores["empty"] == NO_EVIDENCE
    assert TopicClassifier((), HashingEmbedder()).classify("anything") == ()


def test_faq_index_finds_the_closest_entry(minilm: MiniLMEmbedder) -> None:
    index = FaqIndex(FAQ, minilm)
    assert index.search("Is there parking near you?")[0].topic == "parking"
    assert index.search("Nehmen Sie meine Krankenkasse?", k=1)[0].topic == "insurance"
    assert len(index.search("hello", k=1)) == 1
    assert index.search("hello", k=0) == ()
    assert FaqIndex((), minilm).search("hello") == ()


def test_faq_keyword_in_the_text_adds_a_bonus() -> None:
    embedder = HashingEmbedder()
    entries = (FaqEntry(id="gift", question={"en": "Do you sell vouchers?"}, answer={"en": "yes"},
                        keywords=("gift card",)),)
    index = FaqIndex(entries, embedder)

    def similarity(text: str) -> float:
        q, question, keyword = embedder.embed([text, "Do you sell vouchers?", "gift card"])
        return max(float(q @ question), float(q @ keyword))

    for text, bonus in (("Can I buy a Gift Card?", KEYWORD_BONUS), ("any vouchers", 0.0),
                        ("a gift for my card", 0.0)):
        expected = round(min(1.0, similarity(text) + bonus), 4)
        assert index.search(text)[0].score == pytest.approx(expected, abs=1e-4), text


_WORDS = st.sampled_from(["gift", "card", "Gift", "CARD", "park", "parking", "the", "Straße",
                          "strasse", "a", "ß"])
_PHRASE = st.lists(_WORDS, min_size=0, max_size=3).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(phrases=st.lists(st.lists(_PHRASE, max_size=3), max_size=4),
       text=st.lists(st.one_of(_WORDS, st.sampled_from([",", "!", "  ", "-"])),
                     max_size=12).map(" ".join))
def test_keyword_owners_are_those_with_a_phrase_as_a_run_of_whole_words(
        phrases: list[list[str]], text: str) -> None:
    """The indexed lookup finds exactly the owners the plain definition does: some phrase
    of theirs, split into case-folded words, is a run of the text's words."""
    words = re.findall(r"\w+", text.casefold())

    def has(phrase: str) -> bool:
        needle = re.findall(r"\w+", phrase.casefold())
        return bool(needle) and any(words[i:i + len(needle)] == needle
                                    for i in range(len(words) - len(needle) + 1))

    expected = [owner for owner, mine in enumerate(phrases) if any(has(p) for p in mine)]
    assert _Phrases(phrases).owners_in(text) == expected


# ---------------------------------------------------------------- embedders


def test_minilm_rows_are_unit_float32(minilm: MiniLMEmbedder) -> None:
    rows = minilm.embed(["hello", "Guten Tag", "hello"])
    assert rows.shape == (3, 384) and rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(rows[0], rows[2])
    assert minilm.embed([]).shape == (0, 384)


def test_minilm_cache_serves_repeated_texts(minilm: MiniLMEmbedder) -> None:
    first = minilm.embed(["a sentence seen before"])
    cached = minilm.cached
    again = minilm.embed(["a sentence seen before"])
    assert minilm.cached == cached
    np.testing.assert_array_equal(first, again)


def test_hashing_cache_is_bounded() -> None:
    embedder = HashingEmbedder(cache_size=2)
    embedder.embed(["one", "two", "three"])
    assert embedder.cached == 2


def test_hashing_embedder_is_deterministic_across_instances() -> None:
    a, b = HashingEmbedder(), HashingEmbedder()
    np.testing.assert_array_equal(a.embed(["Zahnreinigung"]), b.embed(["Zahnreinigung"]))
    assert a.model_id == "hashing-char-ngrams-384"


def test_hashing_embedder_matches_spelling() -> None:
    rows = HashingEmbedder().embed(["book a cleaning", "book a cleaning please", "opening hours"])
    assert float(rows[0] @ rows[1]) > float(rows[0] @ rows[2])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=6))
def test_hashing_rows_are_unit_or_zero(texts: list[str]) -> None:
    rows = HashingEmbedder(dim=64).embed(texts)
    assert rows.shape == (len(texts), 64) and rows.dtype == np.float32
    for norm in np.linalg.norm(rows, axis=1):
        assert norm == pytest.approx(1.0, abs=1e-5) or norm == 0.0


def test_minilm_loads_without_touching_the_network(
    minilm: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("MiniLMEmbedder tried the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    fresh = MiniLMEmbedder(cache_size=0)
    np.testing.assert_allclose(fresh.embed(["hello"]), minilm.embed(["hello"]), atol=1e-5)
    assert fresh.cached == 0
