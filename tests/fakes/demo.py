"""The three demo businesses, compiled once per test session with the bundled cards."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from adapters.business_files import load_businesses
from engine.brain import Brain
from machines.loader import bundled_cards

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "businesses"


@cache
def demo_brains() -> dict[str, Brain]:
    cards = bundled_cards()
    return {slug: Brain.build(b, cards) for slug, b in load_businesses(EXAMPLES, {}).items()}


__all__ = ["EXAMPLES", "demo_brains"]
