"""Names as keys and display text: invisible marks dropped, case and white space folded."""

from __future__ import annotations

import functools
import re
import unicodedata

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


def is_hub_file(channel: str, slug: str) -> bool:
    """``acquiredfm/acquiredFM.md`` is the hub of ``acquiredfm``: names match, case aside."""
    return channel_key(slug) == channel_key(channel)
