"""The note parser: pure functions from a note's text to its parts.

Nothing here touches the file system, the database or Discord. :func:`parse_note` turns
the text of one topic note into a :class:`ParsedNote`; :func:`parse_hub` reads a channel's
hub file into its episodes. :func:`decode_note` turns raw bytes into text, or says why a
file cannot be a note.

Section text is stored as *plain text*: timestamp anchors are lifted out into
:class:`Timestamp` records (with their offset in the text), wikilinks are replaced by their
label, HTML line breaks are dropped. That text is what the full-text index sees and what
replies quote, so it must read well on its own.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import frontmatter
import yaml

# The generator read at most four hours of captions: a larger hour is a unit error.
MAX_GENERATED_HOURS = 4
MAX_TITLE_LENGTH = 300
# A note's frontmatter is two short lines; YAML parsing is slow, so a huge block is refused.
MAX_FRONTMATTER_CHARS = 64 * 1024

# --------------------------------------------------------------------------- records
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
    url: str
    slugs: list[str]


@dataclass(slots=True)
class ParsedHub:
    channel: str
    title: str
    episodes: list[HubEpisode]


class NoteSkipped(Exception):
    """This file cannot be indexed as a note; ``str(exc)`` is the reason shown to the admin."""


# --------------------------------------------------------------------------- names

_INVISIBLE = dict.fromkeys(
    cp
    for cp in (
        0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E,
        *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070),
        0x3164, 0xFE0F, 0xFEFF, 0xFFA0,
    )
)
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """Drop zero-width and bidi control characters (U+200B, U+2068, BOM, ...)."""
    return text.translate(_INVISIBLE)


@functools.lru_cache(maxsize=8192)  # link targets repeat: a note links to a few dozen notes
def slug_key(name: str) -> str:
    """The key that a note name or link target resolves by.

    ``"Vinegar Production"``, ``"vinegar_production"`` and ``"vinegar production "`` all
    give ``"vinegar_production"``; apostrophes and hyphens vanish as the generator's
    slugs do (``"Smith-Levin's"`` -> ``"smithlevins"``).
    """
    if name.isascii():
        text = name.lower().strip()
    else:
        text = unicodedata.normalize("NFKC", strip_invisible(name)).casefold().strip()
    text = _NON_WORD.sub("", text)
    return _SPACES.sub("_", text).strip("_")


def channel_key(name: str) -> str:
    """A channel folder name as a key: invisible marks dropped, case folded."""
    return unicodedata.normalize("NFKC", strip_invisible(name)).strip().casefold()


def clean_line(text: str) -> str:
    """One line of display text: invisible marks dropped, white space folded."""
    if text.isascii():
        return " ".join(text.split())
    return " ".join(strip_invisible(text).split())


# --------------------------------------------------------------------------- decoding


def decode_note(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text: BOM dropped, CRLF folded, invalid UTF-8 replaced (with a warning).

    Raises :class:`NoteSkipped` for an empty or binary file.
    """
    if not data.strip():
        raise NoteSkipped("empty file")
    if b"\x00" in data[:8192]:
        raise NoteSkipped("binary file (NUL bytes), not a markdown note")
    warnings: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        warnings.append(f"invalid UTF-8 at byte {exc.start}; bad bytes replaced")
        text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
        if not text.strip():
            raise NoteSkipped("empty file")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, warnings


# --------------------------------------------------------------------------- frontmatter

_FM_SIMPLE = re.compile(r"^([A-Za-z_][\w-]*):[ \t]*(.*?)[ \t]*$")
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
    try:
        loaded = frontmatter.YAMLHandler().load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        return {}, body, [f"malformed YAML frontmatter{where}; title taken from file name"]
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
        match = _FM_SIMPLE.match(line)
        if match is None:
            return None
        key, value = match.groups()
        if value and (value[0] in _YAML_SPECIAL_START or ": " in value or " #" in value):
            return None
        if value.endswith(":"):
            return None
        meta[key] = value
    return meta


