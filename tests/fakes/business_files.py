"""Business files for tests: the smallest valid one (``TINY``) to build variants from, and
the line of a text where a problem is expected."""

from __future__ import annotations

TINY = """\
slug: tiny-shop
name: Tiny Shop
timezone: Europe/Berlin
languages: [en]
phone_region: DE
hours:
  mon: {open: [{start: 09:00, end: 17:00}]}
staff:
  - id: ann
    name: Ann
    services: [cut]
services:
  - id: cut
    name: {en: cut}
    duration_min: 30
    price: {en: $10}
topics:
  - card: book
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")
