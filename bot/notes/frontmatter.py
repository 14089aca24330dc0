"""A note's ``---`` frontmatter: split from the body, read without trusting it.

Simple ``key: value`` lines (all of the vault's) are read here; anything else goes to a
YAML parser, imported only then (python-frontmatter and PyYAML take 45 ms to import, a
twentieth of a command-line lookup's budget, and most runs never need them).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.notes.names import clean_line
from bot.notes.youtube import clean_video_id

log = logging.getLogger(__name__)

# A note's frontmatter is two short lines; YAML parsing is slow, so a huge block is refused.
MAX_FRONTMATTER_CHARS = 64 * 1024

# the value is taken whole and its trailing blanks cut in Python: "(.*?)[ \t]*$" tried the
# blank run again after every character of a value (quadratic on "a    ...    b")
_FM_SIMPLE = re.compile(r"([A-Za-z_][\w-]*+):[ \t]*+(.*)")
_YAML_SPECIAL_START = set("&*!|>%@`{[\"'#")


def split_frontmatter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """Split ``---`` frontmatter from the body; return (metadata, body, warnings).

    Simple ``key: value`` lines are read directly (the vault's notes are all like that);
    anything else goes to a YAML parser. Malformed or non-mapping YAML is a warning, not
    an error: the note keeps its body and falls back to its file name for a title.
    """
    if not text.startswith("---"):
        return {}, text, []
    first_nl = text.find("\n")
    if first_nl == -1 or text[:first_nl].strip() != "---":
        return {}, text, []
    end = text.find("\n---", first_nl)
    while end != -1:
        line_end = text.find("\n", end + 1)
        closing = text[end + 1 : line_end if line_end != -1 else len(text)]
        if closing.strip() == "---":
            break
        end = text.find("\n---", end + 1)
    if end == -1:
        return {}, text, ["frontmatter is not closed by '---'; read as body"]
    raw = text[first_nl + 1 : end]
    body = text[line_end + 1 :] if line_end != -1 else ""
    meta = _simple_frontmatter(raw)
    if meta is not None:
        return meta, body, []
    if len(raw) > MAX_FRONTMATTER_CHARS:
        return {}, body, [f"frontmatter of {len(raw):,} characters not read; title taken "
                          "from file name"]
    import frontmatter  # the python-frontmatter package (imports are absolute)
    import yaml

    try:
        loaded = frontmatter.YAMLHandler().load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        return {}, body, [f"malformed YAML frontmatter{where}; title taken from file name"]
    except RecursionError:  # "[[[[..." thousands deep
        return {}, body, ["frontmatter nested too deep; title taken from file name"]
    if loaded is None:
        return {}, body, []
    if not isinstance(loaded, dict):
        return {}, body, [f"frontmatter is a YAML {type(loaded).__name__}, not a mapping"]
    return loaded, body, []


def _simple_frontmatter(raw: str) -> dict[str, Any] | None:
    meta: dict[str, Any] = {}
    for line in raw.split("\n"):
        if not line.strip():
            continue
        match = _FM_SIMPLE.fullmatch(line)
        if match is None:
            return None
        key, value = match.group(1), match.group(2).rstrip(" \t")
        if value and (value[0] in _YAML_SPECIAL_START or ": " in value or " #" in value):
            return None
        if value.endswith(":"):
            return None
        meta[key] = value
    return meta


def meta_str(meta: dict[str, Any], key: str) -> str | None:
    """A frontmatter value as one line of text; ``None`` when absent, empty or not a scalar."""
    value = meta.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    text = clean_line(str(value))
    return text or None


def meta_video_id(meta: dict[str, Any], where: str, warnings: list[str]) -> str | None:
    """The frontmatter ``videoId`` if it is a well-formed YouTube id, else ``None``.

    The value is untrusted text: ``abc) [Free Nitro](https://evil.example/?`` must never
    become part of a link. A value that is present but malformed is a warning (in
    ``warnings`` and in the log); the note is indexed all the same, without a video.
    """
    raw = meta_str(meta, "videoId")
    if raw is None:
        return None
    video_id = clean_video_id(raw)
    if video_id is None:
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        warnings.append(f"videoId {shown!r} is not a YouTube video id; note kept without a video")
        log.warning("%s: videoId %r is not a YouTube video id; note kept without a video",
                    where, shown)
    return video_id