def _meta_str(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    text = clean_line(str(value))
    return text or None


# --------------------------------------------------------------------------- timestamps

_TS_VALUE = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$", re.ASCII)


@functools.lru_cache(maxsize=32768)
def parse_timestamp(raw: str) -> tuple[int, bool] | None:
    """A ``data-t`` value to ``(seconds, repaired)``, or ``None`` when it is malformed.

    Accepts ``HH:MM:SS``, ``H:MM:SS`` and ``MM:SS``. An hour of 4 or more cannot come from
    the generator (it read at most four hours): when the value reads as ``MM:SS`` followed
    by a stray field (hour < 60, minute < 60) it is repaired that way and flagged.
    """
    if len(raw) == 8 and raw[2] == ":" and raw[5] == ":":  # the usual HH:MM:SS
        # int() alone would take "-5", "+5" or " 5": every field must be two ASCII digits
        if not (raw.isascii() and raw[0:2].isdigit() and raw[3:5].isdigit()
                and raw[6:8].isdigit()):
            return None
        hours, minutes, seconds = int(raw[0:2]), int(raw[3:5]), int(raw[6:8])
        if minutes >= 60 or seconds >= 60:
            return None
        if hours >= MAX_GENERATED_HOURS:
            return hours * 60 + minutes, True
        return hours * 3600 + minutes * 60 + seconds, False
    match = _TS_VALUE.match(raw.strip())
    if match is None:
        return None
    a, b, c = match.groups()
    if c is None:  # MM:SS
        minutes, seconds = int(a), int(b)
        if seconds >= 60:
            return None
        return minutes * 60 + seconds, False
    hours, minutes, seconds = int(a), int(b), int(c)
    if minutes >= 60 or seconds >= 60:
        return None
    if hours >= MAX_GENERATED_HOURS:
        # "12:48:00" is 12:48 written with an extra field
        return hours * 60 + minutes, True
    return hours * 3600 + minutes * 60 + seconds, False


def format_seconds(seconds: int) -> str:
    """``754`` -> ``"12:34"``; ``3754`` -> ``"1:02:34"``."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --------------------------------------------------------------------------- inline markup

# Inline constructs start with "<" or "["; a cheap scan finds those, then one anchored
# pattern per construct decides (a single big alternation is several times slower).
_CANDIDATE = re.compile(r"[<\[]")
_ANCHOR = re.compile(r'<a class="yt-timestamp" data-t="([^"]*)">([^<]*)</a>')
_ANCHOR_ANY = re.compile(r"<a\b([^>]{0,300})>([^<]{0,100})</a>", re.IGNORECASE)
_DATA_T = re.compile(r'data-t\s*=\s*"([^"]*)"')
# a timestamp anchor the generator garbled: class "yt_timestamp", "yt=", "yt-00:09:59", ...
_YT_ATTRS = re.compile(r'class\s*=\s*"?yt|data-t', re.IGNORECASE)
# ... or left unclosed: '<a class="yt-timestamp" data-t="00:01:02">' or '...02]</a>'
_YT_OPEN = re.compile(
    r'<a\s+class\s*=\s*"?yt[^<>]{0,300}(?:</a>|>)(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?>?)?',
    re.IGNORECASE,
)
_ANY_TS = re.compile(r"(?<!\d)(\d{1,2}:\d{2}(?::\d{2})?)(?![\d:])")
# greedy groups (the lazy ones backtracked at every character): a target or label may end
# in spaces, which clean_line() trims
_WIKI = re.compile(r"\[\[([^\[\]|]{0,400})\s*(?:\|\s*([^\[\]]{0,400}))?\s*\]\]")
_MDLINK = re.compile(r"\[([^\[\]]{0,400})\]\(([^()\s]{0,2000})\)")
_BARE_TS = re.compile(r"\[(\d{1,2}:\d{1,2}(?::\d{1,2})?)\]")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LABEL_TS = re.compile(r"^\[?\s*(\d{1,2}:\d{1,2}(?::\d{1,2})?)\s*\]?$")
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|svg)$", re.IGNORECASE)


def _link_target(raw: str) -> str:
    """A wikilink target cut at ``|`` and ``#``, invisible marks and spaces trimmed."""
    target = raw.split("|", 1)[0].split("#", 1)[0]
    return clean_line(target)


def _stamp_from_label(label: str) -> tuple[int, bool] | None:
    match = _LABEL_TS.match(label.strip())
    return parse_timestamp(match.group(1)) if match else None


def _stamp_from_broken_anchor(tag: str) -> tuple[int, bool] | None:
    """The moment a garbled timestamp anchor names: its ``data-t``, else the first time in it."""
    data_t = _DATA_T.search(tag)
    stamp = parse_timestamp(data_t.group(1)) if data_t else None
    if stamp is None:
        found = _ANY_TS.search(tag)
        stamp = parse_timestamp(found.group(1)) if found else None
    return stamp


# (seconds, repaired, offset in the plain text, offset in the raw text)
_RawStamp = tuple[int, bool, int, int]
# (target, target_key, label)
_RawLink = tuple[str, str, str]


_CLOSING_PUNCTUATION = frozenset(".,;:!?)]")
_ANCHOR_FIXED = len('<a class="yt-timestamp" data-t="">[</a>') - 1


def render_inline(raw: str) -> tuple[str, list[_RawStamp], list[_RawLink]]:
    """Plain text of a stretch of markdown, with the timestamps and wikilinks lifted out.

    Timestamp anchors, bare ``[HH:MM:SS]`` marks and empty ``[..]()`` links vanish from the
    text and come back as stamps with their offset in the plain text; wikilinks become
    their label; image links their alt text; ``<br/>`` is dropped.
    """
    if "[" not in raw and "<" not in raw:
        return raw, [], []
    stamps: list[_RawStamp] = []
    links: list[_RawLink] = []
    if "yt-timestamp" not in raw:
        return _render_other(raw, 0, 0, stamps, links), stamps, links
    # The generator's own anchor form is most of the markup: let the regex engine cut
    # the text at each one, then walk the pieces (several times faster than scanning).
    parts = _ANCHOR.split(raw)
    out: list[str] = []
    out_len = 0
    raw_pos = 0
    for k in range(0, len(parts), 3):
        if k:
            value, label = parts[k - 2], parts[k - 1]
            stamp = parse_timestamp(value) or _stamp_from_label(label)
            if stamp is not None:
                stamps.append((stamp[0], stamp[1], out_len, raw_pos))
            raw_pos += _ANCHOR_FIXED + len(value) + len(label)
        text = parts[k]
        if k and text[:1] in _CLOSING_PUNCTUATION and out and out[-1].endswith(" "):
            # "words <a ...>[..]</a>." reads "words." once the anchor is gone
            out[-1] = out[-1][:-1]
            out_len -= 1
            if stamps and stamps[-1][2] > out_len:
                last = stamps[-1]
                stamps[-1] = (last[0], last[1], out_len, last[3])
        rendered = (
            _render_other(text, out_len, raw_pos, stamps, links)
            if "[" in text or "<" in text else text
        )
        out.append(rendered)
        out_len += len(rendered)
        raw_pos += len(text)
    return "".join(out), stamps, links


def _render_other(
    raw: str, out_base: int, raw_base: int, stamps: list[_RawStamp], links: list[_RawLink]
) -> str:
    """The rest of :func:`render_inline`: every construct but the canonical anchor."""
    out: list[str] = []
    out_len = out_base
    pos = 0
    scan = 0
    search = _CANDIDATE.search
    while True:
        found = search(raw, scan)
        if found is None:
            break
        i = found.start()
        replacement: str | None = None
        stamp: tuple[int, bool] | None = None
        end = i
        if raw[i] == "<":
            match = _ANCHOR.match(raw, i)
            if match is not None:
                stamp = parse_timestamp(match.group(1)) or _stamp_from_label(match.group(2))
                replacement, end = "", match.end()
            elif raw.startswith(("<a", "<A"), i):
                match = _ANCHOR_ANY.match(raw, i)
                if match is not None and _YT_ATTRS.search(match.group(1)):
                    data_t = _DATA_T.search(match.group(1))
                    stamp = (
                        (parse_timestamp(data_t.group(1)) if data_t else None)
                        or _stamp_from_label(match.group(2))
                        or _stamp_from_broken_anchor(match.group(0))
                    )
                    replacement, end = "", match.end()
                else:
                    match = _YT_OPEN.match(raw, i)
                    if match is not None:
                        stamp = _stamp_from_broken_anchor(match.group(0))
                        replacement, end = "", match.end()
            elif raw.startswith(("<br", "<BR"), i):
                match = _BR.match(raw, i)
                if match is not None:
                    replacement, end = "", match.end()
        elif raw.startswith("[[", i):
            match = _WIKI.match(raw, i)
            if match is not None:
                raw_target = match.group(1)
                target = _link_target(raw_target)
                label = clean_line(match.group(2) or "")
                if not label:
                    label = clean_line(raw_target.replace("#", " › ")) if "#" in raw_target else target
                    if "_" in label and " " not in label:  # a bare slug reads as words
                        label = label.replace("_", " ")
                key = slug_key(target)
                if key:
                    links.append((target, key, label))
                replacement, end = label, match.end()
        else:
            match = _BARE_TS.match(raw, i)
            if match is not None:
                stamp = parse_timestamp(match.group(1))
                if stamp is not None:
                    replacement, end = "", match.end()
                    if raw.startswith("()", end):  # an empty markdown link around the time
                        end += 2
            if replacement is None:
                match = _MDLINK.match(raw, i)
                if match is not None:
                    label, url = match.group(1), match.group(2)
                    is_image = i > pos and raw[i - 1] == "!"
                    if not url:
                        stamp = _stamp_from_label(label)
                        replacement = "" if stamp is not None else label
                    elif is_image or _IMAGE_EXT.search(url):
                        replacement = label  # the images do not exist: keep the words
                    elif url.startswith(("http://", "https://")):
                        replacement = match.group(0)
                    else:
                        replacement = label
                    end = match.end()
                    if is_image:
                        i -= 1
        if replacement is None:
            scan = i + 1
            continue
        piece = raw[pos:i]
        out.append(piece)
        out_len += len(piece)
        if stamp is not None:
            stamps.append((stamp[0], stamp[1], out_len, raw_base + i))
        out.append(replacement)
        out_len += len(replacement)
        pos = scan = end
    if not out:
        return raw
    out.append(raw[pos:])
    return "".join(out)


# --------------------------------------------------------------------------- structure

# the heading's text runs to the end of the line; a closing run of "#" is cut in Python
# (a regex that tries to skip it backtracks quadratically on a long run of "#")
_HEADING_LINE = re.compile(r"(#{1,3})[ \t]+(\S[^\n]*)")
_FENCE_LINE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})([^\n]*)", re.MULTILINE)
_FROM_LINE = re.compile(r"^From:\s*\[\[(?P<ch>[^\]|]*)(?:\|[^\]]*)?\]\]\s*(?:<br\s*/?>)?\s*$", re.I)
_PREAMBLE = re.compile(
    r"^\s*(?:here\s+is|here's|below\s+is)\s+(?:the|an|your)\b[^\n]{0,80}:\s*$", re.IGNORECASE
)
_HR = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_QUOTE_BLOCK = re.compile(r"^[ \t]*>[^\n]*(?:\n[ \t]*>[^\n]*)*", re.MULTILINE)
_QUOTE_MARK = re.compile(r"^[ \t]*> ?", re.MULTILINE)
_CALLOUT = re.compile(
    r"^\[!(?P<type>[^\]|]{1,40}?)(?:\|(?P<alt>[^\]\n]*))?\][+-]?[ \t]*(?P<title>[^\n]*)$"
)
_CALLOUT_MARK = re.compile(r"^([ \t]*>[ \t]*)\[![^\]\n]{1,60}\][+-]?[ \t]*", re.MULTILINE)
_DASH_ATTRIBUTION = re.compile(
    r"^(?P<words>.*\S)\s+[–—-]{1,2}\s*(?P<name>[A-Z][^–—\"“”\n]{1,80}?)\s*$", re.DOTALL
)
_ATTRIBUTION_LINE = re.compile(r"^(?P<dash>[–—]|-{1,3})\s*(?P<name>[^\s–—-].{0,100}?)\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s")
_NAME_PREFIX = re.compile(
    r"^[ \t]*\**(?P<name>[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3})\**:\**[ \t]+"
    r"(?P<words>[\"“][^\n]+)$",
    re.MULTILINE,
)
_HEADING_LINK = re.compile(r"\[([^\[\]]*)\]\([^()\s]*\)")
_PREFIX_HINT = re.compile(r":\**[ \t]+[\"“]")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")
_SPACE_RUN = re.compile(r"[ \t]{16,}")
_QUOTE_CALLOUTS = frozenset({"quote", "cite"})
# Words that make a "Name:" prefix a label, not a speaker ("Question:", "Example Answer:")
_LABEL_WORDS = frozenset({
    "answer", "ask", "asked", "asking", "bot", "definition", "example", "examples",
    "exercise", "input", "instruction", "key", "lesson", "mantra", "motto", "note", "output",
    "prompt", "query", "question", "quote", "reply", "response", "result", "rule", "says",
    "statement", "step", "summary", "takeaway", "tip", "title", "user",
})
MAX_SECTIONS = 2000


