"""Attacks on outbound calls (issue 21, finding 4): a business's message webhook used to
reach into the desk's own network (SSRF).

Everything here runs against real local servers on this machine: a webhook receiver that
checks the signature as a business's endpoint would, and a second server standing for the
internal service an attacker wants to reach. Loopback is itself a forbidden range, so these
servers are exactly what the guard must keep the desk from reaching, unless allowed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from adapters.business_files import read_business_text
from adapters.net import Outbound, forbidden, guarded_session
from adapters.outbox import Drainer, RetryOptions, WebhookSender, drainer_for
from adapters.settings import Settings
from adapters.wiring import business_files
from engine.ports import OutboxRow
from store.memory import MemoryStore
from tests.fakes.business_files import TINY

SECRET = "s3cret-value"
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
OPTIONS = RetryOptions(timeout_s=3.0)
MESSAGE = {"caller_name": "Morgan Blake", "text": "Please call me back"}

FINDING = [  # the URLs of the finding, each accepted by the loader before
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://127.0.0.1:5432/",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "not a url",
]
MORE = [
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/latest/meta-data/",
    "https://127.0.0.1:5432/",
    "https://[::ffff:127.0.0.1]/",
    "https://10.0.0.8/hook",
    "https://localhost/hook",
    "https://user:password@hooks.example/hook",
    "ftp://hooks.example/hook",
    "http://hooks.example/hook",
]


def business_with_webhook(url: str) -> str:
    return TINY + f"messages:\n  webhook:\n    url: {json.dumps(url)}\n    secret: {SECRET}\n"


@pytest.mark.parametrize("url", FINDING + MORE)
def test_each_dangerous_webhook_url_is_refused_at_load_naming_file_and_key(url: str) -> None:
    text = business_with_webhook(url)
    read = read_business_text(text, "businesses/shop.yaml", {})
    assert read.business is None
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.strip().startswith("url:"))
    assert any(
        p.startswith(f"businesses/shop.yaml:{line}: messages.webhook.url: ") for p in read.problems
    ), read.problems


def test_the_operator_allow_list_lets_a_local_http_webhook_load(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(business_with_webhook("http://127.0.0.1:9000/hook"))
    strict = Settings.from_env({"FRONTDESK_BUSINESSES": str(tmp_path)})
    [refused] = business_files(strict)
    assert refused.business is None and "messages.webhook.url" in refused.problems[0]
    allowing = strict.with_(outbound_allow=("127.0.0.1:9000",))
    [loaded] = business_files(allowing)
    assert loaded.business is not None and loaded.problems == ()


# --------------------------------------------------------------------- at send time


class Receiver:
    """A business's endpoint: checks the signature, counts what it accepts."""

    def __init__(self) -> None:
        self.received: list[dict[str, object]] = []
        self.redirect_to = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.redirect_to:
            raise web.HTTPTemporaryRedirect(self.redirect_to)  # 307: POST, body and headers
        body = await request.read()
        stamp = request.headers["X-Frontdesk-Timestamp"]
        mac = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256)
        if not hmac.compare_digest(
            "sha256=" + mac.hexdigest(), request.headers["X-Frontdesk-Signature"]
        ):
            return web.Response(status=401)
        self.received.append(json.loads(body))
        return web.Response(status=204)


