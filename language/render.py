"""The offline renderer: a :class:`ReplyPlan` → one short reply, by templates.

Code has already decided what the reply says; this module only words it, item by item, in
the plan's language, and joins the items into one reply ("We have parking in the
courtyard. Now, back to your booking. Which day would suit you?"). Every fact in the
output comes from the plan — the templates carry none of their own — so the result always
passes :func:`language.grounding.check_grounded`. An unknown kind is worded as
``fallback``; rendering never raises on a well-typed plan.

Data keys read per kind (values are display text unless noted; ISO datetimes are shown
as their wall-clock time, as stored):

- ``greet``: ``name``, ``business`` (or the plan's ``business_name``);
- ``ask``: ``type`` (a field type), ``prompt`` (the card's wording, else a default per
  type), ``retry`` ("1": the re-ask), ``options`` (comma-separated); the item's slots are
  listed, unless another item of the plan lists them already;
- ``invalid``: ``problem`` (a FieldCandidate problem code or ``closed``), ``options``,
  ``date``/``when``; with ``ambiguous``, ``type`` (service/staff) and ``options`` (the
  items the words fit), worded as the question which one (no ``ask`` of the plan is
  said then: that question comes once this one is answered);
- ``offer_slots``: the item's slots, ``note`` (``other_day``/``other_staff``/``dst_gap``)
  with ``date`` (and ``time``, the wall time that does not exist, for ``dst_gap``);
  ``no_slots``: ``date``/``when``, or ``note`` (``closed``/``away``: nothing in the whole
  booking horizon) with ``days`` (the horizon) and ``reopens`` (ISO date, may be empty);
  ``slot_taken``; ``slot_free``: its one slot, the very one the customer named, free
  (not said when the reply also reads back a summary);
- ``confirm``: ``service``, ``when`` (or the item's one slot), ``date``, ``time``,
  ``staff``, ``name``, ``phone``, ``email``, ``address``, ``problem``, ``message``, other
  fields by name, ``appointment_service``/``_staff``/``_when`` (the appointment a
  reschedule or cancellation is about), ``fee``, ``action`` or ``topic``
  (book/cancel/reschedule/message: the closing question), ``voice`` ("1": phone digit by
  digit, email letter by letter);
- ``booked``/``rescheduled``/``cancelled``: ``service``, ``staff``, ``when`` (or the one
  slot); ``appointment``: the same, or several slots as a numbered list;
- ``late_fee``: ``fee``, ``hours``; ``answer``: ``text``, ``source`` (audit only),
  ``source_title`` (cited); ``hours``: see :mod:`language.render_hours`;
- ``transfer``: ``department``, ``phone``, ``voice``, ``emergency`` ("1");
  ``escalate``: ``phone``; ``emergency_info``: ``phone``, ``instructions``, ``voice``;
  ``safety``: ``instructions``, else a default for ``hazard``;
- ``clarify``: ``options``; ``goodbye``: ``name``; ``resume``: ``topic`` (card id or
  title), ``title``; ``out_of_scope``: ``business``;
- no data: ``message_taken``, ``anything_else``, ``fallback``, ``no_appointment``, and
  ``no_answer`` and ``offer_help``, which the engine plans too.
"""

from __future__ import annotations

from collections.abc import Callable

from language import templates as tpl
from language.render_hours import render_hours
from language.types import FIELD_TYPES, PLAN_KINDS, Lang, PlanItem, PlanKind, Rendered, ReplyPlan

_Renderer = Callable[[PlanItem, ReplyPlan], str]


def _get(item: PlanItem, key: str) -> str:
    return item.data.get(key, "").strip()


def _voice(item: PlanItem) -> bool:
    return item.data.get("voice", "") == "1"


def _phone(item: PlanItem, value: str, lang: Lang) -> str:
    """Digit by digit on voice; grouped for reading elsewhere."""
    if not value:
        return value
    return tpl.spell_phone(value, lang) if _voice(item) else tpl.display_phone(value)


