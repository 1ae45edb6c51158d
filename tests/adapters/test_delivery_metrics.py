"""Delivery metrics: every attempt of every sender is counted once, by the provider that
delivered it and its result (sent, retry, dead), with its latency — against the local fakes
of Twilio, the WhatsApp Cloud API and the Telegram Bot API that the channel tests use, and
through ``/metrics`` of the real app.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from adapters.channels import TelegramChannel, TwilioChannel, WhatsAppChannel
from adapters.http.app import build_app
from adapters.http.server import Metrics, Server
from adapters.http.telegram import TelegramSender
from adapters.http.twilio import TwilioSmsSender
from adapters.http.webchat import WebchatHistory
from adapters.http.whatsapp import WhatsAppSender
from adapters.outbox import DeliveryMetrics, Drainer, ReplyRouter, RetryOptions, drainer_for
from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from engine.ports import OutboxRow, Store
from language.types import LanguageBackend
from store.memory import MemoryStore
from tests.dbs import database_url
from tests.fakes import telegram as tg
from tests.fakes import twilio as tw
from tests.fakes import whatsapp as wa

BLOOM = "bloom-salon"
NOW = tg.NOW
FAST = RetryOptions(max_attempts=3, base_delay=timedelta(seconds=5), timeout_s=5)
LATER = timedelta(minutes=1)  # past any backoff of FAST's first attempts


@asynccontextmanager
async def serving(
    path: str, handler: Callable[[web.Request], Awaitable[web.Response]]
) -> AsyncIterator[str]:
    """A fake provider API on a local port; yields its base URL."""
    api = web.Application()
    api.router.add_post(path, handler)
    server = TestServer(api, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def twilio() -> AsyncIterator[tw.FakeTwilio]:
    fake = tw.FakeTwilio()
    async with serving("/2010-04-01/Accounts/{sid}/Messages.json", fake.messages) as url:
        fake.url = url
        yield fake


@pytest.fixture
async def graph() -> AsyncIterator[wa.FakeGraph]:
    fake = wa.FakeGraph()
    async with serving("/{version}/{phone}/messages", fake.messages) as url:
        fake.url = url
        yield fake


@pytest.fixture
async def telegram() -> AsyncIterator[tg.FakeTelegram]:
    fake = tg.FakeTelegram()
    async with serving("/bot{token}/{method}", fake.method) as url:
        fake.url = url
        yield fake


def sms(fake: tw.FakeTwilio) -> TwilioSmsSender:
    return TwilioSmsSender(
        {BLOOM: TwilioChannel(account_sid=tw.SID, auth_token=tw.TOKEN, from_number=tw.FROM)},
        base_url=fake.url,
    )


def whatsapp(fake: wa.FakeGraph) -> WhatsAppSender:
    account = WhatsAppChannel(
        phone_number_id=wa.PHONE_ID,
        access_token=wa.TOKEN,
        app_secret=wa.SECRET,
        verify_token=wa.VERIFY,
    )
    return WhatsAppSender({BLOOM: account}, base_url=fake.url, version=wa.VERSION)


def telegram_bot(fake: tg.FakeTelegram) -> TelegramSender:
    bot = TelegramChannel(bot_token=tg.TOKEN, secret_token=tg.SECRET)
    return TelegramSender({BLOOM: bot}, base_url=fake.url)


async def reply(store: Store, channel: str, to: str = "+15035550123") -> None:
    """A reply row on ``channel``, due at ``NOW``."""
    key = uuid.uuid4().hex
    async with store.transaction(BLOOM, "c1") as tx:
        await tx.enqueue(
            OutboxRow(
                id=key,
                business=BLOOM,
                kind="reply",
                payload={
                    "channel": channel,
                    "to": to,
                    "text": "Hello",
                    "options": [],
                    "in_reply_to": "m1",
                },
                idempotency_key=f"reply:{key}",
                next_attempt_at=NOW,
            )
        )


def count(registry: CollectorRegistry, provider: str, result: str) -> float:
    value = registry.get_sample_value(
        "frontdesk_deliveries_total", {"provider": provider, "result": result}
    )
    return value or 0.0


def counted(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    """Every non-zero delivery counter: (provider, result) → count."""
    return {
        (s.labels["provider"], s.labels["result"]): s.value
        for metric in registry.collect()
        if metric.name == "frontdesk_deliveries"
        for s in metric.samples
        if s.name.endswith("_total") and s.value
    }


def timed(registry: CollectorRegistry, provider: str) -> float:
    """How many attempts of ``provider`` the latency histogram holds."""
    value = registry.get_sample_value("frontdesk_delivery_seconds_count", {"provider": provider})
    return value or 0.0


# --------------------------------------------------------------------- each provider


async def _sent_retried_dead(
    store: MemoryStore,
    drainer: Drainer,
    fail_with: Callable[[str], None],
    channel: str,
    to: str,
    retry: str,
    dead: str,
) -> None:
    """One reply fails with ``retry`` then goes out; a second is refused for good."""
    await reply(store, channel, to)
    fail_with(retry)
    assert await drainer.drain_once(NOW) == {"pending": 1}
    assert await drainer.drain_once(NOW + LATER) == {"sent": 1}
    await reply(store, channel, to)
    fail_with(dead)
    assert await drainer.drain_once(NOW + 2 * LATER) == {"dead": 1}


@pytest.mark.parametrize("retry", ["500", "429"])
async def test_twilio_sent_retried_and_dead(twilio: tw.FakeTwilio, retry: str) -> None:
    store, metrics = MemoryStore(), DeliveryMetrics(registry := CollectorRegistry())
    drainer = Drainer(store, {"reply": ReplyRouter({"sms": sms(twilio)}, FAST)}, metrics)

    def fail_with(status: str) -> None:
        twilio.fail_with = [int(status)]

    await _sent_retried_dead(store, drainer, fail_with, "sms", "+15035550123", retry, "400")
    assert counted(registry) == {
        ("twilio_sms", "sent"): 1,
        ("twilio_sms", "retry"): 1,
        ("twilio_sms", "dead"): 1,
    }
    assert timed(registry, "twilio_sms") == 3 == len(twilio.attempts)


@pytest.mark.parametrize("retry", ["500/131000", "429/4", "400/131048"])
async def test_whatsapp_sent_retried_and_dead(graph: wa.FakeGraph, retry: str) -> None:
    store, metrics = MemoryStore(), DeliveryMetrics(registry := CollectorRegistry())
    drainer = Drainer(store, {"reply": ReplyRouter({"whatsapp": whatsapp(graph)}, FAST)}, metrics)

    def fail_with(answer: str) -> None:
        status, code = answer.split("/")
        graph.fail_with = [(int(status), int(code))]

    await _sent_retried_dead(
        store, drainer, fail_with, "whatsapp", wa.CUSTOMER, retry, "400/131026"
    )
    assert counted(registry) == {
        ("whatsapp", "sent"): 1,
        ("whatsapp", "retry"): 1,
        ("whatsapp", "dead"): 1,
    }
    assert timed(registry, "whatsapp") == 3 == len(graph.attempts)


@pytest.mark.parametrize("retry", ["500", "429"])
async def test_telegram_sent_retried_and_dead(telegram: tg.FakeTelegram, retry: str) -> None:
    store, metrics = MemoryStore(), DeliveryMetrics(registry := CollectorRegistry())
    drainer = Drainer(
        store, {"reply": ReplyRouter({"telegram": telegram_bot(telegram)}, FAST)}, metrics
    )

    def fail_with(status: str) -> None:
        telegram.fail_with = [int(status)]

    await _sent_retried_dead(store, drainer, fail_with, "telegram", str(tg.CHAT), retry, "403")
    assert counted(registry) == {
        ("telegram", "sent"): 1,
        ("telegram", "retry"): 1,
        ("telegram", "dead"): 1,
    }
    assert timed(registry, "telegram") == 3 == len(telegram.attempts)


async def test_the_last_retryable_failure_is_dead(twilio: tw.FakeTwilio) -> None:
    store, metrics = MemoryStore(), DeliveryMetrics(registry := CollectorRegistry())
    once = RetryOptions(max_attempts=1, timeout_s=5)
    drainer = Drainer(store, {"reply": ReplyRouter({"sms": sms(twilio)}, once)}, metrics)
    await reply(store, "sms")
    twilio.fail_with = [500]
    assert await drainer.drain_once(NOW) == {"dead": 1}
    assert counted(registry) == {("twilio_sms", "dead"): 1}


async def test_an_unreachable_provider_is_a_timed_retry() -> None:
    store, metrics = MemoryStore(), DeliveryMetrics(registry := CollectorRegistry())
    bot = TelegramChannel(bot_token=tg.TOKEN, secret_token=tg.SECRET)
    sender = TelegramSender({BLOOM: bot}, base_url="http://127.0.0.1:9")
    drainer = Drainer(store, {"reply": ReplyRouter({"telegram": sender}, FAST)}, metrics)
    await reply(store, "telegram", str(tg.CHAT))
    assert await drainer.drain_once(NOW) == {"pending": 1}
    assert counted(registry) == {("telegram", "retry"): 1}
    assert timed(registry, "telegram") == 1


# --------------------------------------------------------------------- the reply router


async def test_the_router_counts_each_reply_once_under_its_channel_s_provider(
    twilio: tw.FakeTwilio, graph: wa.FakeGraph, telegram: tg.FakeTelegram
) -> None:
    store, metrics = MemoryStore(), DeliveryMetrics(registry := CollectorRegistry())
    router = ReplyRouter(
        {
            "sms": sms(twilio),
            "whatsapp": whatsapp(graph),
            "telegram": telegram_bot(telegram),
            "webchat": WebchatHistory(),
        },
        FAST,
    )
    await reply(store, "sms")
    await reply(store, "whatsapp", wa.CUSTOMER)
    await reply(store, "telegram", str(tg.CHAT))
    await reply(store, "webchat", "session-1")
    await reply(store, "voice")  # no sender for it: dead at once
    drainer = Drainer(store, {"reply": router}, metrics)
    assert await drainer.drain_once(NOW) == {"sent": 4, "dead": 1}
    assert counted(registry) == {
        ("twilio_sms", "sent"): 1,
        ("whatsapp", "sent"): 1,
        ("telegram", "sent"): 1,
        ("webchat", "sent"): 1,
        ("unrouted", "dead"): 1,
    }
    assert timed(registry, "reply") == 0
    assert (
        sum(
            timed(registry, p)
            for p in ("twilio_sms", "whatsapp", "telegram", "webchat", "unrouted")
        )
        == 5
    )


async def test_without_metrics_nothing_is_counted_and_delivery_is_the_same(
    twilio: tw.FakeTwilio,
) -> None:
    store = MemoryStore()
    await reply(store, "sms")
    drainer = Drainer(store, {"reply": ReplyRouter({"sms": sms(twilio)}, FAST)})
    assert await drainer.drain_once(NOW) == {"sent": 1}
    assert len(twilio.sent) == 1


# --------------------------------------------------------------------- drainer_for


async def test_drainer_for_gives_the_metrics_to_built_in_and_extra_senders(tmp_path: Path) -> None:
    store, metrics = MemoryStore(), DeliveryMetrics(registry := CollectorRegistry())
    async with store.transaction(BLOOM, "c1") as tx:
        await tx.enqueue(
            OutboxRow(
                id="m1",
                business=BLOOM,
                kind="message_file",
                payload={"path": str(tmp_path / "messages.jsonl"), "message": {"text": "Call me"}},
                idempotency_key="message:m1",
                next_attempt_at=NOW,
            )
        )
        await tx.enqueue(
            OutboxRow(
                id="m2",
                business=BLOOM,
                kind="message_webhook",
                payload={"url": "http://127.0.0.1:9/hook", "message": {"text": "Call me"}},
                idempotency_key="message:m2",
                next_attempt_at=NOW,
            )
        )  # no secret: dead
    await reply(store, "webchat", "session-1")
    drainer = drainer_for(
        store,
        {},
        FAST,
        extra={"reply": ReplyRouter({"webchat": WebchatHistory()}, FAST)},
        metrics=metrics,
    )
    assert await drainer.drain_once(NOW) == {"sent": 2, "dead": 1}
    assert counted(registry) == {
        ("message_file", "sent"): 1,
        ("message_webhook", "dead"): 1,
        ("webchat", "sent"): 1,
    }


def test_the_server_s_registry_holds_the_delivery_metrics() -> None:
    metrics = Metrics()
    metrics.deliveries.record("twilio_sms", "pending", 0.2)
    assert count(metrics.registry, "twilio_sms", "retry") == 1
    assert timed(metrics.registry, "twilio_sms") == 1


# --------------------------------------------------------------------- /metrics


async def test_metrics_exposes_deliveries_and_outbox_depth(
    tmp_path: Path, language: LanguageBackend, twilio: tw.FakeTwilio
) -> None:
    async with database_url(tmp_path) as db:
        app = await open_app(
            Settings(db=db, businesses=repo_path("examples", "businesses")),
            only=BLOOM,
            language=language,
        )
        try:
            server = Server(settings=app.settings, app=app)
            businesses = {k: b.business for k, b in app.brains.items()}
            drainer = drainer_for(
                app.store,
                businesses,
                FAST,
                extra={"reply": ReplyRouter({"sms": sms(twilio)}, FAST)},
                metrics=server.metrics.deliveries,
            )
            await reply(app.store, "sms")
            await reply(app.store, "sms")
            twilio.fail_with = [500]
            assert await drainer.drain_once(NOW) == {"pending": 1, "sent": 1}
            async with TestClient(TestServer(build_app(server), host="127.0.0.1")) as client:
                r = await client.get("/metrics")
                assert r.status == 200
                body = await r.text()
        finally:
            await app.close()
    lines = body.splitlines()
    assert 'frontdesk_deliveries_total{provider="twilio_sms",result="sent"} 1.0' in lines
    assert 'frontdesk_deliveries_total{provider="twilio_sms",result="retry"} 1.0' in lines
    assert 'frontdesk_delivery_seconds_count{provider="twilio_sms"} 2.0' in lines
    assert 'frontdesk_outbox_depth{status="pending"} 1.0' in lines
    assert 'frontdesk_outbox_depth{status="dead"} 0.0' in lines
