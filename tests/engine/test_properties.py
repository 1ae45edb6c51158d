"""Property tests of the decision engine: random conversations through a real Desk.

For each demo business (between them they use every bundled card), Hypothesis drives
conversations of 1–12 turns through a real :class:`~engine.desk.Desk` with the in-memory
store and a :class:`ScriptedLanguage` that returns random but well-typed understandings —
mostly cooperative, sometimes evasive or chaotic. The clock (across both DST changes),
the channel, the caller id, the customer's existing appointments, pauses and redelivered
webhooks are drawn too. Afterwards the audit alone must show:

a. no internal error reached the customer and every turn answered;
b. every side-effecting call (book, reschedule, cancel, take_message) came — where the
   card says ``confirm_before`` — after a yes that no "no" or correction undid, and every
   one that succeeded had the fields its action needs;
c. no reply claims a booking, move, cancellation or message that no action committed, and
   every appointment row traces back to the action that wrote it;
d. every recorded move is a transition of the card's compiled machine, refusals move
   nothing;
e. replay reproduces every decision; f. the hash chain verifies.

A last test tampers with a recorded conversation to show each check can fail.
(Reachability of ``escalated`` from every state of every compiled card is a property of
the machines alone: ``tests/machines/test_properties.py`` checks it.)
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.brain import Brain
from engine.desk import Desk
from engine.ports import Appointment, AppointmentId, InboundEvent, StoredTurn
from engine.state import ConversationState
from language.types import (
    FieldCandidate,
    Signals,
    TopicScore,
    UnderstandContext,
    Understanding,
)
from machines.loader import bundled_cards
from store.memory import MemoryStore
from tests.fakes.demo import demo_brains
from tests.fakes.scripted_language import ScriptedLanguage, phones_of, understandings

from .invariants import check_all

BRAINS = demo_brains()
SLUGS = sorted(BRAINS)
CHANNELS = ("webchat", "sms", "voice", "cli")
# March 2025: both DST changes (US on the 9th, EU on the 30th) fall inside the drawn days
BASE_DAY = datetime(2025, 3, 3)


def test_the_demo_businesses_use_every_bundled_card() -> None:
    used = {card for brain in BRAINS.values() for card in brain.topics}
    assert used == set(bundled_cards())


async def _seed(store: MemoryStore, brain: Brain, now: datetime, count: int) -> list[str]:
    """Upcoming appointments of the business's first test customer (tomorrow-ish and later)."""
    b = brain.business
    member = b.staff[0]
    service = b.service(member.services[0])
    ids: list[str] = []
    async with store.transaction(b.slug, "seed") as tx:
        customer = await tx.upsert_customer(b.slug, "Dana Whitfield", phones_of(brain)[0], "")
        for n, offset in enumerate((timedelta(hours=10), timedelta(days=3), timedelta(days=5))):
            if n >= count:
                break
            start = (now.astimezone(UTC) + offset).replace(minute=0, second=0, microsecond=0)
            appt = Appointment(
                id=AppointmentId(f"seed{n}"),
                business=b.slug,
                service=service.id,
                staff=member.id,
                start=start,
                end=start + timedelta(minutes=service.duration_min),
                customer_id=customer.id,
                customer_name=customer.name,
                customer_phone=customer.phone,
            )
            await tx.insert_appointment(appt)
            ids.append(appt.id)
    return ids


async def _state(store: MemoryStore, slug: str, sender: str) -> ConversationState:
    for row in await store.list_conversations(slug):
        if row.sender == sender:
            return ConversationState.model_validate(row.state)
    return ConversationState()


