"""WhatsApp through Meta's Cloud API, end to end: Meta's verification check, signed webhooks
in Meta's JSON into a real desk (MiniLM, a real database), the replies into the outbox, and
the drainer delivering them to a local fake of the Graph API that checks Meta's message
rules (bearer token, button/list limits), answers with a wamid or Meta's error JSON and
records what it received.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.channels import WhatsAppChannel
from adapters.http.server import RateLimiter, Server
from adapters.http.whatsapp import (
    TEXT_ONLY,
    Malformed,
    WhatsAppSender,
    numbered_text,
    parse_webhook,
    routes,
    signature,
    whatsapp_message,
)
from adapters.outbox import Drainer, ReplyRouter, RetryOptions, drainer_for
from adapters.settings import Settings
from adapters.wiring import App, open_app, repo_path
from engine.ports import OutboxRow
from language.types import LanguageBackend
from store.memory import MemoryStore
from tests.dbs import database_url
from tests.fakes.whatsapp import (
    CUSTOMER,
    PHONE_ID,
    SECRET,
    TOKEN,
    VERIFY,
    VERSION,
    FakeGraph,
)

BLOOM = "bloom-salon"
PRAXIS = "praxis-sommer"
ENV = {
    "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
    "WHATSAPP_ACCESS_TOKEN": TOKEN,
    "WHATSAPP_APP_SECRET": SECRET,
    "WHATSAPP_VERIFY_TOKEN": VERIFY,
}
CHANNEL = """  whatsapp:
    phone_number_id: ${WHATSAPP_PHONE_NUMBER_ID:-}
    access_token: ${WHATSAPP_ACCESS_TOKEN:-}
    app_secret: ${WHATSAPP_APP_SECRET:-}
    verify_token: ${WHATSAPP_VERIFY_TOKEN:-}
