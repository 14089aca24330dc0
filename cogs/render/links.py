"""Links the bot posts: every one built by :mod:`bot.notes.youtube` from a validated video id.

A ``videoId`` comes from note text: a hostile one (``abc) [Free Nitro](https://evil...``)
gives no link at all, never a malformed embed URL (Discord refuses it with a 400) and never
a masked link of the bot's own making.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bot.notes.timestamps import format_seconds
from bot.notes.youtube import watch_url


def video_link_from_url(url: str | None) -> str | None:
    """A URL a service built, rebuilt from its video id: ``None`` unless it is exactly a
    well-formed YouTube watch link."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.netloc != "www.youtube.com" or parts.path != "/watch":
        return None
    ids = parse_qs(parts.query).get("v", [])
    return watch_url(ids[0]) if len(ids) == 1 else None


def moment_link(video_id: str | None, seconds: int | None) -> str:
    """``[▶ 5:40](https://www.youtube.com/watch?v=…&t=340s)``, or ``""`` when there is no
    valid link for that moment."""
    if seconds is None:
        return ""
    url = watch_url(video_id, seconds)
    return f"[▶ {format_seconds(seconds)}]({url})" if url else ""
