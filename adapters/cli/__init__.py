"""The ``frontdesk`` command line, one module per concern.

``parser`` (every command, option and help text: the contract), ``program`` (settings, the
dispatch, exit statuses), ``chat``, ``records`` (listings, audit, replay) with
``audit_text``, ``cards`` (cards and verify), ``business`` (business schema and check,
init), ``operations`` (db, outbox, recover), ``serve``; ``output`` is what they share.

Command names, flags and the shapes of their JSON output are a contract: tests outside
the repository drive ``frontdesk chat`` over pipes and read the JSON listings.
"""

from .parser import build_parser
from .program import load_settings, main

__all__ = ["build_parser", "load_settings", "main"]
