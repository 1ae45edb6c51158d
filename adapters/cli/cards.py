"""Topic cards and their proofs: ``cards check|schema|show`` and ``verify``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from engine.desk import MAX_ACTIONS_PER_TURN
from engine.turn import MAX_ROUNDS
from machines.diagram import card_json_schema, rule_labels, to_dot, to_mermaid
from machines.errors import InvalidCard
from machines.loader import bundled_cards, load_card_file, load_cards
from machines.verify import StateLimitExceeded, compile_subject, format_counterexample, verify

from ..settings import Settings
from ..wiring import compile_brains, load_brains
from .output import EXIT_DIFF, EXIT_OK, EXIT_USAGE, print_json


def cards(args: argparse.Namespace, settings: Settings) -> int:
    if args.cards_command == "schema":
        print_json(card_json_schema())
        return EXIT_OK
    if args.cards_command == "check":
        return _check(args.paths)
    brain = load_brains(settings, only=args.business)[args.business]
    topic = brain.topics.get(args.id)
    if topic is None:
        print(
            f"error: business {args.business} has no card '{args.id}' "
            f"(it has: {', '.join(sorted(brain.topics))})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    labels = rule_labels(topic.machine, topic.rulesets)
    if args.svg:
        try:
            # pydot makes its create_<format> methods at run time: unknown to a type checker
            svg = to_dot(topic.machine, labels).create_svg()  # type: ignore[attr-defined]
        except FileNotFoundError:
            print(
                "error: --svg needs graphviz's 'dot' program, which is not installed "
                "(Debian package: graphviz)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return _emit(svg.decode("utf-8"), args.out)
    if args.mermaid:
        return _emit(to_mermaid(topic.machine, labels), args.out)
    card = topic.card
    lines = [
        f"{card.id}: {card.title.get('en', '')} (priority {card.priority})",
        "fields: " + ", ".join(f"{f.name}:{f.type}" for f in card.required_fields),
        "steps:  " + " -> ".join(f"{s.id}({s.kind})" for s in card.steps),
        "transitions:",
    ]
    for tr in topic.machine.transitions:
        rules = ", ".join(labels.get((tr.source, tr.event, tr.target), ()))
        lines.append(
            f"  {tr.source} --{tr.event}--> {tr.target}" + (f"   [{rules}]" if rules else "")
        )
    return _emit("\n".join(lines) + "\n", args.out)


def _check(paths: list[str]) -> int:
    problems: list[str] = []
    count = 0
    for raw in paths:
        path = Path(raw)
        files = (
            sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() else [path]
        )
        for f in files:
            try:
                load_card_file(f)
                count += 1
            except InvalidCard as e:
                problems += [f"{p.file}:{p.line}: {p.message}" for p in e.problems]
            except OSError as e:
                problems.append(f"{f}:0: cannot read: {e.strerror}")
    for p in problems:
        print(p)
    if problems:
        return EXIT_USAGE
    print(f"ok: {count} cards")
    return EXIT_OK


def _emit(text: str, out: str | None) -> int:
    """Write a drawing or description to ``--out FILE``, or to stdout."""
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as e:
        print(f"error: --out {out}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


# ---------------------------------------------------------------------- verify


def verify_cards(args: argparse.Namespace, settings: Settings) -> int:
    """Model-check cards with their rules: every reachable conversation, or the shortest
    one that breaks a check. With ``--business`` (or no flag: every business) the business's
    compiled cards and rules; with ``--cards`` the card files there, each with the default
    policies and the bundled cards beside it (which decides ``business.has_human``, ...).
    Without either, a business file that does not load is a failure of its own (listed
    with its problems) and the others are still checked."""
    if args.max_states < 1:
        print("error: --max-states must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    subjects: list[tuple[str, Any, Any, Any, dict[str, Any]]] = []
    invalid: list[dict[str, Any]] = []
    if args.cards:
        path = Path(args.cards)
        if not path.exists():
            print(f"error: --cards {args.cards}: no such file or directory", file=sys.stderr)
            return EXIT_USAGE
        try:
            loaded = load_cards([path])
        except OSError as e:
            print(f"error: {e.filename}:0: cannot read: {e.strerror}", file=sys.stderr)
            return EXIT_USAGE
        context = set(bundled_cards()) | set(loaded)
        fixed = {f"business.has_{c}": c in context for c in ("emergency", "human", "message")}
        for card_id, card in sorted(loaded.items()):
            subjects.append((card_id, *compile_subject(card), fixed))
    else:
        if args.business:
            brains = load_brains(settings, only=args.business)
        else:
            compiled = compile_brains(settings)
            brains = compiled.brains
            invalid = [
                {"file": str(f.path), "business": f.slug, "problems": list(f.problems)}
                for f in compiled.invalid
            ]
        for slug, brain in sorted(brains.items()):
            fixed = {
                f"business.has_{c}": c in brain.topics for c in ("emergency", "human", "message")
            }
            for card_id, topic in brain.topics.items():
                subjects.append(
                    (f"{slug}/{card_id}", topic.machine, topic.rules, topic.rulesets, fixed)
                )
    rows: list[dict[str, Any]] = []
    if not args.cards:
        rows += [_topic_entry_row(slug, brain) for slug, brain in sorted(brains.items())]
    for name, machine, engine, rulesets, fixed in subjects:
        start = time.perf_counter()
        try:
            report = verify(
                machine,
                engine,
                rulesets,
                fixed=fixed,
                max_states=args.max_states,
                max_rounds=MAX_ROUNDS,
                max_actions=MAX_ACTIONS_PER_TURN,
            )
        except StateLimitExceeded as e:
            rows.append(
                {
                    "card": name,
                    "states": e.limit,
                    "transitions": e.transitions,
                    "ms": round((time.perf_counter() - start) * 1000),
                    "result": "LIMIT",
                    "error": str(e),
                    "violations": [],
                }
            )
            continue
        ms = round((time.perf_counter() - start) * 1000)
        rows.append(
            {
                "card": name,
                "states": report.states,
                "transitions": report.transitions,
                "ms": ms,
                "result": "OK" if report.ok else "FAIL",
                "report": report,
                "violations": [v.to_dict() for v in report.violations],
            }
        )
    failed = any(r["result"] == "FAIL" for r in rows) or bool(invalid)
    limited = any(r["result"] == "LIMIT" for r in rows)
    if args.json:
        result: dict[str, Any] = {
            "ok": not failed and not limited,
            "cards": [{k: v for k, v in r.items() if k != "report"} for r in rows],
        }
        if invalid:
            result["invalid_businesses"] = invalid
        print_json(result)
    else:
        width = max((len(r["card"]) for r in rows), default=4)
        print(f"{'card':<{width}}  {'states':>7}  {'transitions':>11}  {'ms':>6}  result")
        for r in rows:
            print(
                f"{r['card']:<{width}}  {r['states']:>7}  {r['transitions']:>11}  "
                f"{r['ms']:>6}  {r['result']}"
            )
        for r in rows:
            if r["result"] == "LIMIT":
                print(f"\n{r['card']}: {r['error']}")
            if r["result"] == "FAIL" and "report" not in r:  # the topic-entry row
                for v in r["violations"]:
                    print(f"\n{r['card']}: {v['kind']}: {v['message']}")
                    print("  facts: " + ", ".join(f"{k} = {val}" for k, val in v["facts"]))
                    print("  rules fired: " + ", ".join(v["fired"]))
                continue
            for v in r["report"].violations if r["result"] == "FAIL" else ():
                print(f"\n{r['card']}: {v.kind}: {v.message}")
                print(format_counterexample(v.counterexample))
        for bad in invalid:
            print(f"\nINVALID business file {bad['file']}: not checked, it does not load:")
            for problem in bad["problems"]:
                print(f"  {problem}")
    return EXIT_DIFF if failed else EXIT_USAGE if limited else EXIT_OK


def _topic_entry_row(slug: str, brain: Any) -> dict[str, Any]:
    """The business's conversation policy, checked for how it enters topics
    (``machines.topic_entry``): a row like a card's, named ``SLUG/(topic entry)``."""
    from machines.topic_entry import check

    start = time.perf_counter()
    commits = sorted(t for t, topic in brain.topics.items() if topic.commits)
    others = sorted(set(brain.topics) - set(commits))
    found = check(brain.conversation, commits, others, brain.settings)
    return {
        "card": f"{slug}/(topic entry)",
        "states": 0,
        "transitions": 0,
        "ms": round((time.perf_counter() - start) * 1000),
        "result": "FAIL" if found else "OK",
        "violations": [
            {
                "kind": v.kind,
                "message": v.message,
                "facts": list(v.facts),
                "fired": list(v.fired),
                "decided": list(v.decided),
            }
            for v in found
        ],
    }


__all__ = ["cards", "verify_cards"]