def _tidy(raw: str) -> str:
    """Fold the white space that only bloats (trailing blanks, runs of empty lines)."""
    if " \n" in raw or "\t" in raw or raw.endswith(" "):
        raw = _TRAILING_SPACE.sub("", raw)
    if "\n\n\n" in raw:
        raw = _BLANK_RUN.sub("\n\n", raw)
    if "                " in raw or "\t\t" in raw:
        raw = _SPACE_RUN.sub(" ", raw)
    return raw


def _strip_lead(body: str) -> str:
    """Drop the ``From: [[channel]]`` line, generator preambles and rules before the content."""
    pos = 0
    while pos < len(body):
        nl = body.find("\n", pos)
        line = body[pos : nl if nl != -1 else len(body)].strip()
        if line and not (_FROM_LINE.match(line) or _PREAMBLE.match(line) or _HR.match(line)):
            break
        if nl == -1:
            return ""
        pos = nl + 1
    return body[pos:]


def _fence_ranges(body: str) -> list[tuple[int, int]]:
    """(start, end) of each fenced code block, in order; an unclosed fence runs to the end.

    As in CommonMark, a backtick fence's info string holds no backtick ("``` x ``` y" is
    inline code, not a fence), and a fence closes only on a bare run of its own character
    at least as long as the one that opened it.
    """
    if "```" not in body and "~~~" not in body:
        return []
    ranges: list[tuple[int, int]] = []
    open_at: int | None = None
    marker = ""
    for match in _FENCE_LINE.finditer(body):
        run, rest = match.group(1), match.group(2)
        if open_at is None:
            if run[0] == "`" and "`" in rest:
                continue
            open_at, marker = match.start(), run
        elif run[0] == marker[0] and len(run) >= len(marker) and not rest.strip():
            ranges.append((open_at, match.end()))
            open_at = None
    if open_at is not None:
        ranges.append((open_at, len(body)))
    return ranges