class Internal:
    """The internal service an attacker wants the desk to call: records every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, dict(request.headers)))
        return web.Response(text="secret internal answer")


async def _start(handler, host: str = "127.0.0.1") -> tuple[web.AppRunner, int]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


@pytest.fixture
async def servers() -> AsyncIterator[tuple[Receiver, int, Internal, int]]:
    receiver, internal = Receiver(), Internal()
    # on every interface: the machine's own name may resolve to another of its addresses
    runner, port = await _start(receiver.handle, "0.0.0.0")
    runner2, port2 = await _start(internal.handle)
    yield receiver, port, internal, port2
    await runner.cleanup()
    await runner2.cleanup()


async def _enqueue(store: MemoryStore, url: str, key: str = "k1") -> None:
    async with store.transaction("bloom-salon", "c1") as tx:
        await tx.enqueue(
            OutboxRow(
                id=key,
                business="bloom-salon",
                kind="message_webhook",
                payload={"url": url, "message": MESSAGE},
                idempotency_key=key,
                next_attempt_at=NOW,
            )
        )


def _drainer(store: MemoryStore, outbound: Outbound) -> Drainer:
    sender = WebhookSender({"bloom-salon": SECRET}, OPTIONS, outbound=outbound)
    return Drainer(store, {"message_webhook": sender})


def _machine_name_resolving_to_a_forbidden_address() -> str:
    """This machine's own host name, resolved by the system's resolver as any webhook host
    is: on a developer's machine, a container or a CI runner it is a loopback or private
    address — the offline stand-in for a webhook host that resolves into the network."""
    import ipaddress

    name = socket.gethostname()
    try:
        found = {a[4][0] for a in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    except OSError:
        pytest.skip(f"this machine's name {name!r} does not resolve")
    if not found or not all(forbidden(ipaddress.ip_address(a.split("%")[0])) for a in found):
        pytest.skip(f"this machine's name resolves to a public address ({sorted(found)})")
    return name


async def test_a_webhook_host_that_resolves_to_a_local_address_is_refused_when_sending(
    servers,
) -> None:
    receiver, port, _, _ = servers
    name = _machine_name_resolving_to_a_forbidden_address()
    store = MemoryStore()
    await _enqueue(store, f"https://{name}:{port}/hook")  # passes the check at load
    assert Outbound().url_problem(f"https://{name}:{port}/hook") == ""
    assert await _drainer(store, Outbound()).drain_once(NOW) == {"dead": 1}
    [row] = await store.outbox()
    assert row.status == "dead" and "refused" in row.last_error
    assert "address" in row.last_error and receiver.received == []
    # the same server, allowed by name, is reached: the refusal above was the guard's
    await _enqueue(store, f"http://{name}:{port}/hook", "k2")
    assert await _drainer(store, Outbound.of([name])).drain_once(NOW) == {"sent": 1}
    assert receiver.received == [MESSAGE]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
async def test_a_webhook_at_a_loopback_address_is_refused_when_sending(servers, host) -> None:
    receiver, port, _, _ = servers
    store = MemoryStore()
    await _enqueue(store, f"https://{host}:{port}/hook")  # a row written before the rule
    assert await _drainer(store, Outbound()).drain_once(NOW) == {"dead": 1}
    [row] = await store.outbox()
    assert row.status == "dead" and "refused" in row.last_error and receiver.received == []


@pytest.mark.parametrize("shared_session", [False, True])
async def test_a_redirect_to_another_local_server_is_not_followed_and_not_sent(
    servers, shared_session: bool
) -> None:
    receiver, port, internal, port2 = servers
    receiver.redirect_to = f"http://127.0.0.1:{port2}/admin"
    allow = Outbound.of([f"127.0.0.1:{port}"])  # the receiver is allowed; the target is not
    store = MemoryStore()
    await _enqueue(store, f"http://127.0.0.1:{port}/hook")
    if shared_session:  # as `frontdesk serve` sends: a guarded session, drainer_for
        text = business_with_webhook(f"http://127.0.0.1:{port}/hook")
        business = read_business_text(text, "shop.yaml", {}, outbound=allow).business
        assert business is not None
        async with guarded_session(allow) as session:
            drainer = drainer_for(
                store, {"bloom-salon": business}, OPTIONS, session=session, outbound=allow
            )
            counts = await drainer.drain_once(NOW)
    else:
        counts = await _drainer(store, allow).drain_once(NOW)
    assert counts == {"dead": 1}
    [row] = await store.outbox()
    assert row.status == "dead" and "307, a redirect (not followed)" in row.last_error
    assert internal.requests == [] and receiver.received == []


async def test_an_allowed_local_receiver_gets_the_signed_message_end_to_end(servers) -> None:
    receiver, port, internal, _ = servers
    store = MemoryStore()
    await _enqueue(store, f"http://127.0.0.1:{port}/hook")
    assert await _drainer(store, Outbound.of([f"127.0.0.1:{port}"])).drain_once(NOW) == {"sent": 1}
    assert receiver.received == [MESSAGE] and internal.requests == []
    assert [r.status for r in await store.outbox()] == ["sent"]
