"""Text that came from a member (a query, an option value) made safe to search and to echo.

Members can paste anything: NUL, byte-order marks, bidirectional overrides and isolates that
reorder what Discord shows, zero-width marks. :func:`clean_user_text` drops all of those and
every other control character (a newline or tab becomes a space), so nothing invisible is
searched for, shown back in a reply, or put into an autocomplete choice.
"""

from __future__ import annotations

import re
import unicodedata

# characters that are not control characters (category Cc) but are invisible or reorder text
_FORMAT_EXTRA = frozenset({0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0})


def _drop(ch: str) -> bool:
    category = unicodedata.category(ch)
    # Cc: C0/C1 controls (NUL, ESC...); Cf: format (bidi marks, isolates, overrides, BOM,
    # zero-width joiners); Cs/Co/Cn: surrogates, private use, unassigned
    return category in {"Cc", "Cf", "Cs", "Co", "Cn"} or ord(ch) in _FORMAT_EXTRA


def clean_user_text(text: str, limit: int | None = None) -> str:
    """``text`` without invisible or control characters, white space folded, at most
    ``limit`` characters (cut before cleaning too, so a huge paste costs little)."""
    if limit is not None:
        text = text[: limit * 2]
    if text.isascii() and text.isprintable():
        cleaned = text
    else:
        cleaned = "".join(" " if ch in "\t\n\r\v\f" else ch for ch in text if ch in "\t\n\r\v\f" or not _drop(ch))
    folded = " ".join(cleaned.split())
    return folded[:limit] if limit is not None else folded


# ``[[target]]``, ``[[target|label]]``, ``[[target \| label]]``, ``![[embed]]``: the label
# (or the target's last path part) is shown; a character class without brackets keeps it linear
_WIKILINK = re.compile(r"!?\[\[([^\[\]\n]*)\]\]")
_LEFTOVER_BRACKETS = re.compile(r"\[\[|\]\]")


def _wikilink_label(match: re.Match[str]) -> str:
    inner = match.group(1).replace("\\|", "|")
    target, bar, label = inner.partition("|")
    shown = label if bar else target.split("#", 1)[0].rsplit("/", 1)[-1]
    return shown.strip() or target.strip()


def unwikilink(text: str) -> str:
    """``[[target | label]]`` shown as ``label`` (``[[target]]`` as ``target``); stray
    ``[[`` and ``]]`` dropped, so no raw wikilink reaches a reader."""
    if "[[" not in text and "]]" not in text:
        return text
    return _LEFTOVER_BRACKETS.sub("", _WIKILINK.sub(_wikilink_label, text))


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near
    (never after a lone escaping backslash)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    # do not leave a dangling escape backslash
    while cut.endswith("\\"):
        cut = cut[:-1]
    return cut.rstrip() + ellipsis


def balance_quotes(text: str) -> str:
    """A piece of a quotation cut out alone ('"A wall is a suggestion.') without the
    quote mark that has no partner in it, at its start or its end."""
    for opening, closing in (('"', '"'), ("“", "”")):
        if opening == closing:
            unmatched = text.count(opening) % 2 == 1
            starts, ends = unmatched, unmatched
        else:
            starts = text.count(opening) > text.count(closing)
            ends = text.count(closing) > text.count(opening)
        if starts and text.startswith(opening):
            text = text[1:].lstrip()
        elif ends and text.rstrip(".,;:!?").endswith(closing):
            cut = text.rstrip(".,;:!?")
            text = cut[:-1].rstrip() + text[len(cut):]
    return text
