"""SMS through Twilio, end to end: a signed webhook into a real desk (MiniLM, a real
database), the reply into the outbox, and the drainer delivering it to a local fake of
Twilio's REST API that speaks Twilio's formats (basic auth, form body, the message
resource or Twilio's error JSON) and records what it received.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator

from adapters.http.app import reply_router
from adapters.http.server import RateLimiter, Server
from adapters.http.twilio import EMPTY_TWIML, TwilioSmsSender, routes, sms_text
from adapters.outbox import Drainer, ReplyRouter, RetryOptions, drainer_for
from adapters.settings import Settings, parse_networks
from adapters.wiring import App, open_app, repo_path
from engine.ports import OutboxRow
from language.types import LanguageBackend
from store.memory import MemoryStore
from tests.dbs import database_url
from tests.fakes.twilio import (
    FROM,
    SID,
    TOKEN,
    FakeTwilio,
)

BLOOM = "bloom-salon"
CUSTOMER = "+15035550123"
ENV = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "BLOOM_SALON_TWILIO_NUMBER": FROM}
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # Tuesday
PATH = f"/twilio/sms/{BLOOM}"
FAST = RetryOptions(max_attempts=3, base_delay=timedelta(seconds=5), timeout_s=5)


# --------------------------------------------------------------------- the fake Twilio


# --------------------------------------------------------------------- the desk + webhook


@dataclass
class Rig:
    app: App
    server: Server
    client: TestClient[web.Request, web.Application]
    fake: FakeTwilio
    sids: int = 0

    def form(self, body: str, **extra: str) -> dict[str, str]:
        self.sids += 1
        return {
            "MessageSid": f"SM{self.sids:032d}",
            "AccountSid": SID,
            "From": CUSTOMER,
            "To": FROM,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }

    async def post(
        self,
        form: Mapping[str, str],
        signed_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        path: str = PATH,
        token: str = TOKEN,
        sign: bool = True,
    ) -> aiohttp.ClientResponse:
        url = signed_url or str(self.client.make_url(path))
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        if sign:
            all_headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
                url, dict(form)
            )
        return await self.client.post(path, data=urlencode(form), headers=all_headers)

    async def say(self, text: str) -> str:
        """One SMS in, its reply drained out to the fake Twilio: the body sent."""
        before = len(self.fake.sent)
        r = await self.post(self.form(text))
        assert r.status == 200, await r.text()
        assert await r.text() == EMPTY_TWIML
        assert await self.drainer().drain_once(NOW + timedelta(minutes=1)) == {"sent": 1}
        assert len(self.fake.sent) == before + 1
        return self.fake.sent[-1]["Body"]

    def drainer(self) -> Drainer:
        businesses = {s: b.business for s, b in self.app.brains.items()}
        sms = TwilioSmsSender.for_businesses(businesses, base_url=self.fake.url, options=FAST)
        return drainer_for(
            self.app.store, businesses, FAST, extra={"reply": ReplyRouter({"sms": sms}, FAST)}
        )

    def signature_failures(self) -> float:
        value = self.server.metrics.registry.get_sample_value(
            "frontdesk_webhook_signature_failures_total", {"provider": "twilio"}
        )
        return value or 0.0


@pytest.fixture
async def rig(
    tmp_path: Path, language: LanguageBackend, fake_twilio: FakeTwilio
) -> AsyncIterator[Rig]:
    async with database_url(tmp_path) as db:
        settings = Settings(
            db=db,
            businesses=repo_path("examples", "businesses"),
            env=ENV,
            twilio_api_url=fake_twilio.url,
        )
        app = await open_app(settings, only=BLOOM, language=language)
        server = Server(settings=settings, app=app)
        web_app = web.Application()
        web_app.add_routes(routes(server, now=lambda: NOW.astimezone(UTC)))
        client = TestClient(TestServer(web_app, host="127.0.0.1"))
        await client.start_server()
        try:
            yield Rig(app=app, server=server, client=client, fake=fake_twilio)
        finally:
            await client.close()
            await app.close()


# --------------------------------------------------------------------- tests


async def test_a_valid_sms_is_answered_through_the_outbox_exactly_once(rig: Rig) -> None:
    r = await rig.post(rig.form("Hi, what are your opening hours?"))
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/xml")
    assert await r.text() == EMPTY_TWIML
    [event] = await rig.app.store.inbound_events(BLOOM)
    assert (event.channel, event.sender, event.customer_phone) == ("sms", CUSTOMER, CUSTOMER)
    assert event.provider_msg_id == f"SM{1:032d}"
    [conv] = await rig.app.store.list_conversations(BLOOM)
    assert len(await rig.app.store.turns(conv.id)) == 1
    [row] = await rig.app.store.outbox()
    assert (row.kind, row.payload["channel"], row.payload["to"]) == ("reply", "sms", CUSTOMER)

    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"sent": 1}
    assert await drainer.drain_once(NOW + timedelta(hours=2)) == {}
    [sent] = rig.fake.sent
    assert (sent["To"], sent["From"]) == (CUSTOMER, FROM)
    assert sent["Body"] == sms_text(row.payload["text"], row.payload["options"])
    assert sent["Body"].strip()
    assert sent["token"] == row.idempotency_key
    assert [r.status for r in await rig.app.store.outbox()] == ["sent"]


async def test_a_whole_booking_by_sms(rig: Rig) -> None:
    bodies = [
        await rig.say(text)
        for text in (
            "Hi, I'd like to book a men's haircut",
            "Thursday",
            "the first one",
            "Jamie Rivera",
            "yes",
        )
    ]
    assert "1." in bodies[1], f"the offered times are a numbered list: {bodies[1]!r}"
    [appointment] = await rig.app.store.list_appointments(BLOOM)
    assert appointment.service == "mens_cut"
    assert appointment.status == "booked"
    assert appointment.customer_name == "Jamie Rivera"
    assert appointment.customer_phone == CUSTOMER  # the caller id, never asked for
    local = appointment.start.astimezone(ZoneInfo("America/Los_Angeles"))
    assert local.date().isoformat() == "2026-11-26"
    assert f"{local:%-I:%M}" in bodies[-1] or f"{local:%-I}" in bodies[-1], bodies[-1]
    assert all(s["To"] == CUSTOMER and s["From"] == FROM for s in rig.fake.sent)


@pytest.mark.parametrize("how", ["wrong", "missing", "other-token", "tampered", "bad-host"])
async def test_a_bad_signature_is_refused_and_reaches_nothing(
    rig: Rig, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    form = rig.form("book me a blowout")
    caplog.set_level(logging.WARNING, "frontdesk.http.twilio")
    if how == "wrong":
        r = await rig.post(form, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, sign=False)
    elif how == "missing":
        r = await rig.post(form, sign=False)
    elif how == "other-token":
        r = await rig.post(form, token="somebody-elses-token")
    elif how == "bad-host":  # a URL Twilio's validator cannot parse raised: a 500
        bad = {"X-Forwarded-Host": "[", "X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
        r = await rig.post(form, headers=bad, sign=False)
    else:  # signed for one text, another sent
        url = str(rig.client.make_url(PATH))
        signature = RequestValidator(TOKEN).compute_signature(url, form)
        r = await rig.post(
            {**form, "Body": "cancel everything"},
            headers={"X-Twilio-Signature": signature},
            sign=False,
        )
    assert r.status == 403
    assert await rig.app.store.inbound_events(BLOOM) == []
    assert await rig.app.store.outbox() == []
    assert rig.signature_failures() == 1
    assert any(
        rec.levelno == logging.WARNING and "signature" in rec.getMessage() for rec in caplog.records
    )


async def test_the_url_behind_a_trusted_proxy_is_the_one_checked(rig: Rig) -> None:
    rig.server.settings = rig.server.settings.with_(trusted_proxies=parse_networks("127.0.0.1"))
    form = rig.form("Do you have parking?")
    public = "https://desk.example.com/twilio/sms/bloom-salon?tenant=7"
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "desk.example.com"}
    # signed for the local URL but forwarded: Twilio signed the public one, so refused
    r = await rig.post(form, headers=proxied, path=PATH + "?tenant=7")
    assert r.status == 403
    r = await rig.post(form, signed_url=public, headers=proxied, path=PATH + "?tenant=7")
    assert r.status == 200, await r.text()
    assert len(await rig.app.store.inbound_events(BLOOM)) == 1


async def test_forwarding_headers_from_an_untrusted_peer_are_ignored(rig: Rig) -> None:
    rig.server.settings = rig.server.settings.with_(trusted_proxies=parse_networks("10.0.0.0/8"))
    form = rig.form("Do you have parking?")
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    r = await rig.post(form, signed_url="https://evil.example" + PATH, headers=forged)
    assert r.status == 403  # signed for the forged URL: refused
    assert await rig.app.store.inbound_events(BLOOM) == []
    r = await rig.post(form, headers=forged)  # signed for the URL really called
    assert r.status == 200, await r.text()
    assert rig.signature_failures() == 1


async def test_the_configured_public_url_is_the_one_checked(rig: Rig) -> None:
    rig.server.public_url = "https://sms.example.org/"
    form = rig.form("Do you have parking?")
    r = await rig.post(form)  # signed for the local address
    assert r.status == 403
    # a proxy's headers do not override the configured public URL
    r = await rig.post(
        form,
        signed_url="https://evil.example.net" + PATH,
        headers={"X-Forwarded-Host": "evil.example.net"},
    )
    assert r.status == 403
    r = await rig.post(form, signed_url="https://sms.example.org" + PATH)
    assert r.status == 200
    assert rig.signature_failures() == 2


async def test_a_redelivered_message_is_one_turn_and_one_reply(rig: Rig) -> None:
    form = rig.form("Hi, what are your opening hours?")
    for _ in range(3):
        r = await rig.post(form)
        assert r.status == 200
        assert await r.text() == EMPTY_TWIML
    [conv] = await rig.app.store.list_conversations(BLOOM)
    assert len(await rig.app.store.turns(conv.id)) == 1
    assert len(await rig.app.store.outbox()) == 1
    assert await rig.drainer().drain_once(NOW + timedelta(minutes=1)) == {"sent": 1}
    assert len(rig.fake.sent) == 1
    turns = rig.server.metrics.registry.get_sample_value(
        "frontdesk_turns_total", {"channel": "sms", "outcome": "duplicate"}
    )
    assert turns == 2


async def test_two_messages_of_one_conversation_at_once_are_answered_in_order(rig: Rig) -> None:
    """Customers who send two texts in a row: both webhooks arrive at once; each
    conversation's turns follow the order its messages were taken in, and each message
    has exactly one turn and one reply."""
    senders = [f"+1503555{n:04d}" for n in range(5)]
    forms = [
        (
            rig.form("Hi, I'd like a men's haircut", From=s),
            rig.form("with Alex please, on Wednesday", From=s),
        )
        for s in senders
    ]
    responses = await asyncio.gather(*(rig.post(f) for pair in forms for f in pair))
    assert [r.status for r in responses] == [200] * 10
    events = await rig.app.store.inbound_events(BLOOM)
    for sender in senders:
        taken_in = [e.provider_msg_id for e in events if e.sender == sender]
        conv = await rig.app.store.find_conversation(BLOOM, "sms", sender)
        assert conv is not None
        answered = [t.provider_msg_id for t in await rig.app.store.turns(conv.id)]
        assert answered == taken_in and len(answered) == 2
    assert len(await rig.app.store.outbox()) == 10


async def test_a_picture_without_text_reaches_the_desk_marked_as_media(rig: Rig) -> None:
    r = await rig.post(
        rig.form(
            "", NumMedia="1", MediaUrl0="https://example.com/m.jpg", MediaContentType0="image/jpeg"
        )
    )
    assert r.status == 200
    [event] = await rig.app.store.inbound_events(BLOOM)
    assert (event.text, event.payload) == ("", {"media": "1"})
    r = await rig.post(rig.form("and this one", NumMedia="1"))
    assert r.status == 200
    second = (await rig.app.store.inbound_events(BLOOM))[-1]
    assert (second.text, second.payload) == ("and this one", {})


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"From=%2B15035550123&Body=%ff%fe", "application/x-www-form-urlencoded"),  # not UTF-8
        (b"From=+15035550123&&&Body", "application/x-www-form-urlencoded"),  # no '='
        (b'{"From": "+15035550123"}', "application/json"),
    ],
)
async def test_malformed_form_data_is_a_400(rig: Rig, body: bytes, content_type: str) -> None:
    r = await rig.client.post(
        PATH, data=body, headers={"Content-Type": content_type, "X-Twilio-Signature": "x"}
    )
    assert r.status == 400
    assert await rig.app.store.inbound_events(BLOOM) == []


@pytest.mark.parametrize("missing", ["From", "MessageSid"])
async def test_a_signed_form_without_sender_or_id_is_a_400(rig: Rig, missing: str) -> None:
    form = rig.form("hello")
    del form[missing]
    r = await rig.post(form)
    assert r.status == 400
    assert await rig.app.store.inbound_events(BLOOM) == []


async def test_an_unknown_business_is_a_404(rig: Rig) -> None:
    r = await rig.post(rig.form("hello"), path="/twilio/sms/no-such-salon")
    assert r.status == 404
    assert rig.signature_failures() == 0


async def test_a_body_over_64_kb_is_a_413(rig: Rig) -> None:
    r = await rig.post(rig.form("x" * 70_000))
    assert r.status == 413
    assert await rig.app.store.inbound_events(BLOOM) == []


async def test_a_flooding_sender_gets_one_warning_then_silence(rig: Rig) -> None:
    rig.server.limiter = RateLimiter(per_sender=1)
    first = await rig.post(rig.form("hello"))
    assert await first.text() == EMPTY_TWIML
    warned = await rig.post(rig.form("hello?"))
    assert (warned.status, await warned.text()) == (200, EMPTY_TWIML)
    silent = await rig.post(rig.form("hello??"))
    assert (silent.status, await silent.text()) == (200, EMPTY_TWIML)
    assert len(await rig.app.store.inbound_events(BLOOM)) == 2  # up to the warning
    await rig.server.flush_drops()  # the dropped ones: counted, one row for the burst
    [burst] = await rig.app.store.list_dropped(BLOOM)
    assert (burst.count, burst.budget) == (1, "sender")
    [conv] = await rig.app.store.list_conversations(BLOOM)
    problems = [t.record["understanding"]["problem"] for t in await rig.app.store.turns(conv.id)]
    assert problems == ["", "rate_limited"]
    assert await rig.app.desk.recover(NOW + timedelta(hours=1)) == 0  # all answered
    assert await rig.drainer().drain_once(NOW + timedelta(minutes=1)) == {"sent": 2}
    assert sorted(m["Body"][:30] for m in rig.fake.sent) == [
        "Hello, you've reached Bloom Ha",
        "You're sending messages faster",
    ]


async def test_a_twilio_500_is_retried_then_sent(rig: Rig) -> None:
    await rig.post(rig.form("Hi, what are your opening hours?"))
    rig.fake.fail_with = [500]
    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"pending": 1}
    [row] = await rig.app.store.outbox()
    assert row.attempts == 1
    assert "500" in row.last_error and "20500" in row.last_error
    assert await drainer.drain_once(NOW + timedelta(minutes=1, seconds=1)) == {}  # backoff
    assert await drainer.drain_once(NOW + timedelta(minutes=2)) == {"sent": 1}
    assert len(rig.fake.sent) == 1
    assert [a["token"] for a in rig.fake.attempts] == [row.idempotency_key] * 2


async def test_a_twilio_429_is_retried(rig: Rig) -> None:
    await rig.post(rig.form("Hi, what are your opening hours?"))
    rig.fake.fail_with = [429]
    assert await rig.drainer().drain_once(NOW + timedelta(minutes=1)) == {"pending": 1}


async def test_a_twilio_400_is_dead_at_once(rig: Rig) -> None:
    await rig.post(rig.form("Hi, what are your opening hours?"))
    rig.fake.fail_with = [400]
    drainer = rig.drainer()
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"dead": 1}
    [row] = await rig.app.store.outbox()
    assert row.status == "dead"
    assert "21211" in row.last_error and "not a valid phone number" in row.last_error
    assert await drainer.drain_once(NOW + timedelta(days=1)) == {}
    assert rig.fake.sent == []


async def test_wrong_credentials_at_twilio_are_dead(rig: Rig) -> None:
    await rig.post(rig.form("Hi"))
    businesses = {s: b.business for s, b in rig.app.brains.items()}
    account = businesses[BLOOM].channels.twilio
    assert account is not None
    sender = TwilioSmsSender(
        {BLOOM: account.model_copy(update={"auth_token": "stale"})},
        base_url=rig.fake.url,
        options=FAST,
    )
    drainer = Drainer(rig.app.store, {"reply": ReplyRouter({"sms": sender}, FAST)})
    assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"dead": 1}
    [row] = await rig.app.store.outbox()
    assert "20003" in row.last_error


# --------------------------------------------------------------------- pieces


async def _reply_row(store: MemoryStore, channel: str, business: str = BLOOM) -> None:
    async with store.transaction(business, "c1") as tx:
        await tx.enqueue(
            OutboxRow(
                id=f"r-{channel}",
                business=business,
                kind="reply",
                payload={
                    "channel": channel,
                    "to": CUSTOMER,
                    "text": "Hello",
                    "options": [],
                    "in_reply_to": "m1",
                },
                idempotency_key=f"reply:{business}:{channel}",
                next_attempt_at=NOW,
            )
        )


async def test_the_reply_router_sends_by_channel_and_dead_letters_the_rest(
    fake_twilio: FakeTwilio,
) -> None:
    from adapters.channels import TwilioChannel

    store = MemoryStore()
    await _reply_row(store, "sms")
    await _reply_row(store, "telegram")
    sms = TwilioSmsSender(
        {BLOOM: TwilioChannel(account_sid=SID, auth_token=TOKEN, from_number=FROM)},
        base_url=fake_twilio.url,
    )
    drainer = Drainer(store, {"reply": ReplyRouter({"sms": sms}, FAST)})
    assert await drainer.drain_once(NOW) == {"sent": 1, "dead": 1}
    rows = {r.payload["channel"]: r for r in await store.outbox()}
    assert rows["sms"].status == "sent"
    assert rows["telegram"].status == "dead"
    assert "telegram" in rows["telegram"].last_error
    assert [s["Body"] for s in fake_twilio.sent] == ["Hello"]


async def test_a_business_without_twilio_is_a_permanent_failure(fake_twilio: FakeTwilio) -> None:
    store = MemoryStore()
    await _reply_row(store, "sms", business="rapid-rooter")
    sms = TwilioSmsSender({}, base_url=fake_twilio.url)
    drainer = Drainer(store, {"reply": ReplyRouter({"sms": sms}, FAST)})
    assert await drainer.drain_once(NOW) == {"dead": 1}
    assert fake_twilio.attempts == []


async def test_serve_s_reply_senders_keep_one_connection_to_twilio(rig: Rig) -> None:
    """``frontdesk serve`` sends every reply on one HTTP session: three replies reach Twilio
    over one kept-alive connection, not a new one (a TCP and TLS handshake) each."""
    for text in ("Hello", "What are your opening hours?", "Where can I park?"):
        assert (await rig.post(rig.form(text))).status == 200
    businesses = {s: b.business for s, b in rig.app.brains.items()}
    async with aiohttp.ClientSession() as session:
        drainer = drainer_for(
            rig.app.store,
            businesses,
            FAST,
            extra={"reply": reply_router(rig.server.settings, businesses, session)},
        )
        assert await drainer.drain_once(NOW + timedelta(minutes=1)) == {"sent": 3}
    assert len(rig.fake.sent) == 3
    assert len(rig.fake.peers) == 3 and None not in rig.fake.peers
    assert len(set(rig.fake.peers)) == 1


async def test_drainer_for_leaves_replies_alone_by_default() -> None:
    store = MemoryStore()
    await _reply_row(store, "sms")
    assert await drainer_for(store, {}).drain_once(NOW) == {}
    assert [r.status for r in await store.outbox()] == ["pending"]


def test_options_become_a_numbered_list_and_the_body_fits_one_message() -> None:
    assert (
        sms_text("Which one?", ["Tue 10:00", "Tue 11:00"])
        == "Which one?\n\n1. Tue 10:00\n2. Tue 11:00"
    )
    assert sms_text("Hi", []) == "Hi"
    long = sms_text("x" * 5000, ["a"])
    assert len(long) == 1600 and long.endswith("…")


async def test_a_business_whose_twilio_token_is_unset_takes_no_sms(
    tmp_path: Path, language: LanguageBackend
) -> None:
    """The demo file's empty defaults: no token, no channel (an empty HMAC key would let
    anyone sign)."""
    async with database_url(tmp_path) as db:
        settings = Settings(
            db=db,
            businesses=repo_path("examples", "businesses"),
            env={"TWILIO_ACCOUNT_SID": SID, "BLOOM_SALON_TWILIO_NUMBER": FROM},
        )
        app = await open_app(settings, only=BLOOM, language=language)
        web_app = web.Application()
        web_app.add_routes(routes(Server(settings=settings, app=app)))
        async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
            form = {"MessageSid": "SM1", "From": CUSTOMER, "Body": "hi"}
            url = str(client.make_url(PATH))
            r = await client.post(
                PATH,
                data=urlencode(form),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": RequestValidator("").compute_signature(url, form),
                },
            )
            assert r.status == 404
        assert await app.store.inbound_events(BLOOM) == []
        await app.close()


def test_the_twilio_api_url_is_a_setting() -> None:
    assert Settings.from_env({}).twilio_api_url == "https://api.twilio.com"
    fake = Settings.from_env({"FRONTDESK_TWILIO_API_URL": "http://127.0.0.1:9/"})
    assert fake.twilio_api_url == "http://127.0.0.1:9"
