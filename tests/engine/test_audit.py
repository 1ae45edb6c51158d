"""The audit record (engine.audit): its hash chain, then what-if replay.

The hash chain (canonical, chain_hash, verify_chain): every committed turn's hash covers its
record and the previous turn's hash, so any edit, removal or reordering of a recorded turn
shows as a problem at the first turn it touches. Erasure (tombstone, check_chain): a record
whose personal parts are gone still verifies, and tampering with what is left still shows.

What-if replay (replay, Change, Difference): recorded turns decided again by a changed
brain, differences worded for an owner. The conversations are recorded by a real Desk
(scripted understandings, the in-memory store); the changed brains are real compiled brains
of a changed business or card.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import machines
from engine.audit import (
    ERASED,
    KEPT,
    Change,
    canonical,
    chain_hash,
    check_chain,
    personal_digest,
    record_hash,
    replay,
    tombstone,
    verify_chain,
)
from engine.brain import Brain
from engine.desk import Desk
from engine.ports import StoredTurn
from machines.loader import bundled_cards, load_card_text
from store.memory import MemoryStore
from tests.fakes.conversation import code_sent_to, event, said, talk, typed, up_to_confirm
from tests.fakes.demo import demo_brains
from tests.fakes.scripted_language import ScriptedLanguage

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
RECORDS = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(
        _SCALARS,
        st.lists(_SCALARS, max_size=3),
        st.dictionaries(st.text(max_size=5), _SCALARS, max_size=3),
    ),
    min_size=1,
    max_size=5,
)


def chained(records: list[dict[str, Any]]) -> list[StoredTurn]:
    """The turns a desk would commit for these records, in order."""
    turns, prev = [], ""
    for seq, record in enumerate(records, start=1):
        digest = chain_hash(prev, record)
        turns.append(
            StoredTurn(
                conversation_id="c1",
                seq=seq,
                provider_msg_id=f"m{seq}",
                record=record,
                hash=digest,
                prev_hash=prev,
                created_at=AT,
            )
        )
        prev = digest
    return turns


def test_canonical_json_does_not_depend_on_key_order_or_escape_letters() -> None:
    assert (
        canonical({"b": 1, "a": "Müller"})
        == canonical({"a": "Müller", "b": 1})
        == '{"a":"Müller","b":1}'
    )


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
            f"expected seq {i + 1}",
            "broken link to previous",
        }


def test_a_rehashed_edit_still_breaks_the_link_of_the_next_turn() -> None:
    turns = chained([{"n": 1}, {"n": 2}, {"n": 3}])
    forged = {"n": 20}
    turns[1] = turns[1].model_copy(
        update={"record": forged, "hash": chain_hash(turns[1].prev_hash, forged)}
    )
    assert [(p.seq, p.message) for p in verify_chain(turns)] == [(3, "broken link to previous")]


# ---------------------------------------------------------------------- what-if replay

BRAINS = demo_brains()
BLOOM = BRAINS["bloom-salon"].business
BOOK_YAML = Path(machines.__file__).parent / "cards" / "book.yaml"


def with_late_window(hours: int) -> dict[str, Brain]:
    changed = BLOOM.model_copy(
        update={"changes": BLOOM.changes.model_copy(update={"late_window_hours": hours})}
    )
    return {"bloom-salon": Brain.build(changed, bundled_cards())}


def with_book_card(*edits: tuple[str, str]) -> dict[str, Brain]:
    text = BOOK_YAML.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    cards = bundled_cards()
    cards["book"] = load_card_text(text, "changed/book.yaml")
    return {"bloom-salon": Brain.build(BLOOM, cards)}


async def late_cancellation() -> tuple[MemoryStore, str]:
    """A booking, then its cancellation 20 hours ahead (inside bloom-salon's 24 hours)."""
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    await talk(desk, language, "+15035550009", *up_to_confirm("+15035550009"), said(affirm=True))
    [appt] = await store.list_appointments("bloom-salon")
    late = appt.start - timedelta(hours=20)
    # from a web chat: the number is proven by the code texted to it (turn 1), then the
    # read-back with the fee (turn 2) and the yes (turn 3)
    language.push(said(("phone", "+15035550009"), topic="cancel"))
    asked = await desk.handle(event("chat-10", 0, at=late, channel="webchat"))
    language.push(typed(await code_sent_to(store, "+15035550009")))
    await desk.handle(event("chat-10", 1, at=late, channel="webchat"))
    language.push(said(affirm=True, topic="cancel"))
    await desk.handle(event("chat-10", 2, at=late + timedelta(minutes=1), channel="webchat"))
    return store, asked.conversation_id


async def all_turns(store: MemoryStore) -> list:
    return [t for cid in await store.all_conversation_ids() for t in await store.turns(cid)]


async def test_the_same_brain_replays_every_turn_identically() -> None:
    store, _ = await late_cancellation()
    turns = await all_turns(store)
    assert replay(BRAINS, turns) == (len(turns), [])


async def test_a_longer_window_changes_only_what_the_fee_notice_says() -> None:
    store, cancel_id = await late_cancellation()
    count, diffs = replay(with_late_window(36), await all_turns(store))
    assert count == 9
    [d] = diffs  # the read-back of the cancellation; the rule fired before as well
    assert (d.conversation_id, d.seq, d.business) == (cancel_id, 2, "bloom-salon")
    assert d.changes == (Change("~", "reply", "late_fee: hours 24 -> 36"),)
    assert d.lines == ("~ reply late_fee: hours 24 -> 36",)


async def test_a_shorter_window_drops_the_fee_notice() -> None:
    store, cancel_id = await late_cancellation()
    _, diffs = replay(with_late_window(12), await all_turns(store))
    first = next(d for d in diffs if d.seq == 2)
    assert first.conversation_id == cancel_id
    assert "- rule changes.late_fee_notice" in first.lines
    assert "- reply late_fee (fee $25, hours 24)" in first.lines
    assert all(line.startswith("-") for line in first.lines), first.lines
    # the yes: the rule had fired there too, superseded by the confirmation
    yes = next(d for d in diffs if d.seq == 3)
    assert yes.lines == ("- rule changes.late_fee_notice (superseded: no effect)",)


async def test_an_action_the_changed_rules_plan_but_nobody_ran_is_reported_not_run() -> None:
    """A changed card escalates as soon as a date is known: in the turn that recorded a
    slot search the replay plans the escalation instead, which was never run."""
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    reply = await talk(
        desk, language, "+15035550011", said(("service", "mens_cut")), said(("date", "2025-03-05"))
    )
    changed = with_book_card(("  - when: counter.failed_attempts >= 3\n", "  - when: field.date\n"))
    count, diffs = replay(changed, await store.turns(reply.conversation_id))
    assert count == 2
    [d] = diffs
    assert d.seq == 2
    lines = "\n".join(d.lines)
    assert "+ rule book.escalate.1" in d.lines
    assert "+ transition book: date --escalate--> escalated" in d.lines
    assert "- transition book: date --advance--> find" in d.lines
    assert "- action find_slots(date=2025-03-05, lang=en, service=mens_cut)" in d.lines
    assert "+ escalation 'repeated failure'" in d.lines
    assert (
        "+ would run action escalate(lang=en, reason=repeated failure) (not recorded: "
        "the rest of the turn is unknown)"
    ) in d.lines
    # a turn cut short has no reply or state to compare
    assert "reply" not in lines and "state" not in lines


async def test_a_turn_in_a_step_the_changed_card_lacks_says_so() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    # by SMS: the caller id is the phone, so the read-back comes with the name (turn 4)
    *asked, _phone = up_to_confirm("+15035550012")
    reply = await talk(desk, language, "+15035550012", *asked, said(affirm=True))
    changed = with_book_card(
        ("  - id: confirm\n    kind: confirm\n    on_deny: date\n", ""),
        ("confirm_before: [book]\n", ""),
    )
    _, diffs = replay(changed, await store.turns(reply.conversation_id))
    by_seq = {d.seq: d.lines for d in diffs}
    assert by_seq[5] == (
        "~ decision cannot be replayed: card 'book' has no step 'confirm' any more",
    )
    # the read-back turn: the booking would now run at once, and that was never recorded
    assert any(line.startswith("+ would run action book(") for line in by_seq[4])
    assert "- rule book.confirm.read_back" in by_seq[4]


async def test_a_card_the_business_no_longer_uses_is_a_difference_not_a_crash() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    reply = await talk(
        desk, language, "+15035550013", said(("service", "mens_cut")), said(("date", "2025-03-05"))
    )
    without_book = BLOOM.model_copy(
        update={"topics": tuple(t for t in BLOOM.topics if t.card != "book")}
    )
    brains = {"bloom-salon": Brain.build(without_book, bundled_cards())}
    _, diffs = replay(brains, await store.turns(reply.conversation_id))
    assert [d.lines for d in diffs if d.seq == 2] == [
        (
            "~ decision cannot be replayed: the conversation was in card 'book', which the "
            "business no longer uses",
        )
    ]


async def test_turns_of_other_businesses_are_not_counted() -> None:
    store, _ = await late_cancellation()
    assert replay({}, await all_turns(store)) == (0, [])


# ------------------------------------------------------------------ erasure (tombstones)

_PERSONAL = st.dictionaries(
    st.sampled_from(["event", "snapshot", "understanding", "results", "reply", "error"]),
    st.one_of(_SCALARS, st.dictionaries(st.text(max_size=5), _SCALARS, max_size=3)),
    max_size=6,
)


def chained_v2(parts: list[dict[str, Any]], salts: list[str]) -> list[StoredTurn]:
    """Version-2 records (kept parts, a salt, personal parts) chained as a desk commits them."""
    turns, prev = [], ""
    for seq, (personal, salt) in enumerate(zip(parts, salts, strict=True), start=1):
        record = {
            "version": 2,
            "salt": salt,
            "seq": seq,
            "business": "bloom-salon",
            "conversation_id": "c1",
            "now": f"2026-12-07T10:{seq:02d}:00+00:00",
            **personal,
        }
        digest = record_hash(prev, record)
        turns.append(
            StoredTurn(
                conversation_id="c1",
                seq=seq,
                provider_msg_id=f"m{seq}",
                record=record,
                hash=digest,
                prev_hash=prev,
                created_at=AT,
            )
        )
        prev = digest
    return turns


def _changed(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return "x" if value is None else not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, 0]
    return {**value, "tampered": 1}


@given(
    st.lists(_PERSONAL, min_size=1, max_size=6).flatmap(
        lambda parts: st.tuples(
            st.just(parts),
            st.lists(st.text("0123456789abcdef", min_size=32, max_size=32), min_size=len(parts),
                     max_size=len(parts)),
            st.sets(st.integers(0, len(parts) - 1)),
            st.integers(0, len(parts) - 1),
            st.integers(0, 20),
        )
    )
)  # fmt: skip
def test_erasing_any_records_keeps_the_chain_verified_and_tampering_still_shows(case) -> None:
    parts, salts, erase, victim, pick = case
    turns = chained_v2(parts, salts)
    turns = [
        t.model_copy(update={"record": tombstone(t.record)}) if i in erase else t
        for i, t in enumerate(turns)
    ]
    report = check_chain(turns)
    assert report.problems == () and report.erased == len(erase) and report.links_only == 0
    for i in erase:  # nothing personal is left, the salt included
        assert set(turns[i].record) == {*KEPT, ERASED}
    target = turns[victim]
    key = sorted(target.record)[pick % len(target.record)]
    forged = dict(target.record, **{key: _changed(target.record[key])})
    turns[victim] = target.model_copy(update={"record": forged})
    assert verify_chain(turns) != [], f"changing {key} of record {victim + 1} went unseen"


def test_an_erased_record_keeps_no_digest_that_confirms_a_guess() -> None:
    """Without the salt, the kept digest is not the digest of what was erased."""
    [turn] = chained_v2([{"event": {"sender": "+15035550171"}}], ["ab" * 16])
    gone = tombstone(turn.record)
    unsalted = {**turn.record, "salt": ""}
    assert gone[ERASED] != personal_digest(unsalted)
    assert tombstone(gone) == gone  # erasing twice changes nothing


def test_an_older_record_erased_is_link_checked_only() -> None:
    turns = chained([{"seq": 1, "text": "hi"}, {"seq": 2, "text": "my number is 555"}])
    erased = [turns[0], turns[1].model_copy(update={"record": tombstone(turns[1].record)})]
    report = check_chain(erased)
    assert report.problems == () and (report.erased, report.links_only) == (1, 1)
    assert erased[1].record == {"seq": 2, ERASED: ""}
    relinked = erased[1].model_copy(update={"prev_hash": "0" * 64})
    assert [p.message for p in verify_chain([turns[0], relinked])] == ["broken link to previous"]
    # after a newer record, a record cannot be passed off as an older one
    newer = chained_v2([{"reply": "ok"}, {"reply": "bye"}], ["cd" * 16, "ef" * 16])
    downgraded = {**tombstone(newer[1].record), "version": 1, ERASED: ""}
    problems = verify_chain([newer[0], newer[1].model_copy(update={"record": downgraded})])
    assert [p.message for p in problems] == ["bad version 1"]


async def test_a_desk_records_salted_version_2_turns_that_verify_after_erasure() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    reply = await talk(
        desk, language, "+15035550013", *up_to_confirm("+15035550013"), said(affirm=True)
    )
    turns = await store.turns(reply.conversation_id)
    assert {t.record["version"] for t in turns} == {2}
    assert len({t.record["salt"] for t in turns}) == len(turns)  # fresh per record
    assert verify_chain(turns) == []
    half = [t.model_copy(update={"record": tombstone(t.record)}) if t.seq % 2 else t for t in turns]
    assert check_chain(half).problems == ()
    assert "+15035550013" not in canonical([t.record for t in half if t.seq % 2])
    count, diffs = replay(BRAINS, half)  # erased turns have nothing left to decide again
    assert (count, diffs) == (len(turns) // 2, [])
