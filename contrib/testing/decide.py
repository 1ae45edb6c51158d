"""Testing a card against the real ``decide``: the engine side of ``contrib.testing``.

The rest of ``contrib.testing`` holds everything about a card — the strategies, the checks,
a Hypothesis state machine parameterised by a :class:`~contrib.testing.Driver` — and does
not import the engine. This module is that driver: :class:`DecideDriver` turns each
customer turn into an ``Understanding``, calls ``decide`` and, while a decision has a
pending action, draws its outcome, builds a plausible ``ActionResult`` (slots on the days
the business is open, the customer's appointments, ...) and calls ``decide`` again with
the results, as ``Desk`` does (at most ``MAX_ACTIONS_PER_TURN`` actions). It reports what
happened in the order it happened, with the fields and facts each action was planned from.

:func:`card_machine` is pure (a compiled brain in, a state-machine class out);
:func:`card_test` is the helper a developer calls from a test module, and the one place
that reads files (the business and the card folder). Like the in-memory store
(``store.memory``) it is support code for tests, never used by a running desk, and it
needs the ``testing`` extra (Hypothesis)::

    from contrib.testing.decide import card_test

    TestMyCard = card_test("examples/businesses/bloom-salon.yaml", "my_card", cards="my_cards/")
"""

from __future__ import annotations

import os
import unittest
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine

from adapters.business_files import load_business
from contrib.testing import (
    CONFIRM,
    NAMES,
    Acted,
    Catalog,
    Cycle,
    Moved,
    Outcome,
    Point,
    Said,
    Settled,
    Spoke,
    Started,
    View,
    World,
    card_state_machine,
)
from engine.brain import Brain
from engine.business import Business, TopicUse
from engine.decide import decide
from engine.desk import MAX_ACTIONS_PER_TURN
from engine.hours import is_open
from engine.state import (
    ActionCall,
    ActionResult,
    ConversationState,
    Decision,
    FoundAppointment,
    Snapshot,
)
from language.types import (
    FieldCandidate,
    PlanItem,
    PlanKind,
    Signals,
    Slot,
    TopicScore,
    Understanding,
)
from machines.loader import bundled_cards, load_cards
from rules.errors import RuleCycle
from rules.ir import Say

_BASE = (2025, 6, 3)  # a Tuesday, far from any daylight-saving change
_FAILED_ITEMS: dict[str, PlanKind] = {
    "no_slots": "no_slots",
    "slot_taken": "slot_taken",
    "not_offered": "slot_taken",
    "not_found": "no_appointment",
    "not_verified": "not_verified",
    "wrong_code": "code_wrong",
    "locked": "code_locked",
    "too_many_codes": "code_limit",
    "no_sms": "code_unavailable",
}
_DONE_ITEMS: dict[str, PlanKind] = {
    "book": "booked",
    "reschedule": "rescheduled",
    "cancel": "cancelled",
    "take_message": "message_taken",
    "answer_faq": "answer",
    "business_hours": "hours",
    "send_code": "code_sent",
    "transfer": "transfer",
    "emergency": "escalate",
    "escalate": "escalate",
}


# ---------------------------------------------------------------------- the world


def moment(business: Business, open_now: bool) -> datetime:
    """A fixed instant at which the business is open (or closed), in its timezone."""
    tz = ZoneInfo(business.timezone)
    start = datetime(*_BASE, tzinfo=tz)
    for hours in range(24 * 14):
        at = (start + timedelta(hours=hours)).replace(minute=30)
        if is_open(business, at) == open_now:
            return at
    return start.replace(hour=10)


@cache
def phones(region: str) -> tuple[str, ...]:
    """Two numbers that are valid in ``region``, in E.164."""
    out = []
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        number = phonenumbers.example_number_for_type(region, kind)
        if number is not None:
            out.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return tuple(dict.fromkeys(out))


def _calendar(b: Business, today: date) -> tuple[tuple[date, ...], tuple[date, ...]]:
    """Days the business takes bookings on (the first eight), and days it refuses."""
    horizon = b.booking.horizon_days
    ahead = [today + timedelta(days=n) for n in range(min(horizon, 28) + 1)]
    days = [d for d in ahead if not b.is_closed_on(d) and b.hours_of(None, d)]
    closed = [d for d in ahead[1:] if d not in days][:3] + [today + timedelta(days=horizon + 3)]
    return tuple(days[:8]), tuple(closed)


