"""Draining the outbox: deliveries written in a turn's transaction, sent afterwards.

Each kind of row has a sender that implements only ``_send``; :class:`Sender.send` owns
the retry policy — exponential backoff, a dead-letter state after the last attempt — and
the delivery metrics, so every channel behaves the same (STYLE.md 9). A row is claimed with
a lease, so a drainer that dies mid-send leaves it to be sent again, never lost; receivers
deduplicate by the idempotency key sent with each delivery.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Collection, Hashable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Histogram

from engine.business import Business
from engine.ports import OutboxRow
from rules.errors import FrontdeskError
from store.ports import OutboxQueue

from .net import Outbound, OutboundRefused, guarded_session

log = logging.getLogger("frontdesk.outbox")


class DeliveryError(FrontdeskError):
    """A delivery failed. ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ProviderStatusError(DeliveryError):
    """A provider answered a delivery with an error status. Whether trying again may help is
    decided here, once for every sender (as livekit-agents' ``APIStatusError`` does): a 5xx
    or a 429 (rate limited) may pass, and so may the provider's own ``retryable_codes``
    (WhatsApp's rate-limit codes); any other refusal is permanent. ``code`` and ``body``
    are the provider's error code and parsed answer, for whoever wants more than the
    message."""

    def __init__(
        self,
        message: str,
        status: int,
        code: object = None,
        body: Mapping[str, Any] | None = None,
        retryable_codes: Collection[object] = frozenset(),
    ) -> None:
        # a code of a shape no provider sends (a list, an object) is simply not one of them
        listed = isinstance(code, Hashable) and code in retryable_codes
        super().__init__(message, retryable=self.may_retry(status) or listed)
        self.status = status
        self.code = code
        self.body = dict(body or {})

    @staticmethod
    def may_retry(status: int) -> bool:
        """Whether an HTTP status may pass when the request is sent again."""
        return status >= 500 or status == 429


@dataclass(frozen=True)
class RetryOptions:
    max_attempts: int = 6
    base_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    timeout_s: float = 10.0

    def delay(self, attempts: int) -> timedelta:
        delay: timedelta = self.base_delay * (2 ** max(0, attempts - 1))
        return min(self.max_delay, delay)


