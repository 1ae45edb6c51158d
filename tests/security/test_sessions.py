"""Attacks on the web chat's sessions and on what the server leaves open, over real HTTP
and WebSockets against a real App (database of this run's kind, the offline language).

- a session id the server did not issue — invented, tampered, issued for another business,
  expired — opens no conversation: the client gets a new session and no history;
- the log of a conversation that was rate-limited holds no session id, no provider message
  id that embeds one, no phone number: nothing read from it opens anything;
- ``/metrics`` and ``/readyz`` refuse a client outside ``ops_allow`` without the token;
- no response names the server software or its version.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.http.app import build_app
from adapters.http.logs import configure_logging
from adapters.http.ops import OpsAccess, parse_networks
from adapters.http.server import RateLimiter, Server
from adapters.settings import Settings
from adapters.settings import parse_networks as parse_proxies
from adapters.wiring import open_app, repo_path
from tests.dbs import database_url

SLUG = "bloom-salon"
PHONE = "503-555-0171"
SAID = f"Hi, I'm Ada Lovelace, my number is {PHONE}"
TOKEN = "an-ops-token-of-some-length"


@asynccontextmanager
async def served(
    tmp_path: Path, language: Any, **server: Any
) -> AsyncIterator[tuple[TestClient[Any, Any], Server]]:
    async with database_url(tmp_path) as url:
        settings = Settings(
            db=url,
            businesses=repo_path("examples", "businesses"),
            cache_dir=tmp_path / "cache",
            # these tests open hundreds of sessions from one address on purpose; the cap on
            # new sessions per address has tests of its own (tests/security/test_flood.py)
            sessions_per_address=100_000,
        )
        app = await open_app(settings, language=language)
        srv = Server(settings=app.settings, app=app, **server)
        client = TestClient(TestServer(build_app(srv)))
        await client.start_server()
        try:
            yield client, srv
        finally:
            await client.close()
            await app.close()


async def _frame(ws: ClientWebSocketResponse) -> dict[str, Any]:
    frame = await ws.receive_json(timeout=60)
    assert isinstance(frame, dict)
    return frame


async def _hello(ws: ClientWebSocketResponse, session: Any = "") -> dict[str, Any]:
    await ws.send_json({"type": "hello", "session": session, "lang": "en"})
    welcome = await _frame(ws)
    assert welcome["type"] == "welcome", welcome
    return welcome


async def _say(ws: ClientWebSocketResponse, cid: str, text: str) -> dict[str, Any] | None:
    """The reply, or ``None`` when the server stayed silent (rate limited): a hello sent
    after the message is answered after the message's reply, if it gets one."""
    await ws.send_json({"type": "message", "id": cid, "text": text})
    assert (await _frame(ws)) == {"type": "typing"}
    await ws.send_json({"type": "hello", "session": "", "lang": "en"})
    frame = await _frame(ws)
    if frame["type"] == "welcome":
        return None
    assert frame["type"] == "reply" and frame["in_reply_to"] == cid, frame
    assert (await _frame(ws))["type"] == "welcome"
    return frame


async def _ada(client: TestClient[Any, Any]) -> str:
    """Ada's conversation (her name and phone in it); her session id."""
    async with client.ws_connect(f"/ws/{SLUG}") as ws:
        session = str((await _hello(ws))["session"])
        reply = await _say(ws, "a1", SAID)
        assert reply is not None and reply["text"]
    return session


def _refused(welcome: dict[str, Any], asked: object) -> None:
    assert welcome["history"] == [] and welcome["resumed"] is False
    assert welcome["session"] != asked and welcome["greeting"]["text"]


