"""Fenced code blocks: where they are, and a quick test whether a position is inside one."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

_FENCE_LINE = re.compile(r"^[ \t]{0,3}(`{3,}+|~{3,}+)([^\n]*+)", re.MULTILINE)


def fence_ranges(body: str) -> list[tuple[int, int]]:
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


class Fences:
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

    def within(self, start: int, stop: int) -> Fences:
        """The fences that overlap ``[start, stop)``, shifted to count from ``start``."""
        lo, hi = bisect_right(self.ends, start), bisect_left(self.starts, stop)
        return Fences([(a - start, b - start) for a, b in self.ranges[lo:hi]])

