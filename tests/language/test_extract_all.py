"""extract_all with a conversation context, and robustness of every extractor."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from language.extract import (
    check_text,
    choose_offered,
    detect_language,
    extract_all,
    extract_dates,
    extract_emails,
    extract_names,
    extract_part_of_day,
    extract_phones,
    extract_signals,
    extract_times,
    match_catalog,
)
from language.types import CatalogItem, FieldType, Slot, UnderstandContext
from tests.fakes.catalogs import DENTAL, DENTAL_STAFF, SALON

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 26, 10, 0, tzinfo=BERLIN)
_SLOT_START = datetime(2026, 3, 27, 15, 0, tzinfo=BERLIN)
OFFERED = (
    Slot(
        start=_SLOT_START,
        end=_SLOT_START + timedelta(minutes=30),
        staff="jonas_weber",
        staff_name="Dr. Jonas Weber",
        service="checkup",
    ),
    Slot(
        start=_SLOT_START + timedelta(days=3),
        end=_SLOT_START + timedelta(days=3, minutes=30),
        staff="lena_sommer",
        staff_name="Dr. Lena Sommer",
        service="checkup",
    ),
)


def context(expected: FieldType | None = None, **extra: object) -> UnderstandContext:
    values: dict[str, object] = {"services": DENTAL, "staff": DENTAL_STAFF, **extra}
    return UnderstandContext(
        now=NOW,
        timezone="Europe/Berlin",
        languages=("de", "en"),
        phone_region="DE",
        expected_type=expected,
        **values,  # type: ignore[arg-type]
    )


def pairs(text: str, ctx: UnderstandContext, lang: str = "de") -> list[tuple[str, str, str]]:
    return [(c.type, c.value, c.problem) for c in extract_all(text, ctx, lang)]  # type: ignore[arg-type]


def test_one_sentence_many_fields() -> None:
    text = (
        "Zahnreinigung bei Frau Keller morgen um halb drei, ich bin unter 0151 23456789 erreichbar"
    )
    found = pairs(text, context())
    assert ("service", "cleaning", "") in found
    assert ("staff", "mia_keller", "") in found
    assert ("date", "2026-03-27", "") in found
    assert ("time", "14:30", "") in found
    assert ("phone", "+4915123456789", "") in found


def test_expected_type_comes_first() -> None:
    found = extract_all("morgen, Kontrolle", context("date"), "de")
    assert found[0].type == "date"
    found = extract_all("morgen, Kontrolle", context("service"), "de")
    assert found[0].type == "service"


def test_best_first_within_a_type() -> None:
    found = [
        c
        for c in extract_all("nicht Montag, sondern Dienstag", context(), "de")
        if c.type == "date"
    ]
    assert [c.value for c in found] == ["2026-03-31", "2026-03-30"]


def test_boolean_only_when_expected() -> None:
    assert ("boolean", "yes", "") in pairs("ja", context("boolean"))
    assert ("boolean", "no", "") in pairs("no", context("boolean"), "en")
    assert not any(c.type == "boolean" for c in extract_all("ja", context(), "de"))
    assert not any(c.type == "boolean" for c in extract_all("ja nein", context("boolean"), "de"))


def test_name_when_expected_but_not_a_service_or_date() -> None:
    assert ("person_name", "Anna Schmidt", "") in pairs("anna schmidt", context("person_name"))
    for other in ("Kontrolle", "morgen", "Dr. Weber", "ja"):
        assert not any(
            c.type == "person_name" for c in extract_all(other, context("person_name"), "de")
        )


def test_name_that_only_starts_like_a_staff_member_stays_a_name() -> None:
    staff = (CatalogItem(id="lena_sommer", names=("Lena",)),)
    found = pairs("Lena Schulz", context("person_name", staff=staff))
    assert found[0] == ("person_name", "Lena Schulz", "")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jan Richter", "Jan Richter"),  # "Jan" is also a month
        ("Lena Schulz", "Lena Schulz"),  # "Lena" is also a dentist
        ("Montag Okafor", "Montag Okafor"),  # "Montag" is also a day
        ("Mia", "Mia"),  # asked for the customer's name, a stylist's first name is theirs
    ],
)
def test_asked_for_a_name_its_words_are_the_name_only(text: str, name: str) -> None:
    found = pairs(text, context("person_name"))
    assert found == [("person_name", name, "")]


@pytest.mark.parametrize("text", ["Kontrolle am Montag", "Zahnreinigung morgen", "Freitag"])
def test_asked_for_a_name_words_that_are_all_something_else_are_no_name(text: str) -> None:
    assert not any(t == "person_name" for t, _, _ in pairs(text, context("person_name")))


def test_dates_inside_contacts_are_dropped() -> None:
    found = pairs("0151 23456789", context("phone"))
    assert found == [("phone", "+4915123456789", "")]


def test_offered_slot_is_chosen() -> None:
    ctx = context("offered_slot", offered=OFFERED)
    assert pairs("den zweiten", ctx)[0] == ("offered_slot", OFFERED[1].start.isoformat(), "")
    assert pairs("the first one", ctx, "en") == [("offered_slot", OFFERED[0].start.isoformat(), "")]
    assert pairs("bei Dr. Weber", ctx)[0] == ("offered_slot", OFFERED[0].start.isoformat(), "")
    assert pairs("den fünften", ctx)[0] == ("offered_slot", "", "no_such_option")


@pytest.mark.parametrize("text", ["11", "great, 11 then", "ok 11 please"])
def test_a_number_alone_that_no_offer_has_is_an_hour_to_search_for(text: str) -> None:
    # the offers are at 3 pm: "11" is neither an offered hour nor an option number
    found = pairs(text, context("offered_slot", offered=OFFERED), "en")
    assert ("offered_slot", "", "not_offered") in found
    assert ("time", "11:00", "") in found


def test_unknown_service_only_when_expected() -> None:
    assert ("service", "", "unknown_service") in pairs("eine Massage", context("service"))
    assert ("service", "", "unknown_service") not in pairs("eine Massage", context())


def test_bare_number_is_a_time_when_a_time_was_asked() -> None:
    assert pairs("3", context("time")) == [("time", "15:00", "")]
    assert pairs("zehn", context("time")) == [("time", "10:00", "")]
    assert not any(c.type == "time" for c in extract_all("3", context(), "de"))


def test_choice_labels() -> None:
    ctx = context("choice", choices=("Gesetzlich versichert", "Privat versichert"))
    assert pairs("privat", ctx)[0] == ("choice", "Privat versichert", "")
    assert pairs("die zweite", ctx)[0] == ("choice", "Privat versichert", "")


def test_free_text_and_address() -> None:
    assert pairs("  water under the sink  ", context("text"), "en") == [
        ("text", "water under the sink", "")
    ]
    assert ("address", "1200 W Lake St, Chicago", "") in pairs(
        "1200 W Lake St, Chicago", context("address"), "en"
    )
    assert pairs("yes", context("address"), "en") == []


@pytest.mark.parametrize("lang", ["en", "de"])
def test_spans_always_point_into_the_text(lang: str) -> None:
    text = "Hi, I'm Anna — Friday 3pm, anna at web dot de, 030 1234567, Wurzelbehandlung"
    for found in extract_all(text, context(offered=OFFERED), lang):  # type: ignore[arg-type]
        assert 0 <= found.span[0] <= found.span[1] <= len(text)
        assert text[found.span[0] : found.span[1]] == found.text


# ---------------------------------------------------------------- never raise

_HUGE = st.builds(
    lambda piece, times: piece * times, st.text(min_size=1, max_size=30), st.integers(100, 4000)
)
_BINARY = st.binary(max_size=300).map(lambda raw: raw.decode("latin-1"))
_WORDS = st.lists(
    st.sampled_from(
        [
            "morgen",
            "um",
            "halb",
            "drei",
            "the",
            "second",
            "3pm",
            "no",
            "at",
            "dot",
            "0151",
            "@",
            "next",
            "Monday",
            "Zahnreinigung",
            "Dr.",
            "my",
            "name",
            "is",
            "14.3.",
            "nicht",
            ".",
            ",",
            "five",
            "oh",
            "null",
            "eins",
            "plus",
            "after",
            "quarter",
            "to",
            "egal",
            "Sam",
            "4/31",
        ]
    ),
    max_size=40,
).map(" ".join)
_ANY_TEXT = st.one_of(st.text(), _BINARY, _WORDS, _HUGE)


@settings(max_examples=60, deadline=None)
@given(
    text=_ANY_TEXT,
    lang=st.sampled_from(["en", "de"]),
    expected=st.sampled_from(
        [
            None,
            "service",
            "staff",
            "date",
            "time",
            "offered_slot",
            "person_name",
            "phone",
            "email",
            "boolean",
            "choice",
            "address",
            "text",
        ]
    ),
)
def test_extract_all_never_raises(text: str, lang: str, expected: FieldType | None) -> None:
    ctx = context(expected, offered=OFFERED, choices=("A", "B"))
    for found in extract_all(text, ctx, lang):  # type: ignore[arg-type]
        assert found.value or found.problem
        assert text[found.span[0] : found.span[1]] == found.text


@settings(max_examples=60, deadline=None)
@given(text=_ANY_TEXT, lang=st.sampled_from(["en", "de"]), flag=st.booleans())
def test_every_extractor_never_raises(text: str, lang: str, flag: bool) -> None:
    check_text(text)
    detect_language(text, ("de", "en"), None)
    extract_dates(text, lang, NOW, "America/Chicago")  # type: ignore[arg-type]
    extract_times(text, lang, NOW, "America/Chicago")  # type: ignore[arg-type]
    extract_part_of_day(text, lang)  # type: ignore[arg-type]
    extract_phones(text, "US")
    extract_emails(text)
    extract_names(text, lang, flag)  # type: ignore[arg-type]
    match_catalog(text, SALON, "service", flag)
    match_catalog(text, DENTAL_STAFF, "staff", flag)
    choose_offered(text, lang, OFFERED)  # type: ignore[arg-type]
    extract_signals(text, lang, ("mold",))  # type: ignore[arg-type]
