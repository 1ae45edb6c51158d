"""The audit record's hash chain (engine.audit: canonical, chain_hash, verify_chain).

Every committed turn's hash covers its record and the previous turn's hash, so any edit,
removal or reordering of a recorded turn shows as a problem at the first turn it touches.
What-if replay of recorded turns is proven in ``test_replay_whatif.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engine.audit import canonical, chain_hash, verify_chain
from engine.ports import StoredTurn

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
RECORDS = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3),
              st.dictionaries(st.text(max_size=5), _SCALARS, max_size=3)),
    min_size=1, max_size=5)


def chained(records: list[dict[str, Any]]) -> list[StoredTurn]:
    """The turns a desk would commit for these records, in order."""
    turns, prev = [], ""
    for seq, record in enumerate(records, start=1):
        digest = chain_hash(prev, record)
        turns.append(StoredTurn(conversation_id="c1", seq=seq, provider_msg_id=f"m{seq}",
                                record=record, hash=digest, prev_hash=prev, created_at=AT))
        prev = digest
    return turns


def test_canonical_json_does_not_depend_on_key_order_or_escape_letters() -> None:
    assert canonical({"b": 1, "a": "Müller"}) == canonical({"a": "Müller", "b": 1}) \
        == '{"a":"Müller","b":1}'


@given(st.lists(RECORDS, max_size=6))
def test_a_chain_as_committed_verifies_in_any_order_it_is_read(records) -> None:
    turns = chained(records)
    assert verify_chain(turns) == []
    assert verify_chain(list(reversed(turns))) == []


@given(st.lists(RECORDS, min_size=1, max_size=6), st.data())
def test_an_edited_record_is_found_at_its_own_seq(records, data) -> None:
    turns = chained(records)
    i = data.draw(st.integers(0, len(turns) - 1))
    edited = {**turns[i].record, "edited": data.draw(_SCALARS)}
    if canonical(edited) == canonical(turns[i].record):
        edited["edited"] = "again" if edited["edited"] != "again" else "once more"
    turns[i] = turns[i].model_copy(update={"record": edited})
    problems = verify_chain(turns)
    assert [(p.seq, p.message) for p in problems] == [(i + 1, "content does not match hash")]


@given(st.lists(RECORDS, min_size=2, max_size=6), st.data())
def test_a_removed_turn_breaks_the_chain_where_it_was(records, data) -> None:
    turns = chained(records)
    i = data.draw(st.integers(0, len(turns) - 1))
    del turns[i]
    problems = verify_chain(turns)
    if i == len(records) - 1:  # the last turn gone leaves a shorter chain that holds
        assert problems == []
    else:
        assert problems and problems[0].seq == i + 2
        assert {p.message for p in problems if p.seq == i + 2} >= {
            f"expected seq {i + 1}", "broken link to previous"}


def test_a_rehashed_edit_still_breaks_the_link_of_the_next_turn() -> None:
    turns = chained([{"n": 1}, {"n": 2}, {"n": 3}])
    forged = {"n": 20}
    turns[1] = turns[1].model_copy(update={
        "record": forged, "hash": chain_hash(turns[1].prev_hash, forged)})
    assert [(p.seq, p.message) for p in verify_chain(turns)] == [(3, "broken link to previous")]
