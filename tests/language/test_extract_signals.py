"""Conversation signals in English and German."""

from __future__ import annotations

import pytest

from language.extract import extract_signals
from language.types import Signals


def on(text: str, lang: str = "en", keywords: tuple[str, ...] = ()) -> dict[str, object]:
    """The signals that are set (not False / "none")."""
    signals = extract_signals(text, lang, keywords)  # type: ignore[arg-type]
    return {k: v for k, v in signals.model_dump().items() if v not in (False, "none")}


AFFIRM = [
    "yes",
    "Yes.",
    "yeah",
    "yep",
    "sure",
    "correct",
    "that's right",
    "That’s right",
    "sounds good",
    "ok",
    "okay",
    "perfect",
    "absolutely",
    "yes please",
    "Right.",
    "go ahead",
    "that works",
]
AFFIRM_DE = [
    "ja",
    "Ja!",
    "genau",
    "passt",
    "stimmt",
    "gerne",
    "gern",
    "richtig",
    "in Ordnung",
    "alles klar",
    "einverstanden",
    "ja, passt",
    "klar",
    "jawohl",
]
DENY = [
    "no",
    "No.",
    "nope",
    "nah",
    "not really",
    "no thanks",
    "that's wrong",
    "that's not right",
    "that doesn't work",
    "incorrect",
]
DENY_DE = [
    "nein",
    "Nein.",
    "nö",
    "lieber nicht",
    "stimmt nicht",
    "passt nicht",
    "das geht leider nicht",
    "falsch",
    "eher nicht",
]


@pytest.mark.parametrize("text", AFFIRM)
def test_affirm_en(text: str) -> None:
    assert on(text, "en") == {"affirm": True}


@pytest.mark.parametrize("text", AFFIRM_DE)
def test_affirm_de(text: str) -> None:
    assert on(text, "de") == {"affirm": True}


@pytest.mark.parametrize("text", DENY)
def test_deny_en(text: str) -> None:
    assert on(text, "en").get("deny") is True
    assert "affirm" not in on(text, "en")


@pytest.mark.parametrize("text", DENY_DE)
def test_deny_de(text: str) -> None:
    assert on(text, "de").get("deny") is True
    assert "affirm" not in on(text, "de")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("yesterday", "en"),
        ("I'm not sure", "en"),
        ("right now?", "en"),
        ("make sure", "en"),
        ("Ich bin nicht sicher", "de"),
        ("no pain", "en"),
        ("I have no preference", "en"),
        ("Guten Tag", "de"),
        ("good morning", "en"),
        ("Jahr", "de"),
        ("Nordseite", "de"),
        ("Ich hätte gern einen Termin", "de"),
        ("ist das klar?", "de"),
    ],
)
def test_neither_affirm_nor_deny(text: str, lang: str) -> None:
    signals = on(text, lang)
    assert "affirm" not in signals and "deny" not in signals


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("No, Thursday", "en"),
        ("no thursday", "en"),
        ("No, I said 3pm", "en"),
        ("no, the other one", "en"),
        ("nein, lieber Donnerstag", "de"),
        ("Nein, am Freitag", "de"),
        ("Nein, Anna", "de"),
        ("nope, it's Schmidt", "en"),
    ],
)
def test_no_followed_by_a_value_is_deny_and_correction(text: str, lang: str) -> None:
    signals = on(text, lang)
    assert signals.get("deny") is True and signals.get("correction") is True


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("no", "en"),
        ("no thanks", "en"),
        ("No, that's all", "en"),
        ("nein danke", "de"),
        ("nein, das ist alles", "de"),
        ("lieber nicht", "de"),
    ],
)
def test_plain_no_is_not_a_correction(text: str, lang: str) -> None:
    assert "correction" not in on(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("actually, make it Friday", "en"),
        ("I meant Tuesday", "en"),
        ("Tuesday instead", "en"),
        ("not Monday but Tuesday", "en"),
        ("ich meinte Freitag", "de"),
        ("doch", "de"),
        ("Doch, am Montag", "de"),
        ("eigentlich lieber um 10", "de"),
        ("nicht Montag, sondern Dienstag", "de"),
    ],
)
def test_correction(text: str, lang: str) -> None:
    assert on(text, lang).get("correction") is True


