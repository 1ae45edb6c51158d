"""The topic card: a declarative behaviour card, validated as a typed model.

A card is data until it validates. Conditions stay strings here; ``machines.loader``
type-checks every condition against the card's fact schema, resolves every action and field
type, and only then is the card compiled to a machine and its rules.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the types a card's required field can have; ``language`` extracts a value of each
FieldType = Literal[
    "service",
    "staff",
    "date",
    "time",
    "offered_slot",
    "person_name",
    "phone",
    "email",
    "address",
    "text",
    "choice",
    "boolean",
]
FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)

Channel = Literal["cli", "webchat", "sms", "voice", "whatsapp", "telegram"]
ALL_CHANNELS: tuple[Channel, ...] = ("cli", "webchat", "sms", "voice", "whatsapp", "telegram")

Text = dict[str, str]  # per language: {"en": ..., "de": ...}

_ID = r"^[a-z][a-z0-9_]{0,39}$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Classifier(_Model):
    description: Text = Field(default_factory=dict)
    examples: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # words or phrases that, appearing verbatim, add a small bonus to the topic's score:
    # cheap, explainable help where sentence embeddings blur near topics (move vs cancel)
    keywords: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # a topic whose false positives are costly (an emergency) can demand a higher score
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)


class RequiredField(_Model):
    name: str = Field(pattern=_ID)
    type: FieldType
    prompt: Text = Field(default_factory=dict)  # how to ask for it, per language
    label: Text = Field(default_factory=dict)  # how to name it in a summary
    # a text field the message that opened the topic fills (an emergency describes itself)
    from_opening: bool = False


class Step(_Model):
    """One step of a card, in order.

    ``collect`` waits for ``field``; ``action`` runs ``action`` and moves on when it
    succeeds (``on_fail`` names the step to go back to when it fails); ``confirm`` reads a
    summary back and waits for an explicit yes (``on_deny`` names the step a "no" returns
    to; default: the step before); ``say`` adds ``say`` to the reply and moves on.
    Any step with ``skip_if`` is passed over while that condition holds.
    """

    id: str = Field(pattern=_ID)
    kind: Literal["collect", "action", "confirm", "say"]
    field: str | None = None
    action: str | None = None
    on_fail: str | None = None
    on_deny: str | None = None
    say: str | None = None
    skip_if: str | None = None  # a condition; when it holds the step is skipped

    @model_validator(mode="after")
    def _kind_has_its_part(self) -> Step:
        need = {"collect": "field", "action": "action", "say": "say"}.get(self.kind)
        if need and getattr(self, need) is None:
            raise ValueError(f"a {self.kind} step needs '{need}'")
        return self


class EscalateIf(_Model):
    when: str  # a condition in the safe condition language
    reason: str  # owner-readable reason, e.g. "emergency", "customer asked for a human"


class Invariant(_Model):
    """A promise about the card that ``frontdesk verify`` proves in every reachable state."""

    name: str = Field(pattern=_ID, description="what the promise is called in a report")
    holds: str = Field(
        description=(
            "a condition in the safe condition language that must hold whenever facts change;"
            " besides the card's facts it may name verify.action (the action about to run),"
            " verify.confirmed (a fresh yes to the read-back), verify.previous and verify.event"
            " (the machine's last transition)"
        )
    )


class Exemption(_Model):
    """A committing action the card runs without a read-back and an explicit yes, and the
    reviewed reason why (an emergency alert must not wait for a yes)."""

    action: str
    reason: str = Field(min_length=10, description="why this action may commit without a yes")


class Card(_Model):
    id: str = Field(pattern=_ID)
    title: Text
    # the topic as a verb phrase, per language, for asking which topic the customer means
    # ("Would you like to book a new appointment or move one you already have?"); the
    # title when not given
    phrase: Text = Field(default_factory=dict)
    priority: int = 50
    channels: tuple[Channel, ...] = ALL_CHANNELS
    oneshot: bool = False  # a digression (FAQ, hours): after it the interrupted topic resumes
    interruptible: bool = True  # may be suspended by a digression and resumed later
    classifier: Classifier = Classifier()
    scope: Text = Field(default_factory=dict)
    instructions: Text = Field(default_factory=dict)
    required_fields: tuple[RequiredField, ...] = ()
    steps: tuple[Step, ...]
    allowed_actions: tuple[str, ...] = ()
    auto_escalate_if: tuple[EscalateIf, ...] = ()
    confirm_before: tuple[str, ...] = ()  # actions that need an explicit yes first
    # committing actions that may run without one (every other committing action needs it,
    # whatever confirm_before says; see machines.registry)
    confirm_exempt: tuple[Exemption, ...] = ()
    invariants: tuple[Invariant, ...] = ()

    def field(self, name: str) -> RequiredField:
        for f in self.required_fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


TERMINAL_STATES: tuple[str, ...] = ("done", "escalated", "abandoned")

__all__ = [
    "ALL_CHANNELS",
    "Card",
    "Channel",
    "Classifier",
    "EscalateIf",
    "Exemption",
    "Invariant",
    "RequiredField",
    "Step",
    "TERMINAL_STATES",
    "Text",
]
