"""Outbound calls: where the desk may connect, and the guarded HTTP session every outbound
client of ours uses (the message webhook, the channel providers, and later calendars and
e-mail relays).

A URL somebody else wrote (a business's webhook) must not turn the desk into a proxy into
its own network (SSRF). So:

* **At load** (:meth:`Outbound.url_problem`): ``https`` only — plain ``http`` only to a host
  the operator lists in ``outbound_allow`` — with a host, without credentials, and not an
  address in a forbidden range (below) unless allowed.
* **At connection time** (:func:`guarded_session`; :func:`guarded_http_client` for blocking
  code, the ``openai`` client): every address a host name resolves to is
  checked where the connection is made (a resolver that drops forbidden addresses; the
  connection uses exactly what it returns, so a name that resolves to a public address at
  load and to 127.0.0.1 later — DNS rebinding — is still refused), and so is every host
  written as an IP address (aiohttp does not resolve those), on every request.
* **Redirects are not followed**: a session refuses to follow one
  (:class:`RedirectRefused`); our senders ask for none (``allow_redirects=False``) and count a
  3xx as a failed delivery.

Forbidden: loopback, private (RFC 1918), link-local, unique-local, multicast, reserved,
unspecified, shared address space (CGNAT, 100.64.0.0/10), the documentation and benchmark
ranges, and the cloud metadata addresses (169.254.169.254, fd00:ec2::254, 100.100.100.200,
168.63.129.16); an IPv6 address that embeds an IPv4 one (mapped, 6to4, Teredo, NAT64) is
judged by the IPv4 address too. ``outbound_allow`` entries lift the ban: a host name
(``hooks.internal``), a host and port (``hooks.internal:8080``, ``127.0.0.1:9000``,
``[::1]:9000``), an IP address or a CIDR network (``10.0.0.0/8``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from rules.errors import FrontdeskError

if TYPE_CHECKING:
    from .settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# addresses that hand out cloud credentials; some are in ranges refused anyway, two are not
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task credentials
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server (a public address)
        "192.0.0.192",  # Oracle Cloud
    )
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
# special-purpose blocks refused whatever this Python's ``ipaddress`` says of them (its lists
# changed between versions): IETF protocol assignments, documentation, benchmarking, 6to4
# relays, discard-only, and the IPv6 blocks of the same kinds
SPECIAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "64:ff9b:1::/48",
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
REDIRECTS = frozenset((301, 302, 303, 307, 308))


class OutboundRefused(FrontdeskError):
    """A connection, request or URL the outbound policy does not allow."""


class RedirectRefused(OutboundRefused):
    """A server answered with a redirect, which is not followed."""

    def __init__(self, status: int) -> None:
        super().__init__(f"answered {status}, a redirect (not followed)")
        self.status = status


def forbidden(ip: IPAddress) -> str:
    """Why a connection to ``ip`` is refused unless allowed (``""``: it is a public address)."""
    if ip in METADATA:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and (why := forbidden(embedded)):
            return why
        if ip.ipv4_mapped is not None:
            return ""  # judged by the IPv4 address alone
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip in CGNAT, "a shared (CGNAT) address"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "a site-local address"),
        (isinstance(ip, ipaddress.IPv6Address) and ip in _UNIQUE_LOCAL, "a unique-local address"),
        (ip.is_private, "a private address"),
        (any(ip in n for n in SPECIAL if n.version == ip.version), "a special-purpose address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "a non-public address"),
    )
    return next((why for hit, why in checks if hit), "")


# ------------------------------------------------------------------- the allow-list


@dataclass(frozen=True)
class Allowed:
    """One ``outbound_allow`` entry: a host name or a network, on any port or on one."""

    name: str = ""  # a host name, lower case, without a trailing dot
    network: IPNetwork | None = None
    port: int | None = None

    def matches(self, host: str, port: int | None, ip: IPAddress | None = None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.network is not None:
            address = ip if ip is not None else _ip_or_none(host)
            return address is not None and _plain(address) in self.network
        return bool(self.name) and _name(host) == self.name

    def __str__(self) -> str:
        what = self.name or str(self.network)
        if self.port is None:
            return what
        bracketed = isinstance(self.network, ipaddress.IPv6Network)
        return f"[{what}]:{self.port}" if bracketed else f"{what}:{self.port}"


def parse_allowed(entry: str) -> Allowed:
    """An ``outbound_allow`` entry; :class:`OutboundRefused` says what is wrong with it."""
    text = entry.strip()
    bad = OutboundRefused(
        f"{entry!r} is not a host name, host:port, IP address or CIDR network "
        "(e.g. hooks.internal, hooks.internal:8080, 10.0.0.5, [::1]:9000, 10.0.0.0/8)"
    )
    if not text or any(c.isspace() or c in "@?#" for c in text):
        raise bad
    port: int | None = None
    host = text
    if text.startswith("["):  # [v6] or [v6]:port
        inside, sep, rest = text[1:].partition("]")
        if not sep or rest and not rest.startswith(":"):
            raise bad
        host, port = inside, _port(rest[1:], bad) if rest else None
    elif text.count(":") == 1:  # name:port or v4:port
        host, raw_port = text.split(":")
        port = _port(raw_port, bad)
    try:
        network = ipaddress.ip_network(host, strict=False)
    except ValueError:
        network = None
    if network is not None:
        if port is not None and "/" in host:
            raise bad  # a network with a port: say the port on an address
        return Allowed(network=network, port=port)
    if "/" in host or not _hostname_ok(host):
        raise bad
    return Allowed(name=_name(host), port=port)


def _hostname_ok(host: str) -> bool:
    labels = _name(host).split(".")
    return all(
        0 < len(label) <= 63
        and label.replace("-", "").replace("_", "").isalnum()
        and label.isascii()
        and not label.startswith("-")
        for label in labels
    )


def _port(raw: str, bad: OutboundRefused) -> int:
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 65536:
        raise bad
    return int(raw)


def _name(host: str) -> str:
    return host.strip().rstrip(".").lower()


def _ip_or_none(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _plain(ip: IPAddress) -> IPAddress:
    """An IPv6 address without its scope (``fe80::1%eth0``), for network membership."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        return ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    return ip


