"""Phone numbers (typed and spoken, EN/DE) to E.164, and invalid attempts."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from language.extract import extract_phones


def values(text: str, region: str) -> list[tuple[str, str]]:
    return [(c.value, c.problem) for c in extract_phones(text, region)]


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("my number is 503-555-0140", "US", "+15035550140"),
        ("(312) 555-0199", "US", "+13125550199"),
        ("503.555.0140", "US", "+15035550140"),
        ("1 503 555 0140", "US", "+15035550140"),
        ("+1 503 555 0140", "DE", "+15035550140"),
        ("call me on +49 30 1234567", "US", "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("030/1234567", "DE", "+49301234567"),
        ("0151 23456789.", "DE", "+4915123456789"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("Meine Nummer: 0170-1234567, danke", "DE", "+491701234567"),
        ("five oh three, five five five, oh one four oh", "US", "+15035550140"),
        ("five zero three double five five zero one four zero", "US", "+15035550140"),
        ("3 1 2 5 5 5 0 1 9 9", "US", "+13125550199"),
        ("null eins sieben null eins zwei drei vier fünf sechs sieben", "DE", "+491701234567"),
        ("null drei null, eins zwei drei vier fünf sechs sieben", "DE", "+49301234567"),
        ("plus vier neun drei null eins zwei drei vier fünf sechs sieben", "DE", "+49301234567"),
        ("zero one five one two three four five six seven eight nine", "DE", "+4915123456789"),
    ],
)
def test_valid_numbers(text: str, region: str, expected: str) -> None:
    assert values(text, region) == [(expected, "")]


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("call 555 0140", "US"),
        ("my number is 123 456 7", "US"),
        ("0000 0000000", "DE"),
        ("999 999 9999", "US"),
        ("five five five one two three four", "US"),
    ],
)
def test_invalid_attempts(text: str, region: str) -> None:
    assert values(text, region) == [("", "invalid_phone")]


@pytest.mark.parametrize(
    "text",
    [
        "on 14.03.2027",
        "2026-12-01",
        "3/14/2027",
        "at 3pm",
        "I'd like one or two slots",
        "my email is anna123456789@x.com",
        "12345",
        "costs 1,200.00 dollars",
        "room 12 at 10:30-11:30",
        "",
    ],
)
def test_not_a_phone_attempt(text: str) -> None:
    assert extract_phones(text, "US") == []


def test_span_covers_the_number_in_the_original_text() -> None:
    text = "Sure, it's (312) 555-0199 — thanks"
    [found] = extract_phones(text, "US")
    assert text[found.span[0] : found.span[1]] == found.text == "(312) 555-0199"


def test_valid_number_ranks_before_a_failed_attempt() -> None:
    found = extract_phones("555 0140, sorry, 503 555 0140", "US")
    assert [(c.value, c.problem) for c in found] == [("+15035550140", ""), ("", "invalid_phone")]


_REGIONS = ["US", "CA", "DE", "AT", "CH", "GB", "FR", "NL", "ES", "IT", "BE", "AU", "IE", "PL"]
_TYPES = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE]


@settings(max_examples=150, deadline=None)
@given(region=st.sampled_from(_REGIONS), kind=st.sampled_from(_TYPES), tail=st.integers(0, 999))
def test_any_valid_number_in_national_format_parses_back(region: str, kind: int, tail: int) -> None:
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    national = str(example.national_number)
    mutated = national[:-3] + f"{tail:03d}"
    number = phonenumbers.parse("+" + str(example.country_code) + mutated)
    assume(
        phonenumbers.is_valid_number(number)
        and phonenumbers.region_code_for_number(number) == region
    )
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    formatted = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    assert values(formatted, region) == [(e164, "")]
    assert values(f"you can reach me at {formatted}, thanks", region) == [(e164, "")]
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    assert values(international, "US" if region != "US" else "DE") == [(e164, "")]
