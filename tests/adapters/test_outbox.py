"""Outbox delivery against a real local HTTP receiver and a real file.

The receiver is an aiohttp server on 127.0.0.1 that checks the signature exactly as a
business's own endpoint would, and can be told to fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from adapters.net import Outbound
from adapters.outbox import (
    Drainer,
    FileSender,
    ProviderStatusError,
    RetryOptions,
    Sender,
    WebhookSender,
    sign,
)
from engine.ports import OutboxRow
from store.memory import MemoryStore

SECRET = "s3cret-value"
LOCAL = Outbound.of(["127.0.0.1"])  # the receivers run on this machine
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
MESSAGE = {
    "caller_name": "Morgan Blake",
    "callback_number": "+15035550104",
    "text": "Please call me back",
}


class Receiver:
    def __init__(self) -> None:
        self.received: list[dict[str, object]] = []
        self.fail_with = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        stamp = request.headers["X-Frontdesk-Timestamp"]
        expected = (
            "sha256="
            + hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(expected, request.headers["X-Frontdesk-Signature"]):
            return web.Response(status=401)
        if self.fail_with:
            return web.Response(status=self.fail_with)
        self.received.append({"key": request.headers["Idempotency-Key"], "body": json.loads(body)})
        return web.Response(status=204)


@pytest.fixture
async def receiver():
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rec.url = f"http://127.0.0.1:{port}/hook"  # type: ignore[attr-defined]
    yield rec
    await runner.cleanup()


async def _enqueue(store: MemoryStore, kind: str, payload: dict[str, object], key: str) -> None:
    async with store.transaction("bloom-salon", "c1") as tx:
        await tx.enqueue(
            OutboxRow(
                id=key,
                business="bloom-salon",
                kind=kind,
                payload=payload,
                idempotency_key=key,
                next_attempt_at=NOW,
            )
        )


async def test_webhook_is_signed_and_delivered_once(receiver):
    store = MemoryStore()
    await _enqueue(store, "message_webhook", {"url": receiver.url, "message": MESSAGE}, "k1")
    drainer = Drainer(
        store, {"message_webhook": WebhookSender({"bloom-salon": SECRET}, outbound=LOCAL)}
    )
    assert await drainer.drain_once(NOW) == {"sent": 1}
    assert receiver.received == [{"key": "k1", "body": MESSAGE}]
    assert await drainer.drain_once(NOW + timedelta(hours=1)) == {}
    assert [r.status for r in await store.outbox()] == ["sent"]


async def test_webhook_retries_with_backoff_then_dead_letters(receiver):
    store = MemoryStore()
    receiver.fail_with = 503
    options = RetryOptions(max_attempts=3, base_delay=timedelta(seconds=10))
    await _enqueue(store, "message_webhook", {"url": receiver.url, "message": MESSAGE}, "k2")
    drainer = Drainer(
        store, {"message_webhook": WebhookSender({"bloom-salon": SECRET}, options, outbound=LOCAL)}
    )
    assert await drainer.drain_once(NOW) == {"pending": 1}
    row = (await store.outbox())[0]
    assert row.attempts == 1 and row.next_attempt_at == NOW + timedelta(seconds=10)
    assert await drainer.drain_once(NOW + timedelta(seconds=5)) == {}  # not due yet
    assert await drainer.drain_once(NOW + timedelta(seconds=10)) == {"pending": 1}
    row = (await store.outbox())[0]
    assert row.next_attempt_at == NOW + timedelta(seconds=30)  # doubled
    assert await drainer.drain_once(NOW + timedelta(seconds=30)) == {"dead": 1}
    row = (await store.outbox())[0]
    assert row.status == "dead" and "503" in row.last_error
    assert receiver.received == []


async def test_webhook_client_error_is_not_retried(receiver):
    store = MemoryStore()
    receiver.fail_with = 400
    await _enqueue(store, "message_webhook", {"url": receiver.url, "message": MESSAGE}, "k3")
    drainer = Drainer(
        store, {"message_webhook": WebhookSender({"bloom-salon": SECRET}, outbound=LOCAL)}
    )
    assert await drainer.drain_once(NOW) == {"dead": 1}


async def test_unreachable_webhook_is_retried():
    store = MemoryStore()
    await _enqueue(
        store,
        "message_webhook",
        {"url": "http://127.0.0.1:9/nothing-listens", "message": MESSAGE},
        "k4",
    )
    drainer = Drainer(
        store,
        {
            "message_webhook": WebhookSender(
                {"bloom-salon": SECRET}, RetryOptions(timeout_s=2.0), outbound=LOCAL
            )
        },
    )
    assert await drainer.drain_once(NOW) == {"pending": 1}


async def test_file_delivery_appends_one_line_per_message_even_if_resent(tmp_path: Path):
    store = MemoryStore()
    path = tmp_path / "messages" / "bloom.jsonl"
    await _enqueue(store, "message_file", {"path": str(path), "message": MESSAGE}, "k5")
    drainer = Drainer(store, {"message_file": FileSender()})
    assert await drainer.drain_once(NOW) == {"sent": 1}
    row = (await store.outbox())[0]
    await FileSender().send(store, row, NOW)  # a second delivery of the same row
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["caller_name"] == "Morgan Blake"


def test_signature_matches_the_documented_scheme():
    body = b'{"a":1}'
    expected = hmac.new(b"k" * 8, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("k" * 8, "1700000000", body) == "sha256=" + expected


async def test_rows_for_senders_this_drainer_lacks_are_left_alone(tmp_path: Path):
    store = MemoryStore()
    await _enqueue(store, "reply", {"channel": "sms", "to": "+15035550104", "text": "hi"}, "k6")
    drainer = Drainer(store, {"message_file": FileSender()})
    assert await drainer.drain_once(NOW) == {}
    [row] = await store.outbox()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, NOW)


async def test_idle_ends_when_woken_even_by_a_wake_that_came_during_the_drain():
    drainer = Drainer(MemoryStore(), {"message_file": FileSender()})
    idle = asyncio.create_task(drainer.idle(600))  # only a wake can end it within the test
    await asyncio.sleep(0)
    assert not idle.done()
    drainer.wake()
    await asyncio.wait_for(idle, 10)
    drainer.wake()  # a turn commits while the drain runs: the next idle does not wait
    await asyncio.wait_for(drainer.idle(600), 10)
    idle = asyncio.create_task(drainer.idle(600))  # that wake was used up
    await asyncio.sleep(0.05)
    assert not idle.done()
    idle.cancel()


async def test_idle_ends_at_stop_or_after_its_time():
    drainer = Drainer(MemoryStore(), {"message_file": FileSender()})
    stop = asyncio.Event()
    idle = asyncio.create_task(drainer.idle(600, stop))
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(idle, 10)
    await asyncio.wait_for(drainer.idle(0.01), 10)  # nothing woke it: the poll interval


class _Provider(Sender):
    """A provider that holds each send until told, and records what it was given when."""

    kind = "reply"

    def __init__(self) -> None:
        super().__init__(RetryOptions(timeout_s=30))
        self.log: list[str] = []
        self.started: dict[str, asyncio.Event] = {}

    def began(self, key: str) -> asyncio.Event:
        return self.started.setdefault(key, asyncio.Event())

    async def _send(self, row: OutboxRow) -> None:
        self.log.append(f"start {row.id}")
        self.began(row.id).set()
        if row.id == "a1":  # held until the other customer's reply is on its way too
            await asyncio.wait_for(self.began("b1").wait(), 10)
        await asyncio.sleep(0)
        self.log.append(f"end {row.id}")


async def test_a_drain_sends_to_customers_at_once_and_to_each_in_order():
    store = MemoryStore()
    for key, to in (("a1", "+15035550101"), ("a2", "+15035550101"), ("b1", "+15035550102")):
        await _enqueue(store, "reply", {"channel": "sms", "to": to, "text": key}, key)
    provider = _Provider()
    drainer = Drainer(store, {"reply": provider})
    assert await drainer.drain_once(NOW) == {"sent": 3}  # a1 waited for b1: both in flight
    log = provider.log
    assert log.index("start b1") < log.index("end a1") < log.index("start a2")
    assert {r.status for r in await store.outbox()} == {"sent"}


async def test_one_at_a_time_the_first_customer_waits_in_vain():
    store = MemoryStore()
    for key, to in (("a1", "+15035550101"), ("b1", "+15035550102")):
        await _enqueue(store, "reply", {"channel": "sms", "to": to, "text": key}, key)
    provider = _Provider()
    provider.options = RetryOptions(timeout_s=0.2)
    drainer = Drainer(store, {"reply": provider}, concurrency=1)
    assert await drainer.drain_once(NOW) == {"pending": 1, "sent": 1}  # a1 timed out


@pytest.mark.parametrize(
    "status, code, retryable",
    [
        (500, None, True),
        (503, 1, True),
        (429, None, True),
        (400, None, False),
        (404, 4, False),
        (400, 131048, True),  # one of the provider's own rate-limit codes
        (400, [131048], False),  # a code of a shape no provider sends
        (400, {"code": 4}, False),
    ],
)
def test_a_provider_status_decides_once_whether_a_delivery_is_tried_again(
    status: int, code: object, retryable: bool
) -> None:
    error = ProviderStatusError("refused", status, code, retryable_codes=frozenset({131048}))
    assert error.retryable is retryable
    assert (error.status, error.code) == (status, code)


async def test_a_secret_is_sent_once_then_blanked_and_a_requeued_blank_is_not_sent() -> None:
    store = MemoryStore()
    payload = {"channel": "sms", "to": "+15035550101", "text": "code 123456", "secret": True}
    await _enqueue(store, "reply", payload, "c1")
    provider = _Provider()
    drainer = Drainer(store, {"reply": provider})
    assert await drainer.drain_once(NOW) == {"sent": 1}
    [row] = await store.outbox()
    assert row.payload["text"] == "" and provider.log == ["start c1", "end c1"]
    with pytest.raises(ValueError):  # a sent row is not re-queued ...
        await store.requeue_outbox(row.id, False, NOW)
    await store.mark_outbox(row.id, "dead", 1, NOW, "by hand")  # ... a dead one is
    assert await store.requeue_outbox(None, True, NOW) == 1
    assert await drainer.drain_once(NOW) == {"dead": 1}  # an empty text is never sent
    [row] = await store.outbox()
    assert row.last_error == "secret already blanked" and len(provider.log) == 2
