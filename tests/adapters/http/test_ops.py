"""Who may read the operations endpoints (the decision; over HTTP in tests/security)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.business_files import ConfigError
from adapters.http.ops import OpsAccess, ops_access, parse_networks

TOKEN = "t0ken-for-the-ops-endpoints"


def test_loopback_is_allowed_by_default_and_nothing_else() -> None:
    access = OpsAccess()
    for remote in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"):
        assert access.allows(remote, None), remote
    for outside in ("10.0.0.1", "192.168.1.5", "2001:db8::1", "::ffff:10.0.0.1", "", None, "x"):
        assert not access.allows(outside, None), outside


def test_configured_networks_and_the_bearer_token() -> None:
    access = OpsAccess(allow=parse_networks(["10.1.0.0/16", "2001:db8::7"]), token=TOKEN)
    assert access.allows("10.1.200.3", None) and access.allows("2001:db8::7", None)
    assert not access.allows("10.2.0.1", None) and not access.allows("127.0.0.1", None)
    assert access.allows("203.0.113.9", f"Bearer {TOKEN}")
    assert access.allows("203.0.113.9", f"bearer {TOKEN}")
    for wrong in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer ", TOKEN, f"Bearer {TOKEN[:-1]}"):
        assert not access.allows("203.0.113.9", wrong), wrong
    # without a configured token no header admits
    assert not OpsAccess(allow=()).allows("127.0.0.1", "Bearer ")


@given(st.ip_addresses(), st.text(max_size=40))
def test_outside_the_networks_only_the_exact_token_admits(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, header: str
) -> None:
    access = OpsAccess(allow=parse_networks(["10.0.0.0/8"]), token=TOKEN)
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    plain = mapped or address  # ::ffff:10.1.2.3 is 10.1.2.3
    inside = plain.version == 4 and plain in ipaddress.ip_network("10.0.0.0/8")
    expected = (
        inside
        or header.partition(" ")[0].lower() == "bearer"
        and (header.partition(" ")[2].strip() == TOKEN)
    )
    assert access.allows(str(address), header) == expected


def test_a_named_token_variable_must_hold_a_token() -> None:
    assert ops_access(["127.0.0.1"], "OPS_TOKEN", {"OPS_TOKEN": TOKEN}).token == TOKEN
    assert ops_access([], "", {}).token == "" and ops_access([], "", {}).allow == ()
    for environ in ({}, {"OPS_TOKEN": "short"}):
        with pytest.raises(ConfigError, match="OPS_TOKEN"):
            ops_access([], "OPS_TOKEN", environ)
    with pytest.raises(ValueError, match="not an IP"):
        parse_networks(["10.0.0.0/33"])
