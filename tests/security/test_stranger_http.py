"""Finding 1 of issue 21 over HTTP: ``frontdesk serve``'s app, a stranger's web chat
socket, the one-time code texted through the outbox to a local fake of Twilio's REST API
(tests/fakes/twilio.py), read from what it received and typed back on the socket. The
database is this run's kind (SQLite, or PostgreSQL in that pass)."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient, TestServer

from adapters.http.app import build_app, reply_router
from adapters.http.server import Server
from adapters.outbox import drainer_for
from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from engine.ports import Appointment, AppointmentId
from language.types import LanguageBackend
from tests.dbs import database_url
from tests.fakes.twilio import FROM, SID, TOKEN, FakeTwilio

OWNER = "+15035550171"  # has an appointment


async def test_over_the_web_chat_socket_the_code_comes_by_sms_and_back(
    tmp_path: Path, language: LanguageBackend, fake_twilio: FakeTwilio
) -> None:
    """``frontdesk serve``'s app: a web chat asks to cancel under a number; the code goes
    through the outbox to (a local fake of) Twilio, is read from what Twilio received and
    typed back on the socket; only then is the appointment named and cancelled, and the
    number on file is texted that it was."""
    env = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "BLOOM_SALON_TWILIO_NUMBER": FROM}
    async with database_url(tmp_path) as url:
        settings = Settings(
            db=url,
            businesses=repo_path("examples", "businesses"),
            cache_dir=tmp_path / "cache",
            env=env,
            twilio_api_url=fake_twilio.url,
        )
        app = await open_app(settings, only="bloom-salon", language=language)
        client = TestClient(TestServer(build_app(Server(settings=settings, app=app))))
        await client.start_server()
        try:
            businesses = {s: b.business for s, b in app.brains.items()}
            today = datetime.now(UTC)  # the server reads the clock: an appointment ahead of it
            start = (today + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
            async with app.store.transaction("bloom-salon", "calendar") as tx:
                customer = await tx.upsert_customer("bloom-salon", "Dana Whitfield", OWNER, "")
                await tx.insert_appointment(
                    Appointment(
                        id=AppointmentId("on-file"),
                        business="bloom-salon",
                        service="mens_cut",
                        staff="alex",
                        start=start,
                        end=start + timedelta(minutes=30),
                        customer_id=customer.id,
                        customer_name=customer.name,
                        customer_phone=OWNER,
                    )
                )
            async with aiohttp.ClientSession() as session:
                drainer = drainer_for(
                    app.store,
                    businesses,
                    extra={"reply": reply_router(settings, businesses, session)},
                )
                async with client.ws_connect("/ws/bloom-salon") as ws:
                    await ws.send_json({"type": "hello", "session": "", "lang": "en"})
                    assert (await _frame(ws))["type"] == "welcome"
                    await _socket_say(ws, "m1", "I need to cancel my appointment")
                    sent = await _socket_say(ws, "m2", "503-555-0171")
                    assert "If that number has an appointment" in sent["text"], sent
                    assert "haircut" not in sent["text"].casefold()
                    await drainer.drain_once(datetime.now(UTC) + timedelta(seconds=1))
                    [text] = [m for m in fake_twilio.sent if m["To"] == OWNER]
                    assert text["From"] == FROM
                    found = re.search(r"\b(\d{6})\b", text["Body"])
                    assert found is not None, text["Body"]
                    # delivered, the code is nowhere in the store — no table, no row, the
                    # outbox and the turn records included — only its salted hash (until
                    # the customer types it back: then it is their message, and used up)
                    [sms] = [r for r in await app.store.outbox() if r.payload.get("secret")]
                    assert sms.status == "sent" and sms.payload["text"] == ""
                    values = await _every_value(url)
                    assert len(values) > 100  # the business, its conversation, its turns...
                    code = re.compile(rf"(?<![0-9A-Za-z.]){found.group(1)}(?![0-9A-Za-z])")
                    assert not [v for v in values if code.search(v)]
                    named = await _socket_say(ws, "m3", found.group(1))
                    assert "I found your appointment" in named["text"], named
                    done = await _socket_say(ws, "m4", "yes")
                    assert "has been cancelled" in done["text"], done
                await drainer.drain_once(datetime.now(UTC) + timedelta(seconds=2))
            [appt] = await app.store.list_appointments("bloom-salon")
            assert appt.status == "cancelled"
            notices = [m["Body"] for m in fake_twilio.sent if m["To"] == OWNER][1:]
            assert len(notices) == 1 and "cancelled" in notices[0], notices
            # its row holds only the salted hash, and the code is used up
            async with app.store.transaction("bloom-salon", "look") as tx:
                [conv] = await app.store.list_conversations("bloom-salon")
                row = await tx.latest_code("bloom-salon", conv.id, OWNER)
            assert row is not None and row.used and found.group(1) not in row.digest
        finally:
            await client.close()
            await app.close()


async def _every_value(url: str) -> list[str]:
    """Every value of every row of every table of the database at ``url``, as text."""
    found: list[str] = []
    if url.startswith("sqlite:"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for (name,) in names.fetchall():
                for row in db.execute(f'SELECT * FROM "{name}"'):
                    found.extend(str(v) for v in row)
        return found
    conn = await asyncpg.connect(url)
    try:
        names = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (name,) in names:
            for row in await conn.fetch(f'SELECT * FROM "{name}"'):
                found.extend(str(v) for v in row.values())
    finally:
        await conn.close()
    return found


async def _frame(ws: ClientWebSocketResponse) -> dict[str, Any]:
    frame = await ws.receive_json(timeout=60)
    assert isinstance(frame, dict)
    return frame


async def _socket_say(ws: ClientWebSocketResponse, cid: str, text: str) -> dict[str, Any]:
    await ws.send_json({"type": "message", "id": cid, "text": text})
    assert (await _frame(ws)) == {"type": "typing"}
    reply = await _frame(ws)
    assert reply["type"] == "reply" and reply["in_reply_to"] == cid, reply
    return reply
