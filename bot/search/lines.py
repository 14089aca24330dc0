"""Many short lines (heading texts, stems) kept as their UTF-8 bytes and an offsets array,
decoded one at a time when asked for: a fraction of the memory of a list of 150,000 string
objects (a Python string of one non-Latin character costs two or four bytes a character),
and loaded from the cache as is."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence

_NL = b"\n"


class Lines(Sequence[str]):
    """A read-only sequence of lines, none of which holds a newline. ``bisect`` works on
    it when the lines are sorted."""

    __slots__ = ("_data", "_extra", "_starts")

    def __init__(self, data: bytes = b"", starts: array[int] | None = None,
                 extra: Sequence[str] = ()) -> None:
        self._data = data
        if starts is None:
            starts = array("q", [0])
            if data:
                at = data.find(_NL)
                while at != -1:
                    starts.append(at + 1)
                    at = data.find(_NL, at + 1)
                starts.append(len(data) + 1)
        self._starts = starts
        self._extra = list(extra)

    @classmethod
    def of(cls, lines: Sequence[str]) -> Lines:
        return cls("\n".join(lines).encode()) if lines else cls()

    def __len__(self) -> int:
        return len(self._starts) - 1 + len(self._extra)

    def __getitem__(self, k: int) -> str:  # type: ignore[override]
        base = len(self._starts) - 1
        if k < 0:
            k += len(self)
        if k >= base:
            return self._extra[k - base]
        return self._data[self._starts[k]:self._starts[k + 1] - 1].decode()

    def bisect_left(self, key: str) -> int:
        """``bisect.bisect_left(self, key)`` for sorted lines, comparing their UTF-8 bytes
        (which keep the order of code points) instead of decoding every line it probes."""
        if self._extra:
            return bisect.bisect_left(self, key)
        target = key.encode("utf-8", "surrogatepass")
        data, starts = self._data, self._starts
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if data[starts[mid]:starts[mid + 1] - 1] < target:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def plus(self, lines: Sequence[str]) -> Lines:
        """These lines and then ``lines``."""
        return Lines(self._data, self._starts, [*self._extra, *lines]) if lines else self

    def data(self) -> bytes:
        """The base lines joined (what is persisted), with :meth:`starts`."""
        return self._data

    def starts(self) -> array[int]:
        return self._starts