class _Fences:
    """Sorted, non-overlapping (start, end) ranges, searched by bisection.

    A hostile note can hold thousands of fences and thousands of headings or quotes:
    testing each position against every fence would be quadratic.
    """

    __slots__ = ("ends", "ranges", "starts")

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.ranges = ranges
        self.starts = [a for a, _ in ranges]
        self.ends = [b for _, b in ranges]

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def inside(self, pos: int) -> bool:
        k = bisect_right(self.starts, pos) - 1
        return k >= 0 and pos < self.ends[k]

    def within(self, start: int, stop: int) -> _Fences:
        """The fences that overlap ``[start, stop)``, shifted to count from ``start``."""
        lo, hi = bisect_right(self.ends, start), bisect_left(self.starts, stop)
        return _Fences([(a - start, b - start) for a, b in self.ranges[lo:hi]])


def _headings(body: str, fences: _Fences) -> list[re.Match[str]]:
    """The ``#``, ``##`` and ``###`` heading lines outside code fences, in order."""
    found: list[re.Match[str]] = []
    pos = 0 if body.startswith("#") else body.find("\n#")
    while pos != -1:
        start = pos if pos == 0 and body.startswith("#") else pos + 1
        match = _HEADING_LINE.match(body, start)
        if match is not None and not (fences and fences.inside(start)):
            found.append(match)
        pos = body.find("\n#", start)
    return found


