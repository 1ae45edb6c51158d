"""Web-chat session ids that only the server can issue.

A session id is ``<random>.<expiry>.<mac>``: 18 random bytes (url-safe base64, 24
characters), the Unix second it expires, and an HMAC-SHA256 (url-safe base64, unpadded) of
``frontdesk-session|<business>|<random>|<expiry>`` under the server's secret. The chat stores
whatever it was given and shows it back; the server believes it only when the MAC is right
for *this* business and the expiry has not passed. Anything else — an id a client made up,
one with a changed character, one issued for another business, an expired one, an old-style
id from before signed sessions — is refused, and the client gets a fresh session with no
history.

The conversation is found by the random part alone (it is the web-chat event's sender), so
nothing stored depends on the secret: a new secret (a restart without a configured one)
only ends the open sessions. The expiry is absolute, not renewed by use: it bounds how long
a copied id (a shared computer's storage, a screenshot) opens the conversation.

The secret is ``session_secret_env`` (the variable holding it) when configured; otherwise
``frontdesk serve`` generates one at start, and with ``--workers N`` the supervisor
generates it once and hands it to every worker in :data:`SECRET_VARIABLE` (the environment,
never the command line or a log), so a session issued by one worker is good at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from adapters.business_files import ConfigError

SECRET_VARIABLE = "FRONTDESK_SERVE_SESSION_SECRET"  # set by the supervisor in each worker
MIN_SECRET = 32  # characters of a configured secret
DEFAULT_TTL_S = 24 * 3600
_SHAPE = re.compile(r"^([A-Za-z0-9_-]{24})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SessionKeys:
    """Issues and checks session ids; ``now`` (Unix seconds) comes in as a value, which the
    handlers read from ``clock`` (a test moves it)."""

    secret: bytes = field(repr=False)
    ttl_s: int = DEFAULT_TTL_S
    clock: Callable[[], float] = field(default=time.time, compare=False)

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("a session secret needs at least 16 bytes")
        if self.ttl_s < 1:
            raise ValueError("a session lives at least one second")

    @classmethod
    def random(cls, ttl_s: int = DEFAULT_TTL_S) -> SessionKeys:
        """Keys with a fresh secret (sessions end with the process)."""
        return cls(secrets.token_bytes(32), ttl_s)

    def _mac(self, business: str, random_part: str, expiry: str) -> str:
        message = f"frontdesk-session|{business}|{random_part}|{expiry}".encode()
        return _b64(hmac.new(self.secret, message, hashlib.sha256).digest())

    def issue(self, business: str, now: float) -> str:
        """A new session id for ``business``, good until ``now + ttl_s``."""
        random_part = secrets.token_urlsafe(18)
        expiry = str(int(now) + self.ttl_s)
        return f"{random_part}.{expiry}.{self._mac(business, random_part, expiry)}"

    def verify(self, token: object, business: str, now: float) -> str | None:
        """The session's random part (the conversation's sender) when ``token`` is an id
        this server issued for ``business`` and not yet expired; otherwise ``None``."""
        if not isinstance(token, str) or len(token) > 100:
            return None
        shape = _SHAPE.match(token)
        if shape is None:
            return None
        random_part, expiry, mac = shape.groups()
        if not hmac.compare_digest(mac, self._mac(business, random_part, expiry)):
            return None
        if int(expiry) <= now:
            return None
        return random_part

    def derive(self, purpose: str) -> bytes:
        """A key for another purpose (the log's hashes), so the secret itself is used once."""
        return hmac.new(self.secret, f"frontdesk|{purpose}".encode(), hashlib.sha256).digest()


def session_keys(secret_env: str, ttl_s: int, environ: Mapping[str, str]) -> SessionKeys:
    """The server's keys: the secret in the variable ``secret_env`` names when it is set
    (a missing or short one is a configuration error), else the one a supervisor handed
    down in :data:`SECRET_VARIABLE`, else a fresh one."""
    if secret_env:
        configured = environ.get(secret_env, "")
        if len(configured) < MIN_SECRET:
            raise ConfigError(
                f"session_secret_env names {secret_env}, which must hold at least "
                f"{MIN_SECRET} characters ({'too short' if configured else 'unset'})"
            )
        return SessionKeys(configured.encode(), ttl_s)
    handed = environ.get(SECRET_VARIABLE, "")
    if len(handed) >= MIN_SECRET:
        return SessionKeys(handed.encode(), ttl_s)
    return SessionKeys.random(ttl_s)


def new_secret() -> str:
    """A secret for :data:`SECRET_VARIABLE` (43 url-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


__all__ = [
    "DEFAULT_TTL_S",
    "MIN_SECRET",
    "SECRET_VARIABLE",
    "SessionKeys",
    "new_secret",
    "session_keys",
]
