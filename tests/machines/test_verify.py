"""Model checking cards (``machines.verify``) and ``frontdesk verify``.

Every broken card in ``tests/cards/broken/`` is caught with the kind of mistake its header
names; the bundled cards and the demo businesses are proven sound; a counterexample is a
shortest conversation; a space larger than the bound stops with a message naming it; and
the command's exit status says which of these happened.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adapters.cli import main
from machines.card import Card
from machines.diagram import card_json_schema
from machines.errors import InvalidCard
from machines.facts import card_facts
from machines.loader import bundled_cards, card_from_data, load_card_file, load_card_text
from machines.rulegen import card_rules
from machines.trace import format_counterexample
from machines.verify import KINDS, Report, StateLimitExceeded, compile_subject, verify
from rules.engine import compile_rules
from rules.ir import Emit, Rule, RuleSet, Say
from rules.policies import guardrails_policy
from tests.fakes.cards import BROKEN, expected
from tests.fakes.demo import EXAMPLES, demo_brains

from .cards_for_tests import marked_line

FILES = sorted(BROKEN.glob("*.yaml"))
FULL = {"business.has_emergency": True, "business.has_human": True, "business.has_message": True}
# kinds no card alone can produce: the generated rules never tie, never loop without an
# action and never emit an event their machine refuses; custom rule sets show them below
POLICY_ONLY = {"salience_tie", "refused_event"}


def check(card: Card, backend: str = "durable", **kw: object) -> Report:
    return verify(*compile_subject(card, backend=backend), fixed=FULL, **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the broken corpus


def test_the_corpus_has_twenty_distinct_mistakes() -> None:
    kinds = [expected(p) for p in FILES]
    assert len(FILES) >= 20
    assert len(set(kinds)) == len(kinds), "each broken card shows a different mistake"
    assert set(kinds) <= set(KINDS)
    assert set(KINDS) - set(kinds) <= POLICY_ONLY | {"rule_cycle"}
    for path in FILES:
        head = path.read_text(encoding="utf-8").splitlines()[0]
        assert head.startswith("# ") and len(head) > 20, f"{path.name}: say what is wrong"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_broken_card_is_caught(path: Path) -> None:
    card = load_card_file(path)  # it loads: the mistake is one only model checking finds
    report = check(card)
    kind = expected(path)
    found = [v for v in report.violations if v.kind == kind]
    assert found, f"{path.name}: expected {kind}, got {[v.kind for v in report.violations]}"
    assert not report.ok
    for v in found:
        assert v.message and kind in KINDS
        if kind not in ("unreachable_state", "condition_never_holds", "action_never_runs"):
            assert v.counterexample, f"{kind} comes with the conversation that shows it"


# ---------------------------------------------------------------------- sound cards


@pytest.mark.parametrize("card_id", sorted(bundled_cards()))
def test_every_bundled_card_is_sound(card_id: str) -> None:
    report = check(bundled_cards()[card_id])
    assert report.ok, "\n".join(
        f"{v.kind}: {v.message}\n{format_counterexample(v.counterexample)}"
        for v in report.violations
    )
    assert report.states >= 3 and report.transitions >= 2


def test_the_bundled_cards_that_run_side_effects_state_invariants() -> None:
    cards = bundled_cards()
    for card_id in ("book", "cancel", "reschedule", "message", "emergency"):
        assert cards[card_id].invariants, card_id
    assert "verify.confirmed" in cards["book"].invariants[0].holds


def test_every_demo_business_is_sound() -> None:
    """Each business's compiled cards with its own rules; a card identical to a bundled one
    in a business with the same topics is proven above, and is not checked again."""
    seen = {
        json.dumps([c.model_dump(mode="json"), sorted(FULL.items())])
        for c in bundled_cards().values()
    }
    checked = 0
    for slug, brain in sorted(demo_brains().items()):
        fixed = {f"business.has_{c}": c in brain.topics for c in ("emergency", "human", "message")}
        for card_id, topic in brain.topics.items():
            key = json.dumps([topic.card.model_dump(mode="json"), sorted(fixed.items())])
            if key in seen:
                continue
            seen.add(key)
            checked += 1
            report = verify(topic.machine, topic.rules, topic.rulesets, fixed=fixed)
            assert report.ok, (slug, card_id, [v.message for v in report.violations])
    assert checked >= 1  # rapid-rooter's own booking card


# ---------------------------------------------------------------------- built-in properties


def _variant(card_id: str, **changes: object) -> Card:
    """A bundled card with some top-level keys replaced, validated from scratch."""
    data = bundled_cards()[card_id].model_dump(mode="json") | changes
    return card_from_data(data, f"{card_id}-variant.yaml")


def _kinds(report: Report) -> list[str]:
    return [v.kind for v in report.violations]


def test_an_emergency_message_without_its_callback_questions_is_caught() -> None:
    """take_message is not in confirm_before here either: the fields an action needs are
    asked for whatever the card confirms."""
    card = bundled_cards()["emergency"]
    steps = [
        s.model_dump(mode="json", exclude_none=True)
        for s in card.steps
        if s.id not in ("name", "phone", "confirm")
    ]
    report = check(
        _variant(
            "emergency",
            steps=steps,
            confirm_before=[],
            confirm_exempt=[
                {"action": a, "reason": "no time to read back"}
                for a in ("emergency", "take_message")
            ],
        )
    )
    (v,) = [v for v in report.violations if v.kind == "field_never_asked"]
    assert "'take_message' needs fields 'name' and 'phone'" in v.message
    # after hours, when the business wants a message: the alert, then straight to it
    assert dict(v.counterexample[0].input.facts).get("policy.emergency_message") is True


def test_an_alert_skipped_breaks_the_invariant_that_names_what_ran() -> None:
    """verify.ran.<action>: an invariant may say 'done only after the alert'."""
    card = bundled_cards()["emergency"]
    steps = [s.model_dump(mode="json", exclude_none=True) for s in card.steps]
    steps[0]["skip_if"] = "clock.business_open"  # the alert skipped in opening hours
    report = check(_variant("emergency", steps=steps))
    (v,) = [v for v in report.violations if v.kind == "invariant"]
    assert "alerted_before_done" in v.message and "'done'" in v.message
    assert dict(v.counterexample[0].input.facts).get("clock.business_open") is True


def test_a_commit_the_card_exempts_runs_without_a_yes() -> None:
    report = check(bundled_cards()["emergency"])
    assert report.ok  # the alert runs at once: the card exempts it, with a reason
    bare = _variant("emergency", confirm_exempt=[])
    (v,) = [v for v in check(bare).violations if v.kind == "commit_unconfirmed"]
    assert "action 'emergency' commits" in v.message and len(v.counterexample) == 1


def test_every_committing_action_needs_a_yes_whatever_confirm_before_says() -> None:
    for card_id, action in (
        ("book", "book"),
        ("cancel", "cancel"),
        ("message", "take_message"),
        ("reschedule", "reschedule"),
    ):
        card = bundled_cards()[card_id]
        steps = [
            s.model_dump(mode="json", exclude_none=True) for s in card.steps if s.kind != "confirm"
        ]
        for step in steps:
            if step.get("on_deny"):
                del step["on_deny"]
        report = check(_variant(card_id, steps=steps, confirm_before=[], invariants=[]))
        found = [v for v in report.violations if v.kind == "commit_unconfirmed"]
        assert found and f"action '{action}' commits" in found[0].message, _kinds(report)


def test_a_rule_that_claims_a_booking_is_caught_wherever_it_comes_from() -> None:
    card = load_card_text(SMALL, "small.yaml")
    report = _with(card, Rule("test.claim", "machine.state == 'confirm'", (Say("booked"),), 5))
    (v,) = [v for v in report.violations if v.kind == "claim_without_commit"]
    assert "rule test.claim says 'booked'" in v.message and "'book'" in v.message


def test_a_refused_value_repeated_at_a_question_ends_in_a_handover() -> None:
    """Without the card's escalation, the guardrail for unanswered questions counts each
    refused phone number as no answer; with the old count (a refused value answered the
    question) six unusable numbers were taken for ever."""
    report = check(_variant("message", auto_escalate_if=[]))
    assert "failure_unbounded" in _kinds(report)  # take_message failing still loops
    loops = [v for v in report.violations if v.kind == "failure_unbounded"]
    assert all("take" in v.message for v in loops), [v.message for v in loops]


def test_each_yes_before_a_failed_booking_does_not_restart_the_count() -> None:
    """on_fail pointed at the read-back: yes, slot taken, the same read-back, yes... The
    failures add up across the yeses, so the third one hands over."""
    card = bundled_cards()["book"]
    steps = [s.model_dump(mode="json", exclude_none=True) for s in card.steps]
    steps[-1]["on_fail"] = "confirm"
    report = check(_variant("book", steps=steps))
    assert "failure_unbounded" not in _kinds(report)
    assert "failure_unbounded" in _kinds(check(_variant("book", steps=steps, auto_escalate_if=[])))


# ---------------------------------------------------------------------- counterexamples


SMALL = """\
id: small
title: {en: Small}
required_fields:
  - {name: who, type: person_name}
  - {name: number, type: phone}
  - {name: note, type: text}
