"""Blockquotes and what the note says about who is speaking.

Five shapes: Obsidian ``[!quote]`` callouts, ``– Name`` endings, a separate ``> — Name``
line, ``Name: "…"`` prefixes, and plain blockquotes with no speaker. Each quote takes its
own moment, else the nearest one in its section.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

from bot.notes.fences import Fences
from bot.notes.inline import RawStamp, render_inline
from bot.notes.names import clean_line
from bot.notes.records import Blockquote

Moment = tuple[int | None, str, bool]  # (seconds, "own" | "nearest" | "none", repaired)

QUOTE_BLOCK = re.compile(r"^[ \t]*+>[^\n]*+(?:\n[ \t]*+>[^\n]*+)*+", re.MULTILINE)
# (a literal "\n" first lets the engine skip to line starts: five times faster than "^")
INDENTED_QUOTE_LINE = re.compile(r"\n[ \t]++>")
# a line of a block that opens another callout: the block holds two quotes (or more)
_CALLOUT_START = re.compile(r"\n(?=[ \t]*+>[ \t]*+\[![^\]\n]{1,60}+\])")
_QUOTE_MARK = re.compile(r"^[ \t]*+> ?", re.MULTILINE)
_CALLOUT = re.compile(
    r"\[!(?P<type>[^\]|]{1,40}?)(?:\|(?P<alt>[^\]\n]*+))?\][+-]?[ \t]*+(?P<title>[^\n]*+)"
)
CALLOUT_MARK = re.compile(r"^([ \t]*+>[ \t]*+)\[![^\]\n]{1,60}+\][+-]?[ \t]*+", re.MULTILINE)
# matched against one line with no white space at either end, so the name runs to its
# end: no "\s*$" after a lazy name to try again after every character
_DASH_ATTRIBUTION = re.compile(
    r"(?P<words>.*\S)\s++[–—-]{1,2}\s*+(?P<name>[A-Z][^–—\"“”\n]{1,80}+)", re.DOTALL
)
_ATTRIBUTION_LINE = re.compile(r"(?P<dash>[–—]|-{1,3})\s*+(?P<name>[^\s–—-].{0,100}+)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s")
_NAME_PREFIX = re.compile(
    r"^[ \t]*+\**+(?P<name>[A-Z][\w.'’-]*+(?:[ \t]++[A-Z][\w.'’-]*+){0,3})\**+:\**+[ \t]++"
    r"(?P<words>[\"“][^\n]++)$",
    re.MULTILINE,
)
PREFIX_HINT = re.compile(r":\**+[ \t]++[\"“]")
_QUOTE_CALLOUTS = frozenset({"quote", "cite"})
# Words that make a "Name:" prefix a label, not a speaker ("Question:", "Example Answer:")
_LABEL_WORDS = frozenset({
    "answer", "ask", "asked", "asking", "bot", "definition", "example", "examples",
    "exercise", "input", "instruction", "key", "lesson", "mantra", "motto", "note", "output",
    "prompt", "query", "question", "quote", "reply", "response", "result", "rule", "says",
    "statement", "step", "summary", "takeaway", "tip", "title", "user",
})


class Stamps:
    """A section's stamps in raw-text order, searched by bisection (never quadratic)."""

    __slots__ = ("positions", "stamps")

    def __init__(self, stamps: list[RawStamp]) -> None:
        self.stamps = sorted(stamps, key=lambda s: s[3])
        self.positions = [s[3] for s in self.stamps]

    def moment_for(self, start: int, stop: int) -> Moment:
        """The first stamp inside ``[start, stop)`` ("own"), else the stamp nearest to
        ``start`` ("nearest"): (seconds, which, repaired)."""
        if not self.stamps:
            return None, "none", False
        k = bisect_left(self.positions, start)
        if k < len(self.stamps) and self.positions[k] < stop:
            return self.stamps[k][0], "own", self.stamps[k][1]
        if k == len(self.stamps) or (k > 0 and start - self.positions[k - 1]
                                     <= self.positions[k] - start):
            k -= 1
        return self.stamps[k][0], "nearest", self.stamps[k][1]



