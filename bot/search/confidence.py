"""Whether the best hit of a lookup is a good answer, or only the least bad one.

Two kinds of evidence, both measured with ``benchmarks/search.py`` (its relevance set and
its ``nonsense`` group):

* the **score**: the fused score of the best hit is high, or fair and well clear of the
  runner-up (:class:`~bot.search.records.RankingWeights` ``confident*``). On the relevance
  set 91 of 114 lookups pass, 90 of them with the right note first;
* the **shape of the query**: text that a machine wrote (a file path, a URL or a domain, a
  Discord mention, code) is never a topic, whatever it happens to match. Such words do
  occur in notes ("etc", "users", "select", "google"), so on the score alone 5 of 28
  nonsense queries were answered as if they were good matches.

When a lookup is not confident, the reply says nothing matches well and offers the
closest titles (:attr:`~bot.search.records.LookupResult.did_you_mean`).
"""

from __future__ import annotations

import re

from bot.search.query import PreparedQuery, QueryTerm
from bot.search.records import RankingWeights, TopicHit

_URL = re.compile(r"[a-z][a-z0-9+.-]*://|\bwww\.|\w\.(?:com|org|net|io|gov|edu|co|dev|app)\b",
                  re.IGNORECASE)
_MENTION = re.compile(r"<[@#&!:]|@everyone\b|@here\b")
# a path: /usr/bin, ~/.ssh, ../x, C:\Users, or a word with two slashes (a/b/c)
_PATH = re.compile(r"(?:^|\s)(?:~|\.{1,2})?/[\w.~-]|\\|\w/\w+/\w|\b[a-z]:[\\/]", re.IGNORECASE)
_CODE_MARKS = re.compile(r"[{}<>=;|`^*]")


def machine_text(text: str) -> bool:
    """True for a file path, URL, domain, Discord mention or a line of code."""
    return bool(_URL.search(text) or _MENTION.search(text) or _PATH.search(text)
                or len(_CODE_MARKS.findall(text)) >= 2)


def assess(prepared: PreparedQuery, terms: list[QueryTerm], hits: list[TopicHit],
           w: RankingWeights) -> bool:
    """A good match: a high score, or a fair one well clear of the runner-up; never for
    a query of stopwords only or for machine text."""
    if not hits or not any(not t.stop for t in terms) or machine_text(prepared.text):
        return False
    top = hits[0].score
    second = hits[1].score if len(hits) > 1 else 0.0
    return top >= w.confident or (top >= w.confident_floor and top >= w.confident_margin * second)
