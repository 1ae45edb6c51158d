"""Services and staff matched against the demo businesses' catalogs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from language.extract import match_catalog
from language.extract._catalog_index import APPOINTMENT_WORDS
from language.extract._vocab import COMMON_WORDS
from language.types import CatalogItem
from tests.fakes.catalogs import DENTAL, DENTAL_STAFF, SALON

PLUMBERS = (
    CatalogItem(id="mike", names=("Mike",)),
    CatalogItem(id="priya", names=("Priya",)),
    CatalogItem(id="dan", names=("Dan",)),
)


def best(
    text: str, items: tuple[CatalogItem, ...], kind: str = "service", expected: bool = False
) -> str:
    found = match_catalog(text, items, kind, expected)  # type: ignore[arg-type]
    assert found, f"nothing matched {text!r}"
    return found[0].value or found[0].problem


@pytest.mark.parametrize(
    ("text", "items", "expected"),
    [
        ("a women's haircut please", SALON, "womens_cut"),
        ("womens hiarcut", SALON, "womens_cut"),
        ("Men's cut", SALON, "mens_cut"),
        ("a haircut for my son", SALON, "kids_cut"),
        ("kids cut", SALON, "kids_cut"),
        ("blow dry", SALON, "blowout"),
        ("blowdry", SALON, "blowout"),
        ("Balayge", SALON, "balayage"),
        ("touch up my roots", SALON, "root_color"),
        ("highlihgts", SALON, "full_highlights"),
        ("Zahnreinigung", DENTAL, "cleaning"),
        ("Zahnreinigng bitte", DENTAL, "cleaning"),
        ("eine Zahn Reinigung", DENTAL, "cleaning"),
        ("eine Reinigung", DENTAL, "cleaning"),
        ("zwei Füllungen", DENTAL, "filling"),
        ("Fuellung", DENTAL, "filling"),
        ("Ich brauche eine Wurzelbehandlung", DENTAL, "root_canal"),
        ("Wurzel", DENTAL, "root_canal"),
        ("root canal", DENTAL, "root_canal"),
        ("check up", DENTAL, "checkup"),
        ("eine Kontrolle", DENTAL, "checkup"),
        ("Kontrolltermin", DENTAL, "checkup"),
        ("professional cleaning", DENTAL, "cleaning"),
        ("checkup", DENTAL, "checkup"),
    ],
)
def test_services(text: str, items: tuple[CatalogItem, ...], expected: str) -> None:
    assert best(text, items) == expected


def test_words_shared_by_several_services_are_ambiguous() -> None:
    """Each item the words fit is named, first and in catalog order, as ``ambiguous``;
    weaker readings of the same words ("kids haircut" from "haircut") are not offered."""
    found = match_catalog("I need a haircut", SALON, "service", False)
    assert [(c.value, c.problem) for c in found] == [
        ("womens_cut", "ambiguous"),
        ("mens_cut", "ambiguous"),
    ]
    assert all(c.text == "haircut" and c.confidence < 0.8 for c in found)


def test_an_ambiguous_mention_does_not_hide_a_clear_one() -> None:
    found = match_catalog("a trim and a blowout", SALON, "service", False)
    assert [(c.value, c.problem) for c in found] == [
        ("womens_cut", "ambiguous"),
        ("mens_cut", "ambiguous"),
        ("blowout", ""),
    ]


def test_a_longer_name_settles_what_its_head_alone_leaves_open() -> None:
    assert best("a men's haircut", SALON) == "mens_cut"
    assert best("the ladies cut", SALON) == "womens_cut"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a men's trim please", "mens_cut"),
        ("I'd like a women's trim", "womens_cut"),
        ("gents, just a trim", "mens_cut"),
    ],
)
def test_a_telling_word_elsewhere_settles_a_tie(text: str, expected: str) -> None:
    """ "trim" fits both haircuts; "men's" is the word that tells them apart, although
    "men's trim" is no name of either."""
    [found] = match_catalog(text, SALON, "service", False)
    assert (found.value, found.problem) == (expected, "")


def test_a_short_word_does_not_glue_onto_the_next_one() -> None:
    """ "a" + "womens" is no "awomens" ending in "mens": quiet words join no compound."""
    [found] = match_catalog("I'd like a women's trim", SALON, "service", False)
    assert found.value == "womens_cut"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("men's", "mens_cut"),
        ("mens please", "mens_cut"),
        ("the women's one", "womens_cut"),
        ("gents", "mens_cut"),
        ("kids", "kids_cut"),
    ],
)
def test_asked_which_the_telling_word_alone_will_do(text: str, expected: str) -> None:
    """Asked which service, a modifier of names whose head other items share is enough;
    not asked, it is not (a word in passing is no booking)."""
    assert best(text, SALON, expected=True) == expected
    assert all(c.value != expected for c in match_catalog(text, SALON, "service", False))


def test_asked_a_lone_word_of_a_name_with_its_own_head_is_still_not_enough() -> None:
    heater = (
        CatalogItem(id="water_heater", names=("water heater repair",)),
        CatalogItem(id="leak", names=("leak repair",)),
    )
    assert [c.value for c in match_catalog("water", heater, "service", True)] == [""]


def test_longer_match_dominates_a_contained_one() -> None:
    found = match_catalog("women's haircut", SALON, "service", False)
    assert found[0].value == "womens_cut"
    assert found[0].confidence == 1.0
    assert all(c.confidence <= 0.5 for c in found[1:])


@pytest.mark.parametrize(
    ("text", "items", "expected"),
    [
        ("bei Dr. Sommer", DENTAL_STAFF, "lena_sommer"),
        ("with Dr Weber please", DENTAL_STAFF, "jonas_weber"),
        ("Frau Keller", DENTAL_STAFF, "mia_keller"),
        ("Jonas", DENTAL_STAFF, "jonas_weber"),
        ("Lena Sommer", DENTAL_STAFF, "lena_sommer"),
        ("Can Priya come?", PLUMBERS, "priya"),
        ("dan please", PLUMBERS, "dan"),
        ("Mike", PLUMBERS, "mike"),
    ],
)
def test_staff(text: str, items: tuple[CatalogItem, ...], expected: str) -> None:
    assert best(text, items, "staff") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anyone is fine", False),
        ("no preference", False),
        ("whoever is free", False),
        ("Egal wer", False),
        ("ist mir egal", False),
        ("egal", True),
        ("doesn't matter", True),
        ("either", True),
    ],
)
def test_any_staff(text: str, expected: bool) -> None:
    assert best(text, DENTAL_STAFF, "staff", expected) == "any"


@pytest.mark.parametrize("text", ["and then", "same time", "I like it", "sand", "Danke"])
def test_short_staff_names_need_an_exact_word(text: str) -> None:
    assert match_catalog(text, PLUMBERS, "staff", False) == []


@pytest.mark.parametrize(
    ("text", "items", "kind", "problem"),
    [
        ("I want a massage", SALON, "service", "unknown_service"),
        ("ich brauche eine Massage", DENTAL, "service", "unknown_service"),
        ("a perm", SALON, "service", "unknown_service"),
        ("with Bob", PLUMBERS, "staff", "unknown_staff"),
        ("bei Doktor Braun", DENTAL_STAFF, "staff", "unknown_staff"),
    ],
)
def test_unknown_when_expected(
    text: str, items: tuple[CatalogItem, ...], kind: str, problem: str
) -> None:
    [found] = match_catalog(text, items, kind, True)  # type: ignore[arg-type]
    assert (found.value, found.problem) == ("", problem)
    assert found.type == kind


def test_a_partial_service_match_needs_the_head_word() -> None:
    heater = (CatalogItem(id="water_heater", names=("water heater service",)),)
    assert match_catalog("Water backs up in the kitchen sink", heater, "service", False) == []
    assert best("the heater is broken", heater) == "water_heater"
    assert best("my water heater", heater) == "water_heater"


def test_function_words_of_a_name_do_not_match_alone() -> None:
    callout = (CatalogItem(id="emergency_callout", names=("emergency call-out",)),)
    assert match_catalog("Can Mike come out tomorrow?", callout, "service", False) == []
    checkup = (CatalogItem(id="checkup", names=("check-up",)),)
    assert match_catalog("I want to check my calendar", checkup, "service", False) == []
    assert best("a check up please", checkup) == "checkup"


@pytest.mark.parametrize("text", ["I want a massage", "yes", "what do you offer?", "tomorrow at 3"])
def test_nothing_reported_when_not_expected_or_not_service_like(text: str) -> None:
    assert match_catalog(text, SALON, "service", False) == []
    if text != "I want a massage":
        assert match_catalog(text, SALON, "service", True) == []


def test_id_sent_verbatim_matches() -> None:
    [found] = match_catalog("root_color", SALON, "service", False)
    assert found.value == "root_color"


def test_span_points_into_the_original() -> None:
    text = "Ich hätte gern eine ZAHNREINIGUNG am Montag"
    found = match_catalog(text, DENTAL, "service", False)[0]
    assert text[found.span[0] : found.span[1]] == found.text == "ZAHNREINIGUNG"


# ---------------------------------------------------------------- generic appointment words

GENERIC_WORDS = sorted({w for words in APPOINTMENT_WORDS.values() for w in words})


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("Ich möchte einen Termin", DENTAL + (CatalogItem(id="x", names=("Kontrolltermin",)),)),
        (
            "Was muss ich zum Termin mitbringen?",
            (
                CatalogItem(id="a", names=("Notfalltermin",)),
                CatalogItem(id="b", names=("Schmerztermin",)),
            ),
        ),
        ("I'd like an appointment", (CatalogItem(id="c", names=("hygiene appointment",)),)),
        ("Kommen Sie auch zu Besuch?", (CatalogItem(id="h", names=("Hausbesuch",)),)),
        ("can I book a visit", (CatalogItem(id="v", names=("home visit", "housevisit")),)),
        ("Brauche ich eine Behandlung?", DENTAL),
    ],
)
def test_generic_appointment_words_name_nothing(text: str, items: tuple[CatalogItem, ...]) -> None:
    assert match_catalog(text, items, "service", False) == []
    assert all(c.problem for c in match_catalog(text, items, "service", True))


@settings(max_examples=150, deadline=None)
@given(
    word=st.sampled_from(GENERIC_WORDS + sorted(COMMON_WORDS)),
    head=st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=3, max_size=9),
    frame=st.sampled_from(
        ["{w}", "I need a {w}", "Ich hätte gern einen {w} bitte", "{W}?", "the {w} on friday"]
    ),
)
def test_a_generic_or_common_word_never_matches_inside_a_longer_name(
    word: str, head: str, frame: str
) -> None:
    """Whatever the catalog, a generic or common word of booking talk alone names no item
    whose name merely contains it ("Termin" in "Kontrolltermin", "check" in "Zahncheck")."""
    items = (
        CatalogItem(id="compound", names=(head + word, head.capitalize() + word)),
        CatalogItem(id="phrase", names=(f"{head} {word}",)),
    )
    text = frame.format(w=word, W=word.capitalize())
    found = match_catalog(text, items, "service", False)
    spans = {(c.span, c.value) for c in found}
    assert not any(text[s[0] : s[1]].lower() == word.lower() for s, _ in spans), found


def test_the_whole_compound_still_matches() -> None:
    items = (
        CatalogItem(id="checkup", names=("Kontrolltermin",)),
        CatalogItem(id="emergency", names=("Notfalltermin",)),
    )
    assert best("einen Kontrolltermin bitte", items) == "checkup"
    assert best("Notfall Termin", items) == "emergency"
