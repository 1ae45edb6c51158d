"""The outbound guard: which addresses are refused, the allow-list, the load-time URL check,
and a guarded session against real local servers (loopback is what the guard refuses, so
the servers on 127.0.0.1 are the forbidden targets, reachable only when allowed)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import given
from hypothesis import strategies as st

from adapters.net import (
    Allowed,
    Outbound,
    OutboundRefused,
    RedirectRefused,
    forbidden,
    guarded_session,
    outbound_of,
    parse_allowed,
    providers_outbound,
)
from adapters.settings import Settings

# what must be refused, written out here (not read from adapters.net): the ranges of the
# finding and of IANA's special-purpose registries
FORBIDDEN = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
    "2001:db8::/32",
]
METADATA = ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16"]
# blocks of public allocations (Google, Cloudflare, Level 3, RIPE's IPv6)
PUBLIC = ["8.0.0.0/9", "1.1.1.0/24", "4.0.0.0/9", "2606:4700::/32", "2a00:1450::/32"]


def addresses_in(
    networks: list[str],
) -> st.SearchStrategy[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    def pick(network: str, offset: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        net = ipaddress.ip_network(network)
        return net[offset % net.num_addresses]

    return st.builds(pick, st.sampled_from(networks), st.integers(min_value=0, max_value=2**128))


@given(addresses_in(FORBIDDEN))
def test_every_address_in_a_forbidden_range_is_refused(ip):
    assert forbidden(ip)
    assert Outbound().refusal("hooks.example", 443, ip)


@given(addresses_in(FORBIDDEN))
def test_an_ipv4_address_hidden_in_ipv6_is_judged_as_itself(ip):
    if isinstance(ip, ipaddress.IPv6Address):
        return
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (int(ip) << 80))
    nat64 = ipaddress.IPv6Address(f"64:ff9b::{ip}")
    assert forbidden(mapped) and forbidden(sixtofour) and forbidden(nat64)


@given(addresses_in(PUBLIC))
def test_every_public_address_passes(ip):
    assert forbidden(ip) == ""
    assert Outbound().refusal("hooks.example", 443, ip) == ""
    if isinstance(ip, ipaddress.IPv4Address):
        assert forbidden(ipaddress.IPv6Address(f"::ffff:{ip}")) == ""


@pytest.mark.parametrize("address", METADATA)
def test_cloud_metadata_addresses_are_refused(address):
    assert forbidden(ipaddress.ip_address(address)) == "a cloud metadata address"


@given(addresses_in(FORBIDDEN), st.integers(min_value=1, max_value=65535))
def test_the_allow_list_lifts_the_ban_for_what_it_names_only(ip, port):
    bracket = f"[{ip}]" if ip.version == 6 else str(ip)
    for entry in (
        str(ip),
        f"{bracket}:{port}",
        str(ipaddress.ip_network(f"{ip}/{ip.max_prefixlen - 4}", strict=False)),
    ):
        policy = Outbound.of([entry])
        assert policy.refusal("anything", port, ip) == ""
    assert Outbound.of([f"{bracket}:{port}"]).refusal("x", port % 65535 + 1, ip)
    assert Outbound.of(["hooks.internal"]).refusal("hooks.internal", port, ip) == ""
    assert Outbound.of(["hooks.internal"]).refusal("other.internal", port, ip)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("hooks.internal", Allowed(name="hooks.internal")),
        ("Hooks.Internal.:8080", Allowed(name="hooks.internal", port=8080)),
        ("10.0.0.5", Allowed(network=ipaddress.ip_network("10.0.0.5/32"))),
        ("127.0.0.1:9000", Allowed(network=ipaddress.ip_network("127.0.0.1/32"), port=9000)),
        ("[::1]:9000", Allowed(network=ipaddress.ip_network("::1/128"), port=9000)),
        ("fd00::/8", Allowed(network=ipaddress.ip_network("fd00::/8"))),
        ("10.0.0.0/8", Allowed(network=ipaddress.ip_network("10.0.0.0/8"))),
    ],
)
def test_allow_entries_are_read(entry, expected):
    assert parse_allowed(entry) == expected


@pytest.mark.parametrize(
    "entry",
    [
        "",
        " ",
        "http://x",
        "a b",
        "x:0",
        "x:70000",
        "x:port",
        "10.0.0.0/8:80",
        "[::1",
        "u@x",
        "-x.example",
        "a..b",
    ],
)
def test_bad_allow_entries_are_refused_with_the_forms_named(entry):
    with pytest.raises(OutboundRefused, match="host name, host:port, IP address or CIDR"):
        parse_allowed(entry)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme file: is not allowed"),
        ("gopher://127.0.0.1:70/_x", "scheme gopher: is not allowed"),
        ("not a url", "not a URL"),
        ("hooks.example/x", "not a URL"),
        ("https://", "no host"),
        ("https://user:pw@hooks.example/x", "user or password"),
        ("http://hooks.example/x", "plain http"),
        ("https://169.254.169.254/latest/meta-data", "cloud metadata"),
        ("https://127.0.0.1:5432/", "loopback"),
        ("https://[::1]/", "loopback"),
        ("https://10.1.2.3/", "private"),
        ("https://localhost:8443/", "this machine"),
        ("https://127.1/", "legacy form"),
        ("https://2130706433/", "legacy form"),
        ("https://0x7f.0.0.1/", "legacy form"),
        ("https://hooks.example:99999/", "not a URL"),
    ],
)
def test_bad_webhook_urls_are_refused_with_a_reason(url, reason):
    assert reason in Outbound().url_problem(url)
    with pytest.raises(OutboundRefused):
        Outbound().check_url(url)


def test_a_refusal_does_not_repeat_the_url_which_may_hold_a_token():
    assert "tok3n" not in Outbound().url_problem("http://hooks.example/tok3n")


def test_https_to_a_public_host_and_http_to_an_allowed_one_pass():
    assert Outbound().url_problem("https://hooks.example/x?a=1") == ""
    allow = Outbound.of(["hooks.internal:8080", "127.0.0.1"])
    assert allow.url_problem("http://hooks.internal:8080/x") == ""
    assert "plain http" in allow.url_problem("http://hooks.internal:8081/x")
    assert allow.url_problem("http://127.0.0.1:9/x") == ""


def test_provider_urls_are_allowed_wherever_they_point():
    policy = Outbound().with_urls("http://127.0.0.1:8999", "", "https://api.example.com")
    loopback = ipaddress.ip_address("127.0.0.1")
    assert policy.refusal("127.0.0.1", 8999, loopback) == ""
    assert policy.refusal("127.0.0.1", 8998, loopback)
    assert policy.refusal("api.example.com", 443, loopback) == ""


# ------------------------------------------------------------------ against real servers


class Hits:
    def __init__(self) -> None:
        self.count = 0


async def _serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


@pytest.fixture
async def local() -> AsyncIterator[tuple[Hits, int]]:
    hits = Hits()

    async def ok(request: web.Request) -> web.Response:
        hits.count += 1
        return web.Response(text="ok")

    async def bounce(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://127.0.0.1:{request.url.port}/ok")

    app = web.Application()
    app.router.add_route("*", "/ok", ok)
    app.router.add_route("*", "/bounce", bounce)
    runner, port = await _serve(app)
    yield hits, port
    await runner.cleanup()


async def test_a_loopback_address_is_refused_where_the_connection_is_made(local):
    hits, port = local
    async with guarded_session(Outbound()) as session:
        for url in (f"http://127.0.0.1:{port}/ok", f"http://localhost:{port}/ok"):
            with pytest.raises(OutboundRefused, match="loopback"):
                await session.get(url)
    assert hits.count == 0


async def test_an_allowed_address_is_reached(local):
    hits, port = local
    async with guarded_session(Outbound.of([f"127.0.0.1:{port}"])) as session:
        async with session.get(f"http://127.0.0.1:{port}/ok") as r:
            assert (r.status, await r.text()) == (200, "ok")
        async with session.get(f"http://localhost:{port}/ok") as r:  # resolved, then allowed
            assert r.status == 200
    assert hits.count == 2


async def test_redirects_are_refused_not_followed(local):
    hits, port = local
    async with guarded_session(Outbound.of(["127.0.0.1"])) as session:
        with pytest.raises(RedirectRefused, match="302"):
            await session.post(f"http://127.0.0.1:{port}/bounce", data=b"x")
        async with session.post(
            f"http://127.0.0.1:{port}/bounce", data=b"x", allow_redirects=False
        ) as r:
            assert r.status == 302  # asked for no redirects: the answer is the 3xx
    assert hits.count == 0


class Rebinding(AbstractResolver):
    """A name server whose answer changes between look-ups (DNS rebinding): the first
    answer a public address, every later one 127.0.0.1 — the way an attacker's does."""

    def __init__(self) -> None:
        self.calls = 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls += 1
        address = "93.184.215.14" if self.calls == 1 else "127.0.0.1"
        return [
            ResolveResult(
                hostname=host, host=address, port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        pass


async def test_a_name_that_rebinds_to_loopback_is_refused_at_connection(local):
    hits, port = local
    policy = Outbound()
    url = f"https://rebind.example:{port}/ok"
    assert policy.url_problem(url) == ""  # nothing to see when the file is loaded
    resolver = Rebinding()
    await resolver.resolve("rebind.example", port)  # the look-up a checker would have made
    async with guarded_session(policy, resolver=resolver) as session:
        with pytest.raises(OutboundRefused, match="127.0.0.1 is a loopback address"):
            await session.get(url)
    assert hits.count == 0 and resolver.calls == 2


async def test_a_connection_error_stays_a_client_error():
    async with guarded_session(Outbound.of(["127.0.0.1"])) as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get("http://127.0.0.1:9/nothing-listens")


async def test_the_providers_session_reaches_the_configured_api_urls_only(local):
    hits, port = local
    settings = Settings.from_env(
        {
            "FRONTDESK_TWILIO_API_URL": f"http://127.0.0.1:{port}",  # a local fake, as in tests
            "FRONTDESK_OUTBOUND_ALLOW": "10.0.0.0/8",
        }
    )
    assert outbound_of(settings).refusal("127.0.0.1", port, ipaddress.ip_address("127.0.0.1"))
    async with guarded_session(providers_outbound(settings)) as session:
        async with session.get(f"http://127.0.0.1:{port}/ok") as r:
            assert r.status == 200
        with pytest.raises(OutboundRefused, match="loopback"):  # another port of the machine
            await session.get(f"http://127.0.0.1:{port + 1 if port < 65535 else 1}/ok")
    assert hits.count == 1


@given(addresses_in(FORBIDDEN + METADATA), st.sampled_from(["http", "https"]))
def test_a_webhook_url_at_a_forbidden_address_loads_only_when_allowed(ip, scheme):
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    url = f"{scheme}://{host}:8443/hook"
    assert Outbound().url_problem(url)
    assert Outbound.of([f"{host}:8443"]).url_problem(url) == ""
    assert Outbound.of([f"{host}:8444"]).url_problem(url)
