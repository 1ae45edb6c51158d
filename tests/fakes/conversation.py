"""A conversation with a real desk in a few lines: scripted understandings of what a
customer said, the inbound events that carry them, and a booking led up to its read-back."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.desk import Desk, Reply
from engine.ports import ChannelKind, InboundEvent
from language.types import (
    FieldCandidate,
    Signals,
    TopicScore,
    UnderstandContext,
    Understanding,
)
from store.memory import MemoryStore
from tests.fakes.scripted_language import Responder, ScriptedLanguage

Script = Understanding | Responder  # what the language says of one message

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2025, 3, 4, 8, 0, tzinfo=LA)  # a Tuesday


def said(*fields: tuple[str, str], affirm: bool = False, topic: str = "book") -> Understanding:
    return Understanding(
        text="…",
        lang="en",
        topics=(TopicScore(topic=topic, score=0.9),),
        signals=Signals(affirm=affirm),
        fields=tuple(
            FieldCandidate(type=t, value=v, text=v)  # type: ignore[arg-type]
            for t, v in fields
        ),
    )


def first_offer(text: str, ctx: UnderstandContext) -> Understanding:
    return said(("offered_slot", ctx.offered[0].start.isoformat()))


def event(
    sender: str, i: int, at: datetime = NOW, channel: ChannelKind = "sms", text: str = "…"
) -> InboundEvent:
    """A message as the channel's adapter makes it: an SMS carries its sender's number as
    the caller id (signed by Twilio), a web chat, Telegram chat or withheld call none."""
    return InboundEvent(
        business="bloom-salon",
        channel=channel,
        sender=sender,
        text=text,
        provider_msg_id=f"{sender}-{i}" if channel == "sms" else f"{channel}-{sender}-{i}",
        received_at=at,
        customer_phone=sender if channel == "sms" and sender.startswith("+") else None,
    )


def typed(text: str, topic: str = "cancel") -> Understanding:
    """A message that is only ``text`` (a code typed back), no field recognised in it."""
    return Understanding(text=text, lang="en", topics=(TopicScore(topic=topic, score=0.9),))


async def code_sent_to(store: MemoryStore, phone: str) -> str:
    """The one-time code in the latest text message the outbox holds for ``phone``."""
    rows = [
        r
        for r in await store.outbox()
        if r.idempotency_key.startswith("code:") and r.payload.get("to") == phone
    ]
    assert rows, f"no code was texted to {phone}"
    found = re.search(r"\b(\d{6})\b", str(rows[-1].payload["text"]))
    assert found is not None
    return found.group(1)


async def talk(
    desk: Desk, language: ScriptedLanguage, sender: str, *script: Script, first: int = 0
) -> Reply:
    reply = None
    for i, item in enumerate(script, start=first):
        language.push(item)
        reply = await desk.handle(event(sender, i))
    assert reply is not None
    return reply


def up_to_confirm(phone: str) -> tuple[Script, ...]:
    return (
        said(("service", "mens_cut"), ("staff", "alex")),
        said(("date", "2025-03-05")),
        first_offer,
        said(("person_name", "Dana Whitfield")),
        said(("phone", phone)),
    )
