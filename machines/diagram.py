"""Pictures and schemas of cards for people and editors.

A compiled machine is drawn with every transition as one edge labelled by its event and
the names of the rules that can fire it (:func:`rule_labels`), so an owner can read "why
would the conversation go there". Escalation edges stand out in red because they are the
edges an owner most needs to see; an edge no rule can fire is drawn dashed and grey.

``to_mermaid`` writes a Mermaid ``flowchart`` (a state diagram cannot style single edges;
a flowchart's ``linkStyle`` can). ``to_dot`` builds the same picture as a graphviz graph
(pydot); turning it into SVG runs graphviz's ``dot`` program, which is I/O and so happens
at the edge (``frontdesk cards show --svg``), never here.

``card_json_schema`` publishes the card model as JSON Schema for editor completion and
for validating cards outside Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from machines.card import Card
from machines.compile import CompiledMachine, Transition
from machines.facts import card_facts
from rules.condition import And, Compare, Const, Expr, Member, Not, Or, Present, parse_condition
from rules.ir import Emit, RuleSet

ESCALATION_MARK = "⚠"
ESCALATION_COLOUR = "#d32f2f"
UNFIRED_COLOUR = "#9e9e9e"
CARD_SCHEMA_ID = "urn:frontdesk:schema:card:1"

if TYPE_CHECKING:
    import pydot

EdgeLabels = Mapping[tuple[str, str, str], Sequence[str]]


# ---------------------------------------------------------------------- which rules fire an edge


def rule_labels(
    machine: CompiledMachine, rulesets: Sequence[RuleSet]
) -> dict[tuple[str, str, str], list[str]]:
    """Which rules can fire each transition ``(source, event, target)``: the rules whose
    first emitted event is the transition's event and whose condition can hold in its
    source state.

    "Can hold" is read from the condition itself, not guessed from its text: the parts
    that name ``machine.state``, ``machine.card`` or ``machine.terminal`` narrow the states,
    everything else (signals, fields, counters) may be either way. The answer may list a
    rule that never fires there in practice (``frontdesk verify`` decides that), but it
    never leaves out one that does.
    """
    card = machine.card
    schema = card_facts([f.name for f in card.required_fields], card.allowed_actions)
    out: dict[tuple[str, str, str], list[str]] = {}
    for ruleset in rulesets:
        for rule in ruleset.rules:
            event = next((c.event for c in rule.then if isinstance(c, Emit)), None)
            if event is None:  # the machine only ever takes a rule's first event
                continue
            states, _ = _states(parse_condition(rule.when, schema).root, machine)
            for t in machine.transitions:
                if t.event == event and t.source in states:
                    out.setdefault((t.source, t.event, t.target), []).append(rule.name)
    return out


def _states(node: Expr, machine: CompiledMachine) -> tuple[frozenset[str], bool]:
    """The states in which ``node`` can hold, and whether that set is exact (only then may
    a ``not`` above it take its complement)."""
    every = frozenset(machine.states)
    if isinstance(node, Const):
        return (every if node.value else frozenset()), True
    if (
        isinstance(node, Compare)
        and node.op in ("==", "!=")
        and node.name in ("machine.state", "machine.card")
    ):
        return _one_of(node.name, (node.value,), node.op == "==", machine), True
    if isinstance(node, Member) and node.name in ("machine.state", "machine.card"):
        return _one_of(node.name, node.values, True, machine), True
    if isinstance(node, Present) and node.name == "machine.terminal":
        return every & frozenset(machine.terminal), True
    if isinstance(node, Not):
        inner, exact = _states(node.operand, machine)
        return (every - inner, True) if exact else (every, False)
    if isinstance(node, And | Or):
        parts = [_states(o, machine) for o in node.operands]
        sets = [p[0] for p in parts]
        joined = every.intersection(*sets) if isinstance(node, And) else frozenset().union(*sets)
        return joined, all(p[1] for p in parts)
    return every, False


def _one_of(
    name: str, values: Sequence[object], equal: bool, machine: CompiledMachine
) -> frozenset[str]:
    every = frozenset(machine.states)
    if name == "machine.card":  # within its own card's rules, machine.card is the card's id
        inside = machine.card.id in values
        return every if inside == equal else frozenset()
    hit = frozenset(s for s in every if s in values)
    return hit if equal else every - hit


# ---------------------------------------------------------------------- Mermaid


def to_mermaid(machine: CompiledMachine, edge_labels: EdgeLabels | None = None) -> str:
    """The machine as a Mermaid flowchart, one edge per transition.

    With ``edge_labels`` (see :func:`rule_labels`) each edge also names its rules, and an
    edge no rule fires is dashed; escalation edges are red (``linkStyle``) and marked ⚠.
    """
    lines = ["flowchart TD", f'    start_(("start")) --> {_node(machine.initial)}']
    for step in machine.card.steps:
        lines.append(f'    {_node(step.id)}["{_text(step.id)} ({step.kind})"]')
    for final in machine.terminal:
        lines.append(f'    {_node(final)}(["{_text(final)}"])')
    escalations: list[int] = []
    unfired: list[int] = []
    for index, t in enumerate(machine.transitions, start=1):  # link 0 is the start arrow
        text, rules = _label(t, edge_labels)
        lines.append(f'    {_node(t.source)} -->|"{_text(text)}"| {_node(t.target)}')
        if t.target == "escalated":
            escalations.append(index)
        elif edge_labels is not None and not rules:
            unfired.append(index)
    lines.append(
        f"    classDef escalation stroke:{ESCALATION_COLOUR},stroke-width:3px,"
        f"color:{ESCALATION_COLOUR}"
    )
    lines.append(f"    class {_node('escalated')} escalation")
    if escalations:
        lines.append(
            f"    linkStyle {','.join(map(str, escalations))} "
            f"stroke:{ESCALATION_COLOUR},stroke-width:3px,color:{ESCALATION_COLOUR}"
        )
    if unfired:
        lines.append(
            f"    linkStyle {','.join(map(str, unfired))} "
            f"stroke:{UNFIRED_COLOUR},stroke-dasharray:4 4,color:{UNFIRED_COLOUR}"
        )
    return "\n".join(lines) + "\n"


def _label(t: Transition, edge_labels: EdgeLabels | None) -> tuple[str, Sequence[str]]:
    rules = (edge_labels or {}).get((t.source, t.event, t.target), ())
    text = t.event + (" [" + ", ".join(rules) + "]" if rules else "")
    if t.target == "escalated":
        text = f"{ESCALATION_MARK} {text}"
    return text, rules


def _node(state: str) -> str:
    """A Mermaid node id for a state. The prefix keeps a step named like a Mermaid keyword
    (``end``, ``class``, ``style``...) from breaking the diagram; labels show the real name."""
    return f"s_{state}"


def _text(text: str) -> str:
    """A label on one line, safe inside Mermaid's ``"..."`` and ``|...|``."""
    return " ".join(text.replace('"', "#quot;").replace("|", "#124;").split())


