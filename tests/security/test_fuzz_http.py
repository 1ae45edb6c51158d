"""Arbitrary HTTP requests against every route of ``frontdesk serve``: no answer is a 500,
none carries a traceback, and none addressed to one business carries another's customer.

Methods, paths (each business's slug, another's, unknown ones, malformed percent-escapes),
query strings, headers (forwarding headers, cookies with another tenant's session), and
bodies (forms, JSON of any shape, raw bytes, other encodings, oversized, chunked) are drawn
by Hypothesis; a share of the webhook requests is correctly signed for the business they
address, so the parsers behind the signature checks are fuzzed too.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from yarl import URL

from adapters.http.app import MAX_BODY
from tests.fakes.tenants import (
    BLOOM,
    PRAXIS,
    ROOTER,
    TENANTS,
    Rig,
    twilio_signature,
    whatsapp_signature,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# what an error page must never show: a traceback, a source line, an exception's class
LEAK = re.compile(r"Traceback|File \"|\b\w+(?:Error|Exception)\b")
ROUTES = (
    "/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/widget.js",
    "/favicon.ico",
    "/favicon.svg",
    "/chat/{b}",
    "/chat/{b}/new",
    "/ws/{b}",
    "/twilio/sms/{b}",
    "/twilio/voice/{b}",
    "/twilio/voice/{b}/gather",
    "/whatsapp/{b}",
    "/telegram/{b}",
    "/{b}",
    "/static/{b}",
)
SIGNED = ("/twilio/sms/{b}", "/twilio/voice/{b}", "/twilio/voice/{b}/gather")

printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
anything = st.text(max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | anything,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(anything, inner, max_size=4),
    max_leaves=12,
)
tenant_slugs = st.sampled_from([BLOOM, PRAXIS])
slugs = st.one_of(  # mostly a tenant's, often another's, sometimes nobody's
    tenant_slugs,
    tenant_slugs,
    tenant_slugs,
    st.sampled_from([BLOOM, PRAXIS, ROOTER]),
    st.sampled_from(["", "BLOOM-SALON", "bloom-salon/", "..", "%2e%2e", "bloom%00salon"]),
    anything.map(lambda s: quote(s, safe="")),
)


class Body:
    """A request body (a plain class: Hypothesis prints dataclasses field by field, and a
    failing example's report must stay short when the body is 200 kB)."""

    def __init__(self, data: bytes, content_type: str | None, chunked: bool = False) -> None:
        self.data, self.content_type, self.chunked = data, content_type, chunked

    def __repr__(self) -> str:
        head = self.data[:200] + (b"..." if len(self.data) > 200 else b"")
        return f"Body({head!r} ({len(self.data)} bytes), {self.content_type!r}, {self.chunked})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


bodies = st.one_of(
    st.just(Body(b"", None)),
    st.binary(max_size=3000).map(lambda b: Body(b, "application/octet-stream")),
    st.builds(
        lambda t, enc, ct: Body(_encoded(t, enc), ct),
        st.text(max_size=500),
        st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252", "utf-32"]),
        st.sampled_from(
            [
                "text/plain",
                "application/x-www-form-urlencoded",
                "application/json",
                "application/x-www-form-urlencoded; charset=utf-16",
                "application/json; charset=latin-1",
                "multipart/form-data",
                "multipart/form-data; boundary=xyz",
                "text/html; charset=nonsense",
            ]
        ),
    ),
    st.dictionaries(anything, anything, max_size=8).map(
        lambda d: Body(urlencode(d).encode(), "application/x-www-form-urlencoded")
    ),
    st.dictionaries(
        st.sampled_from(["From", "To", "Body", "MessageSid", "AccountSid", "CallSid", "Digits"])
        | anything,
        anything,
        max_size=8,
    ).map(lambda d: Body(urlencode(d).encode(), "application/x-www-form-urlencoded")),
    st.sampled_from([b"a=%zz&b=%C3%28&&=&c", b"%", b"=&=&=", b"Body=%FF%FE%00&From=%2B1503"]).map(
        lambda b: Body(b, "application/x-www-form-urlencoded")
    ),
    json_values.map(lambda v: Body(json.dumps(v).encode(), "application/json")),
    st.sampled_from([b"{", b'{"update_id": 1, "message": {"chat": {}}}', b"[]", b"\xff\xfe{"]).map(
        lambda b: Body(b, "application/json")
    ),
    st.integers(MAX_BODY + 1, 3 * MAX_BODY).map(lambda n: Body(b"x" * n, "text/plain")),
    st.integers(1, 3 * MAX_BODY).map(lambda n: Body(b"y" * n, "application/json", chunked=True)),
)

header_names = st.sampled_from(
    [
        "X-Forwarded-Proto",
        "X-Forwarded-Host",
        "X-Forwarded-For",
        "Forwarded",
        "X-Real-IP",
        "Origin",
        "Referer",
        "Accept",
        "Accept-Language",
        "Authorization",
        "X-Twilio-Signature",
        "X-Hub-Signature-256",
        "X-Telegram-Bot-Api-Secret-Token",
        "Upgrade",
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Version",
        "Range",
        "If-None-Match",
        "Expect",
    ]
) | st.from_regex(r"\AX-[A-Za-z0-9-]{1,20}\Z")


@dataclass(frozen=True)
class Request:
    method: str
    route: str
    slug: str
    query: str
    headers: dict[str, str]
    body: Body
    cookie_of: str | None  # send this tenant's seeded web-chat session as the cookie
    sign: bool  # sign the request correctly for the business it addresses


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return value | json_values


def _drop_some(d: dict[str, Any], drop: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in drop}


phones = (
    st.sampled_from(
        [t.phone for t in TENANTS.values()] + ["anonymous", "", "+15035550123", "+4930123456"]
    )
    | anything
)
# a Twilio webhook's form (SMS, call, gathered speech or digits), some fields left out
twilio_forms = st.builds(
    _drop_some,
    st.fixed_dictionaries(
        {
            "MessageSid": st.from_regex(r"\ASM[0-9a-f]{32}\Z") | anything,
            "CallSid": st.from_regex(r"\ACA[0-9a-f]{32}\Z") | anything,
            "AccountSid": st.just("AC0123456789abcdef0123456789abcdef") | anything,
            "From": phones,
            "To": phones,
            "Body": st.text(max_size=300),
            "NumMedia": st.sampled_from(["0", "1", "-1", "x", ""]),
            "SpeechResult": st.text(max_size=200),
            "Digits": st.text("0123456789*#", max_size=12) | anything,
            "CallStatus": st.sampled_from(["in-progress", "completed", "ringing"]) | anything,
        }
    ),
    st.frozensets(st.sampled_from(["MessageSid", "CallSid", "From", "To", "Body", "NumMedia"])),
).map(lambda d: Body(urlencode(d).encode(), "application/x-www-form-urlencoded"))
telegram_updates = st.fixed_dictionaries(
    {"update_id": _maybe(st.integers(0, 2**40))},
    optional={
        "message": st.fixed_dictionaries(
            {
                "message_id": _maybe(st.integers(0, 2**31)),
                "chat": _maybe(
                    st.fixed_dictionaries(
                        {
                            "id": _maybe(st.integers(-(2**52), 2**52)),
                            "type": _maybe(st.just("private")),
                        }
                    )
                ),
                "date": _maybe(st.integers(0, 2**32)),
            },
            optional={
                "from": _maybe(
                    st.fixed_dictionaries(
                        {"id": _maybe(st.integers()), "first_name": anything},
                        optional={"language_code": _maybe(st.sampled_from(["en", "de"]))},
                    )
                ),
                "text": _maybe(st.text(max_size=300)),
                "voice": json_values,
                "sticker": json_values,
            },
        ),
        "callback_query": st.fixed_dictionaries(
            {"id": anything, "from": json_values, "data": _maybe(anything)},
            optional={"message": json_values},
        ),
    },
).map(lambda v: Body(json.dumps(v).encode(), "application/json"))
whatsapp_messages = st.fixed_dictionaries(
    {
        "from": _maybe(phones),
        "id": _maybe(st.from_regex(r"\Awamid\.[A-Za-z0-9]{8,20}\Z")),
        "timestamp": _maybe(st.integers(0, 2**32).map(str)),
        "type": _maybe(st.sampled_from(["text", "interactive", "button", "audio", "sticker"])),
    },
    optional={
        "text": _maybe(st.fixed_dictionaries({"body": _maybe(st.text(max_size=300))})),
        "interactive": json_values,
        "button": json_values,
    },
)
whatsapp_payloads = st.builds(
    lambda number, messages, statuses: {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": number},
                            "contacts": [{"profile": {"name": "Wa Fuzz"}, "wa_id": "15035550123"}],
                            "messages": messages,
                            **({"statuses": statuses} if statuses is not None else {}),
                        },
                    }
                ],
            }
        ],
    },
    _maybe(st.sampled_from([t.whatsapp_id for t in TENANTS.values()])),
    _maybe(st.lists(whatsapp_messages, max_size=3)),
    st.none() | json_values,
).map(lambda v: Body(json.dumps(v).encode(), "application/json"))
SHAPED = {
    "/twilio/sms/{b}": twilio_forms,
    "/twilio/voice/{b}": twilio_forms,
    "/twilio/voice/{b}/gather": twilio_forms,
    "/telegram/{b}": telegram_updates,
    "/whatsapp/{b}": whatsapp_payloads,
    "/chat/{b}": st.dictionaries(
        st.sampled_from(["text", "csrf", "id", "choice"]), anything, max_size=4
    ).map(lambda d: Body(urlencode(d).encode(), "application/x-www-form-urlencoded")),
}
methods = st.sampled_from(["GET", "POST"]) | st.sampled_from(
    ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"]
)


