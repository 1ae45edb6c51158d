"""``machines.explore`` and the shortcuts of the explorer: skipping a field event that
would repeat a turn taken before, and taking a turn that starts like one taken before only
once, change how long verify takes, never what it finds — the same configurations, the
same violations with the same counterexamples."""

from __future__ import annotations

from pathlib import Path

import pytest

from machines.abstraction import build_model
from machines.card import Card
from machines.loader import bundled_cards, load_card_file
from machines.trace import format_counterexample
from machines.verify import Report, _Explorer, compile_subject

FULL = {"business.has_emergency": True, "business.has_human": True, "business.has_message": True}
BROKEN = Path(__file__).resolve().parents[1] / "cards" / "broken"
SMALL = ["cancel", "message", "emergency", "faq", "human"]
CASES = [(c, bundled_cards()[c]) for c in SMALL] + [
    (p.stem, load_card_file(p)) for p in sorted(BROKEN.glob("*.yaml"))
]


def _explore(card: Card, shortcuts: bool) -> tuple[Report, set[object]]:
    machine, engine, rulesets = compile_subject(card, backend="python")
    model = build_model(machine, engine, rulesets, FULL)
    model.shortcuts = shortcuts
    explorer = _Explorer(model, 50_000)
    return explorer.run(), set(explorer.parent)


@pytest.mark.parametrize(("name", "card"), CASES, ids=[n for n, _ in CASES])
def test_the_shortcuts_find_what_every_turn_finds(name: str, card: Card) -> None:
    fast, reached = _explore(card, True)
    slow, everything = _explore(card, False)
    assert reached == everything
    assert fast.transitions <= slow.transitions
    assert [
        (v.kind, v.message, format_counterexample(v.counterexample)) for v in fast.violations
    ] == [(v.kind, v.message, format_counterexample(v.counterexample)) for v in slow.violations]
