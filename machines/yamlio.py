"""Safe YAML reading that keeps line numbers.

Cards and business files are written by people, so an error must point at a line. We parse
with ruamel.yaml's round-trip loader, which records the line of every key and item, and
which follows YAML 1.2: ``yes``/``no``/``on``/``off`` stay strings (an ``on:`` key stays
``"on"``, a ``no`` answer stays ``"no"``). The round-trip tree is then copied into plain
``dict``/``list``/scalars — nothing downstream sees ruamel types — and the lines go into a
:class:`LineMap` keyed by path.

Loading is safe by construction: the round-trip loader never builds Python objects from
tags, and we refuse any tagged value outright, as well as a ``%YAML 1.1`` directive (which
would bring the 1.1 booleans back). Aliases are allowed (a business may reuse its weekday
hours), but a cycle or an alias expansion past ``_MAX_NODES`` values is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from machines.errors import InvalidDocument, Problem

Path = tuple[str | int, ...]

_MAX_NODES = 100_000
_YAML_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S+)", re.MULTILINE)


class LineMap:
    """The 1-based line of every path in a document, e.g. ``("steps", 3, "action")``.

    A path that is not in the document (a missing key) falls back to its nearest ancestor
    that is, so an error about a missing field still points at the mapping that lacks it.
    """

    __slots__ = ("_lines", "_prefix")

    def __init__(self, lines: Mapping[Path, int], prefix: Path = ()) -> None:
        self._lines = lines
        self._prefix = prefix

    def line_of(self, path: Path) -> int:
        full = self._prefix + tuple(path)
        for end in range(len(full), -1, -1):
            line = self._lines.get(full[:end])
            if line is not None and end >= len(self._prefix):
                return line
        return 0

    def sub(self, prefix: Path) -> LineMap:
        """The line map of the sub-document at ``prefix`` (paths relative to it)."""
        return LineMap(self._lines, self._prefix + tuple(prefix))

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and (self._prefix + path) in self._lines


EMPTY_LINES = LineMap({})


def load_yaml(text: str, source: str) -> tuple[Any, LineMap]:
    """Parse one YAML document into plain Python data and its line map.

    Raises :class:`InvalidDocument` naming ``source`` and the line for bad syntax, a
    duplicate key, a tag or a cyclic alias.
    """
    for match in _YAML_DIRECTIVE.finditer(text):
        if match.group(1) != "1.2":  # 1.1 would turn yes/no/on/off back into booleans
            line = text.count("\n", 0, match.start()) + 1
            raise InvalidDocument(
                [Problem(source, line, f"only YAML 1.2 is read, not YAML {match.group(1)}")]
            )
    yaml = YAML(typ="rt")
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 0
        message = err.problem or err.context or "invalid YAML"
        raise InvalidDocument([Problem(source, line, f"invalid YAML: {message}")]) from err
    except YAMLError as err:
        raise InvalidDocument([Problem(source, 0, f"invalid YAML: {err}")]) from err
    root_line = getattr(getattr(tree, "lc", None), "line", None)
    lines: dict[Path, int] = {(): root_line + 1 if isinstance(root_line, int) else 1}
    copier = _Copier(source, lines)
    data = copier.copy(tree, (), 1, ())
    if copier.problems:
        raise InvalidDocument(copier.problems)
    return data, LineMap(lines)


class _Copier:
    """Copies a round-trip tree into plain data, recording the line of every path."""

    def __init__(self, source: str, lines: dict[Path, int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []
        self.count = 0

    def copy(self, node: Any, path: Path, line: int, stack: tuple[int, ...]) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            if self.count == _MAX_NODES + 1:
                self._problem(line, f"document too large (more than {_MAX_NODES} values)")
            return None
        if isinstance(node, TaggedScalar):
            if _tag_of(node) == _STR_TAG:  # ``!!str 123`` is just a quoted string
                return str(node.value)
            self._problem(line, f"YAML tag '{_tag_of(node)}' is not allowed")
            return None
        if _tag_of(node) not in _PLAIN_TAGS:
            self._problem(line, f"YAML tag '{_tag_of(node)}' is not allowed")
            return None
        if isinstance(node, CommentedMap | CommentedSeq) and id(node) in stack:
            self._problem(line, "an alias refers to a value that contains it")
            return None
        if isinstance(node, CommentedMap):
            return self._mapping(node, path, stack + (id(node),))
        if isinstance(node, CommentedSeq):
            return self._sequence(node, path, stack + (id(node),))
        plain = _scalar(node)
        if plain is _UNSUPPORTED:
            self._problem(line, f"unsupported YAML value of type {type(node).__name__}")
            return None
        return plain

    def _mapping(self, node: CommentedMap, path: Path, stack: tuple[int, ...]) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        line_of_node = self.lines.get(path, 0)
        for key, value in node.items():
            plain_key = _scalar(key)
            if plain_key is _UNSUPPORTED or isinstance(plain_key, datetime | date):
                plain_key = str(key)
            sub = path + (plain_key,)
            key_line = _line(node.lc.data.get(key), line_of_node)
            self.lines.setdefault(sub, key_line)
            out[plain_key] = self.copy(value, sub, key_line, stack)
        return out

    def _sequence(self, node: CommentedSeq, path: Path, stack: tuple[int, ...]) -> list[Any]:
        out: list[Any] = []
        line_of_node = self.lines.get(path, 0)
        for index, value in enumerate(node):
            sub = path + (index,)
            item_line = _line(node.lc.data.get(index), line_of_node)
            self.lines.setdefault(sub, item_line)
            out.append(self.copy(value, sub, item_line, stack))
        return out

    def _problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))


_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {None, _STR_TAG} | {
    f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null", "map", "seq")
}
_UNSUPPORTED = object()


def _line(position: Any, fallback: int) -> int:
    """The 1-based line from a ruamel ``lc.data`` entry (``[line, col, ...]``, 0-based)."""
    if isinstance(position, list | tuple) and position and isinstance(position[0], int):
        return position[0] + 1
    return fallback


def _tag_of(node: Any) -> str | None:
    """The explicit tag of a round-trip node, ``None`` when it has none."""
    value = getattr(getattr(node, "tag", None), "value", None)
    return value if isinstance(value, str) else None


def _scalar(value: Any) -> Any:
    """A ruamel scalar as its plain Python type (str subclasses, ScalarInt, TimeStamp...)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, ScalarBoolean):  # an anchored ``true`` is an int subclass
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime):
        return datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
        )
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return _UNSUPPORTED


__all__ = ["EMPTY_LINES", "LineMap", "Path", "load_yaml"]
