"""Running the scripted conversations of ``conversations.yaml`` through a real Desk.

Shared by the end-to-end tests and ``bench.turns``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ruamel.yaml import YAML

from engine.desk import Desk, Reply
from engine.ports import InboundEvent

SCRIPTS = Path(__file__).with_name("conversations.yaml")
_ids = itertools.count(1)


@dataclass
class Turn:
    say: str
    expect: list[str]


@dataclass
class Conversation:
    business: str
    name: str
    now: str
    lang: str | None = None
    customer: str | None = None
    channel: str = "webchat"
    turns: list[Turn] = field(default_factory=list)
    after: dict[str, Any] = field(default_factory=dict)


def load_scripts(path: Path = SCRIPTS) -> list[Conversation]:
    data = YAML(typ="safe").load(path.read_text())
    out = []
    for business, convs in data.items():
        for c in convs:
            out.append(
                Conversation(
                    business=business,
                    name=c["name"],
                    now=c["now"],
                    lang=c.get("lang"),
                    customer=c.get("customer"),
                    channel=c.get("channel", "webchat"),
                    turns=[Turn(t["say"], list(t.get("expect", []))) for t in c["turns"]],
                    after=c.get("after", {}),
                )
            )
    return out


def events(conv: Conversation, tz: str) -> Iterator[InboundEvent]:
    now = datetime.fromisoformat(conv.now).replace(tzinfo=ZoneInfo(tz))
    sender = f"{conv.customer or 'guest'}#{next(_ids)}"
    for i, turn in enumerate(conv.turns):
        yield InboundEvent(
            business=conv.business,
            channel=conv.channel,  # type: ignore[arg-type]
            sender=sender,
            text=turn.say,
            provider_msg_id=f"{sender}-{i}",
            received_at=now,
            lang_hint=conv.lang,
            customer_phone=conv.customer,
        )


async def run(desk: Desk, conv: Conversation) -> list[tuple[Turn, Reply, list[str]]]:
    """Run one conversation; per turn the reply and the plan item kinds decided."""
    tz = desk.brains[conv.business].business.timezone
    out = []
    for turn, event in zip(conv.turns, events(conv, tz), strict=True):
        reply = await desk.handle(event)
        stored = await desk.store.turn_for(conv.business, event.provider_msg_id)
        assert stored is not None, f"turn not recorded: {turn.say!r}"
        decision = stored.record["decision"] or {}
        kinds = [i["kind"] for i in decision.get("plan", {}).get("items", [])]
        out.append((turn, reply, kinds))
    return out