def _phrase(lang: Lang, service: str, when: str, staff: str, *, service_first: bool = True) -> str:
    """``professional cleaning on Tue 24 Nov at 3:00 pm with Dr. Lena Sommer``.

    ``service_first=False`` puts the service last, in brackets: ``Tue 24 Nov at 3:00 pm
    with Dr. Lena Sommer (professional cleaning)`` — for "moved to …".
    """
    parts: list[str] = []
    if service and service_first:
        parts.append(service)
    if when:
        parts.append(
            tpl.when_phrase(when, lang)
            if service and service_first
            else tpl.format_when(when, lang)
        )
    if staff:
        parts.append(tpl.text(lang, "with", staff=staff))
    if service and not service_first:
        parts.append(f"({service})")
    return " ".join(parts)


def _appointment(item: PlanItem, lang: Lang, *, service_first: bool = True) -> str:
    """The item's appointment: ``when``/``staff`` from data, else from its one slot."""
    when, staff = _get(item, "when"), _get(item, "staff")
    if len(item.slots) == 1:
        when = when or item.slots[0].start.isoformat()
        staff = staff or item.slots[0].staff_name.strip()
    return _phrase(lang, _get(item, "service"), when, staff, service_first=service_first)


def _numbered(item: PlanItem, lang: Lang) -> str:
    """``1) Tue 24 Nov at 3:00 pm with Dr. Lena Sommer, 2) …``."""
    shown = [tpl.format_slot(slot, lang) for slot in item.slots]
    return ", ".join(f"{i}) {s}" for i, s in enumerate(shown, start=1))


# ---------------------------------------------------------------- one function per kind


def _business(item: PlanItem, plan: ReplyPlan) -> str:
    return plan.business_name.strip() or _get(item, "business")


def _greet(item: PlanItem, plan: ReplyPlan) -> str:
    name, business = _get(item, "name"), _business(item, plan)
    if business:
        key = "greet.business_name" if name else "greet.business"
    else:
        key = "greet.name" if name else "greet"
    return tpl.fill(plan.lang, key, name=name, business=business)


def _listed_elsewhere(item: PlanItem, plan: ReplyPlan) -> bool:
    """Another item of the plan lists slots already (an offer, found appointments)."""
    return any(
        other is not item and other.kind in ("offer_slots", "appointment") and other.slots
        for other in plan.items
    )


def _ask(item: PlanItem, plan: ReplyPlan) -> str:
    lang = plan.lang
    kind = _get(item, "type")
    # after a digression ("… Now, back to your booking.") the question is no re-ask
    retry = item.data.get("retry", "") == "1" and not any(i.kind == "resume" for i in plan.items)
    if kind == "offered_slot" and not retry and _listed_elsewhere(item, plan):
        return ""  # the offer itself ends with "Which one suits you?"
    if _asked_which(item, plan):
        return ""  # "… the women's haircut or the men's haircut?" is the question now
    offer = next(
        (i for i in plan.items if i.kind == "no_appointment" and i.data.get("offer")), None
    )
    if kind == "phone" and offer is not None:  # beside "book a new one?"
        return "" if offer.data.get("known") else tpl.text(lang, "ask.phone.other_number")
    if kind == "phone" and any(
        i.kind == "invalid" and i.data.get("problem") == "not_your_number" for i in plan.items
    ):
        return tpl.text(lang, "ask.phone.contact_from_it")  # not the number it just refused
    prompt = _get(item, "prompt")
    if prompt:
        out = f"{tpl.text(lang, 'ask.retry_prefix')} {prompt}" if retry else prompt
    else:
        key = f"ask.{kind}" if kind in FIELD_TYPES else "ask.other"
        out = tpl.text(lang, key + (".retry" if retry else ""))
    if item.slots and not _listed_elsewhere(item, plan):
        out = f"{tpl.sentence(out)} {_numbered(item, lang)}."
    options = tpl.split_options(item.data.get("options", ""))
    if options:
        out = f"{out} {tpl.fill(lang, 'ask.options', options=', '.join(options))}"
    return out


INVALID_PROBLEMS = (
    "past",
    "impossible_date",
    "unknown_service",
    "unknown_staff",
    "invalid_phone",
    "invalid_email",
    "no_such_option",
    "closed",
    "staff_cannot",
    "not_your_number",
    "ambiguous",
)