def _requests(route: str) -> st.SearchStrategy[Request]:
    shaped = SHAPED.get(route)
    return st.builds(
        Request,
        method=st.just("POST") | st.just("POST") | methods if shaped is not None else methods,
        route=st.just(route),
        slug=slugs,
        query=st.one_of(
            st.just(""),
            st.dictionaries(anything, anything, max_size=5).map(urlencode),
            st.sampled_from(
                ["%zz", "lang=%FF", "lang=de&lang=en", "hub.mode=subscribe&hub.challenge=1"]
            ),
        ),
        headers=st.dictionaries(header_names, printable, max_size=5),
        body=(shaped | shaped | bodies) if shaped is not None else bodies,
        cookie_of=st.none() | st.sampled_from([BLOOM, PRAXIS]),
        sign=st.booleans(),
    )


requests = st.sampled_from(ROUTES).flatmap(_requests)


def _addressed(req: Request) -> str | None:
    return req.slug if req.slug in TENANTS and "{b}" in req.route else None


def _sign(rig: Rig, req: Request, url: str, headers: dict[str, str]) -> None:
    tenant = TENANTS.get(req.slug)
    if tenant is None:
        return
    if req.route in SIGNED:
        params = dict(parse_qsl(req.body.data.decode("latin-1"), keep_blank_values=True))
        headers["X-Twilio-Signature"] = twilio_signature(tenant.twilio_token, url, params)
    elif req.route == "/telegram/{b}":
        headers["X-Telegram-Bot-Api-Secret-Token"] = tenant.telegram_secret
    elif req.route == "/whatsapp/{b}":
        headers["X-Hub-Signature-256"] = whatsapp_signature(tenant.whatsapp_secret, req.body.data)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(data), 16 * 1024):
        yield data[i : i + 16 * 1024]


