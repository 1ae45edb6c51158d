"""What every HTTP handler shares, and the one path a channel's message takes into the desk.

``frontdesk serve`` (or a test) builds one :class:`Server` — the composed app (store, desk,
brains), the settings, the Prometheus metrics and the rate limiter — and keeps it on the
aiohttp application as ``app[SERVER]``.

A channel module (``adapters/http/webchat.py``, ``twilio.py``, ...) exposes
``routes(server) -> list[web.RouteDef]`` and, when replies go out through a provider's API,
an ``adapters.outbox.Sender`` subclass for its outbox kind. Its handlers verify the
provider's signature, parse the provider's format into an ``InboundEvent`` and call
:func:`Server.inbound`, which applies the rate limit, counts the turn and never raises.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from adapters.outbox import DeliveryMetrics
from adapters.settings import Settings
from adapters.wiring import App
from engine.brain import Brain
from engine.desk import Reply
from engine.ports import DroppedBurst, InboundEvent

from .limits import Burst, RateLimiter, Verdict
from .ops import OpsAccess
from .sessions import SessionKeys

DROPS_FLUSH_S = 1.0  # a burst's count is written at most once a second while it lasts
log = logging.getLogger("frontdesk.http")


class Metrics:
    """The Prometheus metrics of one server (own registry, so tests may build several)."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        """``multiprocess_dir``: the directory where the worker processes of one
        ``serve --workers N`` count (prometheus_client's multi-process mode, chosen by
        ``PROMETHEUS_MULTIPROC_DIR`` before the first metric exists); the exposition then
        sums all of them."""
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        self.turns = Counter(
            "frontdesk_turns", "turns answered", ["channel", "outcome"], registry=self.registry
        )
        self.turn_seconds = Histogram(
            "frontdesk_turn_seconds",
            "time to answer one turn",
            ["channel"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.switch_confidence = Histogram(
            "frontdesk_topic_switch_confidence",
            "confidence of topic switches",
            buckets=(0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
            registry=self.registry,
        )
        self.actions = Counter(
            "frontdesk_actions", "actions run", ["name", "result"], registry=self.registry
        )
        self.outbox_depth = Gauge(
            "frontdesk_outbox_depth",
            "outbox rows by status",
            ["status"],
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.signature_failures = Counter(
            "frontdesk_webhook_signature_failures",
            "webhooks refused for their signature",
            ["provider"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "frontdesk_rate_limited",
            "messages over the rate limit",
            ["channel"],
            registry=self.registry,
        )
        self.deliveries = DeliveryMetrics(self.registry)  # fed by the outbox drainer

    def exposition(self) -> bytes:
        """The metrics in Prometheus's text format: this process's, or every worker's."""
        if not self.multiprocess_dir:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        merged = CollectorRegistry()
        # prometheus_client leaves MultiProcessCollector's __init__ unannotated
        multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
            merged, path=self.multiprocess_dir
        )
        return generate_latest(merged)


RATE_LIMITED = {
    "en": "You're sending messages faster than we can answer. Please wait a minute and try again.",
    "de": "Sie senden schneller Nachrichten, als wir antworten können. Bitte warten Sie eine "
    "Minute und versuchen Sie es dann erneut.",
}


