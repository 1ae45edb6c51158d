"""Tokens of the condition language, read by hand from the text.

The lexer never hands user text to ``eval``, ``ast`` or ``json``: it recognises exactly
the tokens the grammar has and reports anything else with its character offset, so a card
author sees *where* a condition went wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from .errors import ConditionError

MAX_LENGTH = 2000
"""Longest condition text accepted, in characters."""

MAX_SAFE_INT = 2**53 - 1
"""Integers beyond this lose exactness in a JSON double, so facts and literals stay inside."""


class Kind(Enum):
    NAME = "name"
    STRING = "string"
    INT = "integer"
    FLOAT = "number"
    TRUE = "true"
    FALSE = "false"
    AND = "and"
    OR = "or"
    NOT = "not"
    IN = "in"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    COMMA = ","
    END = "end of condition"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # the source text of the token
    position: int
    value: str | int | float | bool | None = None  # literals only


_KEYWORDS = {
    "and": Kind.AND,
    "or": Kind.OR,
    "not": Kind.NOT,
    "in": Kind.IN,
    "true": Kind.TRUE,
    "false": Kind.FALSE,
}
_PUNCTUATION = {
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "[": Kind.LBRACKET,
    "]": Kind.RBRACKET,
    ",": Kind.COMMA,
}
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
_WHITESPACE = " \t\r\n"
_DIGITS = "0123456789"


def _is_segment_start(ch: str) -> bool:
    return ch == "_" or "a" <= ch <= "z"


def _is_segment_char(ch: str) -> bool:
    return ch == "_" or "a" <= ch <= "z" or "0" <= ch <= "9"


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``END`` token."""
    if len(text) > MAX_LENGTH:
        raise ConditionError(text, MAX_LENGTH, f"condition is longer than {MAX_LENGTH} characters")
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _WHITESPACE:
            i += 1
        elif _is_segment_start(ch):
            i = _read_name(text, i, tokens)
        elif ch in "'\"":
            i = _read_string(text, i, tokens)
        elif ch in _DIGITS or (ch == "-" and i + 1 < n and text[i + 1] in _DIGITS):
            i = _read_number(text, i, tokens)
        elif ch in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[ch], ch, i))
            i += 1
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise ConditionError(text, i, _unexpected_character(text, i))
            tokens.append(Token(Kind.OP, op, i))
            i += len(op)
    tokens.append(Token(Kind.END, "", n))
    return tokens


def _unexpected_character(text: str, i: int) -> str:
    ch = text[i]
    if ch == "=":
        return "unexpected '=' (compare with '==')"
    if ch.isalpha():
        return f"unexpected character {ch!r} (names and keywords are lowercase)"
    return f"unexpected character {ch!r}"


def _read_name(text: str, start: int, tokens: list[Token]) -> int:
    i, n = start, len(text)
    while True:
        while i < n and _is_segment_char(text[i]):
            i += 1
        if i < n and text[i] == ".":
            if i + 1 < n and _is_segment_start(text[i + 1]):
                i += 1
                continue
            raise ConditionError(text, i + 1, "expected a name segment after '.'")
        break
    if i < n and (text[i].isalnum() or text[i] == "_"):
        raise ConditionError(text, i, _unexpected_character(text, i))
    word = text[start:i]
    kind = _KEYWORDS.get(word, Kind.NAME)
    value: bool | None = {Kind.TRUE: True, Kind.FALSE: False}.get(kind)
    tokens.append(Token(kind, word, start, value))
    return i


def _read_string(text: str, start: int, tokens: list[Token]) -> int:
    quote = text[start]
    i, n = start + 1, len(text)
    parts: list[str] = []
    while i < n:
        ch = text[i]
        if ch == quote:
            tokens.append(Token(Kind.STRING, text[start : i + 1], start, "".join(parts)))
            return i + 1
        if ch == "\\":
            if i + 1 >= n or text[i + 1] not in _ESCAPES:
                raise ConditionError(
                    text, i, "unknown escape in string (use \\\\, \\', \\\", \\n or \\t)"
                )
            parts.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        parts.append(ch)
        i += 1
    raise ConditionError(text, start, "string is not closed")


def _read_number(text: str, start: int, tokens: list[Token]) -> int:
    i, n = start + 1, len(text)
    while i < n and text[i] in _DIGITS:
        i += 1
    is_float = False
    if i < n and text[i] == ".":
        if i + 1 >= n or text[i + 1] not in _DIGITS:
            raise ConditionError(text, start, "malformed number (digits must follow '.')")
        is_float = True
        i += 1
        while i < n and text[i] in _DIGITS:
            i += 1
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j >= n or text[j] not in _DIGITS:
            raise ConditionError(text, start, "malformed number (digits must follow the exponent)")
        is_float = True
        i = j
        while i < n and text[i] in _DIGITS:
            i += 1
    if i < n and (_is_segment_char(text[i]) or text[i] == "."):
        raise ConditionError(text, i, "malformed number")
    source = text[start:i]
    value: int | float
    if is_float:
        value = float(source)
        if not math.isfinite(value):
            raise ConditionError(text, start, "number is too large")
        tokens.append(Token(Kind.FLOAT, source, start, value))
    else:
        value = int(source)
        if abs(value) > MAX_SAFE_INT:
            raise ConditionError(text, start, f"integer is outside ±{MAX_SAFE_INT}")
        tokens.append(Token(Kind.INT, source, start, value))
    return i