# ---------------------------------------------------------------------- graphviz


def to_dot(machine: CompiledMachine, edge_labels: EdgeLabels | None = None) -> pydot.Dot:
    """The machine as a graphviz graph (the same picture as :func:`to_mermaid`): steps are
    boxes, the terminal states rounded, escalation edges red and bold (``penwidth=2``),
    edges no rule fires dashed and grey. ``.to_string()`` is its DOT source."""
    import pydot  # only drawings need it (and its parser library)

    graph = pydot.Dot(
        f"card_{machine.card.id}",
        graph_type="digraph",
        rankdir="TB",
        fontname="Helvetica",
        label=_dot(f"card {machine.card.id}"),
        labelloc="t",
    )
    graph.set_node_defaults(fontname="Helvetica", fontsize="11")
    graph.set_edge_defaults(fontname="Helvetica", fontsize="9")
    graph.add_node(pydot.Node("start_", shape="point", width="0.15"))
    for step in machine.card.steps:
        graph.add_node(
            pydot.Node(_node(step.id), shape="box", label=_dot(f"{step.id}\n({step.kind})"))
        )
    for final in machine.terminal:
        extra: dict[str, Any] = (
            {"color": ESCALATION_COLOUR, "fontcolor": ESCALATION_COLOUR, "penwidth": "2"}
            if final == "escalated"
            else {}
        )
        graph.add_node(
            pydot.Node(_node(final), shape="box", style="rounded", label=_dot(final), **extra)
        )
    graph.add_edge(pydot.Edge("start_", _node(machine.initial)))
    for t in machine.transitions:
        rules = (edge_labels or {}).get((t.source, t.event, t.target), ())
        label = "\n".join(
            [(f"{ESCALATION_MARK} " if t.target == "escalated" else "") + t.event, *rules]
        )
        style: dict[str, Any] = {}
        if t.target == "escalated":
            style = {"color": ESCALATION_COLOUR, "fontcolor": ESCALATION_COLOUR, "penwidth": "2"}
        elif edge_labels is not None and not rules:
            style = {"color": UNFIRED_COLOUR, "fontcolor": UNFIRED_COLOUR, "style": "dashed"}
        graph.add_edge(pydot.Edge(_node(t.source), _node(t.target), label=_dot(label), **style))
    return graph


def _dot(text: str) -> str:
    """A DOT label: backslashes are graphviz escapes, newlines become ``\\n``; pydot quotes
    the rest."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


# ---------------------------------------------------------------------- schema


def card_json_schema() -> dict[str, Any]:
    """JSON Schema of a topic card (draft 2020-12)."""
    schema = Card.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": CARD_SCHEMA_ID,
        **schema,
        "title": "frontdesk topic card",
    }


__all__ = [
    "CARD_SCHEMA_ID",
    "ESCALATION_COLOUR",
    "ESCALATION_MARK",
    "UNFIRED_COLOUR",
    "EdgeLabels",
    "card_json_schema",
    "rule_labels",
    "to_dot",
    "to_mermaid",
]
