"""E-mail addresses, typed or spoken ("anna dot schmidt at gmail dot com", "anna punkt
schmidt ät gmx punkt de").

Spoken addresses are rebuilt from the words around an "at"; the rebuilt address must pass
the same check as a typed one. A typed token with an "@" that fails the check ("anna@",
"anna@gmail", "anna@@x.de") is an obvious attempt and comes back as ``invalid_email``.
Spoken "at" without a "dot" after it is ordinary English ("I'm at work") and is ignored.
"""

from __future__ import annotations

import re

from ..types import FieldCandidate
from ._spans import Claims, lower_keep

_LOCAL = r"[a-z0-9](?:[a-z0-9._%+\-]*[a-z0-9_%+\-])?"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
_VALID = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[a-z]{{2,24}}")
_TYPED = re.compile(r"(?<![\w.%+\-])[\w.%+\-]*@[\w.@\-]*")

_AT = r"(?:at|ät|@|klammeraffe|at-zeichen)"
_DOT = r"(?:dot|punkt|\.)"
_JOIN = {
    "dot": ".",
    "punkt": ".",
    "underscore": "_",
    "unterstrich": "_",
    "dash": "-",
    "hyphen": "-",
    "minus": "-",
    "bindestrich": "-",
    "strich": "-",
}
_PIECE = r"[a-z0-9][a-z0-9.\-_]*"
_CONNECT = r"(?:dot|punkt|underscore|unterstrich|dash|hyphen|minus|bindestrich|strich)"
_SPOKEN = re.compile(
    rf"(?<![\w@.\-])(?P<local>{_PIECE}(?:\s+{_CONNECT}\s+{_PIECE})*)\s+{_AT}\s+"
    rf"(?P<domain>{_PIECE}(?:\s+{_CONNECT}\s+{_PIECE})*)"
)


def extract_emails(text: str) -> list[FieldCandidate]:
    """Lower-cased addresses and broken attempts (``problem="invalid_email"``), best first."""
    low = lower_keep(text)
    claims = Claims()
    found: list[FieldCandidate] = []
    for m in _TYPED.finditer(low):
        raw = m.group(0).rstrip(".-")
        start, end = m.start(), m.start() + len(raw)
        if not raw or not claims.take(start, end):
            continue
        valid = _VALID.fullmatch(raw) is not None and ".." not in raw
        found.append(_candidate(text, start, end, raw if valid else "", 1.0 if valid else 0.8))
    for m in _SPOKEN.finditer(low):
        domain_words = m["domain"].split()
        if not any(w in ("dot", "punkt") or "." in w for w in domain_words):
            continue
        address = _join(m["local"]) + "@" + _join(m["domain"])
        address = address.rstrip(".")
        end = m.start() + len(m.group(0).rstrip(". "))
        if _VALID.fullmatch(address) is None or ".." in address:
            continue
        if claims.take(m.start(), end):
            found.append(_candidate(text, m.start(), end, address, 0.9))
    found.sort(key=lambda c: (c.problem != "", -c.confidence, c.span[0]))
    return found


def _join(spoken: str) -> str:
    return "".join(_JOIN.get(word, word) for word in spoken.split())


def _candidate(text: str, start: int, end: int, value: str, confidence: float) -> FieldCandidate:
    return FieldCandidate(
        type="email",
        value=value,
        problem="" if value else "invalid_email",
        span=(start, end),
        text=text[start:end],
        confidence=confidence,
    )
