"""The topic model (trained on masked examples, cues, entities and the background) and FAQ
retrieval, with the real MiniLM; the embedders."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.wiring import load_background
from language import FaqEntry, FaqIndex, HashingEmbedder, TopicExamples, TopicModel
from language.classifier import KEYWORD_BONUS, Example, _Phrases
from language.embedding import MiniLMEmbedder
from language.offline import OfflineBackend
from tests.language.contract import CONTEXT, FAQ, TOPICS

OUT_OF_SCOPE = TopicExamples(
    id="out_of_scope", examples={"en": ("tell me a joke", "what's the weather tomorrow?")}
)
BUSINESS = (*TOPICS, OUT_OF_SCOPE)


@pytest.fixture(scope="module")
def backend(language) -> OfflineBackend:
    """The backend a business speaking German and English reads with in production."""
    return language.for_languages(CONTEXT.languages)


@pytest.fixture(scope="module")
def model(backend: OfflineBackend) -> TopicModel:
    return backend.topic_model(BUSINESS, CONTEXT)


def _best(backend: OfflineBackend, text: str) -> str:
    u = backend.understand(text, BUSINESS, CONTEXT)
    return u.topics[0].topic if u.topics else ""


@pytest.fixture(scope="module")
def praxis(language):
    """praxis-sommer (German first, English second) as the server reads it."""
    from engine.brain import understand_context
    from engine.state import ConversationState
    from tests.fakes.demo import demo_brains

    brain = demo_brains()["praxis-sommer"]
    context = understand_context(brain, ConversationState(), CONTEXT.now)
    return language.for_business(brain.business), brain.examples, context


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
        ("Ich muss meinen Termin am Donnerstag leider verschieben", "reschedule"),
        # the names and days a request shares with examples of other topics do not decide
        ("Can I book a check-up with Dr. Weber on Friday?", "book"),
        ("I need to cancel my check-up with Dr. Weber on Friday", "cancel"),
        ("Kann ich am Freitag um 10 bei Dr. Weber zur Kontrolle kommen?", "book"),
    ],
)
def test_typical_requests_find_their_topic(praxis, text: str, topic: str) -> None:
    backend, topics, context = praxis
    assert backend.understand(text, topics, context).topics[0].topic == topic


@pytest.mark.parametrize(
    "text",
    [
        "what's the capital of France",
        "tell me a joke about penguins",
        "how do I install python on windows",
        "transfer 50 dollars to my savings account",
        "Wie wird das Wetter am Samstag?",
    ],
)
def test_unrelated_text_is_read_as_none_of_the_business_topics(
    backend: OfflineBackend, text: str
) -> None:
    scores = {s.topic: s.score for s in backend.understand(text, BUSINESS, CONTEXT).topics}
    assert max(scores, key=lambda k: scores[k]) == "out_of_scope"
    assert scores.get("book", 0.0) < 0.3 and scores.get("cancel", 0.0) < 0.3


def test_scores_are_probabilities_best_first(backend: OfflineBackend) -> None:
    u = backend.understand("I'd like to book a cleaning", BUSINESS, CONTEXT)
    values = [s.score for s in u.topics]
    assert values == sorted(values, reverse=True)
    assert all(0.0 <= v <= 1.0 for v in values) and sum(values) <= 1.0 + 1e-3
    assert {s.topic for s in u.topics} <= {t.id for t in BUSINESS}


def test_every_reading_explains_its_best_topics(backend: OfflineBackend) -> None:
    u = backend.understand("Can I book a cleaning on Friday?", BUSINESS, CONTEXT)
    best = u.evidence[0]
    assert best.topic == "book" == u.topics[0].topic
    assert best.nearest and all(
        text
        in TOPICS[0].examples["en"]
        + TOPICS[0].examples["de"]
        + tuple(TOPICS[0].description.values())
        for text, _ in best.nearest
    )
    assert best.features and all(isinstance(w, float) for _, w in best.features)
    assert u.cues == ("book",) or "book" in u.cues or u.cues == ()


def test_cues_are_the_topics_whose_phrase_the_text_carries(minilm: MiniLMEmbedder) -> None:
    topics = (
        TopicExamples(
            id="book",
            examples={"en": ("book me in",)},
            keywords={"en": ("book",), "de": ("buchen",)},
        ),
        TopicExamples(
            id="cancel", examples={"en": ("cancel it",)}, keywords={"en": ("cancel", "call off")}
        ),
    )
    model = TopicModel(topics, minilm)
    assert model.cues("Please BOOK me in") == ("book",)
    assert model.cues("can we call it off") == ()  # a phrase is a run of whole words
    assert model.cues("call off and book again") == ("book", "cancel")
    assert model.cues("ich möchte buchen") == ("book",)


def test_adding_one_example_fixes_a_misreading(minilm: MiniLMEmbedder) -> None:
    """An owner who sees a message read as the wrong topic adds it as an example of the
    right one: after that, that message (and its close variants) reads as the right one."""
    backend = OfflineBackend(embedder=minilm, background=load_background())
    text = "my crown fell out while eating"
    before = backend.understand(text, BUSINESS, CONTEXT)
    target = "hours" if before.topics[0].topic != "hours" else "faq"
    fixed = tuple(
        t.model_copy(update={"examples": {**t.examples, "en": (*t.examples.get("en", ()), text)}})
        if t.id == target
        else t
        for t in BUSINESS
    )
    after = backend.understand(text, fixed, CONTEXT)
    assert after.topics[0].topic == target
    assert (
        backend.understand("my crown fell out while I was eating", fixed, CONTEXT).topics[0].topic
        == target
    )


def test_a_stored_model_reads_exactly_like_the_trained_one(
    model: TopicModel, backend: OfflineBackend
) -> None:
    embedder = backend.embedder
    again = TopicModel.restore(
        BUSINESS, model.state(), embedder, [k for e in FAQ for k in e.keywords]
    )
    assert again is not None
    for text, masked in (
        ("I'd like to book a cleaning", "I'd like to book a SERVICE"),
        ("Wann haben Sie geöffnet?", "Wann haben Sie geöffnet?"),
    ):
        assert again.read(text, masked, frozenset()) == model.read(text, masked, frozenset())
    other = tuple(t for t in BUSINESS if t.id != "faq")
    assert TopicModel.restore(other, model.state(), embedder) is None  # not these topics
    old = dict(model.state(), version=np.array("0"))
    assert TopicModel.restore(BUSINESS, old, embedder) is None  # trained by other code


def test_topics_without_examples_and_no_topics_at_all() -> None:
    embedder = HashingEmbedder()
    empty = TopicModel.train((TopicExamples(id="empty"),), [], [], embedder)
    assert empty.read("anything", "anything", frozenset()).scores == ()
    one = TopicModel.train(
        (TopicExamples(id="book"),),
        [Example("book me in", "book me in", frozenset(), "book")],
        [],
        embedder,
    )
    assert [s.topic for s in one.read("x", "x", frozenset()).scores] == ["book"]
    assert OfflineBackend(embedder=embedder).understand("hello", (), CONTEXT).topics == ()


def test_without_an_out_of_scope_card_the_background_is_no_topic(minilm: MiniLMEmbedder) -> None:
    backend = OfflineBackend(embedder=minilm, background=load_background())
    u = backend.understand("what's the capital of France", TOPICS, CONTEXT)
    assert all(s.score < 0.5 for s in u.topics)
    assert "out_of_scope" not in {s.topic for s in u.topics}


def test_faq_index_finds_the_closest_entry(minilm: MiniLMEmbedder) -> None:
    index = FaqIndex(FAQ, minilm)
    assert index.search("Is there parking near you?")[0].topic == "parking"
    assert index.search("Nehmen Sie meine Krankenkasse?", k=1)[0].topic == "insurance"
    assert len(index.search("hello", k=1)) == 1
    assert index.search("hello", k=0) == ()
    assert FaqIndex((), minilm).search("hello") == ()


def test_faq_keyword_in_the_text_adds_a_bonus() -> None:
    embedder = HashingEmbedder()
    entries = (
        FaqEntry(
            id="gift",
            question={"en": "Do you sell vouchers?"},
            answer={"en": "yes"},
            keywords=("gift card",),
        ),
    )
    index = FaqIndex(entries, embedder)

    def similarity(text: str) -> float:
        q, question, keyword = embedder.embed([text, "Do you sell vouchers?", "gift card"])
        return max(float(q @ question), float(q @ keyword))

    for text, bonus in (
        ("Can I buy a Gift Card?", KEYWORD_BONUS),
        ("any vouchers", 0.0),
        ("a gift for my card", 0.0),
    ):
        expected = round(min(1.0, similarity(text) + bonus), 4)
        assert index.search(text)[0].score == pytest.approx(expected, abs=1e-4), text


_WORDS = st.sampled_from(
    ["gift", "card", "Gift", "CARD", "park", "parking", "the", "Straße", "strasse", "a", "ß"]
)
_PHRASE = st.lists(_WORDS, min_size=0, max_size=3).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    phrases=st.lists(st.lists(_PHRASE, max_size=3), max_size=4),
    text=st.lists(st.one_of(_WORDS, st.sampled_from([",", "!", "  ", "-"])), max_size=12).map(
        " ".join
    ),
)
def test_keyword_owners_are_those_with_a_phrase_as_a_run_of_whole_words(
    phrases: list[list[str]], text: str
) -> None:
    """The indexed lookup finds exactly the owners the plain definition does: some phrase
    of theirs, split into case-folded words, is a run of the text's words."""
    words = re.findall(r"\w+", text.casefold())

    def has(phrase: str) -> bool:
        needle = re.findall(r"\w+", phrase.casefold())
        return bool(needle) and any(
            words[i : i + len(needle)] == needle for i in range(len(words) - len(needle) + 1)
        )

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


def test_rows_remembered_from_disk_come_back_as_unit_float32(minilm: MiniLMEmbedder) -> None:
    # rows kept on disk are float16: their norms are off one by up to ~1e-4
    row = minilm.embed(["a row to keep on disk"])[0].astype(np.float16)
    minilm.remember({"a row kept on disk as float16": row})
    back = minilm.embed(["a row kept on disk as float16"])
    assert back.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(back, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(back[0], row.astype(np.float32), atol=1e-3)


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
