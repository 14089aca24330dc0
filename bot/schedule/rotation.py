"""A server's shuffled rotation of its pool: no quote again until every one was posted.

Pure functions. A quote is known by :func:`quote_key`, which survives a rebuild of the
notes cache (note ids may change then): the note's channel and slug and the quote's words,
normalized and hashed. An edited quote gets a new key (the old one drops out of the pool,
the new one joins it); a deleted one drops out.

The order of a **cycle** is the pool sorted by a keyed hash of ``(seed, cycle, key)``:
random-looking, different per server (``seed``) and per cycle, and the same whoever
computes it. :func:`next_key` takes the first key of that order not used in the cycle yet
(the days of the cycle that were chosen, sent or posted: the store's ``used_keys``), so a
quote added mid-cycle just takes its place in the order, and one that left the pool is
never asked for. ``None``: the pool is used up, and the schedule moves to the next cycle.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Collection, Iterable

log = logging.getLogger(__name__)

KEY_CHARS = 24  # hex characters of a quote key (96 bits)
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_text(text: str) -> str:
    """The words of a quote as the key sees them: compatibility forms folded, case
    folded, punctuation and runs of white space as one space (so that re-typeset quote
    marks, dashes or line breaks keep the key)."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def quote_key(channel: str, slug: str, text: str) -> str:
    """The stable key of the quote ``text`` of the note ``channel/slug``."""
    material = f"{channel}\n{slug}\n{normalize_text(text)}".encode()
    return hashlib.blake2b(material, digest_size=KEY_CHARS // 2).hexdigest()


def rank(seed: int, cycle: int, key: str) -> bytes:
    """The place of ``key`` in the order of the server's (``seed``) ``cycle``: smaller first."""
    salt = f"{seed}:{cycle}".encode()
    return hashlib.blake2b(key.encode(), digest_size=8, key=salt[:64]).digest()


def order(pool: Iterable[str], seed: int, cycle: int) -> list[str]:
    """The whole order of a cycle (for tests and inspection)."""
    return sorted(set(pool), key=lambda k: (rank(seed, cycle, k), k))


def next_key(pool: Iterable[str], seed: int, cycle: int, used: Collection[str]) -> str | None:
    """The first key of the cycle's order that is not in ``used``; ``None`` when every key
    of the pool is (the pool is used up: go on with ``cycle + 1``)."""
    best: tuple[bytes, str] | None = None
    for key in pool:
        if key in used:
            continue
        candidate = (rank(seed, cycle, key), key)
        if best is None or candidate < best:
            best = candidate
    return best[1] if best is not None else None
