"""Wording of the ``hours`` item: open now or not, today, the week, one date, closures.

Data keys, each optional: ``open_now`` ("yes"/"no"), ``next_open`` (ISO datetime, said
when closed), ``today`` (intervals; empty means closed today), the week as ``text``
(verbatim), ``week`` (preformatted, as the engine's ``week_summary`` writes it) or one key
per weekday (``mon`` … ``sun``: ``"08:00-12:30,13:30-18:00"`` or ``closed``; consecutive
days with the same hours are grouped, "Mon–Thu …"), ``date`` with ``date_hours``, and
``closures`` (verbatim).
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


Row = tuple[int, str, str]  # position in the week, label, hours


def _table(rows: list[Row], lang: Lang) -> str:
    """``Mon–Thu: 8:00 am to 6:00 pm; Fri: …`` — neighbouring days with equal hours merged."""
    groups: list[list[Row]] = []
    for row in rows:
        if groups and groups[-1][-1][2] == row[2] and groups[-1][-1][0] == row[0] - 1:
            groups[-1].append(row)
        else:
            groups.append([row])
    parts = []
    for group in groups:
        first, last = group[0][1], group[-1][1]
        label = first if len(group) == 1 else f"{first}–{last}"
        parts.append(f"{label}: {_day_hours(group[0][2], lang)}")
    return "; ".join(parts)


def _week_rows(week: str) -> list[Row] | None:
    """``"Monday: 08:00–18:00; Tuesday: closed"`` as rows; ``None`` if it reads otherwise."""
    rows: list[Row] = []
    for i, piece in enumerate(week.split(";")):
        label, sep, value = piece.partition(": ")
        if not sep or not label.strip():
            return None
        rows.append((i, label.strip(), value.strip()))
    return rows


def _hours_table(item: PlanItem, lang: Lang) -> str:
    week = _get(item, "week")
    if week:
        rows = _week_rows(week)
        return _table(rows, lang) if rows else week
    names = tpl.WEEKDAY_NAMES[lang]
    return _table(
        [(i, names[i], _get(item, day)) for i, day in enumerate(_DAYS) if day in item.data], lang
    )


def render_hours(item: PlanItem, plan: ReplyPlan) -> str:
    """The ``hours`` item: the day asked about first, then open now or not, today, the
    week, and closed days soon."""
    lang = plan.lang
    parts: list[str] = []
    day = _get(item, "date")
    if day:
        shown = _day_hours(_get(item, "date_hours"), lang)
        parts.append(tpl.fill(lang, "hours.date", date=tpl.format_when(day, lang), hours=shown))
    open_now = _get(item, "open_now")
    if open_now in ("yes", "no"):
        parts.append(tpl.text(lang, "hours.open_now" if open_now == "yes" else "hours.closed_now"))
    next_open = _get(item, "next_open")
    if next_open and open_now != "yes":
        parts.append(tpl.fill(lang, "hours.next_open", when=tpl.when_phrase(next_open, lang)))
    if "today" in item.data and (_get(item, "today") or open_now != "no"):
        parts.append(tpl.fill(lang, "hours.today", hours=_day_hours(_get(item, "today"), lang)))
    verbatim = _get(item, "text")
    table = _hours_table(item, lang)
    if verbatim:
        parts.append(tpl.sentence(verbatim))
    elif table:
        parts.append(tpl.fill(lang, "hours", table=table))
    closures = _get(item, "closures").split()
    if closures:
        days = ", ".join(tpl.format_when(d, lang) for d in closures)
        parts.append(tpl.fill(lang, "hours.closures", days=days))
    return " ".join(parts)


__all__ = ["render_hours"]
