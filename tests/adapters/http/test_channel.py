"""Who is asking, and which URL they called: proxy headers count only from a trusted proxy."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from adapters.http.channel import client_address, request_origin

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
    headers = [("X-Forwarded-Proto", "https, http"), ("X-Forwarded-Host", "desk.example.com")]
    assert request_origin(request("10.9.9.9", headers), PROXY) == "https://desk.example.com"
    assert request_origin(request("10.9.9.9", []), PROXY) == "http://desk.local:8080"


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
