"""Loading and validating topic cards.

A card is data until it validates: YAML → plain data (``machines.yamlio``) → the typed
:class:`~machines.card.Card` model → the checks in ``machines.checks``, which resolve every
name the card uses (field types, fields, steps, actions, the names in every condition). Problems are
collected, never raised one by one, and each points at ``file:line`` so an owner can fix
all of them in one go. Only a card that passes everything reaches ``compile_card``.

The functions that read files say so in their names (``load_card_file``, ``load_cards``,
``bundled_cards``); everything else is pure.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from machines.card import FIELD_TYPES, Card
from machines.checks import did_you_mean, validate_card
from machines.errors import InvalidCard, InvalidDocument, Problem
from machines.registry import DEFAULT_ACTIONS, ActionSpec
from machines.yamlio import EMPTY_LINES, LineMap, Path, load_yaml

Actions = Mapping[str, ActionSpec]


def load_card_text(text: str, source: str, actions: Actions = DEFAULT_ACTIONS) -> Card:
    """Parse and validate one card; raises :class:`InvalidCard` listing every problem."""
    return _load(text, source, actions)[0]


def card_from_data(
    data: Mapping[str, Any], source: str, actions: Actions = DEFAULT_ACTIONS
) -> Card:
    """Validate a card that is already plain data (a parsed file, a generated variant);
    raises :class:`InvalidCard` listing every problem (lines are unknown: each is 1)."""
    return _validated(copy.deepcopy(dict(data)), source, EMPTY_LINES, actions)


def load_card_file(path: str | os.PathLike[str], actions: Actions = DEFAULT_ACTIONS) -> Card:
    """Read and validate one card file."""
    source = os.fspath(path)
    return load_card_text(_read(source), source, actions)


def load_cards(
    paths_or_dirs: Iterable[str | os.PathLike[str]], actions: Actions = DEFAULT_ACTIONS
) -> dict[str, Card]:
    """Read every card in the given files and directories (``*.yaml``/``*.yml``).

    Problems from all files are reported together; card ids must be unique across the set.
    """
    cards: dict[str, Card] = {}
    where: dict[str, str] = {}
    problems: list[Problem] = []
    for source in _card_files(paths_or_dirs):
        try:
            card, lines = _load(_read(source), source, actions)
        except InvalidCard as err:
            problems.extend(err.problems)
            continue
        if card.id in cards:
            problems.append(
                Problem(
                    source,
                    lines.line_of(("id",)),
                    f"duplicate card id '{card.id}' (also in {where[card.id]})",
                )
            )
            continue
        cards[card.id] = card
        where[card.id] = f"{source}:{lines.line_of(('id',))}"
    if problems:
        raise InvalidCard(problems)
    return cards


def bundled_cards() -> dict[str, Card]:
    """The card templates shipped in ``machines/cards/``, keyed by id."""
    return dict(_bundled())


@cache
def _bundled() -> Mapping[str, Card]:
    folder = resources.files("machines").joinpath("cards")
    cards: dict[str, Card] = {}
    problems: list[Problem] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yaml", ".yml")):
            continue
        source = f"machines/cards/{entry.name}"
        try:
            card = load_card_text(entry.read_text(encoding="utf-8"), source)
        except InvalidCard as err:
            problems.extend(err.problems)
            continue
        if card.id != entry.name.rsplit(".", 1)[0]:
            problems.append(Problem(source, 1, f"card id '{card.id}' differs from its file name"))
        cards[card.id] = card
    if problems:
        raise InvalidCard(problems)
    return cards


def apply_override(
    card: Card,
    override: Mapping[str, Any],
    extra_examples: Mapping[str, Sequence[str]],
    source: str,
    actions: Actions = DEFAULT_ACTIONS,
    line_map: LineMap | None = None,
) -> Card:
    """A business's variant of a card template.

    ``override`` replaces whole top-level keys; ``extra_examples`` adds classifier examples
    per language. The result is validated from scratch, and every problem names ``source``
    (the business file) — at the line of the overriding key when ``line_map`` (the line map
    of the ``override`` mapping itself) is given.
    """
    data: dict[str, Any] = card.model_dump(mode="json")
    for key, value in override.items():
        data[key] = copy.deepcopy(value)
    if extra_examples:
        classifier = data.get("classifier")
        if isinstance(classifier, dict):
            examples = classifier.setdefault("examples", {})
            if isinstance(examples, dict):
                for lang, added in extra_examples.items():
                    current = list(examples.get(lang) or ())
                    current += [e for e in added if e not in current]
                    examples[lang] = current
    lines = _OverrideLines(set(override), line_map or EMPTY_LINES)
    try:
        return _validated(data, source, lines, actions)
    except InvalidCard as err:
        prefix = f"card '{card.id}' (override): "
        raise InvalidCard(
            Problem(p.file, p.line, prefix + p.message) for p in err.problems
        ) from None


# ------------------------------------------------------------------------- loading


def _read(source: str) -> str:
    return FsPath(source).read_text(encoding="utf-8")


def _card_files(paths_or_dirs: Iterable[str | os.PathLike[str]]) -> list[str]:
    files: list[str] = []
    for item in paths_or_dirs:
        path = FsPath(item)
        if path.is_dir():
            files += sorted(str(p) for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            files.append(os.fspath(item))
    return files


def _load(text: str, source: str, actions: Actions) -> tuple[Card, LineMap]:
    try:
        data, lines = load_yaml(text, source)
    except InvalidDocument as err:
        raise InvalidCard(err.problems) from None
    return _validated(data, source, lines, actions), lines


def _validated(data: Any, source: str, lines: LineMap, actions: Actions) -> Card:
    if not isinstance(data, dict):
        raise InvalidCard(
            [
                Problem(
                    source, lines.line_of(()), "a card is a mapping of keys (id, title, steps, ...)"
                )
            ]
        )
    problems: list[Problem] = []
    data, untyped = _check_field_types(data, source, lines, problems)
    try:
        card = Card.model_validate(data)
    except ValidationError as err:
        problems += _pydantic_problems(err, source, lines)
        raise InvalidCard(sorted(problems, key=lambda p: p.line)) from None
    problems += validate_card(card, source, lines, actions, untyped)
    if problems:
        raise InvalidCard(sorted(problems, key=lambda p: p.line))
    return card


def _check_field_types(
    data: dict[str, Any], source: str, lines: LineMap, problems: list[Problem]
) -> tuple[dict[str, Any], frozenset[str]]:
    """Report unknown field types ourselves, in words, and let the rest of the card be
    checked too (the bad type is replaced by ``text`` in a copy); the names of the fields
    so patched."""
    fields = data.get("required_fields")
    if not isinstance(fields, list):
        return data, frozenset()
    patched: list[Any] = []
    untyped: set[str] = set()
    for index, item in enumerate(fields):
        kind = item.get("type") if isinstance(item, dict) else None
        if isinstance(kind, str) and kind not in FIELD_TYPES:
            problems.append(
                Problem(
                    source,
                    lines.line_of(("required_fields", index, "type")),
                    f"unknown field type '{kind}'{did_you_mean(kind, FIELD_TYPES)}"
                    f" (known: {', '.join(FIELD_TYPES)})",
                )
            )
            item = {**item, "type": "text"}
            untyped.add(str(item.get("name", "")))
        patched.append(item)
    return {**data, "required_fields": patched}, frozenset(untyped)


def _pydantic_problems(err: ValidationError, source: str, lines: LineMap) -> list[Problem]:
    problems = []
    for error in err.errors():
        loc: Path = tuple(error["loc"])
        where = _dotted(loc)
        if error["type"] == "missing":
            parent = _dotted(loc[:-1])
            message = f"missing key '{loc[-1]}'" + (f" in {parent}" if parent else "")
        elif error["type"] == "extra_forbidden":
            parent = _dotted(loc[:-1])
            message = f"unknown key '{loc[-1]}'" + (f" in {parent}" if parent else "")
        else:
            text = str(error["msg"]).removeprefix("Value error, ")
            message = f"{where}: {text}" if where else text
        problems.append(Problem(source, lines.line_of(loc), message))
    return problems


def _dotted(loc: Path) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _OverrideLines(LineMap):
    """Lines for a card rebuilt from a template plus an override: keys the override sets
    point into the business file; everything else points at the override itself."""

    def __init__(self, keys: set[str], override_lines: LineMap) -> None:
        super().__init__({})
        self._keys = keys
        self._override = override_lines

    def line_of(self, path: Path) -> int:
        if path and path[0] in self._keys:
            return self._override.line_of(path)
        return self._override.line_of(())


__all__ = [
    "apply_override",
    "bundled_cards",
    "card_from_data",
    "load_card_file",
    "load_card_text",
    "load_cards",
    "validate_card",
]
