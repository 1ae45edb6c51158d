"""Configuration, read once at the edge into a frozen, typed object.

Nothing below ``adapters/`` reads the environment; the composition root builds a
:class:`Settings` from the process environment (and command-line flags) and passes values
inward.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from rules.errors import FrontdeskError


class SettingsError(FrontdeskError):
    pass


@dataclass(frozen=True)
class Settings:
    db: str = "sqlite:///frontdesk.db"
    businesses: Path = Path("examples/businesses")
    cards: tuple[Path, ...] = ()  # extra card directories (templates), beside the bundled ones
    embedder: str = "minilm"  # minilm (default) or hashing (no model; for quick experiments)
    log_level: str = "WARNING"
    torch_threads: int = 1
    cache_dir: Path | None = None  # embeddings of card examples kept between runs
    env: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        cards = tuple(Path(p) for p in env.get("FRONTDESK_CARDS", "").split(os.pathsep) if p)
        embedder = env.get("FRONTDESK_EMBEDDER", "minilm")
        if embedder not in ("minilm", "hashing"):
            raise SettingsError(f"FRONTDESK_EMBEDDER must be minilm or hashing, not {embedder!r}")
        return cls(
            db=env.get("FRONTDESK_DB") or "sqlite:///frontdesk.db",
            businesses=Path(env.get("FRONTDESK_BUSINESSES") or "examples/businesses"),
            cards=cards, embedder=embedder,
            log_level=env.get("FRONTDESK_LOG_LEVEL", "WARNING"),
            torch_threads=_positive_int(env, "FRONTDESK_TORCH_THREADS", 1),
            cache_dir=Path(env["FRONTDESK_CACHE_DIR"]) if env.get("FRONTDESK_CACHE_DIR")
            else Path("var/cache"), env=env,
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive integer, not {raw!r}")
    return int(raw)


__all__ = ["Settings", "SettingsError"]
