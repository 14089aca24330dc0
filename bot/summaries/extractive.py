"""The default summarizer: the note's own sentences, ranked by centrality, whole.

:func:`summarize_input` (pure; :class:`ExtractiveSummarizer` runs it in a thread):

1. **Sentences**: each section split by :mod:`bot.summaries.sentences`; the usable ones
   (prose, list items and quoted lines of four words or more, not mostly code) are the
   candidates; a section with none offers its other sentences.
2. **Vectors**: TF-IDF over stems (``bot.search.text``: folded words, Snowball stems,
   the search's stop words left out), ``(1 + log tf) * idf`` with the IDF of the whole
   vault (:class:`~bot.summaries.weights.TermWeights`).
3. **Cap**: at most :data:`GRAPH_SIZE` sentences enter the graph, chosen by a cheap score
   (cosine with the centroid of all candidates, with the structural boosts below) and
   always each section's best by it; the others keep the cheap score, scaled under the
   graph's. A huge note costs O(n) up to here and O(GRAPH_SIZE²) after.
4. **Graph**: LexRank with continuous weights: edges are the cosine similarities above
   :data:`EDGE_MIN`; PageRank by power iteration, damping :data:`DAMPING`, until the
   scores move less than :data:`TOLERANCE` (at most :data:`MAX_ITERATIONS` rounds).
5. **Structure**: the score is multiplied for a section's opening sentence (its topic
   sentence: :data:`LEAD_BOOST` in a summary of a section, :data:`OPENING_BOOST` in a
   whole note, where the note's first section, its overview, weighs :data:`INTRO_BOOST`),
   a sentence of a "Conclusion", "Summary" or "Key takeaways" section (or one that opens
   with "In summary", "Overall", ...), a sentence that carries a moment; very short and
   very long sentences are damped. (Weights set on the notes' own conclusion sections as
   references, then on ``benchmarks/summary_refs``.)
6. **Choice**: best first (ties: earlier first; in a whole note each sentence taken from a
   section damps that section's next by :data:`SAME_SECTION`), skipping one too close to one
   already chosen (cosine over :data:`REDUNDANCY`) or one that would take the text past
   :data:`~bot.summaries.records.SUMMARY_TEXT_LIMIT`; then put back in document order.
   Short: 3 sentences (2 when the first two are long already), medium 5, long 10; a whole
   note at long: the best sentence of each section, at most :data:`MAX_LINES` of them
   (the best sections when there are more), each section's in document order.

Deterministic: every order is fixed (ties by position); the same input and weights give the
same summary.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.search.text import STOPWORDS, stem, words
from bot.summaries.records import (
    LENGTHS,
    SUMMARY_TEXT_LIMIT,
    InputSection,
    Summary,
    SummaryInput,
    SummarySentence,
)
from bot.summaries.sentences import HEADING, LEAD, Sentence, split_sentences
from bot.summaries.weights import TermWeights

GRAPH_SIZE = 60  # sentences in the O(n²) graph at most
EDGE_MIN = 0.05  # cosine similarity below which two sentences are not linked
DAMPING = 0.85
TOLERANCE = 1e-6
MAX_ITERATIONS = 60
REDUNDANCY = 0.5  # a sentence this close (cosine) to one chosen is not chosen too
SAME_SECTION = 0.8  # in a whole note, each sentence already chosen from a section damps the next
COUNTS = {"short": 3, "medium": 5, "long": 10}
SHORT_TWO_CHARS = 450  # a short summary stops at two sentences of this many characters
MAX_LINES = 15  # a summary's sentences at most: room for a moment link after each in an embed

OPENING_BOOST = 1.25  # a section's opening sentence, in a whole note
CONCLUSION_BOOST = 1.3
MOMENT_BOOST = 1.1
SHORT_DAMP = 0.8  # fewer than SHORT_WORDS words
LONG_DAMP = 0.85  # more than LONG_WORDS words
INTRO_BOOST = 3.0  # the note's first section (its opening text, mostly), in a whole note
LEAD_BOOST = 2.0  # the opening sentence, in a summary of one section (its topic sentence)
IDF_POWER = 0.5  # the vault's IDF damped: a rare name should not outweigh the topic's words
SHORT_WORDS = 7
LONG_WORDS = 60

_CONCLUSION_HEADING = re.compile(
    r"\b(?:conclusions?|summary|summari[sz]ing|takeaways?|take-aways?|key points|key lessons"
    r"|lessons learned|tl;?dr|final thoughts|wrap[- ]?up|bottom line|in short|recap|overview)\b",
    re.IGNORECASE)
_CONCLUDING_OPENING = re.compile(
    r"(?:in (?:summary|conclusion|short|essence|sum)|overall|ultimately|to summari[sz]e"
    r"|to conclude|the (?:key|main|central|core) (?:point|idea|message|takeaway|argument)"
    r"|the bottom line)\b", re.IGNORECASE)


@dataclass(slots=True)
class _Candidate:
    section: int  # position in the input's sections
    section_index: int
    sentence: Sentence
    vector: dict[str, float] = field(default_factory=dict)
    boost: float = 1.0
    score: float = 0.0


class ExtractiveSummarizer:
    """The :class:`~bot.summaries.records.Summarizer` that needs no network: ``weights``
    gives the vault's term weights (``VaultWeights.current``); without it every word
    weighs the same."""

    name = "extractive"

    def __init__(self, weights: Callable[[], Awaitable[TermWeights]] | None = None) -> None:
        self.weights = weights

    async def summarize(self, source: SummaryInput, length: str, *,
                        guild_id: int | None = None) -> Summary:
        weights = await self.weights() if self.weights is not None else TermWeights.uniform()
        return await asyncio.to_thread(summarize_input, source, length, weights)


def summarize_input(source: SummaryInput, length: str, weights: TermWeights | None = None,
                    *, name: str = ExtractiveSummarizer.name) -> Summary:
    """The extractive summary of ``source`` at ``length`` (one of :data:`LENGTHS`)."""
    if length not in LENGTHS:
        raise ValueError(f"unknown length: {length!r}")
    weights = weights or TermWeights.uniform()
    whole = source.section_index is None and len(source.sections) > 1
    candidates = _candidates(source.sections, weights, whole)
    _rank(candidates, whole)
    if whole and length == "long":
        chosen = _one_per_section(candidates)
    else:
        chosen = _choose(candidates, COUNTS[length], short=length == "short", spread=whole)
    chosen.sort(key=lambda c: (c.section, c.sentence.index))
    sentences = tuple(
        SummarySentence(c.sentence.text, c.section_index,
                        c.sentence.moments[0] if c.sentence.moments else None, source.video_id)
        for c in chosen)
    used = tuple(dict.fromkeys(c.section_index for c in chosen))
    return Summary(source, length, sentences, used, name)


# ---------------------------------------------------------------------------- candidates


def _candidates(sections: tuple[InputSection, ...], weights: TermWeights,
                whole: bool) -> list[_Candidate]:
    idf = weights.get()
    unknown = weights.unknown
    out: list[_Candidate] = []
    for position, section in enumerate(sections):
        found = split_sentences(section.text, section.moments)
        usable = [s for s in found if s.usable]
        if not usable:  # (a section of short items: its other sentences)
            usable = [s for s in found if s.kind not in (HEADING, LEAD)] or found
        conclusion = bool(section.heading and _CONCLUSION_HEADING.search(section.heading))
        for n, sentence in enumerate(usable):
            boost = 1.0
            if n == 0:
                boost *= OPENING_BOOST if whole else LEAD_BOOST
            if position == 0 and whole:
                boost *= INTRO_BOOST
            if conclusion or _CONCLUDING_OPENING.match(sentence.text):
                boost *= CONCLUSION_BOOST
            if sentence.moments:
                boost *= MOMENT_BOOST
            if sentence.words < SHORT_WORDS:
                boost *= SHORT_DAMP
            elif sentence.words > LONG_WORDS:
                boost *= LONG_DAMP
            out.append(_Candidate(position, section.index, sentence,
                                  _vector(sentence.text, idf, unknown), boost))
    return out


def _vector(text: str, idf: dict[str, float], unknown: float) -> dict[str, float]:
    """The sentence's TF-IDF vector, of unit length (empty: no word that counts)."""
    tf: dict[str, int] = {}
    for word in words(text):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        key = stem(word)
        tf[key] = tf.get(key, 0) + 1
    vector = {key: (1.0 + math.log(n)) * idf.get(key, unknown) ** IDF_POWER
              for key, n in tf.items()}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    if norm > 0:
        for key in vector:
            vector[key] /= norm
    return vector


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[k] for k, v in a.items() if k in b)