def catalog_of(
    brain: Brain,
    state: ConversationState,
    now: datetime,
    card: str,
    calendar: tuple[tuple[date, ...], tuple[date, ...]] | None = None,
) -> Catalog:
    """What a customer can name now, in a conversation about ``card`` (``calendar``: the
    days of :func:`_calendar` for today, when already known)."""
    b = brain.business
    today = now.date()
    days, closed = calendar or _calendar(b, today)
    numbers = phones(b.phone_region)
    if state.customer_phone:
        lookup = (
            card in brain.topics and "find_appointment" in brain.topics[card].card.allowed_actions
        )
        # appointments are looked up only under the number the customer is known by
        numbers = (state.customer_phone,) if lookup else (state.customer_phone, *numbers)
    offered = tuple(s.start.isoformat() for s in state.last_offered)
    earlier = [s.start.isoformat() for s in state.offered]
    never = datetime.combine(today + timedelta(days=2), time(6, 7), tzinfo=ZoneInfo(b.timezone))
    return Catalog(
        today=today,
        services=tuple(s.id for s in b.services),
        staff=tuple((m.id, tuple(m.services)) for m in b.staff),
        days=days,
        closed=closed,
        phones=numbers,
        offered=offered,
        found=tuple(a.start.isoformat() for a in state.found),
        unoffered=tuple(
            dict.fromkeys([s for s in earlier if s not in offered] + [never.isoformat()])
        ),
    )


def understanding(brain: Brain, said: Said, card: str) -> Understanding:
    """What the language layer would have understood: ``said`` about ``card`` (or the
    topic it names), its values as extractor candidates and free text as the message."""
    b = brain.business
    lang = b.languages[0]
    if said.problem:
        return Understanding(text=said.text, lang=lang, problem=said.problem, backend="testing")
    topic = said.topic or card
    floor = brain.topics[topic].card.classifier.min_score or 0.0
    text, found = said.text, []
    for v in said.values:
        if v.type in ("text", "address"):
            text = v.value  # free text is the whole message; no extractor emits it
            continue
        # the engine reads an appointment choice as the offered slot it starts at
        kind = "offered_slot" if v.type == "choice" and v.field == "appointment" else v.type
        found.append(
            FieldCandidate(
                type=kind,  # type: ignore[arg-type]
                value=v.value,
                problem=v.problem,
                text=v.value or "?",
            )
        )
    flags = {name: True for name in said.signals}
    score = min(1.0, max(0.9, floor + 0.1))  # clearly this topic, above its own threshold
    return Understanding(
        text=text,
        lang=lang,
        topics=(TopicScore(topic=topic, score=score),),
        signals=Signals(urgency=said.urgency, **flags),  # type: ignore[arg-type]
        fields=tuple(found),
        backend="testing",
    )


# ---------------------------------------------------------------------- action results


def _slots(
    b: Business,
    args: Mapping[str, str],
    now: datetime,
    count: int,
    taken: frozenset[str] = frozenset(),
) -> tuple[Slot, ...]:
    try:
        service = b.service(args.get("service", ""))
    except KeyError:
        return ()
    able = [m for m in b.staff if service.id in m.services]
    chosen = [m for m in able if m.id == args.get("staff")] or able
    if not chosen:
        return ()
    day = (
        date.fromisoformat(args["date"])
        if args.get("date")
        else next(
            (
                now.date() + timedelta(days=n)
                for n in range(1, 15)
                if b.hours_of(None, now.date() + timedelta(days=n))
            ),
            now.date(),
        )
    )
    hours = b.hours_of(None, day)
    first = datetime.combine(day, hours[0].start if hours else time(9), tzinfo=ZoneInfo(b.timezone))
    out: list[Slot] = []
    n = 0
    while len(out) < count:
        member, start = chosen[n % len(chosen)], first + timedelta(hours=n)
        n += 1
        if start.isoformat() in taken:
            continue
        out.append(
            Slot(
                start=start,
                end=start + timedelta(minutes=service.duration_min),
                staff=member.id,
                staff_name=member.name,
                service=service.id,
            )
        )
    return tuple(out)


def _appointments(b: Business, now: datetime, count: int) -> tuple[FoundAppointment, ...]:
    service = b.services[0]
    member = next((m for m in b.staff if service.id in m.services), b.staff[0])
    out = []
    for n in range(count):
        start = datetime.combine(
            now.date() + timedelta(days=n + 1), time(10), tzinfo=ZoneInfo(b.timezone)
        )
        out.append(
            FoundAppointment(
                id=f"appt-{n + 1}",
                service=service.id,
                staff=member.id,
                staff_name=member.name,
                start=start,
                end=start + timedelta(minutes=service.duration_min),
            )
        )
    return tuple(out)


