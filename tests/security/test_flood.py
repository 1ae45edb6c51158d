"""Floods, forged proxy headers and slow clients against ``frontdesk serve``'s app: a real
desk and database, the app served by the runner ``serve`` uses, real sockets.

Functional only (no timing asserts but generous deadlines for what must happen at all)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from twilio.request_validator import RequestValidator

from adapters.http.app import build_app
from adapters.http.deadlines import DeadlineRunner
from adapters.http.limits import RateLimiter
from adapters.http.server import RATE_LIMITED, Server
from adapters.http.webchat import OPEN, TOO_MANY_SESSIONS, TOO_MANY_SOCKETS
from adapters.settings import Settings, parse_networks
from adapters.wiring import App, open_app, repo_path
from tests.dbs import database_url
from tests.fakes.twilio import FROM, SID, TOKEN

BLOOM = "bloom-salon"
CUSTOMER = "+15035550123"
ENV = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "BLOOM_SALON_TWILIO_NUMBER": FROM}


@dataclass
class Served:
    app: App
    server: Server
    url: str
    port: int
    http: aiohttp.ClientSession
    web: web.Application
    sids: int = 0

    async def sms(self, text: str, headers: dict[str, str] | None = None) -> int:
        """A signed SMS from a real customer; the HTTP status."""
        self.sids += 1
        form = {"MessageSid": f"SM{self.sids:032d}", "AccountSid": SID, "From": CUSTOMER}
        form |= {"To": FROM, "Body": text, "NumMedia": "0"}
        url = f"{self.url}/twilio/sms/{BLOOM}"
        signature = RequestValidator(TOKEN).compute_signature(url, form)
        async with self.http.post(
            url,
            data=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
                **(headers or {}),
            },
        ) as r:
            await r.read()
            return r.status

    async def rows(self) -> dict[str, int]:
        store = self.app.store
        conversations = await store.list_conversations(BLOOM)
        turns = sum([len(await store.turns(c.id)) for c in conversations])
        return {
            "inbound": len(await store.inbound_events(BLOOM)),
            "turns": turns,
            "conversations": len(conversations),
            "dropped": len(await store.list_dropped(BLOOM)),
        }


@asynccontextmanager
async def served(tmp_path: Path, language: Any, **settings: Any) -> AsyncIterator[Served]:
    async with database_url(tmp_path) as db:
        config = Settings(
            db=db,
            businesses=repo_path("examples", "businesses"),
            cache_dir=tmp_path / "cache",
            env=ENV,
            **settings,
        )
        app = await open_app(config, only=BLOOM, language=language)
        server = Server(
            settings=config,
            app=app,
            limiter=RateLimiter(
                per_sender=config.rate_per_sender,
                per_business=config.rate_per_business,
                per_address=config.rate_per_address,
            ),
        )
        web_app = build_app(server)
        runner = DeadlineRunner(web_app, header_timeout_s=config.header_timeout_s, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as http:
                yield Served(app, server, f"http://127.0.0.1:{port}", port, http, web_app)
        finally:
            await runner.cleanup()
            await app.close()


async def _flood(s: Served, sockets: int, frames: int) -> None:
    """``sockets`` web chats each saying hello, then ``frames`` messages as fast as they go."""

    async def one(n: int) -> None:
        async with s.http.ws_connect(f"{s.url}/ws/{BLOOM}") as ws:
            await ws.send_json({"type": "hello", "session": "", "lang": "en"})
            assert (await ws.receive_json(timeout=30))["type"] == "welcome"
            for i in range(frames):
                await ws.send_json({"type": "message", "id": f"{n}-{i}", "text": "hi there"})
            await ws.send_json({"type": "bye"})  # answered with an error once all are read
            while (await ws.receive_json(timeout=60))["type"] != "error":
                pass

    await asyncio.gather(*(one(n) for n in range(sockets)))


async def test_a_web_chat_flood_neither_silences_sms_nor_fills_the_database(
    tmp_path: Path, language: Any
) -> None:
    async with served(
        tmp_path,
        language,
        rate_per_sender=3,
        rate_per_address=5,
        rate_per_business=8,
        ws_per_address=50,
        sessions_per_address=50,
    ) as s:
        await _flood(s, sockets=6, frames=40)  # 240 messages from one address
        await s.server.flush_drops()
        rows = await s.rows()
        # 5 answered, one warning per session; the rest counted in bursts, not recorded
        assert rows["inbound"] <= 5 + 6 and rows["turns"] == rows["inbound"]
        assert 1 <= rows["dropped"] <= 6
        dropped = sum(d.count for d in await s.app.store.list_dropped(BLOOM))
        assert dropped + rows["inbound"] == 240  # every message accounted for
        # and the web chat's channel budget is spent: still, SMS has its own
        assert await s.sms("Hi, what are your opening hours?") == 200
        [conv] = [c for c in await s.app.store.list_conversations(BLOOM) if c.channel == "sms"]
        [turn] = await s.app.store.turns(conv.id)
        assert turn.record["understanding"]["problem"] == ""  # understood, not rate limited
        assert turn.record["reply"]["text"] != RATE_LIMITED["en"]


async def test_one_socket_sending_a_thousand_frames_is_one_burst(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language, rate_per_sender=2, rate_per_address=100) as s:
        await _flood(s, sockets=1, frames=1000)
        before = await s.rows()
        await s.server.flush_drops()
        assert await s.rows() == before | {"dropped": 1}
        assert (before["inbound"], before["turns"]) == (3, 3)  # two answered, one warning
        [burst] = await s.app.store.list_dropped(BLOOM)
        assert (burst.count, burst.budget, burst.channel) == (997, "sender", "webchat")


async def test_sockets_and_new_sessions_per_address_are_capped(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language, ws_per_address=2, sessions_per_address=3) as s:
        url = f"{s.url}/ws/{BLOOM}"
        forged = {"X-Forwarded-For": "198.51.100.1"}  # not from a trusted proxy: ignored
        async with s.http.ws_connect(url) as a, s.http.ws_connect(url, headers=forged) as b:
            async with s.http.ws_connect(url, headers={"X-Forwarded-For": "203.0.113.9"}) as c:
                frame = await c.receive_json(timeout=10)
                assert frame == {"type": "error", "error": TOO_MANY_SOCKETS}
                closed = await c.receive(timeout=10)
                assert closed.type == WSMsgType.CLOSE
                assert (closed.data, closed.extra) == (1013, TOO_MANY_SOCKETS)
            for ws in (a, b):
                await ws.send_json({"type": "hello", "session": "", "lang": "en"})
                assert (await ws.receive_json(timeout=30))["type"] == "welcome"
            await a.send_json({"type": "hello", "session": "", "lang": "en"})  # a third
            assert (await a.receive_json(timeout=30))["type"] == "welcome"
            await b.send_json({"type": "hello", "session": "", "lang": "en"})  # a fourth
            assert await b.receive_json(timeout=10) == {"type": "error", "error": TOO_MANY_SESSIONS}
            closed = await b.receive(timeout=10)
            assert (closed.type, closed.data) == (WSMsgType.CLOSE, 1013)
        for _ in range(200):  # the server lets go of the closed sockets
            if not s.web[OPEN]:
                break
            await asyncio.sleep(0.02)
        async with s.http.ws_connect(url) as d:  # sockets closed: room again
            await d.send_json({"type": "hello", "session": "", "lang": "en"})
            # but no new session yet
            assert await d.receive_json(timeout=10) == {"type": "error", "error": TOO_MANY_SESSIONS}
        assert await s.rows() == {"inbound": 0, "turns": 0, "conversations": 0, "dropped": 0}


async def test_forged_forwarding_headers_from_an_untrusted_peer_change_nothing(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language, trusted_proxies=parse_networks("10.0.0.0/8")) as s:
        forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
        # signed for the URL really called: the forged headers do not change it
        assert await s.sms("Do you have parking?", headers=forged) == 200
        assert len(await s.app.store.inbound_events(BLOOM)) == 1
    (tmp_path / "2").mkdir()
    async with served(tmp_path / "2", language) as s:  # no trusted proxy at all
        form = {"MessageSid": "SM1", "AccountSid": SID, "From": CUSTOMER, "To": FROM}
        form |= {"Body": "hi", "NumMedia": "0"}
        evil = f"https://evil.example/twilio/sms/{BLOOM}"
        async with s.http.post(
            f"{s.url}/twilio/sms/{BLOOM}",
            data=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(evil, form),
                **forged,
            },
        ) as r:
            assert r.status == 403  # signed for the forged URL: refused
        assert await s.app.store.inbound_events(BLOOM) == []


async def test_slow_clients_are_cut_off(
    tmp_path: Path, language: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with served(tmp_path, language, header_timeout_s=0.3, body_timeout_s=0.3) as s:
        # headers that never finish: the connection is closed
        reader, writer = await asyncio.open_connection("127.0.0.1", s.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), timeout=10) == b""  # closed, no answer
        writer.close()
        # a body that never finishes: 408, closed
        reader, writer = await asyncio.open_connection("127.0.0.1", s.port)
        writer.write(
            f"POST /twilio/sms/{BLOOM} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\nFrom=".encode()
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)
        assert answer.startswith(b"HTTP/1.1 408 ")
        writer.close()
        # a kept-alive connection whose next request stalls is cut off too
        reader, writer = await asyncio.open_connection("127.0.0.1", s.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        assert head.startswith(b"HTTP/1.1 200 ") and await reader.readexactly(2) == b"ok"
        writer.write(b"GET /healthz HTTP/1.1\r\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), timeout=10) == b""
        writer.close()
        # a prompt client is served as ever
        async with s.http.get(f"{s.url}/healthz") as r:
            assert (r.status, await r.text()) == (200, "ok")
    cut = [r.getMessage() for r in caplog.records if "cut off" in r.getMessage()]
    assert sorted(cut) == [
        "slow client cut off: request body not received in time",
        "slow client cut off: request headers not received in time",
        "slow client cut off: request headers not received in time",
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_client_dropping_mid_upload_is_one_info_line(
    tmp_path: Path, language: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with served(tmp_path, language) as s:
        reader, writer = await asyncio.open_connection("127.0.0.1", s.port)
        writer.write(
            f"POST /twilio/sms/{BLOOM} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\nFrom=%2B1".encode()
        )
        await writer.drain()
        await asyncio.sleep(0.2)  # the handler is reading the body
        writer.transport.abort()  # gone, mid-upload
        for _ in range(100):
            if any("went away" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in gone] == [(logging.INFO, None)]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