async def _send(rig: Rig, req: Request) -> tuple[int, str]:
    path = req.route.replace("{b}", req.slug)
    base = str(rig.client.make_url("/")).rstrip("/")
    raw = base + path + (f"?{req.query}" if req.query else "")
    headers = dict(req.headers)
    if req.body.content_type is not None:
        headers["Content-Type"] = req.body.content_type
    if req.cookie_of is not None:
        headers["Cookie"] = f"fd_session={rig.sessions[req.cookie_of]}"
    if req.sign:
        _sign(rig, req, base + path + (f"?{req.query}" if req.query else ""), headers)
    data: Any = _chunks(req.body.data) if req.body.chunked else req.body.data
    async with rig.client.session.request(
        req.method,
        URL(raw, encoded=True),
        headers=headers,
        data=data if req.body.data or req.body.chunked else None,
        allow_redirects=False,
    ) as r:
        return r.status, (await r.read()).decode("utf-8", errors="replace")


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(req=requests)
async def test_no_request_gets_a_500_a_traceback_or_another_tenants_data(
    tenants: Rig, req: Request
) -> None:
    rig = tenants
    status, body = await _send(rig, req)
    event(f"{req.route} {'signed ' if req.sign else ''}{status}")  # --hypothesis-show-statistics
    assert status < 500, (status, req, body[:300])
    assert not LEAK.search(body), (req, body[:300])
    leaked = rig.leaked(body, _addressed(req))
    assert not leaked, (leaked, req)


signed_webhooks = st.sampled_from(list(SHAPED)).flatmap(
    lambda route: st.builds(
        Request,
        method=st.just("POST"),
        route=st.just(route),
        slug=tenant_slugs,
        query=st.just("") | st.sampled_from(["n=2&s=1", "lang=de", "n=x", "lang=%FF"]),
        headers=st.dictionaries(
            st.sampled_from(["X-Forwarded-Proto", "X-Forwarded-Host", "Accept-Language"]),
            printable,
            max_size=2,
        ),
        body=SHAPED[route],
        cookie_of=st.none() | st.sampled_from([BLOOM, PRAXIS]),
        sign=st.just(True),
    )
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(req=signed_webhooks)
async def test_a_signed_webhook_with_any_payload_is_answered_without_a_500_or_a_leak(
    tenants: Rig, req: Request
) -> None:
    """Past the signature check: every provider payload shape, with any field missing or
    of any type, reaches the parsers (and the desk) of the business it is signed for."""
    status, body = await _send(tenants, req)
    event(f"{req.route} {status}")
    assert status < 500, (status, req, body[:300])
    assert not LEAK.search(body), (req, body[:300])
    assert not tenants.leaked(body, req.slug), req


async def test_the_tenants_own_page_shows_its_customer_and_only_that(tenants: Rig) -> None:
    """The marker check can see a leak: each tenant's page with its own session shows its
    customer's words, and the other tenant's page with that session shows nothing of them."""
    rig = tenants
    for slug, tenant in TENANTS.items():
        cookie = {"Cookie": f"fd_session={rig.sessions[slug]}"}
        own = await rig.client.get(f"/chat/{slug}", headers=cookie)
        assert own.status == 200 and tenant.name in await own.text()
        for other in TENANTS:
            if other != slug:
                r = await rig.client.get(f"/chat/{other}", headers=cookie)
                assert r.status == 200 and not rig.leaked(await r.text(), other)