"""
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # Tuesday
PATH = f"/whatsapp/{BLOOM}"
FAST = RetryOptions(max_attempts=3, base_delay=timedelta(seconds=5), timeout_s=5)


# --------------------------------------------------------------------- the fake Graph API


# --------------------------------------------------------------------- Meta's webhook JSON


def text_message(wamid: str, body: str, sender: str = CUSTOMER) -> dict[str, Any]:
    return {
        "from": sender,
        "id": wamid,
        "timestamp": "1795543200",
        "type": "text",
        "text": {"body": body},
    }


def webhook(
    *messages: dict[str, Any], phone_id: str = PHONE_ID, statuses: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15035550199", "phone_number_id": phone_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": "Jamie Rivera"}, "wa_id": CUSTOMER}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def _copy_businesses(tmp_path: Path, offer_count: int | None) -> Path:
    """The demo businesses with WhatsApp configured for the salon and the practice (the
    demo files stay as they are)."""
    target = tmp_path / "businesses"
    target.mkdir()
    for source in repo_path("examples", "businesses").glob("*.yaml"):
        text = source.read_text(encoding="utf-8")
        if source.stem in (BLOOM, PRAXIS):
            if "\nchannels:\n" in text:
                text = text.replace("\nchannels:\n", "\nchannels:\n" + CHANNEL, 1)
            else:
                text += "\nchannels:\n" + CHANNEL
            if offer_count is not None:
                assert "\nbooking:" not in text
                text += f"\nbooking:\n  offer_count: {offer_count}\n"
        (target / source.name).write_text(text, encoding="utf-8")
    return target


# --------------------------------------------------------------------- the desk + webhook


@dataclass
class Rig:
    app: App
    server: Server
    client: TestClient[web.Request, web.Application]
    fake: FakeGraph
    slug: str = BLOOM
    wamids: int = 0

    def wamid(self) -> str:
        self.wamids += 1
        return f"wamid.HBgLMTUwMzU1NTAxMjMVAgASGBQz{self.wamids:08d}"

    async def post(
        self,
        payload: dict[str, Any] | bytes,
        *,
        secret: str = SECRET,
        sign: bool = True,
        path: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if sign:
            all_headers["X-Hub-Signature-256"] = signature(secret, body)
        return await self.client.post(
            path or f"/whatsapp/{self.slug}", data=body, headers=all_headers
        )

    async def say(self, text: str) -> dict[str, Any]:
        """One text message in, its reply drained out to the fake Graph API: the message
        sent."""
        return await self.send(text_message(self.wamid(), text))

    async def send(self, message: dict[str, Any]) -> dict[str, Any]:
        before = len(self.fake.sent)
        r = await self.post(webhook(message))
        assert r.status == 200, await r.text()
        assert await self.drainer().drain_once(NOW + timedelta(minutes=1)) == {"sent": 1}
        assert len(self.fake.sent) == before + 1
        return self.fake.sent[-1]

    def drainer(self) -> Drainer:
        businesses = {s: b.business for s, b in self.app.brains.items()}
        whatsapp = WhatsAppSender.for_businesses(
            businesses, base_url=self.fake.url, version=VERSION, options=FAST
        )
        return drainer_for(
            self.app.store,
            businesses,
            FAST,
            extra={"reply": ReplyRouter({"whatsapp": whatsapp}, FAST)},
        )

    def signature_failures(self) -> float:
        value = self.server.metrics.registry.get_sample_value(
            "frontdesk_webhook_signature_failures_total", {"provider": "whatsapp"}
        )
        return value or 0.0


@asynccontextmanager
async def rigged(
    tmp_path: Path,
    language: LanguageBackend,
    fake: FakeGraph,
    slug: str = BLOOM,
    offer_count: int | None = None,
) -> AsyncIterator[Rig]:
    async with database_url(tmp_path) as db:
        settings = Settings(
            db=db,
            businesses=_copy_businesses(tmp_path, offer_count),
            env=ENV,
            whatsapp_api_url=fake.url,
        )
        app = await open_app(settings, only=slug, language=language)
        server = Server(settings=settings, app=app)
        web_app = web.Application()
        ticks = itertools.count()  # each message a millisecond after the one before
        web_app.add_routes(
            routes(server, now=lambda: NOW.astimezone(UTC) + timedelta(milliseconds=next(ticks)))
        )
        client = TestClient(TestServer(web_app, host="127.0.0.1"))
        await client.start_server()
        try:
            yield Rig(app=app, server=server, client=client, fake=fake, slug=slug)
        finally:
            await client.close()
            await app.close()


@pytest.fixture
async def rig(
    tmp_path: Path, language: LanguageBackend, fake_graph: FakeGraph
) -> AsyncIterator[Rig]:
    async with rigged(tmp_path, language, fake_graph) as r:
        yield r


# --------------------------------------------------------------------- verification


async def test_the_verification_check_echoes_the_challenge_for_the_right_token(rig: Rig) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    r = await rig.client.get(PATH, params=query)
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    assert await r.text() == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "guessed", "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.challenge": "1158201444"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY + "x", "hub.challenge": "1"},
    ],
)
async def test_the_verification_check_refuses_anything_else(
    rig: Rig, query: dict[str, str]
) -> None:
    r = await rig.client.get(PATH, params=query)
    assert r.status == 403
    assert "1158201444" not in await r.text()


async def test_verifying_an_unknown_business_is_a_404(rig: Rig) -> None:
    r = await rig.client.get(
        "/whatsapp/no-such-salon",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
    )
    assert r.status == 404


# --------------------------------------------------------------------- messages in


async def test_a_text_message_is_a_turn_answered_through_the_outbox(rig: Rig) -> None:
    wamid = rig.wamid()
    r = await rig.post(webhook(text_message(wamid, "Hi, what are your opening hours?")))
    assert r.status == 200
    [event] = await rig.app.store.inbound_events(BLOOM)
    assert (event.channel, event.sender, event.customer_phone) == (
        "whatsapp",
        CUSTOMER,
        "+" + CUSTOMER,
    )
    assert (event.provider_msg_id, event.text, event.payload) == (
        wamid,
        "Hi, what are your opening hours?",
        {},
    )
    [conv] = await rig.app.store.list_conversations(BLOOM)
    assert len(await rig.app.store.turns(conv.id)) == 1
    [row] = await rig.app.store.outbox()
    assert (row.kind, row.payload["channel"], row.payload["to"]) == ("reply", "whatsapp", CUSTOMER)

    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"sent": 1}
    assert await drainer.drain_once(NOW + timedelta(hours=2)) == {}
    [sent] = rig.fake.sent
    assert sent == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "text",
        "text": {"body": row.payload["text"], "preview_url": False},
    }
    assert sent["text"]["body"].strip()
    assert [r.status for r in await rig.app.store.outbox()] == ["sent"]


def _button_reply(wamid: str, button: dict[str, Any]) -> dict[str, Any]:
    return {
        "from": CUSTOMER,
        "id": wamid,
        "timestamp": "1795543260",
        "type": "interactive",
        "context": {"from": "15035550199", "id": "wamid.OUT1"},
        "interactive": {
            "type": "button_reply",
            "button_reply": {"id": button["reply"]["id"], "title": button["reply"]["title"]},
        },
    }


def _list_reply(wamid: str, row: dict[str, Any]) -> dict[str, Any]:
    chosen = {"id": row["id"], "title": row["title"]}
    if "description" in row:
        chosen["description"] = row["description"]
    return {
        "from": CUSTOMER,
        "id": wamid,
        "timestamp": "1795543260",
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": chosen},
    }


async def _finish_booking(rig: Rig, chosen: dict[str, Any], offered_text: str, number: int) -> None:
    """After pressing the ``number``-th offered time: name, confirm, and the appointment
    is the one pressed."""
    await rig.say("Jamie Rivera")
    done = await rig.say("yes")
    [appointment] = await rig.app.store.list_appointments(BLOOM)
    assert appointment.status == "booked" and appointment.service == "mens_cut"
    assert appointment.customer_phone == "+" + CUSTOMER  # the caller id, never asked for
    local = appointment.start.astimezone(ZoneInfo("America/Los_Angeles"))
    pressed = offered_text.split(f"{number}) ")[1].split(",")[0]
    assert f"{local:%-I:%M}" in pressed, (pressed, local)
    # the button said what it booked: "Thu 10:00 am", with " · Sam" when staff differ
    label = chosen["reply"]["id"] if "reply" in chosen else chosen["id"]
    when, _, who = label.partition(" · ")
    assert when == f"{local:%a} {local:%-I:%M} {'am' if local.hour < 12 else 'pm'}", (label, local)
    assert not who or appointment.staff == who.lower()  # the salon's ids are its names
    body = done["text"]["body"] if done["type"] == "text" else done["interactive"]["body"]["text"]
    assert f"{local:%-I:%M}" in body or f"{local:%-I}" in body, body


async def test_an_offer_is_reply_buttons_and_a_pressed_button_books_it(rig: Rig) -> None:
    await rig.say("Hi, I'd like to book a men's haircut")
    offer = await rig.say("Thursday")
    assert offer["type"] == "interactive", offer
    interactive = offer["interactive"]
    assert interactive["type"] == "button"
    buttons = interactive["action"]["buttons"]
    [row] = [r for r in await rig.app.store.outbox() if r.status == "sent" and r.payload["options"]]
    assert [b["reply"]["id"] for b in buttons] == row.payload["options"]
    assert interactive["body"]["text"] == row.payload["text"]

    assert all(b["reply"]["title"] == b["reply"]["id"] for b in buttons), buttons  # 20 fit
    assert not any(b["reply"]["id"].isdigit() for b in buttons)

    wamid = rig.wamid()
    await rig.send(_button_reply(wamid, buttons[1]))
    event = (await rig.app.store.inbound_events(BLOOM))[-1]
    option = row.payload["options"][1]
    assert (event.provider_msg_id, event.text, event.payload) == (wamid, option, {"value": option})
    await _finish_booking(rig, buttons[1], row.payload["text"], 2)


async def test_five_offered_times_are_a_list_and_a_chosen_row_books_it(
    tmp_path: Path, language: LanguageBackend, fake_graph: FakeGraph
) -> None:
    async with rigged(tmp_path, language, fake_graph, offer_count=5) as rig:
        await rig.say("Hi, I'd like to book a men's haircut")
        offer = await rig.say("Thursday")
        assert offer["type"] == "interactive", offer
        interactive = offer["interactive"]
        assert interactive["type"] == "list"
        assert interactive["action"]["button"] == "Choose"
        [section] = interactive["action"]["sections"]
        rows = section["rows"]
        assert len(rows) == 5
        options = [r for r in await rig.app.store.outbox() if r.payload["options"]][-1].payload[
            "options"
        ]
        assert [r["id"] for r in rows] == options
        await rig.send(_list_reply(rig.wamid(), rows[3]))
        assert (await rig.app.store.inbound_events(BLOOM))[-1].text == options[3]
        await _finish_booking(rig, rows[3], interactive["body"]["text"], 4)


async def test_status_callbacks_are_ignored(rig: Rig) -> None:
    statuses = [
        {
            "id": "wamid.OUT1",
            "status": status,
            "timestamp": "1795543300",
            "recipient_id": CUSTOMER,
            "conversation": {"id": "c0ffee", "origin": {"type": "service"}},
            "pricing": {"billable": False, "pricing_model": "PMP", "category": "service"},
        }
        for status in ("sent", "delivered", "read")
    ]
    r = await rig.post(webhook(statuses=statuses))
    assert r.status == 200
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert await rig.app.store.outbox() == []
    assert await rig.app.store.list_conversations(BLOOM) == []


async def test_two_messages_in_one_webhook_are_two_turns_in_order(rig: Rig) -> None:
    first, second = rig.wamid(), rig.wamid()
    r = await rig.post(
        webhook(
            text_message(first, "Hi, I'd like to book a men's haircut"),
            text_message(second, "Thursday"),
        )
    )
    assert r.status == 200
    assert [e.provider_msg_id for e in await rig.app.store.inbound_events(BLOOM)] == [first, second]
    [conv] = await rig.app.store.list_conversations(BLOOM)
    turns = await rig.app.store.turns(conv.id)
    assert [t.provider_msg_id for t in turns] == [first, second]
    rows = sorted(await rig.app.store.outbox(), key=lambda r: r.next_attempt_at)
    assert [r.payload["in_reply_to"] for r in rows] == [first, second]
    assert rows[1].payload["options"], "the second turn offers times: it saw the first"
    assert await rig.drainer().drain_once(NOW + timedelta(minutes=1)) == {"sent": 2}
    assert [m["type"] for m in rig.fake.sent] == ["text", "interactive"]


@pytest.mark.parametrize("how", ["wrong", "missing", "other-secret", "tampered", "no-prefix"])
async def test_a_bad_signature_is_refused_and_reaches_nothing(
    rig: Rig, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    payload = webhook(text_message(rig.wamid(), "book me a blowout"))
    body = json.dumps(payload).encode()
    caplog.set_level(logging.WARNING, "frontdesk.http.whatsapp")
    if how == "wrong":
        r = await rig.post(body, sign=False, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    elif how == "missing":
        r = await rig.post(body, sign=False)
    elif how == "other-secret":
        r = await rig.post(body, secret="somebody-elses-app-secret")
    elif how == "tampered":  # signed for one text, another sent
        tampered = body.replace(b"book me a blowout", b"cancel everything")
        r = await rig.post(
            tampered, sign=False, headers={"X-Hub-Signature-256": signature(SECRET, body)}
        )
    else:
        r = await rig.post(
            body, sign=False, headers={"X-Hub-Signature-256": signature(SECRET, body)[7:]}
        )
    assert r.status == 403
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert await rig.app.store.outbox() == []
    assert rig.signature_failures() == 1
    assert any(
        rec.levelno == logging.WARNING and "signature" in rec.getMessage() for rec in caplog.records
    )


async def test_a_redelivered_message_is_one_turn_and_one_reply(rig: Rig) -> None:
    message = text_message(rig.wamid(), "Hi, what are your opening hours?")
    for payload in (webhook(message), webhook(message), webhook(message, message)):
        r = await rig.post(payload)
        assert r.status == 200
    [conv] = await rig.app.store.list_conversations(BLOOM)
    assert len(await rig.app.store.turns(conv.id)) == 1
    assert len(await rig.app.store.outbox()) == 1
    assert await rig.drainer().drain_once(NOW + timedelta(minutes=1)) == {"sent": 1}
    assert len(rig.fake.sent) == 1
    duplicates = rig.server.metrics.registry.get_sample_value(
        "frontdesk_turns_total", {"channel": "whatsapp", "outcome": "duplicate"}
    )
    assert duplicates == 3


UNSUPPORTED: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {"mime_type": "image/webp", "sha256": "abc", "id": "1234", "animated": False}
    },
    "audio": {
        "audio": {
            "mime_type": "audio/ogg; codecs=opus",
            "sha256": "abc",
            "id": "5678",
            "voice": True,
        }
    },
    "image": {"image": {"caption": "", "mime_type": "image/jpeg", "sha256": "abc", "id": "9012"}},
    "location": {"location": {"latitude": 45.52, "longitude": -122.68, "name": "Bloom"}},
    "unsupported": {"errors": [{"code": 131051, "title": "Message type unknown"}]},
}


@pytest.mark.parametrize("kind", list(UNSUPPORTED))
async def test_anything_but_text_gets_the_polite_reply_recorded_not_understood(
    rig: Rig, kind: str
) -> None:
    message = {
        "from": CUSTOMER,
        "id": rig.wamid(),
        "timestamp": "1795543200",
        "type": kind,
        **UNSUPPORTED[kind],
    }
    for _ in range(2):  # Meta redelivering it: still one reply
        r = await rig.post(webhook(message))
        assert r.status == 200
    [event] = await rig.app.store.inbound_events(BLOOM)  # recorded: nothing is lost
    assert (event.provider_msg_id, event.text, event.payload) == (message["id"], "", {"type": kind})
    [conv] = await rig.app.store.list_conversations(BLOOM)
    [turn] = await rig.app.store.turns(conv.id)
    assert turn.record["understanding"]["problem"] == "unsupported"
    assert turn.record["decision"] is None
    assert await rig.app.desk.recover(NOW + timedelta(hours=1)) == 0  # it has its answer
    [row] = await rig.app.store.outbox()
    assert row.payload == {
        "channel": "whatsapp",
        "to": CUSTOMER,
        "text": TEXT_ONLY["en"],
        "options": [],
        "in_reply_to": message["id"],
    }
    assert await rig.drainer().drain_once(NOW + timedelta(minutes=1)) == {"sent": 1}
    assert rig.fake.last_text() == "Sorry, I can only read text here. Please type your message."


async def test_the_polite_reply_is_in_the_business_s_first_language(
    tmp_path: Path, language: LanguageBackend, fake_graph: FakeGraph
) -> None:
    async with rigged(tmp_path, language, fake_graph, slug=PRAXIS) as rig:
        voice = {
            "from": CUSTOMER,
            "id": rig.wamid(),
            "timestamp": "1795543200",
            "type": "audio",
            **UNSUPPORTED["audio"],
        }
        await rig.send(voice)
        assert rig.fake.last_text() == TEXT_ONLY["de"]
        assert "nur Text" in TEXT_ONLY["de"]


async def test_a_reaction_is_ignored(rig: Rig) -> None:
    reaction = {
        "from": CUSTOMER,
        "id": rig.wamid(),
        "timestamp": "1795543200",
        "type": "reaction",
        "reaction": {"message_id": "wamid.OUT1", "emoji": "👍"},
    }
    r = await rig.post(webhook(reaction))
    assert r.status == 200
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert await rig.app.store.outbox() == []


async def test_messages_for_another_phone_number_are_skipped(rig: Rig) -> None:
    r = await rig.post(webhook(text_message(rig.wamid(), "hello"), phone_id="999999999"))
    assert r.status == 200
    assert await rig.app.store.inbound_events(BLOOM) == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"object": "whatsapp_business_account", "entry": [',  # cut short
        b"\xff\xfe not UTF-8",
        b'["a list"]',
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account", "entry": {}}',
        json.dumps(webhook({"from": CUSTOMER, "type": "text", "text": {"body": "no id"}})).encode(),
        json.dumps(webhook({"from": CUSTOMER, "id": "wamid.X", "type": "text"})).encode(),
    ],
)
async def test_malformed_json_is_a_400(rig: Rig, body: bytes) -> None:
    r = await rig.post(body)  # correctly signed
    assert r.status == 400
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert rig.signature_failures() == 0


_MSG = {"from": CUSTOMER, "id": "wamid.X", "type": "text", "text": {"body": "hi"}}


@pytest.mark.parametrize(
    "data, words",
    [
        (["a list"], "not a whatsapp_business_account notification"),
        ({"object": "page", "entry": []}, "not a whatsapp_business_account notification"),
        ({"object": "whatsapp_business_account"}, "entry is not a list"),
        ({"object": "whatsapp_business_account", "entry": ["x"]}, "entry is not an object"),
        (
            {"object": "whatsapp_business_account", "entry": [{"changes": {}}]},
            "changes is not a list",
        ),
        (
            {"object": "whatsapp_business_account", "entry": [{"changes": ["x"]}]},
            "a change without a value",
        ),
        (
            {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "x"}]}]},
            "a change without a value",
        ),
        (
            webhook(_MSG) | {"entry": [{"changes": [{"value": {"messages": "x"}}]}]},
            "messages is not a list",
        ),
        (webhook("a message"), "a message is not an object"),
        (
            webhook({k: v for k, v in _MSG.items() if k != "id"}),
            "a message needs from, id and type",
        ),
        (webhook(_MSG | {"from": "+ "}), "a message needs from, id and type"),
        (webhook(_MSG | {"text": {"body": 1}}), "a text message without text.body"),
        (
            webhook(
                _MSG
                | {
                    "type": "interactive",
                    "interactive": {
                        "type": "button_reply",
                        "button_reply": {"id": 7, "title": "Thursday"},
                    },
                }
            ),
            "an interactive reply without id or title",
        ),
    ],
)
def test_a_refused_notification_says_what_is_wrong_in_words(data: object, words: str) -> None:
    with pytest.raises(Malformed) as refused:
        parse_webhook(data, PHONE_ID)
    assert str(refused.value) == words


def test_a_quick_reply_button_whose_text_is_not_a_string_is_not_a_choice() -> None:
    button = _MSG | {"type": "button", "button": {"text": ["x"], "payload": "P"}}
    [message] = parse_webhook(webhook(button), PHONE_ID)
    assert (message.kind, message.text) == ("unsupported", "")
    button["button"] = {"text": "", "payload": "Thursday"}
    [message] = parse_webhook(webhook(button), PHONE_ID)
    assert (message.kind, message.text) == ("choice", "Thursday")


async def test_an_unknown_business_is_a_404(rig: Rig) -> None:
    r = await rig.post(webhook(text_message(rig.wamid(), "hello")), path="/whatsapp/no-such-salon")
    assert r.status == 404
    assert rig.signature_failures() == 0


async def test_a_business_without_whatsapp_is_a_404(
    tmp_path: Path, language: LanguageBackend, fake_graph: FakeGraph
) -> None:
    """rapid-rooter has no WhatsApp number; an empty secret (an unset variable) is off too:
    an empty HMAC key would let anyone sign."""
    async with rigged(tmp_path, language, fake_graph, slug="rapid-rooter") as rig:
        r = await rig.post(webhook(text_message(rig.wamid(), "hello")))
        assert r.status == 404
        r = await rig.client.get(
            "/whatsapp/rapid-rooter",
            params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
        )
        assert r.status == 404
    assert not WhatsAppChannel(
        phone_number_id=PHONE_ID, access_token=TOKEN, app_secret="", verify_token=VERIFY
    ).enabled


async def test_a_body_over_64_kb_is_a_413(rig: Rig) -> None:
    r = await rig.post(webhook(text_message(rig.wamid(), "x" * 70_000)))
    assert r.status == 413
    assert await rig.app.store.inbound_events(BLOOM) == []


async def test_a_flooding_sender_gets_one_warning_then_silence(rig: Rig) -> None:
    rig.server.limiter = RateLimiter(per_sender=1)
    for text in ("hello", "hello?", "hello??"):
        r = await rig.post(webhook(text_message(rig.wamid(), text)))
        assert r.status == 200
    sticker = {
        "from": CUSTOMER,
        "id": rig.wamid(),
        "timestamp": "1795543200",
        "type": "sticker",
        **UNSUPPORTED["sticker"],
    }
    await rig.post(webhook(sticker))
    assert len(await rig.app.store.inbound_events(BLOOM)) == 2  # up to the warning
    await rig.server.flush_drops()  # the dropped ones: counted, one row for the burst
    [burst] = await rig.app.store.list_dropped(BLOOM)
    assert (burst.count, burst.budget) == (2, "sender")
    [conv] = await rig.app.store.list_conversations(BLOOM)
    problems = [t.record["understanding"]["problem"] for t in await rig.app.store.turns(conv.id)]
    assert problems == ["", "rate_limited"]
    assert await rig.app.desk.recover(NOW + timedelta(hours=1)) == 0
    rows = await rig.app.store.outbox()
    assert len(rows) == 2  # the answer to "hello" and the one warning
    assert rows[1].payload["text"].startswith("You're sending messages faster")
    assert await rig.drainer().drain_once(NOW + timedelta(minutes=1)) == {"sent": 2}


# --------------------------------------------------------------------- replies out


async def _one_reply(rig: Rig) -> OutboxRow:
    await rig.post(webhook(text_message(rig.wamid(), "Hi, what are your opening hours?")))
    [row] = await rig.app.store.outbox()
    return row


@pytest.mark.parametrize("status, code", [(500, 131000), (429, 4), (400, 131048)])
async def test_meta_s_server_errors_and_rate_limits_are_retried(
    rig: Rig, status: int, code: int
) -> None:
    await _one_reply(rig)
    rig.fake.fail_with = [(status, code)]
    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"pending": 1}
    [row] = await rig.app.store.outbox()
    assert row.attempts == 1
    assert str(status) in row.last_error and str(code) in row.last_error
    assert "fbtrace_id AbCdEfGhIjKlMnOp" in row.last_error
    assert await drainer.drain_once(NOW + timedelta(minutes=1, seconds=1)) == {}  # backoff
    assert await drainer.drain_once(NOW + timedelta(minutes=2)) == {"sent": 1}
    assert len(rig.fake.sent) == 1 and len(rig.fake.attempts) == 2


async def test_another_meta_400_is_dead_at_once(rig: Rig) -> None:
    await _one_reply(rig)
    rig.fake.fail_with = [(400, 131026)]
    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"dead": 1}
    [row] = await rig.app.store.outbox()
    assert row.status == "dead"
    assert "131026" in row.last_error and "undeliverable" in row.last_error
    assert await drainer.drain_once(NOW + timedelta(days=1)) == {}
    assert rig.fake.sent == []


async def test_a_stale_access_token_is_dead(rig: Rig) -> None:
    await _one_reply(rig)
    account = rig.app.brains[BLOOM].business.channels.whatsapp
    assert account is not None
    sender = WhatsAppSender(
        {BLOOM: account.model_copy(update={"access_token": "stale"})},
        base_url=rig.fake.url,
        version=VERSION,
        options=FAST,
    )
    drainer = Drainer(rig.app.store, {"reply": ReplyRouter({"whatsapp": sender}, FAST)})
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"dead": 1}
    [row] = await rig.app.store.outbox()
    assert "401" in row.last_error and "code 190" in row.last_error


async def _reply_row(store: MemoryStore, options: list[str], business: str = BLOOM) -> None:
    async with store.transaction(business, "c1") as tx:
        await tx.enqueue(
            OutboxRow(
                id=f"r{len(options):02d}",
                business=business,
                kind="reply",
                payload={
                    "channel": "whatsapp",
                    "to": CUSTOMER,
                    "text": "Which one suits you?",
                    "options": options,
                    "in_reply_to": "m1",
                },
                idempotency_key=f"reply:{business}:{len(options)}",
                next_attempt_at=NOW,
            )
        )


async def test_every_shape_of_reply_is_accepted_by_meta_s_rules(fake_graph: FakeGraph) -> None:
    """Long options, colliding titles, 1 to 12 options: whatever the desk offers goes out."""
    store = MemoryStore()
    long = [f"Thursday 26 November at {h}:00 with Alexandra Montgomery-Smith" for h in range(8, 20)]
    for n in range(0, 13):
        await _reply_row(store, long[:n])
    account = WhatsAppChannel(
        phone_number_id=PHONE_ID, access_token=TOKEN, app_secret=SECRET, verify_token=VERIFY
    )
    sender = WhatsAppSender({BLOOM: account}, base_url=fake_graph.url, version=VERSION)
    drainer = Drainer(store, {"reply": ReplyRouter({"whatsapp": sender}, FAST)})
    assert await drainer.drain_once(NOW) == {"sent": 13}
    kinds = [
        m["interactive"]["type"] if m["type"] == "interactive" else "text" for m in fake_graph.sent
    ]
    assert kinds == ["text"] + ["button"] * 3 + ["list"] * 7 + ["text"] * 2


async def test_a_business_without_whatsapp_is_a_permanent_failure(fake_graph: FakeGraph) -> None:
    store = MemoryStore()
    await _reply_row(store, [], business="rapid-rooter")
    sender = WhatsAppSender({}, base_url=fake_graph.url)
    drainer = Drainer(store, {"reply": ReplyRouter({"whatsapp": sender}, FAST)})
    assert await drainer.drain_once(NOW) == {"dead": 1}
    assert fake_graph.attempts == []


def test_up_to_three_options_are_reply_buttons_whose_ids_are_the_options() -> None:
    message = whatsapp_message(CUSTOMER, "Shall I book it?", ["Yes", "No"])
    assert message == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Shall I book it?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "Yes", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "No", "title": "No"}},
                ]
            },
        },
    }
    long = "Tuesday 1 December at 10:00 with Sam"
    [button] = whatsapp_message(CUSTOMER, "Which?", [long])["interactive"]["action"]["buttons"]
    assert button["reply"] == {"id": long, "title": "Tuesday 1 December…"}
    assert len(button["reply"]["title"]) <= 20
    huge = "x" * 300
    [button] = whatsapp_message(CUSTOMER, "Which?", [huge])["interactive"]["action"]["buttons"]
    assert button["reply"]["id"] == huge[:256]


def test_titles_cut_to_the_same_text_are_numbered() -> None:
    options = [f"Thursday 26 November at {h}:00" for h in (9, 10, 11)]
    buttons = whatsapp_message(CUSTOMER, "Which?", options)["interactive"]["action"]["buttons"]
    assert [b["reply"]["title"] for b in buttons] == [
        "1. Thursday 26 Nove…",
        "2. Thursday 26 Nove…",
        "3. Thursday 26 Nove…",
    ]
    assert [b["reply"]["id"] for b in buttons] == options


def test_four_to_ten_options_are_a_list_with_the_whole_text_as_description() -> None:
    options = ["Mon 9:00", "Mon 10:00", "Tuesday 1 December at 10:00 with Sam", "Wed 9:00"]
    interactive = whatsapp_message(CUSTOMER, "Which one?", options, "de")["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Auswählen"
    [section] = interactive["action"]["sections"]
    assert section["rows"] == [
        {"id": "Mon 9:00", "title": "Mon 9:00"},
        {"id": "Mon 10:00", "title": "Mon 10:00"},
        {
            "id": options[2],
            "title": "Tuesday 1 December at 1…",
            "description": "Tuesday 1 December at 10:00 with Sam",
        },
        {"id": "Wed 9:00", "title": "Wed 9:00"},
    ]


def test_more_than_ten_options_or_a_long_body_are_a_numbered_text() -> None:
    options = [str(i) for i in range(1, 12)]
    message = whatsapp_message(CUSTOMER, "Pick one", options)
    assert message["type"] == "text"
    assert message["text"]["body"] == numbered_text("Pick one", options)
    assert message["text"]["body"].startswith("Pick one\n\n1. 1\n2. 2\n")
    message = whatsapp_message(CUSTOMER, "y" * 1100, ["a", "b"])
    assert message["type"] == "text" and message["text"]["body"].endswith("1. a\n2. b")
    assert len(numbered_text("z" * 5000, ["a"])) == 4096


def test_the_whatsapp_api_is_a_setting() -> None:
    defaults = Settings.from_env({})
    assert (defaults.whatsapp_api_url, defaults.whatsapp_api_version) == (
        "https://graph.facebook.com",
        "v21.0",
    )
    fake = Settings.from_env(
        {
            "FRONTDESK_WHATSAPP_API_URL": "http://127.0.0.1:9/",
            "FRONTDESK_WHATSAPP_API_VERSION": "v22.0",
        }
    )
    assert (fake.whatsapp_api_url, fake.whatsapp_api_version) == ("http://127.0.0.1:9", "v22.0")
