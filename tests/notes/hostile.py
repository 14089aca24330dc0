"""Hostile note texts that break a backtracking parser, generated at any size.

Each case is a note (or hub, directory, frontmatter) that a careless regex takes quadratic
or exponential time on: an opener repeated without its closer, a long run of something a
quantifier and the next one both accept. ``tests/notes/test_parsing_hostile.py`` parses
each within a generous deadline; ``benchmarks/parser.py`` prints the time of each.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.notes.parsing import parse_directory, parse_hub, parse_note, split_frontmatter

ANCHOR_OPEN = '<a class="yt-timestamp" data-t="00:01:02"'
WATCH = "https://www.youtube.com/watch?v=abcdefghijk"


def repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """``head``, then ``unit`` repeated to about ``size`` characters, then ``tail``."""
    return head + unit * max(1, size // max(1, len(unit))) + tail


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # note | hub | directory | frontmatter
    build: Callable[[int], str]

    def run(self, size: int) -> object:
        text = self.build(size)
        if self.kind == "hub":
            return parse_hub(text, "hostile")
        if self.kind == "directory":
            return parse_directory(text)
        if self.kind == "frontmatter":
            return split_frontmatter(text)
        return parse_note(text, "hostile", "hostile")


def _case(name: str, kind: str, unit: str, head: str = "", tail: str = "") -> Case:
    return Case(name, kind, lambda size: repeat(unit, size, head, tail))


CASES: list[Case] = [
    # hubs: the episode line of issue 7, and its relatives
    _case("hub: '](url' repeated, no ')'", "hub", "](" + WATCH, "### [t"),
    _case("hub: '](url' repeated, then ')x'", "hub", "](" + WATCH, "### [t", ") x"),
    _case("hub: '[' repeated in a title", "hub", "[", "### ", "](" + WATCH),
    _case("hub: 'v=' repeated in a URL", "hub", "v=abcde", "### [t](https://y.be/"),
    _case("hub: '[[' repeated after an episode", "hub", "[[a", f"### [t]({WATCH})\n- "),
    # wikilinks
    _case("'[[' without ']]'", "note", "[[a "),
    _case("'[[' and spaces without ']]'", "note", "[[" + " " * 300 + "x "),
    _case("'[[a|' and spaces without ']]'", "note", "[[a|" + " " * 300 + "x "),
    _case("'[[' run", "note", "["),
    _case("']]' run", "note", "]"),
    _case("'[[a|b|' repeated", "note", "[[a|b|"),
    _case("'![[' repeated", "note", "![[x.png"),
    _case("'[[' then one long target", "note", "a", "[["),
    # markdown links and bare timestamps
    _case("'[a](' without ')'", "note", "[a](x"),
    _case("'[a](url' long without ')'", "note", "b", "[a](https://"),
    _case("'[' repeated", "note", "[a "),
    _case("'[00:01:0' without ']'", "note", "[00:01:0"),
    _case("'](' repeated", "note", "]("),
    # timestamp anchors
    _case("'<a class=\"yt-timestamp\"' without '>'", "note", ANCHOR_OPEN + " "),
    _case("'<a class=\"yt-timestamp\" data-t=\"' without '\"'", "note",
          '<a class="yt-timestamp" data-t="0'),
    _case("anchor opened, never closed", "note", ANCHOR_OPEN + ">[00:01:02] words "),
    _case("'<a' repeated", "note", "<a "),
    _case("'<a' then spaces", "note", " ", "<a"),
    _case("'<a class=' then spaces", "note", " ", "<a class="),
    _case("'<br' then spaces", "note", " ", "<br"),
    _case("'<' repeated", "note", "<"),
    # blockquotes and callouts
    _case("'>' nested thousands deep", "note", ">", "## Q\n\n"),
    _case("'> ' nested on one line", "note", "> ", "## Q\n\n"),
    _case("'>' lines", "note", ">\n", "## Q\n\n"),
    _case("'[!quote]' lines", "note", "> [!quote] Some One\n", "## Q\n\n"),
    _case("'> [!' without ']'", "note", "a", "## Q\n\n> [!"),
    _case("'> [!quote|' without ']'", "note", "a", "## Q\n\n> [!quote|"),
    _case("quote ending in a dash and spaces", "note", " ", '## Q\n\n> "words" - A', "x"),
    _case("quote of dashes", "note", "a - ", '## Q\n\n> "'),
    _case("quote of ' - Name' endings", "note", " - Aa", '## Q\n\n> "x'),
    _case("attribution line with spaces", "note", " ", "## Q\n\n> words\n> — A", "x"),
    _case("'Name: \"' without a closing quote", "note", 'Some One: "words ', "## Q\n\n"),
    _case("'Name: \"' lines", "note", 'Aaa Bbb Ccc Ddd: "x\n', "## Q\n\n"),
    _case("capitalised words then ':' and no quote", "note", "Aaa ", "## Q\n\n", ': x'),
    # headings, fences, white space, math, code
    _case("'#' run", "note", "#"),
    _case("heading of spaces", "note", " ", "## ", "x\n"),
    _case("headings", "note", "\n## h"),
    _case("'```' lines", "note", "```\n"),
    _case("backticks", "note", "`"),
    _case("'$' math", "note", "$a"),
    _case("trailing spaces before a word", "note", " ", "a", "b \n"),
    _case("tabs", "note", "\t", "a", "b \n"),
    _case("blank lines", "note", "\n", "a", "b"),
    _case("From line then spaces", "note", " ", "From: [[a]]", "x\nwords"),
    _case("From line '[[a|' repeated", "note", "b|", "From: [[a|", "x\nwords"),
    # frontmatter and the directory
    _case("frontmatter value then spaces", "frontmatter", " ", "---\ntitle: a", "b\n---\nbody"),
    _case("frontmatter key run", "frontmatter", "a", "---\n", "\n---\nbody"),
    _case("frontmatter never closed", "note", "key: value\n", "---\n"),
    _case("directory '[[' without ']]'", "directory", "[[a "),
    _case("directory '[[a|' and spaces", "directory", " ", "[[a|", "x"),
    _case("directory '[[a' and spaces", "directory", " ", "[[a", "x"),
]


class DeadlineExceeded(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`DeadlineExceeded` in the block after ``seconds`` (main thread only).

    The regular expression engine checks for signals as it runs, so even a match that
    backtracks for minutes is interrupted.
    """

    def expired(signum: int, frame: object) -> None:
        raise DeadlineExceeded(f"not done within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
