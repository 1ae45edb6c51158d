from __future__ import annotations

import pickle

import machines
from machines.errors import InvalidCard, InvalidDocument, Problem, TransitionRefused
from rules.errors import FrontdeskError


def test_invalid_card_prints_one_problem_per_line() -> None:
    err = InvalidCard(
        [Problem("cards/a.yaml", 3, "unknown action 'x'"), Problem("biz.yaml", 0, "no line known")]
    )
    assert str(err) == "cards/a.yaml:3: unknown action 'x'\nbiz.yaml: no line known"
    assert isinstance(err, InvalidDocument) and isinstance(err, FrontdeskError)


def test_errors_survive_pickling() -> None:
    err = InvalidCard([Problem("a.yaml", 1, "bad")])
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == err.problems and str(again) == str(err)
    refused = pickle.loads(pickle.dumps(TransitionRefused("advance", "done", "book")))
    assert (refused.event, refused.state, refused.card) == ("advance", "done", "book")
    assert str(refused) == "card 'book' refuses event 'advance' in state 'done'"
    assert isinstance(refused, FrontdeskError)


def test_package_exports_resolve() -> None:
    for name in machines.__all__:
        assert getattr(machines, name) is not None
