"""Which of the offered slots the customer picked: by a button's label, by position
("the second one", "den zweiten", "number 2", "the last"), by time ("the 3pm", "um 15
Uhr"), by weekday ("Thursday's"), by staff ("with Sam") or by a mix ("the Thursday one at
3").

A label is exactly what :func:`language.slot_labels.slot_labels` words for this offer
(case and spacing aside); it is checked first, so a pressed button picks its slot and never
goes through the guessing below.

Constraints narrow the offered list in order; an ordinal then counts within what is left
("the second one on Thursday"). A position beyond the list ("the fifth" of three, "number
7") is ``no_such_option`` so the desk can re-list the options rather than guess. An ordinal
beyond the list that matches a slot's day of month ("the 14th") picks that slot.

A day, time or person that none of the offers has ("Monday", "5pm", "with Sam") is not a
pick but a new wish: the candidate says ``not_offered`` (it answers the offer, with
something else) and no slot is chosen; the date, time or staff candidate of the same
message makes the desk search again. So is a correction: in "no sorry, I meant Tuesday,
not Wednesday" the negated Wednesday is no constraint, and Tuesday, when not offered, is a
new day to search.

A bare number ("2", "10", "great, 11 then") is a clock time when an offer starts at that
hour ("10" with an offer at 10:00 is 10 am), else an option number when there is such an
option, else — when it can be an hour — a new wish for that hour (``not_offered``; the
message's time candidate makes the desk search again), else ``no_such_option``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..slot_labels import slot_for_label
from ..types import FieldCandidate, Lang, Slot
from . import _clock
from ._numbers import CARDINALS, ORDINAL_WORD_RE, parse_number, parse_ordinal
from ._spans import lower_keep, preceding_words, wordlist
from ._vocab import FILLERS, NEGATORS, WEEKDAY_RE, negated, weekday_of
from .catalog import word_similarity
from .signals import extract_signals

_NUMWORD = "|".join(sorted((w for w in CARDINALS if " " not in w), key=len, reverse=True))
_NUMWORD_FILLERS = "|".join(
    re.escape(w)
    for w in sorted(
        set(
            wordlist(
                "great good ok okay fine perfect yes yeah yep sure then please thanks so um uh well "
                "let's lets do say make it that one works is how about the ja gut gerne dann bitte "
                "danke also na die den der das nehme ich genau passt prima super"
            )
        ),
        key=len,
        reverse=True,
    )
)
_LABELLED = re.compile(
    rf"\b(?:option|number|nummer|nr\.?|no\.|choice|slot|vorschlag)\s*(?P<n>\d{{1,2}}(?!\d)|"
    rf"(?:{_NUMWORD})\b)|#\s*(?P<h>\d{{1,2}})(?!\d)"
)
_ORD = re.compile(rf"\b(?P<o>{ORDINAL_WORD_RE}|\d{{1,2}}(?:st|nd|rd|th)\b)")
_ORD_BEFORE = frozenset(
    wordlist(
        "the den der die das dem take nehme nehm nehmen nehmen's lieber choose pick want "
        "like go with"
    )
)
_ORD_AFTER = re.compile(
    r"\s*(?:one|option|slot|appointment|time|termin|vorschlag|please|bitte|is\s+fine|works|"
    r"passt|$|[,.!])"
)
_SPECIAL = re.compile(
    r"\b(?P<last>(?:the\s+)?(?:last|latter|final)(?:\s+one)?|(?:den|der|die|das)\s+letzte[nrms]?|"
    r"letzte[nrms]?)\b(?!\s+(?:week|woche|monday|tuesday|wednesday|thursday|friday|montag|"
    r"dienstag|mittwoch|donnerstag|freitag|samstag|sonntag))|"
    r"\b(?P<first>former|earliest|earlier\s+one|fr(?:ü|ue|u)heste[nrms]?|fr(?:ü|ue|u)here[nrms]?)\b|"
    r"\b(?P<late>latest|later\s+one|sp(?:ä|ae|a)teste[nrms]?|sp(?:ä|ae|a)tere[nrms]?)\b|"
    r"\b(?P<middle>middle\s+one|mittlere[nrms]?)\b"
)
_ANY = re.compile(
    r"\b(?:whichever|any\s+of\s+them|either\s+(?:one|is\s+fine|works)|doesn't\s+matter\s+which|"
    r"egal\s+welche[nrms]?|irgendeine[nrms]?|beide\s+gehen|both\s+work)\b"
)
# a message that is only a number, with fillers around it ("great, 11 then", "ja, die 2 bitte")
_NUMBER_ALONE = re.compile(
    rf"^(?:\W*(?:{_NUMWORD_FILLERS})\b)*\W*(?:(?P<n>\d{{1,2}})|(?P<w>{_NUMWORD}))\b"
    rf"(?:\W*(?:{_NUMWORD_FILLERS})\b)*\W*$"
)
_STAFF_SKIP = frozenset(wordlist("dr doctor doktor frau herr mr mrs ms prof"))


@dataclass
class _Wanted:
    spans: list[tuple[int, int]] = field(default_factory=list)
    index: int | None = None  # 1-based position, or -1 for the last
    special: str = ""
    weekdays: set[int] = field(default_factory=set)
    times: list[tuple[set[tuple[int, int]], bool]] = field(default_factory=list)
    staff: set[str] = field(default_factory=set)
    bare: bool = False  # the message is only a number

    @property
    def filtered(self) -> bool:
        return bool(self.weekdays or self.times or self.staff)


def number_alone(low: str) -> tuple[int, int] | None:
    """The span of the number in a message that is only a number with fillers around it
    ("great, 11 then", "ja, die 2 bitte"), else None."""
    m = _NUMBER_ALONE.match(low)
    if m is None:
        return None
    return m.span("n") if m["n"] else m.span("w")


def _bare_number(low: str, offered: tuple[Slot, ...], wanted: _Wanted) -> bool:
    """A message that is only a number: an offered clock hour first, else an option number."""
    m = _NUMBER_ALONE.match(low)
    if m is None:
        return False
    value = parse_number(m["n"] or m["w"])
    if value is None:
        return False
    span = m.span("n") if m["n"] else m.span("w")
    hours = {
        s.start.hour
        for s in offered
        if s.start.minute == 0
        and (s.start.hour == value or 1 <= value <= 12 and s.start.hour % 12 == value % 12)
    }
    if hours:
        wanted.times.append(({(h, 0) for h in hours}, len(hours) > 1))
    else:
        wanted.index, wanted.bare = value, True
    wanted.spans.append(span)
    return True


def _ordinal(low: str, wanted: _Wanted, offered: tuple[Slot, ...]) -> None:
    m = _LABELLED.search(low)
    if m:
        wanted.index = parse_number(m["n"] or m["h"])
        wanted.spans.append(m.span())
        return
    if _bare_number(low, offered, wanted):
        return
    for m in _ORD.finditer(low):
        before = preceding_words(low, m.start(), 2)
        if NEGATORS.intersection(before):
            continue
        whole = not low[: m.start()].strip(" ,.!") or all(w in FILLERS for w in before)
        if (
            before
            and before[-1] in _ORD_BEFORE
            or _ORD_AFTER.match(low[m.end() :])
            and (whole or before and before[-1] in _ORD_BEFORE)
            or whole
            and _ORD_AFTER.match(low[m.end() :])
        ):
            wanted.index = parse_ordinal(m["o"])
            wanted.spans.append(m.span())
            return
    m = _SPECIAL.search(low)
    if m:
        wanted.special = next(k for k in ("last", "first", "late", "middle") if m[k])
        wanted.spans.append(m.span())


def _constraints(low: str, lang: Lang, offered: tuple[Slot, ...], wanted: _Wanted) -> None:
    for m in re.finditer(rf"\b{WEEKDAY_RE}", low):
        day = weekday_of(m["wd"])
        if day is not None and not negated(low, m.start(), m.end()):
            wanted.weekdays.add(day)
            wanted.spans.append(m.span())
    for hit, preference in _clock.scan(low, lang):
        if preference or negated(low, hit.start, hit.end):
            continue
        options = {(hit.hour, hit.minute)}
        if hit.confidence < 1:
            options.add(((hit.hour + 12) % 24, hit.minute))
        wanted.times.append((options, hit.confidence < 1))
        wanted.spans.append((hit.start, hit.end))
    words = [(m.group(0), m.span()) for m in re.finditer(r"[^\W\d_]+", low)]
    for slot in offered:
        for part in re.findall(r"[^\W\d_]+", slot.staff_name.lower()):
            if part in _STAFF_SKIP or len(part) < 3:
                continue
            for word, span in words:
                if negated(low, *span):
                    continue
                if word_similarity(word.removesuffix("s"), part) >= 90 or word == part:
                    wanted.staff.add(slot.staff)
                    wanted.spans.append(span)


def _filter(offered: tuple[Slot, ...], wanted: _Wanted) -> list[Slot]:
    pool = list(offered)
    if wanted.weekdays:
        pool = [s for s in pool if s.start.weekday() in wanted.weekdays]
    if wanted.staff:
        pool = [s for s in pool if s.staff in wanted.staff]
    for options, _ambiguous in wanted.times:
        pool = [s for s in pool if (s.start.hour, s.start.minute) in options]
    return pool


def choose_offered(
    text: str, lang: Lang, offered: tuple[Slot, ...], timezone: str = ""
) -> FieldCandidate | None:
    """The offered slot the text picks, ``no_such_option`` for a clear miss, else ``None``.

    ``timezone`` (the business's) is where the buttons' labels read the slots' times."""
    if not offered:
        return None
    pressed = slot_for_label(text, offered, (lang,), timezone)
    if pressed is not None:
        return FieldCandidate(
            type="offered_slot",
            value=pressed.start.isoformat(),
            span=(0, len(text)),
            text=text,
            confidence=1.0,
        )
    low = lower_keep(text)
    wanted = _Wanted()
    _ordinal(low, wanted, offered)
    if not wanted.times:
        _constraints(low, lang, offered, wanted)
    pool = _filter(offered, wanted) if wanted.filtered else list(offered)
    chosen: Slot | None = None
    confidence = 1.0
    if wanted.index is not None:
        if 1 <= wanted.index <= len(pool):
            chosen = pool[wanted.index - 1]
        else:
            by_day = [s for s in offered if s.start.day == wanted.index]
            if by_day and not wanted.filtered:
                chosen = by_day[0]
            elif wanted.index > 10 and not wanted.filtered and not wanted.bare:
                return None  # "the 24th" is a date, not an option number
            elif wanted.bare and 1 <= wanted.index <= 23:
                return _miss(text, wanted, "not_offered")  # "10" of three: 10 o'clock
            elif wanted.filtered and not pool:
                return _miss(text, wanted, "not_offered")
            else:
                return _miss(text, wanted)
    elif wanted.special:
        if not pool:
            return _miss(text, wanted, "not_offered")
        ordered = sorted(pool, key=lambda s: s.start)
        chosen = {
            "last": pool[-1],
            "first": ordered[0],
            "late": ordered[-1],
            "middle": pool[len(pool) // 2],
        }[wanted.special]
    elif wanted.filtered:
        if not pool:
            return _miss(text, wanted, "not_offered")
        chosen = pool[0]
        if len(pool) > 1:
            confidence = 0.5
        elif any(ambiguous for _o, ambiguous in wanted.times):
            confidence = 0.9
    else:
        m = _ANY.search(low)
        signals = extract_signals(text, lang)
        if m:
            chosen, confidence = offered[0], 0.7
            wanted.spans.append(m.span())
        elif len(offered) == 1 and signals.affirm and not signals.deny:
            chosen, confidence = offered[0], 0.8
            wanted.spans.append((0, len(low)))
    if chosen is None:
        return None
    return _found(text, chosen, wanted, confidence)


def _span(wanted: _Wanted, size: int) -> tuple[int, int]:
    if not wanted.spans:
        return (0, size)
    return min(s for s, _ in wanted.spans), max(e for _, e in wanted.spans)


def _found(text: str, slot: Slot, wanted: _Wanted, confidence: float) -> FieldCandidate:
    span = _span(wanted, len(text))
    return FieldCandidate(
        type="offered_slot",
        value=slot.start.isoformat(),
        span=span,
        text=text[span[0] : span[1]],
        confidence=confidence,
    )


def _miss(text: str, wanted: _Wanted, problem: str = "no_such_option") -> FieldCandidate:
    """``no_such_option``: a position that is not there; ``not_offered``: a day, time or
    person none of the offers has (a new wish, which the desk searches for)."""
    span = _span(wanted, len(text))
    return FieldCandidate(
        type="offered_slot",
        problem=problem,
        span=span,
        text=text[span[0] : span[1]],
        confidence=0.8,
    )
