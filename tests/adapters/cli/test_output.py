"""Ids by prefix: a whole id, or a unique prefix of at least 4 characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.cli.output import MIN_PREFIX, AmbiguousId, UnknownId, resolve_id

IDS = st.lists(
    st.text(alphabet="0123456789abcdef", min_size=1, max_size=10), max_size=12, unique=True
)


@given(IDS, st.text(alphabet="0123456789abcdef", max_size=10))
def test_a_prefix_names_the_one_id_it_starts_or_fails_saying_why(
    ids: list[str], given_: str
) -> None:
    matches = sorted(i for i in ids if i.startswith(given_))
    try:
        found = resolve_id(given_, ids, "row")
    except AmbiguousId as e:
        assert given_ not in ids and len(given_) >= MIN_PREFIX and len(matches) > 1
        assert all(m in str(e) for m in matches[:10])
    except UnknownId as e:
        assert given_ not in ids
        assert len(given_) < MIN_PREFIX or not matches
        assert repr(given_) in str(e)
    else:
        assert (
            found == given_ if given_ in ids else (len(given_) >= MIN_PREFIX and matches == [found])
        )


def test_a_whole_id_wins_over_longer_ids_it_starts() -> None:
    assert resolve_id("abcd", ["abcd", "abcdef"], "row") == "abcd"
    assert resolve_id("ab", ["ab", "abc"], "row") == "ab"  # whole ids may be short
    with pytest.raises(AmbiguousId, match="'abcd' is the start of 2 row ids: abcd1, abcd2"):
        resolve_id("abcd", ["abcd1", "abcd2"], "row")
