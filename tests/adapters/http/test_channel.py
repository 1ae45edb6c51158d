"""Who is asking, and which URL they called: proxy headers count only from a trusted proxy."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_network

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from adapters.http.channel import client_address, client_key, request_origin

PROXY = (ip_network("10.0.0.0/8"), ip_network("::1/128"))


def request(peer: str, headers: list[tuple[str, str]]) -> web.Request:
    multi = CIMultiDict(headers)
    multi.setdefault("Host", "desk.local:8080")
    return make_mocked_request("POST", "/twilio/sms/bloom", headers=multi).clone(remote=peer)


def test_behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() -> None:
    forwarded = [("X-Forwarded-For", "198.51.100.1, 203.0.113.5, 10.1.1.1")]
    # the client wrote 198.51.100.1 itself; the outer proxy saw 203.0.113.5
    assert client_address(request("10.0.0.2", forwarded), PROXY) == "203.0.113.5"
    assert client_address(request("::1", forwarded), PROXY) == "203.0.113.5"
    assert client_address(request("10.0.0.2", []), PROXY) == "10.0.0.2"
    several = [("X-Forwarded-For", "198.51.100.9"), ("X-Forwarded-For", "10.2.2.2")]
    assert client_address(request("10.0.0.2", several), PROXY) == "198.51.100.9"


def test_a_trusted_proxy_sets_the_url_a_signature_is_checked_against() -> None:
    headers = [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "desk.example.com")]
    assert request_origin(request("10.9.9.9", headers), PROXY) == "https://desk.example.com"
    assert request_origin(request("10.9.9.9", []), PROXY) == "http://desk.local:8080"


def test_what_a_client_wrote_before_an_appending_proxy_is_not_believed() -> None:
    appended = [("X-Forwarded-Proto", "http, https"), ("X-Forwarded-Host", "evil.example")]
    appended.append(("X-Forwarded-Host", "desk.example.com"))  # a second line, the proxy's
    assert request_origin(request("10.9.9.9", appended), PROXY) == "https://desk.example.com"
    both = [("X-Forwarded-Host", "evil.example, desk.example.com")]
    assert request_origin(request("10.9.9.9", both), PROXY) == "http://desk.example.com"


@settings(max_examples=200, deadline=None)
@given(
    peer=st.ip_addresses().map(str).filter(lambda a: not a.startswith("10.") and a != "::1"),
    forwarded=st.lists(st.text(max_size=40).filter(lambda v: "\n" not in v), max_size=3),
    proxies=st.sampled_from([(), PROXY]),
)
def test_from_anyone_else_forwarding_headers_change_nothing(
    peer: str, forwarded: list[str], proxies: tuple[IPv4Network | IPv6Network, ...]
) -> None:
    clean = [v.replace("\r", "") for v in forwarded]
    headers = [
        (name, value)
        for value in clean
        for name in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host")
    ]
    if peer.startswith("::ffff:10."):
        return  # an IPv4-mapped address of the trusted network is the trusted network
    r = request(peer, headers)
    assert client_address(r, proxies) == peer
    assert request_origin(r, proxies) == "http://desk.local:8080"


def test_limits_count_an_ipv6_client_by_its_64_and_an_ipv4_one_by_its_address() -> None:
    one_line = ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2:abcd::9")
    assert {client_key(request(a, []), ()) for a in one_line} == {"2001:db8:1:2::/64"}
    assert client_key(request("2001:db8:1:3::1", []), ()) == "2001:db8:1:3::/64"
    assert client_key(request("203.0.113.7", []), ()) == "203.0.113.7"
    assert client_key(request("::ffff:203.0.113.7", []), ()) == "203.0.113.7"
    # through a trusted proxy: the client it forwarded for
    forwarded = [("X-Forwarded-For", "2001:db8:9:9::5")]
    assert client_key(request("10.0.0.2", forwarded), PROXY) == "2001:db8:9:9::/64"
    # as proxies also write them: brackets, ports
    for hop, key in (
        ("[2001:db8:9:9::5]", "2001:db8:9:9::/64"),
        ("[2001:db8:9:9::6]:443", "2001:db8:9:9::/64"),
        ("203.0.113.7:5555", "203.0.113.7"),
    ):
        assert client_key(request("10.0.0.2", [("X-Forwarded-For", hop)]), PROXY) == key


@settings(max_examples=200, deadline=None)
@given(address=st.ip_addresses(v=6))
def test_every_address_of_a_64_shares_one_budget(address: IPv6Address) -> None:
    if address.ipv4_mapped is not None:
        return
    network = ip_network(f"{address}/64", strict=False)
    for other in (network.network_address, network.broadcast_address, address):
        assert client_key(request(str(other), []), ()) == str(network)
