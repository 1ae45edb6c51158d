"""Fifty customers say "yes" to the same slot at the same moment.

Fifty conversations are each taken to the read-back of the same offer (Alex, Wednesday
9:00 at bloom-salon), then their confirmations are answered at once by four worker
processes — ``bench.fleet``, the real desk with the real language layer — against one
database. Exactly one appointment may exist afterwards; the other forty-nine customers
must hear that the time was just taken, with fresh offers; every conversation must
replay identically. On PostgreSQL the exclusion constraint and the per-conversation
advisory locks are what is tested; on SQLite the single writer and the trigger.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from engine.audit import replay, verify_chain
from engine.ports import InboundEvent
from tests.dbs import database_url

from .fleet import finish, start, wait_ready

BUSINESS = "bloom-salon"
TZ = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)  # a Tuesday; the offer is Wednesday 9:00
SLOT = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
CUSTOMERS = 50
WORKERS = 4
FIRST = ("Dana", "Jamie", "Morgan", "Riley", "Casey", "Avery", "Quinn", "Harper", "Rowan", "Emery")
LAST = ("Whitfield", "Rivera", "Blake", "Okafor", "Lindqvist")
SCRIPT = ("I'd like a men's cut with Alex", "Wednesday", "the first one")


def phone(i: int) -> str:
    return f"+1503555{1000 + i:04d}"


def event(i: int, n: int, text: str, minutes: int) -> InboundEvent:
    return InboundEvent(
        business=BUSINESS,
        channel="sms",
        sender=phone(i),
        text=text,
        provider_msg_id=f"race-{i}-{n}",
        received_at=NOW + timedelta(minutes=minutes),
        customer_phone=phone(i),
    )


async def _to_the_read_back(url: str, language) -> None:
    """Every customer has been offered the same slot and is asked to confirm it."""
    settings = Settings(db=url, businesses=repo_path("examples", "businesses"))
    app = await open_app(settings, only=BUSINESS, language=language)
    try:
        for i in range(CUSTOMERS):
            script = (*SCRIPT, f"{FIRST[i % 10]} {LAST[i // 10]}")
            for n, text in enumerate(script):
                reply = await app.desk.handle(event(i, n, text, n), direct=True)
            assert "9:00 am with Alex" in reply.text and "Shall I book" in reply.text, reply
    finally:
        await app.close()


async def _check(
    url: str, language, confirmations: list[InboundEvent], answers: list[dict]
) -> None:
    settings = Settings(db=url, businesses=repo_path("examples", "businesses"))
    app = await open_app(settings, only=BUSINESS, language=language)
    try:
        store = app.store
        booked = [a for a in await store.list_appointments(BUSINESS) if a.status == "booked"]
        assert len(booked) == 1, booked
        [won] = booked
        assert (won.staff, won.start) == ("alex", SLOT)
        assert {a["provider_msg_id"] for a in answers} == {e.provider_msg_id for e in confirmations}
        winners = [a for a in answers if "You're booked" in a["text"]]
        losers = [a for a in answers if "just been taken" in a["text"]]
        assert len(winners) == 1 and len(losers) == CUSTOMERS - 1, answers
        assert all(
            "I have these times" in a["text"]
            and "9:00 am with Alex" not in a["text"].split("I have these times")[1]
            for a in losers
        ), losers[:3]
        assert not any(a["duplicate"] for a in answers)
        for cid in await store.all_conversation_ids():
            turns = await store.turns(cid)
            assert verify_chain(turns) == []
            count, differences = replay(app.brains, turns)
            assert count == len(turns) and differences == []
        assert won.customer_phone == phone(int(winners[0]["provider_msg_id"].split("-")[1]))
    finally:
        await app.close()


@pytest.mark.slow
async def test_fifty_confirmations_of_one_slot_across_four_processes(
    tmp_path: Path, language
) -> None:
    async with database_url(tmp_path) as url:
        await _to_the_read_back(url, language)
        confirmations = [event(i, 9, "yes", 10) for i in range(CUSTOMERS)]
        go = tmp_path / "go"
        workers = [
            start(tmp_path, f"w{k}", url, confirmations[k::WORKERS], go=go, direct=True)
            for k in range(WORKERS)
        ]
        await asyncio.to_thread(wait_ready, workers)
        go.touch()
        codes = await asyncio.to_thread(finish, workers)
        assert codes == [0] * WORKERS, [w.log.read_text()[-2000:] for w in workers]
        answers = [a for w in workers for a in w.answers()]
        await _check(url, language, confirmations, answers)


async def test_fifty_confirmations_of_one_slot_from_four_concurrent_tasks(
    tmp_path: Path, language
) -> None:
    async with database_url(tmp_path) as url:
        await _to_the_read_back(url, language)
        confirmations = [event(i, 9, "yes", 10) for i in range(CUSTOMERS)]
        settings = Settings(db=url, businesses=repo_path("examples", "businesses"))
        app = await open_app(settings, only=BUSINESS, language=language)
        answers: list[dict] = []
        try:

            async def task(mine: list[InboundEvent]) -> None:
                for e in mine:
                    r = await app.desk.handle(e, direct=True)
                    answers.append(
                        {
                            "provider_msg_id": e.provider_msg_id,
                            "text": r.text,
                            "duplicate": r.duplicate,
                        }
                    )

            await asyncio.gather(*(task(confirmations[k::WORKERS]) for k in range(WORKERS)))
        finally:
            await app.close()
        await _check(url, language, confirmations, answers)
