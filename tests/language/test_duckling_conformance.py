"""Conformance of the date and time extractors with public corpora, and the floors they hold.

Duckling's English and German time corpora (Copyright (c) 2016-present, Facebook, Inc.;
BSD licence, ``bench/understanding/data/datetimes/LICENSE-duckling``) and the appointment
slots of the Schema-Guided Dialogue corpus (CC BY-SA 4.0) are vendored in
``bench/understanding/data/datetimes/`` (its README says where each file comes from and how
it was selected). Every example runs through :func:`language.extract.extract_all`, judged by
the rules of :mod:`bench.understanding.datetimes` — the same code ``python -m
bench.understanding`` reports with.

A wrong value books the wrong time while a miss only makes the desk ask again, so no wrong
value is allowed at all on Duckling's corpora, nor anywhere a phrase fixes am/pm or the part
of the day; the share right has floors per language and kind, set just under today's
figures so that a regression fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.understanding import datetimes as bench
from bench.understanding.data.datetimes import make
from bench.understanding.datetimes import Outcome

# the targets: >= 90 % per language on Duckling, SGD times >= 99 %; the per-kind
# floors sit just under today's figures (EN 88/98 dates, 146/156 times; DE 58/59, 66/68;
# SGD 812/812 dates, 1169/1179 times)
LANGUAGE_FLOOR = 0.90
KIND_FLOORS = {
    ("duckling", "en", "date"): 0.89,
    ("duckling", "en", "time"): 0.93,
    ("duckling", "de", "date"): 0.96,
    ("duckling", "de", "time"): 0.95,
    ("sgd", "en", "date"): 0.995,
    ("sgd", "en", "time"): 0.99,
}


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return bench.run(bench.load())


def _show(found: list[Outcome]) -> str:
    return "\n".join(
        f"{o.example.lang} {o.example.text!r}: want {o.example.expected}, got "
        f"date={o.top_date or '-'} time={o.top_time or '-'}"
        for o in found
    )


def test_the_vendored_subsets_are_all_there(outcomes: list[Outcome]) -> None:
    sizes = {(r["dataset"], r["lang"], r["kind"]): r["n"] for r in bench.rows(outcomes)}
    assert sizes == {
        ("duckling", "en", "date"): 98,
        ("duckling", "en", "time"): 156,
        ("duckling", "de", "date"): 59,
        ("duckling", "de", "time"): 68,
        ("sgd", "en", "date"): 812,
        ("sgd", "en", "time"): 1179,
    }


def test_no_wrong_value_on_duckling(outcomes: list[Outcome]) -> None:
    wrong = [o for o in outcomes if o.example.dataset == "duckling" and o.verdict == "wrong"]
    assert not wrong, _show(wrong)


def test_no_wrong_value_where_the_phrase_fixes_am_pm_or_the_part_of_day(
    outcomes: list[Outcome],
) -> None:
    wrong = [
        o
        for o in outcomes
        if o.verdict == "wrong" and bench.fixes_half_of_day(o.example.phrase, o.example.lang)
    ]
    assert not wrong, _show(wrong)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_duckling_floor_per_language(outcomes: list[Outcome], lang: str) -> None:
    mine = [o for o in outcomes if o.example.dataset == "duckling" and o.example.lang == lang]
    right = sum(o.verdict == "right" for o in mine)
    assert right / len(mine) >= LANGUAGE_FLOOR, _show([o for o in mine if o.verdict != "right"])


@pytest.mark.parametrize("key", sorted(KIND_FLOORS))
def test_floor_per_data_set_language_and_kind(
    outcomes: list[Outcome], key: tuple[str, str, str]
) -> None:
    mine = [o for o in outcomes if (o.example.dataset, o.example.lang, o.example.kind) == key]
    right = sum(o.verdict == "right" for o in mine)
    assert right / len(mine) >= KIND_FLOORS[key], _show([o for o in mine if o.verdict != "right"])


def test_the_judge_tells_right_from_wrong_and_missed() -> None:
    """The rules the floors rest on, on hand-made cases (not from the corpora)."""
    day = bench.Example("duckling", "en", "date", "x", "x", "2013-02-20T00:00", "Day")
    assert bench.judge(day, "2013-02-20", "") == "right"
    assert bench.judge(day, "2013-02-13", "") == "wrong"
    assert bench.judge(day, "", "09:00") == "missed"
    # a clock time without am/pm: either reading counts; with pm only its own
    loose = bench.Example(
        "duckling", "en", "time", "at 3:30", "at 3:30", "2013-02-12T15:30", "Minute"
    )
    assert bench.judge(loose, "", "03:30") == bench.judge(loose, "", "15:30") == "right"
    fixed = bench.Example(
        "duckling", "en", "time", "3:30 pm", "3:30 pm", "2013-02-12T15:30", "Minute"
    )
    assert bench.judge(fixed, "", "03:30") == "wrong"
    # a date is needed when the moment is later than tomorrow, and must agree when found
    later = bench.Example("duckling", "en", "time", "x", "x", "2013-02-16T09:00", "Hour")
    assert bench.judge(later, "", "09:00") == "missed"
    assert bench.judge(later, "2013-02-16", "09:00") == "right"
    assert bench.judge(later, "2013-02-15", "09:00") == "wrong"
    soon = bench.Example("duckling", "en", "time", "x", "x", "2013-02-13T09:00", "Hour")
    assert bench.judge(soon, "", "09:00") == "right"
    assert not bench.fixes_half_of_day("um 3 am Freitag", "de")
    assert bench.fixes_half_of_day("3 am", "en") and bench.fixes_half_of_day("15:30", "de")


def test_the_vendored_data_is_what_make_py_makes() -> None:
    """Where the shared public data is beside the repo (CI, development), the vendored
    files are exactly what ``make.py`` selects from it."""
    data = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not (data / "duckling" / "EN_Corpus.hs").exists():
        pytest.skip("../shared/data is not beside the repository")
    expected = {
        "duckling_en.jsonl": make.duckling(data / "duckling" / "EN_Corpus.hs", "en"),
        "duckling_de.jsonl": make.duckling(data / "duckling" / "DE_Corpus.hs", "de"),
        "sgd_services_train.jsonl": make.sgd(data / "sgd" / "train_dialogues_services.json"),
    }
    for name, rows in expected.items():
        vendored = [json.loads(line) for line in (bench.DATA / name).read_text().splitlines()]
        assert vendored == rows, name