async def _conversation(brain: Brain, data: st.DataObject) -> None:
    b = brain.business
    tz = ZoneInfo(b.timezone)
    now = (
        BASE_DAY
        + timedelta(
            days=data.draw(st.integers(0, 27), label="day"),
            hours=data.draw(st.integers(6, 21), label="hour"),
            minutes=data.draw(st.sampled_from((0, 15, 40)), label="minute"),
        )
    ).replace(tzinfo=tz)
    store = MemoryStore()
    language = ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    seeded = await _seed(store, brain, now, data.draw(st.integers(0, 2), label="seeded"))
    channel = data.draw(st.sampled_from(CHANNELS), label="channel")
    caller = data.draw(st.sampled_from((None, *phones_of(brain)[:2])), label="caller id")
    sender = "sender-1"
    conversation_id = ""
    for i in range(data.draw(st.integers(1, 12), label="turns")):
        state = await _state(store, b.slug, sender)
        und = data.draw(understandings(brain, state, now), label=f"turn {i}")
        language.push(und)
        event = InboundEvent(
            business=b.slug,
            channel=channel,  # type: ignore[arg-type]
            sender=sender,
            text=und.text,
            provider_msg_id=f"msg-{i}",
            received_at=now,
            customer_phone=caller,
        )
        reply = await desk.handle(event)
        conversation_id = reply.conversation_id
        assert reply.text.strip()
        if data.draw(st.sampled_from((False,) * 9 + (True,)), label="redelivered"):
            again = await desk.handle(event)  # a retried webhook is the same turn
            assert again.duplicate and again.text == reply.text
        assert language.pending == 0
        now += data.draw(
            st.sampled_from(
                (timedelta(0), timedelta(seconds=20), timedelta(minutes=3), timedelta(minutes=40))
            ),
            label="pause",
        )
    turns = await store.turns(conversation_id)
    problems = check_all(BRAINS, turns, await store.list_appointments(b.slug), seeded)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("slug", SLUGS)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_conversations_keep_the_engine_invariants(slug: str, data: st.DataObject) -> None:
    asyncio.run(_conversation(BRAINS[slug], data))


# ---------------------------------------------------------------------- the checks can fail


def _said(*fields: tuple[str, str], affirm: bool = False) -> Understanding:
    return Understanding(
        text="…",
        lang="en",
        topics=(TopicScore(topic="book", score=0.9),),
        signals=Signals(affirm=affirm),
        backend="scripted",
        fields=tuple(
            FieldCandidate(type=t, value=v, text=v)  # type: ignore[arg-type]
            for t, v in fields
        ),
    )


def _first_offered(text: str, context: UnderstandContext) -> Understanding:
    return _said(("offered_slot", context.offered[0].start.isoformat()))


def _tampered(
    turns: list[StoredTurn], seq: int, change: Callable[[dict[str, Any]], None]
) -> list[StoredTurn]:
    out = []
    for t in turns:
        record = copy.deepcopy(t.record)
        if t.seq == seq:
            change(record)
        out.append(t.model_copy(update={"record": record}))
    return out


async def _booking() -> tuple[list[StoredTurn], list[Appointment]]:
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    language.push(
        _said(("service", "womens_cut")),
        _said(("date", "2025-03-05")),
        _first_offered,
        _said(("person_name", "Dana Whitfield")),
        _said(("phone", "+15035550123")),
        _said(affirm=True),
    )
    now = datetime(2025, 3, 4, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    for i in range(6):
        reply = await desk.handle(
            InboundEvent(
                business="bloom-salon",
                channel="sms",
                sender="s",
                text="…",
                provider_msg_id=f"m{i}",
                received_at=now,
            )
        )
    return await store.turns(reply.conversation_id), await store.list_appointments("bloom-salon")


def test_the_invariant_checks_notice_a_tampered_audit() -> None:
    """The properties above are only as good as their checks: each one must be able to fail."""
    turns, appointments = asyncio.run(_booking())
    assert [a.status for a in appointments] == ["booked"]
    assert check_all(BRAINS, turns, appointments) == []
    last = len(turns)

    def no_yes(r: dict[str, Any]) -> None:  # the customer never said yes
        r["understanding"]["signals"]["affirm"] = False

    def claims(r: dict[str, Any]) -> None:  # the reply claims a cancellation
        r["decision"]["plan"]["items"].append({"kind": "cancelled", "data": {}, "slots": []})

    def teleports(r: dict[str, Any]) -> None:  # the machine jumps to a state it does not have
        r["decision"]["transitions"][0]["target"] = "paid"

    def crashed(r: dict[str, Any]) -> None:
        r["error"] = "RuntimeError: boom"

    for seq, change, expected in (
        (last, no_yes, "not re-planned"),
        (last, claims, "says 'cancelled' but no cancel"),
        (last, teleports, "leaves the machine"),
        (2, crashed, "boom"),
    ):
        problems = check_all(BRAINS, _tampered(turns, seq, change), appointments)
        assert any(expected in p for p in problems), (change.__name__, problems)
    forged = [t.model_copy(update={"hash": "0" * 64}) if t.seq == 2 else t for t in turns]
    assert any("chain" in p for p in check_all(BRAINS, forged, appointments))
    assert any("no successful book" in p for p in check_all(BRAINS, turns[:-1], appointments))
