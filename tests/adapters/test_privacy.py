"""Retention and erasure (adapters.privacy) on the in-memory store with a real desk:
what a sweep and an erasure take, what they leave, and that the audit still verifies.
The same flow runs through the command line on SQLite and PostgreSQL in
tests/adapters/cli/test_privacy.py; the business file's ``retention:`` section is read here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.business_files import ConfigError, load_business_text
from adapters.privacy import (
    CODES_KEPT,
    erase_customer,
    export_customer,
    mentioned_in,
    mentions,
    retention_forever,
    sweep,
)
from engine.actions import CODE_DAY, CODE_TTL, CODE_WINDOW
from engine.audit import canonical, check_chain
from engine.desk import Desk
from engine.ports import CodeRow, DroppedBurst, InboundEvent, OutboxRow
from store import SqlStore
from store.memory import MemoryStore
from store.ports import Storage
from tests.fakes.business_files import TINY
from tests.fakes.conversation import NOW, code_sent_to, event, said, talk, typed, up_to_confirm
from tests.fakes.demo import demo_brains
from tests.fakes.scripted_language import ScriptedLanguage

BRAINS = demo_brains()
SALON = BRAINS["bloom-salon"].business
ANN, BEN = "+15035550101", "+15035550102"


async def booked() -> MemoryStore:
    """Two customers of the salon, each with a booking made by SMS on NOW."""
    store = MemoryStore()
    await book_both(store)
    return store


async def book_both(store: Storage) -> None:
    language = ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    for phone in (ANN, BEN):
        await talk(desk, language, phone, *up_to_confirm(phone), said(affirm=True))


@pytest.fixture(params=["memory", "sqlite"])
async def salon(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """``booked()`` on the in-memory store and on SQLite (the stores keep state and turn
    records as JSON in their own ways: what links must be found in both)."""
    made: Storage = MemoryStore() if request.param == "memory" else SqlStore(tmp_path / "t.db")
    await made.migrate()
    await book_both(made)
    yield made
    await made.close()


async def chains_verify(store: Storage) -> tuple[int, int]:
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


# every conversation that holds the number is found, however it came to hold it

SHAPES = (  # BEN's number as people write it
    BEN,
    BEN.removeprefix("+"),
    "5035550102",
    "503-555-0102",
    "(503) 555-0102",
    "503 555 0102",
    "503.555.0102",
    "+1 503 555 0102",
    "+1 (503) 555-0102",
    "001 503 555 0102",
)


async def everything_held(store: Storage) -> str:
    """Every row of every listing the store offers, as one text."""
    rows: list[object] = []
    for business in ("bloom-salon", "praxis-sommer"):
        rows += [c.model_dump(mode="json") for c in await store.list_customers(business)]
        rows += [a.model_dump(mode="json") for a in await store.list_appointments(business)]
        rows += [m.model_dump(mode="json") for m in await store.list_messages(business)]
        rows += [e.model_dump(mode="json") for e in await store.list_escalations(business)]
        rows += [d.model_dump(mode="json") for d in await store.list_dropped(business)]
        rows += [c.model_dump(mode="json") for c in await store.list_codes(business)]
    rows += [c.model_dump(mode="json") for c in await store.list_conversations()]
    for cid in await store.all_conversation_ids():
        rows += [t.model_dump(mode="json") for t in await store.turns(cid)]
    rows += [e.model_dump(mode="json") for e in await store.inbound_events()]
    rows += [r.model_dump(mode="json") for r in await store.outbox()]
    return canonical(rows)


def traces(held: str) -> list[str]:
    return [shape for shape in SHAPES if shape in held]


async def test_a_web_chat_that_typed_the_number_and_never_proved_it_is_erased(
    salon: Storage,
) -> None:
    """Someone types BEN's number in a web chat to cancel; a code is texted to BEN and
    never typed back. The conversation is linked to BEN by the code (and by the number in
    its turns and state), so it is exported and erased, even though the code row, the only
    stored link, goes with the erasure."""
    store = salon
    language = ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    language.push(said(("phone", BEN), topic="cancel"))
    await desk.handle(event("chat-x", 0, channel="webchat", text="cancel, it's 503-555-0102"))
    [chat] = [c for c in await store.list_conversations() if c.sender == "chat-x"]
    assert [c.conversation_id for c in await store.list_codes("bloom-salon")] == [chat.id]
    assert traces(canonical(chat.state))  # the number sits in the state, never proven
    data = await export_customer(store, "bloom-salon", BEN)
    assert data is not None
    assert {c["sender"] for c in data["conversations"]} == {BEN, "chat-x"}
    assert await export_customer(store, "bloom-salon", ANN) is not None
    assert "chat-x" not in canonical(await export_customer(store, "bloom-salon", ANN))
    done = await erase_customer(store, "bloom-salon", BEN, NOW.astimezone(UTC))
    assert done is not None and (done.conversations, done.codes) == (2, 1)
    assert done.turns == len(data["conversations"][0]["turns"]) + len(
        data["conversations"][1]["turns"]
    )
    held = await everything_held(store)
    assert traces(held) == []
    assert ANN in held  # the other customer is untouched
    assert await export_customer(store, "bloom-salon", BEN) is None  # erase took what export listed
    await chains_verify(store)


async def test_a_message_left_with_the_number_to_call_back_links_its_conversation(
    salon: Storage,
) -> None:
    """A web chat (another sender) leaves a message with BEN's number to call back on:
    the message and its whole conversation are exported and erased with BEN."""
    store = salon
    language = ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    script = (
        said(("text", "please ask Alex to call me about my colour"), topic="message"),
        said(("person_name", "Ben Okafor"), topic="message"),
        said(("phone", "(503) 555-0102"), topic="message"),
        said(affirm=True, topic="message"),
    )
    for i, understanding in enumerate(script):
        language.push(understanding)
        await desk.handle(event("chat-m", i, channel="webchat"))
    [taken] = await store.list_messages("bloom-salon")
    assert taken.callback_number and taken.callback_number in SHAPES
    [chat] = [c for c in await store.list_conversations() if c.sender == "chat-m"]
    assert taken.conversation_id == chat.id
    data = await export_customer(store, "bloom-salon", BEN)
    assert data is not None
    assert [m["id"] for m in data["messages"]] == [taken.id]
    assert {c["sender"] for c in data["conversations"]} == {BEN, "chat-m"}
    assert "chat-m" not in canonical(await export_customer(store, "bloom-salon", ANN))
    done = await erase_customer(store, "bloom-salon", BEN, NOW.astimezone(UTC))
    assert done is not None and (done.messages, done.conversations) == (1, 2)
    assert await store.list_messages("bloom-salon") == []
    held = await everything_held(store)
    assert traces(held) == [] and "call me about my colour" not in held
    assert ANN in held
    assert await export_customer(store, "bloom-salon", BEN) is None
    await chains_verify(store)


# a number in any common shape: what links a conversation whose text holds it


def _example(region: str) -> tuple[str, str] | None:
    n = phonenumbers.example_number(region)
    if n is None:
        return None
    national = phonenumbers.national_significant_number(n)
    return (str(n.country_code), national) if len(national) >= 7 else None


# real numbers (a country code and a national number of that country), one per region
EXAMPLES = sorted({e for r in phonenumbers.SUPPORTED_REGIONS if (e := _example(r)) is not None})


@st.composite
def written(draw: st.DrawFn, cc: str, nat: str) -> str:
    """``+cc nat`` as someone might write it: national digits cut into groups joined by a
    space, dot, dash or slash, the area code perhaps in brackets, and before them the
    country code with + or 00, a trunk 0, or nothing."""
    cuts = sorted(draw(st.sets(st.integers(1, len(nat) - 1), max_size=3)))
    groups = [nat[a:b] for a, b in zip([0, *cuts], [*cuts, len(nat)], strict=True)]
    if len(groups) > 1 and draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    body = ""
    for g in groups:
        body += (draw(st.sampled_from([" ", ".", "-", "/", ""])) if body else "") + g
    lead = draw(st.sampled_from([f"+{cc} ", f"+{cc}", f"00{cc} ", "0", ""]))
    return lead + body


@settings(max_examples=100, deadline=None)
@given(data=st.data(), example=st.sampled_from(EXAMPLES), before=st.text(max_size=20))
def test_a_number_is_found_in_any_common_shape_amid_other_text(
    data: st.DataObject, example: tuple[str, str], before: str
) -> None:
    cc, nat = example
    shape = data.draw(written(cc, nat))
    after = data.draw(st.sampled_from(["", " thanks", ", at 3 pm", "!"]))
    assert mentions(f"{before} {shape}{after}", f"+{cc}{nat}")
    assert mentions(f"call me on {shape} or at 3", f"+{cc}{nat}")
    assert mentioned_in({"event": {"text": f"hi\n{shape}"}, "n": [1, 2]}, f"+{cc}{nat}")


@settings(max_examples=100, deadline=None)
@given(example=st.sampled_from(EXAMPLES), at=st.integers(0, 9), digit=st.sampled_from("0123456789"))
def test_another_number_or_digits_inside_a_word_are_not_the_number(
    example: tuple[str, str], at: int, digit: str
) -> None:
    cc, nat = example
    phone = f"+{cc}{nat}"
    i = at % len(nat)
    other = nat[:i] + digit + nat[i + 1 :]
    if other != nat:
        assert not mentions(f"my number is +{cc}{other}", phone)
    assert not mentions(f"digest a{cc}{nat}f, id x{nat}", phone)  # hex, not a number
    assert not mentions("no digits here at all", phone)
    assert not mentions(f"{phone}1", phone)  # a longer number that begins with it
    assert not mentioned_in({"text": f"x{nat}", "n": int(nat)}, phone)  # a JSON number is no text


@settings(max_examples=100, deadline=None)
@given(example=st.sampled_from(EXAMPLES), other=st.sampled_from(EXAMPLES))
def test_the_same_national_digits_in_another_country_or_a_tail_of_them_are_not_the_number(
    example: tuple[str, str], other: tuple[str, str]
) -> None:
    cc, nat = example
    phone = f"+{cc}{nat}"
    if other[0] != cc and not f"{other[0]}{nat}".startswith(cc):
        assert not mentions(f"call +{other[0]} {nat}", phone)
        assert not mentions(f"call 00{other[0]} {nat}", phone)
    assert not mentions(f"ends in {nat[2:]}", phone)  # a tail is not the number


def test_a_date_or_a_tail_of_digits_never_erases_a_conversation() -> None:
    """Regressions a review found: dropping any one to three leading digits matched a
    date (+31 6 20261210 and 2026-12-10) and the tail of a number (35550102)."""
    assert not mentions("shall we say 2026-12-10 at 9?", "+31620261210")
    assert not mentioned_in({"args": {"date": "2026-12-10"}}, "+33120261210")
    assert not mentions("my code is 35550102", BEN)
    assert not mentions("+44 5035550102", BEN) and not mentions("+49 503 5550102", BEN)
    assert mentions("+1 503 555 0102", BEN) and mentions("at 3 (503) 555-0102", BEN)
    assert mentions("001 503 555 0102", BEN) and mentions("15035550102", BEN)


def test_a_long_run_of_digits_is_scanned_in_one_pass() -> None:
    """A customer can type anything: 40,000 characters of spaced digits are scanned in
    linear time (a number is at most 17 digits written), not in quadratic."""
    text = "1 2 3 4 5 6 7 8 9 " * 2000 + "503 555 0102"
    assert mentions(text, BEN) and not mentions(text[:-1], BEN)


async def test_rows_whose_text_holds_the_number_go_with_their_senders() -> None:
    """No turn links these: a web chat message no worker answered yet, a Telegram burst a
    rate limit dropped, a message passed on to the owner's webhook, each naming BEN's
    number in another shape. Export lists them (and the rest of their senders' rows);
    erase deletes what export listed and leaves a stranger's rows."""
    store, at = MemoryStore(), NOW.astimezone(UTC)
    for sender, text, mid in (
        ("chat-y", "please cancel, my number is 503.555.0102", "w1"),
        ("chat-y", "hello?", "w2"),
        ("chat-z", "my number is 503.555.0199", "w3"),
    ):
        await store.record_inbound(
            InboundEvent(
                business="bloom-salon",
                channel="webchat",
                sender=sender,
                text=text,
                provider_msg_id=mid,
                received_at=at,
            )
        )
    await store.save_dropped(
        burst("tg", "telegram", "tg-1", at).model_copy(update={"text": "it's +1 503 555 0102"})
    )
    await store.save_dropped(burst("tg-other", "telegram", "tg-2", at))
    async with store.transaction("bloom-salon", "owner") as tx:
        for i, number in enumerate(("(503) 555-0102", "(503) 555-0199")):
            await tx.enqueue(
                OutboxRow(
                    id=f"o{i}",
                    business="bloom-salon",
                    kind="message_webhook",
                    payload={"url": "https://example.test/hook", "message": {"callback": number}},
                    idempotency_key=f"k{i}",
                    next_attempt_at=at,
                )
            )
    data = await export_customer(store, "bloom-salon", BEN)
    assert data is not None
    assert sorted(e["provider_msg_id"] for e in data["inbound_events"]) == ["w1", "w2"]
    assert [d["id"] for d in data["dropped_bursts"]] == ["tg"]
    assert [r["id"] for r in data["outbox"]] == ["o0"]
    done = await erase_customer(store, "bloom-salon", BEN, at)
    assert done is not None and (done.inbound, done.dropped, done.replies) == (2, 1, 1)
    assert traces(await everything_held(store)) == []
    assert [e.provider_msg_id for e in await store.inbound_events("bloom-salon")] == ["w3"]
    assert [d.id for d in await store.list_dropped("bloom-salon")] == ["tg-other"]
    assert [r.id for r in await store.outbox()] == ["o1"]
    assert await export_customer(store, "bloom-salon", BEN) is None
