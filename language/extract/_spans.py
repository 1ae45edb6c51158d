"""Span bookkeeping shared by the extractors.

Extractors run regexes over a lower-cased copy of the text and report spans into the
original, so the copy must keep every character at its index (``str.lower`` alone does not:
"İ" becomes two characters). Overlap claims let a module try its most specific patterns
first and skip shorter readings of the same words ("day after tomorrow" before "tomorrow").
"""

from __future__ import annotations

import bisect
import functools
import re

# Input beyond this is not read: understand() refuses texts over 2,000 characters anyway, and
# a bound keeps every extractor linear and fast on hostile input.
MAX_CHARS = 4000

_QUOTES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})


def wordlist(words: str) -> list[str]:
    """A whitespace-separated word list written as one string (easier to read and edit)."""
    return words.split()


@functools.lru_cache(maxsize=64)
def lower_keep(text: str) -> str:
    """Lower-case ``text`` character by character, never changing its length.

    Every extractor of a turn lowers the same text, so the last few are kept (the function
    is pure). No character lowers to nothing, so when the whole text keeps its length every
    character kept its place and ``str.lower`` is the answer."""
    kept = text[:MAX_CHARS].translate(_QUOTES)
    low = kept.lower()
    if len(low) == len(kept):
        return low
    chars = []
    for ch in kept:
        one = ch.lower()
        chars.append(one if len(one) == 1 else ch)
    return "".join(chars)


def de(word: str) -> str:
    """Regex for a German word that also accepts ae/oe/ue/ss and plain-vowel spellings."""
    out = []
    for ch in word:
        if ch == "ä":
            out.append("(?:ä|ae|a)")
        elif ch == "ö":
            out.append("(?:ö|oe|o)")
        elif ch == "ü":
            out.append("(?:ü|ue|u)")
        elif ch == "ß":
            out.append("(?:ß|ss)")
        elif ch == " ":
            out.append(r"\s+")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def words_re(words: list[str] | tuple[str, ...]) -> str:
    """Alternation of words/phrases, longest first, German spellings widened by :func:`de`."""
    return "|".join(de(w) for w in sorted(words, key=len, reverse=True))


class Claims:
    """Character ranges already explained by an earlier, more specific pattern.

    Kept sorted and disjoint, so a check is a binary search even on hostile input with
    thousands of matches."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        if i > 0 and self._ends[i - 1] > start:
            return False
        return not (i < len(self._starts) and self._starts[i] < end)

    def take(self, start: int, end: int) -> bool:
        """Claim the range if it is free; report whether it was."""
        if not self.free(start, end):
            return False
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, max(end, start + 1))
        return True


def preceding_words(text: str, pos: int, count: int) -> list[str]:
    """Up to ``count`` words right before ``pos`` in the same clause (lower-case)."""
    head = text[max(0, pos - 80) : pos]
    clause = re.split(r"[,.;:!?()\n]|\bbut\b|\baber\b|\bsondern\b", head)[-1]
    return re.findall(r"[\w']+", clause)[-count:]
