"""Many short lines (heading texts) kept as one string and an offsets array: a few
megabytes less than a list of 150,000 string objects, and loaded from the cache as is."""

from __future__ import annotations

from array import array
from collections.abc import Sequence

_NL = "\n"


class Lines:
    """A read-only sequence of lines, none of which holds a newline."""

    __slots__ = ("_extra", "_starts", "_text")

    def __init__(self, text: str = "", starts: array[int] | None = None,
                 extra: Sequence[str] = ()) -> None:
        self._text = text
        if starts is None:
            starts = array("q", [0])
            if text:
                at = text.find(_NL)
                while at != -1:
                    starts.append(at + 1)
                    at = text.find(_NL, at + 1)
                starts.append(len(text) + 1)
        self._starts = starts
        self._extra = list(extra)

    @classmethod
    def of(cls, lines: Sequence[str]) -> Lines:
        return cls(_NL.join(lines)) if lines else cls()

    def __len__(self) -> int:
        return len(self._starts) - 1 + len(self._extra)

    def __getitem__(self, k: int) -> str:
        base = len(self._starts) - 1
        if k < 0:
            k += len(self)
        if k >= base:
            return self._extra[k - base]
        return self._text[self._starts[k]:self._starts[k + 1] - 1]

    def plus(self, lines: Sequence[str]) -> Lines:
        """These lines and then ``lines``."""
        return Lines(self._text, self._starts, [*self._extra, *lines]) if lines else self

    def text(self) -> str:
        """The base lines joined (what is persisted), with :meth:`starts`."""
        return self._text

    def starts(self) -> array[int]:
        return self._starts
