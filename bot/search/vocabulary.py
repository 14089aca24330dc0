"""The full-text index's own vocabulary (every word FTS5 holds, with its row count), and
query words turned into :class:`~bot.search.query.QueryTerm` against it: stems, typo
corrections, completions of cut-off words, the spellings the vault uses.

The typo part (words grouped for edit distance, :class:`~bot.search.fuzzy.NearWords`) is
built on first use: a lookup without an unknown word, or a process that answers one query,
never pays for it.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from array import array
from collections.abc import Sequence

from bot.search.fuzzy import NearWordSearch
from bot.search.lines import Lines
from bot.search.query import (
    LONG_QUERY_WORDS,
    MAX_CORRECTED_TERMS,
    RARE_DF,
    VARIANT_DF,
    PreparedQuery,
    QueryTerm,
)
from bot.search.text import STOPWORDS, max_edits, same_but_number, similarity, stem, stem_all


def _bisect_left(words: Sequence[str], key: str) -> int:
    return words.bisect_left(key) if isinstance(words, Lines) else bisect.bisect_left(words, key)


class Vocabulary:
    """Read-only once built (the lazy parts are built under a lock).

    ``terms`` are sorted, with their row counts in ``docs``; the words that share a stem are
    found through ``stem_keys`` (sorted stems), ``stem_starts`` and ``stem_terms`` (term
    numbers grouped by stem, the most frequent first). ``extra``: words the full-text index
    holds that ``terms`` lacks (those of the notes written since the arrays were built).
    """

    def __init__(self, terms: Sequence[str], docs: array[int], stem_keys: Sequence[str],
                 stem_starts: array[int], stem_terms: array[int],
                 extra: dict[str, int] | None = None) -> None:
        self.terms = terms
        self.docs = docs
        self.stem_keys = stem_keys
        self.stem_starts = stem_starts
        self.stem_terms = stem_terms
        self.extra = extra or {}
        self._extra_by_stem: dict[str, list[str]] = {}
        for word in self.extra:
            if word.isalpha():
                self._extra_by_stem.setdefault(stem(word), []).append(word)
        self._near: NearWordSearch | None = None
        self._lock = threading.Lock()
        self._corrections: dict[str, list[tuple[str, int]]] = {}

    @classmethod
    def of(cls, counts: dict[str, int]) -> Vocabulary:
        """A vocabulary from ``{word: rows}``."""
        terms = sorted(counts)
        docs = array("i", (counts[t] for t in terms))
        alpha = [k for k, t in enumerate(terms) if t.isalpha()]
        stems = stem_all([terms[k] for k in alpha])
        grouped = sorted(zip(stems, alpha, strict=True), key=lambda x: (x[0], -docs[x[1]], x[1]))
        stem_keys: list[str] = []
        stem_starts = array("i")
        stem_terms = array("i")
        for base, k in grouped:
            if not stem_keys or stem_keys[-1] != base:
                stem_keys.append(base)
                stem_starts.append(len(stem_terms))
            stem_terms.append(k)
        stem_starts.append(len(stem_terms))
        return cls(terms, docs, stem_keys, stem_starts, stem_terms)

    def __len__(self) -> int:
        return len(self.terms) + len(self.extra)

    def count(self, word: str) -> int:
        """The rows of the full-text index that hold ``word`` (0: none)."""
        at = _bisect_left(self.terms, word)
        if at < len(self.terms) and self.terms[at] == word:
            return self.docs[at]
        return self.extra.get(word, 0)

    def same_stem(self, base: str) -> list[str]:
        """The words whose stem is ``base``, the most frequent first."""
        at = _bisect_left(self.stem_keys, base)
        found: list[str] = []
        if at < len(self.stem_keys) and self.stem_keys[at] == base:
            found = [self.terms[k] for k in
                     self.stem_terms[self.stem_starts[at]:self.stem_starts[at + 1]]]
        more = self._extra_by_stem.get(base)
        if more:
            found = sorted([*found, *more], key=lambda w: -self.count(w))
        return found

    def _near_words(self) -> NearWordSearch:
        found = self._near
        if found is None:
            with self._lock:
                found = self._near
                if found is None:
                    found = self._near = NearWordSearch(itertools.chain(self.terms, self.extra))
        return found

    def corrections(self, word: str) -> list[tuple[str, int]]:
        """Vocabulary words within a small edit distance, most frequent first."""
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        found: list[tuple[str, int]] = []
        if len(word) >= 4 and word.isalpha():
            # the 12 nearest (the word itself included), ties in length then word order
            hits = self._near_words().within(word, max_edits(word), 12)
            distances = [d for _, d, _ in hits if d > 0]
            if distances:
                nearest = min(distances)
                found = sorted(((w, nearest) for w, d, _ in hits if d == nearest),
                               key=lambda x: -self.count(x[0]))[:3]
        if len(self._corrections) > 8192:
            self._corrections.clear()
        self._corrections[word] = found
        return found

    def completions(self, prefix: str, limit: int = 2) -> list[tuple[str, int]]:
        """Vocabulary words that start with ``prefix``, most frequent first."""
        start = _bisect_left(self.terms, prefix)
        found: list[tuple[str, int]] = []
        for k in range(start, min(len(self.terms), start + 2000)):
            term = self.terms[k]
            if not term.startswith(prefix):
                break
            if term != prefix:
                found.append((term, self.docs[k]))
        found.extend((t, n) for t, n in self.extra.items() if t.startswith(prefix) and t != prefix)
        found.sort(key=lambda x: -x[1])
        return found[:limit]

    def make_terms(self, query: PreparedQuery, *, correct: bool = True,
                   completing: bool = False) -> list[QueryTerm]:
        """Query words with their stems, typo corrections and full-text alternatives."""
        count = self.count
        terms: list[QueryTerm] = []
        # a typo hides in a short query; a long one is pasted text, corrected sparingly
        budget = MAX_CORRECTED_TERMS if len(query.words) <= LONG_QUERY_WORDS else 1
        last = len(query.words) - 1
        for i, word in enumerate(query.words):
            base = stem(word)
            forms = {base: 1.0}
            df = count(word)
            fts_words = [word] if df else []
            is_stop = word in STOPWORDS
            if not is_stop and len(word) >= 4:
                # singular/plural always; other forms (-ed, -ing) when this one is rare
                for variant in self.same_stem(base)[:4]:
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
                    best_fix = max((count(f) for f, _ in fixes), default=0)
                    if longer and longer[0][1] >= 5 * best_fix:
                        fixes = []
                        for full, _ in longer:
                            forms.setdefault(stem(full), 0.8)
                            if full not in fts_words:
                                fts_words.append(full)
                for fixed, edits in fixes:
                    fixed_df = count(fixed)
                    if df and (edits > 1 or len(word) < 7 or fixed[:2] != word[:2]
                               or fixed_df < max(3, df // 2)):
                        continue
                    forms.setdefault(stem(fixed), similarity(edits, len(word)))
                    if fixed not in fts_words:
                        fts_words.append(fixed)
            terms.append(QueryTerm(
                word, forms, prefix=completing and i == last and query.open_end,
                stop=is_stop, fts_words=fts_words,
                fts_df=sum(count(w) for w in fts_words)))
        # words written apart that the vault writes together ("top down" -> "topdown")
        for a, b in itertools.pairwise(terms):
            joined = a.word + b.word
            joined_df = count(joined)
            if joined_df and not a.stop and not b.stop:
                for term in (a, b):
                    term.forms.setdefault(stem(joined), 0.95)
                    term.fts_words.append(joined)
                    term.fts_df += joined_df
        return terms
