"""Dates and times on public data: Duckling's time corpora and SGD's appointment slots.

    python -m bench.understanding.datetimes [--data DIR] [--show wrong|missed|all]

Reads the JSONL files vendored in ``data/datetimes/`` (``make.py`` there regenerates them
from ``../shared/data``; its README gives the sources, licences and the rules of the
subsets) and runs the offline extractors (:func:`language.extract.extract_all`, as every
turn does) on each example. A row per data set, language and kind (``date``/``time``):

* ``right``: the top value equals the expected one;
* ``wrong``: a value was extracted and it is not the expected one — worse than a miss,
  because a wrong value books the wrong time while a miss makes the desk ask again;
* ``wrong_fixed``: the wrong ones whose phrase fixes am/pm or the part of day (an
  am/pm marker, a part-of-day word, noon/midnight or a 24-hour clock), target 0;
* ``missed``: nothing usable extracted (no candidate, or one with a ``problem``).

Duckling (reference time Tuesday 2013-02-12 04:30): a Day example is right when the top
date equals its date; an Hour/Minute example when the top time equals its time — either
reading of a clock time without am/pm or part of day counts — and the date, where one is
found or the moment is later than tomorrow, equals its date. SGD (today Friday
2019-03-01): the top date or time of the whole user utterance equals the canonical value.
``ms`` is the mean CPU time (process time, so other processes on a shared machine do not
inflate it) of one ``extract_all`` call.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DATA = Path(__file__).resolve().parent / "data" / "datetimes"
DUCKLING_NOW = datetime(2013, 2, 12, 4, 30, tzinfo=ZoneInfo("Etc/GMT+2"))  # Duckling's UTC-2
SGD_NOW = datetime(2019, 3, 1, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
FILES = {
    "duckling": ("duckling_en.jsonl", "duckling_de.jsonl"),
    "sgd": ("sgd_services_train.jsonl",),
}

# what makes a phrase fix the half of the day: am/pm, a part of the day, noon/midnight or a
# 24-hour clock ("15:30", "15h", "um 15", "09:30")
_FIXES = re.compile(
    r"(?<![a-z])(?:a\.\s?m|p\.?\s?m)\b\.?|\d\s*[ap]\b\.?|\b(?:morning|afternoon|evening|night|tonight|"
    r"noon|midday|mid\s+day|midnight|morgens|vormittags?|mittags?|nachmittags?|abends?|nachts?|"
    r"mitternacht|am\s+morgen|heute\s+morgen|fr(?:ü|ue)h)\b|"
    r"(?<![\d.:])(?:1[3-9]|2[0-3]|0\d)\s*(?::\d|h\b|h\d|uhr\b|\.\d\d)|\bum\s+(?:1[3-9]|2[0-3])\b",
    re.IGNORECASE,
)
_AM_EN = re.compile(r"(?<![a-z])a\s?m\b", re.IGNORECASE)  # in German "am" is "on the"


def fixes_half_of_day(phrase: str, lang: str) -> bool:
    return bool(_FIXES.search(phrase)) or lang == "en" and bool(_AM_EN.search(phrase))


@dataclass
class Example:
    dataset: str
    lang: str
    kind: str  # date | time
    text: str  # what the extractor reads
    phrase: str  # the part that says the date or time (for "fixes am/pm")
    expected: str  # ISO date, or ISO date + "T" + HH:MM for Duckling times, HH:MM for SGD
    grain: str = ""


def load(data: Path = DATA) -> list[Example]:
    out: list[Example] = []
    for dataset, names in FILES.items():
        for name in names:
            for line in (data / name).read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if dataset == "duckling":
                    kind = "date" if row["grain"] == "Day" else "time"
                    out.append(
                        Example(
                            dataset,
                            row["lang"],
                            kind,
                            row["phrase"],
                            row["phrase"],
                            row["expected"],
                            row["grain"],
                        )
                    )
                else:
                    out.append(
                        Example(
                            dataset,
                            "en",
                            row["kind"],
                            row["utterance"],
                            row["span"],
                            row["expected"],
                        )
                    )
    return out


def _context(ex: Example) -> Any:
    from language.types import UnderstandContext

    now = DUCKLING_NOW if ex.dataset == "duckling" else SGD_NOW
    return UnderstandContext(
        now=now,
        timezone=str(now.tzinfo),
        languages=(ex.lang,),  # type: ignore[arg-type]
        conversation_lang=ex.lang,  # type: ignore[arg-type]
    )


def _top(found: Iterable[Any], kind: str) -> str:
    """The first candidate of ``kind``; ``""`` when there is none or it has a problem."""
    first = next((c for c in found if c.type == kind), None)
    return "" if first is None or first.problem else str(first.value)


def judge(ex: Example, top_date: str, top_time: str) -> str:
    """``right``, ``wrong`` or ``missed`` under the rules in the module docstring."""
    if ex.kind == "date":
        want = ex.expected[:10]
        return "missed" if not top_date else "right" if top_date == want else "wrong"
    if ex.dataset == "sgd":
        return "missed" if not top_time else "right" if top_time == ex.expected else "wrong"
    moment = datetime.fromisoformat(ex.expected)
    if not top_time:
        return "missed"
    readings = {moment.strftime("%H:%M")}
    if not fixes_half_of_day(ex.phrase, ex.lang):
        readings.add(f"{(moment.hour + 12) % 24:02d}:{moment.minute:02d}")
    if top_time not in readings:
        return "wrong"
    later_than_tomorrow = moment.date() > DUCKLING_NOW.date() + timedelta(days=1)
    if top_date:
        return "right" if top_date == moment.date().isoformat() else "wrong"
    return "missed" if later_than_tomorrow else "right"


@dataclass
class Outcome:
    example: Example
    verdict: str
    top_date: str
    top_time: str
    ms: float


def run(examples: list[Example]) -> list[Outcome]:
    from language.extract import extract_all

    extract_all("warm up at 3pm tomorrow", _context(examples[0]), "en")
    out = []
    for ex in examples:
        ctx = _context(ex)
        t0 = time.process_time()
        found = extract_all(ex.text, ctx, ex.lang)  # type: ignore[arg-type]
        ms = (time.process_time() - t0) * 1000
        top_date, top_time = _top(found, "date"), _top(found, "time")
        out.append(Outcome(ex, judge(ex, top_date, top_time), top_date, top_time, ms))
    return out


def rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault((o.example.dataset, o.example.lang, o.example.kind), []).append(o)
    table = []
    for (dataset, lang, kind), group in groups.items():
        count = {v: sum(1 for o in group if o.verdict == v) for v in ("right", "wrong", "missed")}
        table.append(
            {
                "dataset": dataset,
                "lang": lang,
                "kind": kind,
                "n": len(group),
                **count,
                "wrong_fixed": sum(
                    1
                    for o in group
                    if o.verdict == "wrong" and fixes_half_of_day(o.example.phrase, lang)
                ),
                "ms": round(sum(o.ms for o in group) / len(group), 3),
            }
        )
    return table


def measure(data: Path = DATA) -> list[dict[str, Any]]:
    """One row per data set, language and kind (see the module docstring)."""
    return rows(run(load(data)))


def table(measured: list[dict[str, Any]]) -> str:
    lines = [
        "| data set | lang | kind |    n | right |  right % | wrong | wrong fixed | missed "
        "| ms/item |",
        "|----------|------|------|-----:|------:|---------:|------:|------------:|-------:"
        "|--------:|",
    ]
    for r in measured:
        share = 100 * r["right"] / r["n"] if r["n"] else float("nan")
        lines.append(
            f"| {r['dataset']:<8} | {r['lang']:<4} | {r['kind']:<4} | {r['n']:>4} "
            f"| {r['right']:>5} | {share:>7.1f}% | {r['wrong']:>5} "
            f"| {r['wrong_fixed']:>11} | {r['missed']:>6} | {r['ms']:>7.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--show",
        choices=("wrong", "missed", "all"),
        help="also list the examples with that verdict",
    )
    args = parser.parse_args(argv)
    outcomes = run(load(args.data))
    print(table(rows(outcomes)))
    if args.show:
        for o in outcomes:
            if args.show == "all" or o.verdict == args.show:
                ex = o.example
                print(
                    f"{o.verdict:<6} {ex.dataset}/{ex.lang}/{ex.kind} {ex.text!r} "
                    f"want {ex.expected} got date={o.top_date or '-'} time={o.top_time or '-'}"
                )
    print(
        f"\npython {sys.version.split()[0]}; today for Duckling {DUCKLING_NOW:%a %Y-%m-%d %H:%M},"
        f" for SGD {SGD_NOW:%a %Y-%m-%d}"
    )


if __name__ == "__main__":
    main()