def _which(item: PlanItem, plan: ReplyPlan) -> str:
    """ "Would you like the women's haircut or the men's haircut?": the items an ambiguous
    mention fits, each named, as the question."""
    lang = plan.lang
    kind = "staff" if _get(item, "type") == "staff" else "service"
    options = tpl.split_options(item.data.get("options", ""))
    if len(options) < 2:
        return tpl.text(lang, "invalid.ambiguous")
    named = [tpl.fill(lang, f"ambiguous.{kind}.item", item=o) for o in options]
    return tpl.fill(lang, f"invalid.ambiguous.{kind}", options=tpl.join_or(named, lang))


def _asked_which(item: PlanItem, plan: ReplyPlan) -> bool:
    """Another item asks which of several items the customer meant: that is the one
    question of this reply (the next one comes once it is answered)."""
    return any(
        other is not item and other.kind == "invalid" and other.data.get("problem") == "ambiguous"
        for other in plan.items
    )


def _invalid(item: PlanItem, plan: ReplyPlan) -> str:
    lang, problem = plan.lang, _get(item, "problem")
    if problem == "ambiguous":
        return _which(item, plan)
    if problem == "closed":
        when = _get(item, "date") or _get(item, "when")
        if when:
            return tpl.fill(lang, "invalid.closed.date", date=tpl.format_when(when, lang))
    if problem == "staff_cannot" and _get(item, "staff") and _get(item, "service"):
        return tpl.fill(
            lang,
            "invalid.staff_cannot.named",
            staff=_get(item, "staff"),
            service=_get(item, "service"),
        )
    key = f"invalid.{problem}" if problem in INVALID_PROBLEMS else "invalid.other"
    options = tpl.split_options(item.data.get("options", ""))
    if options and tpl.has(lang, f"{key}.options"):
        return tpl.fill(lang, f"{key}.options", options=", ".join(options))
    return tpl.text(lang, key)


def _offer_slots(item: PlanItem, plan: ReplyPlan) -> str:
    lang = plan.lang
    if not item.slots:
        return _no_slots(item, plan)
    note = _get(item, "note")
    lead = ""
    if note == "other_day":
        day = _get(item, "date")
        lead = (
            tpl.fill(lang, "offer.note.other_day.date", date=tpl.format_when(day, lang))
            if day
            else tpl.text(lang, "offer.note.other_day")
        )
    elif note == "other_staff":
        lead = tpl.text(lang, "offer.note.other_staff")
    elif note == "dst_gap":
        day, wanted = _get(item, "date"), _get(item, "time")
        lead = (
            tpl.fill(
                lang,
                "offer.note.dst_gap",
                time=tpl.format_when(wanted, lang),
                date=tpl.format_when(day, lang),
            )
            if day and wanted
            else tpl.text(lang, "offer.note.dst_gap.bare")
        )
    if len(item.slots) == 1:
        offer = tpl.fill(lang, "offer.one", slot=tpl.format_slot(item.slots[0], lang))
    else:
        offer = tpl.fill(lang, "offer.many", slots=_numbered(item, lang))
    return f"{lead} {offer}" if lead else offer


def _already_holds(item: PlanItem, plan: ReplyPlan) -> str:
    """An upcoming appointment of the same service, named before a new booking's offer."""
    return tpl.fill(plan.lang, "already_holds", appointment=_appointment(item, plan.lang))


def _slot_free(item: PlanItem, plan: ReplyPlan) -> str:
    """The slot the customer named is free: said once, unless the read-back in the same
    reply says it anyway."""
    if not item.slots or any(other.kind == "confirm" for other in plan.items):
        return ""
    return tpl.fill(plan.lang, "slot_free", slot=tpl.format_slot(item.slots[0], plan.lang))


