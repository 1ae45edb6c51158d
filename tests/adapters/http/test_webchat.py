"""The web chat and the operations routes, over real HTTP and WebSockets against a real App
(database of this run's kind, the offline language backend)."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient, TestServer

from adapters.http.app import MAX_BODY, build_app
from adapters.http.greeting import DEFAULT_GREETING, SUGGESTED
from adapters.http.server import Server
from adapters.settings import Settings
from adapters.wiring import App, load_brains, open_app, repo_path
from engine.desk import Desk
from store import open_store
from tests.dbs import database_url

BOOKING = ("I'd like a men's cut with Alex", "next Wednesday")


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        db=url, businesses=repo_path("examples", "businesses"), cache_dir=tmp_path / "cache"
    )


@asynccontextmanager
async def served(tmp_path: Path, language: Any) -> AsyncIterator[tuple[TestClient, Server]]:
    async with database_url(tmp_path) as url:
        app = await open_app(_settings(url, tmp_path), language=language)
        server = Server(settings=app.settings, app=app)
        client = TestClient(TestServer(build_app(server)))
        await client.start_server()
        try:
            yield client, server
        finally:
            await client.close()
            await app.close()


async def _frame(ws: ClientWebSocketResponse) -> dict[str, Any]:
    frame = await ws.receive_json(timeout=60)
    assert isinstance(frame, dict)
    return frame


async def _hello(
    ws: ClientWebSocketResponse, session: str = "", lang: str | None = "en"
) -> dict[str, Any]:
    await ws.send_json({"type": "hello", "session": session, "lang": lang})
    welcome = await _frame(ws)
    assert welcome["type"] == "welcome", welcome
    return welcome


async def _say(
    ws: ClientWebSocketResponse, cid: str, text: str, kind: str = "message"
) -> dict[str, Any]:
    await ws.send_json({"type": kind, "id": cid, ("text" if kind == "message" else "value"): text})
    assert (await _frame(ws)) == {"type": "typing"}
    reply = await _frame(ws)
    assert reply["type"] == "reply" and reply["in_reply_to"] == cid, reply
    return reply


async def test_a_full_booking_over_the_socket_with_a_reconnect_in_the_middle(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language) as (client, server):
        async with client.ws_connect("/ws/bloom-salon") as ws:
            welcome = await _hello(ws)
            session = welcome["session"]
            assert len(session) >= 24 and welcome["history"] == []
            assert welcome["business"]["name"] == "Bloom Hair Studio"
            await _say(ws, "m1", BOOKING[0])
            offered = await _say(ws, "m2", BOOKING[1])
            assert len(offered["options"]) >= 2, offered
            pressed = offered["options"][1]  # a label such as "Wed 10:30 am", not "2"

        async with client.ws_connect("/ws/bloom-salon") as ws:  # the page was reloaded
            welcome = await _hello(ws, session)
            assert welcome["session"] == session
            history = welcome["history"]
            assert [h["from"] for h in history] == ["customer", "desk"] * 2
            assert [h["text"] for h in history[::2]] == list(BOOKING)
            assert history[-1]["text"] == offered["text"]
            assert history[-1]["options"] == offered["options"]
            await _say(ws, "m3", pressed, kind="choice")
            await _say(ws, "m4", "Dana Whitfield")
            await _say(ws, "m5", "503 555 0142")
            done = await _say(ws, "m6", "yes")
            assert "You're booked" in done["text"], done

        [appt] = await server.app.store.list_appointments("bloom-salon")
        assert appt.status == "booked" and appt.staff == "alex" and appt.service == "mens_cut"
        local = appt.start.astimezone(ZoneInfo("America/Los_Angeles"))
        assert pressed == f"{local:%a} {local:%-I:%M} {'am' if local.hour < 12 else 'pm'}", (
            pressed,
            local,
        )  # the button pressed is the slot booked
        assert appt.customer_name == "Dana Whitfield"
        [conv] = await server.app.store.list_conversations("bloom-salon")
        assert (
            conv.channel == "webchat" and conv.sender == session.split(".")[0] and conv.turns == 6
        )


async def test_the_same_client_message_id_twice_is_one_turn(tmp_path: Path, language: Any) -> None:
    async with served(tmp_path, language) as (client, server):
        async with client.ws_connect("/ws/bloom-salon") as ws:
            session = (await _hello(ws))["session"]
            first = await _say(ws, "a1", "What are your opening hours?")
        async with client.ws_connect("/ws/bloom-salon") as ws:  # re-sent after a reconnect
            await _hello(ws, session)
            again = await _say(ws, "a1", "What are your opening hours?")
        assert again["text"] == first["text"]
        [conv] = await server.app.store.list_conversations("bloom-salon")
        assert conv.turns == 1
        assert len(await server.app.store.turns(conv.id)) == 1


async def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language) as (client, server):
        async with client.ws_connect("/ws/bloom-salon") as ws:
            await ws.send_json({"type": "message", "id": "x", "text": "hi"})
            assert (await _frame(ws))["error"] == "say hello first"
            await _hello(ws)
            for bad in (
                "{not json",
                "[1, 2]",
                json.dumps({"type": "dance"}),
                json.dumps({"type": "message", "id": "", "text": "hi"}),
                json.dumps({"type": "message", "id": "x", "text": 42}),
                json.dumps({"type": "message", "id": "x", "text": "a" * 2001}),
                json.dumps({"type": "hello", "session": "", "lang": "fr"}),
            ):
                await ws.send_str(bad)
                frame = await _frame(ws)
                assert frame["type"] == "error" and frame["error"], (bad, frame)
            await ws.send_bytes(b"\x00\x01")
            assert (await _frame(ws))["type"] == "error"
            reply = await _say(ws, "ok1", "What are your opening hours?")
            assert reply["text"]
        assert await server.app.store.list_conversations("bloom-salon") != []


async def test_operations_routes_and_refusals(tmp_path: Path, language: Any) -> None:
    async with served(tmp_path, language) as (client, server):
        health = await client.get("/healthz")
        assert health.status == 200 and await health.text() == "ok"
        ready = await client.get("/readyz")
        assert ready.status == 200, await ready.text()

        for path in ("/chat/no-such-place", "/ws/no-such-place"):
            missing = await client.get(path)
            assert missing.status == 404
            assert await missing.json() == {"error": "unknown business"}

        big = await client.post("/healthz", data=b"x" * (MAX_BODY + 1))
        assert big.status == 413

        async with client.ws_connect("/ws/bloom-salon") as ws:
            await _hello(ws)
            await _say(ws, "h1", "When are you open?")
        metrics = await client.get("/metrics")
        body = await metrics.text()
        assert metrics.status == 200
        assert 'frontdesk_turns_total{channel="webchat",outcome="answered"} 1.0' in body
        assert 'frontdesk_outbox_depth{status="pending"}' in body
        # the hours question ran the business_hours action
        assert 'frontdesk_actions_total{name="business_hours",result="ok"} 1.0' in body
        assert "frontdesk_turn_seconds_bucket" in body


async def test_readyz_is_503_on_an_unmigrated_database(tmp_path: Path, language: Any) -> None:
    async with database_url(tmp_path) as url:
        settings = _settings(url, tmp_path)
        store = await open_store(url)
        brains = load_brains(settings)
        app = App(settings=settings, store=store, desk=Desk(store, brains, language), brains=brains)
        async with TestClient(TestServer(build_app(Server(settings=settings, app=app)))) as c:
            ready = await c.get("/readyz")
            assert ready.status == 503
            assert "schema version 0" in await ready.text()
        await store.close()


async def test_index_lists_the_businesses_and_pages_speak_their_language(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language) as (client, _):
        index = await (await client.get("/")).text()
        for slug, name in (
            ("bloom-salon", "Bloom Hair Studio"),
            ("praxis-sommer", "Zahnarztpraxis Dr. Sommer"),
        ):
            assert f'href="/chat/{slug}"' in index and name in index
        assert "Portland, Oregon" in index

        german = await (await client.get("/chat/praxis-sommer")).text()
        assert '<html lang="de">' in german
        assert "Chat mit " in german and "Termin vereinbaren" in german  # a suggestion
        assert 'data-business="praxis-sommer"' in german and 'data-lang="de"' in german
        english = await (await client.get("/chat/bloom-salon")).text()
        assert '<html lang="en">' in english and "Chat with Bloom Hair Studio" in english

        script = await client.get("/widget.js")
        assert script.status == 200
        assert script.content_type == "application/javascript"
        js = await script.text()
        assert "Nachricht eingeben" in js and "new WebSocket" in js
        assert "/*@UI*/" not in js and "/*@CSS*/" not in js  # both filled in
        assert ".fd-root{" in js and '"again": "Start a new conversation"' in js
        assert "http://" not in js and "https://" not in js.replace(
            "https://desk.example.com/widget.js", ""
        )  # no external resources


async def test_german_hello_gets_german_replies(tmp_path: Path, language: Any) -> None:
    async with (
        served(tmp_path, language) as (client, _),
        client.ws_connect("/ws/praxis-sommer") as ws,
    ):
        welcome = await _hello(ws, lang="de")
        assert welcome["business"]["languages"][0] == "de"
        reply = await _say(ws, "d1", "Wann haben Sie geöffnet?")
        assert reply["text"] and "Sorry" not in reply["text"]


async def test_a_recovered_web_chat_reply_is_settled_by_the_history() -> None:
    from datetime import UTC, datetime

    from adapters.http.webchat import WebchatHistory
    from adapters.outbox import Drainer, ReplyRouter
    from engine.ports import OutboxRow
    from store.memory import MemoryStore

    store = MemoryStore()
    now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    async with store.transaction("bloom-salon", "x") as tx:
        for channel in ("webchat", "telegram"):
            await tx.enqueue(
                OutboxRow(
                    id=channel,
                    business="bloom-salon",
                    kind="reply",
                    idempotency_key=channel,
                    payload={"channel": channel, "to": "s", "text": "hi", "options": []},
                    next_attempt_at=now,
                )
            )
    drainer = Drainer(store, {"reply": ReplyRouter({"webchat": WebchatHistory()})})
    assert await drainer.drain_once(now) == {"sent": 1, "dead": 1}
    assert {r.id: r.status for r in await store.outbox()} == {"webchat": "sent", "telegram": "dead"}


# ------------------------------------------------------------------ greeting, end, favicon


def _card_of(record: dict[str, Any]) -> str:
    """The card a turn's desk worked in (the active topic, or the one that just finished)."""
    decision = record["decision"]
    active = (decision["state"].get("active") or {}).get("card")
    return str(active or next((t["card"] for t in decision["transitions"]), ""))


