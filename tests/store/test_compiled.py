"""The shared SQL's placeholders, compiled once per statement, as piccolo compiles them."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from piccolo.querystring import QueryString

from store.sql import compiled

_PIECES = st.lists(st.text(alphabet='abc "$?=,()\n', max_size=8), min_size=1, max_size=6)
_VALUE = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.booleans(),
    st.just(datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
)


@settings(max_examples=200, deadline=None)
@given(pieces=_PIECES, data=st.data())
def test_a_statement_compiles_as_piccolo_compiles_it_on_both_databases(
    pieces: list[str], data: st.DataObject
) -> None:
    sql = "{}".join(pieces)
    args = data.draw(st.lists(_VALUE, min_size=len(pieces) - 1, max_size=len(pieces) - 1))
    for engine in ("sqlite", "postgres"):
        expected = QueryString(sql, *args).compile_string(engine_type=engine)
        # twice: the second comes from the cache of compiled statements
        assert compiled(sql, args, engine) == expected
        assert compiled(sql, args, engine) == expected
