"""Is the text usable at all, and which language is it in?

Both checks run before any extractor. Language detection is a function-word count rather
than a model: customer turns are short, the choice is only ever between the business's own
languages, and a word list is predictable and explainable. Texts without evidence ("ok",
"3pm", a name) keep the conversation's language, so one ambiguous turn never flips it.
"""

from __future__ import annotations

import re
import unicodedata

from ..types import Lang
from ._numbers import fold_umlauts
from ._spans import wordlist

MAX_TEXT_CHARS = 2000
_BINARY_SHARE = 0.3

_EN_WORDS = frozenset(
    wordlist("""
    the and is are i you my me to a of for it this that with at on can could would do
    have has want need please yes yeah yep no nope thanks thank appointment tomorrow today
    hello bye book booking what when how where next not be there just like get time morning
    afternoon evening week day your our we they he she from about tonight cancel
    reschedule haircut cut sure correct right sounds good yesterday after before free
    available works monday tuesday wednesday thursday friday saturday sunday o'clock i'm
    it's that's don't can't won't i'd i'll let's were been which who should
    any anyone some other than then
    """)
)
_DE_WORDS = frozenset(
    fold_umlauts(w).replace("ae", "a").replace("oe", "o").replace("ue", "u")
    for w in wordlist("""
    ich und der die das ist nicht ein eine einen einem mit für bitte ja nein danke morgen
    heute übermorgen termin uhr möchte gerne gern wir sie mein meine meinen haben habe
    hallo guten tag tschüss wann wie können kann bei zu auf den dem des noch auch schon
    genau passt stimmt lieber doch vielen dank ihr ihnen hier heiße nächste nächsten
    nächster montag dienstag mittwoch donnerstag freitag samstag sonntag woche vormittags
    nachmittags abends morgens halb viertel gibt es geht würde wäre sprechen jemand
    zahnreinigung untersuchung schmerzen zahn wiederhören wiedersehen am im vom zum zur
    nur mal jetzt dann oder aber sehr gut keine kein mir mich dir uns euch einer frei
    """)
)
_UMLAUT = re.compile(r"[äöüß]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def check_text(text: str) -> str:
    """``""`` when the text can be understood, else why not (the Understanding problem code)."""
    if not text or not text.strip():
        return "empty"
    if len(text) > MAX_TEXT_CHARS:
        return "too_long"
    visible = [ch for ch in text if not ch.isspace()]
    bad = sum(1 for ch in visible if _is_garbage(ch))
    if bad / len(visible) > _BINARY_SHARE:
        return "binary"
    if not any(ch.isalnum() for ch in visible) and any(_is_emoji_like(ch) for ch in visible):
        return "emoji_only"
    return ""


def _is_garbage(ch: str) -> bool:
    if ch == "\ufffd":
        return True
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs", "Co", "Cn")


def _is_emoji_like(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") or ch in "\u200d\ufe0f\u20e3"


def _fold(word: str) -> str:
    return fold_umlauts(word).replace("ae", "a").replace("oe", "o").replace("ue", "u")


def language_scores(text: str) -> tuple[float, float]:
    """(English, German) evidence: known function words, plus umlauts for German."""
    en = de = 0.0
    for match in _WORD.finditer(text.lower().replace("’", "'")):
        word = match.group(0)
        if word in _EN_WORDS:
            en += 1
        if _fold(word) in _DE_WORDS or _UMLAUT.search(word):
            de += 1
    return en, de


def detect_language(text: str, allowed: tuple[Lang, ...], previous: Lang | None) -> Lang:
    """German or English. Switching away from ``previous`` needs a clear margin."""
    fallback: Lang = (
        previous
        if previous is not None and previous in allowed
        else (allowed[0] if allowed else "en")
    )
    if len(allowed) == 1:
        return allowed[0]
    en, de = language_scores(text[:MAX_TEXT_CHARS])
    if en == de:
        return fallback
    winner: Lang = "en" if en > de else "de"
    if allowed and winner not in allowed:
        return fallback
    margin = abs(en - de)
    if previous is not None and winner != previous and margin < 1:
        return fallback
    return winner
