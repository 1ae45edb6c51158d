"""Typed values crossing the language boundary.

``understand()`` turns text into an :class:`Understanding`; ``render()`` turns a
:class:`ReplyPlan` that code has already decided into text. Both directions are plain,
frozen, JSON-serialisable values so the audit can record them verbatim and replay can feed
them back without calling any model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field

from machines.card import FIELD_TYPES, FieldType  # the typed fields of a card

Lang = Literal["en", "de"]
Urgency = Literal["none", "urgent", "emergency"]
Hazard = Literal["none", "gas"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- context given to understand


class CatalogItem(_Frozen):
    """A service or staff member the extractors may match (id plus names and aliases)."""

    id: str
    names: tuple[str, ...]  # display names and aliases, all languages


class Slot(_Frozen):
    """An offered appointment slot. ``start``/``end`` are timezone-aware (business tz)."""

    start: datetime
    end: datetime
    staff: str  # staff id
    staff_name: str
    service: str  # service id


class TopicExamples(_Frozen):
    """A card's classifier data: id, description and example utterances per language."""

    id: str
    description: dict[str, str] = Field(default_factory=dict)
    examples: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    keywords: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # verbatim cues


class FaqEntry(_Frozen):
    id: str
    question: dict[str, str]  # per language
    answer: dict[str, str]  # per language
    keywords: tuple[str, ...] = ()


class UnderstandContext(_Frozen):
    """Everything understand() may use. ``now`` is given (never read from a clock)."""

    now: datetime  # timezone-aware, in the business timezone
    timezone: str  # IANA name, e.g. "Europe/Berlin"
    languages: tuple[Lang, ...]  # business languages, first is the default
    conversation_lang: Lang | None = None  # language used so far in this conversation
    phone_region: str = "US"  # ISO region for phone parsing
    services: tuple[CatalogItem, ...] = ()
    staff: tuple[CatalogItem, ...] = ()
    faq: tuple[FaqEntry, ...] = ()
    expected_field: str | None = None  # the field the desk just asked for, if any
    expected_type: FieldType | None = None
    offered: tuple[Slot, ...] = ()  # slots offered so far in this conversation
    choices: tuple[str, ...] = ()  # labels of rich options offered, if any
    emergency_keywords: tuple[str, ...] = ()  # the business's extra emergency words, all languages
    active_topic: str | None = None  # the card the conversation is in, if any
    expects_confirm: bool = False  # the last reply read back a summary and asked for a yes


# ---------------------------------------------------------------- understanding


class TopicScore(_Frozen):
    topic: str
    # the topic model's probability in [0, 1] (FAQ entries: cosine similarity in [-1, 1]);
    # higher is better
    score: float


# an FAQ entry scoring below this in ``Understanding.faq`` is not the answer to the message
# (the offline backend moves its similarities so that this holds; see language.classifier)
FAQ_FLOOR = 0.5


class TopicEvidence(_Frozen):
    """Why a topic scored as it did, for the audit: the examples nearest to the message and
    the features that weighed most (name, contribution to the topic's logit)."""

    topic: str
    nearest: tuple[tuple[str, float], ...] = ()
    features: tuple[tuple[str, float], ...] = ()


class Signals(_Frozen):
    """What a message signals beyond its typed values.

    ``earliest``: the customer wants the first free time ("the earliest you can fit me in",
    "as soon as possible", "so bald wie möglich", "nächstmöglichen Termin"); the desk then
    searches forward from now. ``asks_identity``: the customer asks whether they are talking
    to a machine ("are you a bot?", "Sind Sie ein Computer?"); the desk says that it is."""

    affirm: bool = False
    deny: bool = False
    wants_human: bool = False
    goodbye: bool = False
    greeting: bool = False
    thanks: bool = False
    correction: bool = False
    urgency: Urgency = "none"
    hazard: Hazard = "none"
    earliest: bool = False
    asks_identity: bool = False


class FieldCandidate(_Frozen):
    """A typed value found in the text, with the span it came from.

    ``value`` is canonical text: ``service``/``staff`` → catalog id; ``date`` → ISO date;
    ``time`` → ``HH:MM``; ``offered_slot`` → ISO start of the chosen offered slot;
    ``phone`` → E.164; ``email`` → lower-cased address; ``boolean`` → ``yes``/``no``.
    ``problem`` is set instead of a usable value when the text clearly tried to give one
    that cannot be used: ``past``, ``impossible_date``, ``unknown_service``,
    ``unknown_staff``, ``invalid_phone``, ``invalid_email``, ``no_such_option``; and
    ``ambiguous`` with a value: the words fit several catalog items equally ("haircut":
    the women's and the men's), one candidate per item, each with its id as ``value`` —
    none of them may be taken without asking.
    ``not_offered`` (``offered_slot`` only) is no refusal: the customer answered the offer
    with a day, time or person none of the offers has, which the desk searches for instead.
    """

    type: FieldType
    value: str = ""
    problem: str = ""
    span: tuple[int, int] = (0, 0)
    text: str = ""  # the matched text
    confidence: float = 1.0


ModelPurpose = Literal["topic", "fields", "signals", "reply"]
ModelOutcome = Literal["ok", "invalid", "rejected", "timeout", "error", "refused"]


