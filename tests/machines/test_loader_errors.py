"""Broken cards fail to load with every problem listed as ``file:line: message``."""

from __future__ import annotations

import pytest

from machines.errors import InvalidCard
from machines.loader import load_card_text, load_cards

from .cards_for_tests import GOOD, marked_line, replace_once


def problems_of(text: str) -> tuple[str, ...]:
    with pytest.raises(InvalidCard) as caught:
        load_card_text(text, "cards/demo.yaml")
    return tuple(str(p) for p in caught.value.problems)


def test_the_good_card_loads() -> None:
    card = load_card_text(GOOD, "cards/demo.yaml")
    assert card.id == "demo" and [s.id for s in card.steps][-1] == "book"


BROKEN = {
    "unknown action": (
        ("    action: find_slots\n", "    action: find_slot  # <-\n"),
        "unknown action 'find_slot' (did you mean 'find_slots'?)",
    ),
    "unknown field type": (
        ("    type: person_name\n", "    type: fullname  # <-\n"),
        "unknown field type 'fullname' (known: service, staff, date, time, offered_slot,",
    ),
    "unknown condition name": (
        ("    skip_if: customer.has_phone\n", "    skip_if: signal.foo  # <-\n"),
        "unknown name 'signal.foo' in condition 'signal.foo'",
    ),
    "unknown name in an escalation condition": (
        ("  - when: counter.failed_attempts >= 3\n", "  - when: counter.fails >= 3  # <-\n"),
        "unknown name 'counter.fails' in condition 'counter.fails >= 3'",
    ),
    "bad on_fail": (
        ("    on_fail: service\n", "    on_fail: nowhere  # <-\n"),
        "on_fail of step 'find' names no step: 'nowhere'",
    ),
    "bad on_deny": (
        (
            "  - id: confirm\n    kind: confirm\n",
            "  - id: confirm\n    kind: confirm\n    on_deny: servce  # <-\n",
        ),
        "on_deny of step 'confirm' names no step: 'servce' (did you mean 'service'?)",
    ),
    "missing field": (
        ("    field: name\n", "    field: email  # <-\n"),
        "step 'name' collects field 'email', which card 'demo' does not declare",
    ),
    "duplicate step id": (
        ("  - id: name\n", "  - id: slot  # <-\n"),
        "duplicate step id 'slot'",
    ),
    "duplicate field name": (
        ("  - name: phone\n", "  - name: slot  # <-\n"),
        "duplicate field name 'slot'",
    ),
    "action needing an undeclared field": (
        ("  - name: phone\n    type: phone\n", ""),
        "action 'book' needs field 'phone', which card 'demo' does not declare",
    ),
    "confirm_before without a confirm step": (
        ("  - id: confirm\n    kind: confirm\n", ""),
        "action 'book' is in confirm_before but step 'book' has no confirm step before it",
    ),
    "action not allowed": (
        ("allowed_actions: [find_slots, book]\n", "allowed_actions: [book]\n"),
        "step 'find' runs action 'find_slots', which is not in allowed_actions",
    ),
    "confirm with no action after it": (
        (
            "  - id: book\n    kind: action\n    action: book\n    on_fail: find\n",
            "  - id: bye\n    kind: say\n    say: bye\n",
        ),
        "confirm step 'confirm' has no action after it to confirm",
    ),
    "wrong step kind": (
        ("    kind: confirm\n", "    kind: confrm  # <-\n"),
        "steps[5].kind: Input should be 'collect', 'action', 'confirm', 'say' or 'verify'",
    ),
    "a collect step without its field": (
        ("    field: slot\n", ""),
        "steps[2]: a collect step needs 'field'",
    ),
    "unknown key": (
        ("confirm_before: [book]\n", "confirm_before: [book]\nconfirm_befor: [book]  # <-\n"),
        "unknown key 'confirm_befor'",
    ),
    "a part that belongs to another kind of step": (
        (
            "  - id: slot\n    kind: collect\n",
            "  - id: slot\n    kind: collect\n    on_fail: service  # <-\n",
        ),
        "step 'slot' is a collect step; 'on_fail' belongs to action steps",
    ),
    "a field of the wrong type for an action": (
        ("  - name: phone\n    type: phone\n", "  - name: phone\n    type: text  # <-\n"),
        "action 'book' reads field 'phone' as a phone, but card 'demo' declares it as a text",
    ),
    "an unknown say key": (
        (
            "  - id: confirm\n",
            "  - id: thanks\n    kind: say\n    say: anythng_else  # <-\n  - id: confirm\n",
        ),
        "step 'thanks' says 'anythng_else', which is no known say key (did you mean "
        "'anything_else'?)",
    ),
    "a say step that asks": (
        (
            "  - id: confirm\n",
            "  - id: again\n    kind: say\n    say: ask  # <-\n  - id: confirm\n",
        ),
        "step 'again' says 'ask', which is no known say key",
    ),
    "an exemption for an action that commits nothing": (
        (
            "confirm_before: [book]\n",
            "confirm_before: [book]\nconfirm_exempt:\n"
            "  - {action: find_slots, reason: searching changes nothing}  # <-\n",
        ),
        "confirm_exempt names action 'find_slots', which commits nothing and needs no yes",
    ),
    "an exemption that contradicts confirm_before": (
        (
            "confirm_before: [book]\n",
            "confirm_before: [book]\nconfirm_exempt:\n"
            "  - {action: book, reason: regulars are booked without a read-back}  # <-\n",
        ),
        "action 'book' is both in confirm_before and exempt from it",
    ),
    "a reserved step id": (
        ("  - id: name\n", "  - id: done  # <-\n"),
        "step id 'done' is reserved for a terminal state",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_card_reports_file_line_and_message(case: str) -> None:
    (old, new), message = BROKEN[case]
    text = replace_once(GOOD, old, new)
    if "# <-" in text:
        line = marked_line(text)
    elif case == "action needing an undeclared field":
        line = marked_line(text, "allowed_actions:")
    elif case == "confirm_before without a confirm step":
        line = marked_line(text, "    action: book")
    elif case == "action not allowed":
        line = marked_line(text, "    action: find_slots")
    elif case == "confirm with no action after it":
        line = marked_line(text, "  - id: confirm")
    elif case == "a collect step without its field":
        line = marked_line(text, "  - id: slot")
    else:
        raise AssertionError(case)
    expected = f"cards/demo.yaml:{line}: {message}"
    found = problems_of(text)
    assert any(p.startswith(expected) for p in found), "\n".join(found)


def test_confirm_must_come_after_every_collect_the_action_relies_on() -> None:
    text = replace_once(GOOD, "  - id: name\n    kind: collect\n    field: name\n", "")
    text = replace_once(
        text,
        "    kind: confirm\n",
        "    kind: confirm\n  - id: name\n    kind: collect\n    field: name\n",
    )
    found = problems_of(text)
    assert any("step 'name' collects 'name' after confirm step 'confirm'" in p for p in found)


def test_a_card_without_steps() -> None:
    text = GOOD[: GOOD.index("steps:")] + "steps: []\n"
    assert f"cards/demo.yaml:{marked_line(text, 'steps:')}: card 'demo' has no steps" in (
        problems_of(text)
    )


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = replace_once(GOOD, "    type: person_name\n", "    type: fullname\n")
    text = replace_once(text, "    action: find_slots\n", "    action: find_slot\n")
    text = replace_once(text, "    skip_if: customer.has_phone\n", "    skip_if: signal.foo\n")
    text = replace_once(text, "    on_fail: find\n", "    on_fail: nowhere\n")
    found = problems_of(text)
    assert len(found) == 4, found
    assert [int(p.split(":")[1]) for p in found] == sorted(int(p.split(":")[1]) for p in found)
    with pytest.raises(InvalidCard) as caught:
        load_card_text(text, "cards/demo.yaml")
    assert str(caught.value).splitlines() == list(found)


def test_a_condition_that_does_not_parse() -> None:
    text = replace_once(
        GOOD, "    skip_if: customer.has_phone\n", "    skip_if: customer.has_phone and (  # <-\n"
    )
    found = problems_of(text)
    assert any(
        p.startswith(f"cards/demo.yaml:{marked_line(text)}: invalid condition") for p in found
    ), found


def test_a_document_that_is_not_a_mapping() -> None:
    assert problems_of("- just\n- a list\n") == (
        "cards/demo.yaml:1: a card is a mapping of keys (id, title, steps, ...)",
    )


def test_yaml_errors_become_card_errors() -> None:
    found = problems_of(GOOD + "id: again\n")
    assert found[0].startswith(f"cards/demo.yaml:{GOOD.count(chr(10)) + 1}: invalid YAML")


def test_card_ids_are_unique_across_a_set(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "a.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(InvalidCard) as caught:
        load_cards([folder])
    (problem,) = caught.value.problems
    assert problem.file == str(folder / "b.yaml") and problem.line == 1
    assert problem.message == f"duplicate card id 'demo' (also in {folder / 'a.yaml'}:1)"


def test_load_cards_reports_problems_of_every_file(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "a.yaml").write_text(GOOD.replace("action: book", "action: bok"), encoding="utf-8")
    (folder / "b.yaml").write_text(
        GOOD.replace("id: demo", "id: other").replace("type: phone", "type: telephone"),
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("not a card", encoding="utf-8")
    with pytest.raises(InvalidCard) as caught:
        load_cards([folder])
    assert {p.file for p in caught.value.problems} == {
        str(folder / "a.yaml"),
        str(folder / "b.yaml"),
    }


def test_load_cards_reads_files_and_folders(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "sub").mkdir()
    (folder / "sub" / "a.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "b.yml").write_text(GOOD.replace("id: demo", "id: other"), encoding="utf-8")
    cards = load_cards([folder / "sub", folder / "b.yml"])
    assert sorted(cards) == ["demo", "other"]
