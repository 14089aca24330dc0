"""A channel's hub file (its episodes and their notes) and the vault's ``directory.md``.

An episode line is ``### [Episode title](https://www.youtube.com/watch?v=ID)``. It is cut
with string methods, not one regular expression: the pattern that did it backtracked
catastrophically (a 22 KB line of ``](https://www.youtube.com/watch?v=...`` without a
closing parenthesis took 58 s). The link posted for an episode is never the hub's own
text: it is rebuilt from the video id by :func:`bot.notes.youtube.watch_url`.
"""

from __future__ import annotations

import re

from bot.notes.frontmatter import meta_str, split_frontmatter
from bot.notes.names import channel_key, clean_line
from bot.notes.records import HubEpisode, ParsedHub
from bot.notes.wikilinks import link_target
from bot.notes.youtube import clean_video_id, watch_url

_HUB_LINK = re.compile(r"\[\[(?P<target>[^\[\]|]*+)")
# a video id in a URL: after "v=" or "youtu.be/"; an id is a run of word characters and "-"
_URL_VIDEO_ID = re.compile(r"(?:v=|youtu\.be/)([\w-]{6,20})")
_URL_SCHEME = re.compile(r"https?://")
_YOUTUBE_HOST = re.compile(
    r"https?://(?:(?:www|m|music)\.)?(?:youtube\.com|youtu\.be|youtube-nocookie\.com)/",
    re.IGNORECASE,
)
_URL_STOP = re.compile(r"[)\s]")  # a URL ends at either
_DIRECTORY_LINK = re.compile(r"\[\[([^\[\]]*+)\]\]")


def _episode_line(line: str) -> tuple[str, str] | None:
    """``### [title](url)`` (two to four ``#``) as (title, url), else ``None``."""
    hashes = len(line) - len(line.lstrip("#"))
    if not 2 <= hashes <= 4 or not line.endswith(")"):
        return None
    open_at = hashes + (len(line) - hashes - len(line[hashes:].lstrip()))
    if not line.startswith("[", open_at):
        return None
    split = line.rfind("](")  # the title is the longest that leaves a URL after it
    if split <= open_at + 1:  # "[](url)": no title
        return None
    url = line[split + 2 : -1]
    if not url or _URL_STOP.search(url):
        return None
    return line[open_at + 1 : split], url


def parse_hub(text: str, channel: str) -> ParsedHub:
    """A channel's hub file: its episodes (title, URL, video id) and each one's notes.

    An episode's id must be a well-formed YouTube id (else the line names no episode); its
    URL is the watch URL of that id when the hub linked to YouTube, else ``""`` (none).
    """
    meta, body, _ = split_frontmatter(text)
    title = meta_str(meta, "title") or channel
    episodes: list[HubEpisode] = []
    current: HubEpisode | None = None
    for raw_line in body.split("\n"):
        line = raw_line.strip()
        episode = _episode_line(line) if line.startswith("##") else None
        if episode is not None:
            episode_title, url = episode
            found = _URL_VIDEO_ID.search(url) if _URL_SCHEME.match(url) else None
            video_id = clean_video_id(found.group(1)) if found else None
            if found is not None:  # a heading that links a video, good or bad
                current = None
                if video_id is not None:
                    link = (watch_url(video_id) or "") if _YOUTUBE_HOST.match(url) else ""
                    current = HubEpisode(video_id, clean_line(episode_title), link, [])
                    episodes.append(current)
                continue
        if current is not None:
            for found_link in _HUB_LINK.finditer(line):
                target = link_target(found_link.group("target"))
                if target:
                    current.slugs.append(target)
    return ParsedHub(channel, title, episodes)


def parse_directory(text: str) -> dict[str, str]:
    """``directory.md``: channel key -> display name (``[[lexfridman | Lex Fridman Podcast]]``)."""
    _, body, _ = split_frontmatter(text)
    names: dict[str, str] = {}
    for match in _DIRECTORY_LINK.finditer(body):
        raw_target, _, raw_label = match.group(1).partition("|")
        target = channel_key(link_target(raw_target))
        label = clean_line(raw_label)
        if target and label:
            names.setdefault(target, label)
    return names