class ModelCall(_Frozen):
    """One call to a language model, recorded verbatim in the audit.

    ``outcome``: ``ok`` (used), ``invalid`` (the output did not validate against the
    schema), ``rejected`` (it validated but a typed extractor refused a value, e.g. a
    service not in the catalog), ``timeout``/``error`` (the provider failed), ``refused``
    (the grounding check refused a worded reply). ``reason`` says why the model was asked
    (hybrid: what the offline extractors could not resolve); ``note`` what went wrong and
    what was used instead. Replay never calls a model: it reads these records.
    """

    purpose: ModelPurpose
    provider: str
    model: str
    prompt_hash: str  # sha256 of the messages and the output schema
    raw: str = ""  # the model's output as received (bounded)
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    outcome: ModelOutcome = "ok"
    reason: str = ""
    note: str = ""


class Understanding(_Frozen):
    """What the customer meant. Recorded verbatim in the audit; replay feeds it back."""

    text: str
    lang: Lang
    topics: tuple[TopicScore, ...] = ()  # best first
    cues: tuple[str, ...] = ()  # topics whose explicit cue the text carries ("cancel", "buchen")
    evidence: tuple[TopicEvidence, ...] = ()  # why the best topics scored as they did
    signals: Signals = Signals()
    fields: tuple[FieldCandidate, ...] = ()
    faq: tuple[TopicScore, ...] = ()  # FAQ entry ids by relevance, best first
    part_of_day: Literal["", "morning", "afternoon", "evening"] = ""
    after_time: str = ""  # "HH:MM" when the customer said "after 5"
    before_time: str = ""  # "HH:MM" when the customer said "before 10"
    backend: str = "offline"
    model: str = ""
    problem: str = ""  # "empty", "too_long", "binary", "emoji_only" when the text is unusable
    model_calls: tuple[ModelCall, ...] = ()  # the LLM backends' calls, in order


# ---------------------------------------------------------------- reply plans


PlanKind = Literal[
    # the conversation
    "greet",
    "goodbye",
    "anything_else",
    "how_can_i_help",
    "identity",
    "resume",
    "clarify",
    "clarify_topic",
    "out_of_scope",
    "fallback",
    "offer_help",
    # fields and read-backs
    "ask",
    "invalid",
    "confirm",
    "late_fee",
    # what an action found or did
    "offer_slots",
    "slot_free",
    "already_holds",
    "no_slots",
    "slot_taken",
    "booked",
    "rescheduled",
    "cancelled",
    "already_cancelled",
    "appointment",
    "no_appointment",
    # proving a typed phone number (a one-time code sent to it by SMS)
    "code_sent",
    "code_wrong",
    "code_renewed",
    "code_locked",
    "code_unavailable",
    "code_limit",
    "not_verified",
    "answer",
    "no_answer",
    "hours",
    "message_taken",
    # hand-offs and safety
    "transfer",
    "escalate",
    "emergency_info",
    "safety",
]
"""Every kind of :class:`PlanItem`: the closed set the renderer words (``RENDERERS`` has one
wording each) and the engine plans. A kind outside it is refused where the item is made."""

PLAN_KINDS: tuple[PlanKind, ...] = get_args(PlanKind)


def plan_kind(name: str) -> PlanKind:
    """``name`` as a plan kind (a card's ``say`` key, a recorded kind); ValueError if it
    is none."""
    for kind in PLAN_KINDS:
        if kind == name:
            return kind
    raise ValueError(f"{name!r} is not a reply plan kind")


class PlanItem(_Frozen):
    """One thing the reply must say. ``kind`` names its wording; ``data`` carries the facts
    that wording reads (e.g. ``ask``: field, type, retry; ``invalid``: field, problem;
    ``answer``: text, source; ``transfer``: department, phone; ``escalate``: reason;
    ``resume``: topic) and ``slots`` the times it names (``offer_slots``, ``slot_free``,
    ``appointment``). Each kind's wording is in :mod:`language.render`.
    """

    kind: PlanKind
    data: dict[str, str] = Field(default_factory=dict)
    slots: tuple[Slot, ...] = ()


class ReplyPlan(_Frozen):
    """What the reply says, decided by code. The renderer only words it."""

    lang: Lang
    items: tuple[PlanItem, ...]
    business_name: str = ""
    options: tuple[str, ...] = ()  # rich options (buttons) where the channel has them
    end_conversation: bool = False
    # the card whose instructions and scope a model-written reply follows; the desk sets it
    # on the copy it renders (it is not part of the decision)
    topic: str = ""


class Rendered(_Frozen):
    text: str
    options: tuple[str, ...] = ()
    grounded: bool = True  # False when the grounding check refused model text
    note: str = ""
    model_calls: tuple[ModelCall, ...] = ()  # the LLM backend's wording call, if any


class LanguageBackend(Protocol):
    """Both backends (offline and LLM) satisfy this and pass the same contract tests."""

    name: str

    def understand(
        self, text: str, topics: tuple[TopicExamples, ...], context: UnderstandContext
    ) -> Understanding: ...

    def render(self, plan: ReplyPlan) -> Rendered: ...

    def prepare(self, topics: tuple[TopicExamples, ...], context: UnderstandContext) -> None:
        """Build what a business needs (its topic model, FAQ index) before its first turn,
        not during it; ``context`` is any context of that business (its catalog and FAQ)."""
        ...


__all__ = [
    "FAQ_FLOOR",
    "FIELD_TYPES",
    "PLAN_KINDS",
    "CatalogItem",
    "FaqEntry",
    "FieldCandidate",
    "FieldType",
    "Hazard",
    "Lang",
    "LanguageBackend",
    "ModelCall",
    "ModelOutcome",
    "ModelPurpose",
    "PlanItem",
    "PlanKind",
    "plan_kind",
    "Rendered",
    "ReplyPlan",
    "Signals",
    "Slot",
    "TopicEvidence",
    "TopicExamples",
    "TopicScore",
    "Understanding",
    "UnderstandContext",
    "Urgency",
]
