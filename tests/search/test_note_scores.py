"""Notes scored as wholes by the query's rarer words (BM25, a note as the document)."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.search.note_scores import NoteQuery, length_terms, read_note_scores, score_notes
from bot.search.sql import SECTION_STRIDE
from tests.search.helpers import write_note


def query(*weights: float, lead: float = 2.0, limit: int = 200) -> NoteQuery:
    return NoteQuery(words=tuple((f'"w{i}"', w) for i, w in enumerate(weights)),
                     first_id=0, last_id=2**62, avg_sections=4.0, lead=lead, limit=limit)


def scores_of(q: NoteQuery, rows: list[tuple[str, str]],
              sections: dict[int, int]) -> list[tuple[int, float, float]]:
    return score_notes(q, rows, length_terms(q, sections))


def test_a_note_holding_more_of_the_words_ranks_first() -> None:
    # note 1 holds both words (sections 2 and 3), note 2 only the first, note 3 only the second
    scores = scores_of(query(1.0, 1.0), [("1,2", ""), ("1,3", "")], {1: 4, 2: 4, 3: 4})
    assert scores[0][0] == 1
    assert dict((n, c) for n, _, c in scores) == {1: 2.0, 2: 1.0, 3: 1.0}


def test_the_opening_section_counts_more_and_long_notes_less() -> None:
    lead = scores_of(query(1.0, lead=3.0), [("2", "1")], {1: 4, 2: 4})
    assert [note for note, _, _ in lead] == [1, 2]
    length = scores_of(query(1.0), [("1,2", "")], {1: 40, 2: 2})
    assert [note for note, _, _ in length] == [2, 1]


def test_rarer_words_weigh_more_and_the_limit_holds() -> None:
    scores = scores_of(query(5.0, 0.5, limit=1), [("7", ""), ("8,8,8", "")], {7: 4, 8: 4})
    assert [note for note, _, _ in scores] == [7]
    assert scores_of(query(1.0, 1.0), [("", ""), ("", "")], {}) == []


def test_the_opening_and_other_sections_add_up() -> None:
    # note 1: its opening and two more sections; note 2: three sections, not its opening
    scores = scores_of(query(1.0, lead=2.0), [("1,1,2,2,2", "1")], {1: 4, 2: 4})
    assert [note for note, _, _ in scores] == [1, 2]  # 2 + 2 sections beat 3
    n, length = 4.0, 1.2 * (1 - 0.75 + 0.75 * 4 / 4.0)
    assert scores[0][1] == pytest.approx(1.0 * 2.2 * n / (n + length))


def test_a_note_the_lengths_lack_counts_as_one_section() -> None:
    # a note written since the snapshot was loaded: the cache has it, the snapshot not yet
    q = query(1.0, 1.0)
    rows = [("1,2", "9"), ("9,9", "")]
    assert score_notes(q, rows, length_terms(q, {1: 4, 2: 4})) == \
        scores_of(q, rows, {1: 4, 2: 4, 9: 1})


def test_equal_scores_at_the_limit_keep_the_lowest_note_ids() -> None:
    # twelve notes score alike (one section each); one scores more; four places
    body = ",".join(str(note) for note in range(20, 8, -1)) + ",5,5"
    scores = scores_of(query(1.0, limit=4), [(body, "")], dict.fromkeys(range(30), 4))
    assert [note for note, _, _ in scores] == [5, 9, 10, 11]
    assert scores_of(query(1.0, limit=0), [(body, "")], {}) == []


@pytest.fixture
async def cache_db(tmp_path: Path) -> Path:
    vault = tmp_path / "vault"
    write_note(vault, "Physics", "tides", "Tides",
               "Moon and gravity pull the ocean.\n\n## Bulges\nThe ocean bulges twice a day.\n\n"
               "## Friction\nTidal friction slows the spin of the earth.")
    write_note(vault, "Physics", "orbits", "Orbits",
               "Planets follow ellipses.\n\n## Gravity\nGravity bends the path.")
    write_note(vault, "Baking", "bread", "Bread",
               "Flour and water.\n\n## Ocean salt\nA pinch of ocean salt.")
    db = tmp_path / "c.db"
    async with NotesCache(db) as cache:
        await cache.sync(vault)
    return db


async def test_scores_read_from_the_cache_are_bm25_over_sections(cache_db: Path) -> None:
    con = sqlite3.connect(cache_db.as_uri() + "?mode=ro", uri=True)
    sections = dict(con.execute("SELECT id, sections FROM notes").fetchall())
    q = NoteQuery(words=(('"ocean"', 1.5), ('"gravity"', 1.0)), first_id=0, last_id=2**62,
                  avg_sections=2.5, lead=2.0)
    got = read_note_scores(con, q, sections)

    expected: dict[int, float] = {}
    for term, weight in q.words:  # the same formula over plain FTS5 rows
        counts: dict[int, float] = {}
        for (rowid,) in con.execute("SELECT rowid FROM search WHERE search MATCH ?", (term,)):
            note, section = divmod(rowid, SECTION_STRIDE)
            counts[note] = counts.get(note, 0.0) + (q.lead if section == 0 else 1.0)
        for note, n in counts.items():
            norm = q.k1 * (1 - q.b + q.b * sections[note] / q.avg_sections)
            expected[note] = expected.get(note, 0.0) + weight * n * (q.k1 + 1) / (n + norm)
    assert len(expected) == 3
    assert {note: round(score, 9) for note, score, _ in got} == \
        {note: round(score, 9) for note, score in expected.items()}
    titles = dict(con.execute("SELECT id, title FROM notes").fetchall())
    assert titles[got[0][0]] == "Tides"  # both words, "ocean" twice, once in the opening
    assert all(math.isfinite(score) for _, score, _ in got)

    tides_id = next(i for i, t in titles.items() if t == "Tides")
    only_tides = NoteQuery(words=q.words, first_id=tides_id * SECTION_STRIDE,
                           last_id=tides_id * SECTION_STRIDE + SECTION_STRIDE - 1,
                           avg_sections=2.5, lead=2.0)
    assert [note for note, _, _ in read_note_scores(con, only_tides, sections)] == [tides_id]
    con.close()
