"""Typed action calls built from a topic's fields, with content-derived idempotency keys.

The key is a hash of what the action would do, not of when or how often it is asked: a
retried webhook, a replayed turn or a second worker asking for the same booking all
produce the same key, and the store turns the second attempt into the first one's result.
The turn hands over the values a call is built from, never itself.
"""

from __future__ import annotations

import hashlib
import json
import re

from language.types import FAQ_FLOOR, Understanding

from .business import Business
from .state import ActionCall, ConversationState

# side effects keyed by content alone (the same booking from two conversations is one)
_CONTENT_KEYED = {
    "book": ("service", "staff", "start", "phone"),
    "reschedule": ("appointment", "start", "staff"),
    "cancel": ("appointment",),
}


def idempotency_key(business: str, name: str, parts: dict[str, str]) -> str:
    blob = json.dumps([business, name, parts], sort_keys=True, ensure_ascii=False)
    return f"{name}:{hashlib.sha256(blob.encode()).hexdigest()[:32]}"


def _slot(state: ConversationState, start: str) -> dict[str, str]:
    s = state.slot_at(start)
    if s is None:
        return {"start": start, "end": "", "staff": ""}
    return {"start": start, "end": s.end.isoformat(), "staff": s.staff, "service": s.service}


def _department_named(business: Business, text: str) -> str:
    """The department whose name or alias the message says ("die Abrechnung", "billing")."""
    words = " ".join(re.findall(r"\w+", text.casefold()))
    for d in business.departments:
        for alias in (*d.name.values(), *d.aliases):
            said = " ".join(re.findall(r"\w+", alias.casefold()))
            if said and re.search(rf"(?<!\w){re.escape(said)}(?!\w)", words):
                return d.id
    return ""


def action_call(
    action: str,
    card: str,
    *,
    business: Business,
    state: ConversationState,
    und: Understanding,
    lang: str,
    conversation: str,
) -> ActionCall:
    """The call of ``action`` that card ``card`` plans, from the active topic's fields, the
    message and what the conversation found and offered."""
    fields = state.active.fields if state.active else {}
    args: dict[str, str] = {}
    if action == "find_slots":
        service = fields.get("service", "")
        exclude = ""
        if not service and fields.get("appointment"):
            found = [a for a in state.found if a.id == fields["appointment"]]
            if found:
                service, exclude = found[0].service, found[0].id
                args["staff"] = fields.get("staff") or found[0].staff
        args.update(
            {
                "service": service,
                "date": fields.get("date", ""),
                "time": fields.get("time", ""),
                "part": fields.get("_part", ""),
                "after": fields.get("_after", ""),
                "exclude": exclude,
            }
        )
        args.setdefault("staff", fields.get("staff", ""))
        if fields.get("_before"):  # only when said, so earlier recorded calls replay alike
            args["before"] = fields["_before"]
        if fields.get("_earliest"):  # likewise
            args["earliest"] = "1"
    elif action == "book":
        args = {
            "service": fields.get("service", ""),
            "name": fields.get("name", ""),
            "phone": fields.get("phone", ""),
            "email": fields.get("email", ""),
            "address": fields.get("address", ""),
            "problem": fields.get("problem", ""),
        }
        args.update(_slot(state, fields.get("slot", "")))
    elif action == "reschedule":
        args = {"appointment": fields.get("appointment", "")}
        args.update(_slot(state, fields.get("slot", "")))
    elif action in ("cancel",):
        args = {"appointment": fields.get("appointment", "")}
    elif action in ("find_appointment", "send_code"):
        args = {"phone": fields.get("phone", "")}
    elif action == "check_code":
        args = {"phone": fields.get("phone", ""), "code": fields.get("code", "")}
    elif action == "take_message":
        args = {
            "name": fields.get("name", ""),
            "phone": fields.get("phone", ""),
            "message": fields.get("message", "") or und.text[:1000],
            "topic": card,
        }
    elif action == "answer_faq":
        best = und.faq[0] if und.faq else None
        args = {
            "faq": best.topic if best and best.score >= FAQ_FLOOR else "",
            "score": f"{best.score:.3f}" if best else "",
            "service": fields.get("service", ""),
            "lang": lang,
        }
    elif action in ("business_hours", "transfer", "emergency", "end_conversation"):
        args = {"lang": lang, "hazard": und.signals.hazard}
        asked = next((c.value for c in und.fields if c.type == "date" and not c.problem), "")
        if action == "business_hours" and asked:  # only when said: recorded calls replay alike
            args["date"] = asked
        named = _department_named(business, und.text) if action == "transfer" else ""
        if named:  # likewise
            args["department"] = named
    args["lang"] = lang
    keyed = _CONTENT_KEYED.get(action)
    if keyed is not None:
        parts = {k: args.get(k, "") for k in keyed}
    else:  # scoped to this turn of this conversation
        parts = dict(args, conversation=conversation, turn=str(state.turn))
    return ActionCall(name=action, args=args, key=idempotency_key(business.slug, action, parts))


def escalate_call(
    reason: str, *, business: Business, state: ConversationState, lang: str, conversation: str
) -> ActionCall:
    """The handover to a person, for ``reason``, keyed to this turn of the conversation."""
    args = {"reason": reason, "lang": lang}
    parts = dict(args, conversation=conversation, turn=str(state.turn))
    return ActionCall(
        name="escalate", args=args, key=idempotency_key(business.slug, "escalate", parts)
    )


__all__ = ["action_call", "escalate_call", "idempotency_key"]
