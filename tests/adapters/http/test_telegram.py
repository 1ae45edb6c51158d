"""Telegram, end to end: Bot API updates into a real desk (MiniLM, a real database), the
reply into the outbox, and the drainer delivering it to a local fake of the Bot API that
speaks Telegram's formats (``/bot<token>/<method>`` with a JSON body, ``{"ok": true,
"result": ...}`` or ``{"ok": false, "error_code", "description", "parameters"}``) and
records what it received.

The demo businesses get a bot in a copy of their files (the demo files stay untouched),
written as ``${VAR}`` so the interpolation is part of what is tested.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from adapters.channels import TelegramChannel
from adapters.http.server import RateLimiter, Server
from adapters.http.telegram import (
    MAX_CALLBACK_DATA,
    SECRET_HEADER,
    TEXT_ONLY,
    TelegramSender,
    buttons_data,
    callback_data,
    cut,
    routes,
    secret_matches,
    send_message,
)
from adapters.outbox import Drainer, ReplyRouter, RetryOptions
from adapters.settings import Settings
from adapters.wiring import App, open_app, repo_path
from language.types import LanguageBackend
from tests.dbs import database_url
from tests.fakes.telegram import (
    CHAT,
    NOW,
    SECRET,
    TOKEN,
    FakeTelegram,
)

BLOOM = "bloom-salon"
PRAXIS = "praxis-sommer"
ENV = {"TG_BOT_TOKEN": TOKEN, "TG_SECRET": SECRET}
PATH = f"/telegram/{BLOOM}"
FAST = RetryOptions(max_attempts=3, base_delay=timedelta(seconds=5), timeout_s=5)
BOT_BLOCK = "  telegram:\n    bot_token: ${TG_BOT_TOKEN:-}\n    secret_token: ${TG_SECRET:-}\n"


# --------------------------------------------------------------------- the fake Bot API


# --------------------------------------------------------------------- the desk + webhook


def businesses_with_bots(tmp_path: Path, *slugs: str) -> Path:
    """A copy of the demo businesses where ``slugs`` have a Telegram bot."""
    target = tmp_path / "businesses"
    shutil.copytree(repo_path("examples", "businesses"), target)
    for slug in slugs:
        path = target / f"{slug}.yaml"
        text = path.read_text(encoding="utf-8")
        if re.search(r"^channels:\s*$", text, re.M):
            text = re.sub(r"^channels:\s*\n", "channels:\n" + BOT_BLOCK, text, count=1, flags=re.M)
        else:
            text += "\nchannels:\n" + BOT_BLOCK
        path.write_text(text, encoding="utf-8")
    return target


@dataclass
class Rig:
    app: App
    server: Server
    client: TestClient[web.Request, web.Application]
    fake: FakeTelegram
    slug: str = BLOOM
    updates: int = 0

    def message(self, text: str | None, lang: str | None = "en", **content: Any) -> dict[str, Any]:
        self.updates += 1
        user: dict[str, Any] = {"id": CHAT, "is_bot": False, "first_name": "Jamie"}
        if lang is not None:
            user["language_code"] = lang
        message: dict[str, Any] = {
            "message_id": 500 + self.updates,
            "from": user,
            "chat": {"id": CHAT, "first_name": "Jamie", "type": "private"},
            "date": int(NOW.timestamp()),
        }
        if text is not None:
            message["text"] = text
        message.update(content)
        return {"update_id": 700000 + self.updates, "message": message}

    def press(self, under: Mapping[str, Any], data: str) -> dict[str, Any]:
        """A button pressed under ``under`` (the message Telegram delivered for us)."""
        self.updates += 1
        return {
            "update_id": 700000 + self.updates,
            "callback_query": {
                "id": f"4382bfdwdsb323b2d9{self.updates}",
                "from": {"id": CHAT, "is_bot": False, "first_name": "Jamie", "language_code": "en"},
                "message": under,
                "chat_instance": "-5069215470224546",
                "data": data,
            },
        }

    async def post(
        self,
        update: Any,
        secret: str | None = SECRET,
        path: str | None = None,
        raw: bytes | None = None,
    ) -> aiohttp.ClientResponse:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        body = raw if raw is not None else json.dumps(update).encode()
        return await self.client.post(path or f"/telegram/{self.slug}", data=body, headers=headers)

    def drainer(self) -> Drainer:
        businesses = {s: b.business for s, b in self.app.brains.items()}
        sender = TelegramSender.for_businesses(businesses, base_url=self.fake.url, options=FAST)
        return Drainer(self.app.store, {"reply": ReplyRouter({"telegram": sender}, FAST)})

    async def drain(self) -> dict[str, int]:
        return await self.drainer().drain_once(NOW + timedelta(minutes=1))

    async def send(self, update: dict[str, Any]) -> dict[str, Any]:
        """One update in, its reply drained out to the fake: the message delivered."""
        before = len(self.fake.sent)
        r = await self.post(update)
        assert r.status == 200, await r.text()
        assert await r.json() == {}
        await self.drain()
        assert len(self.fake.sent) == before + 1, "exactly one reply per update"
        return self.fake.sent[-1]

    def signature_failures(self) -> float:
        value = self.server.metrics.registry.get_sample_value(
            "frontdesk_webhook_signature_failures_total", {"provider": "telegram"}
        )
        return value or 0.0


async def _rig(
    tmp_path: Path, language: LanguageBackend, fake: FakeTelegram, slug: str
) -> AsyncIterator[Rig]:
    async with database_url(tmp_path) as db:
        settings = Settings(
            db=db,
            businesses=businesses_with_bots(tmp_path, slug),
            env=ENV,
            telegram_api_url=fake.url,
        )
        app = await open_app(settings, only=slug, language=language)
        server = Server(settings=settings, app=app)
        web_app = web.Application()
        web_app.add_routes(routes(server, now=lambda: NOW.astimezone(UTC)))
        client = TestClient(TestServer(web_app, host="127.0.0.1"))
        await client.start_server()
        try:
            yield Rig(app=app, server=server, client=client, fake=fake, slug=slug)
        finally:
            await client.close()
            await app.close()


@pytest.fixture
async def rig(
    tmp_path: Path, language: LanguageBackend, fake_telegram: FakeTelegram
) -> AsyncIterator[Rig]:
    async for rig in _rig(tmp_path, language, fake_telegram, BLOOM):
        yield rig


@pytest.fixture
async def praxis(
    tmp_path: Path, language: LanguageBackend, fake_telegram: FakeTelegram
) -> AsyncIterator[Rig]:
    async for rig in _rig(tmp_path, language, fake_telegram, PRAXIS):
        yield rig


# --------------------------------------------------------------------- tests


async def test_a_text_message_is_answered_in_its_chat_exactly_once(rig: Rig) -> None:
    update = rig.message("Hi, what are your opening hours?")
    r = await rig.post(update)
    assert (r.status, await r.json()) == (200, {})
    [event] = await rig.app.store.inbound_events(BLOOM)
    assert (event.channel, event.sender, event.text) == (
        "telegram",
        str(CHAT),
        "Hi, what are your opening hours?",
    )
    assert event.provider_msg_id == f"tg-{update['update_id']}"
    assert event.lang_hint == "en"
    assert event.customer_phone is None
    [conv] = await rig.app.store.list_conversations(BLOOM)
    assert len(await rig.app.store.turns(conv.id)) == 1
    [row] = await rig.app.store.outbox()
    assert (row.kind, row.payload["channel"], row.payload["to"]) == ("reply", "telegram", str(CHAT))

    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"sent": 1}
    assert await drainer.drain_once(NOW + timedelta(hours=2)) == {}
    [sent] = rig.fake.sent
    assert sent["chat_id"] == CHAT  # a number, as Telegram gave it
    assert sent["text"] == row.payload["text"].strip() and "9" in sent["text"]
    assert "reply_markup" not in sent
    assert [r.status for r in await rig.app.store.outbox()] == ["sent"]


async def test_a_booking_with_inline_buttons(rig: Rig) -> None:
    await rig.send(rig.message("Hi, I'd like to book a men's haircut"))
    offer = await rig.send(rig.message("Thursday"))
    buttons = [row[0] for row in offer["reply_markup"]["inline_keyboard"]]
    assert len(buttons) >= 2, offer
    assert all(len(row) == 1 for row in offer["reply_markup"]["inline_keyboard"])
    [offered] = [r for r in await rig.app.store.outbox() if r.payload.get("options")]
    assert [b["text"] for b in buttons] == offered.payload["options"]
    assert [b["callback_data"] for b in buttons] == [
        callback_data(o) for o in offered.payload["options"]
    ]

    # the customer taps the second time; Telegram sends the message the button sits under
    chosen = buttons[1]
    [delivered] = [m for m in rig.fake.attempts if m.get("reply_markup")]
    under = {
        "message_id": 1002,
        "chat": {"id": CHAT, "type": "private"},
        "date": int(NOW.timestamp()),
        "text": delivered["text"],
        "reply_markup": delivered["reply_markup"],
    }
    press = rig.press(under, chosen["callback_data"])
    asked = await rig.send(press)
    assert rig.fake.answered == [press["callback_query"]["id"]]
    event = (await rig.app.store.inbound_events(BLOOM))[-1]
    assert (event.text, event.payload) == ("", {"value": chosen["text"]})

    await rig.send(rig.message("Jamie Rivera"))
    await rig.send(rig.message("503 555 0123"))  # Telegram tells no phone number: asked
    done = await rig.send(rig.message("yes"))
    [appointment] = await rig.app.store.list_appointments(BLOOM)
    assert (appointment.service, appointment.status) == ("mens_cut", "booked")
    assert appointment.customer_name == "Jamie Rivera"
    assert appointment.customer_phone == "+15035550123"
    local = appointment.start.astimezone(ZoneInfo("America/Los_Angeles"))
    assert local.date().isoformat() == "2026-11-26"
    # the button pressed says the time it booked: "Thu 10:00 am" (+ " · Alex" with several)
    said = f"{local:%a} {local:%-I:%M} {'am' if local.hour < 12 else 'pm'}"
    assert chosen["text"].split(" · ")[0] == said, (chosen, local)
    assert chosen["text"] == offered.payload["options"][1]
    assert f"{local:%-I:%M}" in offer["text"]  # the reply text lists the offer in full
    assert f"{local:%-I:%M}" in done["text"] or f"{local:%-I}" in done["text"], done
    assert "name" in asked["text"].lower(), asked
    assert {m["chat_id"] for m in rig.fake.sent} == {CHAT}


async def test_a_pressed_label_books_that_slot_even_without_its_keyboard(rig: Rig) -> None:
    """Telegram may send the press without the message it sits under (an old or inline
    message): the callback data — the label itself — is what the customer chose."""
    await rig.send(rig.message("Hi, I'd like to book a men's haircut"))
    offer = await rig.send(rig.message("Thursday"))
    buttons = [row[0] for row in offer["reply_markup"]["inline_keyboard"]]
    assert len(buttons) >= 3, offer
    chosen = buttons[2]
    assert chosen["callback_data"] == chosen["text"]  # short enough to be its own data
    assert not chosen["text"].isdigit()
    bare = {
        "message_id": 1002,
        "chat": {"id": CHAT, "type": "private"},
        "date": int(NOW.timestamp()),
    }
    asked = await rig.send(rig.press(bare, chosen["callback_data"]))
    assert "name" in asked["text"].lower(), asked
    event = (await rig.app.store.inbound_events(BLOOM))[-1]
    assert event.payload == {"value": chosen["text"]}
    await rig.send(rig.message("Jamie Rivera"))
    await rig.send(rig.message("503 555 0123"))
    await rig.send(rig.message("yes"))
    [appointment] = await rig.app.store.list_appointments(BLOOM)
    local = appointment.start.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (
        chosen["text"].split(" · ")[0]
        == f"{local:%a} {local:%-I:%M} {'am' if local.hour < 12 else 'pm'}"
    ), (chosen, local)
    if " · " in chosen["text"]:  # the salon's staff ids are their names: alex, sam, jordan
        assert appointment.staff == chosen["text"].split(" · ")[1].lower()


async def test_a_redelivered_button_press_is_one_turn_and_one_answer(rig: Rig) -> None:
    await rig.send(rig.message("Hi, I'd like to book a men's haircut"))
    offer = await rig.send(rig.message("Thursday"))
    first = offer["reply_markup"]["inline_keyboard"][0][0]
    press = rig.press(
        {
            "message_id": 1002,
            "chat": {"id": CHAT, "type": "private"},
            "date": int(NOW.timestamp()),
            "text": offer["text"],
            "reply_markup": offer["reply_markup"],
        },
        first["callback_data"],
    )
    for _ in range(3):
        r = await rig.post(press)
        assert r.status == 200
    await rig.drain()
    assert rig.fake.answered == [press["callback_query"]["id"]]
    assert len(rig.fake.sent) == 3
    [conv] = await rig.app.store.list_conversations(BLOOM)
    assert len(await rig.app.store.turns(conv.id)) == 3


@pytest.mark.parametrize("how", ["wrong", "missing", "empty", "prefix", "case"])
async def test_a_wrong_or_missing_secret_is_refused_and_reaches_nothing(
    rig: Rig, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "frontdesk.http.telegram")
    secret = {
        "wrong": "not-the-secret",
        "missing": None,
        "empty": "",
        "prefix": SECRET[:-1],
        "case": SECRET.upper(),
    }[how]
    r = await rig.post(rig.message("book me a blowout"), secret=secret)
    assert r.status == 403
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert await rig.app.store.outbox() == []
    assert rig.signature_failures() == 1
    assert any(
        rec.levelno == logging.WARNING and "secret" in rec.getMessage() for rec in caplog.records
    )
    assert not any(SECRET in rec.getMessage() for rec in caplog.records)


async def test_a_redelivered_update_is_one_turn_and_one_reply(rig: Rig) -> None:
    update = rig.message("Hi, what are your opening hours?")
    for _ in range(3):
        r = await rig.post(update)
        assert (r.status, await r.json()) == (200, {})
    [conv] = await rig.app.store.list_conversations(BLOOM)
    assert len(await rig.app.store.turns(conv.id)) == 1
    assert len(await rig.app.store.outbox()) == 1
    assert await rig.drain() == {"sent": 1}
    assert len(rig.fake.sent) == 1
    turns = rig.server.metrics.registry.get_sample_value(
        "frontdesk_turns_total", {"channel": "telegram", "outcome": "duplicate"}
    )
    assert turns == 2


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "CAACAgIAAxk",
                "file_unique_id": "AgAD",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        },
        {
            "photo": [
                {
                    "file_id": "AgACAgIAAxk",
                    "file_unique_id": "AQAD",
                    "width": 90,
                    "height": 67,
                    "file_size": 1234,
                }
            ]
        },
        {
            "voice": {
                "file_id": "AwACAgIAAxk",
                "file_unique_id": "AgAD",
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": 9000,
            }
        },
    ],
)
async def test_a_message_without_text_gets_the_polite_reply_recorded_not_understood(
    rig: Rig, content: dict[str, Any]
) -> None:
    update = rig.message(None, **content)
    for _ in range(2):  # redelivered: still one reply
        r = await rig.post(update)
        assert (r.status, await r.json()) == (200, {})
    [event] = await rig.app.store.inbound_events(BLOOM)  # recorded: nothing is lost
    assert (event.text, event.payload["type"]) == ("", next(iter(content)))
    [conv] = await rig.app.store.list_conversations(BLOOM)
    [turn] = await rig.app.store.turns(conv.id)
    assert turn.record["understanding"]["problem"] == "unsupported"
    [row] = await rig.app.store.outbox()
    assert row.payload["in_reply_to"] == f"tg-{update['update_id']}"
    assert await rig.drain() == {"sent": 1}
    [sent] = rig.fake.sent
    assert (sent["chat_id"], sent["text"]) == (CHAT, TEXT_ONLY["en"])


async def test_a_photo_with_a_caption_is_read(rig: Rig) -> None:
    r = await rig.post(
        rig.message(
            None,
            caption="Can you do this colour?",
            photo=[{"file_id": "x", "file_unique_id": "y", "width": 90, "height": 90}],
        )
    )
    assert r.status == 200
    [event] = await rig.app.store.inbound_events(BLOOM)
    assert event.text == "Can you do this colour?"


async def test_the_polite_reply_is_in_the_customers_language_or_the_first_one(praxis: Rig) -> None:
    for lang, expected in (("de", "de"), ("en-US", "en"), ("fr", "de"), (None, "de")):
        text = await praxis.send(praxis.message(None, lang=lang, sticker={"file_id": "s"}))
        assert text["text"] == TEXT_ONLY[expected], lang


async def test_a_german_customer_is_answered_in_german(praxis: Rig) -> None:
    reply = await praxis.send(praxis.message("Hallo, wann haben Sie geöffnet?", lang="de"))
    [event] = await praxis.app.store.inbound_events(PRAXIS)
    assert event.lang_hint == "de"
    assert any(w in reply["text"] for w in ("Montag", "Uhr", "geöffnet")), reply


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe{}",
        b"[]",
        b"null",
        b'{"message": {"text": "hi"}}',
        b'{"update_id": "7", "message": {"text": "hi"}}',
        b'{"update_id": true, "message": {"text": "hi"}}',
        b'{"update_id": 7, "message": "hi"}',
        b'{"update_id": 7, "message": {"text": "hi", "chat": {"id": "x"}}}',
        b'{"update_id": 7, "callback_query": {"data": "Thu 10:00"}}',
    ],
)
async def test_malformed_updates_are_a_400(rig: Rig, body: bytes) -> None:
    r = await rig.post(None, raw=body)
    assert r.status == 400
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert await rig.app.store.outbox() == []


@pytest.mark.parametrize(
    "update",
    [
        {
            "update_id": 9,
            "edited_message": {
                "message_id": 1,
                "chat": {"id": CHAT},
                "date": 1,
                "edit_date": 2,
                "text": "edited",
            },
        },
        {"update_id": 9, "my_chat_member": {"chat": {"id": CHAT}, "date": 1}},
        {
            "update_id": 9,
            "message": {
                "message_id": 1,
                "chat": {"id": CHAT, "type": "group"},
                "date": 1,
                "pinned_message": {"message_id": 0},
            },
        },
    ],
)
async def test_other_updates_are_acknowledged_and_ignored(rig: Rig, update: dict[str, Any]) -> None:
    r = await rig.post(update)
    assert (r.status, await r.json()) == (200, {})
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert await rig.app.store.outbox() == []


async def test_a_button_of_someone_elses_keyboard_is_answered_but_not_a_turn(rig: Rig) -> None:
    query = rig.press({}, "game")  # an inline-mode button: no message, no chat
    r = await rig.post(query)
    assert r.status == 200
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert await rig.drain() == {"sent": 1}
    assert rig.fake.answered == [query["callback_query"]["id"]]
    assert rig.fake.sent == []


async def test_an_unknown_business_or_one_without_a_bot_is_a_404(rig: Rig) -> None:
    r = await rig.post(rig.message("hello"), path="/telegram/no-such-salon")
    assert r.status == 404
    r = await rig.post(rig.message("hello"), path="/telegram/rapid-rooter")
    assert r.status == 404  # not loaded here; see the test of an unset token below
    assert rig.signature_failures() == 0


async def test_a_body_over_64_kb_is_a_413(rig: Rig) -> None:
    r = await rig.post(rig.message("x" * 70_000))
    assert r.status == 413
    assert await rig.app.store.inbound_events(BLOOM) == []


async def test_a_flooding_chat_gets_one_warning_then_silence(rig: Rig) -> None:
    rig.server.limiter = RateLimiter(per_sender=1)
    for text in ("hello", "hello?", "hello??"):
        r = await rig.post(rig.message(text))
        assert r.status == 200
    r = await rig.post(rig.message(None, sticker={"file_id": "s"}))
    assert r.status == 200
    assert len(await rig.app.store.inbound_events(BLOOM)) == 2  # up to the warning
    await rig.server.flush_drops()  # the dropped ones: counted, one row for the burst
    [burst] = await rig.app.store.list_dropped(BLOOM)
    assert (burst.count, burst.budget) == (2, "sender")
    [conv] = await rig.app.store.list_conversations(BLOOM)
    problems = [t.record["understanding"]["problem"] for t in await rig.app.store.turns(conv.id)]
    assert problems == ["", "rate_limited"]
    assert await rig.drain() == {"sent": 2}
    warnings = [m for m in rig.fake.sent if m["text"].startswith("You're sending messages")]
    assert len(warnings) == 1  # and no "text only" reply to the sticker


async def test_a_429_is_retried_then_sent(rig: Rig) -> None:
    await rig.post(rig.message("Hi, what are your opening hours?"))
    rig.fake.fail_with = [429]
    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"pending": 1}
    [row] = await rig.app.store.outbox()
    assert row.attempts == 1
    assert "429" in row.last_error and "retry after 3" in row.last_error
    assert await drainer.drain_once(NOW + timedelta(minutes=1, seconds=1)) == {}  # backoff
    assert await drainer.drain_once(NOW + timedelta(minutes=2)) == {"sent": 1}
    assert len(rig.fake.sent) == 1
    assert len(rig.fake.attempts) == 2


async def test_a_500_is_retried(rig: Rig) -> None:
    await rig.post(rig.message("Hi"))
    rig.fake.fail_with = [500]
    assert await rig.drain() == {"pending": 1}


@pytest.mark.parametrize(
    "status, words", [(400, "chat not found"), (403, "bot was blocked by the user")]
)
async def test_a_refusal_is_dead_at_once(rig: Rig, status: int, words: str) -> None:
    await rig.post(rig.message("Hi"))
    rig.fake.fail_with = [status]
    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"dead": 1}
    [row] = await rig.app.store.outbox()
    assert row.status == "dead" and words in row.last_error
    assert await drainer.drain_once(NOW + timedelta(days=1)) == {}
    assert rig.fake.sent == []


async def test_a_wrong_bot_token_is_dead_and_never_recorded(rig: Rig) -> None:
    await rig.post(rig.message("Hi"))
    stale = TelegramChannel(bot_token="42:stale-token", secret_token=SECRET)
    sender = TelegramSender({BLOOM: stale}, base_url=rig.fake.url, options=FAST)
    drainer = Drainer(rig.app.store, {"reply": ReplyRouter({"telegram": sender}, FAST)})
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"dead": 1}
    [row] = await rig.app.store.outbox()
    assert "401" in row.last_error and "Unauthorized" in row.last_error
    assert "stale-token" not in row.last_error


async def test_an_unreachable_api_is_retried_without_leaking_the_token(rig: Rig) -> None:
    await rig.post(rig.message("Hi"))
    sender = TelegramSender.for_businesses(
        {BLOOM: rig.app.brains[BLOOM].business}, base_url="http://127.0.0.1:9", options=FAST
    )
    drainer = Drainer(rig.app.store, {"reply": ReplyRouter({"telegram": sender}, FAST)})
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"pending": 1}
    [row] = await rig.app.store.outbox()
    assert row.last_error and TOKEN not in row.last_error


async def test_a_business_whose_bot_is_unset_takes_no_updates(
    tmp_path: Path, language: LanguageBackend
) -> None:
    """Empty defaults: no secret, no channel (an empty secret would match a missing
    header)."""
    async with database_url(tmp_path) as db:
        settings = Settings(
            db=db, businesses=businesses_with_bots(tmp_path, BLOOM), env={"TG_BOT_TOKEN": TOKEN}
        )
        app = await open_app(settings, only=BLOOM, language=language)
        assert app.brains[BLOOM].business.channels.telegram is not None
        web_app = web.Application()
        web_app.add_routes(routes(Server(settings=settings, app=app)))
        async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
            for headers in ({}, {SECRET_HEADER: ""}):
                r = await client.post(
                    PATH,
                    json={
                        "update_id": 1,
                        "message": {"message_id": 1, "chat": {"id": CHAT}, "date": 1, "text": "hi"},
                    },
                    headers=headers,
                )
                assert r.status == 404
        assert await app.store.inbound_events(BLOOM) == []
        await app.close()


# --------------------------------------------------------------------- pieces


def test_secrets_compare_exactly() -> None:
    assert secret_matches(SECRET, SECRET)
    assert not secret_matches("", "")
    assert not secret_matches(SECRET + "x", SECRET)
    assert not secret_matches("sécret", "secret")


def test_options_become_one_button_per_row_with_short_enough_data() -> None:
    long = "Donnerstag, 26. November, 10:00 Uhr bei Jürgen Müller-Lüdenscheidt (Färben)"
    body = send_message(str(CHAT), "  Welche Zeit?  ", ["Do 10:00", long])
    assert body["chat_id"] == CHAT and body["text"] == "Welche Zeit?"
    [[first], [second]] = body["reply_markup"]["inline_keyboard"]
    assert first == {"text": "Do 10:00", "callback_data": "Do 10:00"}
    assert second["text"] == long
    assert len(second["callback_data"].encode()) <= MAX_CALLBACK_DATA
    assert long.startswith(second["callback_data"])
    assert send_message("-1001234", "hi", [])["chat_id"] == -1001234
    assert "reply_markup" not in send_message("@channel", "hi", [])


def test_options_that_cut_to_the_same_data_get_their_positions_as_data() -> None:
    name = "Dr. " + "Alexandra-Konstanze " * 3
    options = ["Do 10:00 · " + name + "Weber", "Do 10:00 · " + name + "Sommer", "Fr 9:00"]
    assert callback_data(options[0]) == callback_data(options[1])
    assert buttons_data(options) == ["1", "2", "Fr 9:00"]
    keyboard = send_message(str(CHAT), "Welche Zeit?", options)["reply_markup"]
    assert [row[0]["callback_data"] for row in keyboard["inline_keyboard"]] == ["1", "2", "Fr 9:00"]
    assert [row[0]["text"] for row in keyboard["inline_keyboard"]] == options


def test_long_texts_are_cut_by_telegrams_count() -> None:
    assert cut("hi") == "hi"
    cut_text = cut("😀" * 3000)  # two UTF-16 units each
    assert len(cut_text.encode("utf-16-le")) // 2 <= 4096 and cut_text.endswith("…")
    assert len(cut("x" * 5000)) == 4096


def test_bot_settings_are_checked() -> None:
    assert not TelegramChannel().enabled
    assert not TelegramChannel(bot_token=TOKEN).enabled
    assert TelegramChannel(bot_token=TOKEN, secret_token=SECRET).enabled
    with pytest.raises(ValidationError):
        TelegramChannel(bot_token=TOKEN, secret_token="has spaces")
    with pytest.raises(ValidationError):
        TelegramChannel(bot_token="../evil", secret_token=SECRET)
    assert TOKEN not in repr(TelegramChannel(bot_token=TOKEN, secret_token=SECRET))


def test_the_telegram_api_url_is_a_setting() -> None:
    assert Settings.from_env({}).telegram_api_url == "https://api.telegram.org"
    fake = Settings.from_env({"FRONTDESK_TELEGRAM_API_URL": "http://127.0.0.1:9/"})
    assert fake.telegram_api_url == "http://127.0.0.1:9"
