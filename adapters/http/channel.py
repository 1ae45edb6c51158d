"""What the provider channels (Twilio SMS and Voice, WhatsApp, Telegram) share: the clock
that stamps a message's arrival, reading a webhook's body under a size cap, the base of
their reply senders, and reading a webhook's payload into its Pydantic model; and what
every handler shares: who the client is (:func:`client_address`) and which URL it called
(:func:`request_origin`), with proxy headers believed only from a trusted proxy.

A sender refuses with :class:`~adapters.outbox.ProviderStatusError` when its provider
answers with an error status; for an error status, that class alone decides whether the row
is tried again.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

import aiohttp
from aiohttp import web
from pydantic import ValidationError, ValidatorFunctionWrapHandler

from adapters.net import Outbound
from adapters.outbox import DeliveryError, HttpSender, RetryOptions
from adapters.settings import IPNetwork
from engine.business import Business
from engine.ports import OutboxRow

Clock = Callable[[], datetime]
DEFAULT_RETRY = RetryOptions()


def utcnow() -> datetime:
    """The wall clock, the default :data:`Clock` of every webhook (tests pass a fixed one)."""
    return datetime.now(UTC)


# --------------------------------------------------------------------- who is asking


def _ip(hop: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address in a hop as proxies write them: ``203.0.113.5``, ``203.0.113.5:4711``,
    ``2001:db8::1``, ``[2001:db8::1]``, ``[2001:db8::1]:443``, a zone (``%eth0``) dropped;
    an IPv4 address mapped into IPv6 as itself. ``None`` when it holds none."""
    text = hop.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4 with a port (an IPv6 address has several colons)
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(address: str, proxies: Sequence[IPNetwork]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip.version == net.version and ip in net for net in proxies)


def proxied(request: web.Request, proxies: Sequence[IPNetwork]) -> bool:
    """Whether the request came through one of the trusted ``proxies``."""
    return bool(proxies) and _trusted(request.remote or "", proxies)


def client_address(request: web.Request, proxies: Sequence[IPNetwork]) -> str:
    """The client's IP address: the peer's own, unless the peer is one of ``proxies``;
    then the nearest address in ``X-Forwarded-For`` that is not a trusted proxy (each
    proxy appends the peer it saw, so the hops written by a client are never believed)."""
    peer = request.remote or ""
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [
        hop.strip()
        for line in request.headers.getall("X-Forwarded-For", ())
        for hop in line.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return hops[0][:64] if hops else peer


IPV6_PREFIX = 64  # one subscriber's usual allocation: an IPv6 client is counted by its /64


def client_key(request: web.Request, proxies: Sequence[IPNetwork]) -> str:
    """What per-address limits count: the client's IPv4 address, or the /64 network of its
    IPv6 address (one customer's line gets a whole /64; counting single addresses would
    give one client billions of budgets)."""
    address = client_address(request, proxies)
    parsed = _ip(address)
    if parsed is None:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)  # without a port a proxy may have written


def request_origin(request: web.Request, proxies: Sequence[IPNetwork]) -> str:
    """``scheme://host`` as the client called it: the request's own, or — only when the
    peer is one of ``proxies`` — what ``X-Forwarded-Proto``/``X-Forwarded-Host`` say.

    Their last value is believed: the one the trusted proxy wrote (a proxy that appends
    instead of replacing leaves a client's own value before it). Behind several proxies,
    set ``public_url``."""
    proto, host = request.scheme, request.host
    if proxies and _trusted(request.remote or "", proxies):
        proto = _last_hop(request.headers.getall("X-Forwarded-Proto", ())) or proto
        host = _last_hop(request.headers.getall("X-Forwarded-Host", ())) or host
    return f"{proto}://{host}"


def _last_hop(lines: Sequence[str]) -> str:
    """The last value of a forwarding header that may repeat and hold commas."""
    values = [v.strip() for line in lines for v in line.split(",") if v.strip()]
    return values[-1] if values else ""


# --------------------------------------------------------------------- bodies


async def read_body(request: web.Request, limit: int) -> bytes | web.Response:
    """The body, or a 413 when it is longer than ``limit`` — refused at once when
    ``Content-Length`` says so, else once it has all arrived (aiohttp refuses one over the
    app's ``client_max_size`` as soon as that much has arrived, whatever
    ``Content-Length`` said; the body-deadline middleware has usually read it already)."""
    if request.content_length is not None and request.content_length > limit:
        return _too_large()
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _too_large()
    return _too_large() if len(body) > limit else body


def _too_large() -> web.Response:
    return web.Response(status=413, text="request body too large")


# --------------------------------------------------------------------- payloads


def or_none(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A ``WrapValidator``: a value of another type counts as absent (``None``), as a
    provider's optional field the desk can do without; a value of the right type whose
    own fields are wrong is still an error."""
    try:
        return handler(value)
    except ValidationError as e:
        if any(error["loc"] for error in e.errors()):
            raise
        return None


def problem(error: ValidationError) -> str:
    """The first thing wrong with a payload, in a line: a rule's own words, else where
    and what."""
    first = error.errors()[0]
    if first["type"] == "value_error":
        return str(first["ctx"]["error"])
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


# --------------------------------------------------------------------- sending


class Account(Protocol):
    """A business's account with a provider (its credentials), switched on or not."""

    @property
    def enabled(self) -> bool: ...


AccountT = TypeVar("AccountT", bound=Account)


def enabled_accounts(
    businesses: Mapping[str, Business], account_of: Callable[[Business], AccountT | None]
) -> dict[str, AccountT]:
    """Business slug → its account with one provider, for the businesses that have one
    switched on."""
    accounts = {slug: account_of(b) for slug, b in businesses.items()}
    return {slug: a for slug, a in accounts.items() if a is not None and a.enabled}


class ChannelSender(HttpSender, Generic[AccountT]):
    """Sends ``reply`` rows of one channel through its provider's API, with each business's
    own account; ``account_name`` names what a business without one lacks."""

    kind = "reply"
    account_name = ""

    def __init__(
        self,
        accounts: Mapping[str, AccountT],
        base_url: str,
        options: RetryOptions = DEFAULT_RETRY,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        # the operator's provider URL is allowed wherever it points (tests: a local fake)
        super().__init__(options, session, Outbound().with_urls(base_url))
        self.accounts = dict(accounts)  # business slug → its account
        self.base_url = base_url.rstrip("/")

    def account(self, row: OutboxRow) -> AccountT:
        account = self.accounts.get(row.business)
        if account is None:
            raise DeliveryError(f"no {self.account_name} configured for {row.business}", False)
        return account

    @staticmethod
    def recipient(row: OutboxRow) -> str:
        to = str(row.payload.get("to", ""))
        if not to:
            raise DeliveryError("reply without a recipient", retryable=False)
        return to


__all__ = [
    "DEFAULT_RETRY",
    "IPV6_PREFIX",
    "Account",
    "ChannelSender",
    "Clock",
    "client_address",
    "client_key",
    "enabled_accounts",
    "proxied",
    "or_none",
    "problem",
    "read_body",
    "request_origin",
    "utcnow",
]
