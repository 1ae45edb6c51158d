"""Services and staff matched against the business's catalog (ids, names and aliases).

Matching is deliberately forgiving, because customers type fast and speech-to-text
mangles words: every catalog name is compared with the text's word n-grams (rapidfuzz
ratio, also with spaces removed so "hair cut" meets "haircut"), and every significant word
of a name with each text word, allowing typos ("haircutt", "Zahnreinigng"), German
inflection ("Füllungen") and compounds ("Reinigung" is the head of "Zahnreinigung",
"Wurzel" the start of "Wurzelbehandlung"). A name matched on only some of its words
scores lower, and when two items tie the confidence drops so the desk asks which.

Staff "anyone"/"egal"/"no preference" is the value ``any``. When the desk asked for a
service or staff member and nothing matched but the reply names something, the result is a
``unknown_service``/``unknown_staff`` problem so the desk can say what it does offer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from ..types import CatalogItem, FieldCandidate, FieldType
from ._numbers import CARDINALS, ORDINALS, fold_umlauts
from ._spans import lower_keep, wordlist
from ._vocab import COMMON_WORDS, FILLERS, MONTHS, WEEKDAYS

_THRESHOLD = 80.0
_WORD_MATCH = 85.0
_PHRASE_MATCH = 86.0  # a whole name compared with a few words: about one typo per word
_GENERIC = frozenset(
    wordlist("""
    service services treatment visit appointment termin call professional professionelle
    professioneller professionell full the a an of for and with mit und für fuer der die das
    dr doctor doktor frau herr mr mrs ms prof
    """)
)
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_ANY_STRONG = re.compile(
    r"\b(?:anyone|anybody|whoever(?:\s+is\s+(?:free|available))?|no\s+preference|"
    r"any\s+(?:of\s+them|one|stylist|technician|tech|dentist|doctor|plumber)|first\s+available|"
    r"doesn't\s+matter\s+who|don't\s+care\s+who|egal\s+(?:wer|bei\s+wem)|wer\s+auch\s+immer|"
    r"irgendwer|irgendjemand|keine\s+(?:präferenz|praeferenz|vorliebe)|keinen\s+wunsch|"
    r"(?:ist\s+)?mir\s+egal|beliebig)\b"
)
_ANY_WEAK = re.compile(
    r"\b(?:any|either|egal|doesn't\s+matter|does\s+not\s+matter|don't\s+care|whichever|"
    r"no\s+one\s+in\s+particular|nobody\s+in\s+particular|spielt\s+keine\s+rolle)\b"
)
_NOT_CONTENT = (
    COMMON_WORDS
    | FILLERS
    | frozenset(WEEKDAYS)
    | frozenset(MONTHS)
    | frozenset(CARDINALS)
    | frozenset(ORDINALS)
    | frozenset(
        wordlist("""
        like want need would love get have book booking make do some something anything
        nothing service services thing stuff help appointment please thanks thank nope nah
        i'd i'm it's that's that's what's gerne hätte haette moechte möchten brauche buchen
        machen lassen einen eine bitte danke nein doch sorry else other again
        """)
    )
)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    norm: str


def _norm(word: str) -> str:
    folded = fold_umlauts(word.lower()).replace("'", "")
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _tokens(text: str) -> list[_Token]:
    low = lower_keep(text)
    return [_Token(m.start(), m.end(), _norm(m.group(0))) for m in _TOKEN.finditer(low)]


def _name_words(name: str) -> list[str]:
    return [_norm(w) for w in _TOKEN.findall(name.lower())]


def _stem(word: str) -> str:
    for suffix, repl in (("ungen", "ung"), ("en", ""), ("er", ""), ("es", ""), ("em", ""),
                         ("e", ""), ("n", ""), ("s", "")):
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
    s_stem, n_stem = _stem(said), _stem(name_word)
    best = max(fuzz.ratio(said, name_word), fuzz.ratio(s_stem, n_stem))
    if len(name_word) >= len(said) + 3 and name_word.endswith((said, s_stem)):
        best = max(best, 88.0)  # "reinigung" is the head of "zahnreinigung"
    if len(said) >= len(name_word) + 3 and len(name_word) >= 4 and said.endswith(
        (name_word, n_stem)
    ):
        best = max(best, 90.0)  # "herrenhaarschnitt" contains "haarschnitt"
    if len(s_stem) >= 5 and name_word.startswith(s_stem) and len(name_word) > len(s_stem) + 2:
        best = max(best, 85.0)  # "wurzel" starts "wurzelbehandlung"
    if len(n_stem) >= 5 and said.startswith(n_stem) and len(said) > len(n_stem) + 2:
        best = max(best, 85.0)  # "kontrolltermin" starts with "kontroll(e)"
    return float(best)


def _phrase_score(tokens: list[_Token], words: list[str]) -> tuple[float, tuple[int, int]]:
    """Best ratio of the whole name against text n-grams of about its length."""
    best, span = 0.0, (0, 0)
    joined_name, squashed_name = " ".join(words), "".join(words)
    k = len(words)
    seen: dict[str, float] = {}
    for n in range(max(1, k - 1), k + 2):
        for i in range(len(tokens) - n + 1):
            gram = tokens[i : i + n]
            joined = " ".join(t.norm for t in gram)
            score = seen.get(joined, -1.0)
            if score < 0:
                squashed = joined.replace(" ", "")
                if len(squashed_name) <= 4 or len(squashed) <= 4:
                    score = 100.0 if squashed == squashed_name else 0.0
                else:
                    score = max(fuzz.ratio(joined, joined_name), fuzz.ratio(squashed, squashed_name))
                seen[joined] = score
            if score >= _PHRASE_MATCH and score > best:
                best, span = score, (gram[0].start, gram[-1].end)
    return best, span


def _coverage_score(
    tokens: list[_Token], words: list[str], head_needed: bool
) -> tuple[float, tuple[int, int]]:
    """How well the name's significant words are found among the text's words.

    ``head_needed``: a partial match must include the name's last significant word — the
    head of an English compound ("heater" names the water heater service, "water" does
    not). Staff names do not need it: "Lena" is enough for "Dr. Lena Sommer"."""
    # Function words ("out" in "call-out", "up" in "check-up") never carry a match alone;
    # a name made only of them must match as a whole phrase.
    significant = [
        w for w in words if w.isalpha() and len(w) >= 2 and w not in _GENERIC
        and w not in COMMON_WORDS
    ]
    if not significant:
        return 0.0, (0, 0)
    pseudo = tokens + [
        _Token(a.start, b.end, a.norm + b.norm) for a, b in zip(tokens, tokens[1:], strict=False)
    ]
    sims: list[float] = []
    starts: list[int] = []
    ends: list[int] = []
    heads: list[bool] = []
    for word in significant:
        best, where = 0.0, None
        for tok in pseudo:
            sim = word_similarity(tok.norm, word)
            if sim > best:
                best, where = sim, tok
        heads.append(best >= _WORD_MATCH)
        if best >= _WORD_MATCH and where is not None:
            sims.append(best)
            starts.append(where.start)
            ends.append(where.end)
    if not sims:
        return 0.0, (0, 0)
    if head_needed and len(sims) < len(significant) and not heads[-1]:
        return 0.0, (0, 0)
    score = sum(sims) / len(sims) * (0.75 + 0.25 * len(sims) / len(significant))
    return score, (min(starts), max(ends))


def _score_item(
    text: str, tokens: list[_Token], item: CatalogItem, kind: str
) -> tuple[float, tuple[int, int]]:
    stripped = text.strip()
    if stripped.lower() == item.id.lower():  # a button or a model that sends the id itself
        start = text.index(stripped)
        return 100.0, (start, start + len(stripped))
    best, span = 0.0, (0, 0)
    for name in item.names:
        words = _name_words(re.sub(r"\([^)]*\)", " ", name))  # "kids cut (under 12)"
        if not words:
            continue
        coverage = _coverage_score(tokens, words, head_needed=kind == "service")
        for score, where in (_phrase_score(tokens, words), coverage):
            if score > best:
                best, span = score, where
    return best, span


def match_catalog(
    text: str,
    items: tuple[CatalogItem, ...],
    kind: Literal["service", "staff"],
    expected: bool,
) -> list[FieldCandidate]:
    """Catalog ids mentioned in ``text``, best first (see the module docstring)."""
    low = lower_keep(text)
    field: FieldType = kind
    if kind == "staff":
        any_match = _ANY_STRONG.search(low) or (_ANY_WEAK.search(low) if expected else None)
        if any_match:
            return [FieldCandidate(type=field, value="any", span=any_match.span(),
                                   text=text[any_match.start() : any_match.end()],
                                   confidence=0.9)]
    tokens = _tokens(text)
    scored = []
    for item in items:
        score, span = _score_item(text, tokens, item, kind)
        if score >= _THRESHOLD:
            scored.append((score, span, item.id))
    found = _rank(text, field, scored)
    if not found and expected:
        unknown = _unknown(text, tokens, kind)
        if unknown is not None:
            found.append(unknown)
    return found


def _rank(
    text: str, field: FieldType, scored: list[tuple[float, tuple[int, int], str]]
) -> list[FieldCandidate]:
    """Best first. A match whose words lie inside a longer match of another item is
    dominated ("haircut" inside "women's haircut"); equally good undominated matches are
    ambiguous and get lower confidence, so the desk asks which one was meant."""

    def dominated(entry: tuple[float, tuple[int, int], str]) -> bool:
        score, (start, end), _ = entry
        return any(
            other[0] >= score and other[1][0] <= start and end <= other[1][1]
            and other[1][1] - other[1][0] > end - start
            for other in scored
        )

    ranked = sorted(
        ((dominated(e), e) for e in scored),
        key=lambda d: (d[0], -d[1][0], -(d[1][1][1] - d[1][1][0])),
    )
    top = [e for flag, e in ranked if not flag]
    found: list[FieldCandidate] = []
    cap = 1.0
    for flag, (score, span, item_id) in ranked:
        confidence = score / 100 * (0.5 if flag else 1.0)
        if not flag and sum(1 for t in top if abs(t[0] - score) <= 3) > 1:
            confidence *= 0.7  # several items fit equally well
        confidence = min(confidence, cap)
        cap = confidence
        found.append(FieldCandidate(type=field, value=item_id, span=span,
                                    text=text[span[0] : span[1]],
                                    confidence=round(confidence, 3)))
    return found


def _unknown(text: str, tokens: list[_Token], kind: str) -> FieldCandidate | None:
    if text.rstrip().endswith("?"):
        return None
    content = [
        t for t in tokens
        if t.norm.isalpha() and len(t.norm) >= 3 and t.norm not in _NOT_CONTENT
        and text[t.start : t.end].lower() not in _NOT_CONTENT
    ]
    if not 1 <= len(content) <= 5:
        return None
    span = (content[0].start, content[-1].end)
    field: FieldType = "staff" if kind == "staff" else "service"
    return FieldCandidate(type=field, problem=f"unknown_{kind}", span=span,
                          text=text[span[0] : span[1]], confidence=0.6)
