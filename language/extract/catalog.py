"""Services and staff matched against the business's catalog (ids, names and aliases).

Matching is deliberately forgiving, because customers type fast and speech-to-text
mangles words: every catalog name is compared with the text's word n-grams (rapidfuzz
ratio, also with spaces removed so "hair cut" meets "haircut"), and every significant word
of a name with each text word, allowing typos ("haircutt", "Zahnreinigng"), German
inflection ("Füllungen") and compounds ("Reinigung" is the head of "Zahnreinigung",
"Wurzel" the start of "Wurzelbehandlung"). A name matched on only some of its words
scores lower. Forgiving is not loose: a generic appointment word ("Termin", "appointment",
"Besuch", per language) or a common word of booking talk never matches on its own — not
inside a longer name ("Kontrolltermin"), not glued to a neighbour, not by a near miss.

When the best words fit several items alike ("haircut": the women's and the men's), the
result says so (one ``ambiguous`` candidate per item) and the desk asks which, unless a
telling word elsewhere points to one ("a men's trim"); asked which, the telling word alone
answers ("men's").

Staff "anyone"/"egal"/"no preference" is the value ``any``. When the desk asked for a
service or staff member and nothing matched but the reply names something, the result is a
``unknown_service``/``unknown_staff`` problem so the desk can say what it does offer.

This runs twice on every turn, so the catalog side (normalised names, their words, which
names a word or n-gram matches) is prepared once and remembered by ``_catalog_index``;
only the text is read anew.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from ..types import CatalogItem, FieldCandidate, FieldType
from ._catalog_index import QUIET, TOKEN, CatalogIndex, Phrase, catalog_index, norm
from ._catalog_index import word_similarity as word_similarity  # used by choice
from ._spans import lower_keep, wordlist
from ._vocab import plain_words

_THRESHOLD = 80.0
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
_NOT_CONTENT = plain_words() | frozenset(
    wordlist("""
        like want need would love get have book booking make do some something anything
        nothing service services thing stuff help appointment please thanks thank nope nah
        i'd i'm it's that's that's what's gerne hätte haette moechte möchten brauche buchen
        machen lassen einen eine bitte danke nein doch sorry else other again
        """)
)


class _Token(NamedTuple):
    start: int
    end: int
    norm: str


def _tokens(low: str) -> list[_Token]:
    """The words of ``low`` (the text lower-cased by ``lower_keep``), normalised."""
    return [_Token(m.start(), m.end(), norm(m.group(0))) for m in TOKEN.finditer(low)]


def _phrase_matches(index: CatalogIndex, tokens: list[_Token]) -> dict[int, tuple[float, int, int]]:
    """Per phrase, the best score of the whole name against the text's n-grams of about
    its length and the span of the first n-gram reaching it (shorter n-grams first). An
    n-gram of quiet words only ("Termin", "the appointment") matches a name only when equal
    to it: close is not enough, as "appointment" is close to "xyz appointment"."""
    norms = [t.norm for t in tokens]
    grams = [
        (
            " ".join(norms[i : i + n]),
            n,
            tokens[i].start,
            tokens[i + n - 1].end,
            all(w in QUIET for w in norms[i : i + n]),
        )
        for n in range(1, min(index.max_k + 1, len(tokens)) + 1)
        for i in range(len(tokens) - n + 1)
    ]
    matches = index.gram_matches([(joined, n) for joined, n, _, _, _ in grams])
    best: dict[int, tuple[float, int, int]] = {}
    for joined, n, start, end, quiet in grams:
        for p, score in matches[joined, n]:
            if quiet and score < 100.0:
                continue
            if p not in best or score > best[p][0]:
                best[p] = (score, start, end)
    return best


def _word_matches(index: CatalogIndex, tokens: list[_Token]) -> dict[int, tuple[float, _Token]]:
    """Per significant catalog word some text word (or two written apart: "Zahn
    Reinigung") matches, the best similarity and the first text word reaching it."""
    content = [t.norm not in QUIET for t in tokens]  # quiet words join no compound either
    pseudo = [t for t, c in zip(tokens, content, strict=True) if c] + [
        _Token(a.start, b.end, a.norm + b.norm)
        for a, b, ca, cb in zip(tokens, tokens[1:], content, content[1:], strict=False)
        if ca and cb
    ]
    matches = index.word_matches([t.norm for t in pseudo])
    best: dict[int, tuple[float, _Token]] = {}
    for tok in pseudo:
        for v, sim in matches[tok.norm]:
            if v not in best or sim > best[v][0]:
                best[v] = (sim, tok)
    return best


def _coverage(
    phrase: Phrase,
    words: dict[int, tuple[float, _Token]],
    head_needed: bool,
    head_optional: bool = False,
) -> tuple[float, tuple[int, int]]:
    """How well the name's significant words are found among the text's words.

    ``head_needed``: a partial match must include the name's last significant word — the
    head of an English compound ("heater" names the water heater service, "water" does
    not). ``head_optional``: every word but a head that other items share will do, since
    the desk asked for this field and the modifier is what tells them apart ("men's" after
    "the women's or the men's haircut?"). Staff names do not need the head at all: "Lena"
    is enough for "Dr. Lena Sommer"."""
    sims: list[float] = []
    starts: list[int] = []
    ends: list[int] = []
    for v in phrase.significant:
        if v in words:
            sim, where = words[v]
            sims.append(sim)
            starts.append(where.start)
            ends.append(where.end)
    if not sims:
        return 0.0, (0, 0)
    if (
        head_needed
        and len(sims) < len(phrase.significant)
        and phrase.significant[-1] not in words
        and not (head_optional and phrase.shared_head and len(sims) == len(phrase.significant) - 1)
    ):
        return 0.0, (0, 0)
    score = sum(sims) / len(sims) * (0.75 + 0.25 * len(sims) / len(phrase.significant))
    return score, (min(starts), max(ends))


def _tells(phrase: Phrase, words: dict[int, tuple[float, _Token]]) -> bool:
    """The text has every word of the name but its head, and other items share the head:
    "men's" of "men's haircut" in "a men's trim"."""
    return (
        phrase.shared_head
        and len(phrase.significant) > 1
        and phrase.significant[-1] not in words
        and all(v in words for v in phrase.significant[:-1])
    )


def _scores(
    text: str, tokens: list[_Token], index: CatalogIndex, kind: str, expected: bool
) -> tuple[list[tuple[float, tuple[int, int], str]], frozenset[str]]:
    """Every item scoring at least the threshold, in catalog order: score, span and id;
    and the ids of the items a telling word of the text points to (see :func:`_tells`).

    An item scores as its best name (the whole phrase, then its words; the earlier first
    among equals); the id itself, sent by a button or a model, scores 100."""
    phrases = _phrase_matches(index, tokens) if tokens else {}
    words = _word_matches(index, tokens) if tokens else {}
    touched = {p for v in words for p in index.using[v]}
    coverage = {
        p: _coverage(index.phrases[p], words, kind == "service", head_optional=expected)
        for p in touched
    }
    stripped = text.strip()
    said_id = stripped.lower()
    scored = []
    for item, item_id, own in zip(index.items, index.ids, index.item_phrases, strict=True):
        if said_id == item_id:
            start = text.index(stripped)
            scored.append((100.0, (start, start + len(stripped)), item.id))
            continue
        best, span = 0.0, (0, 0)
        for p in own:
            if p in phrases and phrases[p][0] > best:
                best, span = phrases[p][0], phrases[p][1:]
            if p in coverage and coverage[p][0] > best:
                best, span = coverage[p]
        if best >= _THRESHOLD:
            scored.append((best, span, item.id))
    telling = frozenset(
        item.id
        for item, own in zip(index.items, index.item_phrases, strict=True)
        if any(p in touched and _tells(index.phrases[p], words) for p in own)
    )
    return scored, telling


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
            return [
                FieldCandidate(
                    type=field,
                    value="any",
                    span=any_match.span(),
                    text=text[any_match.start() : any_match.end()],
                    confidence=0.9,
                )
            ]
    tokens = _tokens(low)
    found = _rank(text, field, *_scores(text, tokens, catalog_index(items), kind, expected))
    if not found and expected:
        unknown = _unknown(text, tokens, kind)
        if unknown is not None:
            found.append(unknown)
    return found


def _rank(
    text: str,
    field: FieldType,
    scored: list[tuple[float, tuple[int, int], str]],
    telling: frozenset[str] = frozenset(),
) -> list[FieldCandidate]:
    """Best first. A match whose words lie inside a longer match of another item is
    dominated ("haircut" inside "women's haircut"). When the best words fit several items
    about equally ("haircut": the women's and the men's), the text does not say which —
    unless a telling word elsewhere points to exactly one of them (``telling``: "a men's
    trim") — and each of them comes first as an ``ambiguous`` candidate (its id as the
    value, in catalog order) so the desk asks; weaker readings of the same words are
    dropped. Equally good matches of different words ("a haircut and a blowout") get
    lower confidence."""

    def dominated(entry: tuple[float, tuple[int, int], str]) -> bool:
        score, (start, end), _ = entry
        return any(
            other[0] >= score
            and other[1][0] <= start
            and end <= other[1][1]
            and other[1][1] - other[1][0] > end - start
            for other in scored
        )

    ranked = sorted(
        ((dominated(e), e) for e in scored),
        key=lambda d: (d[0], -d[1][0], -(d[1][1][1] - d[1][1][0])),
    )
    top = [e for flag, e in ranked if not flag]
    found: list[FieldCandidate] = []
    open_spans: list[tuple[int, int]] = []  # words that fit several items: asked about
    for lead in list(top):
        score, span, _ = lead
        if (
            lead not in top
            or any(_overlap(span, s) for s in open_spans)
            or any(_overlap(span, e[1]) for e in top[: top.index(lead)])
        ):
            continue  # told apart already, or not the best reading of its words
        tied = [e for e in top if abs(e[0] - score) <= 3 and _overlap(e[1], span)]
        told = [e for e in tied if e[2] in telling]
        if len(tied) > 1 and len(told) == 1:  # "a men's trim": the others are not meant
            scored = [e for e in scored if e not in tied or e in told]
            top = [e for e in top if e not in tied or e in told]
            ranked = [(flag, e) for flag, e in ranked if e not in tied or e in told]
            continue
        if len(tied) > 1:
            open_spans.append(span)
            found += [
                FieldCandidate(
                    type=field,
                    value=item_id,
                    problem="ambiguous",
                    span=span,
                    text=text[span[0] : span[1]],
                    confidence=round(score / 100 * 0.7, 3),
                )
                for _, _, item_id in (e for e in scored if e in tied)
            ]
    ranked = [(flag, e) for flag, e in ranked if not any(_overlap(e[1], s) for s in open_spans)]
    cap = 1.0
    for flag, (score, span, item_id) in ranked:
        confidence = score / 100 * (0.5 if flag else 1.0)
        if not flag and sum(1 for t in top if abs(t[0] - score) <= 3) > 1:
            confidence *= 0.7  # several items fit equally well
        confidence = min(confidence, cap)
        cap = confidence
        found.append(
            FieldCandidate(
                type=field,
                value=item_id,
                span=span,
                text=text[span[0] : span[1]],
                confidence=round(confidence, 3),
            )
        )
    return found


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _unknown(text: str, tokens: list[_Token], kind: str) -> FieldCandidate | None:
    if text.rstrip().endswith("?"):
        return None
    content = [
        t
        for t in tokens
        if t.norm.isalpha()
        and len(t.norm) >= 3
        and t.norm not in _NOT_CONTENT
        and text[t.start : t.end].lower() not in _NOT_CONTENT
    ]
    if not 1 <= len(content) <= 5:
        return None
    span = (content[0].start, content[-1].end)
    field: FieldType = "staff" if kind == "staff" else "service"
    return FieldCandidate(
        type=field,
        problem=f"unknown_{kind}",
        span=span,
        text=text[span[0] : span[1]],
        confidence=0.6,
    )
