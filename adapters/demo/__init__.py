"""What ships for a first run: the three demo businesses, and the starter business that
``frontdesk init`` writes.

The demo businesses (``businesses/*.yaml``; their facts are fixed by the demo brief) are the
business folder when none is configured, so an installed ``frontdesk chat --business
bloom-salon`` works from any directory. They are package data: a wheel carries them.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

DEMO_BUSINESSES = _HERE / "businesses"
"""The folder of the demo businesses (bloom-salon, praxis-sommer, rapid-rooter)."""

STARTER = _HERE / "starter"
"""What ``frontdesk init`` copies: ``frontdesk.toml`` and ``businesses/my-business.yaml``."""

__all__ = ["DEMO_BUSINESSES", "STARTER"]
