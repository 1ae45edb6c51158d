"""Business files: YAML text → ``${ENV}`` interpolation → a validated :class:`Business`.

This is the one place a business file is read (at the edge: the engine gets the typed
:class:`Business`, never a file or the environment). The steps are kept apart so each
failure can be reported where it happened:

1. ``machines.yamlio.load_yaml`` parses the text (YAML 1.2: ``yes``/``no``/``on``/``off``
   and ``08:00`` stay strings; no tags; duplicate keys refused) into plain data plus the
   line of every path, taken from ruamel's ``.lc`` records. Cards are read the same way.
2. ``${NAME}`` and ``${NAME:-default}`` in string values are filled from the ``env`` mapping
   the edge passes in. This module never reads ``os.environ``: configuration is read once,
   at the edge, and a test can hand in any environment it likes.
3. :class:`~adapters.channels.BusinessWithChannels` (the engine's :class:`Business` with the
   channels' accounts typed) validates the result; pydantic's error locations are mapped
   back to lines, and an unknown key or choice gets a "did you mean".
4. The checks across sections (``engine.business_checks``: references between sections,
   duplicate ids, schedules) run over the data whatever else is wrong, and — given the card
   templates — so do the cards the business uses (an unknown card, an override that does
   not make a valid card).

Every problem found is reported at once, one per line, as
``<file>:<line>: <field.path>: <reason>`` (``(document)`` when a problem concerns the whole
file), the way a compiler prints errors, so an owner fixes a file in one pass. Only a file
that cannot be parsed as YAML stops at step 1. :func:`read_business_folder` reads every
file of a folder and returns each one valid or with its problems, so a caller can list
them all, or go on with the valid ones; :func:`business_files_of` finds one business's file
without reading the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path as FsPath
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from engine.business import Business, ScheduleError, TopicUse
from engine.business_checks import cross_check, did_you_mean, unknown
from machines.card import Card
from machines.errors import InvalidCard, InvalidDocument
from machines.loader import apply_override
from machines.yamlio import LineMap, Path, load_yaml
from rules.errors import FrontdeskError

from .channels import BusinessWithChannels
from .net import Outbound

DOCUMENT = "(document)"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DATE_SHAPED = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_YAML_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S+)", re.MULTILINE)
_HOW = "write ${NAME} or ${NAME:-default}, and $${ for a literal '${'"


class ConfigError(FrontdeskError):
    """A business configuration that cannot be used.

    The message holds one line per problem: ``<file>:<line>: <field.path>: <reason>``.
    """

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(str(self).splitlines())


# ------------------------------------------------------------------------- interpolation


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Fill ``${NAME}`` and ``${NAME:-default}`` in ``text`` from ``env``.

    As in a POSIX shell, the default is used when ``NAME`` is unset *or empty*; a plain
    ``${NAME}`` set to the empty string gives the empty string. ``$${`` is a literal ``${``;
    any other ``$`` stays as it is. Defaults are literal text (no nested references).

    Raises :class:`ConfigError` with the reason alone (no location); the loader adds it.
    """
    out: list[str] = []
    pos = 0
    while (dollar := text.find("$", pos)) >= 0:
        out.append(text[pos:dollar])
        if text.startswith("$${", dollar):
            out.append("${")
            pos = dollar + 3
            continue
        if not text.startswith("${", dollar):
            out.append("$")
            pos = dollar + 1
            continue
        close = text.find("}", dollar + 2)
        if close < 0:
            raise ConfigError(f"unclosed '${{' in {text!r}; {_HOW}")
        body = text[dollar + 2 : close]
        name, has_default, default = body.partition(":-")
        if not _NAME.fullmatch(name):
            raise ConfigError(f"'${{{body}}}' is not a variable reference; {_HOW}")
        if "${" in default:
            raise ConfigError(f"'${{{body}}}': a default cannot contain another reference")
        value = env.get(name)
        if value is not None and (value != "" or not has_default):
            out.append(value)
        elif has_default:
            out.append(default)
        else:
            raise ConfigError(
                f"environment variable {name} is not set and has no default"
                f" (write ${{{name}:-default}} to give one)"
            )
        pos = close + 1
    out.append(text[pos:])
    return "".join(out)


