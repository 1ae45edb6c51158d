"""Server-issued web-chat session ids: what is believed, and what is not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.business_files import ConfigError
from adapters.http.sessions import (
    MIN_SECRET,
    SECRET_VARIABLE,
    SessionKeys,
    new_secret,
    session_keys,
)

NOW = 1_760_000_000.0
KEYS = SessionKeys(b"k" * 32, ttl_s=3600)


def test_an_issued_id_is_believed_for_its_business_until_it_expires() -> None:
    token = KEYS.issue("bloom-salon", NOW)
    random_part, expiry, mac = token.split(".")
    assert len(random_part) == 24 and int(expiry) == int(NOW) + 3600 and len(mac) == 43
    assert KEYS.verify(token, "bloom-salon", NOW) == random_part
    assert KEYS.verify(token, "bloom-salon", NOW + 3599) == random_part
    assert KEYS.verify(token, "bloom-salon", NOW + 3600) is None  # expired
    assert KEYS.verify(token, "praxis-sommer", NOW) is None  # another business
    assert SessionKeys(b"x" * 32).verify(token, "bloom-salon", NOW) is None  # another secret
    assert KEYS.issue("bloom-salon", NOW) != token  # every id is new


def test_a_changed_expiry_or_random_part_breaks_the_mac() -> None:
    token = KEYS.issue("bloom-salon", NOW)
    random_part, expiry, mac = token.split(".")
    later = f"{random_part}.{int(expiry) + 86400}.{mac}"
    other = f"{'A' * 24}.{expiry}.{mac}"
    assert KEYS.verify(later, "bloom-salon", NOW) is None
    assert KEYS.verify(other, "bloom-salon", NOW) is None


@given(st.text(max_size=120) | st.binary(max_size=60).map(lambda b: b.hex()))
def test_no_string_but_an_issued_id_is_believed(asked: str) -> None:
    assert KEYS.verify(asked, "bloom-salon", NOW) is None


@given(st.integers(min_value=0, max_value=114), st.characters(codec="ascii"))
def test_any_one_character_changed_is_refused(position: int, char: str) -> None:
    token = KEYS.issue("bloom-salon", NOW)
    position %= len(token)
    changed = token[:position] + char + token[position + 1 :]
    if changed != token:
        assert KEYS.verify(changed, "bloom-salon", NOW) is None


@given(st.none() | st.integers() | st.lists(st.text(max_size=3), max_size=3))
def test_not_a_string_is_refused(asked: object) -> None:
    assert KEYS.verify(asked, "bloom-salon", NOW) is None


def test_the_secret_comes_from_the_named_variable_else_the_supervisor_else_is_new() -> None:
    secret = "s" * MIN_SECRET
    configured = session_keys("DESK_SECRET", 60, {"DESK_SECRET": secret})
    assert configured.secret == secret.encode() and configured.ttl_s == 60
    token = configured.issue("bloom-salon", NOW)
    # two workers handed the same secret believe each other's ids
    handed = new_secret()
    one = session_keys("", 60, {SECRET_VARIABLE: handed})
    two = session_keys("", 60, {SECRET_VARIABLE: handed})
    assert two.verify(one.issue("bloom-salon", NOW), "bloom-salon", NOW) is not None
    # none configured: a fresh secret each time
    assert session_keys("", 60, {}).verify(token, "bloom-salon", NOW) is None
    assert session_keys("", 60, {}).secret != session_keys("", 60, {}).secret
    assert len(handed) >= MIN_SECRET


@pytest.mark.parametrize("environ", [{}, {"DESK_SECRET": "short"}])
def test_a_named_secret_that_is_unset_or_short_stops_the_start(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="DESK_SECRET"):
        session_keys("DESK_SECRET", 60, environ)


def test_the_secret_is_not_in_the_keys_repr_and_a_derived_key_differs() -> None:
    assert "k" * 32 not in repr(KEYS)
    assert KEYS.derive("log") != KEYS.secret and KEYS.derive("log") != KEYS.derive("other")
