"""Two tenants with data worth stealing, served by the real application of ``frontdesk
serve`` (every channel's routes, a real database, the offline language layer), once per
test module: the fuzz tests aim arbitrary traffic at it and check what comes back.

Each business has a customer whose name and phone number appear nowhere else (the
markers), written by real turns over the web chat and a signed SMS. A response to a
request addressed to one business must never carry another business's markers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator

from adapters.http.app import build_app
from adapters.http.server import Server
from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from tests.dbs import database_url

BLOOM, PRAXIS, ROOTER = "bloom-salon", "praxis-sommer", "rapid-rooter"
SID = "AC0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Tenant:
    """One business's channel secrets (its own, so a request signed for one business is
    forged for the other) and its customer's distinctive strings."""

    slug: str
    prefix: str
    twilio_number: str
    name: str
    phone: str  # E.164
    whatsapp_id: str  # the business's WhatsApp phone number id

    @property
    def twilio_token(self) -> str:
        return f"{self.prefix}-twilio-token"

    @property
    def telegram_secret(self) -> str:
        return f"{self.prefix}-telegram-secret"

    @property
    def whatsapp_secret(self) -> str:
        return f"{self.prefix}-whatsapp-secret"

    @property
    def markers(self) -> tuple[str, ...]:
        """What must never leave this business: the customer's surname and phone number
        in each shape it might be printed in."""
        national = self.phone[2:]
        return (
            self.name.split()[-1],
            self.phone,
            national,
            f"{national[:3]} {national[3:6]} {national[6:]}",
            f"{national[:3]}-{national[3:6]}-{national[6:]}",
        )


TENANTS = {
    BLOOM: Tenant(
        BLOOM, "bloom", "+15035550199", "Quillon Vantabrook", "+15035550177", "100000000000001"
    ),
    PRAXIS: Tenant(
        PRAXIS, "praxis", "+493012340000", "Zephyrine Okonkwari", "+15035550166", "100000000000002"
    ),
}


def channels_block(t: Tenant) -> str:
    p = t.prefix.upper()
    return (
        "channels:\n"
        "  twilio:\n"
        f"    account_sid: {SID}\n"
        f"    auth_token: ${{{p}_TWILIO_TOKEN}}\n"
        f'    from_number: "{t.twilio_number}"\n'
        "  telegram:\n"
        "    bot_token: 123456789:AAHfake-token_for_fuzzing0123456789abc\n"
        f"    secret_token: ${{{p}_TG_SECRET}}\n"
        "  whatsapp:\n"
        f'    phone_number_id: "{t.whatsapp_id}"\n'
        "    access_token: EAAG-fuzz-token\n"
        f"    app_secret: ${{{p}_WA_SECRET}}\n"
        "    verify_token: fuzz-verify\n"
    )


def businesses(target: Path) -> Path:
    """The demo businesses, the two tenants with every signed channel switched on."""
    shutil.copytree(repo_path("examples", "businesses"), target)
    for t in TENANTS.values():
        path = target / f"{t.slug}.yaml"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^channels:\n(?:[ #].*\n?)*", "", text, flags=re.M)
        path.write_text(text.rstrip("\n") + "\n\n" + channels_block(t), encoding="utf-8")
    return target


def environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for t in TENANTS.values():
        p = t.prefix.upper()
        env[f"{p}_TWILIO_TOKEN"] = t.twilio_token
        env[f"{p}_TG_SECRET"] = t.telegram_secret
        env[f"{p}_WA_SECRET"] = t.whatsapp_secret
    return env


def twilio_signature(token: str, url: str, params: Mapping[str, str]) -> str:
    return str(RequestValidator(token).compute_signature(url, dict(params)))


def whatsapp_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Rig:
    client: TestClient[Any, Any]
    server: Server
    sessions: dict[str, str] = field(default_factory=dict)  # slug → its seeded web chat

    def leaked(self, text: str, addressed: str | None) -> list[str]:
        """The markers of businesses other than ``addressed`` found in ``text``."""
        return [
            m for slug, t in TENANTS.items() if slug != addressed for m in t.markers if m in text
        ]


async def _seed(rig: Rig, t: Tenant) -> None:
    async with rig.client.ws_connect(f"/ws/{t.slug}") as ws:
        await ws.send_json({"type": "hello", "session": "", "lang": "en"})
        welcome = await ws.receive_json(timeout=60)
        session = welcome["session"]
        for i, text in enumerate(
            (f"Hi, this is {t.name}", f"my number is {t.markers[3]}"), start=1
        ):
            await ws.send_json({"type": "message", "id": f"seed{i}", "text": text})
            while (await ws.receive_json(timeout=60))["type"] != "reply":
                pass
    rig.sessions[t.slug] = session
    form = {
        "MessageSid": f"SM{t.prefix}seed".ljust(34, "0"),
        "AccountSid": SID,
        "From": t.phone,
        "To": t.twilio_number,
        "Body": f"{t.name} here, can I move my appointment?",
        "NumMedia": "0",
    }
    path = f"/twilio/sms/{t.slug}"
    url = str(rig.client.make_url(path))
    r = await rig.client.post(
        path,
        data=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(t.twilio_token, url, form),
        },
    )
    assert r.status == 200, await r.text()
    view = json.dumps(
        [
            turn.record
            for conv in await rig.server.app.store.list_conversations(t.slug)
            for turn in await rig.server.app.store.turns(conv.id)
        ]
    )
    assert t.name in view and t.phone[2:5] in view  # the markers are really stored


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tenants(tmp_path_factory: pytest.TempPathFactory, language: Any) -> AsyncIterator[Rig]:
    tmp = tmp_path_factory.mktemp("tenants")
    async with database_url(tmp) as db:
        settings = Settings(
            db=db, businesses=businesses(tmp / "businesses"), env=environment(), cache_dir=tmp
        )
        app = await open_app(settings, language=language)
        server = Server(settings=app.settings, app=app)
        client = TestClient(TestServer(build_app(server), host="127.0.0.1"))
        await client.start_server()
        try:
            rig = Rig(client=client, server=server)
            for t in TENANTS.values():
                await _seed(rig, t)
            yield rig
        finally:
            await client.close()
            await app.close()


__all__ = [
    "BLOOM",
    "PRAXIS",
    "ROOTER",
    "TENANTS",
    "Rig",
    "Tenant",
    "tenants",
    "twilio_signature",
    "whatsapp_signature",
]
