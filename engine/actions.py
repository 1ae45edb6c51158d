"""The typed actions a topic machine may plan, run by the shell inside the turn's
transaction.

Each action reads and writes only through the :class:`~engine.ports.Tx` port and returns
an :class:`ActionResult`; nothing here decides the flow. Side effects are idempotent: a
successful result is stored under the call's content-derived key and a repeated call with
the same key returns it instead of acting twice. Booking checks before it books: the slot
must have been offered in this conversation and must still be free at commit, which the
database enforces as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from language import templates as tpl
from language.render import render_plan
from language.types import Lang, PlanItem, PlanKind, ReplyPlan, Slot

from .business import WEEKDAYS, Business
from .hours import is_open, next_opening, open_intervals_on, week_summary
from .ports import (
    Appointment,
    AppointmentId,
    CodeRow,
    EscalationRow,
    MessageRow,
    OutboxRow,
    SlotTaken,
    Tx,
)
from .slots import SlotQuery, asked_slot, find_slots
from .state import ActionCall, ActionResult, ConversationState, FoundAppointment

_READ_ONLY = {"find_slots", "find_appointment", "answer_faq", "business_hours", "end_conversation"}
# keyed to their turn, and each acts on the store's code rows itself: run every time
_CODES = {"send_code", "check_code"}
# idempotent by the state they change (a booking found by its key, an appointment already
# moved or cancelled), so a stored result is never replayed over a changed calendar
_STATEFUL = {"book", "reschedule", "cancel"}

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 3  # wrong codes before a code stops working
CODE_WINDOW = timedelta(hours=1)
CODES_PER_CONVERSATION = 3  # codes one conversation may have sent within CODE_WINDOW
CODES_PER_NUMBER = 5  # codes one number may be sent within CODE_WINDOW, by anyone
CODE_DAY = timedelta(days=1)
CODES_PER_NUMBER_PER_DAY = 10  # codes one number may be sent within CODE_DAY, by anyone


def new_code() -> str:
    """A one-time code: CODE_DIGITS random digits."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(salt: str, code: str) -> str:
    """What the store keeps of a code: a salted HMAC-SHA-256, never the code."""
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ActionContext:
    business: Business
    tx: Tx
    now: datetime  # aware, business timezone
    conversation_id: str
    state: ConversationState
    channel: str
    lang: Lang
    can_text: bool = True  # the business can send SMS (a code, a notice)


Handler = Callable[[ActionCall, ActionContext], Awaitable[ActionResult]]


def _result(call: ActionCall, ok: bool, error: str = "", **kw: Any) -> ActionResult:
    return ActionResult(name=call.name, key=call.key, ok=ok, error=error, **kw)


def _text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def _offered(ctx: ActionContext, start: str, staff: str) -> Slot | None:
    return next(
        (
            s
            for s in reversed(ctx.state.offered)
            if s.start.isoformat() == start and s.staff == staff
        ),
        None,
    )


