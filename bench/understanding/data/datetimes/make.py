"""Regenerate the vendored date/time evaluation sets from the public data beside the repo.

    python -m bench.understanding.data.datetimes.make [--data ../shared/data]

Reads Duckling's time corpora (``duckling/{EN,DE}_Corpus.hs``) and the SGD Services train
dialogues (``sgd/train_dialogues_services.json``) and writes the JSONL files beside this
script; ``README.md`` here says where each comes from and under which licence. The rules
are those of ``../shared/data/README.md``:

* Duckling booking subset: the ``datetime`` examples of the main corpus (``allExamples``,
  reference time Tuesday 2013-02-12 04:30) of grain Day, Hour or Minute whose moment is not
  before the reference time and at most a year after it, without an explicit time zone.
  Holiday, interval and open-interval examples are other constructors and not taken; nor
  are the English latent, diff (another reference time) and negative corpora.
* SGD: each user span labelled ``appointment_date``/``appointment_time`` whose canonical
  value is one the system says later for that slot (``actions[].values``) that a later user
  turn's ``state.slot_values[slot]`` lists together with the span. Canonical values are
  turned into ISO dates / ``HH:MM`` here by a small resolver of their few fixed forms
  ("March 8th", "today", "next Monday", "4:30 pm"), relative to SGD's "today", Friday
  2019-03-01 — never by the extractor under test.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DUCKLING_REFERENCE = datetime(2013, 2, 12, 4, 30)
SGD_TODAY = date(2019, 3, 1)
BOOKING_GRAINS = ("Day", "Hour", "Minute")
# explicit time zones as Duckling's corpora write them
_ZONE = re.compile(
    r"\b(?:gmt|utc|pst|pdt|est|edt|cst|cdt|mst|mdt|cet|cest|mez|mesz|ist|bst|wet|eet|"
    r"aest|jst|hkt|sgt|kst)\b",
    re.IGNORECASE,
)
_EXAMPLES = re.compile(
    r"examples \(datetime \((\d+), (\d+), (\d+), (\d+), (\d+), (\d+)\) (\w+)\)\s*"
    r'\[((?:[^\]"]|"(?:[^"\\]|\\.)*")*)\]'
)
_PHRASE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def duckling(path: Path, lang: str) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    body = text[text.index("allExamples :: [Example]") :]
    latest = DUCKLING_REFERENCE.replace(year=DUCKLING_REFERENCE.year + 1)
    rows = []
    for m in _EXAMPLES.finditer(body):
        grain = m.group(7)
        if grain not in BOOKING_GRAINS:
            continue
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        moment = datetime(y, mo, d, h, mi, s)
        if not DUCKLING_REFERENCE <= moment <= latest:
            continue
        for raw in _PHRASE.findall(m.group(8)):
            phrase = (
                raw.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
                if "\\" in raw
                else raw
            )
            if _ZONE.search(phrase):
                continue
            rows.append(
                {
                    "lang": lang,
                    "phrase": phrase,
                    "grain": grain,
                    "expected": moment.isoformat(timespec="minutes"),
                }
            )
    return rows


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def sgd_date(value: str) -> str:
    low = " ".join(value.lower().split())
    offsets = {"today": 0, "tomorrow": 1, "day after tomorrow": 2}
    if low in offsets:
        return (SGD_TODAY + timedelta(days=offsets[low])).isoformat()
    m = re.fullmatch(r"(next|this) (\w+)", low)
    if m and m.group(2) in _WEEKDAYS:
        # SGD's system says "this Saturday" for a day of the current week (weeks start on
        # Monday) and "next Monday" for one of the following week
        monday = SGD_TODAY - timedelta(days=SGD_TODAY.weekday())
        week = 7 if m.group(1) == "next" else 0
        return (monday + timedelta(days=week + _WEEKDAYS.index(m.group(2)))).isoformat()
    m = re.fullmatch(r"(\w+) (\d{1,2})(?:st|nd|rd|th)?", low)
    if m and m.group(1) in _MONTHS:
        return date(SGD_TODAY.year, _MONTHS.index(m.group(1)) + 1, int(m.group(2))).isoformat()
    raise ValueError(f"unknown canonical date {value!r}")


def sgd_time(value: str) -> str:
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?", value.strip().lower())
    if m is None:
        raise ValueError(f"unknown canonical time {value!r}")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if not 1 <= hour <= 12:
        raise ValueError(f"bad canonical time {value!r}")
    hour = hour % 12 + (12 if m.group(3) == "p" else 0)
    return f"{hour:02d}:{minute:02d}"


def _canonical(turns: list[dict[str, Any]], i: int, slot: str, span: str) -> str | None:
    for j in range(i + 1, len(turns)):
        if turns[j]["speaker"] != "SYSTEM":
            continue
        for frame in turns[j]["frames"]:
            for action in frame["actions"]:
                if action["slot"] != slot:
                    continue
                for value in action["values"]:
                    for k in range(j + 1, len(turns)):
                        if turns[k]["speaker"] != "USER":
                            continue
                        for later in turns[k]["frames"]:
                            listed = later.get("state", {}).get("slot_values", {}).get(slot, [])
                            if value in listed and span in listed:
                                return str(value)
    return None


def sgd(path: Path) -> list[dict[str, Any]]:
    rows = []
    for dialogue in json.loads(path.read_text(encoding="utf-8")):
        turns = dialogue["turns"]
        for i, turn in enumerate(turns):
            if turn["speaker"] != "USER":
                continue
            for frame in turn["frames"]:
                for s in frame["slots"]:
                    if s["slot"] not in ("appointment_date", "appointment_time"):
                        continue
                    span = turn["utterance"][s["start"] : s["exclusive_end"]]
                    value = _canonical(turns, i, s["slot"], span)
                    if value is None:
                        continue
                    kind = "date" if s["slot"] == "appointment_date" else "time"
                    expected = sgd_date(value) if kind == "date" else sgd_time(value)
                    rows.append(
                        {
                            "dialogue": dialogue["dialogue_id"],
                            "turn": i,
                            "kind": kind,
                            "utterance": turn["utterance"],
                            "span": span,
                            "expected": expected,
                        }
                    )
    return rows


def _write(name: str, rows: list[dict[str, Any]]) -> None:
    with (HERE / name).open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{name}: {len(rows)} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data",
        type=Path,
        default=HERE.parents[3].parent / "shared" / "data",
        help="the shared public data folder (default: ../shared/data)",
    )
    data = parser.parse_args().data
    _write("duckling_en.jsonl", duckling(data / "duckling" / "EN_Corpus.hs", "en"))
    _write("duckling_de.jsonl", duckling(data / "duckling" / "DE_Corpus.hs", "de"))
    _write("sgd_services_train.jsonl", sgd(data / "sgd" / "train_dialogues_services.json"))


if __name__ == "__main__":
    main()
