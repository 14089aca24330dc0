"""A section's plain text split into sentences, each with its span and its moments.

Pure and linear in the text: one pass over the lines, one scan per line for the marks that
may end a sentence, each looked at with a bounded look back (the abbreviation before a
full stop) and forward (the next word). Every pattern is possessive or bounded.

The unit of text is the **line**: a paragraph, a list item, a blockquote line and a
heading-like line are each their own unit, and no sentence runs from one into the next.
Inside a unit a sentence ends at ``.``, ``!``, ``?`` or an ellipsis, with the closing quotes,
brackets and emphasis marks that follow it (``."``, ``!)``, ``.**``), when white space and a
word that can start a sentence come next. It does not end:

* inside a number, a version or a URL (``3.5``, ``v2.0``, ``example.com/a.b``: no space
  follows the dot);
* after an abbreviation that never ends a sentence (``e.g.``, ``i.e.``, ``Dr.``, ``Mr.``,
  ``vs.``, ``approx.``), an initial (``J. K. Rowling``), or one that may (``etc.``,
  ``U.S.``, ``Inc.``, ``a.m.``) unless the next word is one that opens sentences ("The",
  "It", "However", ...);
* before a lower-case word (``approx. five``, ``Yahoo! is``), and after an ellipsis unless
  an upper-case word follows;
* inside an inline code span.

Left out of the sentences (never summary text): fenced code (not a ```` ```markdown ````
fence: prose) and ``$$`` math blocks, tables, rules, HTML lines, lines of program code.
Heading-like lines (``#### x``, a line all in bold, a line ending in ``:``) are sentences
of their own kind, not :attr:`Sentence.usable`, that pass their moments to the next.

Display text (:attr:`Sentence.text`) drops the markdown a reply would show literally:
list and quote markers, emphasis, backticks (mostly inline code: not usable), ``[label](url)``
(the label stays), a quote mark without its partner, and the timestamp lists the parser
left (``[01:17:00, 01:02:19]``: the first becomes its moment when it has none).

Moments: a moment belongs to the sentence whose span holds its offset, or to the sentence
that ends just before it (the generator writes a moment after the sentence it stamps);
a moment in text left out (a code block, a table) belongs to none.

A giant sentence (a line of 50 KB without a full stop) is the one case where text is cut:
its display text is clipped at :data:`MAX_SENTENCE_CHARS`, at a word boundary when there is
one in its last fifth, with "…" (:attr:`Sentence.clipped`); its span stays whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.notes.fences import fence_ranges
from bot.notes.text import balance_quotes
from bot.notes.timestamps import parse_timestamp

MAX_SENTENCE_CHARS = 1000  # a longer sentence is clipped (the last resort: see above)
MIN_WORDS = 4  # a shorter sentence ("Speed.") is no summary line
MAX_CODE_SHARE = 0.3  # a sentence more than this share inline code is not usable

PROSE, ITEM, QUOTE, HEADING, LEAD = "prose", "item", "quote", "heading", "lead"
_USABLE_KINDS = frozenset({PROSE, ITEM, QUOTE})

# a run of marks that may end a sentence, with what may close it
_END = re.compile(r"(?:\.{3}+|…|[.!?])[.!?…]*+[\"'”’»)\]*_]*+")
_QUOTE_MARK = re.compile(r"[ \t]*+(?:>[ \t]?+)++")
_LIST_MARK = re.compile(r"[ \t]*+(?:[*+\-•]|\d{1,3}[.)]|[a-z][.)])[ \t]++(?:\[[ xX]\][ \t]++)?")
_HEADING_LINE = re.compile(r"[ \t]{0,3}+#{1,6}+(?:[ \t]|$)")
_RULE = re.compile(r"[ \t]*+(?:(?:-[ \t]*+){3,}+|(?:\*[ \t]*+){3,}+|(?:_[ \t]*+){3,}+)")
_TABLE = re.compile(r"[ \t]*+(?:\||\+[-=+]{2})")
_HTML_LINE = re.compile(r"[ \t]*+</?[a-zA-Z][^<>\n]{0,300}+>[ \t]*+$")
_ALL_BOLD = re.compile(r"(?:\*\*|__)[^*_\n]{1,200}+(?:\*\*|__)[ \t]*+:?[ \t]*+")
_CODE_SPAN = re.compile(r"`[^`\n]{1,500}+`")
_MD_LINK = re.compile(r"!?\[([^\[\]\n]{0,400}+)\]\([^()\s]{0,2000}+\)")
_TS = r"\d{1,2}:\d{2}(?::\d{2})?"
# timestamps the parser left in the text: "[01:17:00, 01:02:19]", "(00:12:34)"
_LEFT_STAMPS = re.compile(
    r"[ \t]?+[\[(]" + _TS + r"(?:[ \t]?+[,|;–-][ \t]?+" + _TS + r"){0,30}+[\])]")
_STAMP_VALUE = re.compile(_TS)
_PROSE_FENCE = re.compile(r"[ \t]{0,3}+(?:`{3,}+|~{3,}+)[ \t]*+(?:markdown|md)[ \t]*+(?:\n|$)",
                          re.IGNORECASE)
# what the parser leaves where it lifted a moment out: "words ." and "words ()."
_LOOSE_PUNCTUATION = re.compile(r"[ \t]++(?=[.,;:!?](?:\s|$))|[ \t]*+(?:\(\s*+\)|\[\s*+\])")
# a line of program code outside a fence: "const q = x;", "def f(x):", "}"
_CODE_LINE = re.compile(
    r"(?:(?:const|let|var|auto|int|val)[ \t]++[\w$]++[ \t]*+=|(?:def|function|fn|func)[ \t]++\w++[ \t]*+\("
    r"|(?:import|#include|using|package)[ \t]|[})\]][;,)]*+[ \t]*+$)")
_EMPHASIS = re.compile(r"\*\*++|__++|~~++|(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*])")
_SPACES = re.compile(r"\s++")

# never the end of a sentence
_NEVER_TEXT = """
mr. mrs. ms. mx. dr. prof. sr. jr. st. mt. ft. gen. sen. rep. gov. pres. lt. col. capt. cpt.
sgt. maj. adm. rev. hon. fr. e.g. eg. i.e. ie. vs. v. cf. viz. approx. appx. ca. fig. figs.
eq. eqs. ch. vol. vols. pp. p. no. nos. al. incl. esp. resp. dept. est. jan. feb. mar. apr.
jun. jul. aug. sep. sept. oct. nov. dec. mon. tue. wed. thu. fri. sat. sun. min. max.
"""
# the end of a sentence only when a word that opens sentences comes next
_MAYBE_TEXT = """
etc. inc. ltd. co. corp. bros. llc. plc. a.m. p.m. u.s. u.k. u.s.a. e.u. u.n. d.c. n.y.
l.a. ph.d. m.d. b.a. m.a. b.s. m.s. a.d. b.c. jr.
"""
_OPENERS_TEXT = """
a an the this that these those it its he she they we i you his her their our my there
here in on at for from by with as if when while after before since although though but
and or so yet however therefore thus also then still instead meanwhile moreover
furthermore finally first second third next one some many most all each both what why
how who where which no not yes to of despite during because even just only such another
other another later today now
"""
_NEVER = frozenset(_NEVER_TEXT.split())
_MAYBE = frozenset(_MAYBE_TEXT.split())
_OPENERS = frozenset(_OPENERS_TEXT.split())
_ACRONYM = re.compile(r"(?:[a-z]\.){2,}+")
_WORD_CHARS = re.compile(r"\w")
_SYMBOL_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Cf"})


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a section: ``text[start:end]`` of the section's plain text, its
    display text, its kind (prose, item, quote, heading, lead), and the seconds of the
    moments it carries (repaired values), in text order."""

    index: int
    start: int
    end: int
    text: str
    kind: str
    moments: tuple[int, ...] = ()
    words: int = 0
    code_share: float = 0.0
    clipped: bool = False

    @property
    def usable(self) -> bool:
        """Whether it may stand in a summary: prose, a list item or a quoted line, of
        :data:`MIN_WORDS` words or more, not mostly code."""
        return (self.kind in _USABLE_KINDS and self.words >= MIN_WORDS
                and self.code_share <= MAX_CODE_SHARE)


