"""fuse (bot/search/ranking.py): equal scores are ordered by the title score, then by the
note's title, also when a run of equals crosses the limit."""

from __future__ import annotations

from bot.search.ranking import Candidate, fuse
from bot.search.records import RankingWeights
from bot.search.snapshot import Note, Snapshot

TITLES = ["Tides", "Orbits", "Moons", "Comets", "Bread", "Apples"]


def snapshot() -> Snapshot:
    snap = Snapshot((1, 1, 1))
    snap.notes = [Note(i + 1, "physics", title.lower(), title.lower(), title, None)
                  for i, title in enumerate(TITLES)]
    snap.by_id = {note.note_id: i for i, note in enumerate(snap.notes)}
    snap.ready = True
    return snap


def test_equal_scores_go_by_title_score_then_by_the_notes_title() -> None:
    w = RankingWeights()
    candidates = {i: Candidate(i, heading=0.5) for i in range(len(TITLES))}
    candidates[5].heading = 0.9  # "Apples": the best
    candidates[0].title = 0.2  # "Tides": a matching title adds to its heading
    hits = fuse(snapshot(), candidates, 3, w)
    # then four equals ("Orbits", "Moons", "Comets", "Bread"), of which only one fits:
    # the first by title, wherever it came among the candidates
    assert [hit.title for hit in hits] == ["Apples", "Tides", "Bread"]
    everyone = fuse(snapshot(), candidates, 10, w)
    assert [hit.title for hit in everyone] == ["Apples", "Tides", "Bread", "Comets", "Moons",
                                               "Orbits"]
