"""Person names after cues or as the answer to "what is your name?" (EN/DE)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from language.extract import extract_names
from language.extract.names import _NOT_NAMES, _PARTICLES, _ROLE_ENDINGS, _SENTENCE_ONLY


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


# ---------------------------------------------------------------- names are names (issue 15)


@pytest.mark.parametrize(
    "text",
    [
        "Jan Richter",
        "May Lee",
        "Will Smith",
        "Sunday Adeyemi",
        "José Álvarez",
        "Jürgen Straßburger",
        "Иван Петров",
        "王伟",
        "محمد علي",
        "Ludwig van Beethoven",
        "Anna Maria de la Cruz",
        "Ahmed bin Said",
        "Omar al Hashimi",
        "Siobhán O'Brien",
        "D'Angelo",
        "Jean-Luc Picard",
        "Müller-Lüdenscheidt",
        "Nguyen Van An",
        "Klaus Le Grand",
        "Leonardo da Vinci",
        "Jan",
        "May",
        "Zoë",
        "Anna K",
    ],
)
def test_asked_for_a_name_any_name_is_one(text: str) -> None:
    assert names(text, "en", expected=True)[:1] == [text]
    assert names(text, "de", expected=True)[:1] == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is Jan Richter", "Jan Richter"),
        ("Mein Name ist Jan Richter", "Jan Richter"),
        ("my name is Will Smith", "Will Smith"),
        ("I'm Jan Richter and I need a trim", "Jan Richter"),
        ("hier ist Ahmed bin Said", "Ahmed bin Said"),
        ("this is Anna Maria de la Cruz", "Anna Maria de la Cruz"),
        ("ich heiße mai nguyen", "Mai Nguyen"),
        ("my name is ludwig VAN beethoven", "Ludwig van Beethoven"),
    ],
)
def test_names_with_every_kind_of_word_after_a_cue(text: str, expected: str) -> None:
    assert names(text)[:1] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Actually Friday",
        "Friday instead",
        "only mornings",
        "yes please",
        "I'm not sure",
        "why do you need it",
        "Der Termin passt",
        "lieber Donnerstag",
        "next Tuesday afternoon",
        "i'm fine thanks",
    ],
)
def test_asked_for_a_name_a_sentence_is_not_one(text: str) -> None:
    assert names(text, "en", expected=True) == []


@pytest.mark.parametrize(
    "text",
    [
        "Jan Richter",
        "Can I book with Sam on Friday?",
        "Is Dr. Weber in on Monday?",
        "Kann ich am Freitag zu Frau Keller kommen?",
        "It's May",
        "Hello Priya, can you come?",
        "I need a Blowout next Thursday",
    ],
)
def test_not_asked_capitalised_words_are_not_a_name(text: str) -> None:
    assert names(text) == []


_LETTERS = st.sampled_from(
    ["abcdefghijklmnopqrstuvwxyz", "äöüßéèáñçøå", "абвгдежзиклмнопрст", "αβγδεζηθικλμνξοπρστ"]
)
_NAME_WORDS = _LETTERS.flatmap(lambda a: st.text(alphabet=a, min_size=3, max_size=9)).filter(
    lambda w: (
        w not in _NOT_NAMES
        and w not in _SENTENCE_ONLY
        and w not in _PARTICLES
        and not w.endswith(_ROLE_ENDINGS)
    )
)


@settings(max_examples=200, deadline=None)
@given(
    given_name=_NAME_WORDS,
    surname=_NAME_WORDS,
    middle=st.sampled_from(["", "van", "de la", "bin", "al"]),
    joiner=st.sampled_from([" ", "-", "'"]),
    cue=st.sampled_from(["", "my name is ", "Mein Name ist "]),
)
def test_any_letters_and_particles_make_a_name(
    given_name: str, surname: str, middle: str, joiner: str, cue: str
) -> None:
    """Whatever the script, a given name and a surname (with particles, hyphens and
    apostrophes) are the name, asked for or after a strong cue; read back as typed when
    typed in mixed case."""
    first = given_name.capitalize()
    last = (
        surname.capitalize()
        if joiner == " "
        else f"{surname.capitalize()}{joiner}{given_name.capitalize()}"
    )
    full = " ".join(p for p in (first, middle, last) if p)
    found = names(cue + full, "en", expected=not cue)
    assert found[:1] == [full]
