"""The ranking behind /topic: four sources scored 0..1 per note and fused.

* the **title index** (prefix completion, typo tolerance), the **heading index**, link
  **anchors** (how other notes name a note) and **episode** titles, all in memory;
* **full text** (SQLite FTS5): the sections that hold every word (bm25, title and heading
  weighted above body text), and the notes that hold most of the words anywhere (BM25 with
  the whole note as the document, for paraphrases whose words are spread over a note).

Each source scores a note 0..1 and the scores are fused (the strongest source, plus a share
of the second: see :class:`~bot.search.records.RankingWeights`). Everything here is plain
computation on a snapshot: the caller runs it in a worker thread, never on the event loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from rapidfuzz import fuzz, process

from bot.search import sql
from bot.search.note_scores import NoteQuery
from bot.search.query import (
    AND_DF_BUDGET,
    LONG_QUERY_WORDS,
    MAX_SCORED_ROWS,
    NOTE_DF_BUDGET,
    PreparedQuery,
    QueryTerm,
    match_expression,
    searchable,
    within_budget,
)
from bot.search.records import RankingWeights, TopicHit
from bot.search.snapshot import Snapshot
from bot.search.sql import SECTION_STRIDE

Statement = tuple[str, dict[str, Any]]


@dataclass(slots=True)
class Candidate:
    index: int
    title: float = 0.0
    title_fuzzy: bool = False
    heading: float = 0.0
    heading_section: tuple[int, str] | None = None
    text: float = 0.0
    text_section: int | None = None
    note: float = 0.0
    anchor: float = 0.0
    episode: float = 0.0
    score: float = 0.0


def memory_candidates(snap: Snapshot, prepared: PreparedQuery, terms: list[QueryTerm],
                      channel: str | None, w: RankingWeights) -> dict[int, Candidate]:
    """Notes found by the in-memory indexes (titles, headings, anchors, episodes)."""
    candidates: dict[int, Candidate] = {}
    allowed = snap.channel_notes.get(channel) if channel else None
    typos = len(terms) <= LONG_QUERY_WORDS
    # a cut-off last word ("... and dra") completes in titles
    title_terms = [QueryTerm(t.word, t.forms, t.prefix or (
        i == len(terms) - 1 and prepared.open_end and len(t.word) >= 2), t.stop,
        t.fts_words, t.fts_df) for i, t in enumerate(terms)]
    for doc, score, fuzzy_used, _ in snap.titles.search(
        title_terms, allowed=allowed, limit=60, norm=prepared.norm, prefix_bonus=True,
        query_power=w.query_power, typos=typos,
    ):
        candidates[doc] = Candidate(doc, title=score, title_fuzzy=fuzzy_used)
    allowed_headings = snap.headings_in(channel) if channel else None
    seen_notes: set[int] = set()
    for doc, score, _, _ in snap.headings.search(terms, allowed=allowed_headings, limit=120,
                                              query_power=w.query_power, typos=typos):
        index, idx, heading = snap.heading(doc)
        if index in seen_notes:
            continue
        seen_notes.add(index)
        cand = candidates.get(index)
        if cand is None:
            cand = candidates[index] = Candidate(index)
        if score > cand.heading:
            cand.heading, cand.heading_section = score, (idx, heading)
        if len(seen_notes) >= 60:
            break
    for doc, score, _, _ in snap.anchor_index.search(terms, limit=60, typos=typos,
                                                  query_power=w.query_power):
        index = snap.anchor_notes[doc]
        if allowed is not None and index not in allowed:
            continue
        cand = candidates.get(index)
        if cand is None:
            cand = candidates[index] = Candidate(index)
        cand.anchor = max(cand.anchor, score)
    for doc, score, _, _ in snap.episode_index.search(terms, limit=20, typos=typos,
                                                   query_power=w.query_power):
        for index in snap.episode_notes[doc]:
            if allowed is not None and index not in allowed:
                continue
            cand = candidates.get(index)
            if cand is None:
                cand = candidates[index] = Candidate(index)
            cand.episode = max(cand.episode, score)
    return candidates


def idf(rows: int, df: int) -> float:
    """A word's BM25 idf among ``rows`` sections. ``df`` counts the rows of each spelling
    searched for the word, so it can exceed ``rows`` (a note of thousands of sections that
    each hold "tide" and "tides"): it is capped, and the idf never goes below zero."""
    df = max(0, min(df, rows))
    return max(1e-6, math.log((rows - df + 0.5) / (df + 0.5)))


@dataclass(slots=True)
class TextPlan:
    """The two bounded full-text statements of a lookup, and what scores their rows."""

    groups: list[QueryTerm]
    full: float  # the query's total idf
    every: bool  # the AND statement holds every word
    ranked: Statement | None
    per_note: NoteQuery | None


def text_plan(snap: Snapshot, terms: list[QueryTerm], channel: str | None,
              w: RankingWeights) -> TextPlan | None:
    """The full-text statements for ``terms`` (``None`` when no word is worth one):

    * every word (AND; the rarest words first, while their rows stay few), ranked by bm25
      with title and heading weighted: the sections that hold the whole query;
    * the rarer words scored per *note* (BM25 with a note as the document and its sections
      as its length), for paraphrases whose words are spread over a note.
    """
    groups = searchable(terms)
    if not groups:
        return None
    rows = snap.rows
    full = sum(idf(rows, t.fts_df) for t in groups) or 1.0
    first_id, last_id = snap.note_index_range(channel)
    chosen = within_budget(groups, AND_DF_BUDGET, per_word=None)
    ranked: Statement | None = None
    if chosen[0].fts_df <= MAX_SCORED_ROWS:
        ranked = (sql.FTS_RANKED, {
            "query": match_expression([t.fts_words for t in chosen], mode="and"),
            "w_title": w.fts_title, "w_heading": w.fts_heading, "w_body": w.fts_body,
            "first_id": first_id, "last_id": last_id, "limit": 150})
    per_note: NoteQuery | None = None
    checked = within_budget(groups, NOTE_DF_BUDGET, per_word=MAX_SCORED_ROWS)
    checked = checked[: sql.MAX_NOTE_WORDS]
    if len(groups) > 1 and checked:
        per_note = NoteQuery(
            words=tuple((match_expression([t.fts_words]), idf(rows, t.fts_df)) for t in checked),
            first_id=first_id, last_id=last_id, avg_sections=snap.avg_sections,
            lead=w.lead_weight)
    return TextPlan(groups, full, len(chosen) == len(groups), ranked, per_note)


def text_scores(snap: Snapshot, plan: TextPlan, channel: str | None, w: RankingWeights,
                found_sections: list[Any], found_notes: list[Any],
                ) -> dict[int, tuple[float, int | None, float]]:
    """Full-text evidence per note: (best sections' score 0..1, best section, note score).

    Section scores are bm25 relative to the query's total idf (scaled down when the AND
    had to leave words out); a note adds its next best sections with a decay.
    """
    allowed = snap.channel_notes.get(channel) if channel else None
    by_id = snap.by_id
    full = plan.full
    scale = 1.0 if plan.every else w.partial_text
    sections: dict[int, dict[int, float]] = {}
    for rowid, bm25 in found_sections:
        note_id, section = divmod(rowid, SECTION_STRIDE)
        index = by_id.get(note_id)
        if index is None or (allowed is not None and index not in allowed):
            continue
        score = -bm25 / full * scale
        per_note = sections.get(index)
        if per_note is None:
            sections[index] = {section: score} if score > 0.0 else {}
        elif score > per_note.get(section, 0.0):
            per_note[section] = score
    note_scores: dict[int, float] = {}
    saturation = w.note_saturation
    for note_id, score, _covered in found_notes:
        index = by_id.get(note_id)
        if index is None or (allowed is not None and index not in allowed):
            continue
        note_scores[index] = 1.0 - math.exp(-max(0.0, score) / full / saturation)
    best: dict[int, tuple[float, int | None, float]] = {}
    decay = w.section_decay
    text_saturation = w.text_saturation
    for index, per_note in sections.items():
        if len(per_note) == 1:  # the sum below, for one section: its score
            top_section, total = next(iter(per_note.items()))
        else:
            ranked = sorted(per_note.items(), key=lambda kv: -kv[1])
            top_section = ranked[0][0]
            total = sum(score * decay**k for k, (_, score) in enumerate(ranked[:3]))
        best[index] = (1.0 - math.exp(-max(0.0, total) / text_saturation), top_section,
                       note_scores.get(index, 0.0))
    for index, score in note_scores.items():
        if index not in best:
            best[index] = (0.0, None, score)
    return best


def fuse(snap: Snapshot, candidates: dict[int, Candidate], limit: int,
         w: RankingWeights) -> list[TopicHit]:
    """The candidates' fused scores, best first, as hits."""
    keep, share = 1.0 - w.note_share, w.note_share
    w_title, w_heading, w_text, w_anchor, w_episode = (w.title, w.heading, w.text, w.anchor,
                                                       w.episode)
    agreement = w.agreement
    for cand in candidates.values():
        cand.text = keep * cand.text + share * cand.note
        parts = (w_title * cand.title, w_heading * cand.heading, w_text * cand.text,
                 w_anchor * cand.anchor, w_episode * cand.episode)
        top, second = sorted(parts)[-1:-3:-1]
        cand.score = top + agreement * second * (1.0 - top)
    # best score first, then the best title score, then the note's title: ties of the
    # first two are rare, so they are sorted apart (a reverse sort keeps equals in order)
    ranked = sorted(candidates.values(), key=attrgetter("score", "title"), reverse=True)
    k = 0
    while k < min(limit, len(ranked)):
        end = k + 1
        while (end < len(ranked) and ranked[end].score == ranked[k].score
               and ranked[end].title == ranked[k].title):
            end += 1
        if end - k > 1:
            ranked[k:end] = sorted(ranked[k:end], key=lambda c: snap.notes[c.index].title)
        k = end
    hits: list[TopicHit] = []
    for cand in ranked[:limit]:
        if cand.score <= 0.0:
            break
        contributions = {"title": w.title * cand.title, "heading": w.heading * cand.heading,
                         "text": w.text * cand.text}
        why = max(contributions, key=lambda k: contributions[k])
        section_index: int | None = None
        heading: str | None = None
        if why == "title" and cand.title_fuzzy:
            why = "fuzzy title"
        if why == "heading" and cand.heading_section is not None:
            section_index, heading = cand.heading_section
        elif why == "text" and cand.text_section is not None:
            section_index = cand.text_section
            heading = snap.heading_of(cand.index, section_index)
        hits.append(snap.hit(cand.index, round(min(1.0, cand.score), 4), why, heading,
                             section_index))
    return hits


def did_you_mean(snap: Snapshot, prepared: PreparedQuery, hits: list[TopicHit],
                 channel: str | None, limit: int = 5) -> list[str]:
    """The titles closest to the query: the best hits', then the most similar titles."""
    titles: list[str] = [hit.title for hit in hits[:3]]
    allowed = snap.channel_notes.get(channel) if channel else None
    found = process.extract(prepared.norm[:120], snap.titles.norms, scorer=fuzz.ratio, limit=20)
    dead = snap.titles.dead
    for _, _, index in found:
        if index in dead or (allowed is not None and index not in allowed):
            continue
        titles.append(snap.notes[index].title)
    return list(dict.fromkeys(titles))[:limit]
