"""Where in the file a piece of a note's body is: its 1-based line.

The parser works on the body with runs of blank lines folded (``sections._tidy``), which
moves every line after a fold up. :class:`LineMap` gives the line of the file for an
offset in that folded body, for the few things that need one (quotes). It is built only
when asked, in one pass over the body, and answers offsets in increasing order in time
linear in the body.
"""

from __future__ import annotations

import bisect
import re

# the tidying of a body (``sections._tidy``): blanks at line ends cut, blank runs folded
TRAILING_SPACE = re.compile(r"(?<![ \t])[ \t]++$", re.MULTILINE)
BLANK_RUN = re.compile(r"\n{3,}")
# what BLANK_RUN folds once TRAILING_SPACE has emptied lines of blanks: three or more line
# ends with only blanks between them
_FOLDED_RUN = re.compile(r"\n(?:[ \t]*+\n){2,}+")


class LineMap:
    """Lines of the file for offsets in the tidied body.

    ``first_line`` is the file's line where ``body`` starts (after the frontmatter and the
    lines before the content); ``body`` what the parser tidied (its lines are the file's
    lines from there); ``tidied`` what the parser made of it.
    """

    def __init__(self, first_line: int, body: str, tidied: str) -> None:
        self._first = first_line
        self._tidied = tidied
        self._folds: list[int] = []  # tidied line from which ``_removed[k]`` lines are gone
        self._removed: list[int] = []
        self._ready = False
        self._body = body
        self._at = 0  # the last offset asked for, and the tidied line it is on
        self._line = 0

    def _build(self) -> None:
        body = self._body
        removed = 0
        line = 0
        pos = 0
        for run in _FOLDED_RUN.finditer(body):
            line += body.count("\n", pos, run.start())
            pos = run.start()
            folded = line - removed  # the run starts at the end of this tidied line
            newlines = run.group(0).count("\n")
            line += newlines
            pos = run.end()
            removed += newlines - 2
            self._folds.append(folded + 2)
            self._removed.append(removed)
        self._ready = True
        self._body = ""

    def line_after(self, base: int, offset: int) -> int:
        """:meth:`line` of ``base + offset`` (a section's offset, then one inside it)."""
        return self.line(base + offset)

    def line(self, offset: int) -> int:
        """The 1-based line of the file at ``offset`` of the tidied body."""
        if not self._ready:
            self._build()
        offset = max(0, min(offset, len(self._tidied)))
        if offset >= self._at:
            self._line += self._tidied.count("\n", self._at, offset)
        else:
            self._line = self._tidied.count("\n", 0, offset)
        self._at = offset
        k = bisect.bisect_right(self._folds, self._line)
        return self._first + self._line + (self._removed[k - 1] if k else 0)