# ---------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class Outbound:
    """Where outbound calls may go: anywhere public over https, and — past the checks —
    wherever an :class:`Allowed` entry says."""

    allow: tuple[Allowed, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[str]) -> Outbound:
        return cls(tuple(parse_allowed(e) for e in entries))

    def with_urls(self, *urls: str) -> Outbound:
        """This policy, plus the host and port of each URL (an operator's API base URLs:
        allowed whatever address they are at; ``""`` is skipped)."""
        extra: list[Allowed] = []
        for url in urls:
            if not url:
                continue
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme == "https" else 80)
            ip = _ip_or_none(host)
            extra.append(
                Allowed(network=ipaddress.ip_network(ip), port=port)
                if ip is not None
                else Allowed(name=_name(host), port=port)
            )
        return Outbound(self.allow + tuple(extra))

    def allowed(self, host: str, port: int | None, ip: IPAddress | None = None) -> bool:
        """Whether an entry names this host (and port), or this address."""
        return any(a.matches(host, port, ip) for a in self.allow)

    def refusal(self, host: str, port: int, ip: IPAddress) -> str:
        """Why a connection to ``ip`` (the address ``host`` resolved to) is refused; ``""``
        when it may go ahead."""
        why = forbidden(ip)
        if not why or self.allowed(host, port, ip):
            return ""
        return f"{ip} is {why}; list it in outbound_allow to allow it"

    def url_problem(self, url: str) -> str:
        """What is wrong with ``url`` as the address of an outbound call (``""``: nothing).
        The reason names the scheme or host, never the whole URL (its path may hold a
        token)."""
        if not url.strip() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
            return (
                "not a URL (empty, or with spaces or control characters); write https://host/path"
            )
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as e:
            return f"not a URL ({e}); write https://host/path"
        scheme = parts.scheme.lower()
        if not scheme or not url[len(scheme) :].startswith("://"):
            return "not a URL; write https://host/path"
        if scheme not in ("http", "https"):
            return f"the scheme {scheme}: is not allowed; write an https:// URL"
        host = parts.hostname or ""
        if not host:
            return "the URL has no host; write https://host/path"
        if parts.username is not None or parts.password is not None:
            return "the URL carries a user or password; put no credentials in it"
        port = port or (443 if scheme == "https" else 80)
        if scheme == "http" and not self.allowed(host, port):
            return (
                f"plain http to {host} is not allowed; use https "
                "(http only to a host listed in outbound_allow)"
            )
        ip = _ip_or_none(host)
        if ip is None and _legacy_ipv4(host):
            return f"{host} is an IPv4 address in a legacy form (write it as a.b.c.d)"
        if ip is not None and (why := self.refusal(host, port, ip)):
            return why
        if ip is None and _is_localhost(host) and not self.allowed(host, port):
            return f"{host} is this machine; list it in outbound_allow to allow it"
        return ""

    def check_url(self, url: str) -> None:
        """Raise :class:`OutboundRefused` when :meth:`url_problem` finds one."""
        if why := self.url_problem(url):
            raise OutboundRefused(why)


# --------------------------------------------------- the guarded client of blocking code


