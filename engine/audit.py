"""The audit record of a turn, its hash chain, and deterministic replay.

A :class:`TurnRecord` holds everything needed to explain and to re-run a decision: the
inbound event, the snapshot and understanding that went in, the action results that came
back, and the decision that came out. Records of one conversation form a hash chain.
Replay runs ``decide`` again on the recorded inputs — with the current brain or a changed
one — and lists every turn whose decision differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from language.types import Rendered, Understanding

from .brain import Brain
from .decide import decide
from .ports import InboundEvent, StoredTurn
from .state import ActionResult, Decision, Snapshot
from .turn import ReplayMismatch


class TurnRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
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


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(record)).encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    conversation_id: str
    seq: int
    message: str


def verify_chain(turns: Sequence[StoredTurn]) -> list[ChainProblem]:
    """Every record's hash must cover its content and the previous record's hash."""
    problems: list[ChainProblem] = []
    prev = ""
    for i, t in enumerate(sorted(turns, key=lambda t: t.seq)):
        if t.seq != i + 1:
            problems.append(ChainProblem(t.conversation_id, t.seq, f"expected seq {i + 1}"))
        if t.prev_hash != prev:
            problems.append(ChainProblem(t.conversation_id, t.seq, "broken link to previous"))
        if chain_hash(t.prev_hash, t.record) != t.hash:
            problems.append(ChainProblem(t.conversation_id, t.seq, "content does not match hash"))
        prev = t.hash
    return problems


@dataclass(frozen=True)
class Difference:
    conversation_id: str
    seq: int
    text: str  # the customer's message
    changes: tuple[str, ...]  # which parts of the decision differ, and how


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if key == "rules":
            gone = [r for r in a or [] if r not in (b or [])]
            new = [r for r in b or [] if r not in (a or [])]
            out.append(f"rules: -{gone} +{new}")
        elif key == "plan":
            ka = [i["kind"] for i in (a or {}).get("items", [])]
            kb = [i["kind"] for i in (b or {}).get("items", [])]
            out.append(f"reply plan: {ka} -> {kb}" if ka != kb else "reply plan details")
        elif key == "transitions":
            ta = [f"{t['source']}-{t['event']}->{t['target']}" for t in a or []]
            tb = [f"{t['source']}-{t['event']}->{t['target']}" for t in b or []]
            out.append(f"transitions: {ta} -> {tb}")
        elif key == "actions":
            out.append(f"actions: {[x['name'] for x in a or []]} -> {[x['name'] for x in b or []]}")
        else:
            out.append(f"{key} differs")
    return tuple(out)


def replay_turn(brain: Brain, record: TurnRecord) -> tuple[str, ...]:
    """Re-run one recorded decision; the list of differences (empty when identical)."""
    if record.decision is None:
        return ()
    try:
        again = decide(brain, record.snapshot, record.understanding, record.now, record.results)
    except ReplayMismatch as e:
        return (f"actions: {e}",)
    return _diff(record.decision.digest(), again.digest())


def replay(brains: Mapping[str, Brain], turns: Sequence[StoredTurn]) -> tuple[int, list[Difference]]:
    """Replay stored turns; returns (turns replayed, differences)."""
    count = 0
    diffs: list[Difference] = []
    for t in turns:
        record = TurnRecord.model_validate(t.record)
        brain = brains.get(record.business)
        if brain is None:
            continue
        count += 1
        changes = replay_turn(brain, record)
        if changes:
            diffs.append(Difference(t.conversation_id, t.seq, record.event.text[:80], changes))
    return count, diffs


__all__ = ["ChainProblem", "Difference", "TurnRecord", "chain_hash", "canonical", "replay",
           "replay_turn", "verify_chain"]
