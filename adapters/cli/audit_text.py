"""A recorded turn in plain words, for ``frontdesk audit``.

What an owner reads: what the customer wrote, what the desk understood (the topic with its
confidence and the runner-up, each field with the words it came from), every rule that
fired with its reason, the facts it matched as ``name = value`` and what it did, the
machine's transitions, the actions with their arguments and results, and the reply. The
record itself (``audit --json``) is the contract; this is only its reading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from engine.audit import ERASED

from .output import quoted

LANGUAGES = {"en": "English", "de": "German"}
PHASES = {
    "conversation": "conversation rules",
    "card": "card rules",
    "after": "after the card",
    "guard": "guardrails",
}
_REF = re.compile(r"^Ref\(name='([^']*)'\)$")
_SUPERSEDED = " (superseded)"


def value(v: object) -> str:
    """A fact's value as an owner reads it: ``true``, ``(not set)``, ``Jamie Rivera``."""
    if v is None:
        return "(not set)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.4g}"
    text = str(v)
    return quoted(text) if text == "" or text != text.strip() or "\n" in text else text


def assignments(values: Mapping[str, object], skip_empty: bool = False) -> str:
    """``name = value, name = value`` (sorted by name)."""
    return ", ".join(
        f"{k} = {value(v)}"
        for k, v in sorted(values.items())
        if not (skip_empty and v in ("", None))
    )


def consequence(text: str, matched: Mapping[str, object]) -> str:
    """A rule's recorded consequence (``set decision.topic = Ref(name='topic.active')``,
    ``emit advance``, ``say ask date``) in words; one the desk did not apply (a rule of
    higher priority in the same round decided it) says so."""
    superseded = text.endswith(_SUPERSEDED)
    text = text.removesuffix(_SUPERSEDED)
    verb, _, rest = text.partition(" ")
    if verb == "set" and " = " in rest:
        name, _, raw = rest.partition(" = ")
        ref = _REF.match(raw)
        if ref is not None:
            source = ref.group(1)
            said = (
                f"{name} = {value(matched[source])} (from {source})"
                if source in matched
                else f"{name} = the value of {source}"
            )
        else:
            said = f"{name} = {value(_literal(raw))}"
        said = f"set {said}"
    elif verb == "emit":
        said = f"machine event {rest}"
    elif verb == "plan":
        said = f"run action {rest}"
    elif verb == "escalate:":
        said = f"hand over to a person: {rest}"
    elif verb == "say":
        kind, _, arg = rest.partition(" ")
        said = (
            f"ask for {arg}"
            if kind == "ask" and arg
            else f"reply with {kind}" + (f" ({arg})" if arg else "")
        )
    else:
        said = text
    return said + (" — not applied: a rule before it decided this" if superseded else "")


def _literal(raw: str) -> object:
    return {"True": True, "False": False, "None": None}.get(raw, raw)


def understanding(und: Mapping[str, Any]) -> list[str]:
    """``understood: English; topic book (confidence 0.86, runner-up faq 0.63)`` and a
    line per field found, with the words it came from."""
    lang = LANGUAGES.get(und.get("lang", ""), und.get("lang", ""))
    topics: Sequence[Mapping[str, Any]] = und.get("topics") or ()
    if topics:
        best = topics[0]
        said = f"topic {best['topic']} (confidence {best['score']:.2f}"
        if len(topics) > 1:
            said += f", runner-up {topics[1]['topic']} {topics[1]['score']:.2f}"
        said += ")"
    else:
        said = "no topic"
    parts = [lang, said]
    if und.get("problem"):
        parts.append(f"the message is {und['problem']}")
    signals = und.get("signals") or {}
    on = [k for k, v in sorted(signals.items()) if v is True]
    on += [f"{k} {v}" for k, v in sorted(signals.items()) if isinstance(v, str) and v != "none"]
    if on:
        parts.append("signals: " + ", ".join(on))
    for key, label in (
        ("part_of_day", "part of day"),
        ("after_time", "after"),
        ("before_time", "before"),
    ):
        if und.get(key):
            parts.append(f"{label} {und[key]}")
    faq = und.get("faq") or ()
    if faq:
        parts.append(f"closest FAQ entry {faq[0]['topic']} ({faq[0]['score']:.2f})")
    if und.get("cues"):
        parts.append("cue words for " + ", ".join(und["cues"]))
    lines = ["  understood: " + "; ".join(parts)]
    for ev in und.get("evidence") or ():
        near = ", ".join(f"{quoted(text)} ({sim:.2f})" for text, sim in ev.get("nearest", ()))
        weighed = ", ".join(f"{name} ({weight:+.2f})" for name, weight in ev.get("features", ()))
        lines.append(
            f"    why {ev['topic']}: nearest examples {near or '-'}; weighed most: {weighed or '-'}"
        )
    for f in und.get("fields") or ():
        what = (
            f"{f['type']} = {value(f['value'])}"
            if not f.get("problem")
            else f"{f['type']}: not usable ({f['problem']})"
        )
        sure = f", confidence {f['confidence']:.2f}" if f.get("confidence", 1.0) < 1.0 else ""
        came = f"from {quoted(f['text'])}" if f.get("text") else "from the conversation"
        lines.append(f"    {what}  {came}{sure}")
    return lines


