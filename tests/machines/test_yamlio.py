from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from machines.errors import InvalidDocument
from machines.yamlio import load_yaml


def test_yes_no_on_off_stay_strings() -> None:
    data, _ = load_yaml("on: yes\noff: no\nanswer: y\nflag: true\n", "t.yaml")
    assert data == {"on": "yes", "off": "no", "answer": "y", "flag": True}


def test_times_and_octal_look_alikes_stay_what_yaml_1_2_says() -> None:
    data, _ = load_yaml("open: 08:00\nday: 2024-12-24\nn: 017\n", "t.yaml")
    assert data == {"open": "08:00", "day": date(2024, 12, 24), "n": 17}
    assert type(data["open"]) is str and type(data["n"]) is int


def test_result_is_plain_python() -> None:
    data, _ = load_yaml("a: {b: [1, 2.5, x, null]}\nc: |\n  text\n", "t.yaml")
    assert type(data) is dict and type(data["a"]) is dict and type(data["a"]["b"]) is list
    assert [type(v) for v in data["a"]["b"]] == [int, float, str, type(None)]
    assert type(data["c"]) is str


def test_line_of_paths() -> None:
    text = "# comment\nid: x\nsteps:\n  - id: a\n    kind: collect\n  - id: b\n    action: z\n"
    _, lines = load_yaml(text, "t.yaml")
    assert lines.line_of(("id",)) == 2
    assert lines.line_of(("steps",)) == 3
    assert lines.line_of(("steps", 0, "kind")) == 5
    assert lines.line_of(("steps", 1)) == 6
    assert lines.line_of(("steps", 1, "action")) == 7
    assert lines.line_of(("steps", 1, "missing")) == 6  # nearest ancestor
    assert lines.sub(("steps", 1)).line_of(("action",)) == 7


def test_aliases_are_expanded() -> None:
    data, _ = load_yaml("weekday: &w {open: '08:00'}\nmon: *w\ntue: *w\n", "t.yaml")
    assert data["mon"] == data["tue"] == {"open": "08:00"}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: !!python/object:os.system {x: 1}\n", 2, "tag"),
        ("a: 1\nb: !secret x\n", 2, "tag"),
        ("a: 1\nb: !!set {x}\n", 2, "unsupported"),
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key"),
        ("a: 1\nb: [1, 2\n", 3, "invalid YAML"),
        ("%YAML 1.1\n---\na: yes\n", 1, "YAML 1.2"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused_with_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InvalidDocument) as caught:
        load_yaml(text, "bad.yaml")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("bad.yaml", line)
    assert words in problem.message
    assert str(caught.value).startswith(f"bad.yaml:{line}: ")


_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), max_size=20)
_WORDS = st.sampled_from(["yes", "no", "on", "off", "y", "n", "08:00", "~", "null", "1e3"])


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | _TEXT | _WORDS,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(_TEXT | _WORDS, inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_json_documents_read_back_unchanged(value: object) -> None:
    """JSON is YAML 1.2: any JSON document reads back as the same plain data."""
    data, _ = load_yaml(json.dumps({"v": value}, ensure_ascii=False), "t.json")
    assert data == {"v": value}
