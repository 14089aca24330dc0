"""Whether the best hit of a lookup is a good answer, or only the least bad one."""

from __future__ import annotations

from bot.search.query import PreparedQuery, QueryTerm
from bot.search.records import RankingWeights, TopicHit


def assess(prepared: PreparedQuery, terms: list[QueryTerm], hits: list[TopicHit],
           w: RankingWeights) -> bool:
    """A good match: a high score, or a fair one well clear of the runner-up."""
    if not hits or not any(not t.stop for t in terms):
        return False
    top = hits[0].score
    second = hits[1].score if len(hits) > 1 else 0.0
    return top >= w.confident or (top >= w.confident_floor and top >= w.confident_margin * second)
