"""Vault-wide term weights for the extractive summarizer: how rare each stem is.

:class:`TermWeights` maps a stem (``bot.search.text.stem`` of a folded word, so that it
matches the search's words) to its inverse document frequency over the sections of the
whole vault. The counts come from the search snapshot's vocabulary (the words of the
full-text index with the number of rows, i.e. sections, that hold each): the words of a
stem are added up (capped at the number of sections). Built once per state of the cache,
in a thread (about 0.1 s and a few MB for the real vault), by :class:`VaultWeights`, which
builds it again when the cache's token moves.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping

from bot.search.holder import SearchIndex
from bot.search.snapshot import Snapshot, Token
from bot.search.text import stem

log = logging.getLogger(__name__)


class TermWeights:
    """``idf(stem)``: ``log(1 + N / (1 + df))``, where N is the number of sections of the
    vault and df the number that hold a word of that stem. A stem the vault never uses
    weighs as a word found once. With no counts at all (``TermWeights.uniform()``) every
    stem weighs the same."""

    __slots__ = ("_idf", "rows", "token", "unknown")

    def __init__(self, counts: Mapping[str, int], rows: int, token: Token | None = None) -> None:
        self.rows = max(1, rows)
        self.token = token
        n = self.rows
        self._idf = {term: math.log(1.0 + n / (1.0 + min(df, n))) for term, df in counts.items()}
        self.unknown = math.log(1.0 + n / 2.0)

    @classmethod
    def uniform(cls) -> TermWeights:
        return cls({}, 1)

    @classmethod
    def of_words(cls, counts: Mapping[str, int], rows: int,
                 token: Token | None = None) -> TermWeights:
        """Weights from ``{folded word: rows}``: words of one stem added up."""
        by_stem: dict[str, int] = {}
        for word, df in counts.items():
            key = stem(word)
            by_stem[key] = by_stem.get(key, 0) + df
        return cls(by_stem, rows, token)

    def __len__(self) -> int:
        return len(self._idf)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self.unknown)

    def get(self) -> dict[str, float]:
        """The table itself (read-only by convention): fast lookups in a loop."""
        return self._idf


def weights_of(snap: Snapshot) -> TermWeights:
    """The term weights of a search snapshot's vocabulary (call in a thread)."""
    vocab = snap.vocab
    counts: dict[str, int] = {}
    terms, docs = vocab.terms, vocab.docs
    starts, grouped = vocab.stem_starts, vocab.stem_terms
    for k, key in enumerate(vocab.stem_keys):
        counts[key] = sum(docs[t] for t in grouped[starts[k]:starts[k + 1]])
    for k in range(len(terms)):  # words with digits are their own stem
        if docs[k] >= 2:
            term = terms[k]
            if not term.isalpha() and term not in counts:
                counts[term] = docs[k]
    for word, df in vocab.extra.items():  # (words of notes newer than the stored arrays)
        key = stem(word)
        counts[key] = counts.get(key, 0) + df
    return TermWeights(counts, snap.rows, snap.token)


class VaultWeights:
    """The current :class:`TermWeights` of the cache behind a search index: built on first
    use and again when the search snapshot moves to a new state of the cache."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._weights: TermWeights | None = None
        self._lock = asyncio.Lock()

    async def current(self) -> TermWeights:
        snap = await self.index.snapshot()
        found = self._weights
        if not snap.ready:
            return found or TermWeights.uniform()
        if found is not None and found.token == snap.token:
            return found
        async with self._lock:
            found = self._weights
            if found is None or found.token != snap.token:
                found = await asyncio.to_thread(weights_of, snap)
                log.debug("summaries: term weights of %d stems for %s", len(found), snap.token)
                self._weights = found
        return found
