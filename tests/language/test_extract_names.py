"""Person names after cues or as the answer to "what is your name?" (EN/DE)."""

from __future__ import annotations

import pytest

from language.extract import extract_names


def names(text: str, lang: str = "en", expected: bool = False) -> list[str]:
    return [c.value for c in extract_names(text, lang, expected)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("my name is Anna Schmidt", "en", "Anna Schmidt"),
        ("My name is anna schmidt and I need a cut", "en", "Anna Schmidt"),
        ("Hi, my name's Tom.", "en", "Tom"),
        ("I'm Anna", "en", "Anna"),
        ("I’m Peter Parker, calling about Friday", "en", "Peter Parker"),
        ("this is John Miller", "en", "John Miller"),
        ("call me Liz", "en", "Liz"),
        ("Anna here", "en", "Anna"),
        ("Hi, Peter Pan speaking", "en", "Peter Pan"),
        ("This is Mrs. Smith", "en", "Smith"),
        ("ich heiße Jonas Weber", "de", "Jonas Weber"),
        ("Ich heisse jonas", "de", "Jonas"),
        ("Mein Name ist Müller-Lüdenscheidt", "de", "Müller-Lüdenscheidt"),
        ("hier ist Frau Schmidt", "de", "Schmidt"),
        ("Guten Tag, hier spricht Klaus Meyer", "de", "Klaus Meyer"),
        ("mein Name ist Anna von Bergen", "de", "Anna von Bergen"),
        ("Ich bin Lena", "de", "Lena"),
    ],
)
def test_names_after_cues(text: str, lang: str, expected: str) -> None:
    assert names(text, lang)[:1] == [expected]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'm calling about my appointment", "en"),
        ("I'm sorry", "en"),
        ("I'm looking for a haircut", "en"),
        ("this is urgent", "en"),
        ("This is great", "en"),
        ("ich bin krank", "de"),
        ("Ich bin neu hier", "de"),
        ("Ich bin Privatpatientin", "de"),
        ("ich bin Kassenpatient", "de"),
        ("Anna", "en"),  # no cue and not asked for
        ("yes", "en"),
    ],
)
def test_no_name_without_a_cue(text: str, lang: str) -> None:
    assert names(text, lang) == []


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Anna", "en", "Anna"),
        ("anna schmidt", "en", "Anna Schmidt"),
        ("ANNA SCHMIDT", "en", "Anna Schmidt"),
        ("Sure, Lisa", "en", "Lisa"),
        ("it's mary o'brien", "en", "Mary O'Brien"),
        ("i'm anna", "en", "Anna"),
        ("Ja, Schmidt", "de", "Schmidt"),
        ("anna von bergen", "de", "Anna von Bergen"),
        ("Frau Keller", "de", "Keller"),
        ("Anna Schmidt, 0151 23456789", "de", "Anna Schmidt"),
        ("Jean-Luc McDonald", "en", "Jean-Luc McDonald"),
    ],
)
def test_short_reply_when_name_was_asked(text: str, lang: str, expected: str) -> None:
    assert names(text, lang, expected=True)[:1] == [expected]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("yes", "en"),
        ("no thanks", "en"),
        ("tomorrow", "en"),
        ("next Monday", "en"),
        ("at 3pm", "en"),
        ("ja gerne", "de"),
        ("morgen", "de"),
        ("Montag", "de"),
        ("i am looking for a haircut", "en"),
        ("why do you need that?", "en"),
        ("0151 23456789", "de"),
    ],
)
def test_short_reply_that_is_something_else(text: str, lang: str) -> None:
    assert names(text, lang, expected=True) == []


def test_span_points_into_the_original() -> None:
    text = "Hello, my name is anna schmidt."
    [found] = extract_names(text, "en", False)
    assert text[found.span[0] : found.span[1]] == found.text == "anna schmidt"
    assert found.value == "Anna Schmidt"
    assert found.type == "person_name"