steps:
  - {id: who, kind: collect, field: who}
  - {id: number, kind: collect, field: number}
  - {id: note, kind: collect, field: note}
  - {id: confirm, kind: confirm, on_deny: take}
  - {id: take, kind: action, action: transfer}
allowed_actions: [transfer]
auto_escalate_if:
  - {when: counter.failed_attempts >= 3, reason: repeated failure}
"""


def test_the_counterexample_is_a_shortest_conversation() -> None:
    """Three fields, one per turn, bring the read-back (entered fresh, so no answer counts
    in that turn); the fourth turn's "no" moves forward. Nothing shorter can."""
    report = check(load_card_text(SMALL, "small.yaml"))
    (v,) = [v for v in report.violations if v.kind == "deny_moves_forward"]
    steps = v.counterexample
    assert len(steps) == 4
    assert sorted(s.input.field for s in steps[:3]) == ["note", "number", "who"]
    assert dict(steps[3].input.facts) == {"signal.deny": True}
    assert [(m.source, m.event, m.target) for m in steps[3].moves][0] == ("confirm", "deny", "take")
    text = format_counterexample(steps)
    assert text.splitlines()[0].strip().startswith("1. customer gives")
    assert "confirm --deny--> take" in text and "state: take" in text


def test_the_command_defaults_to_the_library_bound() -> None:
    from adapters.cli import build_parser
    from machines.verify import DEFAULT_MAX_STATES

    assert build_parser().parse_args(["verify"]).max_states == DEFAULT_MAX_STATES


