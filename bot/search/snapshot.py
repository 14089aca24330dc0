"""Everything the search keeps in memory for one state of the cache (read-only once built),
and the small lookups on it that every search service shares."""

from __future__ import annotations

import bisect
import hashlib
from array import array
from dataclasses import dataclass

from bot.notes.youtube import clean_video_id, watch_url
from bot.search.lines import Lines
from bot.search.note_scores import NoteQuery, length_terms
from bot.search.records import TopicHit
from bot.search.sql import SECTION_STRIDE
from bot.search.term_build import empty
from bot.search.term_index import TermIndex
from bot.search.text import fold
from bot.search.vocabulary import Vocabulary

MAX_CHOICE_CHARS = 100  # Discord's limit for an autocomplete choice's name and value

# what a snapshot was built from: (st_dev, st_ino, generation) of the cache file
Token = tuple[int, int, int]


@dataclass(slots=True)
class Note:
    note_id: int
    channel: str
    slug: str
    slug_key: str
    title: str
    video_id: str | None
    sections: int = 1


class Snapshot:
    """The notes, channels, episodes and in-memory indexes of one cache state."""

    def __init__(self, token: Token) -> None:
        self.token = token
        self.ready = False
        self.persisted = False  # loaded from the cache's index arrays (not computed here)
        self.notes: list[Note] = []
        self.by_id: dict[int, int] = {}
        self.sections: dict[int, int] = {}  # note id -> its number of sections
        self._lengths: dict[tuple[float, float, float], dict[int, float]] = {}
        self.by_key: dict[tuple[str, str], int] = {}
        self.by_slug_key: dict[str, list[int]] = {}
        self.by_video: dict[str, list[int]] = {}
        self._by_hash: dict[str, int] | None = None  # built on first use
        self.channel_names: dict[str, str] = {}
        self.channel_notes: dict[str, frozenset[int]] = {}
        self.channel_id_range: dict[str, tuple[int, int]] = {}
        self._channel_headings: dict[str, frozenset[int]] = {}
        self.episodes: dict[tuple[str, str], str] = {}  # (channel, video id) -> title
        self.episode_any: dict[str, str] = {}  # video id -> a title
        # the titles index's docs are the note indexes (a note that is gone keeps its
        # place, as a dead doc with an empty Note, until the index is built again)
        self.titles: TermIndex = empty()
        self.headings: TermIndex = empty()
        # per heading: note id * SECTION_STRIDE + section index (ascending), and its text
        self.heading_keys = array("q")
        self.heading_texts = Lines()
        self.popular: list[int] = []  # the most linked-to notes first
        self.anchor_index: TermIndex = empty()
        self.anchor_notes = array("i")  # per link label: the note it names
        self.episode_index: TermIndex = empty()
        self.episode_notes: list[tuple[int, ...]] = []  # per episode title: its notes
        self.vocab = Vocabulary.of({})
        self.rows = 1
        self.avg_sections = 1.0

    # -- notes and channels

    def length_terms(self, query: NoteQuery) -> dict[int, float]:
        """Every note's BM25 length term for ``query``'s parameters (worked out on first
        use: once, not per lookup)."""
        key = (query.k1, query.b, query.avg_sections)
        found = self._lengths.get(key)
        if found is None:
            found = self._lengths[key] = length_terms(query, self.sections)
        return found

    def heading(self, doc: int) -> tuple[int, int, str]:
        """A heading of the heading index: (note index, section index, text)."""
        note_id, idx = divmod(self.heading_keys[doc], SECTION_STRIDE)
        return self.by_id.get(note_id, -1), idx, self.heading_texts[doc]

    def headings_in(self, channel: str) -> frozenset[int]:
        """The heading docs of a channel's notes (worked out on first use)."""
        found = self._channel_headings.get(channel)
        if found is None:
            notes = {self.notes[i].note_id for i in self.channel_notes.get(channel, ())}
            stride = SECTION_STRIDE
            found = frozenset(d for d, key in enumerate(self.heading_keys)
                              if key // stride in notes)
            self._channel_headings[channel] = found
        return found

    def heading_of(self, index: int, section: int) -> str | None:
        """The heading of section ``section`` of note ``index``, if it has one."""
        key = self.notes[index].note_id * SECTION_STRIDE + section
        at = bisect.bisect_left(self.heading_keys, key)
        if at < len(self.heading_keys) and self.heading_keys[at] == key:
            return self.heading_texts[at]
        return None

    def by_hash(self) -> dict[str, int]:
        """Notes by the hash that a shortened autocomplete value carries."""
        found = self._by_hash
        if found is None:
            found = {note_hash(self.notes[i].channel, self.notes[i].slug): i
                     for i in self.by_id.values()}
            self._by_hash = found
        return found

    def channel_key(self, channel: str | None) -> str | None:
        """A channel option (key, folder or display name) as a key; "" if unknown."""
        if channel is None or not channel.strip():
            return None
        wanted = fold(channel).strip()
        if wanted in self.channel_notes or wanted in self.channel_names:
            return wanted
        for key, name in self.channel_names.items():
            if fold(name) == wanted:
                return key
        return ""

    def display(self, channel: str) -> str:
        return self.channel_names.get(channel) or channel

    def episode(self, note: Note) -> tuple[str | None, str | None]:
        """The note's episode title (from a hub) and its watch URL, built from the note's
        own video id (a hub's URL is never passed through)."""
        url = watch_url(note.video_id)
        if url is None or note.video_id is None:
            return None, None
        title = self.episodes.get((note.channel, note.video_id)) or self.episode_any.get(
            note.video_id)
        return title, url

    def note_index_range(self, channel: str | None) -> tuple[int, int]:
        """The section ids (rowids) a channel's notes can have, as a cheap SQL pre-filter."""
        if channel is None:
            return 0, (1 << 62)
        first, last = self.channel_id_range.get(channel, (0, -1))
        return first * SECTION_STRIDE, last * SECTION_STRIDE + SECTION_STRIDE - 1

    def resolve_link(self, channel: str, target_key: str) -> int | None:
        """The note a link from ``channel`` to ``target_key`` names: in the same channel if
        there is one, else the first in any channel."""
        candidates = self.by_slug_key.get(target_key, ())
        for index in candidates:
            if self.notes[index].channel == channel:
                return index
        same = self.by_key.get((channel, target_key))
        if same is not None:
            return same
        return candidates[0] if candidates else None

    def hit(self, index: int, score: float, why: str, heading: str | None = None,
            section_index: int | None = None) -> TopicHit:
        note = self.notes[index]
        episode_title, url = self.episode(note)
        return TopicHit(note.note_id, note.channel, note.slug, note.title,
                        clean_video_id(note.video_id), url, episode_title, score, heading,
                        why, section_index, self.display(note.channel))

    def resolve_value(self, value: str) -> TopicHit | None:
        """An autocomplete value (``channel/slug[#section]``, possibly shortened with a
        hash) as a hit on its note, or ``None``."""
        value = value.strip()
        if "/" not in value or len(value) > 300 or "\n" in value:
            return None
        section: int | None = None
        head, sep, tail = value.rpartition("#")
        if sep and tail.isdigit() and len(tail) <= 6:
            value, section = head, int(tail)
        channel, _, slug = value.partition("/")
        channel_key = fold(channel).strip()
        index = self.by_key.get((channel_key, slug))
        if index is None and "~" in slug:
            index = self.by_hash().get(slug.rpartition("~")[2])
            if index is not None and self.notes[index].channel != channel_key:
                index = None
        if index is None:
            return None
        heading = self.heading_of(index, section) if section is not None else None
        if section is not None and heading is None:
            section = None
        return self.hit(index, 1.0, "heading" if heading else "title", heading, section)


def value_for(note: Note, section: int | None = None) -> str:
    """The autocomplete value of a note (and section), at most 100 characters."""
    suffix = "" if section is None else f"#{section}"
    value = f"{note.channel}/{note.slug}{suffix}"
    if len(value) <= MAX_CHOICE_CHARS:
        return value
    digest = note_hash(note.channel, note.slug)
    room = MAX_CHOICE_CHARS - len(note.channel) - len(digest) - len(suffix) - 2
    return f"{note.channel}/{note.slug[: max(0, room)]}~{digest}{suffix}"


def note_hash(channel: str, slug: str) -> str:
    return hashlib.blake2b(f"{channel}/{slug}".encode(), digest_size=5).hexdigest()
