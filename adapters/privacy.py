"""Privacy by design: retention (what is past a business's periods is erased), a customer's
data (export) and the right to erasure.

Erasing never breaks the audit: a turn's record is replaced by its tombstone
(``engine.audit.tombstone``: the record's place in the chain and the digest of what was
removed), so ``frontdesk audit verify`` still verifies every chain and counts the erased
records. Everything else personal is deleted (raw inbound messages, taken messages, sent
replies, hand-overs, the bursts of messages a rate limit dropped) or blanked (a
conversation forgets its sender and state; an appointment keeps the booking without name or
phone).

The one-time codes that prove a typed number (``verification_code`` rows: the number, a
salted digest, when, whether sent or used, the attempts) matter only for the hourly and
daily limits on codes and the attempts against the latest one, so a sweep deletes every code that
expired more than ``CODES_KEPT`` (a day) ago, whatever the business's periods. An export
lists the number's codes without salt and digest; an erasure deletes them.

The order of the steps is chosen so that a crash between two of them is harmless and a run
again finishes the job: inbound messages go before their turns lose their provider ids
(otherwise the recovery sweep would take them for unanswered and answer them again), and
every step skips what is gone already.

Erasing a customer (``frontdesk customer erase``) first cancels their future bookings (an
appointment with nobody behind it only blocks the slot; the customer asked to be
forgotten, so no message is sent), then erases as above everything linked to their number:
the customer row, the conversations that carry the number (as sender, caller id or in the
state, and those that booked their appointments) with their turns, messages they left or
that name their number, replies sent to them, their hand-overs, and the bursts of dropped
messages whose first message came from one of their senders (a conversation's channel and
sender, or the number itself on SMS, WhatsApp or a call), and the one-time codes made for
the number (by whoever typed it).

A conversation carries the number when any of these holds: it is the sender or caller id;
it booked one of their appointments; one of the number's codes was made in it (the number
typed, proven or not); a message left in it names the number to call back on; a field of
its state (the active topic's, a stacked topic's, a phone candidate kept from a recent turn,
a proven number) is the number; or the text of its state or of any of its turn records holds
the number in any common shape (``mentions``: with or without the country code, with
spaces, dots, dashes, slashes or brackets). Rows no turn links (a message not answered yet,
a dropped burst, a queued delivery) go when their text holds the number, with the rest of
their sender's rows. Export and erasure use the same list, so erase takes what export shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers

from engine.audit import is_erased, tombstone
from engine.business import Business
from engine.ports import CodeRow, ConversationRow, StoredTurn
from store.ports import Storage

__all__ = [
    "CustomerData",
    "Erased",
    "customer_data",
    "erase_customer",
    "export_customer",
    "retention_forever",
    "sweep",
]

log = logging.getLogger("frontdesk.privacy")

SWEEP_EVERY = timedelta(days=1)
# how long a one-time code row is kept after it expired: with its life, longer than the
# windows of the limits on codes (engine.actions.CODE_WINDOW and CODE_DAY), after which it
# matters no more
CODES_KEPT = timedelta(days=1)
# what an export shows of a code row: never its salt or digest
CODE_FIELDS = frozenset(CodeRow.model_fields) - {"salt", "digest"}


@dataclass(frozen=True)
class Erased:
    """What a sweep or an erasure erased (or, in a dry run, would erase)."""

    business: str
    turns: int = 0
    inbound: int = 0
    dropped: int = 0  # bursts of messages a rate limit dropped (``dropped_burst`` rows)
    codes: int = 0  # one-time codes (``verification_code`` rows)
    messages: int = 0
    replies: int = 0
    escalations: int = 0
    conversations: int = 0
    customers: int = 0
    recordings: int = 0  # none are made yet; the period is kept for the voice pipeline
    cancelled: int = 0  # future appointments cancelled (erasure only)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        verb = "would erase" if self.dry_run else "erased"
        parts = [f"{k} {v}" for k, v in self.to_dict().items() if k not in ("business", "dry_run")]
        return f"{self.business}: {verb} " + ", ".join(parts)


def _state_names(row: ConversationRow, customer_ids: Set[str], phone: str) -> bool:
    s = row.state
    return (bool(phone) and (row.sender == phone or s.get("customer_phone") == phone)) or (
        s.get("customer_id", "") in customer_ids and bool(s.get("customer_id"))
    )


# a run of digits as people write a number: "+1 (503) 555-0102", "503.555.0102", "0030 12 34"
_RUN = re.compile(r"(?<!\w)\+?\(?\d(?:[ ().\-/]{0,3}\d)*(?!\w)")
_DIGITS = re.compile(r"\d+")
NATIONAL_MIN = 7  # the fewest digits of a number written without its country code


@dataclass(frozen=True)
class _Number:
    """A stored number's digits: in full (country code first) and national (without it)."""

    full: str
    national: str

    @classmethod
    def of(cls, phone: str) -> _Number | None:
        """``None`` for a number whose country code cannot be told (then only its exact
        text counts): dropping a guessed country code would match other people's numbers
        and dates."""
        try:
            parsed = phonenumbers.parse(phone, None)
        except phonenumbers.NumberParseException:
            return None
        national = phonenumbers.national_significant_number(parsed)
        if len(national) < NATIONAL_MIN:
            return None
        return cls(f"{parsed.country_code}{national}", national)

    def written(self, digits: str, international: bool) -> bool:
        """Whether ``digits`` are this number: after + or 00 (``international``) exactly its
        full digits; otherwise its full digits, its national digits, or those after a
        trunk 0."""
        if international:
            return digits == self.full
        return digits in (self.full, self.national, "0" + self.national)


