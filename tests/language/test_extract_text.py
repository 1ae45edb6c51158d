"""Usability checks and language detection."""

from __future__ import annotations

import pytest

from language.extract import check_text, detect_language


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("x" * 2001, "too_long"),
        ("a" * 2000, ""),
        ("\x00\x01\x02abc\x03\x04", "binary"),
        ("\ufffd\ufffd\ufffdok", "binary"),
        ("👍", "emoji_only"),
        ("😀 🎉!", "emoji_only"),
        ("👍🏽", "emoji_only"),
        ("❤️", "emoji_only"),
        ("hi 👍", ""),
        ("???", ""),
        ("3pm", ""),
        ("Grüß Gott", ""),
        ("line one\nline two\ttab", ""),
    ],
)
def test_check_text(text: str, problem: str) -> None:
    assert check_text(text) == problem


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        ("I'd like to book an appointment", "de", "en"),
        ("Ich möchte einen Termin vereinbaren", "en", "de"),
        ("Hallo, ich hätte gern einen Termin am Montag", None, "de"),
        ("Can I come in tomorrow at 3?", None, "en"),
        ("ja", "en", "de"),
        ("nein", "en", "de"),
        ("danke", "en", "de"),
        ("morgen", "en", "de"),
        ("yes", "de", "en"),
        ("Zahnreinigung für Müller", "en", "de"),
        # no evidence: keep the conversation's language, else the business default
        ("ok", "en", "en"),
        ("ok", "de", "de"),
        ("ok", None, "de"),
        ("3pm", "de", "de"),
        ("15:00", "en", "en"),
        ("Anna Schmidt", "en", "en"),
        ("Anna Schmidt", "de", "de"),
        ("👍", "en", "en"),
        ("", None, "de"),
    ],
)
def test_detect_language(text: str, previous: str | None, expected: str) -> None:
    assert detect_language(text, ("de", "en"), previous) == expected  # type: ignore[arg-type]


def test_detect_language_stays_within_the_business_languages() -> None:
    assert detect_language("Ich möchte einen Termin", ("en",), None) == "en"
    assert detect_language("Ich möchte einen Termin", ("en", "de"), "en") == "de"
    assert detect_language("hello", ("de",), None) == "de"
