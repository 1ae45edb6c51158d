"""The corpus of broken cards (``tests/cards/broken/``): each file's header names the kind
of mistake a model check must find in it."""

from __future__ import annotations

import re
from pathlib import Path

BROKEN = Path(__file__).resolve().parents[1] / "cards" / "broken"


def expected(path: Path) -> str:
    found = re.search(r"^# expect: (\w+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert found, f"{path.name} has no '# expect: <kind>' line"
    return found.group(1)
