"""Which texts a term-index search scores when a word is in more texts than it scores:
the shortest live ones allowed, the same whichever way they are picked."""

from __future__ import annotations

import random

from bot.search.query import QueryTerm
from bot.search.term_build import build, extended
from bot.search.term_index import TermIndex
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


def reference_pool(index: TermIndex, matches: list[dict[str, float]], kept: list[int],
                   allowed: frozenset[int] | None, cap: int) -> list[int]:
    """The rule written plainly: texts counted per word, the pool of those that match
    the most words or one fewer, and past `cap` a walk of the rarest word's texts."""
    sets: list[set[int]] = []
    ordered: list[list[int] | None] = []
    for i in kept:
        postings = [list(index.posting(s)) for s in matches[i]]
        one = set().union(*postings) - index.dead
        if allowed is not None:
            one &= allowed
        if one:
            sets.append(one)
            ordered.append(postings[0] if len(postings) == 1 else None)
    counts = {d: sum(d in one for one in sets) for one in sets for d in one}
    best = max(counts.values())
    pool = {d for d, c in counts.items() if c >= best - 1}
    if len(pool) <= cap:
        return sorted(pool)
    rare = min(range(len(sets)), key=lambda k: len(sets[k]))
    walk = ordered[rare] or sorted(sets[rare], key=lambda d: index.doc_weight[d])
    chosen = [d for d in walk if counts.get(d) == best][:cap]
    if best > 1:
        chosen += [d for d in walk if counts.get(d) == best - 1][: cap - len(chosen)]
    return chosen


def test_texts_matching_the_most_words_come_first_past_the_cap() -> None:
    words = ["tide", "moon", "ocean", "wave", "shore", "spin", "orbit", "salt"]
    for seed in range(40):
        rng = random.Random(seed)
        headings = [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(80)]
        index = extended(build(headings), [], dead=set(rng.sample(range(80), 6)))
        allowed = None if seed % 2 else frozenset(rng.sample(range(80), 60))
        kept = rng.sample(range(len(words)), rng.randint(2, 4))
        matches = [{stem(w): 1.0} for w in words]
        got = pooled_texts(index, matches, kept, allowed, CAP, 12_000)
        want = reference_pool(index, matches, kept, allowed, CAP)
        assert (sorted(got) if isinstance(got, set) else list(got)) == want, seed