@pytest.mark.parametrize(
    ("text", "lang", "name"),
    [
        ("can I talk to a person", "en", "wants_human"),
        ("I want to speak to a real person", "en", "wants_human"),
        ("let me talk to someone", "en", "wants_human"),
        ("receptionist please", "en", "wants_human"),
        ("connect me to an agent", "en", "wants_human"),
        ("Kann ich mit einem Menschen sprechen?", "de", "wants_human"),
        ("Ich möchte mit einem Mitarbeiter sprechen", "de", "wants_human"),
        ("Rezeption bitte", "de", "wants_human"),
        ("bye", "en", "goodbye"),
        ("that's all, thanks", "en", "goodbye"),
        ("have a nice day", "en", "goodbye"),
        ("tschüss", "de", "goodbye"),
        ("Auf Wiederhören", "de", "goodbye"),
        ("das war's", "de", "goodbye"),
        ("hi", "en", "greeting"),
        ("Hello there", "en", "greeting"),
        ("good afternoon", "en", "greeting"),
        ("Hallo", "de", "greeting"),
        ("Guten Tag", "de", "greeting"),
        ("Moin", "de", "greeting"),
        ("thanks", "en", "thanks"),
        ("thank you so much", "en", "thanks"),
        ("danke", "de", "thanks"),
        ("Vielen Dank!", "de", "thanks"),
    ],
)
def test_flags(text: str, lang: str, name: str) -> None:
    assert on(text, lang).get(name) is True


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'm in severe pain", "en"),
        ("my face is swollen", "en"),
        ("there's swelling in my cheek", "en"),
        ("the bleeding won't stop", "en"),
        ("it won't stop bleeding", "en"),
        ("I had an accident and broke my tooth", "en"),
        ("broken tooth", "en"),
        ("the basement is flooding", "en"),
        ("a burst pipe in the kitchen", "en"),
        ("the pipe burst", "en"),
        ("sewage is backing up into the tub", "en"),
        ("we have no water at all", "en"),
        ("it's an emergency", "en"),
        ("Ich habe starke Schmerzen", "de"),
        ("Die Backe ist geschwollen", "de"),
        ("Die Blutung hört nicht auf", "de"),
        ("Ich hatte einen Unfall", "de"),
        ("Mein Zahn ist abgebrochen", "de"),
        ("Wasserrohrbruch!", "de"),
        ("Der Keller ist überschwemmt", "de"),
        ("Notfall!", "de"),
    ],
)
def test_emergency(text: str, lang: str) -> None:
    assert on(text, lang).get("urgency") == "emergency"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("asap please", "en"),
        ("it's urgent", "en"),
        ("as soon as possible", "en"),
        ("today if possible", "en"),
        ("my tooth hurts", "en"),
        ("dringend", "de"),
        ("so schnell wie möglich", "de"),
        ("heute noch, wenn es geht", "de"),
        ("Ich habe Zahnschmerzen", "de"),
    ],
)
def test_urgent(text: str, lang: str) -> None:
    assert on(text, lang).get("urgency") == "urgent"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("no pain", "en"),
        ("I have no pain at all", "en"),
        ("not urgent", "en"),
        ("it's not an emergency", "en"),
        ("no swelling", "en"),
        ("there was no accident", "en"),
        ("keine Schmerzen", "de"),
        ("nicht dringend", "de"),
        ("nicht geschwollen", "de"),
        ("kein Notfall", "de"),
        ("just a check-up", "en"),
        ("Kontrolle bitte", "de"),
    ],
)
def test_negated_or_absent_urgency(text: str, lang: str) -> None:
    assert "urgency" not in on(text, lang)