def _no_slots(item: PlanItem, plan: ReplyPlan) -> str:
    note, days = _get(item, "note"), _get(item, "days")
    if note in ("closed", "away") and days:  # nothing at all within the booking horizon
        reopens = _get(item, "reopens")
        if reopens:
            return tpl.fill(
                plan.lang,
                f"no_slots.{note}.reopens",
                days=days,
                date=tpl.format_when(reopens, plan.lang),
            )
        return tpl.fill(plan.lang, f"no_slots.{note}", days=days)
    when = _get(item, "date") or _get(item, "when")
    if when:
        return tpl.fill(plan.lang, "no_slots.date", date=tpl.format_when(when, plan.lang))
    return tpl.text(plan.lang, "no_slots")


_CONFIRM_DETAILS = ("name", "phone", "email", "address", "problem", "message")
_CONFIRM_SKIP = frozenset(
    {
        "service",
        "staff",
        "when",
        "date",
        "time",
        "fee",
        "action",
        "voice",
        "field",
        "type",
        "retry",
        "prompt",
        "options",
        "topic",
        "business",
        "note",
        "count",
        "open",
        "emergency",
        "appointment_service",
        "appointment_staff",
        "appointment_when",
    }
)
_CONFIRM_ACTIONS = ("book", "cancel", "reschedule", "message")


def _confirm_details(item: PlanItem, lang: Lang) -> str:
    """``Name: Anna Schmidt; phone: …`` — read back digit by digit / letter by letter on voice."""
    extra = sorted(k for k in item.data if k not in _CONFIRM_SKIP and k not in _CONFIRM_DETAILS)
    details: list[str] = []
    for key in (*_CONFIRM_DETAILS, *extra):
        value = _get(item, key)
        if not value:
            continue
        if key == "phone":
            value = _phone(item, value, lang)
        elif key == "email" and _voice(item):
            value = tpl.spell_email(value, lang)
        label = tpl.text(lang, f"label.{key}") if key in _CONFIRM_DETAILS else key.replace("_", " ")
        details.append(f"{label}: {value}")
    return "; ".join(details)


def _confirm(item: PlanItem, plan: ReplyPlan) -> str:
    lang = plan.lang
    action = _get(item, "action") or _get(item, "topic")
    action = action if action in _CONFIRM_ACTIONS else "other"
    old = _phrase(
        lang,
        _get(item, "appointment_service"),
        _get(item, "appointment_when"),
        _get(item, "appointment_staff"),
    )
    new = _appointment(item, lang)
    extra_when = [
        tpl.when_phrase(_get(item, k), lang)
        for k in ("date", "time")
        if _get(item, k) and not _get(item, "when") and not item.slots
    ]
    new = " ".join(p for p in [new, *extra_when] if p)
    parts: list[str] = []
    if old and action == "cancel":
        if not any(i.kind == "appointment" for i in plan.items):  # else just said
            parts.append(tpl.fill(lang, "confirm.cancel", old=old))
    elif old and new:
        parts.append(tpl.fill(lang, "confirm.reschedule", old=old, new=new))
    elif new or old:
        parts.append(tpl.fill(lang, "confirm.intro", summary=new or old))
    details = _confirm_details(item, lang)
    if details and parts:  # a sentence of its own: a label of ours starts with a capital
        first_key = next((k for k in _CONFIRM_DETAILS if _get(item, k)), "")
        if first_key:
            details = details[:1].upper() + details[1:]
        parts.append(tpl.fill(lang, "confirm.details", details=details))
    elif details:
        parts.append(tpl.fill(lang, "confirm.intro", summary=details))
    fee = _get(item, "fee")
    if fee:
        parts.append(tpl.fill(lang, "confirm.fee", fee=fee))
    parts.append(tpl.text(lang, f"confirm.q.{action}"))
    return " ".join(parts)


def _committed(kind: str) -> _Renderer:
    def render(item: PlanItem, plan: ReplyPlan) -> str:
        appointment = _appointment(item, plan.lang, service_first=kind != "rescheduled")
        if not appointment:
            return tpl.text(plan.lang, f"{kind}.bare")
        return tpl.fill(plan.lang, kind, appointment=appointment)

    return render


def _found(item: PlanItem, plan: ReplyPlan) -> str:
    """``appointment``: one found appointment in a sentence, several as a numbered list."""
    if len(item.slots) > 1:
        return tpl.fill(plan.lang, "appointment.many", slots=_numbered(item, plan.lang))
    return _committed("appointment")(item, plan)


