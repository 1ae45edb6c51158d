"""A catalog prepared for matching: its names normalised once, with indexes and memos.

Catalog matching (see ``catalog``) runs twice on every customer turn against the same few
catalogs, and most of its work depends only on the catalog: normalising every name and
alias, finding their significant words, and knowing which names a word or an n-gram can
match. A :class:`CatalogIndex` does that work once per catalog (:func:`catalog_index`
caches it) and then answers two questions, remembering the answers since the same words
come back turn after turn:

* which of the catalog's significant words a text word matches, and how well
  (:func:`word_similarity` at least ``WORD_MATCH``);
* which names a text n-gram matches as a whole phrase, and how well (at least
  ``PHRASE_MATCH``).

New words and n-grams are compared with the whole catalog at once by rapidfuzz's ``cdist``
(a filter with a lower cut-off) plus suffix and prefix indexes for the compound and
inflection rules; only the few pairs that pass are scored, by the exact rules. The answers
are therefore exactly those of comparing every pair one by one. Pure: memos only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from ..types import CatalogItem
from ._numbers import fold_umlauts
from ._spans import wordlist
from ._vocab import COMMON_WORDS

WORD_MATCH = 85.0
PHRASE_MATCH = 86.0  # a whole name compared with a few words: about one typo per word
_FILTER = 84.0  # cdist's cut-off, safely below both (its float32 scores are rounded)
_MEMO = 20_000  # words or n-grams remembered per catalog
_CACHED = 64  # catalogs kept; a deployment has two per business
# Words that say *that* something is booked, not *what*: "Termin", "appointment", "visit".
# Per language, and all of them apply to every catalog (a name or message may mix them).
APPOINTMENT_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        wordlist("""
        appointment appointments appt appts booking bookings reservation reservations visit
        visits session sessions slot slots service services treatment treatments
        consultation consultations meeting
        """)
    ),
    "de": frozenset(
        wordlist("""
        termin termine terminen termins besuch besuche besuchs buchung buchungen
        reservierung reservierungen sitzung sitzungen behandlung behandlungen leistung
        leistungen dienstleistung dienstleistungen beratung sprechstunde
        """)
    ),
}
# Words of a name that never carry a match alone: the appointment words, qualities
# ("professional", "full"), function words and titles.
_GENERIC = frozenset(
    wordlist("""
    call professional professionelle professioneller professionell full the a an of for and
    with mit und für fuer der die das dr doctor doktor frau herr mr mrs ms prof
    """)
).union(*APPOINTMENT_WORDS.values())
TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


@lru_cache(maxsize=8192)
def norm(word: str) -> str:
    """Lower case, umlauts spelled out, apostrophes and accents dropped."""
    folded = fold_umlauts(word.lower()).replace("'", "")
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Text words that never name an item on their own (compared normalised): the generic words
# above and the common words of booking talk. "Termin" is not the check-up because one of
# its names is "Kontrolltermin"; "check" is not the "Zahncheck".
QUIET = frozenset(norm(w) for w in _GENERIC | COMMON_WORDS)


def name_words(name: str) -> list[str]:
    return [norm(w) for w in TOKEN.findall(name.lower())]


def stem(word: str) -> str:
    for suffix, repl in (
        ("ungen", "ung"),
        ("en", ""),
        ("er", ""),
        ("es", ""),
        ("em", ""),
        ("e", ""),
        ("n", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: len(word) - len(suffix)] + repl
    return word


@lru_cache(maxsize=8192)
def word_similarity(said: str, name_word: str) -> float:
    """0-100: typo, inflection and compound tolerant similarity of two single words."""
    if said == name_word:
        return 100.0
    if len(said) <= 3 or len(name_word) <= 3:
        return 0.0
    s_stem, n_stem = stem(said), stem(name_word)
    best = max(fuzz.ratio(said, name_word), fuzz.ratio(s_stem, n_stem))
    if len(name_word) >= len(said) + 3 and name_word.endswith((said, s_stem)):
        best = max(best, 88.0)  # "reinigung" is the head of "zahnreinigung"
    if (
        len(said) >= len(name_word) + 3
        and len(name_word) >= 4
        and said.endswith((name_word, n_stem))
    ):
        best = max(best, 90.0)  # "herrenhaarschnitt" contains "haarschnitt"
    if len(s_stem) >= 5 and name_word.startswith(s_stem) and len(name_word) > len(s_stem) + 2:
        best = max(best, 85.0)  # "wurzel" starts "wurzelbehandlung"
    if len(n_stem) >= 5 and said.startswith(n_stem) and len(said) > len(n_stem) + 2:
        best = max(best, 85.0)  # "kontrolltermin" starts with "kontroll(e)"
    return float(best)


def phrase_score(joined: str, name_joined: str, name_squashed: str) -> float:
    """0-100: a text n-gram (words joined by spaces) against a whole name, also with the
    spaces removed so "hair cut" meets "haircut". Short ones (4 letters or fewer without
    spaces) must be equal."""
    squashed = joined.replace(" ", "")
    if len(name_squashed) <= 4 or len(squashed) <= 4:
        return 100.0 if squashed == name_squashed else 0.0
    return max(fuzz.ratio(joined, name_joined), fuzz.ratio(squashed, name_squashed))


def _significant(word: str) -> bool:
    # Function words ("out" in "call-out", "up" in "check-up") never carry a match alone;
    # a name made only of them must match as a whole phrase.
    return word.isalpha() and len(word) >= 2 and word not in QUIET


def _add(index: dict[str, list[int]], key: str, value: int) -> None:
    entry = index.setdefault(key, [])
    if value not in entry:
        entry.append(value)


def _close(queries: list[str], choices: list[str]) -> npt.NDArray[np.bool_]:
    """Which pairs rapidfuzz rates near a match level (a filter: scored exactly later)."""
    scores = process.cdist(queries, choices, scorer=fuzz.ratio, score_cutoff=_FILTER)
    return np.asarray(scores > 0)


@dataclass(frozen=True)
class Phrase:
    """A catalog name as matching sees it. Names that differ only in case, apostrophes,
    umlaut spelling or a parenthesis ("kids cut (under 12)") are one phrase."""

    joined: str  # its words joined by spaces
    squashed: str  # ... and without spaces
    k: int  # how many words
    significant: tuple[int, ...]  # vocabulary indices of its significant words, in order
    # its head (last significant word) is in a name of another item too: "haircut" in
    # "men's haircut" and "women's haircut", so "men's" alone tells them apart
    shared_head: bool = False


class CatalogIndex:
    """Everything matching needs from a catalog that does not depend on the text."""

    def __init__(self, items: tuple[CatalogItem, ...]) -> None:
        self.items = items
        self.ids = tuple(item.id.lower() for item in items)
        self.phrases: list[Phrase] = []
        self.vocab: list[str] = []  # the distinct significant words of all names
        self.vocab_index: dict[str, int] = {}
        by_words: dict[tuple[str, ...], int] = {}
        own_phrases: list[tuple[int, ...]] = []
        for item in items:
            own: list[int] = []
            for name in item.names:
                words = tuple(name_words(re.sub(r"\([^)]*\)", " ", name)))
                if not words:
                    continue
                if words not in by_words:
                    by_words[words] = len(self.phrases)
                    significant = tuple(self._word(w) for w in words if _significant(w))
                    self.phrases.append(
                        Phrase(" ".join(words), "".join(words), len(words), significant)
                    )
                own.append(by_words[words])
            own_phrases.append(tuple(dict.fromkeys(own)))
        self.item_phrases = tuple(own_phrases)  # per item, its phrases in name order
        owners: dict[int, set[int]] = {}  # vocabulary word -> the items having it
        for i, phrases in enumerate(own_phrases):
            for p in phrases:
                for v in self.phrases[p].significant:
                    owners.setdefault(v, set()).add(i)
        for i, phrases in enumerate(own_phrases):
            for p in phrases:
                phrase = self.phrases[p]
                if phrase.significant and owners[phrase.significant[-1]] - {i}:
                    self.phrases[p] = replace(phrase, shared_head=True)
        self.max_k = max((p.k for p in self.phrases), default=0)
        self.using: dict[int, list[int]] = {}  # vocabulary word -> the phrases having it
        self._by_squashed: dict[str, list[int]] = {}
        for i, phrase in enumerate(self.phrases):
            _add(self._by_squashed, phrase.squashed, i)
            for v in dict.fromkeys(phrase.significant):
                self.using.setdefault(v, []).append(i)
        self._long_phrases = [i for i, p in enumerate(self.phrases) if len(p.squashed) > 4]
        self._long_joined = [self.phrases[i].joined for i in self._long_phrases]
        self._long_squashed = [self.phrases[i].squashed for i in self._long_phrases]
        # Words of 4+ letters, the only ones matched other than by equality, and four
        # indexes for word_similarity's compound and inflection rules.
        self._long_vocab = [v for v, w in enumerate(self.vocab) if len(w) > 3]
        self._long_words = [self.vocab[v] for v in self._long_vocab]
        self._long_stems = [stem(w) for w in self._long_words]
        self._tails: dict[str, list[int]] = {}  # every ending of 4+ letters -> words
        self._ends: dict[str, list[int]] = {}  # the word and its stem -> words
        self._heads: dict[str, list[int]] = {}  # every beginning of 5+ letters -> words
        self._stems: dict[str, list[int]] = {}  # a stem of 5+ letters -> words
        for v, word, word_stem in zip(
            self._long_vocab, self._long_words, self._long_stems, strict=True
        ):
            for n in range(4, len(word) + 1):
                _add(self._tails, word[-n:], v)
            _add(self._ends, word, v)
            _add(self._ends, word_stem, v)
            for n in range(5, len(word) + 1):
                _add(self._heads, word[:n], v)
            if len(word_stem) >= 5:
                _add(self._stems, word_stem, v)
        self._said: dict[str, tuple[tuple[int, float], ...]] = {}
        self._grams: dict[tuple[str, int], tuple[tuple[int, float], ...]] = {}

    def _word(self, word: str) -> int:
        if word not in self.vocab_index:
            self.vocab_index[word] = len(self.vocab)
            self.vocab.append(word)
        return self.vocab_index[word]

    def word_matches(self, said: list[str]) -> dict[str, tuple[tuple[int, float], ...]]:
        """For each distinct text word: the vocabulary words it matches, with their
        ``word_similarity`` (only those of at least ``WORD_MATCH``)."""
        found: dict[str, tuple[tuple[int, float], ...]] = {}
        new: list[str] = []
        for s in dict.fromkeys(said):
            known = self._said.get(s)
            if known is None:
                new.append(s)
            else:
                found[s] = known
        if not new:
            return found
        candidates = {s: self._rule_candidates(s) for s in new}
        long_new = [s for s in new if len(s) > 3]
        if long_new and self._long_words:
            for queries, choices in (
                (long_new, self._long_words),
                ([stem(s) for s in long_new], self._long_stems),
            ):
                rows, cols = np.nonzero(_close(queries, choices))
                for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                    candidates[long_new[r]].add(self._long_vocab[c])
        if len(self._said) >= _MEMO:
            self._said.clear()
        for s, vs in candidates.items():
            sims = ((v, word_similarity(s, self.vocab[v])) for v in sorted(vs))
            found[s] = self._said[s] = tuple((v, sim) for v, sim in sims if sim >= WORD_MATCH)
        return found

    def _rule_candidates(self, said: str) -> set[int]:
        """Vocabulary words ``said`` may match by equality or by a compound or inflection
        rule of :func:`word_similarity` (a superset: each is scored afterwards)."""
        found: set[int] = set()
        exact = self.vocab_index.get(said)
        if exact is not None:
            found.add(exact)
        if len(said) <= 3:
            return found
        said_stem = stem(said)
        found.update(self._tails.get(said, ()))  # the word ends with what was said
        found.update(self._tails.get(said_stem, ()))
        for n in range(4, len(said) - 2):  # what was said ends with the word
            found.update(self._ends.get(said[-n:], ()))
        found.update(self._heads.get(said_stem, ()))  # the word starts with what was said
        for n in range(5, len(said) - 2):  # what was said starts with the word
            found.update(self._stems.get(said[:n], ()))
        return found

    def gram_matches(
        self, grams: list[tuple[str, int]]
    ) -> dict[tuple[str, int], tuple[tuple[int, float], ...]]:
        """For each distinct n-gram (its words joined by spaces, and n): the phrases of
        about its length (one word more to one word fewer) it matches, with their
        :func:`phrase_score` (only those of at least ``PHRASE_MATCH``)."""
        found: dict[tuple[str, int], tuple[tuple[int, float], ...]] = {}
        new: list[tuple[str, int]] = []
        for g in dict.fromkeys(grams):
            known = self._grams.get(g)
            if known is None:
                new.append(g)
            else:
                found[g] = known
        if not new:
            return found
        pairs: dict[tuple[str, int], set[int]] = {g: set() for g in new}
        for gram in new:
            for p in self._by_squashed.get(gram[0].replace(" ", ""), ()):
                pairs[gram].add(p)
        long_new = [g for g in new if len(g[0].replace(" ", "")) > 4]
        if long_new and self._long_phrases:
            joined = [g[0] for g in long_new]
            close = _close(self._long_joined, joined) | _close(
                self._long_squashed, [j.replace(" ", "") for j in joined]
            )
            rows, cols = np.nonzero(close)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                pairs[long_new[c]].add(self._long_phrases[r])
        if len(self._grams) >= _MEMO:
            self._grams.clear()
        for (joined_gram, n), ps in pairs.items():
            scores = (
                (p, phrase_score(joined_gram, self.phrases[p].joined, self.phrases[p].squashed))
                for p in sorted(ps)
                if abs(self.phrases[p].k - n) <= 1
            )
            found[joined_gram, n] = self._grams[joined_gram, n] = tuple(
                (p, score) for p, score in scores if score >= PHRASE_MATCH
            )
        return found


_BY_IDENTITY: dict[tuple[int, ...], tuple[tuple[CatalogItem, ...], CatalogIndex]] = {}
_BY_VALUE: dict[tuple[CatalogItem, ...], CatalogIndex] = {}


def catalog_index(items: tuple[CatalogItem, ...]) -> CatalogIndex:
    """The prepared catalog, cached. Callers rebuild the tuple every turn but keep its
    items, so the items' identities are the fast key (each entry holds the items it was
    made from, so their ids cannot be reused while it exists); equal items built anew are
    found by value."""
    key = tuple(map(id, items))
    entry = _BY_IDENTITY.get(key)
    if entry is not None and all(a is b for a, b in zip(entry[0], items, strict=True)):
        return entry[1]
    found = _BY_VALUE.get(items)
    if found is None:
        found = CatalogIndex(items)
        if len(_BY_VALUE) >= _CACHED:
            _BY_VALUE.clear()
        _BY_VALUE[items] = found
    if len(_BY_IDENTITY) >= _CACHED:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[key] = (items, found)
    return found