def split_sentences(text: str, moments: Iterable[tuple[int, int]] = ()) -> list[Sentence]:
    """The sentences of a section's plain text, in order, each with the moments
    (``(offset in text, seconds)``, in any order) that belong to it."""
    lines = list(_lines(text))
    found: list[Sentence] = []
    for start, end, kind in _spans(text, lines):
        display, left_stamp, code_share, clipped = _display(text, start, end)
        if display:
            found.append(Sentence(len(found), start, end, display, kind,
                                  (left_stamp,) if left_stamp is not None else (),
                                  len(display.split()), code_share, clipped))
    return _with_moments(found, sorted(moments), _skipped_ranges(lines))


# ---------------------------------------------------------------------------- spans


def _skipped_ranges(lines: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """The (start, end) of the text left out of every sentence: code fences, math blocks,
    tables, rules, HTML lines."""
    ranges: list[tuple[int, int]] = []
    for start, end, kind in lines:
        if kind == "skip":
            if ranges and ranges[-1][1] >= start - 1:
                ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((start, end))
    return ranges


def _lines(text: str) -> Iterable[tuple[int, int, str]]:
    """Each line as (start, end, kind): ``skip`` for what is left out, else ``text``."""
    # a fence opened as ```markdown holds the note's prose (a generator wrapped it): read it
    fences = [r for r in fence_ranges(text) if not _PROSE_FENCE.match(text, r[0])]
    fence_at = 0
    math = False
    pos = 0
    size = len(text)
    while pos <= size:
        nl = text.find("\n", pos)
        end = size if nl == -1 else nl
        while fence_at < len(fences) and fences[fence_at][1] <= pos:
            fence_at += 1
        in_fence = fence_at < len(fences) and fences[fence_at][0] <= pos < fences[fence_at][1]
        head = text[pos:min(end, pos + 400)].strip()
        if not in_fence and head.startswith("$$"):
            if not (len(head) > 2 and head.endswith("$$") and end - pos < 400):
                math = not math  # (a one-line "$$x$$" opens nothing)
            yield pos, end, "skip"
        elif (in_fence or math or head.startswith(("```", "~~~"))
              or _TABLE.match(text, pos, end) or _RULE.fullmatch(text, pos, end)
              or (head.startswith("<") and _HTML_LINE.match(text, pos, end))
              or _CODE_LINE.match(head) or _code_ending(head)):
            yield pos, end, "skip"
        else:
            yield pos, end, "text"
        if nl == -1:
            break
        pos = nl + 1


_CODE_MARKS = re.compile(r"\w\(|\w\.[A-Za-z_]\w|\S[ \t]?+=[ \t]?+\S|\)[ \t]*+\{")


def _code_ending(line: str) -> bool:
    """A line that ends as code does (``foo(bar);``, ``if (x) {``), not as a clause
    ("the right to vote;")."""
    return line.endswith((";", "{")) and _CODE_MARKS.search(line) is not None


def _spans(text: str, lines: list[tuple[int, int, str]]) -> Iterable[tuple[int, int, str]]:
    """(start, end, kind) of each sentence, in order."""
    for line_start, line_end, kind in lines:
        if kind == "skip" or line_start == line_end:
            continue
        pos = line_start
        unit_kind = PROSE
        mark = _QUOTE_MARK.match(text, pos, line_end)
        if mark is not None and ">" in mark.group():
            pos, unit_kind = mark.end(), QUOTE
        mark = _LIST_MARK.match(text, pos, line_end)
        if mark is not None:
            pos, unit_kind = mark.end(), ITEM
        while pos < line_end and text[pos] in " \t":
            pos += 1
        if pos >= line_end:
            continue
        if _HEADING_LINE.match(text, pos, line_end):
            yield pos, _rstrip(text, pos, line_end), HEADING
            continue
        if _ALL_BOLD.fullmatch(text, pos, line_end):
            yield pos, _rstrip(text, pos, line_end), HEADING
            continue
        yield from _split_unit(text, pos, line_end, unit_kind)


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\r":
        end -= 1
    return end


def _split_unit(text: str, start: int, end: int,
                kind: str) -> Iterable[tuple[int, int, str]]:
    """The sentences of one unit (a line without its markers)."""
    codes = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(text, start, end)] \
        if "`" in text[start:end] else []
    code_at = 0
    begin = start
    for match in _END.finditer(text, start, end):
        stop = match.end()
        if stop >= end or not text[stop].isspace():
            continue  # "3.5", "v2.0", a URL, the unit's end (below)
        while code_at < len(codes) and codes[code_at][1] <= match.start():
            code_at += 1
        if code_at < len(codes) and codes[code_at][0] <= match.start():
            continue  # inside inline code
        nxt = stop
        while nxt < end and text[nxt] in " \t":
            nxt += 1
        while nxt < end and _is_symbol(text[nxt]):  # "Great win! 🎉 Next": the emoji closes
            stop = nxt = nxt + 1
            while nxt < end and (text[nxt] in " \t" or _is_symbol(text[nxt])):
                if not text[nxt].isspace():
                    stop = nxt + 1
                nxt += 1
        if nxt >= end or not _ends_here(text, begin, match.start(), match.group(), nxt, end):
            continue
        yield begin, stop, kind
        begin = nxt
    stop = _rstrip(text, begin, end)
    if stop > begin:
        last_kind = LEAD if text[stop - 1] == ":" or text[begin:stop].rstrip("*_ ").endswith(":") \
            else kind
        yield begin, stop, last_kind


