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
    host: str = "127.0.0.1"  # frontdesk serve: the address to listen on
    port: int = 8080
    public_url: str = ""  # e.g. https://desk.example.com (what providers sign); "" = request's
    twilio_api_url: str = "https://api.twilio.com"  # FRONTDESK_TWILIO_API_URL (tests: a fake)
    rate_per_sender: int = 20  # FRONTDESK_RATE_PER_SENDER: messages a minute from one sender
    rate_per_business: int = 600  # FRONTDESK_RATE_PER_BUSINESS: messages a minute to one business
    telegram_api_url: str = "https://api.telegram.org"  # FRONTDESK_TELEGRAM_API_URL
    whatsapp_api_url: str = "https://graph.facebook.com"  # FRONTDESK_WHATSAPP_API_URL
    whatsapp_api_version: str = "v21.0"  # FRONTDESK_WHATSAPP_API_VERSION (Graph API)
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
            else Path("var/cache"),
            host=env.get("FRONTDESK_HOST") or "127.0.0.1",
            port=parse_port(env.get("FRONTDESK_PORT", "")),
            public_url=parse_public_url(env.get("FRONTDESK_PUBLIC_URL", "")),
            rate_per_sender=_positive_int(env, "FRONTDESK_RATE_PER_SENDER", 20),
            rate_per_business=_positive_int(env, "FRONTDESK_RATE_PER_BUSINESS", 600),
            twilio_api_url=(env.get("FRONTDESK_TWILIO_API_URL")
                            or "https://api.twilio.com").rstrip("/"),
            telegram_api_url=(env.get("FRONTDESK_TELEGRAM_API_URL")
                              or "https://api.telegram.org").rstrip("/"),
            whatsapp_api_url=(env.get("FRONTDESK_WHATSAPP_API_URL")
                              or "https://graph.facebook.com").rstrip("/"),
            whatsapp_api_version=(env.get("FRONTDESK_WHATSAPP_API_VERSION") or "v21.0").strip("/"),
            env=env,
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def parse_port(raw: str, name: str = "FRONTDESK_PORT") -> int:
    if not raw:
        return 8080
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name} must be a port number (1-65535), not {raw!r}")
    return int(raw)


def parse_public_url(raw: str, name: str = "FRONTDESK_PUBLIC_URL") -> str:
    """The server's address as the outside world sees it: ``http(s)://host[:port][/path]``,
    without a trailing slash; ``""`` when not set."""
    from urllib.parse import urlsplit

    url = raw.strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise SettingsError(f"{name} must be an http(s) URL like https://desk.example.com, "
                            f"not {raw!r}")
    return url


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive integer, not {raw!r}")
    return int(raw)


__all__ = ["Settings", "SettingsError", "parse_port", "parse_public_url"]
