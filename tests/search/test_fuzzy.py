"""Typo tolerance without a full scan (bot/search/fuzzy.py): the words a query word may be a
typo of, and their order, are those a plain scan of every word of about its length gives
(rapidfuzz over the words of length ± the edits allowed), for the vocabulary's corrections
and a term index's near words alike."""

from __future__ import annotations

import functools
import itertools
import random

import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search.fuzzy import NearWords, NearWordSearch
from bot.search.term_build import build
from bot.search.text import max_edits, similarity
from bot.search.vocabulary import Vocabulary

# made-up words: more than twelve one edit from "cart" (the cut at 12 falls inside a tie),
# letters outside a-z, a class of letters counted past seven, words of 2 to 17 letters
WORDS = [
    "art", "bart", "card", "cards", "care", "caret", "carp", "cars", "cart", "carte",
    "carts", "cat", "cert", "chart", "curt", "dart", "kart", "mart", "part", "scart", "tart",
    "wart", "carton", "cartons", "cartoon", "protein", "proteins", "protean", "protien",
    "impostor", "imposter", "impostors", "sleepless", "sleeplessness", "eeeeeeeeb",
    "eeeeeeeeeb", "beeeeeeeee", "aaaaaaaaaz", "zaaaaaaaaa", "café", "cafe", "cafes", "naïve",
    "naive", "straße", "strasse", "mp3s", "covid19", "2024", "漢字漢字", "漢字漢子", "ıııı",
    "ab", "abc", "abcd", "topdown", "top", "down", "dowm", "ramen", "romen", "ramens",
    "metabolism", "metabolic", "metabolisms", "metabolite", "catabolism",
]
LETTERS = "acerstbizéß漢"


def one_edits(word: str) -> set[str]:
    found = {word[:i] + word[i + 1:] for i in range(len(word))}
    found |= {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    for i, ch in itertools.product(range(len(word) + 1), LETTERS):
        found.add(word[:i] + ch + word[i:])
        found.add(word[:i] + ch + word[i + 1:])
    return found


@functools.cache
def query_words() -> list[str]:
    """The words, 2,000 of their one-edit neighbours, 600 two edits away, a few odd ones."""
    rng = random.Random(7)
    near = sorted(set().union(*map(one_edits, WORDS)) - set(WORDS))
    found = {*WORDS, *rng.sample(near, 2000)}
    found |= {rng.choice(sorted(one_edits(w))) for w in rng.sample(near, 600)}
    found |= {"x" * 300, "qqqq", "eeeeeeeeeeeeeeee", "ωωωω"}
    return sorted(w for w in found if len(w) >= 2)


def plain_scan(words: list[str], word: str, edits: int, limit: int) -> list[tuple[str, int, int]]:
    pool: list[tuple[str, int]] = []
    for length in range(len(word) - edits, len(word) + edits + 1):
        pool += [(w, k) for k, w in enumerate(words) if len(w) == length]
    hits = process.extract(word, [w for w, _ in pool], scorer=OSA.distance,
                           score_cutoff=edits, limit=limit)
    return [(w, int(d), pool[at][1]) for w, d, at in hits]


@pytest.mark.parametrize("edits", [1, 2])
@pytest.mark.parametrize("limit", [3, 12, 1000])
def test_the_words_within_reach_are_those_a_plain_scan_finds(edits: int, limit: int) -> None:
    near = NearWords(WORDS)
    for word in query_words():
        assert near.within(word, edits, limit) == plain_scan(WORDS, word, edits, limit), word


def test_a_search_scans_at_first_then_builds_the_groups_with_the_same_answers() -> None:
    # a command line makes one or two searches: they must not pay for building the groups
    search = NearWordSearch(WORDS)
    words = query_words()
    for n, word in enumerate(words[:200]):
        assert search.within(word, 2, 12) == plain_scan(WORDS, word, 2, 12), word
        assert (search._near is None) == (n < NearWordSearch.SCANS), n


def test_ties_keep_the_order_the_words_were_given_in() -> None:
    given = sorted(WORDS, reverse=True)
    near = NearWords(given)
    for word in ("carx", "cart", "metabolizm", "ramem"):
        assert near.within(word, max_edits(word), 12) == plain_scan(given, word,
                                                                    max_edits(word), 12)


def test_nothing_near_an_empty_list() -> None:
    assert NearWords([]).within("cart", 1, 12) == []


def old_corrections(vocab: Vocabulary, words: list[str], word: str) -> list[tuple[str, int]]:
    if len(word) < 4 or not word.isalpha():
        return []
    hits = plain_scan(words, word, max_edits(word), 12)
    distances = [d for _, d, _ in hits if d > 0]
    if not distances:
        return []
    nearest = min(distances)
    return sorted(((w, nearest) for w, d, _ in hits if d == nearest),
                  key=lambda x: -vocab.count(x[0]))[:3]


def test_a_typo_is_corrected_to_the_words_a_full_scan_finds() -> None:
    counts = {w: 1 + (len(w) * 7 + ord(w[0])) % 5 for w in WORDS} | {"cars": 9, "card": 7, "cart": 5}
    later = {"carty": 4, "protain": 2, "kafé": 1}  # words of notes written since the build
    vocab = Vocabulary.of(counts)
    vocab = Vocabulary(vocab.terms, vocab.docs, vocab.stem_keys, vocab.stem_starts,
                       vocab.stem_terms, later)
    everything = [*sorted(counts), *later]
    assert vocab.corrections("protien") == [("protein", 1)]
    # the most frequent of the nearest first
    assert vocab.corrections("carx") == [("cars", 1), ("card", 1), ("cart", 1)]
    for word in query_words():
        assert vocab.corrections(word) == old_corrections(vocab, everything, word), word


def test_a_term_index_finds_the_near_words_a_full_scan_finds() -> None:
    index = build([" ".join(WORDS[k:k + 3]) for k in range(0, len(WORDS), 3)])
    forms = list(index.forms)
    for word in query_words():
        expected: dict[str, float] = {}
        if len(word) >= 4 and word.isalpha():
            for form, distance, at in plain_scan(forms, word, max_edits(word), 8):
                if distance == 1 or (distance and form[:1] == word[:1]):
                    stem = index.stems[index.form_sids[at]]
                    expected[stem] = max(expected.get(stem, 0.0),
                                         similarity(distance, len(word)))
        found = index.near(word)
        assert list(found.items()) == list(expected.items()), word