def action_result(
    brain: Brain,
    call: ActionCall,
    outcome: Outcome,
    now: datetime,
    taken: frozenset[str] = frozenset(),
) -> ActionResult:
    """A plausible result of ``call`` with the drawn ``outcome``. A search that has
    nothing to search with fails as the real one does, whatever was drawn, and never
    offers a slot in ``taken`` (the starts a booking was refused for: the real search
    does not offer a slot that is taken)."""
    b = brain.business
    if not outcome.ok:
        kind = _FAILED_ITEMS.get(outcome.error)
        return ActionResult(
            name=call.name,
            key=call.key,
            ok=False,
            error=outcome.error,
            items=(PlanItem(kind=kind),) if kind else (),
        )
    if call.name == "find_slots":
        slots = _slots(b, call.args, now, max(outcome.count, 1), taken)
        if not slots:
            return ActionResult(name=call.name, key=call.key, ok=False, error="no_service")
        if outcome.count == 1 and call.args.get("date") and call.args.get("time"):
            # the very slot the customer named is free: it comes back alone, to be read back
            hour, minute = map(int, call.args["time"].split(":"))
            start = datetime.combine(
                date.fromisoformat(call.args["date"]),
                time(hour, minute),
                tzinfo=ZoneInfo(b.timezone),
            )
            named = slots[0].model_copy(
                update={"start": start, "end": start + (slots[0].end - slots[0].start)}
            )
            return ActionResult(
                name=call.name,
                key=call.key,
                ok=True,
                count=1,
                offered=(named,),
                asked=start.isoformat(),
                items=(PlanItem(kind="slot_free", slots=(named,)),),
            )
        return ActionResult(
            name=call.name,
            key=call.key,
            ok=True,
            count=len(slots),
            offered=slots,
            items=(PlanItem(kind="offer_slots", slots=slots),),
        )
    if call.name == "find_appointment":
        found = _appointments(b, now, max(outcome.count, 1))
        return ActionResult(
            name=call.name,
            key=call.key,
            ok=True,
            count=len(found),
            found=found,
            fields={"appointment": found[0].id} if len(found) == 1 else {},
            items=(PlanItem(kind="appointment"),),
            data={"customer_id": "customer-1"},
        )
    data = (
        {"appointment_id": "appt-new", "customer_id": "customer-1"} if call.name == "book" else {}
    )
    kind = _DONE_ITEMS.get(call.name)
    return ActionResult(
        name=call.name,
        key=call.key,
        ok=True,
        items=(PlanItem(kind=kind),) if kind else (),
        # a right code proves the number it was texted to (engine.actions._check_code)
        proven=call.args.get("phone", "") if call.name == "check_code" else "",
        data=data,
    )


# ---------------------------------------------------------------------- the driver


class DecideDriver:
    """One conversation with ``brain`` about ``card``, turn by turn through ``decide``."""

    def __init__(self, brain: Brain, card: str, world: World) -> None:
        b = brain.business
        self.brain, self.card, self.channel = brain, card, world.channel
        self.now = moment(b, world.open)
        number = phones(b.phone_region)[0]
        self.known = world.customer == "known"
        self.taken: set[str] = set()  # slot starts a booking or a move was refused for
        self._calendars: dict[date, tuple[tuple[date, ...], tuple[date, ...]]] = {}
        # a caller id is a number the channel vouches for: proven (engine.desk._customer),
        # and a customer is known only by a proven number
        self.state = (
            ConversationState(
                customer_id="customer-1",
                customer_name=NAMES[0],
                customer_phone=number,
                verified_phones=(number,),
            )
            if self.known
            else ConversationState(customer_phone=number, verified_phones=(number,))
            if world.customer == "caller"
            else ConversationState()
        )

    def view(self) -> View:
        active = self.state.active
        today = self.now.date()
        if today not in self._calendars:
            self._calendars[today] = _calendar(self.brain.business, today)
        catalog = catalog_of(
            self.brain,
            self.state,
            self.now,
            active.card if active is not None else self.card,
            self._calendars[today],
        )
        if active is None:
            return View(catalog)
        asked = CONFIRM if active.asked_confirm else active.asked
        return View(catalog, active.card, active.state, asked, dict(active.fields))

    def turn(self, said: Said, outcome: Callable[[str], Outcome]) -> Sequence[Point]:
        b = self.brain.business
        und = understanding(self.brain, said, self.card)
        snap = Snapshot(
            business=b.slug,
            conversation_id="testing",
            channel=self.channel,  # type: ignore[arg-type]
            state=self.state,
            customer_known=self.known,
        )
        points: list[Point] = []
        results: list[ActionResult] = []
        seen = (0, 0, 0)
        try:
            decision = decide(self.brain, snap, und, self.now, ())
            while True:
                seen = _progress(self.brain, decision, seen, points)
                call = decision.pending
                if call is None:
                    break
                if len(results) >= MAX_ACTIONS_PER_TURN:
                    points.append(
                        Cycle(
                            f"the turn plans more than {MAX_ACTIONS_PER_TURN} actions (the most "
                            "one turn may run): "
                            + ", ".join(f"{r.name} {'ok' if r.ok else 'failed'}" for r in results)
                            + f", then {call.name} again"
                        )
                    )
                    return points
                result = action_result(
                    self.brain, call, outcome(call.name), self.now, frozenset(self.taken)
                )
                if not result.ok and call.name in ("book", "reschedule"):
                    self.taken.add(call.args.get("start", ""))
                active = decision.state.active
                points.append(
                    Acted(
                        card=active.card if active else "",
                        action=call.name,
                        ok=result.ok,
                        fields=dict(active.fields) if active else {},
                        facts=dict(decision.facts),
                    )
                )
                results.append(result)
                decision = decide(self.brain, snap, und, self.now, tuple(results))
        except RuleCycle as err:
            points.append(Cycle(str(err)))
            return points
        active = decision.state.active
        points.append(
            Settled(
                card=active.card if active else "",
                fields=dict(active.fields) if active else {},
                facts=dict(decision.facts),
            )
        )
        self.state = decision.state
        self.now += timedelta(seconds=20)
        return points