def _plain(key: str) -> _Renderer:
    def render(item: PlanItem, plan: ReplyPlan) -> str:
        return tpl.text(plan.lang, key)

    return render


def _late_fee(item: PlanItem, plan: ReplyPlan) -> str:
    fee, hours = _get(item, "fee"), _get(item, "hours")
    if not fee:
        return tpl.text(plan.lang, "late_fee.nofee")
    if hours:
        return tpl.fill(plan.lang, "late_fee", fee=fee, hours=hours)
    return tpl.fill(plan.lang, "late_fee.bare", fee=fee)


def _answer(item: PlanItem, plan: ReplyPlan) -> str:
    answer = _get(item, "text")
    if not answer:
        return tpl.text(plan.lang, "answer.none")
    source = _get(item, "source_title")
    if source:
        return f"{tpl.sentence(answer)} {tpl.fill(plan.lang, 'answer.source', source=source)}"
    return tpl.sentence(answer)


_ARTICLES = ("the ", "our ", "a ", "an ", "your ")


def _transfer(item: PlanItem, plan: ReplyPlan) -> str:
    lang = plan.lang
    department = _get(item, "department")
    if not department:
        department = tpl.text(lang, "transfer.team")
    elif lang == "en" and department[:1].islower() and not department.startswith(_ARTICLES):
        department = f"our {department}"  # "our front desk", not "front desk"
    phone = _phone(item, _get(item, "phone"), lang)
    if _voice(item):
        key = "transfer.voice.phone" if phone else "transfer.voice"
    else:
        key = "transfer.text" if phone else "transfer.text.bare"
    out = tpl.fill(lang, key, department=department, phone=phone)
    if _get(item, "emergency") == "1":
        return f"{tpl.text(lang, 'transfer.urgent')} {out}"
    return out


def _escalate(item: PlanItem, plan: ReplyPlan) -> str:
    phone = _phone(item, _get(item, "phone"), plan.lang)
    if phone:
        return tpl.fill(plan.lang, "escalate.phone", phone=phone)
    return tpl.text(plan.lang, "escalate")


def _emergency_info(item: PlanItem, plan: ReplyPlan) -> str:
    phone = _phone(item, _get(item, "phone"), plan.lang)
    out = (
        tpl.fill(plan.lang, "emergency_info", phone=phone)
        if phone
        else tpl.text(plan.lang, "emergency_info.bare")
    )
    instructions = _get(item, "instructions")
    return f"{out} {tpl.sentence(instructions)}" if instructions else out


def _safety(item: PlanItem, plan: ReplyPlan) -> str:
    instructions = _get(item, "instructions")
    if instructions:
        return tpl.sentence(instructions)
    return tpl.text(plan.lang, "safety.gas" if _get(item, "hazard") == "gas" else "safety.other")


def _clarify(item: PlanItem, plan: ReplyPlan) -> str:
    options = tpl.split_options(item.data.get("options", ""))
    if options:
        return tpl.fill(plan.lang, "clarify.options", options=tpl.join_or(options, plan.lang))
    return tpl.text(plan.lang, "clarify")


def _out_of_scope(item: PlanItem, plan: ReplyPlan) -> str:
    business = _business(item, plan)
    if business:
        return tpl.fill(plan.lang, "out_of_scope.business", business=business)
    return tpl.text(plan.lang, "out_of_scope")


def _goodbye(item: PlanItem, plan: ReplyPlan) -> str:
    name = _get(item, "name")
    return (
        tpl.fill(plan.lang, "goodbye.name", name=name) if name else tpl.text(plan.lang, "goodbye")
    )


_RESUME_TOPICS = ("book", "reschedule", "cancel")


def _resume(item: PlanItem, plan: ReplyPlan) -> str:
    """``topic`` is the card's id: the bundled ones have their own wording ("back to your
    booking"); any other card is named by ``title`` (its phrase or title)."""
    lang = plan.lang
    title, topic = _get(item, "title"), _get(item, "topic")
    if topic in _RESUME_TOPICS:
        return tpl.fill(lang, "resume", topic=tpl.text(lang, f"resume.topic.{topic}"))
    title = title or topic
    if title:
        return tpl.fill(lang, "resume.title", topic=title)
    return tpl.text(lang, "resume.bare")