def _interpolate_tree(
    value: Any, env: Mapping[str, str], path: Path, problems: list[tuple[Path, str]]
) -> Any:
    """``value`` with every string interpolated; problems are collected with their path."""
    if isinstance(value, str):
        try:
            return interpolate(value, env)
        except ConfigError as err:
            problems.append((path, str(err)))
            return value
    if isinstance(value, dict):
        return {k: _interpolate_tree(v, env, path + (k,), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate_tree(v, env, path + (i,), problems) for i, v in enumerate(value)]
    return value


# ------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class BusinessFile:
    """One business file, read: its :class:`Business` when it is valid, else every problem
    found in it (``<file>:<line>: <field.path>: <reason>``, in line order)."""

    path: FsPath
    business: Business | None
    problems: tuple[str, ...] = ()
    slug: str = ""  # as written in the file ("" when it could not be read)

    @property
    def label(self) -> str:
        """How messages name it: ``'bloom-salon' (businesses/bloom-salon.yaml)``."""
        return f"{self.slug!r} ({self.path})" if self.slug else str(self.path)


def load_business_text(
    text: str,
    source: str,
    env: Mapping[str, str],
    cards: Mapping[str, Card] | None = None,
    outbound: Outbound | None = None,
) -> Business:
    """Validate one business from YAML ``text``; ``source`` names it in error messages.
    With ``cards`` (the card templates by id), the cards it uses are checked too; its
    webhook URL is checked against ``outbound`` (the operator's ``outbound_allow``; none
    given: https to public hosts only)."""
    return _raise_problems(read_business_text(text, source, env, cards, outbound))


def load_business(
    path: FsPath,
    env: Mapping[str, str],
    cards: Mapping[str, Card] | None = None,
    outbound: Outbound | None = None,
) -> Business:
    """Read and validate one business file."""
    return _raise_problems(read_business(path, env, cards, outbound))


def load_businesses(
    directory: FsPath,
    env: Mapping[str, str],
    cards: Mapping[str, Card] | None = None,
    outbound: Outbound | None = None,
) -> dict[str, Business]:
    """Every ``*.yaml`` business in ``directory``, keyed by slug.

    All files are read before anything is raised, so one :class:`ConfigError` lists the
    problems of every file; two files with the same slug are an error.
    """
    files = read_business_folder(directory, env, cards, outbound)
    problems = [p for f in files for p in f.problems]
    if problems:
        raise ConfigError("\n".join(problems))
    return {f.slug: f.business for f in files if f.business is not None}


def read_business_text(
    text: str,
    source: str,
    env: Mapping[str, str],
    cards: Mapping[str, Card] | None = None,
    outbound: Outbound | None = None,
) -> BusinessFile:
    """One business from YAML ``text``, or every problem in it; never raises for what the
    text says."""
    business, slug, problems = _check(text, source, env, cards, outbound or Outbound())
    return BusinessFile(FsPath(source), business, tuple(problems), slug)


def read_business(
    path: FsPath,
    env: Mapping[str, str],
    cards: Mapping[str, Card] | None = None,
    outbound: Outbound | None = None,
) -> BusinessFile:
    """One business file, or every problem in it (an unreadable file is one problem)."""
    try:
        text = _read(path)
    except ConfigError as err:
        return BusinessFile(path, None, err.problems)
    return read_business_text(text, str(path), env, cards, outbound)


def read_business_folder(
    directory: FsPath,
    env: Mapping[str, str],
    cards: Mapping[str, Card] | None = None,
    outbound: Outbound | None = None,
) -> list[BusinessFile]:
    """Every ``*.yaml`` file in ``directory``, in name order, each valid or with its
    problems; a file whose slug an earlier file already has is not used (a problem)."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}:1: {DOCUMENT}: not a directory of business files")
    files: list[BusinessFile] = []
    first: dict[str, FsPath] = {}
    for path in sorted(directory.glob("*.yaml")):
        read = read_business(path, env, cards, outbound)
        if read.slug and read.slug in first:
            line = _slug_line(path)
            read = BusinessFile(
                path,
                None,
                (
                    *read.problems,
                    _problem(
                        str(path),
                        line,
                        ("slug",),
                        f"duplicate slug {read.slug!r}, also used by {first[read.slug]}",
                    ),
                ),
                read.slug,
            )
        elif read.slug:
            first[read.slug] = path
        files.append(read)
    return files


def business_files_of(directory: FsPath, slug: str) -> list[FsPath]:
    """The file of business ``slug`` without reading any other business: ``SLUG.yaml``
    when it says ``slug: SLUG`` or cannot be read far enough to say (its problems are then
    this business's), else every file that does (read, not validated). Another file that
    cannot be read is passed over: it is some other business's problem."""
    named = directory / f"{slug}.yaml"
    if named.is_file() and _slug_of(named) in (slug, ""):
        return [named]
    return [p for p in sorted(directory.glob("*.yaml")) if _slug_of(p) == slug]


def slugs_in(directory: FsPath) -> list[str]:
    """The slugs the files in ``directory`` declare (read, not validated)."""
    found = (_slug_of(p) for p in sorted(directory.glob("*.yaml")))
    return sorted({s for s in found if s})


def _slug_of(path: FsPath) -> str:
    try:
        data, _ = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, ValueError, FrontdeskError):
        return ""
    slug = data.get("slug") if isinstance(data, dict) else None
    return slug if isinstance(slug, str) else ""


def _slug_line(path: FsPath) -> int:
    try:
        _, lines = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, ValueError, FrontdeskError):
        return 1
    return lines.line_of(("slug",))