def _is_symbol(ch: str) -> bool:
    """An emoji or another pictograph (or what joins them)."""
    return ord(ch) >= 0x2000 and unicodedata.category(ch) in _SYMBOL_CATEGORIES


def _next_word(text: str, at: int, end: int) -> str:
    stop = at
    limit = min(end, at + 24)
    while stop < limit and not text[stop].isspace():
        stop += 1
    return text[at:stop].strip("\"'“”‘’*_([").rstrip(".,;:!?)]\"'”’*_").lower()


def _ends_here(text: str, begin: int, mark: int, marks: str, nxt: int, end: int) -> bool:
    """Whether the marks at ``mark`` end the sentence begun at ``begin``, the next one
    starting at ``nxt``."""
    first = text[nxt]
    if first.islower():
        return False
    if marks[0] in "…" or marks.startswith(".."):
        return first.isupper() or (not first.isalnum() and first not in ",;:")
    if marks[0] != ".":
        return True  # "?" and "!" before a word that is not lower case
    # the word before the full stop, as typed (at most 24 characters back)
    at = mark
    floor = max(begin, mark - 24)
    while at > floor and not text[at - 1].isspace():
        at -= 1
    word = text[at:mark + 1].lstrip("\"'“‘*_([").lower()
    if len(word) == 2 and word[0].isalpha() and text[mark - 1].isupper():
        return False  # an initial: "J. K. Rowling"
    if word in _NEVER:
        return word in ("no.", "nos.") and not first.isdigit()
    if word in _MAYBE or (len(word) <= 8 and _ACRONYM.fullmatch(word)):
        return _next_word(text, nxt, end) in _OPENERS
    return True


