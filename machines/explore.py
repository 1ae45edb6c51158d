"""Every turn a conversation can take from a configuration, simplest input first.

A turn's input is a field event (nothing, a value for a field, an unusable value, or the
topic resuming after a digression) combined with values of the free facts (signals, ...).
Not every combination is tried: a free fact that no rule able to match in a state the
turn passes through reads (and no invariant reads) cannot change what happens, so its
values are only tried where they can. The split is exact: every combination skipped
behaves like one tried. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import deque

from rules.ir import Scalar

from .abstract_turn import outcomes
from .abstraction import CONFIRM_ASKED, Config, Input, Model
from .trace import Outcome

_NO_INVALID = frozenset({"text", "address"})  # free text is never refused


def turns(model: Model, config: Config) -> list[Outcome]:
    """Every way a turn from ``config`` can go, simplest input first.

    Two kinds of field event leave the same turn as one tried before, and are skipped:
    a usable value for a field nothing reads (it only undoes a yes, as the first such
    value did), and an unusable value for a field some step collects, other than the one
    asked, when no turn of the first such value entered either field's step — the only
    places a rule reads the refusal.
    """
    events: list[tuple[str, bool, bool]] = [("", True, False)]
    events += [(name, True, False) for name in model.fields]
    events += [
        (name, False, False)
        for name in model.fields
        if model.card.field(name).type not in _NO_INVALID
    ]
    if not config.fresh:
        events.append(("", True, True))
    out: list[Outcome] = []
    unread = ""  # the first usable value for a field nothing reads
    elsewhere: tuple[str, set[str]] | None = None  # the first refusal of a field not asked
    for name, valid, resume in events:
        if model.shortcuts and name and name != config.asked and not resume:
            if valid and name in model.unread:
                if unread:
                    continue
                unread = name
            elif not valid and name in model.steps_of:
                if elsewhere is not None:
                    first, entered = elsewhere
                    if not entered & (model.steps_of[first] | model.steps_of[name]):
                        continue
                else:
                    runs = _split(model, config, name, valid, resume)
                    elsewhere = (name, {s for run in runs for s in run.entered})
                    out += runs
                    continue
        out += _split(model, config, name, valid, resume)
    return out


def _split(model: Model, config: Config, name: str, valid: bool, resume: bool) -> list[Outcome]:
    """The turns of one field event with every combination of free facts that matters,
    fewest facts set first (breadth first over the decisions)."""
    out: list[Outcome] = []
    queue: deque[tuple[dict[str, Scalar], frozenset[str]]] = deque([({}, frozenset())])
    while queue:
        chosen, settled = queue.popleft()
        facts = tuple((n, chosen[n]) for n, _ in model.domains if n in chosen) if chosen else ()
        runs = outcomes(model, config, Input(facts, name, valid, resume))
        out += runs
        matter = set(model.always)
        for run in runs:
            for state in run.entered:
                matter |= model.by_state.get(state, frozenset())
        if config.asked == CONFIRM_ASKED and not resume:
            matter |= {"signal.affirm", "signal.deny"}  # they answer the read-back
        for fact, values in model.domains:
            if fact not in matter or fact in chosen or fact in settled:
                continue
            default = _default(values)
            for value in values:
                if value is not None and value != default:
                    queue.append(({**chosen, fact: value}, settled))
            settled = settled | {fact}
    return out


def _default(values: tuple[Scalar | None, ...]) -> Scalar | None:
    if values[0] is None or values[0] is False:
        return values[0]
    return 0 if 0 in values else values[0]


__all__ = ["turns"]