async def _find_slots(call: ActionCall, ctx: ActionContext) -> ActionResult:
    a, b = call.args, ctx.business
    if not a.get("service"):
        return _result(call, False, "no_service")
    q = SlotQuery(
        service=a["service"],
        staff=a.get("staff", ""),
        day=date.fromisoformat(a["date"]) if a.get("date") else None,
        at=time.fromisoformat(a["time"]) if a.get("time") else None,
        part=a.get("part", ""),
        after=time.fromisoformat(a["after"]) if a.get("after") else None,
        before=time.fromisoformat(a["before"]) if a.get("before") else None,
        exclude=a.get("exclude", ""),
        count=b.booking.offer_count,
        earliest=a.get("earliest") == "1",
    )
    # most searches end in their first week: read that week's calendar, and the next
    # weeks (twice as many each time) only while the search says it needs them
    tz = ZoneInfo(b.timezone)
    today = ctx.now.astimezone(tz).date()
    first = max(q.day or today, today)
    horizon = today + timedelta(days=b.booking.horizon_days)
    read_from = datetime.combine(first - timedelta(days=1), time(0), tzinfo=tz)
    existing: dict[str, Appointment] = {}
    weeks = 1
    while True:
        through = min(first + timedelta(days=7 * weeks - 1), horizon)
        read_to = datetime.combine(through + timedelta(days=2), time(0), tzinfo=tz)
        for appt in await ctx.tx.appointments_between(b.slug, read_from, read_to):
            existing[appt.id] = appt
        offer = find_slots(b, q, list(existing.values()), ctx.now, through=through)
        if offer.complete:
            break
        read_from, weeks = read_to, weeks * 2
    if not offer.slots:
        data = {"date": a.get("date", "")}
        if offer.note:  # "closed" / "away": nothing in the whole horizon
            data.update(
                note=offer.note,
                days=str(b.booking.horizon_days),
                reopens=offer.reopens.isoformat() if offer.reopens else "",
            )
        return _result(call, False, "no_slots", items=(PlanItem(kind="no_slots", data=data),))
    held = await _already_holds(a["service"], ctx) if not a.get("exclude") else ()
    asked = asked_slot(q, offer)
    if asked is not None:  # the very slot named is free: it is read back, not listed
        return _result(
            call,
            True,
            count=1,
            offered=(asked,),
            asked=asked.start.isoformat(),
            items=(*held, PlanItem(kind="slot_free", slots=(asked,))),
        )
    data = {"note": offer.note, "date": a.get("date", ""), "time": a.get("time", "")}
    if offer.note == "dst_gap" and not data["date"]:
        data["date"] = offer.slots[0].start.date().isoformat()
    return _result(
        call,
        True,
        count=len(offer.slots),
        offered=offer.slots,
        items=(*held, PlanItem(kind="offer_slots", data=data, slots=offer.slots)),
    )


async def _already_holds(service: str, ctx: ActionContext) -> tuple[PlanItem, ...]:
    """A new booking's search, for a customer known by their number who already has an
    upcoming appointment for the same service: that one, named before the offer, so a
    customer who meant to move it says so instead of holding two."""
    phone, b = ctx.state.customer_phone, ctx.business
    customer = await ctx.tx.customer_by_phone(b.slug, phone) if phone else None
    if customer is None:
        return ()
    same = sorted(
        (
            x
            for x in await ctx.tx.appointments_of(b.slug, customer.id)
            if x.status == "booked" and x.start > ctx.now and x.service == service
        ),
        key=lambda x: x.start,
    )
    if not same:
        return ()
    x, tz = same[0], ZoneInfo(b.timezone)
    slot = Slot(
        start=x.start.astimezone(tz),
        end=x.end.astimezone(tz),
        staff=x.staff,
        staff_name=b.staff_member(x.staff).name,
        service=x.service,
    )
    return (_when_item("already_holds", slot, b, ctx.lang),)


def _when_item(kind: PlanKind, slot: Slot, b: Business, lang: str) -> PlanItem:
    return PlanItem(
        kind=kind,
        slots=(slot,),
        data={
            "service": b.service(slot.service).display(lang),
            "staff": slot.staff_name,
            "when": slot.start.isoformat(),
        },
    )


