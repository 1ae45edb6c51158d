"""E-mail addresses, typed or spoken (EN/DE), and broken attempts."""

from __future__ import annotations

import pytest

from language.extract import extract_emails


def values(text: str) -> list[tuple[str, str]]:
    return [(c.value, c.problem) for c in extract_emails(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anna@example.com", "anna@example.com"),
        ("Mail: Anna.Schmidt@GMX.de.", "anna.schmidt@gmx.de"),
        ("it's j.doe+salon@mail.example.co.uk!", "j.doe+salon@mail.example.co.uk"),
        ("anna at example dot com", "anna@example.com"),
        ("my email is anna dot schmidt at gmail dot com thanks", "anna.schmidt@gmail.com"),
        ("anna at example.com", "anna@example.com"),
        ("anna underscore b at web dot de", "anna_b@web.de"),
        ("anna dash lena at web dot de", "anna-lena@web.de"),
        ("anna punkt schmidt ät gmx punkt de", "anna.schmidt@gmx.de"),
        ("meine Mail ist anna at web punkt de", "anna@web.de"),
        ("max bindestrich muster klammeraffe t-online punkt de", "max-muster@t-online.de"),
    ],
)
def test_addresses(text: str, expected: str) -> None:
    assert values(text) == [(expected, "")]


@pytest.mark.parametrize(
    "text", ["anna@", "anna@gmail", "anna@@gmail.com", "@gmail.com", "a@b.c", "anna..b@x.de"]
)
def test_broken_attempts(text: str) -> None:
    assert values(text) == [("", "invalid_email")]


@pytest.mark.parametrize(
    "text",
    ["I am at work", "meet me at the office", "I'm at home dot", "see you at 3", "", "no email"],
)
def test_no_address(text: str) -> None:
    assert extract_emails(text) == []


def test_span_points_into_the_original() -> None:
    text = "Write to ANNA@Example.com please"
    [found] = extract_emails(text)
    assert found.value == "anna@example.com"
    assert text[found.span[0] : found.span[1]] == found.text == "ANNA@Example.com"
