"""An in-memory index of short texts (titles, headings, link labels) by the stems of their
words, with prefix completion and typo tolerance."""

from __future__ import annotations

import bisect
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search.query import QueryTerm
from bot.search.text import max_edits, similarity, stem, words

MAX_POSTINGS = 12_000  # texts gathered per in-memory search, at most


class TermIndex:
    """Short texts (titles, headings) by the stems of their words.

    Built once per snapshot in a worker thread; read-only afterwards, so any number of
    tasks and threads may query it. Postings are ordered shortest text first, so that a
    very common word yields its most specific texts first.
    """

    __slots__ = ("_fuzzy_cache", "by_len", "by_norm", "doc_terms", "doc_weight", "idf",
                 "norm_ids", "norms", "postings", "size", "sorted_norms", "surface",
                 "unseen_idf", "vocab")

    def __init__(self, texts: Sequence[str], *, exact: bool = False) -> None:
        """``exact``: also keep the texts' normalized forms, for exact and prefix matches
        of the whole text (titles; not worth their memory for headings)."""
        self.size = n = len(texts)
        postings: dict[str, list[int]] = {}
        doc_terms: list[tuple[str, ...]] = []
        interned: dict[str, str] = {}
        norms: list[str] = []
        surface: dict[str, str] = {}  # every written form -> its stem
        for doc, text in enumerate(texts):
            found = words(text)
            norms.append(" ".join(found))
            terms: list[str] = []
            for word in found:
                term = surface.get(word)
                if term is None:
                    term = surface[word] = stem(word)
                term = interned.setdefault(term, term)
                if term not in terms:
                    terms.append(term)
                    postings.setdefault(term, []).append(doc)
            doc_terms.append(tuple(terms))
        self.idf = {t: math.log(1.0 + (n - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in postings.items()}
        self.unseen_idf = math.log(1.0 + (n + 0.5) / 0.5)
        idf = self.idf
        self.doc_weight = array("d", (sum(idf[t] for t in terms) or 1.0 for terms in doc_terms))
        weight = self.doc_weight
        self.postings = {t: tuple(sorted(p, key=weight.__getitem__)) for t, p in postings.items()}
        self.doc_terms = doc_terms
        self.norms = norms if exact else []
        self.by_norm: dict[str, list[int]] = {}
        self.sorted_norms: list[str] = []
        self.norm_ids: list[int] = []
        if exact:
            for doc, norm in enumerate(norms):
                self.by_norm.setdefault(norm, []).append(doc)
            order = sorted(range(n), key=lambda d: (norms[d], d))
            self.sorted_norms = [norms[d] for d in order]
            self.norm_ids = order
        self.vocab = sorted(postings)
        self.surface = surface
        self.by_len: dict[int, list[str]] = {}  # written forms by length, for typos
        for form in sorted(surface):
            self.by_len.setdefault(len(form), []).append(form)
        self._fuzzy_cache: dict[str, dict[str, float]] = {}

    # -- words

    def completions(self, prefix: str, limit: int = 40, scan: int = 3000) -> dict[str, float]:
        """Vocabulary stems that start with ``prefix``, the most frequent first."""
        if not prefix:
            return {}
        start = bisect.bisect_left(self.vocab, prefix)
        found: list[str] = []
        for term in self.vocab[start : start + scan]:
            if not term.startswith(prefix):
                break
            found.append(term)
        if len(found) > limit:
            found = sorted(found, key=lambda t: -len(self.postings[t]))[:limit]
        return {t: 0.55 + 0.45 * len(prefix) / len(t) for t in found if t != prefix}

    def near(self, word: str) -> dict[str, float]:
        """Stems of the written words within a small edit distance of ``word`` (cached)."""
        cached = self._fuzzy_cache.get(word)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if len(word) >= 4 and word.isalpha():
            edits = max_edits(word)
            pool: list[str] = []
            for length in range(len(word) - edits, len(word) + edits + 1):
                pool.extend(self.by_len.get(length, ()))
            for form, distance, _ in process.extract(
                word, pool, scorer=OSA.distance, score_cutoff=edits, limit=8
            ):
                if distance == 1 or (distance and form[:1] == word[:1]):
                    term = self.surface[form]
                    found[term] = max(found.get(term, 0.0),
                                      similarity(int(distance), len(word)))
        if len(self._fuzzy_cache) > 4096:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = found
        return found

    def term_matches(self, term: QueryTerm, *, typos: bool = True) -> dict[str, float]:
        """What ``term`` matches in this index: stem -> similarity (1 = same stem)."""
        matches = {s: v for s, v in term.forms.items() if s in self.postings}
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
        weights = []
        for term, found in zip(terms, matches, strict=True):
            if found:
                weights.append(max(self.idf[s] * v for s, v in found.items()))
            else:
                weights.append(0.3 if term.stop else self.unseen_idf)
        total = sum(weights) or 1.0
        content = [i for i, t in enumerate(terms) if not t.stop and matches[i]]
        generators = content or [i for i in range(len(terms)) if matches[i]]
        if not generators:
            return []
        # the words with the fewest texts find the candidates; very common words are only
        # counted in (their postings would cost more than they tell)
        generators.sort(key=lambda i: sum(len(self.postings[s]) for s in matches[i]))
        spent = 0
        kept: list[int] = []
        for i in generators:
            size = sum(len(self.postings[s]) for s in matches[i])
            if kept and spent + size > max_postings:
                break
            kept.append(i)
            spent += size
        sets: list[set[int]] = []
        ordered: list[tuple[int, ...] | None] = []  # a posting list, shortest text first
        for i in kept:
            posting_lists = [self.postings[s] for s in matches[i]]
            if sum(map(len, posting_lists)) > max_postings:  # one very common word alone
                posting_lists = [p[:max_postings] for p in posting_lists]
            one = set(posting_lists[0]) if len(posting_lists) == 1 else set().union(
                *posting_lists)
            if allowed is not None:
                one &= allowed
            if one:
                sets.append(one)
                ordered.append(posting_lists[0] if len(posting_lists) == 1 else None)
        if not sets:
            return []
        counts: Counter[int] | None = None
        if len(sets) == 1:
            pool = sets[0]
            best_count = 1
        else:
            counts = Counter()
            for one in sets:
                counts.update(one)
            best_count = max(counts.values())
            pool = {d for d, c in counts.items() if c >= best_count - 1}
        candidates: Iterable[int] = pool
        if len(pool) > cap:
            # the texts that match the most words first, the shortest first among equals
            rare = min(range(len(sets)), key=lambda k: len(sets[k]))
            walk = ordered[rare] or sorted(sets[rare], key=self.doc_weight.__getitem__)
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
        idf = self.idf
        doc_terms = self.doc_terms
        doc_weight = self.doc_weight
        floor = 0.55
        scored: list[tuple[int, float, bool, float]] = []
        for d in candidates:
            dterms = doc_terms[d]
            covered = 0.0
            explained: dict[str, float] = {}
            fuzzy_used = False
            for i, found in enumerate(matches):
                best = 0.0
                best_term = ""
                for t in dterms:
                    v = found.get(t)
                    if v is not None and v > best:
                        best, best_term = v, t
                if not best and prefixes[i]:  # the word being typed, completed in this text
                    p = prefixes[i]
                    for t in dterms:
                        if t.startswith(p) and len(t) > len(p):
                            v = 0.55 + 0.45 * len(p) / len(t)
                            if v > best:
                                best, best_term = v, t
                if best:
                    covered += weights[i] * best
                    if best < 1.0:
                        fuzzy_used = True
                    if best > explained.get(best_term, 0.0):
                        explained[best_term] = best
            share = covered / total
            q_cover = share**query_power
            d_cover = sum(idf[t] * v for t, v in explained.items()) / doc_weight[d]
            score = q_cover * (floor + (1.0 - floor) * d_cover)
            if prefix_bonus and norm and self.norms and self.norms[d].startswith(norm):
                score = max(score, 0.8 + 0.2 * len(norm) / max(1, len(self.norms[d])))
            scored.append((d, score, fuzzy_used, share))
        scored.sort(key=lambda x: (-x[1], doc_weight[x[0]]))
        return scored[:limit]

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

