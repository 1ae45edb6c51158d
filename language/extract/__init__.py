"""Typed extraction for the offline language backend (English and German).

Pure functions from text (plus the values they need: ``now``, timezone, phone region,
catalog, offered slots) to :class:`~language.types.FieldCandidate` and
:class:`~language.types.Signals`. No clock, no I/O, no model: the same text and context
always give the same result, which is what the audit's replay relies on.
"""

from .catalog import match_catalog
from .choice import choose_offered
from .dates import extract_dates
from .emails import extract_emails
from .fields import extract_all
from .names import extract_names
from .phones import extract_phones
from .signals import extract_signals
from .text import check_text, detect_language
from .times import extract_before_time, extract_part_of_day, extract_times

__all__ = [
    "check_text",
    "choose_offered",
    "detect_language",
    "extract_all",
    "extract_before_time",
    "extract_dates",
    "extract_emails",
    "extract_names",
    "extract_part_of_day",
    "extract_phones",
    "extract_signals",
    "extract_times",
    "match_catalog",
]
