"""The audit record of a turn, its hash chain, and deterministic replay.

A :class:`TurnRecord` holds everything needed to explain and to re-run a decision: the
inbound event, the snapshot and understanding that went in, the action results that came
back, and the decision that came out. Records of one conversation form a hash chain.
Replay runs ``decide`` again on the recorded inputs — with the current brain or a changed
one — and lists every turn whose decision differs. With a changed brain (other cards, other
business facts and policies) that is a what-if: each turn is decided again from what was
recorded before it, and its differences are worded for an owner (:class:`Change`:
``+ rule changes.late_fee_notice``, ``+ reply late_fee (fee $25, hours 48)``). Recorded
action results are reused, never re-run: where the changed rules plan an action that was not
recorded, the replay stops there and says which action would have run.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from language.types import ModelCall, PlanItem, Rendered, ReplyPlan, Understanding
from rules.errors import FrontdeskError

from .brain import Brain
from .decide import decide
from .ports import InboundEvent, StoredTurn
from .state import (
    ActionCall,
    ActionResult,
    ConversationState,
    Decision,
    Snapshot,
    TransitionRecord,
)
from .turn import ReplayMismatch


class TurnRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 2  # 1: the hash covers the whole record; 2: personal parts by digest
    salt: str = ""  # version 2: hides the personal digest (erased with the personal parts)
    seq: int
    business: str
    conversation_id: str
    event: InboundEvent
    now: datetime
    snapshot: Snapshot
    understanding: Understanding
    results: tuple[ActionResult, ...]
    decision: Decision | None
    reply: Rendered
    error: str = ""

    @property
    def model_calls(self) -> tuple[ModelCall, ...]:
        """The turn's language-model calls (understanding, then wording) as recorded:
        backend, model, prompt hash, raw output, tokens, latency, outcome. Replay reads
        them; it never calls a model."""
        return self.understanding.model_calls + self.reply.model_calls


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """A version-1 record's hash: the previous hash and the whole record."""
    return hashlib.sha256((prev_hash + canonical(record)).encode()).hexdigest()


KEPT = ("version", "seq", "business", "conversation_id", "now")
"""What a record keeps when it is erased (nothing personal): its place in the chain."""

VERSIONS = (1, 2)
ERASED = "erased"  # a tombstone's key: the digest of the personal parts it replaced


def personal_digest(record: Mapping[str, Any]) -> str:
    """The salted digest of a version-2 record's personal parts: everything but
    :data:`KEPT` and the salt. An erased record keeps this digest and loses the salt, so
    the digest cannot confirm a guess at what was erased."""
    if ERASED in record:
        return str(record[ERASED])
    personal = {k: v for k, v in record.items() if k not in KEPT and k != "salt"}
    salt = str(record.get("salt", ""))
    return hashlib.sha256((salt + canonical(personal)).encode()).hexdigest()


def record_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """A record's chain hash. Version 2 (every new turn): the previous hash, the kept
    parts and the personal digest, so an erased record still verifies. Version 1 (older
    turns, and any record without a version): :func:`chain_hash` over the whole record."""
    if record.get("version", 1) == 1:
        return chain_hash(prev_hash, record)
    kept = {k: record.get(k) for k in KEPT}
    return chain_hash(prev_hash, {**kept, "personal": personal_digest(record)})


def is_erased(record: Mapping[str, Any]) -> bool:
    return ERASED in record


