"""Business files: YAML text → ``${ENV}`` interpolation → a validated :class:`Business`.

This is the one place a business file is read. The steps are kept apart so each failure can
be reported where it happened:

1. ``machines.yamlio.load_yaml`` parses the text (YAML 1.2: ``yes``/``no``/``on``/``off``
   and ``08:00`` stay strings; no tags; duplicate keys refused) into plain data plus the
   line of every path, taken from ruamel's ``.lc`` records. Cards are read the same way.
2. ``${NAME}`` and ``${NAME:-default}`` in string values are filled from the ``env`` mapping
   the edge passes in. This module never reads ``os.environ``: configuration is read once,
   at the edge, and a test can hand in any environment it likes.
3. :class:`Business` validates the result; pydantic's error locations are mapped back to
   lines. The model's cross-reference checks (a staff member naming an unknown service, an
   emergency policy naming an unknown department) report no location of their own, so the
   loader finds the offending entries itself and points at them.

Every problem found is reported at once, one per line, as
``<file>:<line>: <field.path>: <reason>`` (``(document)`` when a problem concerns the whole
file), the way a compiler prints errors, so an owner fixes a file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from engine.business import Business, ScheduleError
from machines.errors import InvalidDocument
from machines.yamlio import LineMap, Path, load_yaml
from rules.errors import FrontdeskError

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


def load_business_text(text: str, source: str, env: Mapping[str, str]) -> Business:
    """Validate one business from YAML ``text``; ``source`` names it in error messages."""
    return _load(text, source, env)[0]


def load_business(path: FsPath, env: Mapping[str, str]) -> Business:
    """Read and validate one business file."""
    return _load(_read(path), str(path), env)[0]


def load_businesses(directory: FsPath, env: Mapping[str, str]) -> dict[str, Business]:
    """Every ``*.yaml`` business in ``directory``, keyed by slug.

    All files are read before anything is raised, so one :class:`ConfigError` lists the
    problems of every file; two files with the same slug are an error.
    """
    if not directory.is_dir():
        raise ConfigError(f"{directory}:1: {DOCUMENT}: not a directory of business files")
    found: dict[str, tuple[Business, str]] = {}
    problems: list[str] = []
    for file in sorted(directory.glob("*.yaml")):
        try:
            business, lines = _load(_read(file), str(file), env)
        except ConfigError as err:
            problems.extend(err.problems)
            continue
        if business.slug in found:
            first = found[business.slug][1]
            problems.append(
                _problem(str(file), lines.line_of(("slug",)), ("slug",),
                         f"duplicate slug {business.slug!r}, also used by {first}")
            )
            continue
        found[business.slug] = (business, str(file))
    if problems:
        raise ConfigError("\n".join(problems))
    return {slug: business for slug, (business, _) in found.items()}


def _read(path: FsPath) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}:1: {DOCUMENT}: not UTF-8 text ({err.reason})") from err
    except OSError as err:
        raise ConfigError(f"{path}:1: {DOCUMENT}: cannot read: {err.strerror or err}") from err


def _load(text: str, source: str, env: Mapping[str, str]) -> tuple[Business, LineMap]:
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
    if not isinstance(data, dict):
        raise ConfigError(_problem(source, 1, (), "a business file is a mapping of keys to values"))

    interpolation_problems: list[tuple[Path, str]] = []
    data = _interpolate_tree(data, env, (), interpolation_problems)
    if interpolation_problems:
        raise ConfigError(_report(source, lines, interpolation_problems))

    try:
        return Business.model_validate(data), lines
    except ValidationError as err:
        located = list(_validation_problems(err.errors(include_url=False), data))
        raise ConfigError(_report(source, lines, located)) from err


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


def _report(source: str, lines: LineMap, problems: Iterable[tuple[Path, str]]) -> str:
    numbered = sorted(
        ((lines.line_of(path), n, path, reason) for n, (path, reason) in enumerate(problems)),
        key=lambda item: (item[0], item[1]),
    )
    return "\n".join(_problem(source, line, path, reason) for line, _, path, reason in numbered)


def dotted(path: Path) -> str:
    """A path as it is written in messages: ``staff[2].services[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or DOCUMENT


def _validation_problems(errors: list[ErrorDetails], data: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    for error in errors:
        path: Path = tuple(p for p in error["loc"] if p != "[key]")
        located = (error.get("ctx") or {}).get("error")
        if isinstance(located, ScheduleError):  # each problem at its own entry
            for sub, why in located.problems:
                yield path + sub, why
            continue
        reason = _reason(error)
        if not path:
            references = list(_unresolved_references(data))
            if references:
                yield from references
                continue
        yield path, reason


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _unresolved_references(data: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """Where the model's cross-reference checks failed, as precise paths.

    ``Business`` checks these after its fields are valid and reports them for the whole
    document; this walk over the (already field-valid) data says which entry is wrong.
    """
    services = [s.get("id") for s in _dicts(data.get("services"))]
    for i, member in enumerate(_dicts(data.get("staff"))):
        for j, ref in enumerate(member.get("services") or ()):
            if ref not in services:
                known = ", ".join(str(s) for s in services)
                yield ("staff", i, "services", j), (
                    f"staff {member.get('id')!r} names an unknown service {ref!r}"
                    f" (services: {known})"
                )
    departments = [d.get("id") for d in _dicts(data.get("departments"))]
    emergency = data.get("emergency")
    if isinstance(emergency, dict):
        for key in ("during_hours_transfer", "after_hours_transfer"):
            ref = emergency.get(key)
            if ref is not None and ref not in departments:
                known = ", ".join(str(d) for d in departments) or "none defined"
                yield ("emergency", key), f"unknown department {ref!r} (departments: {known})"
    for i, day in enumerate(data.get("closures_yearly") or ()):
        if not isinstance(day, str) or len(day) != 5 or day[2] != "-":
            yield ("closures_yearly", i), f"closures_yearly entries are 'MM-DD', got {day!r}"


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


__all__ = [
    "DOCUMENT",
    "ConfigError",
    "dotted",
    "interpolate",
    "load_business",
    "load_business_text",
    "load_businesses",
]