def guarded_http_client(outbound: Outbound, timeout: float = 30.0) -> Any:
    """An ``httpx2.Client`` (what the ``openai`` client sends with) under the same guard:
    every address a host resolves to — or a host written as an address — is checked
    before the connection is made, and redirects are not followed. For blocking code."""
    import httpcore2
    import httpx2

    class GuardedBackend(httpcore2.NetworkBackend):
        def __init__(self) -> None:
            self._inner = httpcore2.SyncBackend()

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore2.NetworkStream:
            try:
                found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as e:
                raise httpcore2.ConnectError(f"cannot resolve {host}: {e}") from e
            refusal, failure = "", ""
            for *_, address in found:
                ip = _ip_or_none(str(address[0]))
                if ip is None or (refusal := outbound.refusal(host, port, ip)):
                    continue
                try:  # connect to the address checked; TLS still names the host
                    return self._inner.connect_tcp(
                        str(address[0]), port, timeout, local_address, socket_options
                    )
                except httpcore2.ConnectError as e:
                    failure = str(e)
            if failure:
                raise httpcore2.ConnectError(failure)
            raise OutboundRefused(f"connection to {_name(host)} refused: {refusal}")

    class GuardedTransport(httpx2.HTTPTransport):
        def __init__(self) -> None:
            super().__init__(trust_env=False)
            # the same pool HTTPTransport makes, connecting through the guard
            self._pool = httpcore2.ConnectionPool(
                ssl_context=httpcore2.default_ssl_context(), network_backend=GuardedBackend()
            )

    class GuardedClient(httpx2.Client):
        def __del__(self) -> None:  # as the openai client's own: its connections closed
            if not self.is_closed:
                with contextlib.suppress(Exception):  # at collection, nobody to tell
                    self.close()

    return GuardedClient(
        transport=GuardedTransport(), follow_redirects=False, trust_env=False, timeout=timeout
    )


def outbound_of(settings: Settings) -> Outbound:
    """The operator's policy for calls to URLs others wrote (webhooks): ``outbound_allow``."""
    return Outbound.of(settings.outbound_allow)


def providers_outbound(settings: Settings) -> Outbound:
    """The policy of the provider clients: ``outbound_allow`` plus the API base URLs the
    operator configured (``twilio_api_url``, ``telegram_api_url``, ``whatsapp_api_url``,
    ``language_base_url``), wherever they point."""
    return outbound_of(settings).with_urls(
        settings.twilio_api_url,
        settings.telegram_api_url,
        settings.whatsapp_api_url,
        settings.language_base_url,
    )


def _legacy_ipv4(host: str) -> bool:
    """``127.1``, ``2130706433``, ``0x7f.0.0.1``: what C's inet_aton reads as an address."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def _is_localhost(host: str) -> bool:
    name = _name(host)
    return name == "localhost" or name.endswith(".localhost")


# ------------------------------------------------------------------ the guarded session


class GuardedResolver(AbstractResolver):
    """Resolves with aiohttp's resolver, then drops every address the policy refuses; when
    none is left, the connection fails with :class:`OutboundRefused`."""

    def __init__(self, outbound: Outbound, inner: AbstractResolver | None = None) -> None:
        self.outbound = outbound
        self._inner = inner or aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        kept: list[ResolveResult] = []
        refusals: list[str] = []
        for result in found:
            ip = _ip_or_none(result["host"])
            why = "not an IP address" if ip is None else self.outbound.refusal(host, port, ip)
            if why:
                refusals.append(why)
            else:
                kept.append(result)
        if not kept:
            raise OutboundRefused(
                f"connection to {_name(host)} refused: {refusals[0] if refusals else 'no address'}"
            )
        return kept

    async def close(self) -> None:
        await self._inner.close()


def _guard_requests(outbound: Outbound) -> aiohttp.ClientMiddlewareType:
    """A client middleware, run for every request (a redirect's too): only http(s), and a
    host written as an IP address — which aiohttp does not resolve — is checked here."""

    async def guard(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise OutboundRefused(f"the scheme {url.scheme}: is not allowed")
        host = url.raw_host or ""
        ip = _ip_or_none(host)
        port = url.port or (443 if url.scheme == "https" else 80)
        if ip is not None and (why := outbound.refusal(host, port, ip)):
            raise OutboundRefused(f"connection refused: {why}")
        return await handler(request)

    return guard


async def _refuse_redirect(
    session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestRedirectParams
) -> None:
    params.response.close()
    raise RedirectRefused(params.response.status)


def guarded_session(
    outbound: Outbound,
    *,
    timeout: aiohttp.ClientTimeout | None = None,
    resolver: AbstractResolver | None = None,
    **kwargs: Any,
) -> aiohttp.ClientSession:
    """An ``aiohttp.ClientSession`` whose every connection passes ``outbound``: the one way
    our outbound clients open a session (call it inside a running event loop; close it).
    It follows no redirect (a request that would raises :class:`RedirectRefused`), reads no
    proxy from the environment, and ``kwargs`` go to the session (``headers``...).
    ``resolver`` replaces aiohttp's default underneath the guard."""
    redirects = aiohttp.TraceConfig()
    redirects.on_request_redirect.append(_refuse_redirect)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(outbound, resolver))
    return aiohttp.ClientSession(
        connector=connector,
        middlewares=(_guard_requests(outbound),),
        trace_configs=[redirects],
        trust_env=False,
        timeout=timeout or aiohttp.ClientTimeout(total=30),
        **kwargs,
    )


__all__ = [
    "METADATA",
    "Allowed",
    "GuardedResolver",
    "Outbound",
    "OutboundRefused",
    "RedirectRefused",
    "forbidden",
    "guarded_http_client",
    "guarded_session",
    "outbound_of",
    "providers_outbound",
    "parse_allowed",
]
