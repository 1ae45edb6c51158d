"""The grounding check: a reply may state only facts its reply plan carries.

"No claim without a committed fact" is checked here, on the words themselves: every time,
date, weekday, price, phone number and person name the reply states must appear in the
plan, and a status word ("booked", "cancelled", "moved", "passed it on", "payment
received") is allowed only when the plan holds the matching committed item. The offline
renderer passes by construction (its templates carry no facts); the check exists to
guard model-written wording, where a refused reply falls back to the templates.

Text quoted verbatim from the plan is supported by definition: a claim that lies wholly
inside such a quote is not checked, so a customer's problem description "it was cancelled
twice" in a read-back is not a status claim of ours. A claim reaching beyond the quote
("25 Nov" around a quoted "Nov") is checked like any other.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from language.claims import WORD, Claim, ClaimKind, extract_claims, phone_digits
from language.templates import parse_when, split_options
from language.types import ReplyPlan

# status category → the plan item kinds that make it true
STATUS_KINDS: dict[str, frozenset[str]] = {
    "booked": frozenset({"booked", "rescheduled"}),
    "cancelled": frozenset({"cancelled", "already_cancelled"}),
    "moved": frozenset({"rescheduled"}),
    "paid": frozenset({"payment_received"}),
    "message": frozenset({"message_taken"}),
}
MIN_QUOTE = 2  # characters a plan string needs to count as a quote
MIN_PHONE_OVERLAP = 6
_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Support:
    """What a plan supports: canonical values per claim kind, phone digits, words, kinds."""

    values: dict[ClaimKind, set[str]] = field(default_factory=dict)
    phones: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    quotes: set[str] = field(default_factory=set)

    def add(self, kind: ClaimKind, value: str) -> None:
        self.values.setdefault(kind, set()).add(value)

    def add_moment(self, moment: datetime | date | time) -> None:
        if isinstance(moment, datetime):
            self.add_moment(moment.date())
            self.add_moment(moment.time())
        elif isinstance(moment, date):
            self.add("date", f"{moment.month:02d}-{moment.day:02d}")
            self.add("weekday", str(moment.weekday()))
        else:
            self.add("time", f"{moment.hour:02d}:{moment.minute:02d}")

    def add_string(self, value: str) -> None:
        if not value.strip():
            return
        piece = _string_support(value)
        self.quotes.update(piece.quotes)
        self.phones.update(piece.phones)
        self.words.update(piece.words)
        for kind, v in piece.values:
            self.add(kind, v)
        if piece.moment is not None:
            self.add_moment(piece.moment)


@dataclass(frozen=True)
class _Piece:
    """What one plan string supports; the same strings (the business's name, services,
    staff, FAQ answers) come back turn after turn, so this is computed once per string."""

    quotes: tuple[str, ...]
    values: tuple[tuple[ClaimKind, str], ...]
    phones: tuple[str, ...]
    words: tuple[str, ...]
    moment: datetime | date | time | None


@functools.lru_cache(maxsize=8192)
def _string_support(value: str) -> _Piece:
    stripped = value.strip()
    quotes = tuple(t for t in {value, stripped} if len(t.strip()) >= MIN_QUOTE)
    values: list[tuple[ClaimKind, str]] = []
    phones: set[str] = set()
    for claim in extract_claims(value):
        if claim.kind == "phone":
            phones.update(claim.values)
        elif claim.kind != "name" and claim.kind != "status":
            values.extend((claim.kind, v) for v in claim.values)
    phones.update(phone_digits(value))
    moment = parse_when(value)
    if moment is None:  # a number read back digit by digit, or with unusual separators
        digits = re.sub(r"\D", "", value)
        if len(digits) >= MIN_PHONE_OVERLAP:
            phones.add(digits)
    return _Piece(
        quotes=quotes,
        values=tuple(values),
        phones=tuple(phones),
        words=tuple(w.lower() for w in WORD.findall(value)),
        moment=moment,
    )


def plan_support(plan: ReplyPlan) -> Support:
    """Everything ``plan`` says, as values a claim can be checked against."""
    support = Support()
    strings = [plan.business_name, *plan.options]
    for item in plan.items:
        support.kinds.add(item.kind)
        for key, value in item.data.items():
            strings.extend((key, value, *split_options(value)))
            if item.kind == "hours" and key in _DAY_KEYS:
                support.add("weekday", str(_DAY_KEYS.index(key)))
        for slot in item.slots:
            strings.extend((slot.staff_name, slot.staff, slot.service))
            support.add_moment(slot.start)  # not the end: replies offer start times
    for value in strings:
        support.add_string(value)
    return support


def _quoted(text: str, quotes: set[str]) -> list[tuple[int, int]]:
    """Where ``text`` quotes a plan string whole (not as part of a longer word or number)."""
    if not quotes:
        return []
    pattern = _quote_pattern(tuple(sorted(quotes, key=lambda q: (-len(q), q))))
    return [m.span() for m in pattern.finditer(text)]


@functools.lru_cache(maxsize=1024)
def _quote_pattern(quotes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(q) for q in quotes)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _inside(span: tuple[int, int], regions: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in regions)


def _phone_supported(digits: str, phones: set[str]) -> bool:
    claim = digits.lstrip("0")
    for known in phones:
        known = known.lstrip("0")
        if min(len(claim), len(known)) >= MIN_PHONE_OVERLAP and (claim in known or known in claim):
            return True
    return False


def _problem(claim: Claim, support: Support) -> str | None:
    if claim.kind == "status":
        allowed = STATUS_KINDS[claim.values[0]]
        if allowed & support.kinds:
            return None
        return f"status {claim.shown!r} needs a {'/'.join(sorted(allowed))} item in the plan"
    if claim.kind == "name":
        missing = [w for w in claim.values if w not in support.words]
        return f"name {claim.shown!r} is not in the plan" if missing else None
    if claim.kind == "phone":
        ok = _phone_supported(claim.values[0], support.phones)
    else:
        ok = any(v in support.values.get(claim.kind, ()) for v in claim.values)
    return None if ok else f"{claim.kind} {claim.shown!r} is not in the plan"


def check_grounded(text: str, plan: ReplyPlan) -> list[str]:
    """Problems with ``text`` as a wording of ``plan``; ``[]`` when every claim is supported."""
    support = plan_support(plan)
    problems: list[str] = []
    quoted = _quoted(text, support.quotes)
    for claim in extract_claims(text):
        if _inside(claim.span, quoted):
            continue  # the plan's own words, quoted verbatim
        problem = _problem(claim, support)
        if problem is not None and problem not in problems:
            problems.append(problem)
    return problems


__all__ = ["STATUS_KINDS", "Support", "check_grounded", "plan_support"]
