"""Who may read the operations endpoints, and no version banner on any response.

``/metrics`` and ``/readyz`` tell an outsider what runs and how busy it is; they answer only
to a client whose address is in ``ops_allow`` (addresses or CIDR networks; loopback by
default) or that sends ``Authorization: Bearer <token>`` with the token held in the variable
``ops_token_env`` names (compared in constant time). Anyone else gets a bare 401 (a token is
configured: say how to authenticate) or 403 (none is), with no body. ``/healthz`` stays open
for load balancers and says only ``ok``.

aiohttp names itself and Python's version in a ``Server:`` header on every response;
:func:`hide_banner` and :func:`quiet_banner` make it a plain ``frontdesk``.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiohttp import web

from adapters.business_files import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = ("127.0.0.0/8", "::1/128")
BANNER = "frontdesk"


def parse_networks(items: Sequence[str]) -> tuple[Network, ...]:
    """Addresses or networks (``10.0.0.5``, ``10.0.0.0/8``, ``::1``); ValueError names a
    bad one."""
    out: list[Network] = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as e:
            raise ValueError(f"{item!r} is not an IP address or network") from e
    return tuple(out)


@dataclass(frozen=True)
class OpsAccess:
    allow: tuple[Network, ...] = parse_networks(LOOPBACK)
    token: str = ""  # "" = no bearer token accepted

    def allows(self, remote: str | None, authorization: str | None) -> bool:
        if self.token and authorization:
            scheme, _, given = authorization.partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                return True
        if not remote:
            return False
        try:
            address = ipaddress.ip_address(remote.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.allow)

    def refusal(self, request: web.Request, client: str | None = None) -> web.Response | None:
        """``None`` for an allowed client; otherwise the bare 401 or 403 to answer.
        ``client``: the client's address as the server tells it (through a trusted proxy,
        the one it forwarded for; behind a proxy on this host every peer is loopback);
        default the peer's."""
        client = request.remote if client is None else client
        if self.allows(client, request.headers.get("Authorization")):
            return None
        if self.token:
            return web.Response(status=401, headers={"WWW-Authenticate": "Bearer"})
        return web.Response(status=403)


def ops_access(allow: Sequence[str], token_env: str, environ: Mapping[str, str]) -> OpsAccess:
    """The configured access; a named token variable that is unset or short is an error."""
    token = ""
    if token_env:
        token = environ.get(token_env, "")
        if len(token) < 16:
            raise ConfigError(
                f"ops_token_env names {token_env}, which must hold a token of at least "
                f"16 characters ({'too short' if token else 'unset'})"
            )
    return OpsAccess(allow=parse_networks(allow), token=token)


async def hide_banner(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: no server software or version in the ``Server`` header."""
    response.headers["Server"] = BANNER


def quiet_banner() -> None:
    """The responses aiohttp writes itself — to a request it cannot parse, before any
    application (and so before :func:`hide_banner`) sees it — take their ``Server`` header
    from a module constant, bound separately in two modules: both say only ``frontdesk``.
    Process-wide, and idempotent."""
    import aiohttp.http
    import aiohttp.web_response

    aiohttp.http.SERVER_SOFTWARE = BANNER
    aiohttp.web_response.SERVER_SOFTWARE = BANNER  # type: ignore[attr-defined]


__all__ = [
    "BANNER",
    "LOOPBACK",
    "OpsAccess",
    "hide_banner",
    "ops_access",
    "parse_networks",
    "quiet_banner",
]
