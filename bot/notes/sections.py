"""A topic note's structure: the lead it drops, its headings, and :func:`parse_note`.

Section text is stored as *plain text*: timestamp anchors are lifted out into
:class:`~bot.notes.records.Timestamp` records (with their offset in the text), wikilinks
are replaced by their label, HTML line breaks are dropped. That text is what the
full-text index sees and what replies quote, so it must read well on its own.
"""

from __future__ import annotations

import re
from functools import partial

from bot.notes.fences import Fences, fence_ranges
from bot.notes.frontmatter import meta_str, meta_video_id, split_frontmatter
from bot.notes.inline import RawLink, RawStamp, render_inline
from bot.notes.lines import BLANK_RUN, TRAILING_SPACE, LineMap
from bot.notes.names import clean_line
from bot.notes.quotes import CALLOUT_MARK, INDENTED_QUOTE_LINE, PREFIX_HINT, Stamps, quotes_in
from bot.notes.records import Blockquote, Link, ParsedNote, Section, Timestamp

MAX_TITLE_LENGTH = 300
MAX_SECTIONS = 2000

# the heading's text runs to the end of the line; a closing run of "#" is cut in Python
# (a regex that tries to skip it backtracks quadratically on a long run of "#")
_MARKDOWN_FENCE = re.compile(
    r"[ \t]{0,3}+(?P<fence>`{3,}+|~{3,}+)[ \t]*+(?:markdown|md)[ \t]*+\n", re.IGNORECASE)
_HEADING_LINE = re.compile(r"(#{1,3})[ \t]++(\S[^\n]*+)")
# possessive runs, and no "\s*" twice in a row before the end: a From line followed by a
# long run of spaces once took time in the square of its length
_FROM_LINE = re.compile(
    r"From:\s*+\[\[(?P<ch>[^\]|]*+)(?:\|[^\]]*+)?\]\]\s*+(?:<br\s*+/?>\s*+)?", re.IGNORECASE
)
_PREAMBLE = re.compile(
    r"^\s*+(?:here\s++is|here's|below\s++is)\s++(?:the|an|your)\b[^\n]{0,80}:\s*$", re.IGNORECASE
)
_HR = re.compile(r"\s*+(?:-{3,}+|\*{3,}+|_{3,}+)\s*+")
_HEADING_LINK = re.compile(r"\[([^\[\]]*+)\]\([^()\s]*+\)")
# a blank run is matched only from its first character: "[ \t]+$" tried every start
# inside a run of blanks followed by a word (quadratic)
_SPACE_RUN = re.compile(r"[ \t]{16,}")


def _tidy(raw: str) -> str:
    """Fold the white space that only bloats (trailing blanks, runs of empty lines)."""
    if " \n" in raw or "\t" in raw or raw.endswith(" "):
        raw = TRAILING_SPACE.sub("", raw)
    if "\n\n\n" in raw:
        raw = BLANK_RUN.sub("\n\n", raw)
    if "                " in raw or "\t\t" in raw:
        raw = _SPACE_RUN.sub(" ", raw)
    return raw


def _strip_lead(body: str) -> str:
    """Drop the ``From: [[channel]]`` line, generator preambles and rules before the content."""
    pos = 0
    while pos < len(body):
        nl = body.find("\n", pos)
        line = body[pos : nl if nl != -1 else len(body)].strip()
        if line and not (_FROM_LINE.fullmatch(line) or _PREAMBLE.match(line) or _HR.fullmatch(line)):
            break
        if nl == -1:
            return ""
        pos = nl + 1
    return body[pos:]


def unwrap_markdown_fence(body: str) -> str:
    """A body that opens with a ```` ```markdown ```` (or ``md``) fence is an article the
    generator wrapped whole: its fence lines become blank lines (the line count, and so
    every line number, stays) and what they held is read as the note. The fence ends at
    the first bare fence line after it, as in CommonMark, or at the end of the body."""
    opening = _MARKDOWN_FENCE.match(body)
    if opening is None:
        return body
    fence = opening.group("fence")
    at = opening.end()
    closing = re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}+[ \t]*+$",
                         re.MULTILINE).search(body, at)
    inner_end = closing.start() if closing is not None else len(body)
    after = body[closing.end():] if closing is not None else ""
    return "\n" + body[at:inner_end] + after


def _headings(body: str, fences: Fences) -> list[re.Match[str]]:
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
    there is always a place to point at. A ``videoId`` that is not a YouTube video id is
    dropped (with a warning): it never reaches a link.
    """
    warnings = list(warnings or [])
    meta, body, fm_warnings = split_frontmatter(text)
    warnings.extend(fm_warnings)
    title = meta_str(meta, "title") or clean_line(slug.replace("_", " ")) or slug
    if len(title) > MAX_TITLE_LENGTH:
        title = title[: MAX_TITLE_LENGTH - 1] + "…"
    video_id = meta_video_id(meta, f"{channel}/{slug}", warnings)

    content = _strip_lead(body)  # a suffix of ``text``: where it starts gives line numbers
    first_line = text.count("\n", 0, len(text) - len(content)) + 1
    stripped = unwrap_markdown_fence(content)
    body = _tidy(stripped)
    lines = LineMap(first_line, stripped, body)  # built only if a quote asks
    fences = Fences(fence_ranges(body))
    headings = _headings(body, fences)
    if len(headings) > MAX_SECTIONS:
        warnings.append(f"{len(headings)} headings; after the first {MAX_SECTIONS} kept as text")
        headings = headings[:MAX_SECTIONS]

    # (level, heading, the heading's stamps and links, raw text, offset of the raw text)
    pieces: list[tuple[int, str, list[RawStamp], list[RawLink], str, int]] = []
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
        # (a blockquote may be indented, under a list item)
        has_quotes = ">" in raw and (raw.lstrip().startswith(">") or "\n>" in raw
                                     or INDENTED_QUOTE_LINE.search(raw) is not None)
        display = CALLOUT_MARK.sub(r"\1", raw) if has_quotes and "[!" in raw else raw
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
        if has_quotes or PREFIX_HINT.search(raw):
            # quote positions are found in ``raw``; stamps' raw offsets refer to
            # ``display``, which differs only inside callout header lines
            positions = render_inline(raw)[1] if display is not raw else raw_stamps
            # the heading's moments count as the nearest for a quote that has none
            positions = [(sec, rep, 0, -1) for sec, rep, _, _ in head_stamps] + positions
            quotes.extend(quotes_in(raw, index, fences.within(raw_at, raw_at + len(raw)),
                                    Stamps(positions), has_quotes,
                                    partial(lines.line_after, raw_at)))
    if not sections:
        sections.append(Section(0, 0, "", ""))
    return ParsedNote(channel, slug, title, video_id, sections, links, stamps, quotes, warnings)
