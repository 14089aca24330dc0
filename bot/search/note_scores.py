"""Notes scored as wholes by the query's rarer words: BM25 with a note as the document.

A word's frequency in a note is the number of the note's sections that hold it (the
opening section, the note's summary, counting ``lead`` times); the note's length is its
number of sections. This finds paraphrases whose words are spread over a note.

Each word's rows are read as one string of note ids (:data:`~bot.search.sql.WORD_NOTES`,
a walk of the word's FTS5 doclist) and counted here, in the reader's worker thread: the
same scores in SQL (a GROUP BY per word, a UNION ALL, a join to ``notes``) took about three
times as long, and a row per section twice as long.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.search import sql

NoteScore = tuple[int, float, float]  # (note id, score, idf of the words the note holds)


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


def score_notes(query: NoteQuery, notes_per_word: Iterable[str | None],
                sections: Mapping[int, int]) -> list[NoteScore]:
    """The best ``query.limit`` notes, best first. Each word's rows come as one string,
    :data:`~bot.search.sql.WORD_NOTES`: the note id of each section that holds the word,
    comma-separated, marked ``L`` for a note's opening section. ``sections`` maps a note id
    to its number of sections."""
    scores: dict[int, float] = {}
    covered: dict[int, float] = {}
    k1, b = query.k1, query.b
    avg = query.avg_sections or 1.0
    for (_, weight), joined in zip(query.words, notes_per_word, strict=True):
        if not joined:
            continue
        counts: dict[int, float] = {}
        for key, times in Counter(joined.split(",")).items():
            if key.endswith("L"):
                note, n = int(key[:-1]), times * query.lead
            else:
                note, n = int(key), float(times)
            counts[note] = counts.get(note, 0.0) + n
        top = weight * (k1 + 1.0)
        for note, n in counts.items():
            length = k1 * (1.0 - b + b * sections.get(note, 1) / avg)
            scores[note] = scores.get(note, 0.0) + top * n / (n + length)
            covered[note] = covered.get(note, 0.0) + weight
    best = heapq.nlargest(query.limit, scores.items(), key=lambda kv: (kv[1], -kv[0]))
    return [(note, score, covered[note]) for note, score in best]


def read_note_scores(con: sqlite3.Connection, query: NoteQuery,
                     sections: Mapping[int, int]) -> list[NoteScore]:
    """:func:`score_notes` over the words' rows read from ``con``."""
    bounds = {"first_id": query.first_id, "last_id": query.last_id}
    return score_notes(query, (con.execute(sql.WORD_NOTES, {"term": term, **bounds}).fetchone()[0]
                               for term, _ in query.words), sections)
