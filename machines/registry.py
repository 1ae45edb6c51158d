"""The actions a card may name, and the fields each one reads.

A card refers to behaviour only by name (``action: book``); the loader checks every such
name against a registry of :class:`ActionSpec` and checks that the card declares every field
the action reads, so a typo or a missing field fails at load time, not in a conversation.
The engine passes the registry of the actions it really implements; :data:`DEFAULT_ACTIONS`
is the standard set, used by ``frontdesk cards check`` and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    needs: tuple[str, ...] = ()  # field names the action reads
    description: str = ""


def _registry(*specs: ActionSpec) -> Mapping[str, ActionSpec]:
    return MappingProxyType({spec.name: spec for spec in specs})


DEFAULT_ACTIONS: Mapping[str, ActionSpec] = _registry(
    ActionSpec("find_slots", ("service",), "search free slots for the service"),
    ActionSpec("book", ("service", "slot", "name", "phone"), "book the offered slot"),
    ActionSpec("find_appointment", ("phone",), "look up the customer's upcoming appointments"),
    ActionSpec("reschedule", ("appointment", "slot"), "move an appointment to an offered slot"),
    ActionSpec("cancel", ("appointment",), "cancel an appointment"),
    ActionSpec("answer_faq", (), "answer from the business's FAQ and knowledge"),
    ActionSpec("business_hours", (), "state the opening hours in the business's timezone"),
    ActionSpec("take_message", ("name", "phone", "message"), "take a message for the business"),
    ActionSpec("transfer", (), "transfer to a human or department"),
    ActionSpec("escalate", (), "hand the conversation to a human"),
    ActionSpec("emergency", (), "alert the business to an emergency and give safety advice"),
    ActionSpec("end_conversation", (), "close the conversation (voice: hang up)"),
)

__all__ = ["ActionSpec", "DEFAULT_ACTIONS"]
