"""What the web chat shows on open: the greeting in the chat's language (the business's own
when its file sets one) and the titles of the business's own cards as suggestions."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.http.greeting import DEFAULT_GREETING, SUGGESTED, chat_language, greeting
from engine.brain import Brain
from engine.business import Business, WebChat
from machines.loader import bundled_cards
from tests.fakes.demo import demo_brains


def _with(slug: str, **changes: object) -> Brain:
    b = demo_brains()[slug].business
    data = b.model_dump(mode="json")
    data.update(changes)
    return Brain.build(Business.model_validate(data), bundled_cards())


def test_the_greeting_speaks_the_business_s_language_unless_another_is_asked() -> None:
    praxis = demo_brains()["praxis-sommer"]
    german = greeting(praxis, None)
    assert (german.lang, german.text) == ("de", DEFAULT_GREETING["de"])
    assert german.suggestions == (
        "Termin vereinbaren",
        "Termin verschieben",
        "Termin absagen",
        "Öffnungszeiten",
        "Nachricht hinterlassen",
    )
    assert greeting(praxis, "en").suggestions[0] == "Book an appointment"
    assert greeting(praxis, "fr").lang == "de"  # not spoken here: the first language
    assert chat_language(demo_brains()["rapid-rooter"], "de") == "en"


def test_suggestions_are_only_the_cards_the_business_uses_on_the_web_chat() -> None:
    slug = "bloom-salon"
    topics = [
        t
        for t in demo_brains()[slug].business.model_dump(mode="json")["topics"]
        if t["card"] not in ("reschedule", "hours")
    ]
    topics.append({"card": "hours", "override": {"channels": ["sms", "voice"]}})
    hello = greeting(_with(slug, topics=topics), "en")
    assert hello.suggestions == ("Book an appointment", "Cancel an appointment", "Leave a message")
    assert set(SUGGESTED) >= {"book", "cancel", "message"}


def test_a_business_may_word_its_own_greeting_per_language() -> None:
    own = _with("praxis-sommer", webchat={"greeting": {"de": "  Willkommen in der Praxis!  "}})
    assert greeting(own, "de").text == "Willkommen in der Praxis!"
    assert greeting(own, "en").text == DEFAULT_GREETING["en"]  # not set: the default
    for bad in (
        {"greeting": {"de": " "}},
        {"greeting": {"de": "x" * 501}},
        {"greeting": {"fr": "Bonjour"}},
        {"colour": "red"},
    ):
        with pytest.raises(ValidationError):
            WebChat.model_validate(bad)
