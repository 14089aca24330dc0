"""Inline markup of a stretch of note text: timestamp anchors, wikilinks, markdown links.

:func:`render_inline` turns markdown into the *plain text* that is stored, indexed and
quoted, and lifts the moments (timestamps) and wikilinks out of it.

Every pattern here is tried at a position a cheap scan found, and none has two
quantifiers that can share a character without a possessive ``+`` or a bound: a hostile
note (``<a`` repeated, ``[a](`` without ``)``) costs time in proportion to its length.
"""

from __future__ import annotations

import re

from bot.notes.timestamps import parse_timestamp
from bot.notes.wikilinks import drop_stray_brackets, shift_offset, wikilink_at

# (seconds, repaired, offset in the plain text, offset in the raw text)
RawStamp = tuple[int, bool, int, int]
# (target, target_key, label)
RawLink = tuple[str, str, str]

# Inline constructs start with "<a", "<br" or "["; a cheap scan finds those, then one
# anchored pattern per construct decides (a single big alternation is several times slower).
# The scan skips, without leaving the regex engine, a "[" that can open nothing: a run of
# "[" that is no wikilink's (a target, then "]]" or "|"), and a single "[" without a digit
# ("[00:01:02]") or a "](" within a label's reach after it. Each alternative is bounded or
# possessive, and a run of "[" is tried once, from its start. (Every alternative begins
# with "<" or "[", so that the engine can skip to those: a look-behind first would make
# it try each alternative at every character, twice as slow over the real vault.)
_CANDIDATE = re.compile(
    r"<[aAbB]"
    r"|\[(?:(?<!\[\[)\[++[^\[\]|\n<]{0,400}+(?:\]\]|\|)|(?=\d)|(?=[^\[\]]{0,400}+\]\())"
)
_ANCHOR = re.compile(r'<a class="yt-timestamp" data-t="([^"]*+)">([^<]*+)</a>')
_ANCHOR_ANY = re.compile(r"<a\b([^>]{0,300}+)>([^<]{0,100}+)</a>", re.IGNORECASE)
_DATA_T = re.compile(r'data-t\s*+=\s*+"([^"]*+)"')
# a timestamp anchor the generator garbled: class "yt_timestamp", "yt=", "yt-00:09:59", ...
_YT_ATTRS = re.compile(r'class\s*+=\s*+"?yt|data-t', re.IGNORECASE)
# ... or left unclosed: '<a class="yt-timestamp" data-t="00:01:02">' or '...02]</a>'
_YT_OPEN = re.compile(
    r'<a\s++class\s*+=\s*+"?yt[^<>]{0,300}+(?:</a>|>)(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?>?)?',
    re.IGNORECASE,
)
_ANY_TS = re.compile(r"(?<!\d)(\d{1,2}:\d{2}(?::\d{2})?)(?![\d:])")
_MDLINK = re.compile(r"\[([^\[\]]{0,400}+)\]\(([^()\s]{0,2000}+)\)")
_BARE_TS = re.compile(r"\[(\d{1,2}:\d{1,2}(?::\d{1,2})?)\]")
_BR = re.compile(r"<br\s*+/?>", re.IGNORECASE)
_LABEL_TS = re.compile(r"\[?\s*+(\d{1,2}:\d{1,2}(?::\d{1,2})?)\s*+\]?")
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|svg)$", re.IGNORECASE)

_CLOSING_PUNCTUATION = frozenset(".,;:!?)]")
_ANCHOR_FIXED = len('<a class="yt-timestamp" data-t="">[</a>') - 1
# _ANCHOR_ANY reads at most this far for the ">" that ends the tag
_TAG_REACH = len("<a") + 300 + 1


def _stamp_from_label(label: str) -> tuple[int, bool] | None:
    match = _LABEL_TS.fullmatch(label.strip())
    return parse_timestamp(match.group(1)) if match else None


def _stamp_from_broken_anchor(tag: str) -> tuple[int, bool] | None:
    """The moment a garbled timestamp anchor names: its ``data-t``, else the first time in it."""
    data_t = _DATA_T.search(tag)
    stamp = parse_timestamp(data_t.group(1)) if data_t else None
    if stamp is None:
        found = _ANY_TS.search(tag)
        stamp = parse_timestamp(found.group(1)) if found else None
    return stamp


def render_inline(raw: str) -> tuple[str, list[RawStamp], list[RawLink]]:
    """Plain text of a stretch of markdown, with the timestamps and wikilinks lifted out.

    Timestamp anchors, bare ``[HH:MM:SS]`` marks and empty ``[..]()`` links vanish from the
    text and come back as stamps with their offset in the plain text; wikilinks become
    their label; image links their alt text; ``<br/>`` is dropped. No ``[[`` or ``]]`` is
    left in the text, whatever the note held.
    """
    if "[" not in raw and "<" not in raw:
        if "]]" in raw:
            return drop_stray_brackets(raw, want_cuts=False)[0], [], []
        return raw, [], []
    stamps: list[RawStamp] = []
    links: list[RawLink] = []
    leftovers = False
    if "yt-timestamp" not in raw:
        text = _render_other(raw, 0, 0, stamps, links)
    else:
        text, leftovers = _render_with_anchors(raw, stamps, links)
    if "[[" in text or "]]" in text:
        text, cuts = drop_stray_brackets(text, want_cuts=bool(stamps))
        if cuts:
            starts = [cut[0] for cut in cuts]
            stamps = [(sec, rep, shift_offset(off, cuts, starts), at) for sec, rep, off, at in stamps]
    if leftovers:
        text, stamps = _drop_leftovers(text, stamps)
    return text, stamps, links