def turn_text(n: int, rec: Mapping[str, Any], digest: str) -> str:
    """One recorded turn (``rec``: a TurnRecord as JSON) in plain words."""
    if ERASED in rec:  # a tombstone: retention or the right to erasure removed the rest
        return f"turn {n}  {rec.get('now', '')}  erased (personal parts removed; hash kept)"
    d: Mapping[str, Any] = rec.get("decision") or {}
    und = rec["understanding"]
    lines = [
        f"turn {n}  {rec['now']}  {rec['event']['channel']}",
        f"  customer: {quoted(rec['event']['text'])}",
        *understanding(und),
    ]
    if und.get("backend", "offline") != "offline":
        lines.append(f"  language: {und['backend']} ({und.get('model', '')})")
    for c in [*und.get("model_calls", []), *rec["reply"].get("model_calls", [])]:
        why = f" because {c['reason']}" if c.get("reason") else ""
        note = f"; {c['note']}" if c.get("note") else ""
        lines.append(
            f"  model {c['purpose']}: {c['outcome']}{why}{note} "
            f"[{c['tokens_in']}+{c['tokens_out']} tokens, {c['latency_ms']:.0f} ms, "
            f"prompt {c['prompt_hash'][:12]}] raw {c['raw'][:200]!r}"
        )
    reasons = {f["rule"]: f.get("reason", "") for f in d.get("firings", [])}
    for s in d.get("switches", []):
        why = "; ".join(f"{r} ({reasons[r]})" if reasons.get(r) else r for r in s["reasons"])
        lines.append(
            f"  topic: {s['source'] or '(none)'} -> {s['target']} ({s['kind']}, "
            f"confidence {s['confidence']:.2f}) because {why}"
        )
    for f in d.get("firings", []):
        phase = PHASES.get(f["phase"], f["phase"])
        lines.append(
            f"  rule {f['rule']} ({phase}, round {f['round'] + 1}): "
            f"{f.get('reason') or '(no reason given)'}"
        )
        if f["matched"]:
            lines.append(f"    facts: {assignments(f['matched'])}")
        if f["then"]:
            lines.append("    then: " + "; ".join(consequence(t, f["matched"]) for t in f["then"]))
    for t in d.get("transitions", []):
        mark = " REFUSED" if t["refused"] else ""
        lines.append(
            f"  transition {t['card']}: {t['source']} --{t['event']}--> "
            f"{t['target']}{mark} (by {t['rule']})"
        )
    args = {a["key"]: a["args"] for a in d.get("actions", [])}
    for r in rec.get("results", []):
        lines.append(
            f"  action {r['name']} [{r['key']}] -> {'ok' if r['ok'] else 'failed'}"
            f"{' (' + r['error'] + ')' if r['error'] else ''}"
        )
        if args.get(r["key"]):
            lines.append(f"    with {assignments(args[r['key']], skip_empty=True)}")
    for a in d.get("actions", []):
        if a["key"] not in {r["key"] for r in rec.get("results", [])}:
            lines.append(f"  action {a['name']} [{a['key']}] planned, not run")
            if a["args"]:
                lines.append(f"    with {assignments(a['args'], skip_empty=True)}")
    for reason in d.get("escalations", []):
        lines.append(f"  handed over to a person: {reason}")
    items = [i["kind"] for i in (d.get("plan") or {}).get("items", [])]
    lines.append(f"  plan: {', '.join(items) or '(nothing)'}")
    lines.append(f"  reply: {quoted(rec['reply']['text'])}")
    if rec.get("error"):
        lines.append(f"  error: {rec['error']}")
    lines.append(f"  hash: {digest}")
    return "\n".join(lines)


__all__ = ["assignments", "consequence", "turn_text", "understanding", "value"]
