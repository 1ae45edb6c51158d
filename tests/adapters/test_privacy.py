"""Retention and erasure (adapters.privacy) on the in-memory store with a real desk:
what a sweep and an erasure take, what they leave, and that the audit still verifies.
The same flow runs through the command line on SQLite and PostgreSQL in
tests/adapters/cli/test_privacy.py; the business file's ``retention:`` section is read here."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.business_files import ConfigError, load_business_text
from adapters.privacy import erase_customer, export_customer, retention_forever, sweep
from engine.audit import canonical, check_chain
from engine.desk import Desk
from store.memory import MemoryStore
from tests.fakes.business_files import TINY
from tests.fakes.conversation import NOW, said, talk, up_to_confirm
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