def test_negation_stays_in_its_clause() -> None:
    assert on("no pain, but my face is swollen")["urgency"] == "emergency"
    assert on("keine Schmerzen, aber die Backe ist geschwollen", "de")["urgency"] == "emergency"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I smell gas", "en"),
        ("it smells like gas in here", "en"),
        ("I think there's a gas leak", "en"),
        ("Es riecht nach Gas", "de"),
        ("starker Gasgeruch im Flur", "de"),
    ],
)
def test_gas_hazard_is_also_an_emergency(text: str, lang: str) -> None:
    signals = on(text, lang)
    assert signals["hazard"] == "gas"
    assert signals["urgency"] == "emergency"


@pytest.mark.parametrize("text", ["no gas smell", "I don't smell gas", "gas bill question"])
def test_no_gas(text: str) -> None:
    assert "hazard" not in on(text)


def test_business_keywords_add_emergencies() -> None:
    keywords = ("allergic reaction", "scalp is burning", "Zahn ausgeschlagen")
    assert on("I'm having an allergic reaction", "en", keywords)["urgency"] == "emergency"
    assert on("My scalp is burning!", "en", keywords)["urgency"] == "emergency"
    assert on("Zahn ausgeschlagen", "de", keywords)["urgency"] == "emergency"
    assert "urgency" not in on("no allergic reaction", "en", keywords)
    assert "urgency" not in on("I'm having an allergic reaction", "en", ())


def test_several_signals_at_once() -> None:
    assert on("Hi, yes please, thanks!") == {"greeting": True, "affirm": True, "thanks": True}
    assert on("no thanks, bye") == {"deny": True, "thanks": True, "goodbye": True}


def test_empty_text_has_no_signals() -> None:
    assert extract_signals("", "en") == Signals()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("What's the earliest you can fit me in?", "en"),
        ("as soon as possible please", "en"),
        ("ASAP", "en"),
        ("your first available appointment", "en"),
        ("the next free slot is fine", "en"),
        ("whenever is soonest", "en"),
        ("so bald wie möglich", "de"),
        ("möglichst bald bitte", "de"),
        ("den nächstmöglichen Termin", "de"),
        ("Wann ist der nächste freie Termin?", "de"),
        ("schnellstmöglich", "de"),
    ],
)
def test_earliest(text: str, lang: str) -> None:
    assert extract_signals(text, lang).earliest  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("earliest 5pm", "en"),  # a lower bound, not "the first free time"
        ("earliest at 4", "en"),
        ("the earliest one", "en"),  # picks among the offers
        ("frühestens um 5", "de"),
        ("no rush, not asap", "en"),
        ("next Friday", "en"),
    ],
)
def test_not_earliest(text: str, lang: str) -> None:
    assert not extract_signals(text, lang).earliest  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("are you a bot?", "en"),
        ("Are you a real person or a robot?", "en"),
        ("am I talking to a real person?", "en"),
        ("is this an automated system?", "en"),
        ("are you human", "en"),
        ("Sind Sie ein Computer?", "de"),
        ("Spreche ich mit einem Menschen?", "de"),
        ("Bin ich hier mit einem Roboter verbunden?", "de"),
    ],
)
def test_a_question_about_who_answers(text: str, lang: str) -> None:
    signals = extract_signals(text, lang)  # type: ignore[arg-type]
    assert signals.asks_identity
    assert not signals.wants_human  # asking whether one is a person is no wish for one


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("is this the computer repair shop?", "en"),
        ("are you a person who can help me with a booking?", "en"),
        ("are you open on Saturday?", "en"),
        ("I want to talk to a real person", "en"),
        ("Ich möchte mit einem Menschen sprechen", "de"),
    ],
)
def test_not_a_question_about_who_answers(text: str, lang: str) -> None:
    assert not extract_signals(text, lang).asks_identity  # type: ignore[arg-type]