# ---------------------------------------------------------------------------- ranking


def _rank(candidates: list[_Candidate], whole: bool) -> None:
    """Set each candidate's score: LexRank over the graph's sentences, times the boosts."""
    if not candidates:
        return
    graph = candidates
    if len(candidates) > GRAPH_SIZE:
        graph = _preselect(candidates, whole)
    scores = _lexrank([c.vector for c in graph])
    in_graph = set()
    for candidate, score in zip(graph, scores, strict=True):
        candidate.score = score * len(graph) * candidate.boost
        in_graph.add(id(candidate))
    if len(graph) < len(candidates):
        floor = min(c.score for c in graph)
        for candidate in candidates:
            if id(candidate) not in in_graph:  # (the cheap score, under every graph score)
                candidate.score = floor * 0.5 * candidate.score


def _preselect(candidates: list[_Candidate], whole: bool) -> list[_Candidate]:
    """The :data:`GRAPH_SIZE` candidates with the best cheap score (their cosine with the
    centroid, times their boosts; each section's best among them when ``whole``), in
    document order. Every candidate's ``score`` is left as its cheap score (0..1)."""
    centroid: dict[str, float] = {}
    for candidate in candidates:
        for key, value in candidate.vector.items():
            centroid[key] = centroid.get(key, 0.0) + value
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    top = max(c.boost for c in candidates) or 1.0
    for candidate in candidates:
        candidate.score = _cosine(candidate.vector, centroid) / norm * candidate.boost / top
    order = sorted(range(len(candidates)), key=lambda k: (-candidates[k].score, k))
    keep: list[int] = []
    if whole:  # each section's best first (as far as the graph holds them)
        seen: set[int] = set()
        for k in order:
            if candidates[k].section not in seen and len(keep) < GRAPH_SIZE:
                seen.add(candidates[k].section)
                keep.append(k)
    chosen = set(keep)
    for k in order:
        if len(keep) >= GRAPH_SIZE:
            break
        if k not in chosen:
            keep.append(k)
            chosen.add(k)
    return [candidates[k] for k in sorted(keep)]


