"""Benchmark: catalog matching and the whole offline extraction over the demo businesses.

    python -m bench.extract [--rounds N]

Catalogs come from the businesses' compiled brains (``Brain.services``/``Brain.staff``),
exactly as every turn sees them. Texts are hand-written turns plus turns generated from
every alias (as typed, with a typo, inside sentences). Each turn calls ``match_catalog``
twice (services, then staff) like ``extract_all`` does; ``extract_all`` gets sentences of
its own, so its catalog matching sees fresh texts too.

"fresh" times the first pass over texts never seen before (text-keyed caches are cold, as
for a real customer turn; catalog-keyed ones are warm after one unrelated warm-up turn);
"repeat" times further passes over the same texts. Figures are mean µs of CPU time per call
(process time, so other processes on a shared machine do not inflate them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("HF_HUB_OFFLINE", "1")

HAND: dict[str, tuple[str, ...]] = {
    "en": (
        "I'd like to book a women's haircut for Saturday",
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
WARM_UP = "hello there"


def _typo(word: str, at: int) -> str:
    """Swap two letters ("haircut" -> "hairuct"); ``at`` picks where."""
    if len(word) < 5:
        return word + word[-1]
    i = 1 + at % (len(word) - 3)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


FRAMES = {  # one set of sentences for match_catalog, another for extract_all
    ("en", 0): ("I'd like a {} on Tuesday", "{} with {}"),
    ("en", 1): ("Can I book {} for Friday morning?", "{}, and {} if possible"),
    ("de", 0): ("Ich hätte gern {} am Montag", "{} bei {}"),
    ("de", 1): ("Kann ich {} am Freitag früh bekommen?", "{}, am liebsten bei {}"),
}


def _texts(lang: str, aliases: list[str], staff: list[str], variant: int) -> list[str]:
    """Hand-written turns (first set only) and turns made from every alias."""
    lang = "de" if lang == "de" else "en"
    frame, with_ = FRAMES[lang, variant]
    out = list(HAND[lang]) if variant == 0 else []
    for i, alias in enumerate(aliases):
        out += [
            alias if variant == 0 else alias.upper(),
            _typo(alias, i + variant),
            frame.format(alias),
            with_.format(alias, staff[(i + variant) % len(staff)]),
        ]
    return list(dict.fromkeys(out))


def _each(fn: Callable[..., Any], calls: list[tuple[Any, ...]]) -> list[float]:
    """CPU µs of each call."""
    out = []
    for args in calls:
        t0 = time.process_time()
        fn(*args)
        out.append((time.process_time() - t0) * 1e6)
    return out


def main(rounds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from adapters.settings import Settings
    from adapters.wiring import load_brains, repo_path
    from language.extract import extract_all, match_catalog
    from language.types import FieldType, UnderstandContext

    brains = load_brains(Settings(businesses=repo_path("examples", "businesses")))
    print(
        "| business      | turns | match_catalog service | staff | both | both, repeat "
        "| extract_all | repeat |"
    )
    print(
        "|---------------|------:|----------------------:|------:|-----:|-------------:"
        "|------------:|-------:|"
    )
    every: dict[str, list[float]] = {}
    for slug, brain in sorted(brains.items()):
        b = brain.business
        lang = b.languages[0]
        aliases = [n for item in brain.services for n in item.names]
        staff = [m.name for m in b.staff]
        now = datetime(2025, 3, 12, 10, 0, tzinfo=ZoneInfo(b.timezone))
        expected_types: tuple[FieldType | None, ...] = (None, "service", "staff")

        def context(
            expected_type: FieldType | None, brain: Any = brain, b: Any = b, now: datetime = now
        ) -> UnderstandContext:
            return UnderstandContext(
                now=now,
                timezone=b.timezone,
                languages=tuple(b.languages),
                phone_region=b.phone_region,
                services=brain.services,
                staff=brain.staff,
                expected_type=expected_type,
            )

        services: list[tuple[Any, ...]] = []
        staffs: list[tuple[Any, ...]] = []
        for i, text in enumerate(_texts(lang, aliases, staff, 0)):
            expected = expected_types[i % 3]
            services.append((text, brain.services, "service", expected == "service"))
            staffs.append((text, brain.staff, "staff", expected == "staff"))
        both = [call for pair in zip(services, staffs, strict=True) for call in pair]
        extracts = [
            (text, context(expected_types[i % 3]), lang)
            for i, text in enumerate(_texts(lang, aliases, staff, 1))
        ]
        match_catalog(WARM_UP, brain.services, "service", True)
        match_catalog(WARM_UP, brain.staff, "staff", True)
        extract_all(WARM_UP, context(None), lang)
        fresh = _each(match_catalog, both)
        row = {
            "service": fresh[0::2],
            "staff": fresh[1::2],
            "repeat": [t for _ in range(rounds) for t in _each(match_catalog, both)],
            "extract": _each(extract_all, extracts),
            "extract_repeat": [t for _ in range(rounds) for t in _each(extract_all, extracts)],
        }
        print(_line(slug, len(services), row))
        for key, values in row.items():
            every.setdefault(key, []).extend(values)
    print(_line("all", len(every["service"]), every))
    print(
        f"\nmean CPU µs per call: fresh texts (first pass), repeat = {rounds} further passes; "
        f"python {sys.version.split()[0]}"
    )


def _line(name: str, n: int, row: dict[str, list[float]]) -> str:
    def mean(key: str) -> float:
        return statistics.fmean(row[key])

    both = statistics.fmean(row["service"] + row["staff"])
    return (
        f"| {name:<13} | {n:>5} | {mean('service'):>21.1f} | {mean('staff'):>5.1f} "
        f"| {both:>4.0f} | {mean('repeat'):>12.1f} | {mean('extract'):>11.1f} "
        f"| {mean('extract_repeat'):>6.1f} |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    main(parser.parse_args().rounds)