def tombstone(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with its personal parts erased: the kept parts and, for version 2, the
    digest of what was removed (its hash still verifies). A version-1 record's hash covered
    its whole content: its tombstone keeps ``erased: ""``, and only its links are checked.
    Erasing a tombstone changes nothing."""
    if is_erased(record):
        return dict(record)
    kept = {k: record[k] for k in KEPT if k in record}
    digest = personal_digest(record) if record.get("version", 1) != 1 else ""
    return {**kept, ERASED: digest}


@dataclass(frozen=True)
class ChainProblem:
    conversation_id: str
    seq: int
    message: str


@dataclass(frozen=True)
class ChainReport:
    """What :func:`check_chain` found: the problems, and how many records are erased
    (``erased``; of which ``links_only`` are version-1 tombstones whose content no longer
    has a hash to check: "erased, link checked")."""

    problems: tuple[ChainProblem, ...]
    records: int
    erased: int
    links_only: int


def check_chain(turns: Sequence[StoredTurn]) -> ChainReport:
    """Every record's hash must cover its content (for an erased record: its kept parts
    and the digest of what was erased) and the previous record's hash."""
    problems: list[ChainProblem] = []
    prev = ""
    erased = links_only = newest = 0
    for i, t in enumerate(sorted(turns, key=lambda t: t.seq)):
        if t.seq != i + 1:
            problems.append(ChainProblem(t.conversation_id, t.seq, f"expected seq {i + 1}"))
        if t.prev_hash != prev:
            problems.append(ChainProblem(t.conversation_id, t.seq, "broken link to previous"))
        version = t.record.get("version", 1)
        if version not in VERSIONS or version < newest:  # a record is never older than the last
            problems.append(ChainProblem(t.conversation_id, t.seq, f"bad version {version!r}"))
        elif version > newest:
            newest = version
        gone = is_erased(t.record)
        erased += gone
        if gone and version == 1 and t.record[ERASED] == "":
            links_only += 1  # its hash covered what is gone: only its links can be checked
        elif record_hash(t.prev_hash, t.record) != t.hash:
            problems.append(ChainProblem(t.conversation_id, t.seq, "content does not match hash"))
        prev = t.hash
    return ChainReport(tuple(problems), len(turns), erased, links_only)


def verify_chain(turns: Sequence[StoredTurn]) -> list[ChainProblem]:
    """The problems of :func:`check_chain` (none: the chain verifies)."""
    return list(check_chain(turns).problems)


@dataclass(frozen=True)
class Change:
    """One way a replayed decision differs from the recorded one, worded for an owner.

    ``sign`` is ``+`` (only the replayed decision has it), ``-`` (only the recorded one
    has it) or ``~`` (both have it, changed); ``part`` says what it is: ``rule``,
    ``transition``, ``topic``, ``action``, ``would run action``, ``escalation``, ``reply``,
    ``state``, ``decision``.
    """

    sign: Literal["+", "-", "~"]
    part: str
    what: str

    def __str__(self) -> str:
        return f"{self.sign} {self.part} {self.what}"

    def to_dict(self) -> dict[str, str]:
        return {"sign": self.sign, "part": self.part, "what": self.what, "text": str(self)}


@dataclass(frozen=True)
class Difference:
    conversation_id: str
    seq: int
    text: str  # the customer's message
    changes: tuple[Change, ...]  # which parts of the decision differ, and how
    business: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "business": self.business,
            "seq": self.seq,
            "text": self.text,
            "changes": [c.to_dict() for c in self.changes],
        }


def _only_in(a: Sequence[Any], b: Sequence[Any]) -> list[Any]:
    """The items of ``a`` that ``b`` lacks, counting repeats, in ``a``'s order."""
    extra = Counter(a) - Counter(b)
    out = []
    for x in a:
        if extra[x] > 0:
            out.append(x)
            extra[x] -= 1
    return out


def _both_ways(
    part: str, recorded: Sequence[Any], replayed: Sequence[Any], show: Callable[[Any], str] = str
) -> list[Change]:
    return [Change("-", part, show(x)) for x in _only_in(recorded, replayed)] + [
        Change("+", part, show(x)) for x in _only_in(replayed, recorded)
    ]


def _rule(decision: Decision) -> Callable[[str], str]:
    """A rule's name, marked when none of its consequences took effect in ``decision``."""
    idle = {
        f.rule
        for f in decision.firings
        if f.then and all(t.endswith("(superseded)") for t in f.then)
    }
    return lambda name: name + (" (superseded: no effect)" if name in idle else "")


def _transition(t: TransitionRecord) -> tuple[str, str, str, str, bool]:
    return (t.card, t.source, t.event, t.target, t.refused)


def _show_transition(t: tuple[str, str, str, str, bool]) -> str:
    card, source, event, target, refused = t
    return f"{card}: {source} --{event}--> {target}" + (" (refused)" if refused else "")


def _call(a: ActionCall) -> tuple[str, tuple[tuple[str, str], ...]]:
    return (a.name, tuple(sorted(a.args.items())))