def _heading_text(raw: str) -> str:
    """A heading line's text without its optional closing ``#`` run ("## C#" keeps its "#")."""
    text = raw.rstrip()
    if text.endswith("#"):
        cut = text.rstrip("#")
        if not cut or cut[-1] in " \t":
            text = cut.rstrip()
    return text


def parse_note(text: str, channel: str, slug: str, warnings: list[str] | None = None) -> ParsedNote:
    """Parse one topic note's text (already decoded) into its parts.

    ``channel`` is the folder name and ``slug`` the file name without ``.md``. Never raises
    for odd content: what cannot be read is left out and, where it matters, noted in
    ``warnings``. Every note has at least one section (an empty one for a stub), so that
    there is always a place to point at.
    """
    warnings = list(warnings or [])
    meta, body, fm_warnings = split_frontmatter(text)
    warnings.extend(fm_warnings)
    title = _meta_str(meta, "title") or clean_line(slug.replace("_", " ")) or slug
    if len(title) > MAX_TITLE_LENGTH:
        title = title[: MAX_TITLE_LENGTH - 1] + "…"
    video_id = _meta_str(meta, "videoId")

    body = _tidy(_strip_lead(body))
    fences = _Fences(_fence_ranges(body))
    headings = _headings(body, fences)
    if len(headings) > MAX_SECTIONS:
        warnings.append(f"{len(headings)} headings; after the first {MAX_SECTIONS} kept as text")
        headings = headings[:MAX_SECTIONS]

    # (level, heading, the heading's stamps and links, raw text, offset of the raw text)
    pieces: list[tuple[int, str, list[_RawStamp], list[_RawLink], str, int]] = []
    first = headings[0].start() if headings else len(body)
    pieces.append((0, "", [], [], body[:first], 0))
    for n, match in enumerate(headings):
        stop = headings[n + 1].start() if n + 1 < len(headings) else len(body)
        start = min(match.end() + 1, stop)
        heading, head_stamps, head_links = render_inline(_heading_text(match.group(2)))
        if "](" in heading:  # a heading is a name, not a place to follow a link from
            heading = _HEADING_LINK.sub(r"\1", heading)
        pieces.append((len(match.group(1)), clean_line(heading), head_stamps, head_links,
                       body[start:stop], start))

    sections: list[Section] = []
    links: list[Link] = []
    stamps: list[Timestamp] = []
    quotes: list[Blockquote] = []
    for level, heading, head_stamps, head_links, raw, raw_at in pieces:
        if not raw.strip() and not heading:
            continue
        index = len(sections)
        has_quotes = ">" in raw and (raw.lstrip().startswith(">") or "\n>" in raw
                                     or "\n >" in raw)
        display = _CALLOUT_MARK.sub(r"\1", raw) if has_quotes and "[!" in raw else raw
        plain, raw_stamps, raw_links = render_inline(display)
        lead = len(plain) - len(plain.lstrip("\n"))
        plain = plain.strip("\n")
        sections.append(Section(index, level, heading, plain))
        # a moment or a link in the heading belongs to its section, at its very start
        links.extend(Link(t, k, label, index) for t, k, label in head_links)
        links.extend(Link(t, k, label, index) for t, k, label in raw_links)
        stamps.extend(Timestamp(sec, index, 0, rep) for sec, rep, _, _ in head_stamps)
        stamps.extend(
            Timestamp(sec, index, max(0, min(len(plain), off - lead)), rep)
            for sec, rep, off, _ in raw_stamps
        )
        if has_quotes or _PREFIX_HINT.search(raw):
            # quote positions are found in ``raw``; stamps' raw offsets refer to
            # ``display``, which differs only inside callout header lines
            positions = render_inline(raw)[1] if display is not raw else raw_stamps
            # the heading's moments count as the nearest for a quote that has none
            positions = [(sec, rep, 0, -1) for sec, rep, _, _ in head_stamps] + positions
            quotes.extend(_quotes_in(raw, index, fences.within(raw_at, raw_at + len(raw)),
                                     _Stamps(positions), has_quotes))
    if not sections:
        sections.append(Section(0, 0, "", ""))
    return ParsedNote(channel, slug, title, video_id, sections, links, stamps, quotes, warnings)


