"""Reply-plan items: what each ``Say`` of a rule means, filled with committed facts.

Rules decide *that* something is said; this module gathers the values it needs (the
card's wording, the chosen slot, the fee) from the turn's state, never from the model.
The turn hands over the values themselves (the brain, the conversation state, the facts,
...), never itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from language.slot_labels import slot_labels
from language.types import Lang, PlanItem, PlanKind, Signals, Slot, plan_kind
from rules.ir import Facts, Say

from .brain import Brain
from .business import Business
from .fields import which_key
from .state import ConversationState

_SUMMARY = ("service", "staff", "name", "phone", "email", "address", "problem", "message")


def _text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def _summary(b: Business, state: ConversationState, lang: str, channel: str) -> PlanItem:
    active = state.active
    fields = active.fields if active else {}
    data: dict[str, str] = {}
    for key in _SUMMARY:
        value = fields.get(key, "")
        if not value:
            continue
        if key == "service":
            value = b.service(value).display(lang)
        elif key == "staff" and value != "any":
            value = b.staff_member(value).name
        elif key == "staff":
            continue
        data[key] = value
    slots: tuple[Slot, ...] = ()
    chosen = state.slot_at(fields.get("slot", ""))
    if chosen is not None:
        slots = (chosen,)
        data["staff"] = chosen.staff_name
        data["service"] = b.service(chosen.service).display(lang)
    appt = [a for a in state.found if a.id == fields.get("appointment")]
    if appt:
        a = appt[0]
        data["appointment_service"] = b.service(a.service).display(lang)
        data["appointment_staff"] = a.staff_name
        data["appointment_when"] = a.start.isoformat()
    if channel == "voice":
        data["voice"] = "1"
    if active is not None:
        data["topic"] = active.card
    return PlanItem(kind="confirm", data=data, slots=slots)


# topics never offered as a choice: they are what the desk falls back to, not a request
_NOT_OFFERED = frozenset({"out_of_scope", "smalltalk"})


def _clarify_topic(brain: Brain, facts: Facts, lang: str) -> PlanItem:
    """Which topic the customer means: the candidate and, when it is a real request too,
    the runner-up — each named by its card's phrase (the title when it has none)."""
    topics = [str(facts.get("topic.candidate", ""))]
    runner = str(facts.get("topic.runner_up", ""))
    if runner and runner not in _NOT_OFFERED and runner in brain.topics:
        topics.append(runner)
    cards = [brain.topics[tid].card for tid in topics if tid in brain.topics]
    return PlanItem(
        kind="clarify_topic",
        data={
            "topics": " ".join(c.id for c in cards),
            "phrases": "|".join(_text(c.phrase, lang) or _text(c.title, lang) for c in cards),
            "titles": "|".join(_text(c.title, lang) for c in cards),
        },
    )


def _names(b: Business, lang: str, ftype: str, ids: tuple[str, ...]) -> str:
    """Services or staff members by the names the customer knows them by."""
    return ", ".join(
        b.service(i).display(lang) if ftype == "service" else b.staff_member(i).name for i in ids
    )