# ---------------------------------------------------------------------------- display


def _display(text: str, start: int, end: int) -> tuple[str, int | None, float, bool]:
    """(display text, the first timestamp left in it, share of inline code, clipped)."""
    clipped = False
    if end - start > MAX_SENTENCE_CHARS * 2:  # (a giant line: read no more than needed)
        end = start + MAX_SENTENCE_CHARS * 2
        clipped = True
    piece = text[start:end]
    stamp: int | None = None
    if "[" in piece or "(" in piece:
        if ":" in piece:
            found = _LEFT_STAMPS.search(piece)
            if found is not None:
                value = _STAMP_VALUE.search(found.group())
                parsed = parse_timestamp(value.group()) if value is not None else None
                stamp = parsed[0] if parsed is not None else None
                piece = _LEFT_STAMPS.sub("", piece)
        if "](" in piece:
            piece = _MD_LINK.sub(r"\1", piece)
    code_share = 0.0
    if "`" in piece:
        code = sum(m.end() - m.start() - 2 for m in _CODE_SPAN.finditer(piece))
        piece = piece.replace("`", "")
        code_share = code / max(1, len(piece))
    if "*" in piece or "_" in piece or "~" in piece:
        piece = _EMPHASIS.sub("", piece)
    piece = _SPACES.sub(" ", piece).strip()
    if " ." in piece or " ," in piece or "()" in piece or "[]" in piece or " ;" in piece:
        piece = _LOOSE_PUNCTUATION.sub("", piece)
    if not _WORD_CHARS.search(piece):
        return "", None, 0.0, False
    piece = balance_quotes(piece)
    if len(piece) > MAX_SENTENCE_CHARS or clipped:
        piece, clipped = clip(piece, MAX_SENTENCE_CHARS), True
    return piece, stamp, code_share, clipped


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with "…": at a word boundary
    in its last fifth when there is one."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ", limit * 4 // 5)
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


# ---------------------------------------------------------------------------- moments


def _with_moments(found: list[Sentence], moments: Sequence[tuple[int, int]],
                  skipped: list[tuple[int, int]]) -> list[Sentence]:
    """The sentences with the moments that belong to them (see the module's notes); a
    heading-like sentence passes its moments to the next sentence that has none."""
    if not found:
        return found
    owned: list[list[int]] = [[] for _ in found]
    k = 0
    skip_at = 0
    for offset, seconds in moments:
        while k + 1 < len(found) and found[k + 1].start <= offset:
            k += 1
        sentence = found[k]
        if offset < sentence.start and k == 0:
            owned[0].append(seconds)
            continue
        if offset >= sentence.end:
            while skip_at < len(skipped) and skipped[skip_at][1] < sentence.end:
                skip_at += 1
            if skip_at < len(skipped) and skipped[skip_at][0] <= offset:
                continue  # (in code or a table left out, or after it)
        owned[k].append(seconds)
    out: list[Sentence] = []
    carried: list[int] = []
    for sentence, stamps in zip(found, owned, strict=True):
        stamps = stamps or list(sentence.moments)  # (else a timestamp left in its text)
        if sentence.kind in (HEADING, LEAD):
            carried.extend(stamps)
        else:
            stamps = stamps or carried
            carried = []
        out.append(replace(sentence, moments=tuple(dict.fromkeys(stamps))))
    return out
