"""Wikilinks: ``[[target#anchor|label]]`` in every shape a vault holds, turned into words.

No ``[[`` or ``]]`` may reach a member: a link becomes its label; an embed of a file
(``![[diagram.png]]``) its alias or nothing; what cannot be a link (``[[`` never closed,
closed only on a later line, a stray ``]]``) loses its brackets and keeps its words.

Each step is a bounded ``str.find`` or a regular expression without nested or
overlapping quantifiers, so a note made of ``[[`` repeated costs what its length does.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from bot.notes.names import clean_line, slug_key

MAX_TARGET = 400
_OPEN_RUN = re.compile(r"\[+")
_CLOSE_RUN = re.compile(r"\]+")
# a target runs to "|" or "]" (and holds no bracket, line break or tag); a label to "]"
# (a "[" or "<" in it is markup: see wikilink_at). Both are bounded and possessive.
_TARGET = re.compile(r"[^\[\]|\n<]{0,400}+")
_LABEL = re.compile(r"[^\[\]\n<]{0,400}+")
# runs of brackets that hold "[[" or "]]": removed whole, so that none is left over
_BRACKET_RUN = re.compile(r"[\[\]]{2,}")
_FILE_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|bmp|avif|tiff?|pdf|mp3|mp4|m4a|wav|ogg|webm|mov|canvas)$",
    re.IGNORECASE,
)
_SIZE = re.compile(r"\d{1,5}(?:x\d{1,5})?")

# (end of what the link replaces in the raw text, its text, (target, target_key, label)
# or None)
WikiLink = tuple[int, str, tuple[str, str, str] | None]


def link_target(raw: str) -> str:
    """A wikilink target cut at ``|`` and ``#``, invisible marks and spaces trimmed."""
    target = raw.split("|", 1)[0].split("#", 1)[0]
    return clean_line(target)


def wikilink_at(raw: str, start: int, embed: bool, markup_after: bool) -> WikiLink | int:
    """The wikilink whose run of ``[`` begins at ``start`` (``raw[start:start + 2] == "[["``).

    Returns the link, or, when there is none here, the position of the last ``[`` of
    the run (which may still open ``[text](url)`` or ``[00:01:02]``). ``embed`` says a
    ``!`` came just before; ``markup_after`` that ``raw`` is cut just before a timestamp
    anchor (the generator sometimes put one in a link's label).

    A label that holds markup (``[[note | [00:25:11]]]``, ``[[a|Using [[b|mCP]] servers]]``,
    an anchor) is not read here: the link ends at its ``|``, the label is rendered as
    the text it is, and its closing ``]]`` goes as a stray.
    """
    opened = _OPEN_RUN.match(raw, start)
    assert opened is not None
    inner_at = opened.end()
    target_end = _TARGET.match(raw, inner_at).end()  # type: ignore[union-attr]
    raw_target = raw[inner_at:target_end]
    if raw.startswith("]]", target_end):
        label_at = close = target_end
        raw_label = ""
    elif raw.startswith("|", target_end):
        label_at = target_end + 1
        close = _LABEL.match(raw, label_at).end()  # type: ignore[union-attr]
        raw_label = raw[label_at:close]
        if not raw.startswith("]]", close):
            if raw.startswith(("[", "<"), close) or (close == len(raw) and markup_after):
                link = _link(raw_target, "", embed)
                return label_at, "", link[1]
            return inner_at - 1
    else:
        return inner_at - 1
    closed = _CLOSE_RUN.match(raw, close)
    assert closed is not None
    end = closed.end()  # "[[a]]]" and "[[[[a]]]]": every bracket of the run goes
    text, link_record = _link(raw_target, raw_label, embed)
    return end, text, link_record


def _link(raw_target: str, raw_label: str, embed: bool) -> tuple[str, tuple[str, str, str] | None]:
    """The text a link shows and its record, from its target and label as written."""
    if raw_target.endswith("\\"):  # "[[x\|y]]": the escaped bar of a link in a table
        raw_target = raw_target[:-1]
    target = link_target(raw_target)
    label = clean_line(raw_label)
    if embed and _FILE_EXT.search(target):
        # an embedded file (an image, a recording): nothing here shows it; an alias that
        # is words, not a size ("|300", "|640x480"), is kept
        return ("" if _SIZE.fullmatch(label) else label), None
    if not label:
        anchor = raw_target.partition("#")[2].strip()
        # "[[note#Part]]" reads "note › Part"; a "#^block" id is not words
        label = clean_line(raw_target.replace("#", " › ")) if anchor[:1] not in ("", "^") else target
        if "_" in label and " " not in label:  # a bare slug reads as words
            label = label.replace("_", " ")
    key = slug_key(target)
    return label, ((target, key, label) if key else None)


def drop_stray_brackets(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """``text`` without any run of brackets that holds ``[[`` or ``]]``.

    Returns the new text and the cuts made, in order, as (start in ``text``, length,
    start in the new text), for :func:`shift_offset`.
    """
    pieces: list[str] = []
    cuts: list[tuple[int, int, int]] = []
    pos = 0
    removed = 0
    for match in _BRACKET_RUN.finditer(text):
        brackets = match.group(0)
        if "[[" not in brackets and "]]" not in brackets:
            continue  # "[]" or "][": ordinary text
        pieces.append(text[pos : match.start()])
        cuts.append((match.start(), len(brackets), match.start() - removed))
        removed += len(brackets)
        pos = match.end()
    if not cuts:
        return text, cuts
    pieces.append(text[pos:])
    return "".join(pieces), cuts


def shift_offset(offset: int, cuts: list[tuple[int, int, int]], starts: list[int]) -> int:
    """An offset into the text before :func:`drop_stray_brackets`, moved into the text
    after it (``starts`` are the cuts' starts in the old text, for bisection)."""
    k = bisect_right(starts, offset) - 1
    if k < 0:
        return offset
    old_start, length, new_start = cuts[k]
    if offset < old_start + length:  # at or inside a run that went: where it was
        return new_start
    return offset - (old_start - new_start + length)
