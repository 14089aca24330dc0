"""Lines (bot/search/lines.py): sorted lines searched by their bytes give the positions a
search of the decoded strings gives, whatever the characters."""

from __future__ import annotations

import bisect

from bot.search.lines import Lines

WORDS = sorted(["", "a", "ab", "abc", "b", "café", "cafe", "caf", "zoë", "zo", "z", "ß",
                "ω", "ωmega", "日本", "日", "😀", "😀x", "\U0010fffd"])
KEYS = [*WORDS, "aa", "ca", "cafz", "zz", "\x00", "\uffff", "日本語", "😁", "\ud800", "Ā"]


def test_byte_search_finds_what_a_string_search_finds() -> None:
    lines = Lines.of(WORDS)
    for key in KEYS:
        assert lines.bisect_left(key) == bisect.bisect_left(WORDS, key), key


def test_lines_added_later_are_searched_as_strings() -> None:
    lines = Lines.of(WORDS[:-3]).plus(WORDS[-3:])
    for key in KEYS:
        assert lines.bisect_left(key) == bisect.bisect_left(WORDS, key), key
    assert Lines().bisect_left("x") == 0
