"""Which texts a term-index search scores when a word is in more texts than it scores:
the shortest live ones allowed, the same whichever way they are picked."""

from __future__ import annotations

import random

from bot.search.query import QueryTerm
from bot.search.term_build import build, extended
from bot.search.term_pool import first_texts, pooled_texts
from bot.search.text import stem

CAP = 5


def term(word: str) -> QueryTerm:
    return QueryTerm(word, {stem(word): 1.0}, prefix=False, stop=False, fts_words=[word],
                     fts_df=1)


def texts(count: int, seed: int) -> list[str]:
    # made-up headings: every one holds "tide"; lengths vary, so postings order matters
    rng = random.Random(seed)
    filler = ["moon", "ocean", "friction", "spin", "bulge", "shore", "current", "wave"]
    return [" ".join(["tide", *rng.sample(filler, rng.randint(0, 6))]) for _ in range(count)]


def test_a_common_word_scores_its_shortest_live_allowed_texts() -> None:
    index = extended(build(texts(40, seed=1)), [], dead={0, 7})
    posting = list(index.posting("tide"))
    allowed = frozenset(range(0, 40, 2))
    wanted = [d for d in posting if d in allowed and d not in {0, 7}][:CAP]
    assert first_texts(index, "tide", allowed, CAP, 12_000) == wanted
    hits = index.search([term("tide")], allowed=allowed, limit=40, cap=CAP)
    assert sorted(doc for doc, *_ in hits) == sorted(wanted)


def test_picking_from_the_postings_equals_the_general_pool() -> None:
    for seed in range(20):
        index = extended(build(texts(60, seed)), [], dead=set(range(0, 60, 7)))
        allowed = frozenset(random.Random(seed).sample(range(60), 45))
        matches = [{"tide": 1.0}]
        for chosen_from in (None, allowed):
            fast = first_texts(index, "tide", chosen_from, CAP, 12_000)
            assert fast == list(pooled_texts(index, matches, [0], chosen_from, CAP, 12_000))
    # no more live texts than the cap: the general path decides (all of them, as a set,
    # whose order breaks ties between equal scores)
    for count in (3, CAP):
        small = build(texts(count, seed=3))
        assert first_texts(small, "tide", None, CAP, 12_000) is None
        assert pooled_texts(small, [{"tide": 1.0}], [0], None, CAP, 12_000) == set(
            range(count))