def _show_call(c: tuple[str, tuple[tuple[str, str], ...]]) -> str:
    name, args = c
    return f"{name}({', '.join(f'{k}={v}' for k, v in args if v)})"


def _item(i: PlanItem) -> str:
    data = ", ".join(f"{k} {v}" for k, v in sorted(i.data.items()))
    slots = f"{len(i.slots)} slots" if i.slots else ""
    inside = ", ".join(x for x in (data, slots) if x)
    return i.kind + (f" ({inside})" if inside else "")


def _plan_changes(a: ReplyPlan, b: ReplyPlan) -> list[Change]:
    ka, kb = [i.kind for i in a.items], [i.kind for i in b.items]
    out: list[Change] = []
    if Counter(ka) != Counter(kb):
        out += [
            Change("-", "reply", _item(next(i for i in a.items if i.kind == k)))
            for k in _only_in(ka, kb)
        ]
        out += [
            Change("+", "reply", _item(next(i for i in b.items if i.kind == k)))
            for k in _only_in(kb, ka)
        ]
    elif ka != kb:
        out.append(Change("~", "reply", f"order {', '.join(ka)} -> {', '.join(kb)}"))
    else:
        for x, y in zip(a.items, b.items, strict=True):
            if x == y:
                continue
            keys = sorted(set(x.data) | set(y.data))
            what = [
                f"{k} {x.data.get(k, '-')} -> {y.data.get(k, '-')}"
                for k in keys
                if x.data.get(k) != y.data.get(k)
            ]
            if x.slots != y.slots:
                what.append("other slots")
            out.append(Change("~", "reply", f"{x.kind}: {'; '.join(what)}"))
    if a.options != b.options:
        out.append(Change("~", "reply", f"options {list(a.options)} -> {list(b.options)}"))
    if a.end_conversation != b.end_conversation:
        out.append(Change("+" if b.end_conversation else "-", "reply", "ends the conversation"))
    return out


def _where(s: ConversationState) -> str:
    return f"{s.active.card}/{s.active.state}" if s.active else "no topic"


def _state_changes(a: ConversationState, b: ConversationState) -> list[Change]:
    out: list[Change] = []
    if _where(a) != _where(b):
        out.append(Change("~", "state", f"after the turn: {_where(b)} instead of {_where(a)}"))
    if a.active and b.active and a.active.card == b.active.card:
        fa, fb = a.active.fields, b.active.fields
        for k in sorted(set(fa) | set(fb)):
            if k not in fa:
                out.append(Change("+", "state", f"field {k} = {fb[k]}"))
            elif k not in fb:
                out.append(Change("-", "state", f"field {k} = {fa[k]}"))
            elif fa[k] != fb[k]:
                out.append(Change("~", "state", f"field {k}: {fa[k]} -> {fb[k]}"))
    if a.ended != b.ended:
        out.append(Change("+" if b.ended else "-", "state", "the conversation ends"))
    if [s.card for s in a.suspended] != [s.card for s in b.suspended]:
        out.append(
            Change(
                "~",
                "state",
                f"waiting topics: {[s.card for s in b.suspended]} "
                f"instead of {[s.card for s in a.suspended]}",
            )
        )
    if not out:
        da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
        out += [Change("~", "state", f"{k} differs") for k in sorted(da) if da[k] != db.get(k)]
    return out


