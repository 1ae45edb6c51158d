"""Pull the plug mid-turn: a worker process is SIGKILLed at each point of a booking turn.

A customer of bloom-salon is taken to the read-back of a booking; their "yes" is then
answered by a ``bench.fleet`` worker process that kills itself (SIGKILL, no clean-up of any
kind) when the turn reaches the point under test. Then the desk restarts: the provider
delivers the unanswered "yes" again (as SMS providers retry), the recovery sweep runs, and
the outbox is drained. Afterwards:

- no inbound message is lost: every event is recorded once and has exactly one turn;
- no appointment exists without the committed turn that booked it, and there is one;
- every event's reply is sent exactly once, and it is the reply its turn recorded;
- every conversation's hash chain verifies and every turn replays identically.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.outbox import Drainer, Sender
from adapters.settings import Settings
from adapters.wiring import App, open_app, repo_path
from engine.audit import TurnRecord, replay, verify_chain
from engine.ports import InboundEvent, OutboxRow
from tests.dbs import database_url

from .fleet import finish, start

BUSINESS = "bloom-salon"
TZ = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
PHONE = "+15035550142"
SCRIPT = ("I'd like a men's cut with Alex", "next Wednesday", "the first one", "Dana Whitfield")
POINTS = ("understood", "acted", "before_commit", "committed")


def event(n: int, text: str) -> InboundEvent:
    return InboundEvent(
        business=BUSINESS,
        channel="sms",
        sender=PHONE,
        text=text,
        provider_msg_id=f"SM{n:032d}",
        customer_phone=PHONE,
        received_at=NOW + timedelta(minutes=n),
    )


class ReplyLog(Sender):
    """Stands in for the SMS provider: every reply it is handed counts as sent."""

    kind = "reply"

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[OutboxRow] = []

    async def _send(self, row: OutboxRow) -> None:
        self.sent.append(row)


async def _app(url: str, language) -> App:
    settings = Settings(db=url, businesses=repo_path("examples", "businesses"))
    return await open_app(settings, only=BUSINESS, language=language)


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
async def test_a_turn_killed_at_any_point_loses_nothing_and_repeats_nothing(
    tmp_path: Path, language, point: str
) -> None:
    async with database_url(tmp_path) as url:
        app = await _app(url, language)
        try:
            for n, text in enumerate(SCRIPT):
                reply = await app.desk.handle(event(n, text))
            assert "Shall I book" in reply.text
        finally:
            await app.close()

        yes = event(len(SCRIPT), "yes")
        worker = start(tmp_path, "dying", url, [yes], die_at=point)
        [code] = await asyncio.to_thread(finish, [worker])
        assert code == -9, worker.log.read_text()[-2000:]  # killed, not finished
        assert worker.answers() == []

        app = await _app(url, language)
        try:
            store = app.store
            retried = await app.desk.handle(yes)  # the provider delivers it again
            await app.desk.recover(older_than=datetime.now(UTC) + timedelta(days=3650))
            log = ReplyLog()
            drainer = Drainer(store, {"reply": log})
            while await drainer.drain_once(datetime.now(UTC) + timedelta(days=3650)):
                pass

            events = await store.inbound_events(BUSINESS)
            ids = [e.provider_msg_id for e in events]
            assert sorted(ids) == sorted(
                event(n, "").provider_msg_id for n in range(len(SCRIPT) + 1)
            )
            [cid] = await store.all_conversation_ids()
            turns = await store.turns(cid)
            assert Counter(t.provider_msg_id for t in turns) == Counter(ids)  # one turn each
            records = {t.provider_msg_id: TurnRecord.model_validate(t.record) for t in turns}

            [appt] = await store.list_appointments(BUSINESS)
            assert appt.status == "booked" and appt.customer_phone == PHONE
            booked_by = [
                r
                for r in records.values()
                for res in r.results
                if res.name == "book" and res.ok and res.data.get("appointment_id") == appt.id
            ]
            assert len(booked_by) == 1 and booked_by[0].event.provider_msg_id == yes.provider_msg_id

            sent = Counter(r.payload["in_reply_to"] for r in log.sent)
            assert sent == Counter(ids), sent  # every reply once, none twice
            for row in log.sent:
                assert row.payload["text"] == records[row.payload["in_reply_to"]].reply.text
            assert "You're booked" in records[yes.provider_msg_id].reply.text
            assert retried.text == records[yes.provider_msg_id].reply.text
            assert [r for r in await store.outbox() if r.status != "sent"] == []

            assert verify_chain(turns) == []
            count, differences = replay(app.brains, turns)
            assert count == len(turns) and differences == []
        finally:
            await app.close()