class _Stamps:
    """A section's stamps in raw-text order, searched by bisection (never quadratic)."""

    __slots__ = ("positions", "stamps")

    def __init__(self, stamps: list[_RawStamp]) -> None:
        self.stamps = sorted(stamps, key=lambda s: s[3])
        self.positions = [s[3] for s in self.stamps]

    def seconds_for(self, start: int, stop: int) -> int | None:
        """The first stamp inside ``[start, stop)``, else the stamp nearest to ``start``."""
        if not self.stamps:
            return None
        k = bisect_left(self.positions, start)
        if k < len(self.stamps) and self.positions[k] < stop:
            return self.stamps[k][0]
        if k == 0:
            return self.stamps[0][0]
        if k == len(self.stamps):
            return self.stamps[-1][0]
        before, after = self.positions[k - 1], self.positions[k]
        return self.stamps[k - 1 if start - before <= after - start else k][0]


def _quotes_in(
    raw: str, index: int, fences: _Fences, stamps: _Stamps, has_quotes: bool,
) -> list[Blockquote]:
    found: list[Blockquote] = []
    if has_quotes:
        for block in _QUOTE_BLOCK.finditer(raw):
            found.append(_quote_from_block(block.group(0), index, block.start(),
                                           fences.inside(block.start()), stamps))
    if _PREFIX_HINT.search(raw):
        for prefix in _NAME_PREFIX.finditer(raw):
            if fences.inside(prefix.start()):
                continue
            name = clean_line(prefix.group("name"))
            if not _is_speaker(name):
                continue  # "Question:", "Example:": a label, not somebody speaking
            words = render_inline(prefix.group("words"))[0].strip()
            seconds = stamps.seconds_for(prefix.start(), prefix.end())
            found.append(Blockquote(index, words, "prefix", name, seconds, False))
    return found


