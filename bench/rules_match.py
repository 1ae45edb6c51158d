"""Microseconds per ``match()`` for 100 rules of which about 5 hold.

The rules look like generated card rules: a machine state, a few signals and fields, the
odd counter or score threshold, membership and negation. Run with
``python -m bench.rules_match``.
"""

from __future__ import annotations

import time

from rules import DurableRuleEngine, Facts, FactType, PythonRuleEngine, Rule, RuleEngine, RuleSet

B, I, F, S = FactType.BOOL, FactType.INT, FactType.FLOAT, FactType.STR
STATES = [f"step_{k}" for k in range(20)]
SCHEMA = {
    "machine.state": S,
    "signal.affirm": B,
    "signal.deny": B,
    "signal.goodbye": B,
    "counter.failed_attempts": I,
    "topic.candidate_score": F,
    "channel.kind": S,
    **{f"field.f{k}": S for k in range(10)},
}


def rules() -> RuleSet:
    out: list[Rule] = []
    for k, state in enumerate(STATES):
        at = f"machine.state == '{state}'"
        field = f"field.f{k % 10}"
        out += [
            Rule(f"{state}.collected", f"{at} and {field}", (), 10),
            Rule(f"{state}.remind", f"{at} and not signal.deny and not signal.goodbye", (), 5),
            Rule(f"{state}.yes", f"{at} and signal.affirm and not signal.deny", (), 20),
            Rule(
                f"{state}.escalate",
                f"{at} and (counter.failed_attempts >= 3 or channel.kind in ['voice', 'sms'])",
                (),
                50,
            ),
            Rule(f"{state}.switch", f"{at} and topic.candidate_score > 0.8", (), 1),
        ]
    return RuleSet("bench", tuple(out))


FACTS: Facts = {
    "machine.state": "step_7",
    "signal.affirm": True,
    "counter.failed_attempts": 3,
    "topic.candidate_score": 0.9,
    "channel.kind": "web",
    "field.f7": "x",
}


def per_match_us(engine: RuleEngine, n: int = 5000) -> float:
    for _ in range(200):
        engine.match(FACTS)
    start = time.perf_counter()
    for _ in range(n):
        engine.match(FACTS)
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    ruleset = rules()
    durable = DurableRuleEngine([ruleset], SCHEMA)
    python = PythonRuleEngine([ruleset], SCHEMA)
    matched = [r.name for r in durable.match(FACTS)]
    assert matched == [r.name for r in python.match(FACTS)]
    print(f"{len(ruleset.rules)} rules, {len(matched)} match: {', '.join(matched)}")
    print(f"durable-rules: {per_match_us(durable):7.1f} µs per match()")
    print(f"python:        {per_match_us(python):7.1f} µs per match()")


if __name__ == "__main__":
    main()