async def _book(call: ActionCall, ctx: ActionContext) -> ActionResult:
    a, b, tx = call.args, ctx.business, ctx.tx
    slot = _offered(ctx, a.get("start", ""), a.get("staff", ""))
    if slot is None:  # check-before-book: only what this conversation was offered
        return _result(call, False, "not_offered", items=(PlanItem(kind="slot_taken"),))
    # the same content is the same booking: a retry finds it instead of booking twice; a
    # booking of that content that was cancelled since is history, and a new one is made
    phone = a.get("phone", "")
    key, generation = call.key, 0
    while (existing := await tx.appointment_by_key(key)) is not None:
        if existing.status == "booked":
            # its customer only to a conversation that proved the number or holds it already
            ours = ctx.state.proven(phone) or ctx.state.customer_id == existing.customer_id
            return _result(
                call,
                True,
                items=(_when_item("booked", slot, b, ctx.lang),),
                data={"appointment_id": existing.id}
                | ({"customer_id": existing.customer_id} if ours else {}),
            )
        generation += 1
        key = f"{call.key}~{generation}"
    clash = [
        x
        for x in await tx.appointments_between(b.slug, slot.start, slot.end)
        if x.staff == slot.staff and x.status == "booked"
    ]
    if clash:
        return _result(call, False, "slot_taken", items=(PlanItem(kind="slot_taken"),))
    name, email = a.get("name", ""), a.get("email", "")
    # a number not proven here may be someone else's: their record keeps its name and
    # e-mail, and nothing of it (its id, its name) reaches this conversation
    known = (
        await tx.customer_by_phone(b.slug, phone) if phone and not ctx.state.proven(phone) else None
    )
    # (not even an empty name or e-mail is filled in: a stranger would choose the name the
    # customer is later greeted by)
    customer = known if known is not None else await tx.upsert_customer(b.slug, name, phone, email)
    mine = {} if known is not None else {"customer_id": customer.id}
    appt = Appointment(
        id=AppointmentId(uuid.uuid4().hex),
        business=b.slug,
        service=slot.service,
        staff=slot.staff,
        start=slot.start.astimezone(UTC),
        end=slot.end.astimezone(UTC),
        customer_id=customer.id,
        customer_name=a.get("name", "") or ("" if known is not None else customer.name),
        customer_phone=customer.phone,
        conversation_id=ctx.conversation_id,
        idempotency_key=key,
    )
    try:
        await tx.insert_appointment(appt)
    except SlotTaken:
        return _result(call, False, "slot_taken", items=(PlanItem(kind="slot_taken"),))
    return _result(
        call,
        True,
        items=(_when_item("booked", slot, b, ctx.lang),),
        data={"appointment_id": appt.id, **mine},
    )


async def _find_appointment(call: ActionCall, ctx: ActionContext) -> ActionResult:
    b, tx = ctx.business, ctx.tx
    phone = call.args.get("phone", "")
    nothing = PlanItem(kind="no_appointment", data={"phone": phone} if phone else {})
    if not phone:  # no number: nothing to look up, nothing revealed
        return _result(call, False, "not_found", items=(nothing,))
    if not ctx.state.proven(phone):  # whatever a card says: only a number proven here
        return _not_verified(call)
    customer = await tx.customer_by_phone(b.slug, phone)
    if customer is None:
        return _result(call, False, "not_found", items=(nothing,))
    tz = ZoneInfo(b.timezone)
    upcoming = sorted(
        (
            x
            for x in await tx.appointments_of(b.slug, customer.id)
            if x.status == "booked" and x.start > ctx.now
        ),
        key=lambda x: x.start,
    )
    if not upcoming:
        return _result(call, False, "not_found", items=(nothing,))
    found = tuple(
        FoundAppointment(
            id=x.id,
            service=x.service,
            staff=x.staff,
            staff_name=b.staff_member(x.staff).name,
            start=x.start.astimezone(tz),
            end=x.end.astimezone(tz),
        )
        for x in upcoming[:5]
    )
    fields = {"appointment": found[0].id} if len(found) == 1 else {}
    slots = tuple(f.slot() for f in found)
    item = PlanItem(
        kind="appointment",
        slots=slots,
        data={"service": b.service(found[0].service).display(ctx.lang), "count": str(len(found))},
    )
    return _result(
        call,
        True,
        count=len(found),
        found=found,
        fields=fields,
        items=(item,),
        data={"customer_id": customer.id},
    )


def _chosen(ctx: ActionContext, appointment_id: str) -> FoundAppointment | None:
    return next((f for f in ctx.state.found if f.id == appointment_id), None)


async def _own(ctx: ActionContext, appointment_id: str) -> Appointment | None:
    """The stored appointment, only if it belongs to this business: an id from another
    business is not found, never changed."""
    stored = await ctx.tx.appointment(appointment_id)
    return stored if stored is not None and stored.business == ctx.business.slug else None