def quotes_in(
    raw: str, index: int, fences: Fences, stamps: Stamps, has_quotes: bool,
    line_at: Callable[[int], int] = lambda _: 0,
) -> list[Blockquote]:
    """The quotes of one section's raw text (``index`` is the section's; ``line_at``
    gives the file's line of an offset in ``raw``)."""
    found: list[Blockquote] = []
    if has_quotes:
        for block in QUOTE_BLOCK.finditer(raw):
            at = block.start()
            for part in _CALLOUT_START.split(block.group(0)):
                quote = _quote_from_block(part, index, at, fences.inside(at), stamps)
                quote.line = line_at(at)
                found.append(quote)
                at += len(part) + 1
    if PREFIX_HINT.search(raw):
        for prefix in _NAME_PREFIX.finditer(raw):
            if fences.inside(prefix.start()):
                continue
            name = clean_line(prefix.group("name"))
            if not _is_speaker(name):
                continue  # "Question:", "Example:": a label, not somebody speaking
            words = render_inline(prefix.group("words"))[0].strip()
            seconds, moment, repaired = stamps.moment_for(prefix.start(), prefix.end())
            found.append(Blockquote(index, words, "prefix", name, seconds, False,
                                    line_at(prefix.start()), moment, repaired))
    return found


def _is_speaker(name: str) -> bool:
    """A ``Name:`` prefix names a speaker when it is a full name and no label word.

    Single words are nearly always labels in the vault ("Question", "Example",
    "Salesperson"); a first name alone is too rare to be worth those false speakers.
    """
    words = name.replace("*", " ").split()
    return len(words) >= 2 and not any(w.lower().strip(".") in _LABEL_WORDS for w in words)


def _quote_from_block(
    block: str, section: int, at: int, in_code: bool, stamps: Stamps
) -> Blockquote:
    """Work out a blockquote's shape and the attribution the note gives it."""
    moment = stamps.moment_for(at, at + len(block))
    quote = _shape(block, section, in_code, moment)
    quote.moment, quote.repaired = moment[1], moment[2]
    return quote


def _shape(block: str, section: int, in_code: bool, moment: Moment) -> Blockquote:
    seconds = moment[0]
    inner = _QUOTE_MARK.sub("", block)
    lines = [line.rstrip() for line in render_inline(inner)[0].split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return Blockquote(section, "", "plain", None, seconds, in_code)
    callout = _CALLOUT.fullmatch(lines[0].strip())
    if callout is not None:
        kind_name = clean_line(callout.group("type")).lower()
        title = clean_line(callout.group("title") or callout.group("alt") or "")
        words = "\n".join(lines[1:]).strip()
        if kind_name in _QUOTE_CALLOUTS:
            if not words:  # the header holds the words themselves
                return Blockquote(section, title, "callout", None, seconds, in_code)
            return Blockquote(section, words, "callout", title or None, seconds, in_code)
        return Blockquote(section, words or title, f"callout:{kind_name}", title or None,
                          seconds, in_code)
    last = lines[-1].strip()
    if len(lines) > 1:
        attribution = _ATTRIBUTION_LINE.fullmatch(last)
        if attribution is not None:
            words = "\n".join(lines[:-1]).strip()
            # "- item" after other lines is usually the end of a list, not a name: a
            # single hyphen counts only under quoted words that are not list items
            if attribution.group("dash") != "-" or (
                _looks_quoted(words) and not any(_LIST_ITEM.match(x) for x in lines[:-1])
            ):
                return Blockquote(section, words, "attribution",
                                  clean_line(attribution.group("name")), seconds, in_code)
    dash = _DASH_ATTRIBUTION.fullmatch(last)
    if dash is not None and _looks_quoted(dash.group("words")):
        words = "\n".join([*lines[:-1], dash.group("words")]).strip()
        return Blockquote(section, words, "dash", clean_line(dash.group("name")), seconds,
                          in_code)
    return Blockquote(section, "\n".join(lines).strip(), "plain", None, seconds, in_code)


def _looks_quoted(words: str) -> bool:
    words = words.strip()
    return words[:1] in "\"“'‘" and words[-1:] in "\"”'’.!?"