async def test_the_welcome_greets_and_each_suggestion_reaches_its_card(
    tmp_path: Path, language: Any
) -> None:
    """The greeting names what the desk can do, in the business's language; it records
    nothing; and each suggestion, pressed (sent as the customer's message), starts the
    card it is the title of."""
    async with served(tmp_path, language) as (client, server):
        for slug, asked, lang in (
            ("bloom-salon", "en", "en"),
            ("praxis-sommer", None, "de"),
            ("praxis-sommer", "en", "en"),
            ("rapid-rooter", "de", "en"),
        ):
            brain = server.app.brains[slug]
            async with client.ws_connect(f"/ws/{slug}") as ws:
                hello = (await _hello(ws, lang=asked))["greeting"]
            assert hello["lang"] == lang and hello["text"] == DEFAULT_GREETING[lang]
            titles = {brain.topics[c].card.title[lang]: c for c in SUGGESTED if c in brain.topics}
            assert hello["suggestions"] == list(titles) and len(titles) >= 3, hello
            before = len(await server.app.store.list_conversations(slug))
            assert before == 0 or slug == "praxis-sommer"  # the greeting is not a turn
            reached = {}
            for n, title in enumerate(titles):
                async with client.ws_connect(f"/ws/{slug}") as ws:
                    session = (await _hello(ws, lang=asked))["session"]
                    assert (await _say(ws, f"s{n}", title))["text"]
                conv = await server.app.store.find_conversation(
                    slug, "webchat", session.split(".")[0]
                )
                assert conv is not None
                [turn] = await server.app.store.turns(conv.id)
                reached[turn.record["event"]["text"]] = _card_of(turn.record)
            assert reached == titles, (slug, lang, reached)