@dataclass
class Server:
    settings: Settings
    app: App
    metrics: Metrics = field(default_factory=Metrics)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    public_url: str = ""  # e.g. https://desk.example.com (what providers sign); "" = request's
    sessions: SessionKeys = field(default_factory=SessionKeys.random)  # web-chat session ids
    ops: OpsAccess = field(default_factory=OpsAccess)  # who may read /metrics and /readyz

    def brain(self, business: str) -> Brain:
        """The business's brain, or a 404 ``{"error": "unknown business"}`` for a handler
        to let through."""
        brain = self.app.brains.get(business)
        if brain is None:
            raise web.HTTPNotFound(
                text=json.dumps({"error": "unknown business"}), content_type="application/json"
            )
        return brain

    async def inbound(
        self, event: InboundEvent, *, direct: bool, unsupported: str = "", address: str = ""
    ) -> Reply | None:
        """One message into the desk. ``None`` means: say nothing (rate limited, silent).

        ``direct``: the channel answers in the HTTP response (TwiML, the web chat socket);
        otherwise the reply goes out through the outbox. ``unsupported``: the message is
        of a kind the desk cannot read (a sticker, a voice note) and this is the reply; it
        is recorded and answered with it, not understood. Every message is recorded, the
        rate-limited ones too: the first over a limit with a turn of its own, the ones
        dropped after it counted, one row per burst (``dropped_burst``). ``address``: the
        client address of unsigned traffic (web chat), charged to its own budget. Never
        raises for a customer's message: the desk apologises itself; this is the last line
        of defence.
        """
        brain = self.app.brains.get(event.business)
        lang = (
            event.lang_hint
            if brain is not None and event.lang_hint in brain.business.languages
            else (brain.business.languages[0] if brain else "en")
        )
        now = time.monotonic()
        admission = self.limiter.admit(
            event.business, event.sender, now, channel=event.channel, address=address
        )
        await self._flush_ended()
        if admission.verdict != "ok":
            self.metrics.rate_limited.labels(event.channel).inc()
            if admission.burst is not None:  # dropped: counted, not a turn each
                await self._dropped(event, admission.burst, now)
                return None
            log.warning(
                "rate limited",
                extra={
                    "business": event.business,
                    "channel": event.channel,
                    "budget": admission.budget,
                },
            )
            # the warning is recorded (nothing is lost) with a turn saying so, not understood
            text = RATE_LIMITED.get(lang or "en", RATE_LIMITED["en"])
            return await self._refuse(event, "rate_limited", text, direct)
        if unsupported:
            return await self._refuse(event, "unsupported", unsupported, direct)
        started = time.perf_counter()
        reply = await self.app.desk.handle(event, direct=direct)
        self.metrics.turn_seconds.labels(event.channel).observe(time.perf_counter() - started)
        self.metrics.turns.labels(
            event.channel, "duplicate" if reply.duplicate else "answered"
        ).inc()
        for name, ok in reply.actions:
            self.metrics.actions.labels(name, "ok" if ok else "failed").inc()
        for confidence in reply.switches:
            self.metrics.switch_confidence.observe(confidence)
        return reply

    async def _dropped(self, event: InboundEvent, burst: Burst, now: float) -> None:
        """Count a dropped message in its burst; the burst's row is written when it starts
        and then at most every :data:`DROPS_FLUSH_S` (and when it ends)."""
        burst.last_at = event.received_at
        if burst.first is None:
            burst.first = event
            log.warning(
                "rate limited: dropping",
                extra={
                    "business": event.business,
                    "channel": event.channel,
                    "budget": burst.budget,
                },
            )
        if burst.writing or now - burst.written_at < DROPS_FLUSH_S:
            return
        await self._write_burst(burst, now)

    async def _flush_ended(self) -> None:
        for burst in self.limiter.ended():
            if burst.count > burst.written and not burst.writing:
                await self._write_burst(burst, time.monotonic())

    async def flush_drops(self) -> None:
        """Write every burst's count now (at shutdown)."""
        await self._flush_ended()
        for burst in self.limiter.open_bursts():
            if burst.count > burst.written and not burst.writing:
                await self._write_burst(burst, time.monotonic())

    async def _write_burst(self, burst: Burst, now: float) -> None:
        first = burst.first
        if first is None:
            return
        count = burst.count
        burst.writing = True
        try:
            await self.app.store.save_dropped(
                DroppedBurst(
                    id=burst.id,
                    business=burst.business,
                    channel=first.channel,
                    budget=burst.budget,
                    sender=first.sender,
                    provider_msg_id=first.provider_msg_id,
                    text=first.text[:2000],
                    count=count,
                    first_at=first.received_at,
                    last_at=burst.last_at or first.received_at,
                )
            )
            burst.written, burst.written_at = count, now
        except Exception as e:  # the database is down: counted again at the next flush
            log.warning(
                "recording dropped messages failed",
                extra={"business": burst.business, "error": type(e).__name__},
            )
        finally:
            burst.writing = False

    async def _refuse(
        self, event: InboundEvent, problem: str, text: str, direct: bool
    ) -> Reply | None:
        try:
            refused = await self.app.desk.refuse(event, problem, text, direct=direct)
        except Exception:  # the database is down: still never an error page
            log.exception(
                "recording a refused message failed",
                extra={"business": event.business, "problem": problem},
            )
            return Reply(text=text, conversation_id="", problem=problem) if text else None
        return refused if refused.text else None


SERVER: web.AppKey[Server] = web.AppKey("frontdesk.server", Server)

__all__ = [
    "DROPS_FLUSH_S",
    "RATE_LIMITED",
    "SERVER",
    "Metrics",
    "RateLimiter",
    "Server",
    "Verdict",
]