def _is_speaker(name: str) -> bool:
    """A ``Name:`` prefix names a speaker when it is a full name and no label word.

    Single words are nearly always labels in the vault ("Question", "Example",
    "Salesperson"); a first name alone is too rare to be worth those false speakers.
    """
    words = name.replace("*", " ").split()
    return len(words) >= 2 and not any(w.lower().strip(".") in _LABEL_WORDS for w in words)


def _quote_from_block(
    block: str, section: int, at: int, in_code: bool, stamps: _Stamps
) -> Blockquote:
    """Work out a blockquote's shape and the attribution the note gives it."""
    seconds = stamps.seconds_for(at, at + len(block))
    inner = _QUOTE_MARK.sub("", block)
    lines = [line.rstrip() for line in render_inline(inner)[0].split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return Blockquote(section, "", "plain", None, seconds, in_code)
    callout = _CALLOUT.match(lines[0].strip())
    if callout is not None:
        kind_name = clean_line(callout.group("type")).lower()
        title = clean_line(callout.group("title") or callout.group("alt") or "")
        words = "\n".join(lines[1:]).strip()
        if kind_name in _QUOTE_CALLOUTS:
            if not words:  # the header holds the words themselves
                return Blockquote(section, title, "callout", None, seconds, in_code)
            return Blockquote(section, words, "callout", title or None, seconds, in_code)
        return Blockquote(section, words or title, f"callout:{kind_name}", title or None,
                          seconds, in_code)
    last = lines[-1].strip()
    if len(lines) > 1:
        attribution = _ATTRIBUTION_LINE.match(last)
        if attribution is not None:
            words = "\n".join(lines[:-1]).strip()
            # "- item" after other lines is usually the end of a list, not a name: a
            # single hyphen counts only under quoted words that are not list items
            if attribution.group("dash") != "-" or (
                _looks_quoted(words) and not any(_LIST_ITEM.match(x) for x in lines[:-1])
            ):
                return Blockquote(section, words, "attribution",
                                  clean_line(attribution.group("name")), seconds, in_code)
    dash = _DASH_ATTRIBUTION.match(last)
    if dash is not None and _looks_quoted(dash.group("words")):
        words = "\n".join([*lines[:-1], dash.group("words")]).strip()
        return Blockquote(section, words, "dash", clean_line(dash.group("name")), seconds,
                          in_code)
    return Blockquote(section, "\n".join(lines).strip(), "plain", None, seconds, in_code)


def _looks_quoted(words: str) -> bool:
    words = words.strip()
    return words[:1] in "\"“'‘" and words[-1:] in "\"”'’.!?"


# --------------------------------------------------------------------------- hubs

_HUB_EPISODE = re.compile(
    r"^#{2,4}\s*\[(?P<title>.+)\]\((?P<url>https?://[^)\s]*?(?:v=|youtu\.be/)(?P<id>[\w-]{6,20})[^)\s]*)\)\s*$"
)
_HUB_LINK = re.compile(r"\[\[(?P<target>[^\[\]|]*)")


def parse_hub(text: str, channel: str) -> ParsedHub:
    """A channel's hub file: its episodes (title, URL, video id) and each one's notes."""
    meta, body, _ = split_frontmatter(text)
    title = _meta_str(meta, "title") or channel
    episodes: list[HubEpisode] = []
    current: HubEpisode | None = None
    for line in body.split("\n"):
        match = _HUB_EPISODE.match(line.strip())
        if match is not None:
            current = HubEpisode(
                match.group("id"), clean_line(match.group("title")), match.group("url"), []
            )
            episodes.append(current)
            continue
        if current is not None:
            for link in _HUB_LINK.finditer(line):
                target = _link_target(link.group("target"))
                if target:
                    current.slugs.append(target)
    return ParsedHub(channel, title, episodes)


def is_hub_file(channel: str, slug: str) -> bool:
    """``acquiredfm/acquiredFM.md`` is the hub of ``acquiredfm``: names match, case aside."""
    return channel_key(slug) == channel_key(channel)


_DIRECTORY_LINE = re.compile(r"\[\[(?P<target>[^\[\]|]+?)\s*(?:\|\s*(?P<label>[^\[\]]+?))?\s*\]\]")


def parse_directory(text: str) -> dict[str, str]:
    """``directory.md``: channel key -> display name (``[[lexfridman | Lex Fridman Podcast]]``)."""
    _, body, _ = split_frontmatter(text)
    names: dict[str, str] = {}
    for match in _DIRECTORY_LINE.finditer(body):
        target = channel_key(_link_target(match.group("target")))
        label = clean_line(match.group("label") or "")
        if target and label:
            names.setdefault(target, label)
    return names
