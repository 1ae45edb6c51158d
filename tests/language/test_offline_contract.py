"""The offline backend keeps the language-backend contract, with MiniLM and with hashing."""

from __future__ import annotations

from language import HashingEmbedder, OfflineBackend, TopicExamples
from language.embedding import MiniLMEmbedder
from tests.language.contract import CONTEXT, TOPICS, check_backend_contract


def test_offline_backend_with_minilm_keeps_the_contract(minilm: MiniLMEmbedder) -> None:
    backend = OfflineBackend(embedder=minilm)
    assert backend.name == "offline"
    check_backend_contract(backend)


def test_offline_backend_with_hashing_embedder_keeps_the_contract() -> None:
    check_backend_contract(OfflineBackend(embedder=HashingEmbedder()))


def test_understanding_names_backend_and_model(minilm: MiniLMEmbedder) -> None:
    u = OfflineBackend(embedder=minilm).understand("I'd like to book a cleaning", TOPICS, CONTEXT)
    assert (u.backend, u.model) == ("offline", "sentence-transformers/all-MiniLM-L6-v2")
    assert u.topics[0].topic == "book"
    assert u.lang == "en"
    assert any(f.type == "service" and f.value == "cleaning" for f in u.fields)


def test_topics_too_unlikely_to_matter_are_left_out(minilm: MiniLMEmbedder) -> None:
    from language.classifier import MIN_REPORTED

    u = OfflineBackend(embedder=minilm).understand("I'd like to book a cleaning", TOPICS, CONTEXT)
    assert u.topics and all(s.score >= MIN_REPORTED for s in u.topics)


def test_off_topic_text_is_none_of_the_topics(minilm: MiniLMEmbedder) -> None:
    from adapters.wiring import load_background

    backend = OfflineBackend(embedder=minilm, background=load_background())
    u = backend.understand("what's the capital of France", TOPICS, CONTEXT)
    assert all(s.score < 0.3 for s in u.topics)  # the background won: no topic is likely
    assert not u.problem


def test_faq_matches_are_reported(minilm: MiniLMEmbedder) -> None:
    u = OfflineBackend(embedder=minilm).understand("Wo kann ich parken?", TOPICS, CONTEXT)
    assert u.faq[0].topic == "parking"
    assert u.lang == "de"


def test_unusable_text_keeps_the_conversation_language() -> None:
    backend = OfflineBackend(embedder=HashingEmbedder())
    ctx = CONTEXT.model_copy(update={"conversation_lang": "en"})
    u = backend.understand("", TOPICS, ctx)
    assert (u.problem, u.lang, u.topics, u.fields) == ("empty", "en", (), ())
    assert backend.understand("", TOPICS, CONTEXT).lang == "de"  # the business default


def test_long_text_is_truncated_in_the_understanding() -> None:
    u = OfflineBackend(embedder=HashingEmbedder()).understand("a" * 5000, TOPICS, CONTEXT)
    assert u.problem == "too_long"
    assert u.text == "a" * 2000


def test_topic_models_are_built_once_per_business() -> None:
    backend = OfflineBackend(embedder=HashingEmbedder())
    first = backend.topic_model(TOPICS, CONTEXT)
    assert backend.topic_model(TOPICS, CONTEXT) is first
    rebuilt = tuple(TopicExamples.model_validate(t.model_dump()) for t in TOPICS)
    assert rebuilt is not TOPICS
    assert backend.topic_model(rebuilt, CONTEXT) is first  # equal content, same model
    assert backend.topic_model(TOPICS[:2], CONTEXT) is not first
    other = CONTEXT.model_copy(update={"services": ()})  # another catalog masks otherwise
    assert backend.topic_model(TOPICS, other) is not first
    assert backend.faq_index(CONTEXT.faq) is backend.faq_index(CONTEXT.faq)


def test_a_context_validated_afresh_finds_its_indexes_without_digesting_them() -> None:
    """Each turn's context is a new model holding a new tuple of the same FAQ entries: the
    cache knows them by the entries themselves, and never dumps them to digest them."""
    backend = OfflineBackend(embedder=HashingEmbedder())
    first = backend.faq_index(CONTEXT.faq)
    again = CONTEXT.model_validate(
        CONTEXT.model_dump(mode="python", round_trip=True) | {"faq": list(CONTEXT.faq)}
    )
    assert again.faq is not CONTEXT.faq and again.faq[0] is CONTEXT.faq[0]
    dumps: list[object] = []
    original = type(CONTEXT.faq[0]).model_dump

    def counted(self: object, *args: object, **kwargs: object) -> object:
        dumps.append(self)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    type(CONTEXT.faq[0]).model_dump = counted  # type: ignore[method-assign]
    try:
        assert backend.faq_index(again.faq) is first
        assert backend.faq_index(tuple(CONTEXT.faq)) is first
    finally:
        type(CONTEXT.faq[0]).model_dump = original  # type: ignore[method-assign]
    assert dumps == []