def test_a_card_too_large_stops_at_the_bound() -> None:
    with pytest.raises(StateLimitExceeded) as info:
        check(bundled_cards()["book"], max_states=20)
    assert "--max-states 20" in str(info.value) and "book" in str(info.value)


# ---------------------------------------------------------------------- what only policies can do


def _with(card: Card, *rules: Rule) -> Report:
    rulesets = (card_rules(card), guardrails_policy(), RuleSet("policy:test", rules))
    schema = card_facts([f.name for f in card.required_fields], card.allowed_actions)
    machine = compile_subject(card, backend="python")[0]
    return verify(machine, compile_rules(rulesets, schema, backend="python"), rulesets, fixed=FULL)


def test_rules_of_equal_salience_that_disagree_are_a_tie() -> None:
    card = load_card_text(SMALL, "small.yaml")
    report = _with(
        card,
        Rule(
            "test.thanks",
            "machine.state == 'who' and signal.thanks",
            (Emit("escalate"),),
            salience=50,
        ),
    )
    (tie,) = [v for v in report.violations if v.kind == "salience_tie"]
    assert "small.who.collected" in tie.message and "test.thanks" in tie.message


def test_an_event_the_machine_refuses_is_reported() -> None:
    card = load_card_text(SMALL, "small.yaml")
    report = _with(card, Rule("test.bad", "machine.state == 'who'", (Emit("confirm"),), 60))
    assert any(v.kind == "refused_event" and "test.bad" in v.message for v in report.violations)


def test_rules_that_go_round_in_circles_are_a_cycle() -> None:
    card = load_card_text(SMALL, "small.yaml")
    report = _with(
        card,
        Rule("test.back", "machine.state == 'number' and field.who", (Emit("correct_who"),), 80),
    )
    (cycle,) = [v for v in report.violations if v.kind == "rule_cycle"]
    assert re.search(r": (who -> number -> who|number -> who -> number)$", cycle.message)


# ---------------------------------------------------------------------- invariants in cards


def test_invariants_are_checked_when_the_card_loads() -> None:
    text = SMALL + 'invariants:\n  - name: bad\n    holds: "verify.confirmd"  # <-\n'
    with pytest.raises(InvalidCard) as info:
        load_card_text(text, "small.yaml")
    (problem,) = info.value.problems
    assert problem.line == marked_line(text)
    assert "unknown name 'verify.confirmd'" in problem.message
    assert "did you mean 'verify.confirmed'" in problem.message


def test_verify_facts_belong_to_invariants_only() -> None:
    text = SMALL.replace("{when: counter.failed_attempts >= 3,", "{when: verify.confirmed,")
    with pytest.raises(InvalidCard) as info:
        load_card_text(text, "small.yaml")
    assert "unknown name 'verify.confirmed'" in str(info.value)


def test_the_card_schema_publishes_invariants() -> None:
    schema = card_json_schema()
    assert "invariants" in schema["properties"]
    text = json.dumps(schema)
    assert '"holds"' in text