def _identity(item: PlanItem, plan: ReplyPlan) -> str:
    """The answer to "are you a bot?": yes, whose, and (when there is one) that a person
    can take over."""
    key = "identity.human" if _get(item, "human") else "identity"
    return tpl.fill(plan.lang, key, business=_business(item, plan))


def _how_can_i_help(item: PlanItem, plan: ReplyPlan) -> str:
    thanks = _get(item, "thanks") == "1"
    return tpl.text(plan.lang, "how_can_i_help.thanks" if thanks else "how_can_i_help")


def _no_appointment(item: PlanItem, plan: ReplyPlan) -> str:
    """Nothing upcoming under the number searched; with ``offer``, a new booking offered."""
    phone = _phone(item, _get(item, "phone"), plan.lang)
    out = (
        tpl.fill(plan.lang, "no_appointment.phone", phone=phone)
        if phone
        else tpl.text(plan.lang, "no_appointment")
    )
    if _get(item, "offer"):
        out = f"{out} {tpl.text(plan.lang, 'no_appointment.offer')}"
    return out


def _clarify_topic(item: PlanItem, plan: ReplyPlan) -> str:
    """Which of one or two topics the customer means, each named by its phrase."""
    phrases = [p for p in _get(item, "phrases").split("|") if p]
    if not phrases:
        return tpl.text(plan.lang, "how_can_i_help")
    if len(phrases) == 1:
        return tpl.fill(plan.lang, "clarify_topic.one", first=phrases[0])
    return tpl.fill(plan.lang, "clarify_topic.two", first=phrases[0], second=phrases[1])


RENDERERS: dict[PlanKind, _Renderer] = {
    "greet": _greet,
    "ask": _ask,
    "invalid": _invalid,
    "offer_slots": _offer_slots,
    "slot_free": _slot_free,
    "already_holds": _already_holds,
    "no_slots": _no_slots,
    "confirm": _confirm,
    "booked": _committed("booked"),
    "rescheduled": _committed("rescheduled"),
    "cancelled": _committed("cancelled"),
    "already_cancelled": _committed("already_cancelled"),
    "late_fee": _late_fee,
    "answer": _answer,
    "hours": render_hours,
    "message_taken": _plain("message_taken"),
    "transfer": _transfer,
    "escalate": _escalate,
    "emergency_info": _emergency_info,
    "safety": _safety,
    "clarify": _clarify,
    "out_of_scope": _out_of_scope,
    "goodbye": _goodbye,
    "anything_else": _plain("anything_else"),
    "slot_taken": _plain("slot_taken"),
    "fallback": _plain("fallback"),
    "resume": _resume,
    "clarify_topic": _clarify_topic,
    "how_can_i_help": _how_can_i_help,
    "identity": _identity,
    "appointment": _found,
    "no_appointment": _no_appointment,
    "no_answer": _plain("no_answer"),
    "code_sent": _plain("code_sent"),
    "code_wrong": _plain("code_wrong"),
    "code_renewed": _plain("code_renewed"),
    "code_locked": _plain("code_locked"),
    "code_unavailable": _plain("code_unavailable"),
    "code_limit": _plain("code_limit"),
    "not_verified": _plain("not_verified"),
    "offer_help": _plain("offer_help"),
}


def render_item(item: PlanItem, plan: ReplyPlan) -> str:
    """One item's wording."""
    return RENDERERS[item.kind](item, plan)


def render_plan(plan: ReplyPlan) -> Rendered:
    """The whole reply: every item's wording, in order, joined into one text."""
    parts = [render_item(item, plan).strip() for item in plan.items]
    reply = " ".join(p for p in parts if p) or tpl.text(plan.lang, "fallback")
    return Rendered(text=reply, options=plan.options)


__all__ = ["INVALID_PROBLEMS", "PLAN_KINDS", "RENDERERS", "render_item", "render_plan"]
