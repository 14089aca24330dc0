"""The one builder of YouTube links: every URL the bot posts for a video goes through here.

A ``videoId`` comes from note text, so it is untrusted: only the exact shape of a YouTube
video id (11 characters of ``A-Z a-z 0-9 _ -``) makes a link. Anything else gives ``None``
(no link is better than a wrong one, and Discord refuses a malformed embed URL with a 400).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

WATCH = "https://www.youtube.com/watch?v="
THUMBNAIL = "https://i.ytimg.com/vi/{id}/hqdefault.jpg"
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
# the longest moment a link may point at: a day (the vault's episodes last at most hours)
MAX_SECONDS = 24 * 3600


def clean_video_id(raw: object) -> str | None:
    """``raw`` if it is a well-formed YouTube video id, else ``None``."""
    if isinstance(raw, str):
        candidate = raw.strip()
        if _VIDEO_ID.fullmatch(candidate):
            return candidate
    return None


def watch_url(video_id: object, seconds: int | None = None) -> str | None:
    """The video's watch URL, at ``seconds`` when given; ``None`` for a bad id or moment."""
    clean = clean_video_id(video_id)
    if clean is None:
        return None
    if seconds is None:
        return WATCH + clean
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_SECONDS:
        return None
    return f"{WATCH}{clean}&t={seconds}s"


def thumbnail_url(video_id: object) -> str | None:
    """The video's thumbnail image, or ``None`` for a bad id."""
    clean = clean_video_id(video_id)
    return THUMBNAIL.format(id=clean) if clean else None


def checked_watch_url(url: str | None) -> str | None:
    """A URL a service built, rebuilt from its video id: ``None`` unless it is exactly a
    well-formed YouTube watch link."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.netloc != "www.youtube.com" or parts.path != "/watch":
        return None
    ids = parse_qs(parts.query).get("v", [])
    return watch_url(ids[0]) if len(ids) == 1 else None
