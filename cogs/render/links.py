"""Links the bot posts: every one built by :mod:`bot.notes.youtube` from a validated video id.

A ``videoId`` comes from note text: a hostile one (``abc) [Free Nitro](https://evil...``)
gives no link at all, never a malformed embed URL (Discord refuses it with a 400) and never
a masked link of the bot's own making.
"""

from __future__ import annotations

from bot.notes.timestamps import format_seconds
from bot.notes.youtube import checked_watch_url, watch_url


def video_link_from_url(url: str | None) -> str | None:
    """A URL a service built, rebuilt from its video id (:func:`checked_watch_url`)."""
    return checked_watch_url(url)


def moment_link(video_id: str | None, seconds: int | None) -> str:
    """``[▶ 5:40](https://www.youtube.com/watch?v=…&t=340s)``, or ``""`` when there is no
    valid link for that moment."""
    if seconds is None:
        return ""
    url = watch_url(video_id, seconds)
    return f"[▶ {format_seconds(seconds)}]({url})" if url else ""
