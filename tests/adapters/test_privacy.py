"""Retention and erasure (adapters.privacy) on the in-memory store with a real desk:
what a sweep and an erasure take, what they leave, and that the audit still verifies.
The same flow runs through the command line on SQLite and PostgreSQL in
tests/adapters/cli/test_privacy.py; the business file's ``retention:`` section is read here."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.business_files import ConfigError, load_business_text
from adapters.privacy import (
    CODES_KEPT,
    erase_customer,
    export_customer,
    retention_forever,
    sweep,
)
from engine.actions import CODE_DAY, CODE_TTL, CODE_WINDOW
from engine.audit import canonical, check_chain
from engine.desk import Desk
from engine.ports import CodeRow, DroppedBurst, InboundEvent
from store.memory import MemoryStore
from tests.fakes.business_files import TINY
from tests.fakes.conversation import NOW, code_sent_to, event, said, talk, typed, up_to_confirm
from tests.fakes.demo import demo_brains
from tests.fakes.scripted_language import ScriptedLanguage

BRAINS = demo_brains()
SALON = BRAINS["bloom-salon"].business
ANN, BEN = "+15035550101", "+15035550102"


async def booked() -> MemoryStore:
    """Two customers of the salon, each with a booking made by SMS on NOW."""
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    for phone in (ANN, BEN):
        await talk(desk, language, phone, *up_to_confirm(phone), said(affirm=True))
    return store


async def chains_verify(store: MemoryStore) -> tuple[int, int]:
    records = erased = 0
    for cid in await store.all_conversation_ids():
        report = check_chain(await store.turns(cid))
        assert report.problems == ()
        records, erased = records + report.records, erased + report.erased
    return records, erased


def test_the_retention_periods_default_and_are_read_from_the_business_file() -> None:
    assert SALON.retention.conversations_days == 365  # the demo files set none
    text = TINY + "retention:\n  conversations_days: 30\n  customers_days: 90\n"
    b = load_business_text(text, "shop.yaml", {})
    assert (b.retention.conversations_days, b.retention.messages_days) == (30, 180)
    assert (b.retention.recordings_days, b.retention.customers_days) == (30, 90)


@pytest.mark.parametrize("bad", ["0", "-3", "99999", "soon", "{days: 3}"])
def test_a_retention_period_that_is_not_a_positive_number_of_days_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_business_text(TINY + f"retention:\n  messages_days: {bad}\n", "shop.yaml", {})
    assert "retention" in str(caught.value) and "messages_days" in str(caught.value)
    with pytest.raises(ConfigError) as unknown:
        load_business_text(TINY + "retention:\n  forever: 3\n", "shop.yaml", {})
    assert "forever" in str(unknown.value)


async def test_export_holds_what_is_known_about_one_number_and_nothing_of_another() -> None:
    store = await booked()
    data = await export_customer(store, "bloom-salon", ANN)
    assert data is not None
    assert [c["phone"] for c in data["customers"]] == [ANN]
    assert [a["customer_name"] for a in data["appointments"]] == ["Dana Whitfield"]
    [conv] = data["conversations"]
    assert conv["sender"] == ANN and len(conv["turns"]) == 6
    assert all(t["desk"] for t in conv["turns"])
    assert BEN not in canonical(data)
    assert await export_customer(store, "bloom-salon", "+15035550199") is None
    assert await export_customer(store, "praxis-sommer", ANN) is None  # another business


async def test_erasure_leaves_nothing_personal_and_the_audit_verifying() -> None:
    store = await booked()
    before = await chains_verify(store)
    after_booking = NOW.astimezone(UTC) + timedelta(days=10)  # the appointment is past
    done = await erase_customer(store, "bloom-salon", ANN, after_booking)
    assert done is not None
    assert (done.turns, done.customers, done.conversations, done.cancelled) == (6, 1, 1, 0)
    assert await chains_verify(store) == (before[0], 6)
    records = []
    for cid in await store.all_conversation_ids():
        records += [t.record for t in await store.turns(cid)]
    held = canonical(
        [
            *records,
            *(c.model_dump(mode="json") for c in await store.list_conversations()),
            *(a.model_dump(mode="json") for a in await store.list_appointments("bloom-salon")),
            *(e.model_dump(mode="json") for e in await store.inbound_events()),
            *(r.model_dump(mode="json") for r in await store.outbox()),
        ]
    )
    assert ANN not in held and BEN in held
    appointments = {a.customer_phone: a for a in await store.list_appointments("bloom-salon")}
    assert set(appointments) == {"", BEN}
    assert appointments[""].status == "booked"  # a past booking stays, without the person
    assert await erase_customer(store, "bloom-salon", ANN, after_booking) is None  # idempotent
    assert await store.unanswered_inbound(after_booking, 100) == []  # nothing to answer again


async def test_erasure_cancels_a_future_booking_first() -> None:
    store = await booked()
    done = await erase_customer(store, "bloom-salon", BEN, NOW.astimezone(UTC))
    assert done is not None and done.cancelled == 1
    [gone] = [a for a in await store.list_appointments("bloom-salon") if a.status == "cancelled"]
    assert (gone.customer_name, gone.customer_phone) == ("", "")


async def test_a_sweep_erases_only_what_is_past_its_period() -> None:
    store = await booked()
    soon = NOW.astimezone(UTC) + timedelta(days=364)
    assert (await sweep(store, SALON, soon)).turns == 0
    later = NOW.astimezone(UTC) + timedelta(days=366)
    dry = await sweep(store, SALON, later, dry_run=True)
    assert (dry.turns, dry.conversations, dry.dry_run) == (12, 2, True)
    assert (await chains_verify(store))[1] == 0  # a dry run changes nothing
    done = await sweep(store, SALON, later)
    assert (done.turns, done.conversations, done.inbound, done.customers) == (12, 2, 12, 0)
    assert await chains_verify(store) == (12, 12)
    assert [c.sender.startswith("erased:") for c in await store.list_conversations()] == [
        True,
        True,
    ]
    # customers go after their own period: no booking and no conversation in 730 days
    assert len(await store.list_customers("bloom-salon")) == 2
    last = await sweep(store, SALON, NOW.astimezone(UTC) + timedelta(days=800))
    assert (last.turns, last.customers) == (0, 2)
    assert {a.customer_phone for a in await store.list_appointments("bloom-salon")} == {""}


async def test_serve_sweeps_at_start_and_then_once_per_period_until_stopped() -> None:
    store = await booked()
    stop = asyncio.Event()
    rounds: list[datetime] = []

    def clock() -> datetime:
        rounds.append(NOW.astimezone(UTC) + timedelta(days=400 + len(rounds)))
        return rounds[-1]

    every = timedelta(seconds=0.01)
    task = asyncio.create_task(retention_forever(store, {"bloom-salon": SALON}, stop, clock, every))
    while len(rounds) < 3:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 1)
    assert await chains_verify(store) == (12, 12)


# the bursts of messages a rate limit dropped (``dropped_burst``): sender and text are personal


def burst(
    id: str, channel: str, sender: str, last: datetime, business: str = "bloom-salon"
) -> DroppedBurst:
    return DroppedBurst.model_validate(
        {
            "id": id,
            "business": business,
            "channel": channel,
            "budget": "sender",
            "sender": sender,
            "provider_msg_id": f"m-{id}",
            "text": "are you there?",
            "count": 12,
            "first_at": last - timedelta(minutes=5),
            "last_at": last,
        }
    )


async def chat_on_the_web(store: MemoryStore, session: str, phone: str) -> None:
    """A web chat (sender: the session) in which the customer booked, giving ``phone``."""
    language = ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    for i, understanding in enumerate((*up_to_confirm(phone), said(affirm=True))):
        language.push(understanding)
        event = InboundEvent(
            business="bloom-salon",
            channel="webchat",
            sender=session,
            text="…",
            provider_msg_id=f"{session}-{i}",
            received_at=NOW,
        )
        assert await desk.handle(event) is not None


async def test_the_dropped_bursts_of_a_customers_senders_are_exported_and_erased() -> None:
    store = await booked()
    await chat_on_the_web(store, "session-ann", ANN)
    at = NOW.astimezone(UTC)
    for b in (
        burst("sms", "sms", ANN, at),  # the number as an SMS sender
        burst("wa", "whatsapp", ANN.removeprefix("+"), at),  # a WhatsApp id: no '+'
        burst("web", "webchat", "session-ann", at),  # a conversation that holds the number
        burst("ben", "sms", BEN, at),
        burst("stranger", "webchat", "session-x", at),
        burst("digits", "webchat", ANN, at),  # a web session is never a phone number
        burst("praxis", "sms", ANN, at, business="praxis-sommer"),
    ):
        await store.save_dropped(b)
    data = await export_customer(store, "bloom-salon", ANN)
    assert data is not None
    assert sorted(d["id"] for d in data["dropped_bursts"]) == ["sms", "wa", "web"]
    assert {d["text"] for d in data["dropped_bursts"]} == {"are you there?"}
    done = await erase_customer(store, "bloom-salon", ANN, at + timedelta(days=10))
    assert done is not None and done.dropped == 3
    assert "dropped 3" in done.line() and done.to_dict()["dropped"] == 3
    left = [d.id for d in await store.list_dropped("bloom-salon")]
    assert sorted(left) == ["ben", "digits", "stranger"]
    assert [d.id for d in await store.list_dropped("praxis-sommer")] == ["praxis"]


async def test_a_number_known_only_from_a_dropped_burst_is_exported_and_erased() -> None:
    store = MemoryStore()
    await store.save_dropped(burst("wa", "whatsapp", "15035550199", NOW.astimezone(UTC)))
    data = await export_customer(store, "bloom-salon", "+15035550199")
    assert data is not None and [d["sender"] for d in data["dropped_bursts"]] == ["15035550199"]
    done = await erase_customer(store, "bloom-salon", "+15035550199", NOW.astimezone(UTC))
    assert done is not None and (done.dropped, done.turns, done.customers) == (1, 0, 0)
    assert await store.list_dropped("bloom-salon") == []
    assert await erase_customer(store, "bloom-salon", "+15035550199", NOW) is None


async def test_what_export_lists_erase_deletes_an_unanswered_message_too() -> None:
    """An inbound event with no conversation (its worker died before the turn) from the
    number, by SMS and by WhatsApp (which names people without the +): exported, then
    erased, so a second export finds nothing."""
    store = MemoryStore()
    for channel, sender, mid in (("sms", ANN, "SM1"), ("whatsapp", ANN[1:], "wamid.1")):
        await store.record_inbound(
            InboundEvent(
                business="bloom-salon",
                channel=channel,
                sender=sender,
                text="cancel my appointment",
                provider_msg_id=mid,
                received_at=NOW.astimezone(UTC),
            )
        )
    data = await export_customer(store, "bloom-salon", ANN)
    assert data is not None
    assert sorted(e["provider_msg_id"] for e in data["inbound_events"]) == ["SM1", "wamid.1"]
    done = await erase_customer(store, "bloom-salon", ANN, NOW.astimezone(UTC))
    assert done is not None and done.inbound == 2
    assert await store.inbound_events("bloom-salon") == []
    assert await export_customer(store, "bloom-salon", ANN) is None


@settings(max_examples=60, deadline=None)
@given(
    ages=st.lists(  # how long before the sweep each burst's last message came, in seconds
        st.integers(0, 2 * 365 * 86400) | st.sampled_from([365 * 86400 - 1, 365 * 86400]),
        max_size=8,
    ),
    lasted=st.integers(0, 30 * 86400),  # how long before that each burst began
)
def test_a_sweep_takes_exactly_the_bursts_whose_last_message_is_past_the_period(
    ages: list[int], lasted: int
) -> None:
    later = NOW.astimezone(UTC) + timedelta(days=800)
    period = timedelta(days=SALON.retention.conversations_days)

    async def run() -> tuple[int, int, list[str], list[str]]:
        store = MemoryStore()
        for i, age in enumerate(ages):
            b = burst(f"b{i}", "sms", f"+1503555{i:04d}", later - timedelta(seconds=age))
            await store.save_dropped(
                b.model_copy(update={"first_at": b.last_at - timedelta(seconds=lasted)})
            )
        await store.save_dropped(burst("praxis", "sms", ANN, later - 2 * period, "praxis-sommer"))
        dry = await sweep(store, SALON, later, dry_run=True)
        done = await sweep(store, SALON, later)
        kept = [d.id for d in await store.list_dropped("bloom-salon")]
        return (
            dry.dropped,
            done.dropped,
            kept,
            [d.id for d in await store.list_dropped("praxis-sommer")],
        )

    would, did, kept, other = asyncio.run(run())
    expired = {f"b{i}" for i, age in enumerate(ages) if timedelta(seconds=age) > period}
    assert would == did == len(expired)
    assert set(kept) == {f"b{i}" for i in range(len(ages))} - expired
    assert other == ["praxis"]  # another business's sweep


# the one-time codes that prove a typed number (``verification_code``): each holds the number


async def test_a_numbers_codes_are_exported_without_salt_or_digest_and_erased() -> None:
    store = await booked()
    language = ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    for chat, phone in (("chat-ann", ANN), ("chat-ben", BEN)):  # each asks to cancel
        language.push(said(("phone", phone), topic="cancel"))
        await desk.handle(event(chat, 0, channel="webchat"))
    language.push(typed(await code_sent_to(store, ANN)))  # typed back right: used
    await desk.handle(event("chat-ann", 1, channel="webchat"))
    [row] = [c for c in await store.list_codes("bloom-salon") if c.phone == ANN]
    data = await export_customer(store, "bloom-salon", ANN)
    assert data is not None
    [shown] = data["verification_codes"]
    assert set(shown) == {
        "id",
        "business",
        "conversation_id",
        "phone",
        "sent",
        "attempts",
        "used",
        "created_at",
        "expires_at",
    }
    assert (shown["id"], shown["phone"], shown["sent"]) == (row.id, ANN, True)
    assert (shown["attempts"], shown["used"]) == (1, True)
    assert row.salt not in canonical(data) and row.digest not in canonical(data)
    done = await erase_customer(store, "bloom-salon", ANN, NOW.astimezone(UTC))
    assert done is not None and done.codes == 1
    assert "codes 1," in done.line() and done.to_dict()["codes"] == 1
    assert [c.phone for c in await store.list_codes("bloom-salon")] == [BEN]


def code_row(id: str, phone: str, created: datetime, business: str = "bloom-salon") -> CodeRow:
    """A code as ``send_code`` stores it: it lives CODE_TTL."""
    return CodeRow(
        id=id,
        business=business,
        conversation_id=f"conv-{id}",
        phone=phone,
        salt=f"salt-{id}",
        digest=f"digest-{id}",
        sent=False,
        created_at=created,
        expires_at=created + CODE_TTL,
    )


async def test_a_number_known_only_from_a_code_is_exported_and_erased() -> None:
    store, nobody = MemoryStore(), "+15035550199"  # typed by someone; nobody has it
    async with store.transaction("bloom-salon", "conv-c1") as tx:
        await tx.insert_code(code_row("c1", nobody, NOW.astimezone(UTC)))
        await tx.insert_code(code_row("c2", nobody, NOW.astimezone(UTC), "praxis-sommer"))
    data = await export_customer(store, "bloom-salon", nobody)
    assert data is not None and [c["sent"] for c in data["verification_codes"]] == [False]
    assert "salt-c1" not in canonical(data) and "digest-c1" not in canonical(data)
    done = await erase_customer(store, "bloom-salon", nobody, NOW.astimezone(UTC))
    assert done is not None and (done.codes, done.turns, done.customers) == (1, 0, 0)
    assert await store.list_codes("bloom-salon") == []
    assert [c.id for c in await store.list_codes("praxis-sommer")] == ["c2"]
    assert await erase_customer(store, "bloom-salon", nobody, NOW) is None


@settings(max_examples=60, deadline=None)
@given(
    ages=st.lists(  # how long before the sweep each code was made, in seconds
        st.integers(0, 3 * 86400)
        | st.sampled_from(
            [
                int((CODES_KEPT + CODE_TTL).total_seconds()) + d  # expired a day ago, give or take
                for d in (-1, 0, 1)
            ]
            + [int(CODE_WINDOW.total_seconds()), int(CODE_DAY.total_seconds())]
        ),
        max_size=8,
    ),
)
def test_a_sweep_takes_exactly_the_codes_expired_more_than_a_day_ago(ages: list[int]) -> None:
    later = NOW.astimezone(UTC) + timedelta(days=3)

    async def run() -> tuple[int, int, list[str], tuple[int, int], tuple[int, int], list[str]]:
        store = MemoryStore()
        async with store.transaction("bloom-salon", "codes") as tx:
            for i, age in enumerate(ages):
                await tx.insert_code(code_row(f"c{i}", ANN, later - timedelta(seconds=age)))
            await tx.insert_code(
                code_row("praxis", ANN, later - timedelta(days=3), "praxis-sommer")
            )
        async with store.transaction("bloom-salon", "codes") as tx:
            limited = await tx.codes_sent("bloom-salon", later - CODE_WINDOW, phone=ANN)
            daily = await tx.codes_sent("bloom-salon", later - CODE_DAY, phone=ANN)
        dry = await sweep(store, SALON, later, dry_run=True)
        done = await sweep(store, SALON, later)
        async with store.transaction("bloom-salon", "codes") as tx:
            still = await tx.codes_sent("bloom-salon", later - CODE_WINDOW, phone=ANN)
            daily_still = await tx.codes_sent("bloom-salon", later - CODE_DAY, phone=ANN)
        return (
            dry.codes,
            done.codes,
            [c.id for c in await store.list_codes("bloom-salon")],
            (limited, daily),
            (still, daily_still),
            [c.id for c in await store.list_codes("praxis-sommer")],
        )

    would, did, kept, limited, still, other = asyncio.run(run())
    gone = {f"c{i}" for i, age in enumerate(ages) if timedelta(seconds=age) > CODES_KEPT + CODE_TTL}
    assert would == did == len(gone)
    assert set(kept) == {f"c{i}" for i in range(len(ages))} - gone
    assert still == limited  # the hourly and daily limits count the same codes after the sweep
    assert other == ["praxis"]  # another business's sweep
