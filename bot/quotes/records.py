"""What the quote engine gives its callers (no Discord here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.notes.youtube import thumbnail_url, watch_url


@dataclass(frozen=True, slots=True)
class Quote:
    """One quote as members see it.

    ``speaker`` is the identity's name (``None``: the note names nobody, and the quote
    belongs to its episode and moment); ``speaker_as_written`` the name as this note wrote
    it. ``seconds`` is the quote's moment: its own (``moment == "own"``), else the nearest
    in its section (``"nearest"``), else none; ``repaired``: read as MM:SS because the
    note's hour could not be right. ``line`` is the 1-based line of the file where the
    quote starts.
    """

    quote_id: int
    note_id: int
    channel: str
    channel_name: str
    slug: str
    note_title: str
    section_index: int
    section_heading: str | None
    line: int
    text: str
    speaker: str | None
    speaker_as_written: str | None
    role: str | None
    seconds: int | None
    moment: str
    repaired: bool
    video_id: str | None
    episode_title: str | None

    @property
    def url(self) -> str | None:
        """The video at the quote's moment (the video alone when it has none); ``None``
        without a valid video id."""
        return watch_url(self.video_id, self.seconds)

    @property
    def note_url(self) -> str | None:
        return watch_url(self.video_id)

    @property
    def thumbnail(self) -> str | None:
        return thumbnail_url(self.video_id)


@dataclass(frozen=True, slots=True)
class SpeakerChoice:
    """A speaker for autocomplete: the identity's name, its channel (``None``: the
    name is known in several), and how many quotes it has."""

    name: str
    channel: str | None
    quotes: int


@dataclass(slots=True)
class QuotePick:
    """The answer to ``/quote``: a quote (``None``: nothing matched), how many matched,
    and what to suggest when nothing did."""

    quote: Quote | None
    matches: int
    speaker: str | None = None  # the identity the speaker option resolved to
    topic: str | None = None  # the note title the topic option resolved to
    suggest_speakers: list[str] = field(default_factory=list)
    suggest_topics: list[str] = field(default_factory=list)
