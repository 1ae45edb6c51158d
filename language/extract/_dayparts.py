"""Parts of the day ("in the afternoon", "tonight", "abends") and what they do to a clock hour.

A part of the day turns an hour said without am/pm into one reading or none: "afternoon 3"
is 15:00, "evening 5:15" 17:15, "abends um 7" 19:00. When the hour cannot lie in that part
of the day ("this evening at 2", "this afternoon at 11") the phrase contradicts itself and
no time is read: the desk asks again instead of guessing.

Twelve o'clock is read with a part of the day only when the part qualifies the clock itself
("12 in the afternoon", "afternoon 12" are noon; "12 at night" is midnight). When the part
names the day instead ("this afternoon at 12", "tonight at 12") noon and midnight are both
heard in practice, so nothing is read.

The windows, as hours on a 12-hour dial (1..12):

==========  =========================================  ============
part        hours read                                  12 o'clock
==========  =========================================  ============
morning     1..11 as they are (am)                      not read
afternoon   1..7 → 13..19                               noon
evening     4..11 → 16..23 (people say "evening 4")     not read
night       8..11 → 20..23; 1..5 as they are            midnight
midday      11 as it is; 1..3 → 13..15 ("mittags")      noon
==========  =========================================  ============

A 24-hour time ("15:20 am Nachmittag", "20 Uhr abends") must lie in its part's span
(morning 0-12, afternoon 12-20, evening 16-24, night 20-6, midday 11-15), else nothing is
read either.
"""

from __future__ import annotations

import re

from ._spans import de

_FRUEH = de("früh")
# a part of the day said right after a clock time ("3 in the afternoon", "8 tonight")
QUAL_AFTER = (
    r"(?:\s+(?P<q>in\s+the\s+(?:morning|afternoon|evening|night)|in\s+(?:afternoon|morning|evening)"
    r"|at\s+night|tonight|this\s+(?:morning|afternoon|evening)|morgens|" + _FRUEH + r"|vormittags"
    r"|nachmittags|abends|nachts|mittags|am\s+(?:morgen|vormittag|nachmittag|abend)|in\s+der\s+"
    + _FRUEH + r"|in\s+der\s+nacht|zu\s+mittag)(?!\w))?"
)
# a part of the day said right before a clock time ("afternoon 3", "abends um 7")
QUAL_BEFORE = (
    r"(?P<pq>(?:early\s+|late\s+)?(?:in\s+the\s+|the\s+)?(?:morning|afternoon|evening)|tonight"
    r"|morgens|vormittags|nachmittags|abends|nachts|mittags)\s+(?:(?:um|gegen)\s+)?"
)
# a part of the day anywhere in the clause ("tonight at 8", "9 tomorrow morning")
_MENTION = re.compile(
    r"\b(?:(?:early|late)\s+)?(?P<w>mornings?|afternoons?|evenings?|tonight|night|"
    r"morgens|vormittags?|nachmittags?|abends?|nachts?|mittags|" + _FRUEH + r")\b"
)
# words that may stand between a part of the day and the clock time it qualifies
_LINK = re.compile(
    r"(?:\s|,|@|\b(?:at|around|about|for|by|on|in|the|this|tomorrow|today|tonight|early|late|"
    r"um|gegen|so|ca|circa|etwa|am|den|der|dem|morgen|heute|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|sonnabend)\b)*"
)
_NOT_A_PART_BEFORE = ("good", "guten", "einen", "schönen", "schoenen", "jeden", "every")

_SPANS_24H: dict[str, tuple[int, int]] = {
    "morning": (0, 12), "afternoon": (12, 20), "evening": (16, 24), "night": (20, 30),
    "midday": (11, 15),
}


def part_name(words: str) -> str:
    """The part of the day a qualifier names (``""`` for none)."""
    w = words.lower()
    if "after" in w or "nachmittag" in w:
        return "afternoon"
    if "morning" in w or "morgen" in w or "vormittag" in w or "früh" in w or "fruh" in w \
            or "frueh" in w:
        return "morning"
    if "evening" in w or "abend" in w or "tonight" in w:
        return "evening"
    if "night" in w or "nacht" in w:
        return "night"
    if "mittag" in w:
        return "midday"
    return ""


def apply_part(hour: int, part: str, attached: bool, clock24: bool) -> int | None:
    """``hour`` read in ``part`` of the day (module docstring), or ``None`` when it cannot be.

    ``hour`` is 0..23 when ``clock24``, else 1..12 on the dial; ``attached`` says the part
    qualifies the clock itself rather than naming the day."""
    if clock24:
        low, high = _SPANS_24H[part]
        return hour if low <= hour < high or low <= hour + 24 < high else None
    if hour == 12:
        if not attached:
            return None
        return {"afternoon": 12, "midday": 12, "night": 0}.get(part)
    if part == "morning":
        return hour
    if part == "afternoon":
        return hour + 12 if hour <= 7 else None
    if part == "evening":
        return hour + 12 if hour >= 4 else None
    if part == "night":
        return hour + 12 if hour >= 8 else hour if hour <= 5 else None
    if part == "midday":
        return hour if hour == 11 else hour + 12 if hour <= 3 else None
    return None


def mentions(low: str) -> list[tuple[int, int, str]]:
    """Parts of the day named in ``low`` as (start, end, part); greetings are not parts."""
    found = []
    for m in _MENTION.finditer(low):
        head = low[max(0, m.start() - 12) : m.start()].split()
        if head and head[-1] in _NOT_A_PART_BEFORE:
            continue
        found.append((m.start(), m.end(), part_name(m["w"])))
    return found


def linked(low: str, start: int, end: int) -> bool:
    """Whether ``low[start:end]`` only links a part of the day to a clock time."""
    gap = low[start:end]
    if len(gap) > 40 or len(gap.split()) > 4:
        return False
    m = _LINK.fullmatch(gap)
    return m is not None