def _raise_problems(read: BusinessFile) -> Business:
    if read.business is None:
        raise ConfigError("\n".join(read.problems))
    return read.business


def _read(path: FsPath) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}:1: {DOCUMENT}: not UTF-8 text ({err.reason})") from err
    except OSError as err:
        raise ConfigError(f"{path}:1: {DOCUMENT}: cannot read: {err.strerror or err}") from err


def _check(
    text: str,
    source: str,
    env: Mapping[str, str],
    cards: Mapping[str, Card] | None,
    outbound: Outbound,
) -> tuple[Business | None, str, list[str]]:
    """The business in ``text`` (None when anything is wrong), its slug as written, and
    every problem: the YAML, then — all in one list — the variables, each field, the
    checks across sections and the cards it uses."""
    try:
        _refuse_old_yaml(text, source)
        try:
            data, lines = load_yaml(text, source)
        except InvalidDocument as err:
            raise ConfigError(
                "\n".join(_problem(p.file, p.line, (), p.message) for p in err.problems)
            ) from err
        except ValueError as err:  # ruamel raises a bare ValueError for a date like 2025-02-30
            line = _line_of_bad_date(text)
            raise ConfigError(_problem(source, line, (), f"invalid YAML: {err}")) from err
    except ConfigError as err:
        return None, "", list(err.problems)
    if not isinstance(data, dict):
        return None, "", [_problem(source, 1, (), "a business file is a mapping of keys to values")]
    slug = data.get("slug") if isinstance(data.get("slug"), str) else ""

    unset: list[tuple[Path, str]] = []
    data = _interpolate_tree(data, env, (), unset)
    found: list[tuple[Path, str]] = list(unset)
    business: Business | None = None
    try:
        business = BusinessWithChannels.model_validate(data)
    except ValidationError as err:
        found += _validation_problems(err.errors(include_url=False))
    found += cross_check(data)
    found += _outbound_problems(data, outbound)
    located = [
        (lines.line_of(path), path, reason)
        for path, reason in _unique(found)
        if (path, reason) in unset or not _below_any(path, [p for p, _ in unset])
    ]
    located += _card_problems(data, source, lines, cards)
    located.sort(key=lambda item: item[0])  # stable: in order found within a line
    problems = [_problem(source, line, path, reason) for line, path, reason in located]
    return (business if not problems else None), str(slug), problems


def _outbound_problems(data: dict[str, Any], outbound: Outbound) -> list[tuple[Path, str]]:
    """The webhook URL, checked as an outbound call's address (``adapters.net``)."""
    messages = data.get("messages")
    webhook = messages.get("webhook") if isinstance(messages, dict) else None
    url = webhook.get("url") if isinstance(webhook, dict) else None
    if not isinstance(url, str) or not (why := outbound.url_problem(url)):
        return []
    return [(("messages", "webhook", "url"), why)]


