"""The full-text index's own vocabulary (every word FTS5 holds, with its row count), and
query words turned into :class:`~bot.search.query.QueryTerm` against it: stems, typo
corrections, completions of cut-off words, the spellings the vault uses.

The typo part (words by length, for edit distance) is built on first use: a lookup
without an unknown word, or a process that answers one query, never pays for it.
"""

from __future__ import annotations

import bisect
import itertools
import threading

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search.query import (
    LONG_QUERY_WORDS,
    MAX_CORRECTED_TERMS,
    RARE_DF,
    VARIANT_DF,
    PreparedQuery,
    QueryTerm,
)
from bot.search.text import STOPWORDS, max_edits, same_but_number, similarity, stem, stem_all


class Vocabulary:
    """Read-only once built (the lazy parts are built under a lock)."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        terms = list(counts)  # fts5vocab lists terms in order already
        if any(a > b for a, b in itertools.pairwise(terms)):
            terms.sort()
        self.sorted = terms
        alpha = [t for t in terms if t.isalpha()]
        self.by_stem: dict[str, list[str]] = {}
        for term, base in zip(alpha, stem_all(alpha), strict=True):
            self.by_stem.setdefault(base, []).append(term)
        for forms in self.by_stem.values():
            if len(forms) > 1:
                forms.sort(key=lambda w: -counts[w])
        self._by_len: dict[int, list[str]] | None = None
        self._lock = threading.Lock()
        self._corrections: dict[str, list[tuple[str, int]]] = {}

    def __len__(self) -> int:
        return len(self.counts)

    def _lengths(self) -> dict[int, list[str]]:
        found = self._by_len
        if found is None:
            with self._lock:
                found = self._by_len
                if found is None:
                    found = {}
                    for term in self.sorted:
                        found.setdefault(len(term), []).append(term)
                    self._by_len = found
        return found

    def corrections(self, word: str) -> list[tuple[str, int]]:
        """Vocabulary words within a small edit distance, most frequent first."""
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        found: list[tuple[str, int]] = []
        if len(word) >= 4 and word.isalpha():
            edits = max_edits(word)
            by_len = self._lengths()
            pool: list[str] = []
            for length in range(len(word) - edits, len(word) + edits + 1):
                pool.extend(by_len.get(length, ()))
            hits = process.extract(word, pool, scorer=OSA.distance, score_cutoff=edits,
                                   limit=12)
            distances = [int(h[1]) for h in hits if h[1] > 0]
            if distances:
                nearest = min(distances)
                found = sorted(((h[0], nearest) for h in hits if int(h[1]) == nearest),
                               key=lambda x: -self.counts.get(x[0], 0))[:3]
        if len(self._corrections) > 8192:
            self._corrections.clear()
        self._corrections[word] = found
        return found

    def completions(self, prefix: str, limit: int = 2) -> list[tuple[str, int]]:
        """Vocabulary words that start with ``prefix``, most frequent first."""
        start = bisect.bisect_left(self.sorted, prefix)
        found: list[tuple[str, int]] = []
        for term in self.sorted[start : start + 2000]:
            if not term.startswith(prefix):
                break
            if term != prefix:
                found.append((term, self.counts[term]))
        found.sort(key=lambda x: -x[1])
        return found[:limit]

    def make_terms(self, query: PreparedQuery, *, correct: bool = True,
                   completing: bool = False) -> list[QueryTerm]:
        """Query words with their stems, typo corrections and full-text alternatives."""
        counts = self.counts
        terms: list[QueryTerm] = []
        # a typo hides in a short query; a long one is pasted text, corrected sparingly
        budget = MAX_CORRECTED_TERMS if len(query.words) <= LONG_QUERY_WORDS else 1
        last = len(query.words) - 1
        for i, word in enumerate(query.words):
            base = stem(word)
            forms = {base: 1.0}
            df = counts.get(word, 0)
            fts_words = [word] if df else []
            is_stop = word in STOPWORDS
            if not is_stop and len(word) >= 4:
                # singular/plural always; other forms (-ed, -ing) when this one is rare
                for variant in self.by_stem.get(base, ())[:4]:
                    if variant not in fts_words and (df < VARIANT_DF
                                                     or same_but_number(word, variant)):
                        fts_words.append(variant)
            if correct and not is_stop and budget > 0 and df < RARE_DF and len(word) >= 4:
                # unknown: its nearest words; rare: also its spellings about as common
                # ("imposter"/"impostor")
                budget -= 1
                fixes = self.corrections(word)
                if not df:  # a cut-off word ("perf", "busin") completes rather than corrects
                    longer = self.completions(word)
                    best_fix = max((counts.get(f, 0) for f, _ in fixes), default=0)
                    if longer and longer[0][1] >= 5 * best_fix:
                        fixes = []
                        for full, _ in longer:
                            forms.setdefault(stem(full), 0.8)
                            if full not in fts_words:
                                fts_words.append(full)
                for fixed, edits in fixes:
                    fixed_df = counts.get(fixed, 0)
                    if df and (edits > 1 or len(word) < 7 or fixed[:2] != word[:2]
                               or fixed_df < max(3, df // 2)):
                        continue
                    forms.setdefault(stem(fixed), similarity(edits, len(word)))
                    if fixed not in fts_words:
                        fts_words.append(fixed)
            terms.append(QueryTerm(
                word, forms, prefix=completing and i == last and query.open_end,
                stop=is_stop, fts_words=fts_words,
                fts_df=sum(counts.get(w, 0) for w in fts_words)))
        # words written apart that the vault writes together ("top down" -> "topdown")
        for a, b in itertools.pairwise(terms):
            joined = a.word + b.word
            if joined in counts and not a.stop and not b.stop:
                for term in (a, b):
                    term.forms.setdefault(stem(joined), 0.95)
                    term.fts_words.append(joined)
                    term.fts_df += counts[joined]
        return terms
