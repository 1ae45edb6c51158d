"""The ``frontdesk`` command line as the tests run it: a real subprocess of this checkout,
its environment pointed at a test database and the demo businesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "adapters.cli"]
TIMEOUT = 180  # seconds for one reply (the first one loads the model)


def environment(db: Path | str, cache: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a ``frontdesk`` process on database ``db`` (a file or a URL)."""
    if cache is None:
        assert isinstance(db, Path), "a database URL needs its cache directory given"
        cache = db.parent / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(
        FRONTDESK_DB=str(db),
        FRONTDESK_BUSINESSES=str(REPO / "examples" / "businesses"),
        FRONTDESK_CACHE_DIR=str(cache),
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
    )
    env.update(extra)
    return env


def frontdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
    )