# ---------------------------------------------------------------------- the command


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def copy_cards(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "cards"
    folder.mkdir()
    for name in names:
        (folder / name).write_text((BROKEN / name).read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_verify_cards_exits_1_with_the_counterexample(tmp_path: Path, capsys) -> None:
    folder = copy_cards(tmp_path, "no_means_book.yaml")
    code, out, err = run(capsys, "verify", "--cards", str(folder))
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].split() == ["card", "states", "transitions", "ms", "result"]
    assert re.match(r"book_no_means_yes\s+\d+\s+\d+\s+\d+\s+FAIL$", lines[1])
    assert "book_no_means_yes: deny_moves_forward:" in out
    assert re.search(r"^\s+1\. customer ", out, re.MULTILINE)
    assert "confirm --deny--> book" in out


def test_verify_cards_json(tmp_path: Path, capsys) -> None:
    folder = copy_cards(tmp_path, "failing_message_never_escalates.yaml")
    (folder / "good.yaml").write_text(
        SMALL.replace("id: small", "id: good").replace("on_deny: take", "on_deny: note"),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "verify", "--cards", str(folder), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    rows = {r["card"]: r for r in report["cards"]}
    assert rows["good"]["result"] == "OK" and rows["good"]["violations"] == []
    bad = rows["callback_without_escalation"]
    assert bad["result"] == "FAIL" and bad["states"] > 0 and bad["ms"] >= 0
    kinds = [v["kind"] for v in bad["violations"]]
    assert kinds == ["escalation_unreachable", "commit_unconfirmed", "failure_unbounded"]
    v = bad["violations"][0]
    assert v["counterexample"][0]["step"] == 1 and v["counterexample"][-1]["state"] == "take"


def test_verify_sound_cards_exits_0(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "good.yaml").write_text(
        SMALL.replace("on_deny: take", "on_deny: note"), encoding="utf-8"
    )
    code, out, err = run(capsys, "verify", "--cards", str(folder))
    assert code == 0, out + err
    assert re.search(r"^small\s+\d+\s+\d+\s+\d+\s+OK$", out, re.MULTILINE)


def test_verify_a_card_that_does_not_load_names_file_and_line(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    text = SMALL.replace("action: transfer}", "action: transfr}  # <-")
    (folder / "broken.yaml").write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "verify", "--cards", str(folder))
    assert code == 2 and out == ""
    assert f"broken.yaml:{marked_line(text)}: " in err and "transfr" in err
    assert "Traceback" not in err


def test_verify_bad_usage_exits_2(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "verify", "--cards", str(tmp_path / "nowhere"))
    assert code == 2 and "no such file or directory" in err
    code, _, err = run(capsys, "verify", "--cards", str(tmp_path), "--max-states", "0")
    assert code == 2 and "--max-states" in err


def test_verify_stops_at_the_state_bound(tmp_path: Path, capsys) -> None:
    folder = copy_cards(tmp_path, "search_before_service.yaml")
    code, out, _ = run(capsys, "verify", "--cards", str(folder), "--max-states", "25")
    assert code == 2
    assert re.search(r"book_search_first\s+25\s+\d+\s+\d+\s+LIMIT", out)
    assert "more than 25 states (the bound --max-states 25)" in out


def _business(tmp_path: Path, topics: str) -> Path:
    folder = tmp_path / "businesses"
    folder.mkdir()
    text = (EXAMPLES / "bloom-salon.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("\ntopics:\n")
    tail = rest[rest.index("\n\n") :] if "\n\n" in rest else ""
    (folder / "bloom-salon.yaml").write_text(f"{head}\ntopics:\n{topics}{tail}", encoding="utf-8")
    return folder


def test_verify_a_business(tmp_path: Path, capsys) -> None:
    folder = _business(
        tmp_path, "  - card: hours\n  - card: human\n  - card: smalltalk\n  - card: message\n"
    )
    code, out, err = run(
        capsys, "--businesses", str(folder), "verify", "--business", "bloom-salon", "--json"
    )
    assert code == 0, out + err
    rows = json.loads(out)["cards"]
    # the business's conversation policy first (which topic a turn may enter), then its cards
    assert [r["card"] for r in rows] == [
        "bloom-salon/(topic entry)",
        "bloom-salon/hours",
        "bloom-salon/human",
        "bloom-salon/smalltalk",
        "bloom-salon/message",
    ]
    assert all(r["result"] == "OK" for r in rows)


def test_verify_a_business_whose_override_does_not_load(tmp_path: Path, capsys) -> None:
    folder = _business(
        tmp_path,
        "  - card: hours\n    override:\n      steps:\n"
        "        - {id: hours, kind: collect, field: nope}\n",
    )
    # every business: a file that does not load is a failure of its own, listed with its
    # problems; asked for by name, it cannot be verified at all (a usage error)
    code, out, err = run(capsys, "--businesses", str(folder), "verify")
    assert code == 1 and "Traceback" not in err
    assert "INVALID business file" in out
    assert re.search(
        r"bloom-salon\.yaml:\d+: topics\[0\]\.override: card 'hours' "
        r"\(override\): .*'nope'",
        out,
    ), out
    code, out, err = run(capsys, "--businesses", str(folder), "verify", "--business", "bloom-salon")
    assert code == 2 and "Traceback" not in err
    assert re.search(
        r"bloom-salon\.yaml:\d+: topics\[0\]\.override: card 'hours' "
        r"\(override\): .*'nope'",
        err,
    ), err