async def test_a_session_id_the_server_did_not_issue_opens_no_conversation(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language) as (client, server):
        ada = await _ada(client)
        random_part, expiry, mac = ada.split(".")
        flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
        attempts = {
            "invented": f"{'x' * 24}.{int(expiry)}.{'y' * 43}",
            "old style": random_part,  # the shape ids had before they were signed
            "tampered mac": f"{random_part}.{expiry}.{flipped}",
            "longer life": f"{random_part}.{int(expiry) + 10**6}.{mac}",
            "other business": server.sessions.issue("praxis-sommer", server.sessions.clock()),
        }
        async with client.ws_connect(f"/ws/{SLUG}") as ws:
            for name, asked in attempts.items():
                welcome = await _hello(ws, asked)
                _refused(welcome, asked)
                assert PHONE not in json.dumps(welcome), name
            resumed = await _hello(ws, ada)  # the genuine id still works
            assert resumed["resumed"] is True and resumed["session"] == ada
            assert resumed["history"][0]["text"] == SAID
        # Ada's id on another business's socket opens nothing there either
        async with client.ws_connect("/ws/praxis-sommer") as ws:
            _refused(await _hello(ws, ada), ada)
        # once expired, Ada's own id opens nothing
        keys = server.sessions
        server.sessions = dataclasses.replace(keys, clock=lambda: keys.clock() + keys.ttl_s)
        async with client.ws_connect(f"/ws/{SLUG}") as ws:
            _refused(await _hello(ws, ada), ada)
        # the page without JavaScript reads the same cookie the same way
        for cookie in (*attempts.values(), ada):
            client.session.cookie_jar.clear()
            page = await client.get(f"/chat/{SLUG}", headers={"Cookie": f"fd_session={cookie}"})
            assert page.status == 200
            assert "Ada Lovelace" not in await page.text()
        server.sessions = keys
        client.session.cookie_jar.clear()
        page = await client.get(f"/chat/{SLUG}", headers={"Cookie": f"fd_session={ada}"})
        assert "Ada Lovelace" in await page.text()  # the genuine, unexpired cookie does


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The test configures the server's logging (on the stderr it captures); put back what
    was there before."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in handlers:
            root.addHandler(h)
        root.setLevel(level)
        structlog.reset_defaults()