async def _on_file(ctx: ActionContext, stored: Appointment) -> str:
    """The number the appointment is found under: its customer's (what find_appointment
    looks up), else the copy the appointment row keeps (empty for one made elsewhere)."""
    customer = await ctx.tx.customer(stored.customer_id)
    return customer.phone if customer is not None and customer.phone else stored.customer_phone


async def _reschedule(call: ActionCall, ctx: ActionContext) -> ActionResult:
    a, b = call.args, ctx.business
    current = _chosen(ctx, a.get("appointment", ""))
    slot = _offered(ctx, a.get("start", ""), a.get("staff", ""))
    if current is None or slot is None:
        return _result(call, False, "not_offered", items=(PlanItem(kind="slot_taken"),))
    stored = await _own(ctx, current.id)
    if stored is None or stored.status != "booked":  # cancelled meanwhile: nothing to move
        return _result(call, False, "not_found", items=(PlanItem(kind="no_appointment"),))
    phone = await _on_file(ctx, stored)
    if not ctx.state.proven(phone):
        return _not_verified(call)
    if stored.start == slot.start and stored.staff == slot.staff:  # already there: a retry
        return _result(
            call,
            True,
            items=(_when_item("rescheduled", slot, b, ctx.lang),),
            data={"appointment_id": current.id},
        )
    try:
        await ctx.tx.move_appointment(
            current.id, slot.start.astimezone(UTC), slot.end.astimezone(UTC), slot.staff
        )
    except SlotTaken:
        return _result(call, False, "slot_taken", items=(PlanItem(kind="slot_taken"),))
    await _notify(call, ctx, phone, "rescheduled", slot)
    return _result(
        call,
        True,
        items=(_when_item("rescheduled", slot, b, ctx.lang),),
        data={"appointment_id": current.id},
    )


async def _cancel(call: ActionCall, ctx: ActionContext) -> ActionResult:
    b = ctx.business
    current = _chosen(ctx, call.args.get("appointment", ""))
    stored = await _own(ctx, current.id) if current is not None else None
    if current is None or stored is None:
        return _result(call, False, "not_found", items=(PlanItem(kind="no_appointment"),))
    phone = await _on_file(ctx, stored)
    if not ctx.state.proven(phone):
        return _not_verified(call)
    slot = Slot(
        start=current.start,
        end=current.end,
        staff=current.staff,
        staff_name=current.staff_name,
        service=current.service,
    )
    done = _result(
        call,
        True,
        items=(_when_item("cancelled", slot, b, ctx.lang),),
        data={"appointment_id": current.id},
    )
    if stored.status == "booked":
        await ctx.tx.cancel_appointment(current.id)
        await _notify(call, ctx, phone, "cancelled", slot)
        await ctx.tx.remember_result(call.key, done.model_dump(mode="json"))
        return done
    # already cancelled: by this very call (a retry: the same answer again), or before it,
    # from another conversation or by the staff — then the customer hears exactly that
    if await ctx.tx.idempotent_result(call.key) is not None:
        return done
    return _result(
        call,
        False,
        "already_cancelled",
        items=(_when_item("already_cancelled", slot, b, ctx.lang),),
    )


def _not_verified(call: ActionCall) -> ActionResult:
    return _result(call, False, "not_verified", items=(PlanItem(kind="not_verified"),))


def _sms(ctx: ActionContext, to: str, text: str, key: str, *, secret: bool = False) -> OutboxRow:
    """A text message to ``to`` through the business's SMS channel, whatever channel this
    conversation is on (a business without one: the row fails and is kept, visibly). A
    ``secret`` one (a one-time code) has its text blanked by the store once sent or dead."""
    payload: dict[str, object] = {"channel": "sms", "to": to, "text": text, "options": []}
    if secret:
        payload["secret"] = True
    return OutboxRow(
        id=uuid.uuid4().hex,
        business=ctx.business.slug,
        kind="reply",
        payload=payload,
        idempotency_key=key,
        next_attempt_at=ctx.now.astimezone(UTC),
    )


