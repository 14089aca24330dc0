"""Notes scored as wholes by the query's rarer words: BM25 with a note as the document.

A word's frequency in a note is the number of the note's sections that hold it (the
opening section, the note's summary, counting ``lead`` times); the note's length is its
number of sections. This finds paraphrases whose words are spread over a note.

All the words' rows are read by one statement (:func:`~bot.search.sql.word_notes`, a
walk of each word's FTS5 doclist) as two strings of note ids per word, and counted here
in bulk (``Counter``, ``map`` and ``dict.update`` over whole lists: no Python loop per
note): the same scores in SQL (a GROUP BY per word, a UNION ALL, a join to ``notes``) took
about three times as long, and a row per section twice as long.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat
from operator import add, mul, truediv
from typing import cast

from bot.search import sql

NoteScore = tuple[int, float, float]  # (note id, score, idf of the words the note holds)
# one word's rows: the note ids of the sections other than a note's opening that hold it
# (one per section), and of the notes whose opening section holds it; comma-separated
WordRows = tuple[str, str]


@dataclass(frozen=True, slots=True)
class NoteQuery:
    """What :func:`read_note_scores` reads: each word as an FTS5 MATCH expression with its
    idf, the note-id range (a channel), and the BM25 parameters."""

    words: tuple[tuple[str, float], ...]
    first_id: int
    last_id: int
    avg_sections: float
    lead: float
    k1: float = 1.2
    b: float = 0.75
    limit: int = 200


def _ids(joined: str) -> map[int]:
    return map(int, joined.split(",")) if joined else map(int, ())


def length_terms(query: NoteQuery, sections: Mapping[int, int]) -> dict[int, float]:
    """Each note's BM25 length term for ``query``'s parameters, ``k1 * (1 - b + b *
    sections / avg)``, from ``sections`` (note id -> its number of sections)."""
    k1, b = query.k1, query.b
    avg = query.avg_sections or 1.0
    return {note: k1 * (1.0 - b + b * count / avg) for note, count in sections.items()}


def score_notes(query: NoteQuery, rows_per_word: Iterable[WordRows],
                lengths: Mapping[int, float]) -> list[NoteScore]:
    """The best ``query.limit`` notes, best first (ties: the lower note id). Each word's
    rows are :data:`WordRows`; ``lengths`` is :func:`length_terms` (a note it lacks counts
    as a note of one section).

    Every note's score is summed word by word in the query's order, with the arithmetic
    of ``top * n / (n + k1 * (1 - b + b * sections / avg))``, whatever runs it."""
    scores: dict[int, float] = {}
    per_word: list[tuple[float, Mapping[int, float]]] = []
    k1, b = query.k1, query.b
    one_section = k1 * (1.0 - b + b * 1 / (query.avg_sections or 1.0))
    for (_, weight), (body, lead) in zip(query.words, rows_per_word, strict=True):
        counts = cast("dict[int, float]", Counter(_ids(body)))
        if lead:  # a note's opening section holds the word: it counts `lead` times
            opening = list(_ids(lead))  # (dict's update: Counter's would count the pairs)
            dict.update(counts, zip(opening, map(add, map(counts.get, opening, repeat(0)),
                                                 repeat(query.lead)), strict=True))
        if not counts:
            continue
        per_word.append((weight, counts))
        notes = list(counts)
        times = list(counts.values())
        gained = map(truediv, map(mul, repeat(weight * (k1 + 1.0)), times),
                     map(add, times, map(lengths.get, notes, repeat(one_section))))
        if scores:
            scores.update(zip(notes, map(add, map(scores.get, notes, repeat(0.0)), gained),
                              strict=True))
        else:  # (0.0 + a score is that score)
            scores = dict(zip(notes, gained, strict=True))
    if 0 < query.limit < len(scores):
        floor = heapq.nlargest(query.limit, scores.values())[-1]
        kept = [(-score, note) for note, score in scores.items() if score >= floor]
    else:
        kept = [(-score, note) for note, score in scores.items()]
    kept.sort()
    best: list[NoteScore] = []
    for negative, note in kept[: query.limit]:
        covered = 0.0
        for weight, holding in per_word:
            if note in holding:
                covered += weight
        best.append((note, -negative, covered))
    return best


def read_word_notes(con: sqlite3.Connection, query: NoteQuery) -> list[WordRows]:
    """Each word's :data:`WordRows` within the query's note-id range, in one statement."""
    params: dict[str, object] = {"first_id": query.first_id, "last_id": query.last_id}
    params.update((f"term{i}", term) for i, (term, _) in enumerate(query.words))
    row = con.execute(sql.word_notes(len(query.words)), params).fetchone()
    return [(body, lead) for body, _, lead in (joined.partition("|") for joined in row)]


def read_note_scores(con: sqlite3.Connection, query: NoteQuery,
                     sections: Mapping[int, int]) -> list[NoteScore]:
    """:func:`score_notes` over the words' rows read from ``con`` (``sections``: note id ->
    its number of sections)."""
    return score_notes(query, read_word_notes(con, query), length_terms(query, sections))