async def test_the_log_of_a_rate_limited_chat_holds_no_id_that_opens_it(
    tmp_path: Path, language: Any, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("DEBUG")  # every logger, the access log too, as serve configures it
    limiter = RateLimiter(per_sender=2)
    async with served(tmp_path, language, limiter=limiter) as (client, server):
        async with client.ws_connect(f"/ws/{SLUG}") as ws:
            session = str((await _hello(ws))["session"])
            answers = []
            for i in range(4):
                await _hello(ws, session)  # _say leaves the socket on a new session
                answers.append(await _say(ws, f"m{i}", SAID))
        assert [a is not None for a in answers] == [True, True, True, False]  # warned, dropped
        client.session.cookie_jar.clear()
        page = await client.get(
            f"/chat/{SLUG}?lang=en", headers={"Cookie": f"fd_session={session}"}
        )
        assert page.status == 200
        log = capsys.readouterr().err
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        # the warning, then the start of the dropped burst
        assert [line["event"] for line in lines if line["event"].startswith("rate limited")] == [
            "rate limited",
            "rate limited: dropping",
        ]
        assert any(line["logger"] == "aiohttp.access" for line in lines)  # checked too
        random_part = session.split(".")[0]
        for secret in (session, random_part, PHONE, "5035550171", "Ada Lovelace"):
            assert secret not in log, secret
        # whatever in the log looks like an id opens nothing
        candidates = set(re.findall(r"[A-Za-z0-9_.:-]{16,}", log))
        async with client.ws_connect(f"/ws/{SLUG}") as ws:
            for candidate in sorted(candidates)[:200]:
                welcome = await _hello(ws, candidate)
                assert welcome["history"] == [], candidate


async def test_operations_endpoints_answer_only_allowed_addresses_or_the_token(
    tmp_path: Path, language: Any
) -> None:
    elsewhere = OpsAccess(allow=parse_networks(["10.0.0.0/8"]), token=TOKEN)
    async with served(tmp_path, language, ops=elsewhere) as (client, server):
        for path in ("/metrics", "/readyz"):
            for headers in (
                {},
                {"Authorization": "Bearer not-the-token"},
                {"Authorization": f"Basic {TOKEN}"},
            ):
                refused = await client.get(path, headers=headers)
                assert refused.status == 401, (path, headers)
                assert await refused.read() == b""
                assert refused.headers["WWW-Authenticate"] == "Bearer"
            allowed = await client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
            assert allowed.status == 200, path
        # no token configured: a bare 403 for an address outside the list
        server.ops = OpsAccess(allow=parse_networks(["10.0.0.0/8"]))
        for path in ("/metrics", "/readyz"):
            refused = await client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
            assert refused.status == 403 and await refused.read() == b""
        # loopback is allowed by default; /healthz is open to all and says only ok
        server.ops = OpsAccess()
        metrics = await client.get("/metrics")
        assert metrics.status == 200 and "frontdesk_turns" in await metrics.text()
        server.ops = OpsAccess(allow=())
        health = await client.get("/healthz")
        assert health.status == 200 and await health.text() == "ok"


async def test_behind_a_proxy_on_this_host_the_operations_endpoints_judge_the_real_client(
    tmp_path: Path, language: Any
) -> None:
    """Every request a proxy on this host forwards comes from loopback: the address
    judged is the client it forwarded for, so loopback's default admission opens nothing
    to the outside."""
    async with served(tmp_path, language) as (client, server):
        server.settings = server.settings.with_(trusted_proxies=parse_proxies("127.0.0.1"))
        outside = {"X-Forwarded-For": "203.0.113.9"}
        for path in ("/metrics", "/readyz"):
            refused = await client.get(path, headers=outside)
            assert refused.status == 403 and await refused.read() == b"", path
        # a request through the proxy that names no client is nobody's: refused too
        assert (await client.get("/metrics")).status == 403
        # without the proxy trusted, the forwarded header is the client's own words
        server.settings = server.settings.with_(trusted_proxies=())
        assert (await client.get("/metrics", headers=outside)).status == 200


BANNER = re.compile(r"aiohttp|python|\d+\.\d+", re.I)


async def test_no_response_names_the_server_software_or_its_version(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language) as (client, _):
        responses = [
            await client.get("/healthz"),
            await client.get("/metrics"),
            await client.get(f"/chat/{SLUG}"),
            await client.get("/no/such/page"),
            await client.get("/chat/no-such-place"),
            await client.post("/healthz", data=b"x" * (70 * 1024)),
        ]
        for response in responses:
            assert not BANNER.search(response.headers.get("Server", "")), response.headers
            if response.status >= 400:
                assert not re.search("aiohttp|python", await response.text(), re.I)
        upgrade = await _raw(
            client,
            f"GET /ws/{SLUG} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n",
        )
        assert upgrade.startswith("HTTP/1.1 101") and "\r\nServer: frontdesk" in upgrade, upgrade
        # a request aiohttp cannot parse is answered before any application code runs
        broken = await _raw(client, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        assert re.match(r"HTTP/1\.[01] 400", broken), broken
        assert not re.search("aiohttp|python", broken, re.I), broken


async def _raw(client: TestClient[Any, Any], request: str) -> str:
    """What the server answers to ``request`` written as is: its head (and body, if it
    closes the connection)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(request.encode("latin-1"))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        try:
            rest = await asyncio.wait_for(reader.read(4096), 0.5)
        except TimeoutError:
            rest = b""
        return (head + rest).decode("latin-1")
    finally:
        writer.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    asked=st.text(max_size=120)
    | st.from_regex(r"[A-Za-z0-9_-]{24}\.[0-9]{10}\.[A-Za-z0-9_-]{43}", fullmatch=True)
    | st.none()
    | st.integers()
)
async def test_any_session_id_opens_no_one_elses_conversation_and_no_500(
    asked: Any, shared_chat: tuple[TestClient[Any, Any], ClientWebSocketResponse]
) -> None:
    client, ws = shared_chat
    await ws.send_json({"type": "hello", "session": asked, "lang": "en"})
    frame = await _frame(ws)
    if frame["type"] == "error":  # not a string: refused, the socket stays open
        assert not isinstance(asked, str) and asked is not None
        return
    _refused(frame, asked)
    if isinstance(asked, str) and asked.isascii() and asked.isprintable() and ";" not in asked:
        page = await client.get(f"/chat/{SLUG}", headers={"Cookie": f"fd_session={asked}"})
        assert page.status < 500 and "Ada Lovelace" not in await page.text()


@pytest.fixture
async def shared_chat(
    tmp_path: Path, language: Any
) -> AsyncIterator[tuple[TestClient[Any, Any], ClientWebSocketResponse]]:
    """One server, with Ada's conversation in it, and one socket, for every example."""
    async with served(tmp_path, language) as (client, _):
        await _ada(client)
        async with client.ws_connect(f"/ws/{SLUG}") as ws:
            yield client, ws
