"""Invariants every recorded conversation must satisfy, read from the audit alone.

Shared by the property tests and the prompt-injection tests. Each check returns a list of
problems (empty when the conversation is sound) so a failing example says what broke, in
which turn. They read only the stored :class:`~engine.audit.TurnRecord` JSON, the store's
rows and the compiled brains — the same evidence an auditor has.

Where a check needs the conversation *at the moment an action was planned* (which topic
was active, with which fields), it asks ``decide`` itself: called with the turn's recorded
inputs and only the results that came before the action, the pure core stops at that
action again and returns the state it planned it from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from engine.audit import TurnRecord, replay, verify_chain
from engine.brain import Brain
from engine.decide import decide
from engine.ports import Appointment, StoredTurn
from engine.state import ActionCall, ActionResult, TopicSwitch, TransitionRecord
from machines.registry import DEFAULT_ACTIONS

CLAIMS = {
    "booked": "book",
    "rescheduled": "reschedule",
    "cancelled": "cancel",
    "message_taken": "take_message",
}
SIDE_EFFECTS = frozenset(CLAIMS.values())
_STARTS = ("new", "switch", "restart")  # switches that begin a new topic instance


def records(turns: Iterable[StoredTurn]) -> list[TurnRecord]:
    return [TurnRecord.model_validate(t.record) for t in sorted(turns, key=lambda t: t.seq)]


def calls_and_results(record: TurnRecord) -> list[tuple[ActionCall, ActionResult]]:
    """Each result of a turn with the call it answered (decide plans them in order)."""
    assert record.decision is not None
    return list(zip(record.decision.actions, record.results, strict=True))


def _log(
    switches: Sequence[TopicSwitch], transitions: Sequence[TransitionRecord]
) -> list[tuple[str, ...]]:
    """A turn's topic starts and machine moves, in the order decide made them (a topic
    starts before its card's rules run; a resumed topic goes on where it was)."""
    out: list[tuple[str, ...]] = [("start", s.target) for s in switches if s.kind in _STARTS]
    out += [("move", t.card, t.event, "refused" if t.refused else "") for t in transitions]
    return out


def _confirmed(log: Sequence[tuple[str, ...]], card: str) -> str:
    """ "" when the latest decisive answer of this topic instance was a yes; else why not."""
    for entry in reversed(log):
        if entry[0] == "start" and entry[1] == card:
            return "no confirm since the topic started"
        if entry[0] == "move" and entry[1] == card and not entry[3]:
            event = entry[2]
            if event == "confirm":
                return ""
            if event == "deny" or event.startswith("correct_"):
                return f"'{event}' came after the last confirm"
    return "no confirm at all"


def check_actions(brains: Mapping[str, Brain], recs: Sequence[TurnRecord]) -> list[str]:
    """Side effects ran with their fields, and only after a yes where the card wants one.

    Every side-effecting call must follow a yes (when its card says ``confirm_before``);
    every one must have had the fields its action needs.
    """
    problems: list[str] = []
    log: list[tuple[str, ...]] = []
    for rec in recs:
        d = rec.decision
        if d is None:
            continue
        brain = brains[rec.business]
        if len(d.actions) != len(rec.results) or d.pending is not None:
            problems.append(
                f"turn {rec.seq}: {len(d.actions)} actions planned, "
                f"{len(rec.results)} results, pending {d.pending}"
            )
            continue
        for i, (call, result) in enumerate(calls_and_results(rec)):
            if result.name != call.name or result.key != call.key:
                problems.append(
                    f"turn {rec.seq}: result {i} answers {result.name}, not {call.name}"
                )
            if call.name not in SIDE_EFFECTS:
                continue
            at = decide(brain, rec.snapshot, rec.understanding, rec.now, rec.results[:i])
            if at.pending != call or at.state.active is None:
                problems.append(f"turn {rec.seq}: {call.name} is not re-planned at its place")
                continue
            active = at.state.active
            missing = [n for n in DEFAULT_ACTIONS[call.name].needs if not active.fields.get(n)]
            if missing:
                problems.append(
                    f"turn {rec.seq}: {call.name} ran in '{active.card}' without "
                    f"{missing} (fields {active.fields})"
                )
            card = brain.topics[active.card].card
            if call.name in card.confirm_before:
                why = _confirmed(log + _log(at.switches, at.transitions), active.card)
                if why:
                    problems.append(f"turn {rec.seq}: {call.name} in '{active.card}': {why}")
        log += _log(d.switches, d.transitions)
    return problems


