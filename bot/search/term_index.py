"""An in-memory index of short texts (titles, headings, link labels) by the stems of their
words, with prefix completion and typo tolerance.

Compact: stems are numbered; postings and each text's stems are flat integer arrays (CSR:
an offsets array and a values array), so 150,000 headings cost a few megabytes, and the
arrays load from the cache as they are (:mod:`bot.search.term_build`). Texts added since
the persisted arrays were built are appended; texts of notes that are gone are *dead*:
never returned. The typo tables (written forms grouped for edit distance) are built on
first use.
"""

from __future__ import annotations

import bisect
import math
import sys
import threading
from array import array
from collections.abc import Iterable, Sequence

from bot.search.fuzzy import NearWordSearch
from bot.search.query import QueryTerm
from bot.search.term_pool import first_texts, pooled_texts
from bot.search.text import max_edits, similarity

MAX_POSTINGS = 12_000  # texts gathered per in-memory search, at most
FLOOR = 0.55  # of a text's score when the query explains none of its other words


def ints(values: Iterable[int] = ()) -> array[int]:
    return array("i", values)


def offsets(values: Iterable[int] = ()) -> array[int]:
    return array("q", values)


class TermIndex:
    """Short texts by the stems of their words. Read-only once built (the lazy typo tables
    are built under a lock), so any number of tasks and threads may query it. Postings are
    ordered shortest text first, so that a very common word yields its most specific texts
    first."""

    def __init__(self, *, stems: list[str], post_off: array[int], post: array[int],
                 doc_off: array[int], doc_tids: array[int], doc_weight: array[float],
                 forms: list[str] | bytes, form_sids: array[int],
                 norms: list[str] | None = None,
                 dead: frozenset[int] = frozenset(), sorted_sids: array[int] | None = None,
                 ) -> None:
        self.stems = stems
        self.post_off = post_off
        self.post = post
        self.doc_off = doc_off
        self.doc_tids = doc_tids
        self.doc_weight = doc_weight
        self.size = n = len(doc_off) - 1 if len(doc_off) else 0
        self.df = ints(post_off[i + 1] - post_off[i] for i in range(len(stems)))
        self.idf = array("d", (math.log(1.0 + (n - df + 0.5) / (df + 0.5)) for df in self.df))
        self.unseen_idf = math.log(1.0 + (n + 0.5) / 0.5)
        # completions walk the stems in order: appended stems are out of order
        self.sorted_sids = sorted_sids
        self.sorted_stems = stems if sorted_sids is None else [stems[i] for i in sorted_sids]
        self.sid = StemIds(self.sorted_stems, sorted_sids)
        self._forms = forms  # the written forms (for typos): decoded on first use
        self.form_sids = form_sids
        self.dead = dead
        self.exact = norms is not None  # keeps each text's normalized form
        self.norms = norms or []
        self.sorted_norms: list[str] = []
        self.norm_ids: list[int] = []
        if norms:
            order = sorted((d for d in range(len(norms)) if d not in dead),
                           key=lambda d: (norms[d], d))
            self.sorted_norms = [norms[d] for d in order]
            self.norm_ids = order
        self._near: NearWordSearch | None = None
        self._lock = threading.RLock()
        self._fuzzy_cache: dict[str, dict[str, float]] = {}

    # -- words

    def posting(self, stem: str) -> array[int]:
        i = self.sid[stem]
        return self.post[self.post_off[i]:self.post_off[i + 1]]

    def count(self, stem: str) -> int:
        return self.df[self.sid[stem]]

    def completions(self, prefix: str, limit: int = 40, scan: int = 3000) -> dict[str, float]:
        """Stems that start with ``prefix``, the most frequent first."""
        if not prefix:
            return {}
        start = bisect.bisect_left(self.sorted_stems, prefix)
        found: list[str] = []
        for term in self.sorted_stems[start : start + scan]:
            if not term.startswith(prefix):
                break
            found.append(term)
        if len(found) > limit:
            found = sorted(found, key=lambda t: -self.count(t))[:limit]
        return {t: 0.55 + 0.45 * len(prefix) / len(t) for t in found if t != prefix}

    @property
    def forms(self) -> list[str]:
        """Every written form of a word in the texts, sorted."""
        forms = self._forms
        if isinstance(forms, bytes):
            with self._lock:
                forms = self._forms
                if isinstance(forms, bytes):
                    forms = self._forms = forms.decode().split("\n") if forms else []
        return forms

    def _near_forms(self) -> NearWordSearch:
        found = self._near
        if found is None:
            with self._lock:
                found = self._near
                if found is None:
                    found = self._near = NearWordSearch(self.forms)
        return found

    def near(self, word: str) -> dict[str, float]:
        """Stems of the written words within a small edit distance of ``word`` (cached)."""
        cached = self._fuzzy_cache.get(word)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if len(word) >= 4 and word.isalpha():
            for form, distance, at in self._near_forms().within(word, max_edits(word), 8):
                if distance == 1 or (distance and form[:1] == word[:1]):
                    term = self.stems[self.form_sids[at]]
                    found[term] = max(found.get(term, 0.0), similarity(distance, len(word)))
        if len(self._fuzzy_cache) > 4096:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = found
        return found

    def term_matches(self, term: QueryTerm, *, typos: bool = True) -> dict[str, float]:
        """What ``term`` matches in this index: stem -> similarity (1 = same stem)."""
        matches = {s: v for s, v in term.forms.items() if s in self.sid}
        # the word being typed, or a shortened word ("perf", "mayo") that matches nothing
        if (term.prefix and term.word) or (not matches and not term.stop
                                           and len(term.word) >= 3):
            wanted = 6 if len(term.word) == 1 else 16 if len(term.word) == 2 else 40
            for s, v in self.completions(term.word, limit=wanted).items():
                if v > matches.get(s, 0.0):
                    matches[s] = v
        if typos and not any(v >= 0.95 for v in matches.values()) and not term.stop:
            for s, v in self.near(term.word).items():
                if v > matches.get(s, 0.0):
                    matches[s] = v
        return matches

    # -- texts

    def search(
        self, terms: Sequence[QueryTerm], *, allowed: frozenset[int] | set[int] | None = None,
        limit: int = 50, cap: int = 300, typos: bool = True, norm: str = "",
        prefix_bonus: bool = False, query_power: float = 1.0,
        max_postings: int = MAX_POSTINGS,
    ) -> list[tuple[int, float, bool, float]]:
        """The texts that best cover the query: ``(doc, score 0..1, used a typo/prefix,
        share of the query's words it matches 0..1)``.

        A text's score is the share of the query's word weight (idf) it explains, scaled by
        the share of its own words the query explains (so "Protein" beats "Protein in
        diet" for "protein").
        """
        if not terms or not self.size:
            return []
        matches = [self.term_matches(t, typos=typos) for t in terms]
        prefixes = [t.word if t.prefix else "" for t in terms]
        idf = self.idf
        sid = self.sid
        weights = []
        for term, found in zip(terms, matches, strict=True):
            if found:
                weights.append(max(idf[sid[s]] * v for s, v in found.items()))
            else:
                weights.append(0.3 if term.stop else self.unseen_idf)
        total = sum(weights) or 1.0
        content = [i for i, t in enumerate(terms) if not t.stop and matches[i]]
        generators = content or [i for i in range(len(terms)) if matches[i]]
        if not generators:
            return []
        # the words with the fewest texts find the candidates; very common words are only
        # counted in (their postings would cost more than they tell)
        sizes = {i: sum(self.count(s) for s in matches[i]) for i in generators}
        generators.sort(key=sizes.__getitem__)
        spent = 0
        kept: list[int] = []
        for i in generators:
            if kept and spent + sizes[i] > max_postings:
                break
            kept.append(i)
            spent += sizes[i]
        candidates: Iterable[int] | None = None
        if len(kept) == 1 and len(matches[kept[0]]) == 1:
            # one word alone finds the texts: its first `cap` texts (shortest first) when it
            # has more, without a set of all its postings
            candidates = first_texts(self, next(iter(matches[kept[0]])), allowed, cap,
                                     max_postings)
        if candidates is None:
            candidates = pooled_texts(self, matches, kept, allowed, cap, max_postings)
        if not candidates:
            return []
        doc_weight = self.doc_weight
        doc_off = self.doc_off
        doc_tids = self.doc_tids
        stems = self.stems
        # each text's words are looked up once: word id -> the query words it matches
        matching: dict[int, list[tuple[int, float]]] = {}
        for i, found in enumerate(matches):
            for s, v in found.items():
                if v > 0.0:
                    matching.setdefault(sid[s], []).append((i, v))
        typing = [(i, p) for i, p in enumerate(prefixes) if p]
        scored: list[tuple[int, float, bool, float]] = []
        for d in candidates:
            dterms = doc_tids[doc_off[d]:doc_off[d + 1]]
            # per query word: its best match in this text (the first of equals)
            best: dict[int, tuple[float, int]] = {}
            for t in dterms:
                if t in matching:
                    for i, v in matching[t]:
                        held = best.get(i)
                        if held is None or v > held[0]:
                            best[i] = (v, t)
            for i, p in typing:  # the word being typed, completed in this text
                if i not in best:
                    top, top_term = 0.0, -1
                    for t in dterms:
                        written = stems[t]
                        if written.startswith(p) and len(written) > len(p):
                            v = 0.55 + 0.45 * len(p) / len(written)
                            if v > top:
                                top, top_term = v, t
                    if top:
                        best[i] = (top, top_term)
            covered = 0.0
            explained: dict[int, float] = {}
            fuzzy_used = False
            for i in sorted(best) if len(best) > 1 else best:
                v, t = best[i]
                covered += weights[i] * v
                if v < 1.0:
                    fuzzy_used = True
                if v > explained.get(t, 0.0):
                    explained[t] = v
            share = covered / total
            q_cover = share**query_power
            if len(explained) == 1:  # what sum() gives for one term, without a generator
                t, v = next(iter(explained.items()))
                d_cover = idf[t] * v / doc_weight[d]
            else:
                d_cover = sum(idf[t] * v for t, v in explained.items()) / doc_weight[d]
            score = q_cover * (FLOOR + (1.0 - FLOOR) * d_cover)
            if prefix_bonus and norm and self.norms and self.norms[d].startswith(norm):
                score = max(score, 0.8 + 0.2 * len(norm) / max(1, len(self.norms[d])))
            scored.append((d, score, fuzzy_used, share))
        scored.sort(key=lambda x: (-x[1], doc_weight[x[0]]))
        return scored[:limit]

    def exactly(self, norm: str) -> list[int]:
        """Texts whose normalized form is ``norm`` (in doc order)."""
        start = bisect.bisect_left(self.sorted_norms, norm)
        end = bisect.bisect_right(self.sorted_norms, norm, lo=start)
        return self.norm_ids[start:end]

    def prefixed(self, norm: str, allowed: frozenset[int] | set[int] | None,
                 limit: int) -> list[int]:
        """Texts that start with ``norm``, shortest first."""
        if not norm:
            return []
        start = bisect.bisect_left(self.sorted_norms, norm)
        found: list[int] = []
        for k in range(start, min(len(self.sorted_norms), start + 4000)):
            if not self.sorted_norms[k].startswith(norm):
                break
            d = self.norm_ids[k]
            if allowed is None or d in allowed:
                found.append(d)
        found.sort(key=lambda d: (len(self.norms[d]), self.norms[d]))
        return found[:limit]


class StemIds:
    """A stem's number, found by binary search in the sorted stems: a dict of every stem
    of every index would cost megabytes for a few dozen lookups a query."""

    __slots__ = ("_ids", "_sorted")

    def __init__(self, sorted_stems: list[str], sorted_sids: array[int] | None) -> None:
        self._sorted = sorted_stems
        self._ids = sorted_sids  # None: the stems are numbered in sorted order

    def get(self, stem: str) -> int | None:
        at = bisect.bisect_left(self._sorted, stem)
        if at < len(self._sorted) and self._sorted[at] == stem:
            return at if self._ids is None else self._ids[at]
        return None

    def __getitem__(self, stem: str) -> int:
        found = self.get(stem)
        if found is None:
            raise KeyError(stem)
        return found

    def __contains__(self, stem: object) -> bool:
        return isinstance(stem, str) and self.get(stem) is not None

    def __len__(self) -> int:
        return len(self._sorted)


def native_layout() -> str:
    """What persisted arrays depend on: byte order and item sizes."""
    return f"{sys.byteorder}:{array('i').itemsize}:{array('q').itemsize}:{array('d').itemsize}"
