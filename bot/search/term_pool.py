"""Which texts of a :class:`~bot.search.term_index.TermIndex` a search scores: those that
match the most of the query's rarer words, at most ``cap``, the shortest first among
equals. Every choice here decides which texts can be returned, so it is exact, not a
sample: the same texts in the same order whatever the path taken.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.search.term_index import TermIndex


def first_texts(index: TermIndex, stem: str, allowed: frozenset[int] | set[int] | None,
                cap: int, max_postings: int) -> list[int] | None:
    """The first ``cap`` live (and allowed) texts of ``stem``'s postings, when it has
    more than ``cap`` of them; else ``None`` (the general path then decides)."""
    dead = index.dead
    chosen: list[int] = []
    for d in index.posting(stem)[:max_postings]:
        if (allowed is None or d in allowed) and d not in dead:
            chosen.append(d)
            if len(chosen) > cap:
                return chosen[:cap]
    return None


def pooled_texts(index: TermIndex, matches: list[dict[str, float]], kept: list[int],
                 allowed: frozenset[int] | set[int] | None, cap: int,
                 max_postings: int) -> Iterable[int]:
    """The texts worth scoring: those that match the most of the ``kept`` query words
    (or one fewer), at most ``cap``, the texts that match the most words first."""
    dead = index.dead
    sets: list[set[int]] = []
    ordered: list[array[int] | None] = []  # a posting list, shortest text first
    for i in kept:
        posting_lists = [index.posting(s) for s in matches[i]]
        if sum(map(len, posting_lists)) > max_postings:  # one very common word alone
            posting_lists = [p[:max_postings] for p in posting_lists]
        one = set(posting_lists[0]) if len(posting_lists) == 1 else set().union(
            *posting_lists)
        if allowed is not None:
            one &= allowed
        if dead:
            one -= dead
        if one:
            sets.append(one)
            ordered.append(posting_lists[0] if len(posting_lists) == 1 else None)
    if not sets:
        return ()
    counts: Counter[int] | None = None
    if len(sets) == 1:
        pool = sets[0]
        best_count = 1
    else:
        counts = Counter()
        for one in sets:
            counts.update(one)
        best_count = max(counts.values())
        # up to two words every counted text qualifies: the set of them all, added one by
        # one as the comprehension adds them (a set's order depends on how it was built,
        # and the candidates' order breaks ties between equal scores)
        pool = (set(counts.keys()) if best_count <= 2
                else {d for d, c in counts.items() if c >= best_count - 1})
    candidates: Iterable[int] = pool
    if len(pool) > cap:
        # the texts that match the most words first, the shortest first among equals
        rare = min(range(len(sets)), key=lambda k: len(sets[k]))
        walk: Iterable[int] = ordered[rare] or sorted(sets[rare],
                                                      key=index.doc_weight.__getitem__)
        chosen: list[int] = []
        for wanted in (best_count, best_count - 1):
            for d in walk:
                if d in pool and (counts is None or counts[d] == wanted):
                    chosen.append(d)
                    if len(chosen) >= cap:
                        break
            if len(chosen) >= cap or counts is None:
                break
        candidates = chosen
    return candidates
