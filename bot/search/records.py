"""The records the search services hand out. Plain dataclasses: nothing here imports Discord."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class TopicHit:
    """One note that answers a query.

    ``score`` is 0..1 (1 = the title, exactly). ``why`` says what matched best: ``"title"``,
    ``"fuzzy title"`` (by prefix or typo tolerance), ``"heading"`` or ``"text"``.
    ``matched_section``/``section_index`` name the section that matched, when one did.
    ``url`` is the episode's YouTube link (from the note's ``videoId``), or None.
    """

    note_id: int
    channel: str
    slug: str
    title: str
    video_id: str | None
    url: str | None
    episode_title: str | None
    score: float
    matched_section: str | None
    why: str
    section_index: int | None = None
    channel_name: str = ""

    @property
    def key(self) -> str:
        """``channel/slug``: what :meth:`TopicSearch.resolve` accepts back."""
        return f"{self.channel}/{self.slug}"

    def as_dict(self) -> dict[str, Any]:
        """The shape ``notecast topic QUERY --json`` prints for each result."""
        return {"channel": self.channel, "slug": self.slug, "title": self.title,
                "score": round(self.score, 4), "video_id": self.video_id, "url": self.url}


@dataclass(slots=True)
class LookupResult:
    """The answer to :meth:`TopicSearch.lookup`, best hit first.

    ``confident`` is False when nothing matches well; ``did_you_mean`` then holds the
    closest titles. ``reason`` is set when the query could not be searched at all
    (``"empty"``, ``"no words"`` (emoji, punctuation, invisible characters only),
    ``"unknown channel"``, ``"not ready"``); ``hits`` is then empty. ``truncated`` says
    the query was longer than :data:`bot.search.query.MAX_QUERY_CHARS` or :data:`MAX_TERMS` words and only
    its start or its rarest words were searched.
    """

    query: str
    hits: list[TopicHit]
    confident: bool
    did_you_mean: list[str] = field(default_factory=list)
    took_ms: float = 0.0
    reason: str | None = None
    truncated: bool = False

    @property
    def best(self) -> TopicHit | None:
        return self.hits[0] if self.hits else None

    def as_dict(self) -> dict[str, Any]:
        """``{"results": [...], "took_ms": ...}`` for ``notecast topic --json``."""
        out: dict[str, Any] = {"results": [hit.as_dict() for hit in self.hits],
                               "took_ms": round(self.took_ms, 2)}
        if not self.confident:
            out["did_you_mean"] = list(self.did_you_mean)
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(slots=True, frozen=True)
class Choice:
    """An autocomplete choice. Both fields are at most 100 characters.

    ``value`` is ``channel/slug`` or ``channel/slug#section-index`` (shortened with a hash
    when it would not fit); :meth:`TopicSearch.resolve` and :meth:`TopicSearch.lookup`
    accept it back.
    """

    name: str
    value: str


@dataclass(slots=True)
class SearchHit:
    """A full-text hit: one section of one note, with a snippet of at most ~200 characters
    whose matched words are wrapped in ``**`` (nothing else in it is escaped)."""

    note_id: int
    channel: str
    slug: str
    title: str
    section_index: int
    heading: str | None
    snippet: str
    score: float
    video_id: str | None = None
    url: str | None = None


@dataclass(slots=True, frozen=True)
class NoteRef:
    """A note named in :class:`Related`."""

    note_id: int
    channel: str
    slug: str
    title: str


@dataclass(slots=True)
class Related:
    """The notes around one note: what it links to (resolved in its own channel first, then
    in any channel), what links to it, and the other notes of its episode."""

    note: NoteRef
    links_out: list[NoteRef]
    backlinks: list[NoteRef]
    same_episode: list[NoteRef]
    unresolved_links: list[str]
    episode_title: str | None = None
    url: str | None = None


@dataclass(slots=True, frozen=True)
class ChannelInfo:
    """A channel for the channel option: its key (what ``channel=`` takes), display name and
    number of notes."""

    key: str
    name: str
    notes: int


class QueryTooVague(ValueError):
    """The text holds nothing searchable (empty, emoji, punctuation, invisible characters).

    ``reason`` is ``"empty"`` or ``"no words"``; ``str(exc)`` is a sentence for the user.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(slots=True, frozen=True)
class RankingWeights:
    """The knobs of the ranking (chosen on the ``tune`` half of
    ``benchmarks/relevance_set.json`` and checked on the ``holdout`` half).

    * ``title``/``heading``/``text``/``anchor``/``episode``: each source's weight in the fusion
      ``m + agreement * n * (1 - m)``, where ``m`` and ``n`` are the largest and second
      largest weighted source scores (a second source adds, but never as much as one);
    * ``fts_title``/``fts_heading``/``fts_body``: bm25 column weights of the section query;
      ``text_saturation``: the section bm25 (relative to the query's total idf) that counts
      as a strong match; ``partial_text`` scales it when some words had to be left out;
      ``section_decay`` weighs a note's second and third best sections;
    * ``note_share``: the share of the per-note score (BM25 over whole notes) in a note's
      text score; ``note_saturation`` as ``text_saturation``; ``lead_weight``: how much
      more a word counts in a note's opening section (its summary);
    * ``query_power``: how steeply a title or heading loses score for each query word it
      lacks;
    * ``confident``: the fused score from which the best hit counts as a good match; it also
      does from ``confident_floor`` when it is ``confident_margin`` times the second's.
    """

    title: float = 0.95
    heading: float = 0.8
    text: float = 0.85
    anchor: float = 0.75
    episode: float = 0.6
    agreement: float = 0.5
    fts_title: float = 2.0
    fts_heading: float = 2.0
    fts_body: float = 1.0
    text_saturation: float = 1.5
    partial_text: float = 0.6
    section_decay: float = 0.3
    note_share: float = 0.5
    note_saturation: float = 1.0
    lead_weight: float = 2.0
    query_power: float = 1.5
    confident: float = 0.5
    confident_floor: float = 0.3
    confident_margin: float = 1.5

