"""Mutation testing ``frontdesk verify``: how many careless cards does it catch?

Mutants of the bundled cards and of every card a demo business overrides
(``contrib.testing.mutants``) are loaded and model-checked one by one; each is refused at
load, killed (a violation, shown with its shortest counterexample with ``--killed``) or
survives. A survivor that is not in the reviewed list of equivalent mutants
(``tests/contrib/equivalent_mutants.yaml``) is a hole in the checker and is listed.
Run with ``python -m bench.verify [--killed] [--only SUBSTRING]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from adapters.business_files import load_businesses
from contrib.testing.mutants import Mutant, Verdict, judge, mutants
from machines.card import Card
from machines.loader import apply_override, bundled_cards
from machines.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "tests" / "contrib" / "equivalent_mutants.yaml"


def subjects() -> list[tuple[str, Card]]:
    """The bundled cards, then each card a demo business overrides, by name."""
    cards = bundled_cards()
    out = sorted(cards.items())
    for slug, business in sorted(load_businesses(ROOT / "examples" / "businesses", {}).items()):
        for use in business.topics:
            if use.override:
                card = apply_override(cards[use.card], use.override, {}, source=slug)
                out.append((f"{slug}/{use.card}", card))
    return out


def all_mutants() -> list[Mutant]:
    return [m for name, card in subjects() for m in mutants(name, card)]


def equivalent() -> dict[str, str]:
    """The reviewed equivalent mutants: id -> why the change is harmless."""
    if not EQUIVALENT.exists():
        return {}
    data, _ = load_yaml(EQUIVALENT.read_text(encoding="utf-8"), str(EQUIVALENT))
    return {str(k): str(v) for k, v in (data or {}).items()}


def run(only: str = "") -> tuple[list[tuple[Verdict, float]], float]:
    start = time.perf_counter()
    out = []
    for mutant in all_mutants():
        if only and only not in mutant.id:
            continue
        t = time.perf_counter()
        verdict = judge(mutant)
        out.append((verdict, time.perf_counter() - t))
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.verify", description=__doc__)
    p.add_argument("--killed", action="store_true", help="show each kill and its counterexample")
    p.add_argument("--survivors", action="store_true", help="list every survivor")
    p.add_argument("--only", default="", help="only mutants whose id contains this")
    p.add_argument("--json", metavar="PATH", help="write every verdict and its time there")
    args = p.parse_args(argv)
    results, seconds = run(args.only)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [
                    {
                        "id": v.mutant.id,
                        "outcome": v.outcome,
                        "detail": v.detail,
                        "counterexample": v.counterexample,
                        "states": v.states,
                        "seconds": round(s, 3),
                    }
                    for v, s in results
                ],
                indent=1,
            ),
            encoding="utf-8",
        )
    reviewed = equivalent()
    counts = {"refused": 0, "killed": 0, "survived": 0}
    holes = []
    for verdict, _ in results:
        counts[verdict.outcome] += 1
        if verdict.outcome == "survived" and verdict.mutant.id not in reviewed:
            holes.append(verdict)
        if args.killed and verdict.outcome == "killed":
            print(f"KILLED {verdict.mutant.id}: {verdict.detail}")
            print(verdict.counterexample)
        if args.survivors and verdict.outcome == "survived":
            why = reviewed.get(verdict.mutant.id, "NOT REVIEWED")
            print(f"SURVIVED {verdict.mutant.id}: {why}")
    slowest = max(results, key=lambda r: r[1], default=None)
    print(
        f"mutants {len(results)}  killed {counts['killed']}  refused {counts['refused']}  "
        f"survived {counts['survived']} (equivalent {counts['survived'] - len(holes)}, "
        f"not reviewed {len(holes)})  seconds {seconds:.1f}"
    )
    if slowest is not None:
        print(f"slowest mutant: {slowest[0].mutant.id} {slowest[1]:.2f} s")
    for verdict in holes:
        print(f"  survivor not in the reviewed list: {verdict.mutant.id}")
    return 1 if holes else 0


if __name__ == "__main__":
    sys.exit(main())