def check_claims(
    recs: Sequence[TurnRecord], appointments: Sequence[Appointment], seeded: Iterable[str] = ()
) -> list[str]:
    """No reply claims a change that no action committed; every row has its action."""
    problems: list[str] = []
    done: list[tuple[int, ActionCall, ActionResult]] = []
    for rec in recs:
        if rec.decision is None:
            continue
        ok = [(c, r) for c, r in calls_and_results(rec) if r.ok]
        done += [(rec.seq, c, r) for c, r in ok]
        for item in rec.decision.plan.items:
            action = CLAIMS.get(item.kind)
            if action and not any(c.name == action for c, _ in ok):
                problems.append(
                    f"turn {rec.seq}: the reply says '{item.kind}' but no {action} "
                    f"succeeded (results {[r.name for r in rec.results]})"
                )
    seeded = set(seeded)
    rows: dict[str, Appointment] = {a.id: a for a in appointments}
    for appt in appointments:
        mine = [(c, r) for _, c, r in done if r.data.get("appointment_id") == appt.id]
        if appt.id not in seeded and not any(c.name == "book" for c, _ in mine):
            problems.append(f"appointment {appt.id} has no successful book in the audit")
        if appt.status == "cancelled" and not any(c.name == "cancel" for c, _ in mine):
            problems.append(f"appointment {appt.id} is cancelled without a cancel in the audit")
        moves = [c for c, _ in mine if c.name in ("book", "reschedule")]
        if moves and moves[-1].args.get("start"):
            want = moves[-1].args["start"]
            if appt.start.isoformat() != _utc_iso(want):
                problems.append(
                    f"appointment {appt.id} starts {appt.start.isoformat()}, the "
                    f"last {moves[-1].name} said {want}"
                )
    for i, (seq, call, result) in enumerate(done):
        if call.name not in ("book", "reschedule", "cancel"):
            continue
        appt_id = str(result.data.get("appointment_id", ""))
        row = rows.get(appt_id)
        if row is None:
            problems.append(f"turn {seq}: {call.name} succeeded with no appointment row")
            continue
        cancels = [
            j
            for j, (_, c, r) in enumerate(done)
            if c.name == "cancel" and r.data.get("appointment_id") == appt_id
        ]
        if call.name != "cancel" and row.status != "booked" and not any(j > i for j in cancels):
            problems.append(
                f"turn {seq}: {call.name} succeeded but appointment {appt_id} is {row.status}"
            )
    return problems


def _utc_iso(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()


def check_machines(brains: Mapping[str, Brain], recs: Sequence[TurnRecord]) -> list[str]:
    """Every recorded move is one the card's compiled machine allows; refusals move nothing."""
    problems: list[str] = []
    for rec in recs:
        d = rec.decision
        if d is None:
            continue
        topics = brains[rec.business].topics
        last: dict[str, str] = {}
        for t in d.transitions:
            machine = topics[t.card].machine
            table = {(x.source, x.event): x.target for x in machine.transitions}
            if t.source not in machine.states or t.target not in machine.states:
                problems.append(
                    f"turn {rec.seq}: {t.card} {t.source}->{t.target} leaves the machine's states"
                )
            if t.refused and (t.target != t.source or (t.source, t.event) in table):
                problems.append(
                    f"turn {rec.seq}: refused {t.card} {t.source}-{t.event} "
                    f"recorded as going to {t.target}"
                )
            if not t.refused and table.get((t.source, t.event)) != t.target:
                problems.append(
                    f"turn {rec.seq}: {t.card} {t.source}-{t.event}->{t.target} is "
                    "not a transition of the machine"
                )
            if t.card in last and last[t.card] != t.source:
                problems.append(
                    f"turn {rec.seq}: {t.card} moved from {t.source} but was in {last[t.card]}"
                )
            last[t.card] = t.target
        for topic in (d.state.active, *d.state.suspended):
            if topic is not None and topic.state not in topics[topic.card].machine.states:
                problems.append(
                    f"turn {rec.seq}: topic {topic.card} in unknown state {topic.state}"
                )
    return problems


def check_turns(recs: Sequence[TurnRecord]) -> list[str]:
    """No internal error reached a customer; every turn answered."""
    return [
        f"turn {r.seq}: error {r.error!r}, reply {r.reply.text!r}"
        for r in recs
        if r.error or not r.reply.text.strip() or r.decision is None
    ]


def check_audit(brains: Mapping[str, Brain], turns: Sequence[StoredTurn]) -> list[str]:
    """The hash chain verifies and replay reproduces every decision."""
    problems = [f"chain: seq {p.seq}: {p.message}" for p in verify_chain(turns)]
    count, diffs = replay(brains, turns)
    if count != len(turns):
        problems.append(f"replayed {count} of {len(turns)} turns")
    problems += [f"replay: turn {d.seq} ({d.text!r}): {list(d.lines)}" for d in diffs]
    return problems


def check_all(
    brains: Mapping[str, Brain],
    turns: Sequence[StoredTurn],
    appointments: Sequence[Appointment],
    seeded: Iterable[str] = (),
) -> list[str]:
    recs = records(turns)
    errors = check_turns(recs)
    if errors:  # the rest assumes every turn has a decision
        return errors
    return (
        check_actions(brains, recs)
        + check_claims(recs, appointments, seeded)
        + check_machines(brains, recs)
        + check_audit(brains, turns)
    )


__all__ = [
    "CLAIMS",
    "SIDE_EFFECTS",
    "check_actions",
    "check_all",
    "check_audit",
    "check_claims",
    "check_machines",
    "check_turns",
    "records",
]
