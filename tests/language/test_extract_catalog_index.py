"""The prepared catalog's fast answers equal scoring every pair one by one.

``CatalogIndex`` filters with rapidfuzz and suffix/prefix indexes before scoring; these
properties check the filter never drops a pair the exact rules accept, for words and
n-grams made from the demo catalogs' own words (typos, endings, compounds) and random ones.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from language.extract._catalog_index import (
    PHRASE_MATCH,
    WORD_MATCH,
    CatalogIndex,
    catalog_index,
    phrase_score,
    word_similarity,
)
from language.types import CatalogItem
from tests.fakes.catalogs import CATALOGS

ALL = [items for kinds in CATALOGS.values() for items in kinds.values()]
WORDS = sorted({w for items in ALL for i in items for n in i.names for w in n.lower().split()})


@st.composite
def said_words(draw: st.DrawFn) -> str:
    """A word as a customer might type it: a catalog word changed a little, or two joined."""
    word = draw(st.sampled_from(WORDS)).strip("().,").replace("-", "")
    change = draw(
        st.sampled_from(
            [
                "same",
                "cut",
                "insert",
                "swap",
                "suffix",
                "prefix",
                "compound",
                "head",
                "tail",
                "random",
            ]
        )
    )
    ending = draw(st.sampled_from(["", "en", "e", "s", "ungen", "er", "es", "n", "termin"]))
    i = draw(st.integers(min_value=0, max_value=max(0, len(word) - 1)))
    letter = draw(st.sampled_from("aeinrstuhlmcgzäöüß"))
    if change == "cut":
        word = word[:i] + word[i + 1 :]
    elif change == "insert":
        word = word[:i] + letter + word[i:]
    elif change == "swap" and i < len(word) - 1:
        word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    elif change == "suffix":
        word += ending
    elif change == "prefix":
        word = draw(st.sampled_from(["zahn", "herren", "x", "kinder", "hot"])) + word
    elif change == "compound":
        word += draw(st.sampled_from(WORDS))
    elif change == "head":
        word = word[: draw(st.integers(min_value=1, max_value=max(1, len(word))))]
    elif change == "tail":  # "behandlungen" ends "wurzelbehandlung" but for its ending
        word = word[i:] + ending
    elif change == "random":
        word = draw(st.text(alphabet="abcdeilnorstuwzäü", min_size=1, max_size=14))
    return word.lower()


@settings(max_examples=300, deadline=None)
@given(items=st.sampled_from(ALL), said=st.lists(said_words(), min_size=1, max_size=6))
@example(  # one word for each compound and inflection rule, and a typo
    items=CATALOGS["praxis-sommer"]["service"],
    said=[
        "behandlungen",
        "reinigung",
        "zahnreinigungstermin",
        "wurzel",
        "kontrolltermin",
        "zahnreinigng",
    ],
)
@example(items=CATALOGS["bloom-salon"]["service"], said=["herrenhaircut", "haircuts", "a"])
@example(items=(CatalogItem(id="x", names=("Wurzelbehandlungen",)),), said=["behandlungen"])
def test_word_matches_are_every_pair_word_similarity_accepts(
    items: tuple[CatalogItem, ...], said: list[str]
) -> None:
    for index in (CatalogIndex(items), catalog_index(items)):
        found = index.word_matches(said)
        for s in said:
            exact = {
                (v, sim)
                for v, w in enumerate(index.vocab)
                if (sim := word_similarity(s, w)) >= WORD_MATCH
            }
            assert set(found[s]) == exact, s


@settings(max_examples=200, deadline=None)
@given(items=st.sampled_from(ALL), words=st.lists(said_words(), min_size=1, max_size=5))
def test_gram_matches_are_every_phrase_of_about_its_length_it_matches(
    items: tuple[CatalogItem, ...], words: list[str]
) -> None:
    grams = [
        (" ".join(words[i : i + n]), n)
        for n in range(1, len(words) + 1)
        for i in range(len(words) - n + 1)
    ]
    for index in (CatalogIndex(items), catalog_index(items)):
        found = index.gram_matches(grams)
        for joined, n in grams:
            exact = {
                (p, score)
                for p, phrase in enumerate(index.phrases)
                if abs(phrase.k - n) <= 1
                and (score := phrase_score(joined, phrase.joined, phrase.squashed)) >= PHRASE_MATCH
            }
            assert set(found[joined, n]) == exact, joined


def test_an_equal_catalog_built_anew_shares_the_prepared_index() -> None:
    items = CATALOGS["praxis-sommer"]["service"]
    rebuilt = tuple(CatalogItem(id=i.id, names=i.names) for i in items)
    assert catalog_index(items) is catalog_index(tuple(items)) is catalog_index(rebuilt)