def _progress(
    brain: Brain, decision: Decision, seen: tuple[int, int, int], points: list[Point]
) -> tuple[int, int, int]:
    """Append what this call of ``decide`` did beyond the previous one (each call replays
    the same turn up to its pending action, so the earlier records are a prefix)."""
    switches, moves, firings = seen
    # every topic start comes before the card rules run; only a resume comes later,
    # and a resume starts nothing anew, so its place does not change any check
    points += [Started(s.target, s.kind) for s in decision.switches[switches:]]
    points += [
        Moved(t.card, t.source, t.event, t.target, t.refused, t.rule)
        for t in decision.transitions[moves:]
    ]
    for fr in decision.firings[firings:]:  # what each rule put in the reply
        rule = brain.rules_by_name.get(fr.rule)
        if rule is None:
            continue
        card = (
            rule.source.removeprefix("card:")
            if rule.source.startswith("card:")
            else str(fr.matched.get("machine.card") or "")
        )
        points += [
            Spoke(card, rule.name, c.kind, c.arg)
            for c, text in zip(rule.then, fr.then, strict=True)
            if isinstance(c, Say) and not text.endswith("(superseded)")
        ]
    return len(decision.switches), len(decision.transitions), len(decision.firings)


# ---------------------------------------------------------------------- the public helpers


def card_machine(brain: Brain, card: str) -> type[RuleBasedStateMachine]:
    """A Hypothesis state machine holding conversations about ``card`` with ``brain``'s
    business through the real ``decide``; its ``TestCase`` runs under pytest."""
    if card not in brain.topics:
        raise ValueError(
            f"business '{brain.business.slug}' does not use card '{card}' "
            f"(it uses {', '.join(sorted(brain.topics))})"
        )
    machines = {cid: t.machine for cid, t in brain.topics.items()}
    others = sorted(cid for cid in brain.topics if cid != card)
    return card_state_machine(
        card, machines, lambda world: DecideDriver(brain, card, world), topics=others
    )


Paths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def card_test(
    business: str | os.PathLike[str],
    card: str,
    *,
    cards: Paths = (),
    env: Mapping[str, str] | None = None,
    max_examples: int = 100,
    steps: int = 30,
) -> type[unittest.TestCase]:
    """A test case for ``card`` in the business of file ``business``.

    ``cards`` are card files or folders besides the bundled ones; a card the business
    does not list among its topics is added to them. ``env`` fills the business file's
    ``${VARIABLES}``. Each example is a conversation of up to ``steps`` turns.
    """
    templates = bundled_cards()
    folders = [cards] if isinstance(cards, str | os.PathLike) else list(cards)
    if folders:
        templates |= load_cards(folders)
    b = load_business(Path(business), env or {})
    if card not in {use.card for use in b.topics}:
        if card not in templates:
            raise ValueError(f"no card '{card}' among the bundled cards or in {folders}")
        b = b.model_copy(update={"topics": (*b.topics, TopicUse(card=card))})
    test: type[unittest.TestCase] = card_machine(Brain.build(b, templates), card).TestCase
    test.settings = machine_settings(max_examples, steps)  # type: ignore[attr-defined]
    return test


def machine_settings(max_examples: int = 100, steps: int = 30, **kw: object) -> settings:
    """Settings for a card's state machine: no deadline (a turn may run several actions),
    and no "explain" phase, which re-runs a shrunk failure hundreds of times over and
    takes minutes for what the conversation in the message already shows."""
    return settings(
        max_examples=max_examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        **kw,  # type: ignore[arg-type]
    )


__all__ = [
    "DecideDriver",
    "action_result",
    "card_machine",
    "card_test",
    "catalog_of",
    "machine_settings",
    "moment",
    "phones",
    "understanding",
]
