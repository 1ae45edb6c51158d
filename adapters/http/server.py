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
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from adapters.outbox import DeliveryMetrics
from adapters.settings import Settings
from adapters.wiring import App
from engine.brain import Brain
from engine.desk import Reply
from engine.ports import InboundEvent

from .ops import OpsAccess
from .sessions import SessionKeys

Verdict = Literal["ok", "warn", "drop"]
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


@dataclass
class RateLimiter:
    """A sliding window per sender and per business: over the limit, the first message gets
    a polite reply (``warn``) and the rest are silently dropped (``drop``) until the window
    has room again. Every message is still recorded by the caller's choice; nothing here
    does I/O."""

    per_sender: int = 20  # messages per window from one sender
    per_business: int = 600  # messages per window to one business
    window_s: float = 60.0
    _seen: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _warned: set[tuple[str, str]] = field(default_factory=set)

    def check(self, business: str, sender: str, now: float | None = None) -> Verdict:
        now = time.monotonic() if now is None else now
        keys = ((business, sender), (business, ""))
        limits = (self.per_sender, self.per_business)
        for key in keys:
            q = self._seen.setdefault(key, deque())
            while q and q[0] <= now - self.window_s:
                q.popleft()
        over = [
            key for key, limit in zip(keys, limits, strict=True) if len(self._seen[key]) >= limit
        ]
        if not over:
            for key in keys:
                self._seen[key].append(now)
            self._warned.discard((business, sender))
            return "ok"
        if (business, sender) in self._warned:
            return "drop"
        self._warned.add((business, sender))
        return "warn"


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
        self, event: InboundEvent, *, direct: bool, unsupported: str = ""
    ) -> Reply | None:
        """One message into the desk. ``None`` means: say nothing (rate limited, silent).

        ``direct``: the channel answers in the HTTP response (TwiML, the web chat socket);
        otherwise the reply goes out through the outbox. ``unsupported``: the message is
        of a kind the desk cannot read (a sticker, a voice note) and this is the reply; it
        is recorded and answered with it, not understood. Every message is recorded, the
        rate-limited ones too. Never raises for a customer's message: the desk apologises
        itself; this is the last line of defence.
        """
        brain = self.app.brains.get(event.business)
        lang = (
            event.lang_hint
            if brain is not None and event.lang_hint in brain.business.languages
            else (brain.business.languages[0] if brain else "en")
        )
        verdict = self.limiter.check(event.business, f"{event.channel}:{event.sender}")
        if verdict != "ok":
            # recorded (nothing is lost) with a turn saying so, but not understood
            self.metrics.rate_limited.labels(event.channel).inc()
            log.warning(
                "rate limited",
                extra={
                    "business": event.business,
                    "channel": event.channel,
                    "provider_msg_id": event.provider_msg_id,
                },
            )
            text = RATE_LIMITED.get(lang or "en", RATE_LIMITED["en"]) if verdict == "warn" else ""
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

__all__ = ["RATE_LIMITED", "SERVER", "Metrics", "RateLimiter", "Server", "Verdict"]