async def _notify(
    call: ActionCall, ctx: ActionContext, phone: str, kind: PlanKind, slot: Slot
) -> None:
    """Tell the number on file that its appointment was cancelled or moved, in the
    business's language, whoever asked and on whatever channel."""
    if not phone:
        return
    b = ctx.business
    lang: Lang = "de" if b.languages[0] == "de" else "en"
    plan = ReplyPlan(lang=lang, items=(_when_item(kind, slot, b, lang),), business_name=b.name)
    what = render_plan(plan).text
    text = tpl.fill(lang, "sms.changed", business=b.name, what=what)
    await ctx.tx.enqueue(_sms(ctx, phone, text, f"notify:{call.key}"))


async def _send_code(call: ActionCall, ctx: ActionContext) -> ActionResult:
    """A one-time code by SMS to the number, when a customer of this business has it.

    The reply is the same whether or not one does, and a row is stored either way (the
    code of a number nobody has is never sent), so neither the words nor the limits tell
    a stranger whether the number is on file. Stored hashed; never in the result."""
    phone = call.args.get("phone", "")
    if not phone:
        return _result(call, False, "no_phone", items=(PlanItem(kind="code_unavailable"),))
    if not ctx.can_text:
        return _result(call, False, "no_sms", items=(PlanItem(kind="code_unavailable"),))
    return await _new_code(call, ctx, phone, PlanItem(kind="code_sent"))


