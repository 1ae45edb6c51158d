"""Benchmark: catalog matching and the whole offline extraction over the demo businesses.

    python -m bench.extract [--rounds N]

Catalogs come from the businesses' compiled brains (``Brain.services``/``Brain.staff``),
exactly as every turn sees them. Prints the mean µs per ``match_catalog`` call (services
and staff, expected and not) and per ``extract_all`` call, per business and overall.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TEXTS: dict[str, tuple[str, ...]] = {
    "en": (
        "I'd like to book a women's haircut for Saturday",
        "womens hiarcut please",
        "can I get a haircut with Sam tomorrow at 3?",
        "anyone is fine",
        "my water heater is leaking and there's no hot water",
        "the kitchen sink is clogged, can Mike come out?",
        "I need a cleaning next Tuesday morning",
        "do you do massages?",
        "yes that works",
        "my name is Jane Doe, 503-555-0199",
    ),
    "de": (
        "Ich hätte gern eine Zahnreinigung am Montag",
        "Zahnreinigng bitte bei Frau Keller",
        "zwei Füllungen, egal wer",
        "Ich brauche eine Wurzelbehandlung, ich habe starke Zahnschmerzen",
        "einen Kontrolltermin bei Dr. Weber nächste Woche",
        "ja, das passt",
        "ich brauche eine Massage",
        "Mein Name ist Anna Schmidt, 0171 2345678",
    ),
}


def _per_call_us(fn: object, calls: list[tuple[object, ...]], rounds: int) -> float:
    assert callable(fn)
    for args in calls:  # warm-up: fill the caches every turn after the first sees
        fn(*args)
    t0 = time.perf_counter()
    for _ in range(rounds):
        for args in calls:
            fn(*args)
    return (time.perf_counter() - t0) / (rounds * len(calls)) * 1e6


def main(rounds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from adapters.settings import Settings
    from adapters.wiring import load_brains, repo_path
    from language.extract import extract_all, match_catalog
    from language.types import UnderstandContext

    brains = load_brains(Settings(businesses=repo_path("examples", "businesses")))
    print("| business        | match_catalog µs/call | extract_all µs/call |")
    print("|-----------------|----------------------:|--------------------:|")
    all_match: list[tuple[object, ...]] = []
    all_extract: list[tuple[object, ...]] = []
    for slug, brain in sorted(brains.items()):
        b = brain.business
        lang = b.languages[0]
        texts = TEXTS["de" if lang == "de" else "en"]
        match_calls: list[tuple[object, ...]] = [
            (text, items, kind, expected)
            for text in texts
            for items, kind in ((brain.services, "service"), (brain.staff, "staff"))
            for expected in (False, True)
        ]
        now = datetime(2025, 3, 12, 10, 0, tzinfo=ZoneInfo(b.timezone))
        extract_calls: list[tuple[object, ...]] = []
        for text in texts:
            for expected_type in (None, "service", "staff"):
                context = UnderstandContext(
                    now=now, timezone=b.timezone, languages=tuple(b.languages),
                    phone_region=b.phone_region, services=brain.services, staff=brain.staff,
                    expected_type=expected_type,
                )
                extract_calls.append((text, context, lang))
        all_match += match_calls
        all_extract += extract_calls
        m = _per_call_us(match_catalog, match_calls, rounds)
        e = _per_call_us(extract_all, extract_calls, rounds)
        print(f"| {slug:<15} | {m:>21.1f} | {e:>19.1f} |")
    m = _per_call_us(match_catalog, all_match, rounds)
    e = _per_call_us(extract_all, all_extract, rounds)
    print(f"| {'all':<15} | {m:>21.1f} | {e:>19.1f} |")
    print(f"\n{len(all_match)} match_catalog and {len(all_extract)} extract_all calls x "
          f"{rounds} rounds; python {sys.version.split()[0]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    main(parser.parse_args().rounds)