def _digits(phone: str) -> str:
    return "".join(_DIGITS.findall(phone))


def _is_number(value: object, phone: str) -> bool:
    """Whether ``value`` is ``phone`` written in some common shape (and nothing else)."""
    if not isinstance(value, str) or not phone:
        return False
    if value.strip() == phone:
        return True
    number = _Number.of(phone)
    run = _RUN.fullmatch(value.strip())
    return number is not None and run is not None and _run_is(run.group(), number)


def _run_is(run: str, number: _Number) -> bool:
    digits = _digits(run)
    if run.startswith("+"):
        return number.written(digits, True)
    if digits.startswith("00") and number.written(digits[2:], True):
        return True
    return number.written(digits, False)


def mentions(text: str, phone: str) -> bool:
    """Whether ``text`` holds ``phone`` in a common shape: with its country code (after +,
    00 or bare) or without it (perhaps after a trunk 0), cut by spaces, dots, dashes,
    slashes or brackets, and possibly after other numbers in the same run ("at 3 503 555
    0102"). After a + or 00 only the whole number counts (+44 5035550102 is not
    +1 5035550102); a run is never matched by a part of one group, so a date or a longer
    number does not match."""
    if not phone:
        return False
    if re.search(rf"(?<![\w+]){re.escape(phone)}(?!\w)", text):
        return True
    number = _Number.of(phone)
    if number is None:
        return False
    longest = len(number.full) + 2  # written with 00 before it
    for run in _RUN.finditer(text):
        written = run.group()
        groups = _DIGITS.findall(written)
        international = written.startswith("+") or groups[0].startswith("00")
        # an international run is one number from its first group; a national one may
        # start at any group (a time or a count written before the number)
        for i in range(1 if international else len(groups)):
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j]
                if len(digits) > longest:
                    break
                if i == 0 and written.startswith("+"):
                    if number.written(digits, True):
                        return True
                elif i == 0 and digits.startswith("00"):  # 00 and the country code, or a
                    # trunk 0 before a national number that begins with 0 (Benin's)
                    if number.written(digits[2:], True) or number.written(digits, False):
                        return True
                elif number.written(digits, False):
                    return True
    return False


