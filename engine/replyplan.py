"""Reply-plan items: what each ``Say`` of a rule means, filled with committed facts.

Rules decide *that* something is said; this module gathers the values it needs (the
card's wording, the chosen slot, the fee) from the turn's state, never from the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from language.slot_labels import slot_labels
from language.types import Lang, PlanItem, Slot
from rules.ir import Say

from .fields import which_key

if TYPE_CHECKING:
    from .turn import Turn

_SUMMARY = ("service", "staff", "name", "phone", "email", "address", "problem", "message")


def _text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def _slot(t: Turn, start: str) -> Slot | None:
    return t.state.slot_at(start)


def _summary(t: Turn) -> PlanItem:
    b = t.brain.business
    active = t.state.active
    fields = active.fields if active else {}
    data: dict[str, str] = {}
    for key in _SUMMARY:
        value = fields.get(key, "")
        if not value:
            continue
        if key == "service":
            value = b.service(value).display(t.lang)
        elif key == "staff" and value != "any":
            value = b.staff_member(value).name
        elif key == "staff":
            continue
        data[key] = value
    slots: tuple[Slot, ...] = ()
    chosen = _slot(t, fields.get("slot", ""))
    if chosen is not None:
        slots = (chosen,)
        data["staff"] = chosen.staff_name
        data["service"] = b.service(chosen.service).display(t.lang)
    appt = [a for a in t.state.found if a.id == fields.get("appointment")]
    if appt:
        a = appt[0]
        data["appointment_service"] = b.service(a.service).display(t.lang)
        data["appointment_staff"] = a.staff_name
        data["appointment_when"] = a.start.isoformat()
    if t.snap.channel == "voice":
        data["voice"] = "1"
    if active is not None:
        data["topic"] = active.card
    return PlanItem(kind="confirm", data=data, slots=slots)


# topics never offered as a choice: they are what the desk falls back to, not a request
_NOT_OFFERED = frozenset({"out_of_scope", "smalltalk"})


def _clarify_topic(t: Turn) -> PlanItem:
    """Which topic the customer means: the candidate and, when it is a real request too,
    the runner-up — each named by its card's phrase (the title when it has none)."""
    topics = [str(t.facts.get("topic.candidate", ""))]
    runner = str(t.facts.get("topic.runner_up", ""))
    if runner and runner not in _NOT_OFFERED and runner in t.brain.topics:
        topics.append(runner)
    cards = [t.brain.topics[tid].card for tid in topics if tid in t.brain.topics]
    return PlanItem(kind="clarify_topic", data={
        "topics": " ".join(c.id for c in cards),
        "phrases": "|".join(_text(c.phrase, t.lang) or _text(c.title, t.lang) for c in cards),
        "titles": "|".join(_text(c.title, t.lang) for c in cards)})


def _names(t: Turn, ftype: str, ids: tuple[str, ...]) -> str:
    """Services or staff members by the names the customer knows them by."""
    b = t.brain.business
    return ", ".join(b.service(i).display(t.lang) if ftype == "service"
                     else b.staff_member(i).name for i in ids)