class DeliveryMetrics:
    """Every delivery attempt, for Prometheus: its result (``sent``, ``retry`` — failed, to
    be tried again — or ``dead``) and how long the provider took, by the provider that
    actually delivered (``twilio_sms``, ``whatsapp``, ``telegram``, ``message_file``...)."""

    RESULTS = {"sent": "sent", "pending": "retry", "dead": "dead"}  # row status → result

    def __init__(self, registry: CollectorRegistry) -> None:
        self.deliveries = Counter(
            "frontdesk_deliveries",
            "delivery attempts by provider and result (sent, retry, dead)",
            ["provider", "result"],
            registry=registry,
        )
        self.seconds = Histogram(
            "frontdesk_delivery_seconds",
            "time of one delivery attempt",
            ["provider"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )

    def record(self, provider: str, status: str, seconds: float) -> None:
        """One attempt that left its row ``status`` (``sent``, ``pending`` or ``dead``)."""
        self.deliveries.labels(provider, self.RESULTS[status]).inc()
        self.seconds.labels(provider).observe(seconds)


class Sender:
    """Sends one kind of outbox row. Subclasses implement ``_send`` only, and name their
    ``provider`` (the label of their deliveries in :class:`DeliveryMetrics`)."""

    kind = ""
    provider = ""

    def __init__(self, options: RetryOptions = RetryOptions()) -> None:
        self.options = options

    async def _send(self, row: OutboxRow) -> None:
        raise NotImplementedError

    def provider_for(self, row: OutboxRow) -> str:
        """The provider that delivers ``row``: this sender's (its kind when it names none)."""
        return self.provider or self.kind

    async def send(
        self,
        store: OutboxQueue,
        row: OutboxRow,
        now: datetime,
        metrics: DeliveryMetrics | None = None,
    ) -> str:
        """Try once; record sent, a retry with backoff, or dead (in the store, and in
        ``metrics`` when given). Returns the new status."""
        started = time.perf_counter()
        if row.payload.get("secret") and not row.payload.get("text"):
            # a re-queued row whose secret (a one-time code) was blanked: nothing to send
            await store.mark_outbox(row.id, "dead", row.attempts, now, "secret already blanked")
            if metrics is not None:
                metrics.record(self.provider_for(row), "dead", time.perf_counter() - started)
            return "dead"
        try:
            await asyncio.wait_for(self._send(row), self.options.timeout_s)
        except (TimeoutError, DeliveryError, OSError, aiohttp.ClientError) as e:
            elapsed = time.perf_counter() - started
            retryable = getattr(e, "retryable", True)
            status = "pending" if retryable and row.attempts < self.options.max_attempts else "dead"
            delay = self.options.delay(row.attempts)
            # a provider's refusal is recorded as the delivery error it is, whichever sender
            # raised it (ProviderStatusError is for code, not the owner reading the outbox)
            name = DeliveryError.__name__ if isinstance(e, DeliveryError) else type(e).__name__
            await store.mark_outbox(row.id, status, row.attempts, now + delay, f"{name}: {e}"[:500])
            log.warning(
                "delivery failed",
                extra={"row": row.id, "kind": row.kind, "attempts": row.attempts, "status": status},
            )
        else:
            elapsed = time.perf_counter() - started
            status = "sent"
            await store.mark_outbox(row.id, status, row.attempts, now, "")
        if metrics is not None:
            metrics.record(self.provider_for(row), status, elapsed)
        return status


class HttpSender(Sender):
    """A sender that POSTs to a provider's HTTP API, on a shared ``aiohttp`` session when it
    is given one (``adapters.net.guarded_session``), else on a guarded one — where
    ``outbound`` allows — opened and closed for the request. No redirect is followed (the
    3xx is the answer); a connection the guard refuses is a permanent failure."""

    def __init__(
        self,
        options: RetryOptions = RetryOptions(),
        session: aiohttp.ClientSession | None = None,
        outbound: Outbound | None = None,
    ) -> None:
        super().__init__(options)
        self._session = session
        self.outbound = outbound or Outbound()

    @asynccontextmanager
    async def _post(self, url: str, **kwargs: Any) -> AsyncIterator[aiohttp.ClientResponse]:
        session = self._session or guarded_session(self.outbound)
        try:
            async with session.post(url, allow_redirects=False, **kwargs) as response:
                yield response
        except OutboundRefused as e:
            raise DeliveryError(str(e), retryable=False) from None
        finally:
            if self._session is None:
                await session.close()


async def response_json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """A provider's JSON answer as a dict; ``{}`` when it is not a JSON object."""
    try:
        data = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return {}
    return data if isinstance(data, dict) else {}


class FileSender(Sender):
    """Appends a taken message as one JSON line to the business's message file."""

    kind = "message_file"
    provider = "message_file"

    async def _send(self, row: OutboxRow) -> None:
        path = Path(str(row.payload["path"]))
        line = json.dumps(
            dict(row.payload["message"], delivery_id=row.idempotency_key),
            ensure_ascii=False,
            sort_keys=True,
        )
        await asyncio.to_thread(_append_line, path, line, row.idempotency_key)


def _append_line(path: Path, line: str, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    marker = f'"delivery_id": {json.dumps(key)}'
    if path.exists() and marker in path.read_text(encoding="utf-8"):
        return  # delivered by an earlier attempt that died before it was marked sent
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Frontdesk-Signature``: HMAC-SHA256 over ``timestamp.body``, hex, prefixed."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookSender(HttpSender):
    """POSTs a taken message as JSON, signed with the business's webhook secret."""

    kind = "message_webhook"
    provider = "message_webhook"

    def __init__(
        self,
        secrets: Mapping[str, str],
        options: RetryOptions = RetryOptions(),
        session: aiohttp.ClientSession | None = None,
        outbound: Outbound | None = None,
    ) -> None:
        super().__init__(options, session, outbound)
        self._secrets = dict(secrets)  # business slug → secret

    async def _send(self, row: OutboxRow) -> None:
        secret = self._secrets.get(row.business)
        if not secret:
            raise DeliveryError(f"no webhook secret configured for {row.business}", False)
        url = str(row.payload["url"])
        if why := self.outbound.url_problem(url):  # a row written before the rule, or by hand
            raise DeliveryError(f"webhook URL refused: {why}", retryable=False)
        body = json.dumps(row.payload["message"], ensure_ascii=False, sort_keys=True).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Frontdesk-Timestamp": stamp,
            "X-Frontdesk-Signature": sign(secret, stamp, body),
            "Idempotency-Key": row.idempotency_key,
        }
        async with self._post(url, data=body, headers=headers) as r:
            if 300 <= r.status < 400:
                raise ProviderStatusError(
                    f"webhook answered {r.status}, a redirect (not followed)", r.status
                )
            if r.status >= 400:
                what = "answered" if ProviderStatusError.may_retry(r.status) else "refused with"
                raise ProviderStatusError(f"webhook {what} {r.status}", r.status)


class ReplyRouter(Sender):
    """Kind ``reply``: every channel's replies share the kind, so this hands each row to
    the sender of its ``payload["channel"]``. The retry policy is this sender's (the
    channel senders' ``_send`` does the delivery only); the metrics count the delivery once,
    under the channel sender's provider. A channel with no sender is a permanent failure:
    the row goes to the dead letters at once (provider ``unrouted``)."""

    kind = "reply"

    def __init__(
        self, channels: Mapping[str, Sender], options: RetryOptions = RetryOptions()
    ) -> None:
        super().__init__(options)
        self.channels = dict(channels)  # channel ("sms", "whatsapp", ...) → sender

    def provider_for(self, row: OutboxRow) -> str:
        sender = self.channels.get(str(row.payload.get("channel", "")))
        return "unrouted" if sender is None else sender.provider_for(row)

    async def _send(self, row: OutboxRow) -> None:
        channel = str(row.payload.get("channel", ""))
        sender = self.channels.get(channel)
        if sender is None:
            raise DeliveryError(f"no sender for replies on channel {channel!r}", retryable=False)
        await sender._send(row)


class Drainer:
    """Claims due rows and hands each to the sender of its kind; every attempt is counted
    in ``metrics`` when it is given.

    Between drains that found nothing, a server's drainer waits in :meth:`idle`: until a poll
    interval has passed (rows of other processes, retries coming due) or, sooner, until
    :meth:`wake` says rows were just committed here — a reply leaves as soon as its turn
    commits, not at the next poll. Wakes while a drain runs are kept for the next idle.

    A drain sends to up to ``concurrency`` recipients at once — a slow provider call, or a
    busy process, then does not hold up everyone else's replies — and the rows of one
    recipient one after another, in due order."""

    def __init__(
        self,
        store: OutboxQueue,
        senders: Mapping[str, Sender],
        metrics: DeliveryMetrics | None = None,
        concurrency: int = 4,
    ) -> None:
        self.store = store
        self.senders = dict(senders)
        self.metrics = metrics
        self.concurrency = max(1, concurrency)
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Rows were committed to the outbox: end the current or next :meth:`idle`."""
        self._woken.set()

    async def idle(self, seconds: float, stop: asyncio.Event | None = None) -> None:
        """Wait until woken, ``stop`` is set or ``seconds`` have passed (whichever is first)."""
        waits = [asyncio.ensure_future(self._woken.wait())]
        if stop is not None:
            waits.append(asyncio.ensure_future(stop.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        self._woken.clear()  # before the drain that follows: a wake during it is kept

    async def drain_once(self, now: datetime | None = None, limit: int = 50) -> dict[str, int]:
        """Claim the due rows and send them; how many ended in each status."""
        now = now or datetime.now(UTC)
        lines: dict[tuple[str, ...], list[OutboxRow]] = {}
        for row in await self.store.claim_outbox(now, limit, kinds=list(self.senders)):
            lines.setdefault(_recipient(row), []).append(row)
        counts: dict[str, int] = {}
        gate = asyncio.Semaphore(self.concurrency)

        async def deliver(line: list[OutboxRow]) -> None:
            for row in line:
                async with gate:
                    status = await self.senders[row.kind].send(self.store, row, now, self.metrics)
                counts[status] = counts.get(status, 0) + 1

        failed = [
            e
            for e in await asyncio.gather(*map(deliver, lines.values()), return_exceptions=True)
            if isinstance(e, BaseException)
        ]
        if failed:  # a store error while settling a row: every other send has finished
            raise failed[0]
        return counts


def _recipient(row: OutboxRow) -> tuple[str, ...]:
    """Rows with the same key go out in order: a customer's replies on one channel, a
    business's taken messages of one kind."""
    return (
        row.kind,
        row.business,
        str(row.payload.get("channel", "")),
        str(row.payload.get("to", "")),
    )


def drainer_for(
    store: OutboxQueue,
    businesses: Mapping[str, Business],
    options: RetryOptions = RetryOptions(),
    extra: Mapping[str, Sender] | None = None,
    metrics: DeliveryMetrics | None = None,
    session: aiohttp.ClientSession | None = None,
    outbound: Outbound | None = None,
) -> Drainer:
    """The drainer of taken messages (file, webhook), plus ``extra`` senders by kind
    (e.g. ``{"reply": ReplyRouter({"sms": ...})}``); an extra sender of a built-in kind
    replaces it. Rows of kinds without a sender stay in the outbox, unclaimed. Every
    sender's attempts are counted in ``metrics`` when it is given. The webhook sender
    posts on ``session`` when it is given (its connections kept between messages; make it
    with ``adapters.net.guarded_session``), and checks each URL against ``outbound`` (the
    operator's ``outbound_allow``; none: https to public hosts only)."""
    secrets = {
        slug: b.messages.webhook.secret
        for slug, b in businesses.items()
        if b.messages.webhook is not None
    }
    senders: dict[str, Sender] = {
        "message_file": FileSender(options),
        "message_webhook": WebhookSender(secrets, options, session, outbound),
    }
    senders.update(extra or {})
    return Drainer(store, senders, metrics)


__all__ = [
    "DeliveryError",
    "DeliveryMetrics",
    "Drainer",
    "FileSender",
    "HttpSender",
    "ProviderStatusError",
    "ReplyRouter",
    "RetryOptions",
    "Sender",
    "WebhookSender",
    "drainer_for",
    "response_json",
    "sign",
]
