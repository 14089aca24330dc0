"""The words within a small edit distance of a word, without comparing it with every word
of about its length.

Words are grouped by how many of their letters fall in each of six classes (:data:`_CLASSES`).
One edit of the OSA distance (an insertion, a deletion, a substitution, a swap of two
neighbours) adds at most one letter to the classes and takes at most one away, so a word
``d`` edits away has a count vector whose rises add up to at most ``d`` and whose falls add
up to at most ``d``. Only those groups are compared (a few per cent of the words of about the
same length); the others cannot be within ``d``. The answer is the one a plain scan of every
word of length ``len(word) ± edits`` gives, in the same order: nearest first, then shorter,
then in the order the words were given.
"""

from __future__ import annotations

import bisect
import collections
import functools
import itertools
import logging
import operator
import threading
from array import array
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

log = logging.getLogger(__name__)

# letters in six classes of about equal weight in English words; any other character goes
# by its code point: the bound holds for any fixed split. Six: fewer let more words through,
# more cost more groups to look up (and memory) than they save
_CLASSES = ("eubv", "admzj", "icgwq", "slpk", "nohx", "rtyf")
# each class count's place in a word's key. The key is a sum, so the key of a word d edits
# away is the word's key plus one of the steps; a count past 7 carries into the next place,
# which can only put words of different counts in one group (compared, never missed)
_BITS = 3


class _Weights(dict[str, int]):
    def __missing__(self, ch: str) -> int:
        return 1 << (_BITS * (ord(ch) % len(_CLASSES)))


_WEIGHT = _Weights({ch: 1 << (_BITS * i) for i, chars in enumerate(_CLASSES) for ch in chars})


def class_key(word: str) -> int:
    """``word``'s letter counts per class, as one number (a sum: keys add as counts do)."""
    return sum(map(_WEIGHT.__getitem__, word))


@functools.cache
def _steps(edits: int) -> tuple[int, ...]:
    """Every change of a key that ``edits`` edits can make: rises adding up to at most
    ``edits`` and falls adding up to at most ``edits``."""
    places = range(len(_CLASSES))
    moves: set[tuple[int, ...]] = set()
    for n in range(edits + 1):
        moves.update(itertools.combinations_with_replacement(places, n))
    found = set()
    for up in moves:
        for down in moves:
            found.add(sum(1 << (_BITS * i) for i in up) - sum(1 << (_BITS * i) for i in down))
    return tuple(sorted(found))


class NearWords:
    """Words grouped by :func:`class_key` for edit-distance searches. Read-only once built.

    ``words`` hold the words group by group, ``starts`` where each group starts, ``order``
    each word's place in the order given (which breaks ties)."""

    __slots__ = ("groups", "order", "starts", "words")

    def __init__(self, words: Iterable[str]) -> None:
        given = list(words)
        keys = array("q", map(class_key, given))
        sizes = collections.Counter(keys)
        self.groups: dict[int, int] = dict(zip(sizes, range(len(sizes)), strict=True))
        self.starts = array("i", itertools.accumulate(sizes.values(), initial=0))
        # each word to the next place of its group (a counting sort: given order kept)
        free = self.starts[:-1]
        self.order = array("i", [0]) * len(given)
        self.words: list[str] = [""] * len(given)
        groups, order, placed = self.groups, self.order, self.words
        for k, (key, word) in enumerate(zip(keys, given, strict=True)):
            j = groups[key]
            at = free[j]
            free[j] = at + 1
            order[at] = k
            placed[at] = word
        log.debug("%d words in %d letter-class groups", len(given), len(self.groups))

    def __len__(self) -> int:
        return len(self.words)

    def within(self, word: str, edits: int, limit: int) -> list[tuple[str, int, int]]:
        """``(word, OSA distance, place in the given order)`` of the words at most ``edits``
        away, the ``limit`` nearest: what ``process.extract(word, pool, scorer=OSA.distance,
        score_cutoff=edits, limit=limit)`` gives over the words of lengths ``len(word) -
        edits`` to ``len(word) + edits``, those in the given order, shorter first."""
        groups, starts = self.groups, self.starts
        key = class_key(word)
        found = [j for j in map(groups.get, map(key.__add__, _steps(edits))) if j is not None]
        if not found:
            return []
        heads = list(map(starts.__getitem__, found))
        ends = list(map(starts.__getitem__, map((1).__add__, found)))
        pool = list(itertools.chain.from_iterable(map(self.words.__getitem__,
                                                      map(slice, heads, ends))))
        pool_at = list(itertools.accumulate(map(operator.sub, ends, heads), initial=0))
        hits = process.extract(word, pool, scorer=OSA.distance, score_cutoff=edits,
                               limit=None)
        order = self.order
        ranked = []
        for w, d, at in hits:
            g = bisect.bisect_right(pool_at, at) - 1
            ranked.append((int(d), len(w), order[heads[g] + at - pool_at[g]], w))
        ranked.sort()
        return [(w, d, k) for d, _, k, w in ranked[:limit]]


class NearWordSearch:
    """:meth:`NearWords.within` for a word list, built only when it pays.

    The groups cost about 25 ms per 20,000 words to build, which a command-line lookup (one
    or two typos, then the process ends) would pay for nothing. So the first
    :data:`SCANS` searches scan the words of nearby lengths instead, with the same answers
    in the same order; the next one builds the groups, once, for the rest of the index's life
    (the bot's)."""

    SCANS = 3

    __slots__ = ("_given", "_lock", "_near", "_scans")

    def __init__(self, words: Iterable[str]) -> None:
        self._given = list(words)
        self._lock = threading.Lock()
        self._scans = 0
        self._near: NearWords | None = None

    def within(self, word: str, edits: int, limit: int) -> list[tuple[str, int, int]]:
        """As :meth:`NearWords.within`."""
        near = self._near
        if near is None:
            with self._lock:
                near, given = self._near, self._given  # (a scan keeps the list it started with)
                if near is None:
                    self._scans += 1
                    if self._scans > self.SCANS:
                        near = self._near = NearWords(self._given)
                        self._given = []  # (the groups hold the words now)
            if near is None:
                return self._scan(given, word, edits, limit)
        return near.within(word, edits, limit)

    @staticmethod
    def _scan(given: list[str], word: str, edits: int, limit: int) -> list[tuple[str, int, int]]:
        low, high = len(word) - edits, len(word) + edits
        places = [k for k, w in enumerate(given) if low <= len(w) <= high]
        pool = list(map(given.__getitem__, places))
        hits = process.extract(word, pool, scorer=OSA.distance, score_cutoff=edits, limit=None)
        ranked = sorted((int(d), len(w), places[at], w) for w, d, at in hits)
        return [(w, d, k) for d, _, k, w in ranked[:limit]]