# What a cut-out anchor leaves around it: "words ." (a space before punctuation), "()"
# and "[]" that held it, a run of commas between anchors ("1/12,,."); only removed where a
# stamp sits, so "f()" or "x = []" written in a note stays
_AROUND = " \t([,"  # what a stamp with leftovers has just before it (or "," after it)
_BEFORE = " \t([,"  # just before an anchor, and ...
_AFTER = " \t.,;:!?)]"  # ... just after it: maybe punctuation left behind
_AFTER_STRICT = ".,;:!?)]"  # after "(", "[" or ",": only these make leftovers
_REACH = 24  # characters looked at on each side of a stamp
_LEFTOVER = re.compile(
    r"[ \t]*+(?P<open>[(\[])[ \t]*+[)\]]|[ \t]++(?=[.,;:!?)\]])|,(?=[ \t]*+[,.;:!?)])")


def _drop_leftovers(text: str, stamps: list[RawStamp]) -> tuple[str, list[RawStamp]]:
    """``text`` without the punctuation that anchors cut out of it left behind, and the
    stamps' offsets moved with it. Only a few characters around each stamp are looked at."""
    pieces: list[str] = []
    cuts: list[tuple[int, int, int]] = []
    pos = removed = 0
    for off in sorted({off for _, _, off, _ in stamps}):
        if off < pos:
            continue
        if not ((off and text[off - 1] in _AROUND) or text[off : off + 1] == ","):
            continue  # "word<anchor>.": nothing left behind
        for match in _LEFTOVER.finditer(text, max(pos, off - _REACH), off + _REACH):
            if match.end() < off or match.start() > off:
                continue
            opened = match.group("open")
            if opened and not match.start("open") < off < match.end():
                continue  # "foo()" the note wrote, next to the stamp
            pieces.append(text[pos : match.start()])
            cuts.append((match.start(), match.end() - match.start(), match.start() - removed))
            removed += match.end() - match.start()
            pos = match.end()
    if not cuts:
        return text, stamps
    pieces.append(text[pos:])
    starts = [cut[0] for cut in cuts]
    return "".join(pieces), [(sec, rep, shift_offset(off, cuts, starts), raw_at)
                             for sec, rep, off, raw_at in stamps]


def _render_with_anchors(raw: str, stamps: list[RawStamp],
                         links: list[RawLink]) -> tuple[str, bool]:
    """The text, and whether an anchor may have left punctuation behind ("words ().",
    "1/12,,."): then :func:`_drop_leftovers` has a look."""
    # The generator's own anchor form is most of the markup: let the regex engine cut
    # the text at each one, then walk the pieces (several times faster than scanning).
    parts = _ANCHOR.split(raw)
    out: list[str] = []
    out_len = 0
    raw_pos = 0
    leftovers = False
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
        if k and not leftovers and text[:1] in _AFTER:
            before = next((piece[-1] for piece in reversed(out) if piece), "")
            leftovers = before in _BEFORE and (before in " \t" or text[:1] in _AFTER_STRICT)
        rendered = (
            _render_other(text, out_len, raw_pos, stamps, links, k + 1 < len(parts))
            if "[" in text or "<" in text else text
        )
        out.append(rendered)
        out_len += len(rendered)
        raw_pos += len(text)
    return "".join(out), leftovers


def _render_tag(raw: str, i: int) -> tuple[str, int, tuple[int, bool] | None] | None:
    """An ``<a ...>`` timestamp anchor (however garbled) or a ``<br>`` at ``i``:
    (replacement, end, stamp), or ``None`` when there is none."""
    match = _ANCHOR.match(raw, i)
    if match is not None:
        return "", match.end(), parse_timestamp(match.group(1)) or _stamp_from_label(match.group(2))
    if raw.startswith(("<a", "<A"), i):
        # no ">" within reach: _ANCHOR_ANY cannot match (a cheap test for "<a" repeated)
        match = _ANCHOR_ANY.match(raw, i) if raw.find(">", i, i + _TAG_REACH) != -1 else None
        if match is not None and _YT_ATTRS.search(match.group(1)):
            data_t = _DATA_T.search(match.group(1))
            stamp = (
                (parse_timestamp(data_t.group(1)) if data_t else None)
                or _stamp_from_label(match.group(2))
                or _stamp_from_broken_anchor(match.group(0))
            )
            return "", match.end(), stamp
        match = _YT_OPEN.match(raw, i)
        if match is not None:
            return "", match.end(), _stamp_from_broken_anchor(match.group(0))
    elif raw.startswith(("<br", "<BR"), i):
        match = _BR.match(raw, i)
        if match is not None:
            return "", match.end(), None
    return None


def _render_other(
    raw: str, out_base: int, raw_base: int, stamps: list[RawStamp], links: list[RawLink],
    anchor_after: bool = False,
) -> str:
    """The rest of :func:`render_inline`: every construct but the canonical anchor
    (``anchor_after``: one was cut out just after ``raw``)."""
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
            tag = _render_tag(raw, i)
            if tag is not None:
                replacement, end, stamp = tag
        elif raw.startswith("[[", i):
            embed = i > pos and raw[i - 1] == "!"
            wiki = wikilink_at(raw, i, embed, anchor_after)
            if isinstance(wiki, int):
                # not a link: its last "[" may still open "[text](url)" or "[00:01:02]";
                # what is left of the run goes with the other stray brackets at the end
                scan = wiki
                continue
            else:
                end, replacement, link = wiki
                if link is not None:
                    links.append(link)
                if embed:
                    i -= 1
        else:
            match = _BARE_TS.match(raw, i) if raw[i + 1 : i + 2].isdigit() else None
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
