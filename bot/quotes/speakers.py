"""One identity per person within a channel."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Identity:
    channel: str
    name: str
    aliases: tuple[str, ...]


def name_key(name: str) -> str:
    """Casefolded, accents and punctuation dropped, white space single."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


def resolve(names: Mapping[str, Mapping[str, int]]) -> dict[tuple[str, str], Identity]:
    """Map (channel, name as written) to its identity (first version: by name_key only)."""
    result: dict[tuple[str, str], Identity] = {}
    for channel in sorted(names):
        groups: dict[str, list[str]] = {}
        for written in sorted(names[channel]):
            groups.setdefault(name_key(written), []).append(written)
        for members in groups.values():
            counts = names[channel]
            display = max(members, key=lambda n: (counts[n], n))
            ident = Identity(channel, display, tuple(sorted(members)))
            for member in members:
                result[(channel, member)] = ident
    return result
