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
# how far a label that holds markup may run to its "]]"
MAX_LABEL_MARKUP = 500
# a markdown link's label is at most 400 characters: its "]" lies this far at most
LABEL_REACH = 1 + 400 + 1
_OPEN_RUN = re.compile(r"\[+")
_CLOSE_RUN = re.compile(r"\]+")
# a target runs to "|" or "]" (and holds no bracket, line break or tag); a label to "]"
# (a "[" or "<" in it is markup: see wikilink_at). Both are bounded and possessive.
_TARGET = re.compile(r"[^\[\]|\n<]{0,400}+")
_LABEL = re.compile(r"[^\[\]\n<]{0,400}+")
_SIMPLE = re.compile(r"\[\[([^\[\]|\n<]{0,400}+)(?:\|([^\[\]\n<]{0,400}+))?\]\]")
# a whole run of brackets that holds "[[" or "]]" (removed, so that none is left over):
# tried only where a run starts, and the look-ahead stops at the run's end ("[]" stays)
_STRAY_RUN = re.compile(r"(?<![\[\]])(?=[\[\]]*?(?:\[\[|\]\]))[\[\]]++")
_FILE_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|bmp|avif|tiff?|pdf|mp3|mp4|m4a|wav|ogg|webm|mov|canvas)$",
    re.IGNORECASE,
)
_SIZE = re.compile(r"\d{1,5}(?:x\d{1,5})?")

# (end of what the link replaces in the raw text, its text, (target, target_key, label)
# or None)
WikiLink = tuple[int, str, tuple[str, str, str] | None]


_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")  # a time of the video, not a name


def bracket_may_open(raw: str, i: int) -> bool:
    """Whether the ``[`` at ``i`` may open ``[00:01:02]`` (a digit follows) or
    ``[label](url)`` (a ``]`` and ``(`` within a label's reach): a cheap test before the
    patterns are tried."""
    if raw[i + 1 : i + 2].isdigit():
        return True
    close = raw.find("]", i + 1, i + LABEL_REACH)
    return close != -1 and raw.startswith("(", close + 1)


def link_target(raw: str) -> str:
    """A wikilink target cut at ``|`` and ``#``, invisible marks and spaces trimmed."""
    target = raw.split("|", 1)[0].split("#", 1)[0]
    return clean_line(target)


def wikilink_at(raw: str, start: int, embed: bool, markup_after: bool) -> WikiLink | int:
    """The wikilink whose run of ``[`` begins at ``start`` (``raw[start:start + 2] == "[["``).

    Returns the link, or, when there is none here, the position to scan on from (the
    last ``[`` of the run when it may still open ``[text](url)`` or ``[00:01:02]``).
    ``embed`` says a ``!`` came just before; ``markup_after`` that ``raw`` is cut just
    before a timestamp anchor (the generator sometimes put one in a link's label).

    A label that holds markup (``[[note | [00:25:11]]]``, ``[[a|Using [[b|mCP]] servers]]``,
    an anchor) is not read here: the link ends at its ``|``, the label is rendered as
    the text it is, and its closing ``]]`` goes as a stray.
    """
    simple = _SIMPLE.match(raw, start)
    if simple is not None:  # "[[target]]" or "[[target|label]]": nearly every link
        return (simple.end(), *_link(simple.group(1), simple.group(2) or "", embed))
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
            # markup in the label, and the link's "]]" still to come (or cut off with the
            # anchor that follows)
            later = raw.startswith(("[", "<"), close) and raw.find("]]", close, close + MAX_LABEL_MARKUP) != -1
            if later or (close == len(raw) and markup_after):
                link = _link(raw_target, "", embed)
                return label_at, "", link[1]
            return _scan_on(raw, inner_at)
    else:
        return _scan_on(raw, inner_at)
    closed = _CLOSE_RUN.match(raw, close)
    assert closed is not None
    # as many "]" go as "[" opened ("[[[[a]]]]"); one more belongs to the text around it
    # ("[see [[a]]]")
    end = min(closed.end(), close + max(2, inner_at - start))
    text, link_record = _link(raw_target, raw_label, embed)
    return end, text, link_record


def _scan_on(raw: str, inner_at: int) -> int:
    """Where to scan on after a run of ``[`` that opens no wikilink: its last ``[``
    when that may still open something, else past the run."""
    return inner_at - 1 if bracket_may_open(raw, inner_at - 1) else inner_at


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
    if _CLOCK.fullmatch(target):  # "[[01:52:00]]": a time written as a link, not a note
        return label, None
    key = slug_key(target)
    return label, ((target, key, label) if key else None)


def drop_stray_brackets(text: str, want_cuts: bool) -> tuple[str, list[tuple[int, int, int]]]:
    """``text`` without any run of brackets that holds ``[[`` or ``]]``.

    With ``want_cuts``, also the cuts made, in order, as (start in ``text``, length, start
    in the new text), for :func:`shift_offset`.
    """
    if not want_cuts:
        return _STRAY_RUN.sub("", text), []
    pieces: list[str] = []
    cuts: list[tuple[int, int, int]] = []
    pos = 0
    removed = 0
    for match in _STRAY_RUN.finditer(text):
        pieces.append(text[pos : match.start()])
        cuts.append((match.start(), match.end() - match.start(), match.start() - removed))
        removed += match.end() - match.start()
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