def _diff(recorded: Decision, replayed: Decision) -> tuple[Change, ...]:
    """What differs between two decisions of one turn, in the order an owner reads a turn:
    topic, rules, transitions, actions, escalations, reply, resulting state."""
    a, b = recorded, replayed
    out: list[Change] = []
    out += _both_ways(
        "topic",
        [f"{s.source or '-'} -> {s.target} ({s.kind})" for s in a.switches],
        [f"{s.source or '-'} -> {s.target} ({s.kind})" for s in b.switches],
    )
    ra, rb = [f.rule for f in a.firings], [f.rule for f in b.firings]
    out += [Change("-", "rule", _rule(a)(r)) for r in _only_in(ra, rb)] + [
        Change("+", "rule", _rule(b)(r)) for r in _only_in(rb, ra)
    ]
    if Counter(ra) == Counter(rb) and ra != rb:
        out.append(Change("~", "rule", "the same rules fire in another order"))
    out += _both_ways(
        "transition",
        [_transition(t) for t in a.transitions],
        [_transition(t) for t in b.transitions],
        _show_transition,
    )
    unrecorded = b.pending is not None and b.pending != a.pending
    planned = [_call(x) for x in b.actions]
    if unrecorded:
        assert b.pending is not None
        planned.remove(_call(b.pending))  # said below, as the action the replay cannot run
    out += _both_ways("action", [_call(x) for x in a.actions], planned, _show_call)
    if unrecorded:
        assert b.pending is not None
        out.append(
            Change(
                "+",
                "would run action",
                f"{_show_call(_call(b.pending))} (not recorded: the rest of the turn is unknown)",
            )
        )
    out += _both_ways("escalation", list(a.escalations), list(b.escalations), repr)
    if not unrecorded:  # a turn cut short has no final reply or state to compare
        out += _plan_changes(a.plan, b.plan)
        out += _state_changes(a.state, b.state)
    if not out:  # nothing an owner reads differs, yet the decision does: say so, never hide it
        da, db = a.digest(), b.digest()
        out += [Change("~", "decision", f"{k} differs") for k in sorted(da) if da[k] != db[k]]
    return tuple(out)


def _unreplayable(brain: Brain, record: TurnRecord) -> str:
    """Why the recorded turn cannot be decided again by ``brain`` ("" when it can)."""
    state = record.snapshot.state
    for topic in ([state.active] if state.active else []) + list(state.suspended):
        compiled = brain.topics.get(topic.card)
        if compiled is None:
            return f"the conversation was in card '{topic.card}', which the business no longer uses"
        if topic.state not in compiled.machine.states:
            return f"card '{topic.card}' has no step '{topic.state}' any more"
    return ""


def _decide_again(brain: Brain, record: TurnRecord) -> Decision:
    """Decide the turn again with as many recorded action results as still answer it: where
    the replayed rules plan an action other than the recorded one, decide stops there and
    returns that action as ``pending``, unrun."""
    results = record.results
    for k in range(len(results), -1, -1):
        try:
            return decide(brain, record.snapshot, record.understanding, record.now, results[:k])
        except ReplayMismatch:
            continue
    raise AssertionError("unreachable: without results no recorded action can mismatch")


def replay_turn(brain: Brain, record: TurnRecord) -> tuple[Change, ...]:
    """Re-run one recorded decision; the list of differences (empty when identical).

    The turn gets its recorded snapshot, understanding, clock and action results, and
    ``brain``'s cards, rules and business facts: a what-if never re-runs an action.
    """
    if record.decision is None:
        return ()
    why = _unreplayable(brain, record)
    if why:
        return (Change("~", "decision", f"cannot be replayed: {why}"),)
    try:
        again = _decide_again(brain, record)
    except FrontdeskError as e:  # e.g. changed rules that never reach a fixpoint
        return (Change("~", "decision", f"cannot be made: {e}"),)
    if again.digest() == record.decision.digest():
        return ()
    return _diff(record.decision, again)


def replay(
    brains: Mapping[str, Brain], turns: Sequence[StoredTurn]
) -> tuple[int, list[Difference]]:
    """Replay stored turns; returns (turns replayed, differences).

    Each turn is decided again from what was recorded before it, so a what-if shows, turn
    by turn, what the desk would have decided differently — not what the customer would
    have said next. Turns of a business not in ``brains`` are skipped (not counted).
    """
    count = 0
    diffs: list[Difference] = []
    for t in turns:
        if is_erased(t.record):  # nothing left to decide again
            continue
        record = TurnRecord.model_validate(t.record)
        brain = brains.get(record.business)
        if brain is None:
            continue
        count += 1
        changes = replay_turn(brain, record)
        if changes:
            diffs.append(
                Difference(
                    t.conversation_id,
                    t.seq,
                    record.event.text[:80],
                    changes,
                    business=record.business,
                )
            )
    return count, diffs


__all__ = [
    "ERASED",
    "KEPT",
    "Change",
    "ChainProblem",
    "ChainReport",
    "Difference",
    "TurnRecord",
    "chain_hash",
    "canonical",
    "check_chain",
    "is_erased",
    "personal_digest",
    "record_hash",
    "tombstone",
    "replay",
    "replay_turn",
    "verify_chain",
]
