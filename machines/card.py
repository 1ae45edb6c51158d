"""The topic card: a declarative behaviour card, validated as a typed model.

A card is data until it validates. Conditions stay strings here; ``machines.loader``
type-checks every condition against the card's fact schema, resolves every action and field
type, and only then is the card compiled to a machine and its rules.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

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
    to; default: the step before); ``say`` adds ``say`` to the reply and moves on;
    ``verify`` proves that the customer speaks for the phone number in ``field`` (see
    :func:`expand_verify`: the card holds the steps it stands for, never the step itself).
    Any step with ``skip_if`` is passed over while that condition holds.
    """

    id: str = Field(pattern=_ID)
    kind: Literal["collect", "action", "confirm", "say", "verify"]
    field: str | None = None
    action: str | None = None
    on_fail: str | None = None
    on_deny: str | None = None
    say: str | None = None
    skip_if: str | None = None  # a condition; when it holds the step is skipped

    @model_validator(mode="after")
    def _kind_has_its_part(self) -> Step:
        need = {"collect": "field", "action": "action", "say": "say", "verify": "field"}.get(
            self.kind
        )
        if need and getattr(self, need) is None:
            raise ValueError(f"a {self.kind} step needs '{need}'")
        return self


CODE_FIELD = "code"
"""The field a ``verify`` step collects the one-time code in."""
VERIFY_ACTIONS: tuple[str, str] = ("send_code", "check_code")
PROVEN = "proven."
"""``proven.<field>``: the phone number in ``field`` is one this conversation speaks for."""

_CODE_PROMPT = {
    "en": "Please type the code from the text message.",
    "de": "Bitte geben Sie den Code aus der SMS ein.",
}
_CODE_LABEL = {"en": "Code", "de": "Code"}


def expand_verify(data: dict[str, Any]) -> dict[str, Any]:
    """A card's ``verify`` steps as the steps they stand for.

    ``- {id: check, kind: verify, field: phone}`` becomes, while ``proven.phone`` does not
    hold (each is skipped once it does):

    - ``check`` runs ``send_code`` (a code by SMS to the number; on failure back to the
      step that collects the number),
    - ``check_code`` collects the ``code`` the customer types back,
    - ``check_check`` runs ``check_code`` (a wrong code: back to ``check_code``).

    The card gets the ``code`` field and both actions when it does not name them. A card
    without a ``verify`` step is returned unchanged, so expanding twice changes nothing.
    """
    steps = data.get("steps")
    if not isinstance(steps, list | tuple):
        return data
    raw = [s.model_dump(exclude_defaults=True) if isinstance(s, BaseModel) else s for s in steps]
    if not any(isinstance(s, dict) and s.get("kind") == "verify" for s in raw):
        return data
    out: list[Any] = []
    for step in raw:
        if not (isinstance(step, dict) and step.get("kind") == "verify"):
            out.append(step)
            continue
        sid, phone = str(step.get("id", "")), step.get("field")
        if not isinstance(phone, str):
            out.append(step)  # the step model reports the missing field
            continue
        skip = f"{PROVEN}{phone}"
        if step.get("skip_if"):
            skip = f"({step['skip_if']}) or {skip}"
        collects = next(
            (
                s.get("id")
                for s in raw
                if isinstance(s, dict) and s.get("kind") == "collect" and s.get("field") == phone
            ),
            None,
        )
        out += [
            {"id": sid, "kind": "action", "action": "send_code", "skip_if": skip}
            | ({"on_fail": collects} if collects else {}),
            {"id": f"{sid}_code", "kind": "collect", "field": CODE_FIELD, "skip_if": skip},
            {
                "id": f"{sid}_check",
                "kind": "action",
                "action": "check_code",
                "on_fail": f"{sid}_code",
                "skip_if": skip,
            },
        ]
    data = {**data, "steps": out}
    fields = list(data.get("required_fields") or ())
    named = {
        getattr(f, "name", None) if isinstance(f, BaseModel) else f.get("name") for f in fields
    }
    if CODE_FIELD not in named:
        fields.append(
            {"name": CODE_FIELD, "type": "text", "prompt": _CODE_PROMPT, "label": _CODE_LABEL}
        )
        data["required_fields"] = fields
    allowed = list(data.get("allowed_actions") or ())
    data["allowed_actions"] = allowed + [a for a in VERIFY_ACTIONS if a not in allowed]
    return data


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

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, data: Any) -> Any:
        return expand_verify(data) if isinstance(data, dict) else data

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
    "CODE_FIELD",
    "PROVEN",
    "VERIFY_ACTIONS",
    "expand_verify",
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