def item(t: Turn, say: Say) -> PlanItem:
    b = t.brain.business
    active = t.state.active
    kind = say.kind
    if kind in ("ask", "invalid") and active is not None:
        card = t.brain.topics[active.card].card
        spec = card.field(say.arg)
        data = {"field": spec.name, "type": spec.type, "prompt": _text(spec.prompt, t.lang)}
        slots: tuple[Slot, ...] = ()
        refused_now = any(i.kind == "invalid" and i.data.get("field") == spec.name
                          for i in t.items)  # the refusal already says why we ask again
        # new offers for a new day or time ("no, Thursday") are asked about afresh
        offered_now = spec.type == "offered_slot" and any(i.kind == "offer_slots"
                                                          for i in t.items)
        # a message that changed something ("no, Thursday" when the name was asked: the
        # day is corrected, the free slot read back, the name asked again) was understood
        took = any(k.startswith("input.") for k in t.facts)
        if (kind == "ask" and t.start_asked == spec.name and not t.facts.get("turn.empty")
                and not refused_now and not offered_now and not took):
            data["retry"] = "1"
        if kind == "invalid":
            data["problem"] = str(t.facts.get(f"invalid.{spec.name}", ""))
            choices = t.choices.get(spec.name, ())
            if data["problem"] == "ambiguous" and choices:
                data["options"] = _names(t, spec.type, choices)
                return PlanItem(kind=kind, data=data)
            if spec.type == "service":
                data["options"] = ", ".join(s.display(t.lang) for s in b.services)
            if spec.type == "staff":
                data["options"] = ", ".join(m.name for m in b.staff)
                refused = t.rejected.get(spec.name, "")
                service = active.fields.get("service", "")
                if data["problem"] == "staff_cannot" and refused and service:
                    data["staff"] = b.staff_member(refused).name
                    data["service"] = b.service(service).display(t.lang)
                    able = [m.name for m in b.staff if service in m.services]
                    data["options"] = ", ".join(able)
        asked_which = active.fields.get(which_key(spec.name), "").split()
        if kind == "ask" and asked_which and spec.type in ("service", "staff"):
            # asked which one and not answered: the question names them again
            data["options"] = _names(t, spec.type, tuple(asked_which))
            data["which"] = "1"
        if spec.type == "offered_slot":
            slots = t.state.last_offered
        if spec.type == "choice":
            slots = tuple(Slot(start=a.start, end=a.end, staff=a.staff, staff_name=a.staff_name,
                               service=a.service) for a in t.state.found)
        return PlanItem(kind=kind, data=data, slots=slots)
    if kind == "confirm":
        return _summary(t)
    if kind == "late_fee":
        return PlanItem(kind="late_fee", data={"fee": _text(b.changes.late_fee, t.lang),
                                               "hours": str(b.changes.late_window_hours)})
    if kind == "safety":
        hazard = t.und.signals.hazard
        texts = b.emergency.hazard_instructions.get(hazard, {})
        return PlanItem(kind="safety", data={"instructions": _text(texts, t.lang)}
                        if texts else {})
    if kind == "resume":
        suspended = t.state.suspended[-1].card if t.state.suspended else ""
        if not suspended:
            return PlanItem(kind="resume")
        card = t.brain.topics[suspended].card
        return PlanItem(kind="resume", data={
            "topic": suspended, "title": _text(card.phrase, t.lang) or _text(card.title, t.lang)})
    if kind == "clarify_topic":
        return _clarify_topic(t)
    if kind == "how_can_i_help":
        return PlanItem(kind=kind, data={"thanks": "1"} if t.und.signals.thanks else {})
    if kind == "smalltalk":
        sig = t.und.signals
        if sig.asks_identity:  # the desk never passes for a person
            return PlanItem(kind="identity", data={
                "business": b.name, "human": "1" if "human" in t.brain.topics else ""})
        kind = "goodbye" if sig.goodbye else "anything_else" if sig.thanks else "greet"
        return PlanItem(kind=kind, data={"business": b.name})
    if kind in ("greet", "goodbye"):
        return PlanItem(kind=kind, data={"business": b.name})
    return PlanItem(kind=kind)


def options(t: Turn) -> tuple[str, ...]:
    """Rich options (buttons) for channels that have them.

    An option is what the customer says by pressing it, so a slot's button carries its
    short label (``Wed 3:00 pm · Alex``), which the choice extractor reads back as exactly
    that slot; the reply text still lists the offer in full.
    """
    if not t.items:
        return ()
    last = t.items[-1]
    lang: Lang = "de" if t.lang == "de" else "en"
    if last.kind == "confirm":
        return ("Ja", "Nein") if lang == "de" else ("Yes", "No")
    # "the women's or the men's haircut?", "Alex Rivera or Sam Rivera?": a button each —
    # the question which one is what the customer must answer first, even after an offer
    which = next((i for i in t.items if i.kind == "invalid"
                  and i.data.get("problem") == "ambiguous"
                  or i.kind == "ask" and i.data.get("which") == "1"), None)
    if which is not None:
        return tuple(o.strip() for o in which.data.get("options", "").split(",") if o.strip())
    if last.kind == "no_answer" and "message" in t.brain.topics:
        return ("Ja", "Nein") if lang == "de" else ("Yes", "No")
    if last.kind == "clarify_topic":
        titles = tuple(x for x in last.data.get("titles", "").split("|") if x)
        if len(titles) == 1:
            return ("Ja", "Nein") if lang == "de" else ("Yes", "No")
        return titles
    if last.kind in ("offer_slots", "ask") and last.slots:
        return slot_labels(last.slots, lang, t.brain.business.timezone)
    return ()


__all__ = ["item", "options"]