def _strings(data: object) -> Iterator[str]:
    """Every string in JSON-like ``data`` (its keys too), each scanned on its own so that
    no escape or neighbour in a serialised form hides a number."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list | tuple):
        for item in data:
            yield from _strings(item)


def mentioned_in(data: object, phone: str) -> bool:
    """Whether any string in JSON-like ``data`` mentions ``phone`` (see ``mentions``)."""
    return bool(phone) and any(mentions(text, phone) for text in _strings(data))


def _state_numbers(state: Mapping[str, Any]) -> list[object]:
    """The values in a conversation state that may be a phone number: the customer's, the
    numbers proven, every field of the active and the stacked topics, the field candidates
    of type phone kept from recent turns."""
    values: list[object] = [state.get("customer_phone"), *(state.get("verified_phones") or ())]
    for topic in [state.get("active"), *(state.get("suspended") or ())]:
        if isinstance(topic, Mapping):
            values += list((topic.get("fields") or {}).values())
    for key in ("offered_fields", "recent_fields"):
        for f in state.get(key) or ():
            if isinstance(f, Mapping) and f.get("type") == "phone":
                values += [f.get("value"), f.get("text")]
    return values


def _holds_number(state: Mapping[str, Any], phone: str) -> bool:
    """Whether a conversation state carries ``phone``: as a field value (of phone type or
    any other), or anywhere in its text in any common shape."""
    if not phone:
        return False
    return any(_is_number(v, phone) for v in _state_numbers(state)) or mentioned_in(state, phone)


def _turn_names(t: StoredTurn, phone: str) -> bool:
    """Whether a (not yet erased) turn's record carries ``phone``: as sender or caller id,
    in the conversation state before or after it, or anywhere in its text (what was typed,
    understood, the actions' arguments, the reply) in any common shape."""
    r = t.record
    if is_erased(r) or not phone:
        return False
    event = r.get("event") or {}
    before = ((r.get("snapshot") or {}).get("state")) or {}
    after = ((r.get("decision") or {}).get("state")) or {}
    return (
        phone
        in (
            event.get("sender"),
            event.get("customer_phone"),
            before.get("customer_phone"),
            after.get("customer_phone"),
        )
        or _holds_number(before, phone)
        or _holds_number(after, phone)
        or mentioned_in(r, phone)
    )


@dataclass(frozen=True)
class CustomerData:
    """Everything held about one phone number at one business."""

    business: str
    phone: str
    customers: list[dict[str, Any]]
    appointments: list[dict[str, Any]]
    conversations: list[ConversationRow]
    turns: dict[str, list[StoredTurn]]
    messages: list[dict[str, Any]]
    replies: list[dict[str, Any]]
    inbound: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    dropped: list[dict[str, Any]]
    codes: list[dict[str, Any]]  # the number's one-time codes, without salt and digest
    senders: list[tuple[str, str]]  # their (channel, sender) pairs: conversations', number's

    @property
    def empty(self) -> bool:
        return not (
            self.customers
            or self.appointments
            or self.conversations
            or self.messages
            or self.replies
            or self.inbound
            or self.dropped
            or self.codes
        )


async def customer_data(store: Storage, business: str, phone: str) -> CustomerData:
    """What the business holds about ``phone`` (see the module docstring for what links)."""
    phone = phone.strip()
    customers = [c for c in await store.list_customers(business) if c.phone == phone]
    ids: set[str] = {c.id for c in customers}
    appointments = [
        a
        for a in await store.list_appointments(business)
        if a.customer_id in ids or (phone and a.customer_phone == phone)
    ]
    booked_in = {a.conversation_id for a in appointments if a.conversation_id}
    # the number's one-time codes: made in conversations where it was typed, proven or not
    codes = [c for c in await store.list_codes(business) if phone and c.phone == phone]
    every_message = await store.list_messages(business)
    # messages left with the number to call back on, or naming it, whoever sent them
    named = [
        m for m in every_message if _is_number(m.callback_number, phone) or mentions(m.text, phone)
    ]
    linked_by = booked_in | {c.conversation_id for c in codes} | {m.conversation_id for m in named}
    conversations: list[ConversationRow] = []
    turns: dict[str, list[StoredTurn]] = {}
    for c in await store.list_conversations(business):
        chain = await store.turns(c.id)
        if (
            c.id in linked_by
            or _state_names(c, ids, phone)
            or _holds_number(c.state, phone)
            or any(_turn_names(t, phone) for t in chain)
        ):
            conversations.append(c)
            turns[c.id] = chain
    linked = {c.id for c in conversations}
    senders = {(c.channel, c.sender) for c in conversations}
    named_ids = {m.id for m in named}
    messages = [m for m in every_message if m.conversation_id in linked or m.id in named_ids]
    every_inbound = await store.inbound_events(business)
    every_dropped = await store.list_dropped(business)
    # senders who typed the number in a message no turn answered yet, or a rate limit dropped
    typed_it = {(e.channel, e.sender) for e in every_inbound if mentions(e.text, phone)} | {
        (d.channel, d.sender) for d in every_dropped if mentions(d.text, phone)
    }
    theirs = senders | _phone_senders(phone) | typed_it
    replies = [
        r
        for r in await store.outbox()
        if r.business == business
        and (
            (str(r.payload.get("channel", "")), str(r.payload.get("to", ""))) in theirs
            or _is_number(r.payload.get("to"), phone)
            or mentioned_in(r.payload, phone)
        )
    ]
    # what erase deletes (delete_inbound by these senders and the caller id), no more, no less
    inbound = [
        e
        for e in every_inbound
        if (e.channel, e.sender) in theirs or (phone and e.customer_phone == phone)
    ]
    escalations = [e for e in await store.list_escalations(business) if e.conversation_id in linked]
    dropped = [d for d in every_dropped if (d.channel, d.sender) in theirs]
    return CustomerData(
        business=business,
        phone=phone,
        customers=[c.model_dump(mode="json") for c in customers],
        appointments=[a.model_dump(mode="json") for a in appointments],
        conversations=conversations,
        turns=turns,
        messages=[m.model_dump(mode="json") for m in messages],
        replies=[r.model_dump(mode="json") for r in replies],
        inbound=[e.model_dump(mode="json") for e in inbound],
        escalations=[e.model_dump(mode="json") for e in escalations],
        dropped=[d.model_dump(mode="json") for d in dropped],
        codes=[c.model_dump(mode="json", include=set(CODE_FIELDS)) for c in codes],
        senders=sorted(theirs),
    )


def _phone_senders(phone: str) -> set[tuple[str, str]]:
    """The number as a sender where a channel names people by their number: SMS, a call,
    WhatsApp (whose ids are the number without its '+')."""
    if not phone:
        return set()
    return {
        ("sms", phone),
        ("voice", phone),
        ("whatsapp", phone),
        ("whatsapp", phone.removeprefix("+")),
    }


def _turn_export(t: StoredTurn) -> dict[str, Any]:
    r = t.record
    if is_erased(r):
        return {"seq": t.seq, "at": r.get("now"), "erased": True}
    event, reply = r.get("event") or {}, r.get("reply") or {}
    return {
        "seq": t.seq,
        "at": r.get("now"),
        "erased": False,
        "customer": event.get("text", ""),
        "desk": reply.get("text", ""),
        "understanding": r.get("understanding"),
    }


async def export_customer(store: Storage, business: str, phone: str) -> dict[str, Any] | None:
    """Everything held about ``phone`` at ``business`` as JSON-ready data; None when
    nothing is held."""
    data = await customer_data(store, business, phone)
    if data.empty:
        return None
    return {
        "business": business,
        "phone": data.phone,
        "customers": data.customers,
        "appointments": data.appointments,
        "conversations": [
            {
                **c.model_dump(mode="json", exclude={"last_hash"}),
                "turns": [_turn_export(t) for t in data.turns[c.id]],
            }
            for c in data.conversations
        ],
        "messages": data.messages,
        "outbox": data.replies,
        "inbound_events": data.inbound,
        "escalations": data.escalations,
        "dropped_bursts": data.dropped,
        "verification_codes": data.codes,
    }


async def _erase_turns(store: Storage, turns: list[StoredTurn], now: datetime) -> int:
    gone = [
        t.model_copy(update={"record": tombstone(t.record)})
        for t in turns
        if t.erased_at is None and not is_erased(t.record)
    ]
    return await store.erase_turns(gone, now) if gone else 0


async def erase_customer(store: Storage, business: str, phone: str, now: datetime) -> Erased | None:
    """Erase everything held about ``phone`` at ``business`` (the right to erasure); None
    when nothing is held (so a second run says so and changes nothing)."""
    data = await customer_data(store, business, phone)
    if data.empty:
        return None
    cancelled = 0
    future = [a for a in data.appointments if a["status"] == "booked" and _after(a["start"], now)]
    for a in future:
        async with store.transaction(business, f"erasure:{a['id']}") as tx:
            await tx.cancel_appointment(a["id"])
        cancelled += 1
    inbound = await store.delete_inbound(business, senders=data.senders, phone=data.phone)
    dropped = await store.delete_dropped(business, senders=data.senders)
    codes = await store.delete_codes(business, phone=data.phone)
    turns = 0
    for chain in data.turns.values():
        turns += await _erase_turns(store, chain, now)
    conversations = 0
    for c in data.conversations:
        conversations += await store.anonymise_conversation(c.id)
    messages = await store.delete_messages(business, ids=[m["id"] for m in data.messages])
    replies = await store.delete_outbox(business, ids=[r["id"] for r in data.replies])
    escalations = await store.delete_escalations(
        business, conversation_ids=[c.id for c in data.conversations]
    )
    customers = 0
    for row in data.customers:
        customers += await store.forget_customer(business, row["id"], data.phone)
    if not data.customers:  # appointments booked under the number without a customer row
        await store.forget_customer(business, "", data.phone)
    return Erased(
        business=business,
        turns=turns,
        inbound=inbound,
        dropped=dropped,
        codes=codes,
        messages=messages,
        replies=replies,
        escalations=escalations,
        conversations=conversations,
        customers=customers,
        cancelled=cancelled,
    )


def _after(stamp: str, now: datetime) -> bool:
    return datetime.fromisoformat(stamp) > now


async def sweep(store: Storage, business: Business, now: datetime, dry_run: bool = False) -> Erased:
    """Erase what is past the business's retention periods (``business.retention``) at
    ``now``; with ``dry_run``, only count it."""
    slug, keep = business.slug, business.retention
    talk = now - timedelta(days=keep.conversations_days)
    notes = now - timedelta(days=keep.messages_days)
    people = now - timedelta(days=keep.customers_days)
    expired = now - CODES_KEPT
    conversations = await store.list_conversations(slug)
    idle = [c for c in conversations if c.updated_at < talk and not c.sender.startswith("erased:")]
    appointments = await store.list_appointments(slug)
    stale = []
    for cust in await store.list_customers(slug):
        booked = any(
            (a.customer_id == cust.id or (cust.phone and a.customer_phone == cust.phone))
            and a.end >= people
            for a in appointments
        )
        talked = any(
            c.updated_at >= people and _state_names(c, {cust.id}, cust.phone) for c in conversations
        )
        if not booked and not talked:
            stale.append(cust)
    turns = await store.turns_to_erase(slug, talk)
    if dry_run:
        return Erased(
            business=slug,
            turns=len(turns),
            inbound=sum(e.received_at < talk for e in await store.inbound_events(slug)),
            dropped=sum(d.last_at < talk for d in await store.list_dropped(slug)),
            codes=sum(c.expires_at < expired for c in await store.list_codes(slug)),
            messages=sum(m.created_at < notes for m in await store.list_messages(slug)),
            replies=sum(
                r.business == slug and r.status != "pending" and r.next_attempt_at < talk
                for r in await store.outbox()
            ),
            escalations=sum(e.created_at < talk for e in await store.list_escalations(slug)),
            conversations=len(idle),
            customers=len(stale),
            dry_run=True,
        )
    inbound = await store.delete_inbound(slug, before=talk)  # before their turns: see above
    dropped = await store.delete_dropped(slug, before=talk)  # by the burst's last message
    codes = await store.delete_codes(slug, before=expired)  # by when the code expired
    erased = await _erase_turns(store, turns, now)
    replies = await store.delete_outbox(slug, before=talk)
    escalations = await store.delete_escalations(slug, before=talk)
    messages = await store.delete_messages(slug, before=notes)
    anonymised = 0
    for c in idle:
        anonymised += await store.anonymise_conversation(c.id)
    customers = 0
    for cust in stale:
        customers += await store.forget_customer(slug, cust.id, cust.phone)
    return Erased(
        business=slug,
        turns=erased,
        inbound=inbound,
        dropped=dropped,
        codes=codes,
        messages=messages,
        replies=replies,
        escalations=escalations,
        conversations=anonymised,
        customers=customers,
    )


async def retention_forever(
    store: Storage,
    businesses: Mapping[str, Business],
    stop: asyncio.Event,
    clock: Callable[[], datetime],
    every: timedelta = SWEEP_EVERY,
) -> None:
    """``serve``'s retention: a sweep of every business now and then once per ``every``
    until ``stop`` is set. A failure is logged and retried at the next run. Several
    processes running it at once is safe (every step skips what is gone already), but
    ``serve`` runs it in one worker only."""
    while not stop.is_set():
        for business in businesses.values():
            try:
                done = await sweep(store, business, clock())
            except Exception:  # a database hiccup must not end the daily run
                log.exception("retention sweep failed", extra={"business": business.slug})
                continue
            log.info("retention sweep", extra=done.to_dict())
        with contextlib.suppress(TimeoutError):  # the next round is due
            await asyncio.wait_for(stop.wait(), timeout=every.total_seconds())
