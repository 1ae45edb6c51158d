"""Parts of the day ("in the afternoon", "tonight", "abends") and what they do to a clock hour.

A part of the day says which half of the day an hour said without am/pm is in: "afternoon
3" is 15:00, "evening 5:15" 17:15, "abends um 7" 19:00, "morning 10" 10:00, "tonight at
8" 20:00. It is read as a meridiem, not as a window: "3:45 in the evening" is 15:45 and
"this afternoon at 11" 23:00, because whichever half of the day it names is the only
reading of the hour the customer said ("in the morning" is am, "afternoon", "evening" and
"tonight" are pm; "at night" is pm from 6 to 11 and am from 1 to 5; "mittags" is 11, 12
or 1-5 pm).

Twelve o'clock is read with a part of the day only when the part qualifies the clock itself
and the part settles it: "12 in the afternoon" and "afternoon 12" are noon, "12 at night"
midnight. "12 in the morning" and "12 in the evening" (noon or midnight?) and a part that
names the day instead ("this afternoon at 12", "tonight at 12") read as nothing: the desk
asks again rather than guess.

A 24-hour time must agree with its part of the day ("15:20 am Nachmittag", "20 Uhr
abends"): morning before 12, afternoon and evening from 12, night from 18 or before 6,
midday 11-15; "15:00 in the morning" reads as nothing.
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
    + _FRUEH
    + r"|in\s+der\s+nacht|zu\s+mittag)(?!\w))?"
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
    "morning": (0, 12),
    "afternoon": (12, 24),
    "evening": (12, 24),
    "night": (18, 30),
    "midday": (11, 15),
}


def part_name(words: str) -> str:
    """The part of the day a qualifier names (``""`` for none)."""
    w = words.lower()
    if "after" in w or "nachmittag" in w:
        return "afternoon"
    if (
        "morning" in w
        or "morgen" in w
        or "vormittag" in w
        or "früh" in w
        or "fruh" in w
        or "frueh" in w
    ):
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
    if part in ("afternoon", "evening"):
        return hour + 12
    if part == "night":
        return hour + 12 if hour >= 6 else hour
    if part == "midday":
        return hour if hour == 11 else hour + 12 if hour <= 5 else None
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
