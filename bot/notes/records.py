"""The parser's records: what a note, a hub and their parts become (plain data, no logic)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

# A note's moments and links are named tuples: a cold build makes a million of them, and
# a tuple is made in half the time of a dataclass.


class Timestamp(NamedTuple):
    seconds: int
    section: int  # index into ParsedNote.sections
    offset: int  # character offset in that section's text
    repaired: bool = False  # read as MM:SS because the hour could not be right


@dataclass(slots=True)
class Section:
    index: int
    level: int  # 0 for the text before the first heading, else 1-3
    heading: str
    text: str


class Link(NamedTuple):
    target: str  # the link target as written, cut at "|" and "#"
    target_key: str  # slug_key(target): what it resolves by
    label: str
    section: int


@dataclass(slots=True)
class Blockquote:
    section: int
    text: str
    kind: str  # "callout" (a [!quote]), "dash", "attribution", "prefix", "plain"
    attribution: str | None  # the name or heading that the note puts with the quote
    seconds: int | None  # the quote's own timestamp, else the nearest in its section
    in_code: bool = False
    line: int = 0  # 1-based line of the file where the quote starts (0: not known)
    moment: str = "none"  # "own" (a stamp inside the quote), "nearest" (in its section), "none"
    repaired: bool = False  # the moment was read as MM:SS: the note's hour could not be right


@dataclass(slots=True)
class ParsedNote:
    channel: str
    slug: str
    title: str
    video_id: str | None
    sections: list[Section]
    links: list[Link]
    timestamps: list[Timestamp]
    blockquotes: list[Blockquote]
    warnings: list[str] = field(default_factory=list)




@dataclass(slots=True)
class HubEpisode:
    video_id: str
    title: str
    url: str  # the watch URL rebuilt from the id; "" (no URL) when the hub did not link YouTube
    slugs: list[str]


@dataclass(slots=True)
class ParsedHub:
    channel: str
    title: str
    episodes: list[HubEpisode]


class NoteSkipped(Exception):
    """This file cannot be indexed as a note; ``str(exc)`` is the reason shown to the admin."""