def _lexrank(vectors: list[dict[str, float]]) -> list[float]:
    """PageRank over the sentences' cosine-similarity graph (continuous LexRank)."""
    n = len(vectors)
    if n == 1:
        return [1.0]
    # pairs that share a stem, found through the stems (no n² loop over empty pairs)
    postings: dict[str, list[tuple[int, float]]] = {}
    for k, vector in enumerate(vectors):
        for key, value in vector.items():
            postings.setdefault(key, []).append((k, value))
    sims: dict[tuple[int, int], float] = {}
    for posting in postings.values():
        if len(posting) < 2:
            continue
        for x in range(len(posting)):
            i, vi = posting[x]
            for y in range(x + 1, len(posting)):
                j, vj = posting[y]
                sims[(i, j)] = sims.get((i, j), 0.0) + vi * vj
    links: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for (i, j), sim in sims.items():
        if sim > EDGE_MIN:
            links[i].append((j, sim))
            links[j].append((i, sim))
    totals = [sum(w for _, w in row) for row in links]
    # what each sentence passes on: weight / total of its row (a sentence with no link
    # passes its score to every sentence alike)
    rows = [[(j, w / totals[i]) for j, w in sorted(row)] if totals[i] else []
            for i, row in enumerate(links)]
    scores = [1.0 / n] * n
    base = (1.0 - DAMPING) / n
    for _ in range(MAX_ITERATIONS):
        dangling = sum(scores[i] for i in range(n) if not rows[i]) / n
        fresh = [base + DAMPING * dangling] * n
        for i, row in enumerate(rows):
            share = DAMPING * scores[i]
            for j, w in row:
                fresh[j] += share * w
        delta = sum(abs(a - b) for a, b in zip(fresh, scores, strict=True))
        scores = fresh
        if delta < TOLERANCE:
            break
    return scores


# ---------------------------------------------------------------------------- choice


def _order(candidates: list[_Candidate]) -> list[_Candidate]:
    return sorted(candidates, key=lambda c: (-round(c.score, 12), c.section, c.sentence.index))


def _choose(candidates: list[_Candidate], count: int, *, short: bool,
            spread: bool = False) -> list[_Candidate]:
    """The best candidates (``spread``: a section's score damped by
    :data:`SAME_SECTION` for each sentence already taken from it), none redundant,
    within the text limit. Lazy greedy: a candidate whose section gave a sentence since
    it was queued is queued again at its damped score (scores only fall)."""
    chosen: list[_Candidate] = []
    used = 0
    taken: dict[int, int] = {}
    damp = SAME_SECTION if spread else 1.0
    ordered = _order(candidates)
    queue = [(-c.score, rank, 0) for rank, c in enumerate(ordered)]
    heapq.heapify(queue)
    while queue and len(chosen) < count:
        _, rank, seen = heapq.heappop(queue)
        candidate = ordered[rank]
        now = taken.get(candidate.section, 0)
        if now != seen:
            heapq.heappush(queue, (-candidate.score * damp ** now, rank, now))
            continue
        size = len(candidate.sentence.text)
        if used + size > SUMMARY_TEXT_LIMIT:
            continue
        if any(_cosine(candidate.vector, c.vector) > REDUNDANCY for c in chosen):
            continue
        if candidate.vector or not chosen:
            chosen.append(candidate)
            used += size
            taken[candidate.section] = now + 1
        if short and len(chosen) == 2 and used >= SHORT_TWO_CHARS:
            break
    return chosen


def _one_per_section(candidates: list[_Candidate]) -> list[_Candidate]:
    """The best sentence of each section (the best sections first when they do not all
    fit in :data:`MAX_LINES` lines or the text limit)."""
    best: dict[int, _Candidate] = {}
    for candidate in _order(candidates):
        best.setdefault(candidate.section, candidate)
    chosen: list[_Candidate] = []
    used = 0
    for candidate in _order(list(best.values())):
        if len(chosen) >= MAX_LINES:
            break
        size = len(candidate.sentence.text)
        if used + size <= SUMMARY_TEXT_LIMIT:
            chosen.append(candidate)
            used += size
    return chosen
