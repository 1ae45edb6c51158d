"""Wording of the ``hours`` item: the week as a compact table, today, open now or not.

The week arrives either preformatted (``week``, as the engine's ``week_summary`` writes it)
or as one key per weekday (``mon`` … ``sun``: ``"08:00-12:30,13:30-18:00"`` or
``closed``); consecutive days with the same hours are grouped ("Mon–Thu …").
"""

from __future__ import annotations

import re

from language import templates as tpl
from language.types import Lang, PlanItem, ReplyPlan


def _get(item: PlanItem, key: str) -> str:
    return item.data.get(key, "").strip()


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def _day_hours(value: str, lang: Lang) -> str:
    if not value or value.lower() == "closed":
        return tpl.text(lang, "hours.closed")
    shown: list[str] = []
    for piece in re.split(r"[,;]", value):
        m = _INTERVAL.match(piece)
        start = tpl.parse_clock(m.group(1)) if m else None
        end = tpl.parse_clock(m.group(2)) if m else None
        if start is None or end is None:
            shown.append(piece.strip())
            continue
        to = tpl.text(lang, "hours.to")
        a = tpl.format_time(start, lang, unit=False)
        b = tpl.format_time(end, lang)
        shown.append(f"{a} {to} {b}")
    return f" {tpl.text(lang, 'hours.and')} ".join(p for p in shown if p)


def _hours_table(item: PlanItem, lang: Lang) -> str:
    groups: list[tuple[list[int], str]] = []
    for i, day in enumerate(_DAYS):
        if day not in item.data:
            continue
        value = item.data[day].strip()
        if groups and groups[-1][1] == value and groups[-1][0][-1] == i - 1:
            groups[-1][0].append(i)
        else:
            groups.append(([i], value))
    names = tpl.WEEKDAY_NAMES[lang]
    parts = []
    for days, value in groups:
        label = names[days[0]] if len(days) == 1 else f"{names[days[0]]}–{names[days[-1]]}"
        parts.append(f"{label} {_day_hours(value, lang)}")
    return "; ".join(parts)


def render_hours(item: PlanItem, plan: ReplyPlan) -> str:
    """The ``hours`` item: open now or not, today, the week, one date, closures."""
    lang = plan.lang
    parts: list[str] = []
    open_now = _get(item, "open_now")
    if open_now in ("yes", "no"):
        parts.append(tpl.text(lang, "hours.open_now" if open_now == "yes" else "hours.closed_now"))
    next_open = _get(item, "next_open")
    if next_open and open_now != "yes":
        parts.append(tpl.fill(lang, "hours.next_open", when=tpl.when_phrase(next_open, lang)))
    if "today" in item.data:
        parts.append(tpl.fill(lang, "hours.today", hours=_day_hours(_get(item, "today"), lang)))
    verbatim = _get(item, "text")
    table = _get(item, "week") or _hours_table(item, lang)
    if verbatim:
        parts.append(tpl.sentence(verbatim))
    elif table:
        parts.append(tpl.fill(lang, "hours", table=table))
    day = _get(item, "date")
    if day:
        shown = _day_hours(_get(item, "date_hours"), lang)
        parts.append(tpl.fill(lang, "hours.date", date=tpl.format_when(day, lang), hours=shown))
    closures = _get(item, "closures")
    if closures:
        parts.append(tpl.sentence(closures))
    return " ".join(parts)


__all__ = ["render_hours"]
