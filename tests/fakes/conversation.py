"""A conversation with a real desk in a few lines: scripted understandings of what a
customer said, the inbound events that carry them, and a booking led up to its read-back."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from engine.desk import Desk
from engine.ports import InboundEvent
from language.types import FieldCandidate, Signals, TopicScore, Understanding
from tests.fakes.scripted_language import ScriptedLanguage

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


def first_offer(text, ctx) -> Understanding:
    return said(("offered_slot", ctx.offered[0].start.isoformat()))


def event(sender: str, i: int, at: datetime = NOW) -> InboundEvent:
    return InboundEvent(
        business="bloom-salon",
        channel="sms",
        sender=sender,
        text="…",
        provider_msg_id=f"{sender}-{i}",
        received_at=at,
    )


async def talk(desk: Desk, language: ScriptedLanguage, sender: str, *script, first: int = 0):
    reply = None
    for i, item in enumerate(script, start=first):
        language.push(item)
        reply = await desk.handle(event(sender, i))
    assert reply is not None
    return reply


def up_to_confirm(phone: str) -> tuple:
    return (
        said(("service", "mens_cut"), ("staff", "alex")),
        said(("date", "2025-03-05")),
        first_offer,
        said(("person_name", "Dana Whitfield")),
        said(("phone", phone)),
    )