def _unique(found: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """Each problem once: a check across sections is run by the model (when every field is
    valid) and over the file's data (always), and both find the same problems."""
    return list(dict.fromkeys(found))


def _below_any(path: Path, prefixes: list[Path]) -> bool:
    """A problem at or below a value whose variable could not be filled is a consequence."""
    return any(path[: len(p)] == p for p in prefixes)


def _card_problems(
    data: dict[str, Any], source: str, lines: LineMap, cards: Mapping[str, Card] | None
) -> list[tuple[int, Path, str]]:
    """The cards the business uses: each known, and each changed one still a valid card."""
    if cards is None or not isinstance(data.get("topics"), list):
        return []
    out: list[tuple[int, Path, str]] = []
    for i, raw in enumerate(data["topics"]):
        try:
            use = TopicUse.model_validate(raw)
        except ValidationError:
            continue  # reported with the fields
        if use.card not in cards:
            path: Path = ("topics", i, "card")
            out.append((lines.line_of(path), path, unknown("card", use.card, sorted(cards))))
            continue
        if not use.override and not use.extra_examples:
            continue
        path = ("topics", i, "override")
        try:
            apply_override(
                cards[use.card], use.override, use.extra_examples, source, line_map=lines.sub(path)
            )
        except InvalidCard as err:
            out += [(p.line or lines.line_of(path), path, p.message) for p in err.problems]
    return out


def _refuse_old_yaml(text: str, source: str) -> None:
    """A ``%YAML 1.1`` directive would switch ``yes``/``no`` back to booleans: refuse it."""
    for match in _YAML_DIRECTIVE.finditer(text):
        if match.group(1) != "1.2":
            line = text.count("\n", 0, match.start()) + 1
            raise ConfigError(
                _problem(source, line, (), f"only YAML 1.2 is read, not {match.group(1)}")
            )


def _line_of_bad_date(text: str) -> int:
    """The line of the first date-shaped scalar that is not a real date (1 if none)."""
    for match in _DATE_SHAPED.finditer(text):
        try:
            date(*(int(part) for part in match.groups()))
        except ValueError:
            return text.count("\n", 0, match.start()) + 1
    return 1


# ------------------------------------------------------------------------------ reporting


def _problem(source: str, line: int, path: Path, reason: str) -> str:
    return f"{source}:{max(line, 1)}: {dotted(path)}: {reason}"


def dotted(path: Path) -> str:
    """A path as it is written in messages: ``staff[2].services[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or DOCUMENT


def _validation_problems(errors: list[ErrorDetails]) -> Iterator[tuple[Path, str]]:
    for error in errors:
        path: Path = tuple(p for p in error["loc"] if p != "[key]")
        located = (error.get("ctx") or {}).get("error")
        if isinstance(located, ScheduleError):  # each problem at its own entry
            for sub, why in located.problems:
                yield path + sub, why
            continue
        yield path, _reason(error, path)


def _reason(error: ErrorDetails, path: Path) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        hint = did_you_mean(path[-1], _keys_at(path[:-1])) if path else ""
        return f"unknown key ({hint})" if hint else "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        hint = did_you_mean(error.get("input"), choices)
        if hint:
            message += f" ({hint})"
    return message


def _keys_at(path: Path) -> list[str]:
    """The keys the business file allows at ``path`` (a mapping of some model)."""
    kind: Any = BusinessWithChannels
    for part in path:
        kind = _inside(kind, part)
        if kind is None:
            return []
    models = [k for k in _alternatives(kind) if isinstance(k, type) and issubclass(k, BaseModel)]
    return list(models[0].model_fields) if models else []


def _inside(kind: Any, part: str | int) -> Any:
    """The type of the value at ``part`` inside a value of type ``kind``, or None."""
    for option in _alternatives(kind):
        origin, args = get_origin(option), get_args(option)
        if isinstance(option, type) and issubclass(option, BaseModel):
            field = option.model_fields.get(str(part))
            if field is not None:
                return field.annotation
        elif origin is dict and args:
            return args[1]
        elif origin in (tuple, list) and args and isinstance(part, int):
            return args[0]
    return None


def _alternatives(kind: Any) -> list[Any]:
    """``kind`` without ``Annotated`` and ``None``, one entry per member of a union."""
    if get_origin(kind) is Annotated:
        return _alternatives(get_args(kind)[0])
    if get_origin(kind) in (Union, UnionType):
        return [a for k in get_args(kind) if k is not type(None) for a in _alternatives(k)]
    return [kind]


__all__ = [
    "DOCUMENT",
    "BusinessFile",
    "ConfigError",
    "business_files_of",
    "dotted",
    "interpolate",
    "load_business",
    "load_business_text",
    "load_businesses",
    "read_business",
    "read_business_folder",
    "read_business_text",
    "slugs_in",
]