def item(
    say: Say,
    *,
    brain: Brain,
    state: ConversationState,
    facts: Facts,
    signals: Signals,
    lang: str,
    channel: str,
    items: Sequence[PlanItem],
    start_asked: str,
    choices: Mapping[str, tuple[str, ...]],
    rejected: Mapping[str, str],
) -> PlanItem:
    """The reply-plan item ``say`` stands for, said in ``lang`` on ``channel``.

    ``items`` are those already planned in this turn; ``start_asked`` the field the topic
    asked about before this message; ``choices`` the ids to ask about again per field
    (several matched); ``rejected`` the value refused per field.
    """
    b = brain.business
    active = state.active
    if say.kind == "smalltalk":  # the one say key worded by what the customer said
        if signals.asks_identity:  # the desk never passes for a person
            return PlanItem(
                kind="identity",
                data={"business": b.name, "human": "1" if "human" in brain.topics else ""},
            )
        worded: PlanKind = (
            "goodbye" if signals.goodbye else "anything_else" if signals.thanks else "greet"
        )
        return PlanItem(kind=worded, data={"business": b.name})
    kind = plan_kind(say.kind)  # a card says only what the registry lets it (the loader checks)
    if kind in ("ask", "invalid") and active is not None:
        card = brain.topics[active.card].card
        spec = card.field(say.arg)
        data = {"field": spec.name, "type": spec.type, "prompt": _text(spec.prompt, lang)}
        slots: tuple[Slot, ...] = ()
        refused_now = any(
            i.kind == "invalid" and i.data.get("field") == spec.name for i in items
        )  # the refusal already says why we ask again
        # new offers for a new day or time ("no, Thursday") are asked about afresh
        offered_now = spec.type == "offered_slot" and any(i.kind == "offer_slots" for i in items)
        # a message that changed something ("no, Thursday" when the name was asked: the
        # day is corrected, the free slot read back, the name asked again) was understood
        took = any(k.startswith("input.") for k in facts)
        if (
            kind == "ask"
            and start_asked == spec.name
            and not facts.get("turn.empty")
            and not refused_now
            and not offered_now
            and not took
        ):
            data["retry"] = "1"
        if kind == "invalid":
            data["problem"] = str(facts.get(f"invalid.{spec.name}", ""))
            chosen = choices.get(spec.name, ())
            if data["problem"] == "ambiguous" and chosen:
                data["options"] = _names(b, lang, spec.type, chosen)
                return PlanItem(kind=kind, data=data)
            if spec.type == "service":
                data["options"] = ", ".join(s.display(lang) for s in b.services)
            if spec.type == "staff":
                data["options"] = ", ".join(m.name for m in b.staff)
                refused = rejected.get(spec.name, "")
                service = active.fields.get("service", "")
                if data["problem"] == "staff_cannot" and refused and service:
                    data["staff"] = b.staff_member(refused).name
                    data["service"] = b.service(service).display(lang)
                    able = [m.name for m in b.staff if service in m.services]
                    data["options"] = ", ".join(able)
        asked_which = active.fields.get(which_key(spec.name), "").split()
        if kind == "ask" and asked_which and spec.type in ("service", "staff"):
            # asked which one and not answered: the question names them again
            data["options"] = _names(b, lang, spec.type, tuple(asked_which))
            data["which"] = "1"
        if spec.type == "offered_slot":
            slots = state.last_offered
        if spec.type == "choice":
            slots = tuple(a.slot() for a in state.found)
        return PlanItem(kind=kind, data=data, slots=slots)
    if kind == "confirm":
        return _summary(b, state, lang, channel)
    if kind == "late_fee":
        return PlanItem(
            kind="late_fee",
            data={
                "fee": _text(b.changes.late_fee, lang),
                "hours": str(b.changes.late_window_hours),
            },
        )
    if kind == "safety":
        texts = b.emergency.hazard_instructions.get(signals.hazard, {})
        return PlanItem(kind="safety", data={"instructions": _text(texts, lang)} if texts else {})
    if kind == "resume":
        suspended = state.suspended[-1].card if state.suspended else ""
        if not suspended:
            return PlanItem(kind="resume")
        card = brain.topics[suspended].card
        return PlanItem(
            kind="resume",
            data={"topic": suspended, "title": _text(card.phrase, lang) or _text(card.title, lang)},
        )
    if kind == "clarify_topic":
        return _clarify_topic(brain, facts, lang)
    if kind == "how_can_i_help":
        return PlanItem(kind=kind, data={"thanks": "1"} if signals.thanks else {})
    if kind in ("greet", "goodbye"):
        return PlanItem(kind=kind, data={"business": b.name})
    return PlanItem(kind=kind)


def options(items: Sequence[PlanItem], lang: str, brain: Brain) -> tuple[str, ...]:
    """Rich options (buttons) for channels that have them.

    An option is what the customer says by pressing it, so a slot's button carries its
    short label (``Wed 3:00 pm · Alex``), which the choice extractor reads back as exactly
    that slot; the reply text still lists the offer in full.
    """
    if not items:
        return ()
    last = items[-1]
    label_lang: Lang = "de" if lang == "de" else "en"
    if last.kind == "confirm":
        return ("Ja", "Nein") if label_lang == "de" else ("Yes", "No")
    # "the women's or the men's haircut?", "Alex Rivera or Sam Rivera?": a button each —
    # the question which one is what the customer must answer first, even after an offer
    which = next(
        (
            i
            for i in items
            if i.kind == "invalid"
            and i.data.get("problem") == "ambiguous"
            or i.kind == "ask"
            and i.data.get("which") == "1"
        ),
        None,
    )
    if which is not None:
        return tuple(o.strip() for o in which.data.get("options", "").split(",") if o.strip())
    if last.kind == "no_answer" and "message" in brain.topics:
        return ("Ja", "Nein") if label_lang == "de" else ("Yes", "No")
    if last.kind == "clarify_topic":
        titles = tuple(x for x in last.data.get("titles", "").split("|") if x)
        if len(titles) == 1:
            return ("Ja", "Nein") if label_lang == "de" else ("Yes", "No")
        return titles
    if last.kind in ("offer_slots", "ask") and last.slots:
        return slot_labels(last.slots, label_lang, brain.business.timezone)
    return ()


__all__ = ["item", "options"]