async def test_a_goodbye_ends_the_conversation_and_a_new_hello_starts_afresh(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language) as (client, server):
        async with client.ws_connect("/ws/bloom-salon") as ws:
            session = (await _hello(ws))["session"]
            await _say(ws, "e1", "When are you open on Saturday?")
            bye = await _say(ws, "e2", "Thanks, bye!")
            assert bye["end"] is True and bye["options"] == [], bye
            again = await _hello(ws)  # "start a new conversation": hello with no session
            assert again["session"] != session and again["history"] == []
            assert again["greeting"]["suggestions"]
            await _say(ws, "n1", "What are your opening hours?")
        async with client.ws_connect("/ws/bloom-salon") as ws:  # the ended one, reopened
            history = (await _hello(ws, session))["history"]
            assert [h.get("end") for h in history[1::2]] == [False, True]
        assert len(await server.app.store.list_conversations("bloom-salon")) == 2


async def test_the_favicon_is_served_as_an_icon_and_a_picture(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language) as (client, _):
        ico = await client.get("/favicon.ico")
        assert ico.status == 200 and ico.content_type == "image/x-icon"
        body = await ico.read()
        reserved, kind, count = struct.unpack("<HHH", body[:6])
        assert (reserved, kind) == (0, 1) and count >= 2
        sizes = set()
        for i in range(count):
            w, h, _, _, _, _, size, offset = struct.unpack(
                "<BBBBHHII", body[6 + 16 * i : 22 + 16 * i]
            )
            assert body[offset : offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + size <= len(body)
            sizes.add((w or 256, h or 256))
        assert {(16, 16), (32, 32)} <= sizes
        svg = await client.get("/favicon.svg")
        assert svg.status == 200 and svg.content_type == "image/svg+xml"
        assert (await svg.text()).startswith("<svg") and "href" not in await svg.text()
        page = await (await client.get("/chat/bloom-salon")).text()
        assert '<link rel="icon" href="/favicon.svg"' in page
        assert '<link rel="icon" href="/favicon.ico"' in page