async def _new_code(
    call: ActionCall, ctx: ActionContext, phone: str, said: PlanItem
) -> ActionResult:
    b, now = ctx.business, ctx.now.astimezone(UTC)
    since = now - CODE_WINDOW
    if (
        await ctx.tx.codes_sent(b.slug, since, conversation_id=ctx.conversation_id)
        >= CODES_PER_CONVERSATION
        or await ctx.tx.codes_sent(b.slug, since, phone=phone) >= CODES_PER_NUMBER
        or await ctx.tx.codes_sent(b.slug, now - CODE_DAY, phone=phone) >= CODES_PER_NUMBER_PER_DAY
    ):
        return _result(call, False, "too_many_codes", items=(PlanItem(kind="code_limit"),))
    code = new_code()
    salt = secrets.token_hex(16)
    customer = await ctx.tx.customer_by_phone(b.slug, phone)
    row = CodeRow(
        id=uuid.uuid4().hex,
        business=b.slug,
        conversation_id=ctx.conversation_id,
        phone=phone,
        salt=salt,
        digest=code_digest(salt, code),
        sent=customer is not None,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    await ctx.tx.insert_code(row)
    if customer is not None:
        lang: Lang = ctx.lang if ctx.lang in ("en", "de") else "en"
        text = tpl.fill(
            lang,
            "sms.code",
            business=b.name,
            code=code,
            minutes=str(int(CODE_TTL.total_seconds() // 60)),
        )
        await ctx.tx.enqueue(_sms(ctx, phone, text, f"code:{row.id}", secret=True))
    return _result(call, True, items=(said,), data={"code_id": row.id})


async def _check_code(call: ActionCall, ctx: ActionContext) -> ActionResult:
    """The code typed back against the latest one sent to the number in this conversation:
    a few attempts, a short life, compared in constant time. A right one proves the
    number for this conversation; an expired one is replaced by a new one."""
    phone, typed = call.args.get("phone", ""), _digits(call.args.get("code", ""))
    now = ctx.now.astimezone(UTC)
    row = await ctx.tx.latest_code(ctx.business.slug, ctx.conversation_id, phone)
    if row is None or row.used:
        return _result(call, False, "no_code", items=(PlanItem(kind="code_wrong"),))
    if row.attempts >= CODE_ATTEMPTS:
        return _result(call, False, "locked", items=(PlanItem(kind="code_locked"),))
    if now >= row.expires_at:
        renewed = await _new_code(call, ctx, phone, PlanItem(kind="code_renewed"))
        if not renewed.ok:
            return renewed
        return _result(call, False, "expired", items=renewed.items, data=renewed.data)
    right = row.sent and hmac.compare_digest(row.digest, code_digest(row.salt, typed))
    await ctx.tx.code_attempt(row.id, used=right)
    if right:
        return _result(call, True, proven=phone, data={"code_id": row.id})
    if row.attempts + 1 >= CODE_ATTEMPTS:
        return _result(call, False, "locked", items=(PlanItem(kind="code_locked"),))
    return _result(call, False, "wrong_code", items=(PlanItem(kind="code_wrong"),))


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())[: CODE_DIGITS * 2]


async def _answer_faq(call: ActionCall, ctx: ActionContext) -> ActionResult:
    b, lang = ctx.business, ctx.lang
    faq_id, service_id = call.args.get("faq", ""), call.args.get("service", "")
    if service_id:
        s = b.service(service_id)
        text = (
            f"{s.display(lang)}: {s.duration_min} Min., {_text(s.price, lang)}"
            if lang == "de"
            else f"{s.display(lang)}: {s.duration_min} min, {_text(s.price, lang)}"
        )
        return _result(
            call,
            True,
            items=(PlanItem(kind="answer", data={"text": text, "source": f"services/{s.id}"}),),
        )
    for f in b.faq:
        if f.id == faq_id:
            return _result(
                call,
                True,
                items=(
                    PlanItem(
                        kind="answer", data={"text": _text(f.answer, lang), "source": f"faq/{f.id}"}
                    ),
                ),
            )
    return _result(call, True, "no_answer", items=(PlanItem(kind="no_answer"),))


CLOSURES_AHEAD = 31
"""Days ahead whose closures an answer about the hours names (holidays the week shows open)."""


def _intervals(b: Business, day: date) -> str:
    return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in open_intervals_on(b, day))


async def _business_hours(call: ActionCall, ctx: ActionContext) -> ActionResult:
    b, lang, now = ctx.business, ctx.lang, ctx.now
    nxt = next_opening(b, now)
    data = {
        "open_now": "yes" if is_open(b, now) else "no",
        "today": _intervals(b, now.date()),
        "next_open": nxt.isoformat() if nxt else "",
        "week": "; ".join(f"{d}: {h}" for d, h in week_summary(b, lang)),
    }
    asked = call.args.get("date", "")
    if asked:  # the day the customer asked about, closures applied
        data["date"] = asked
        data["date_hours"] = _intervals(b, date.fromisoformat(asked)) or "closed"
    # closed days soon that the weekly hours would show open (holidays, the business's own)
    days = (now.date() + timedelta(days=n) for n in range(CLOSURES_AHEAD + 1))
    closed = [d for d in days if b.is_closed_on(d) and b.week_hours_of(None, WEEKDAYS[d.weekday()])]
    if closed:
        data["closures"] = " ".join(d.isoformat() for d in closed)
    return _result(call, True, items=(PlanItem(kind="hours", data=data),))


async def _take_message(call: ActionCall, ctx: ActionContext) -> ActionResult:
    a, b = call.args, ctx.business
    row = MessageRow(
        id=uuid.uuid4().hex,
        business=b.slug,
        conversation_id=ctx.conversation_id,
        caller_name=a.get("name", ""),
        callback_number=a.get("phone", ""),
        text=a.get("message", ""),
        created_at=ctx.now.astimezone(UTC),
    )
    await ctx.tx.insert_message(row)
    payload = {
        "business": b.slug,
        "message_id": row.id,
        "caller_name": row.caller_name,
        "callback_number": row.callback_number,
        "text": row.text,
        "created_at": row.created_at.isoformat(),
        "topic": a.get("topic", ""),
    }
    deliveries = []
    if b.messages.file:
        deliveries.append(("message_file", {"path": b.messages.file, "message": payload}))
    if b.messages.webhook:
        deliveries.append(("message_webhook", {"url": b.messages.webhook.url, "message": payload}))
    for kind, body in deliveries:
        await ctx.tx.enqueue(
            OutboxRow(
                id=uuid.uuid4().hex,
                business=b.slug,
                kind=kind,
                payload=body,
                idempotency_key=f"{call.key}:{kind}",
                next_attempt_at=ctx.now.astimezone(UTC),
            )
        )
    return _result(call, True, items=(PlanItem(kind="message_taken"),), data={"message_id": row.id})


async def _escalation(ctx: ActionContext, reason: str) -> str:
    row = EscalationRow(
        id=uuid.uuid4().hex,
        business=ctx.business.slug,
        conversation_id=ctx.conversation_id,
        reason=reason,
        created_at=ctx.now.astimezone(UTC),
    )
    await ctx.tx.insert_escalation(row)
    return row.id


async def _transfer(call: ActionCall, ctx: ActionContext) -> ActionResult:
    b, lang = ctx.business, ctx.lang
    open_now = is_open(b, ctx.now)
    depts = [d for d in b.departments if open_now or d.after_hours] or list(b.departments)
    esc = await _escalation(ctx, "the customer asked for a human")
    if not depts:
        return _result(
            call,
            True,
            items=(PlanItem(kind="escalate", data={"reason": "human"}),),
            data={"escalation_id": esc},
        )
    named = call.args.get("department", "")
    d = next((x for x in depts if x.id == named), depts[0])  # the one asked for, if reachable
    return _result(
        call,
        True,
        items=(
            PlanItem(
                kind="transfer",
                data={
                    "department": _text(d.name, lang),
                    "phone": d.phone,
                    "open": "yes" if open_now else "no",
                },
            ),
        ),
        data={"escalation_id": esc, "department": d.id},
    )


async def _emergency(call: ActionCall, ctx: ActionContext) -> ActionResult:
    b, lang, policy = ctx.business, ctx.lang, ctx.business.emergency
    open_now = is_open(b, ctx.now)
    esc = await _escalation(ctx, "emergency")
    dept_id = policy.during_hours_transfer if open_now else policy.after_hours_transfer
    items: list[PlanItem] = []
    if dept_id:
        d = b.department(dept_id)
        items.append(
            PlanItem(
                kind="transfer",
                data={"department": _text(d.name, lang), "phone": d.phone, "emergency": "1"},
            )
        )
    elif policy.after_hours_phone:
        items.append(PlanItem(kind="emergency_info", data={"phone": policy.after_hours_phone}))
    return _result(
        call,
        True,
        items=tuple(items) or (PlanItem(kind="escalate", data={"reason": "emergency"}),),
        data={"escalation_id": esc},
    )


async def _escalate(call: ActionCall, ctx: ActionContext) -> ActionResult:
    esc = await _escalation(ctx, call.args.get("reason", "escalated"))
    phone = ctx.business.departments[0].phone if ctx.business.departments else ""
    return _result(
        call,
        True,
        items=(
            PlanItem(kind="escalate", data={"reason": call.args.get("reason", ""), "phone": phone}),
        ),
        data={"escalation_id": esc},
    )


async def _end(call: ActionCall, ctx: ActionContext) -> ActionResult:
    return _result(call, True)


HANDLERS: dict[str, Handler] = {
    "find_slots": _find_slots,
    "book": _book,
    "find_appointment": _find_appointment,
    "reschedule": _reschedule,
    "cancel": _cancel,
    "send_code": _send_code,
    "check_code": _check_code,
    "answer_faq": _answer_faq,
    "business_hours": _business_hours,
    "take_message": _take_message,
    "transfer": _transfer,
    "emergency": _emergency,
    "escalate": _escalate,
    "end_conversation": _end,
}


async def run_action(call: ActionCall, ctx: ActionContext) -> ActionResult:
    """Run one action once: a stored result under the same key is returned instead."""
    remembered = call.name not in _READ_ONLY | _STATEFUL | _CODES
    if remembered:
        stored = await ctx.tx.idempotent_result(call.key)
        if stored is not None:
            return ActionResult.model_validate(stored)
    result = await HANDLERS[call.name](call, ctx)
    if remembered and result.ok:
        await ctx.tx.remember_result(call.key, result.model_dump(mode="json"))
    return result


__all__ = ["HANDLERS", "ActionContext", "code_digest", "new_code", "run_action"]
