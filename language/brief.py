"""What an LLM backend knows of its business: the stable part of every prompt.

The composition root builds one :class:`BusinessBrief` per business from its configuration
and compiled cards and hands it to the backend at construction. It holds only facts the
business published (services, prices, staff, hours, the cards' descriptions, scope and
instructions) and never changes between turns, so it goes first in every prompt and a
provider's prefix cache keeps it warm across turns and conversations.
"""

from __future__ import annotations

from pydantic import Field

from language.types import FieldType, Lang, _Frozen


class FieldBrief(_Frozen):
    name: str
    type: FieldType
    label: dict[str, str] = Field(default_factory=dict)


class CardBrief(_Frozen):
    """One topic card as a model sees it."""

    id: str
    title: dict[str, str] = Field(default_factory=dict)
    description: dict[str, str] = Field(default_factory=dict)
    scope: dict[str, str] = Field(default_factory=dict)
    instructions: dict[str, str] = Field(default_factory=dict)
    fields: tuple[FieldBrief, ...] = ()

    def field(self, name: str) -> FieldBrief | None:
        return next((f for f in self.fields if f.name == name), None)


class ServiceBrief(_Frozen):
    id: str
    name: dict[str, str]
    price: dict[str, str] = Field(default_factory=dict)
    duration_min: int = 0


class StaffBrief(_Frozen):
    id: str
    name: str
    services: tuple[str, ...] = ()


class BusinessBrief(_Frozen):
    name: str
    kind: str = ""
    city: str = ""
    timezone: str = "UTC"
    languages: tuple[Lang, ...] = ("en",)
    services: tuple[ServiceBrief, ...] = ()
    staff: tuple[StaffBrief, ...] = ()
    hours: str = ""  # one line per weekday, as the owner wrote them
    cards: tuple[CardBrief, ...] = ()

    def card(self, card_id: str | None) -> CardBrief | None:
        return next((c for c in self.cards if c.id == card_id), None) if card_id else None


def text_in(texts: dict[str, str], lang: str) -> str:
    """The text in ``lang``, else English, else any."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


__all__ = ["BusinessBrief", "CardBrief", "FieldBrief", "ServiceBrief", "StaffBrief", "text_in"]
