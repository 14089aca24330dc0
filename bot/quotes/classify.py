"""Which blockquotes are someone's words, and who the note says spoke them.

Pure functions, linear in their input: no Discord, no SQL, no file. The parser
(:mod:`bot.notes.quotes`) gives each blockquote a shape and the name or heading the note
puts with it; :func:`classify` decides whether it is a quote at all and who is speaking;
:func:`extract` does so for a whole note. The rules' data is in :mod:`bot.quotes.rules`.

Decisions:

* ``text`` keeps the quote marks the note wrote ("…"), with the note's commentary after the
  quoted words, a trailing attribution and citation debris (``",,.``) cut away;
* ``speaker`` is a person the note names: a ``[!quote]`` title that is a person ("Sam
  Altman", "Warren Buffett on Float", "Quote from Ada Ray", "Ada Ray's Insight"), a dash or
  ``— Name`` line inside the words, a ``Name: "…"`` prefix, or a saying verb beside the
  words ('"…," noted Ada Ray'). A heading or topic names nobody; nothing is ever guessed;
* ``paraphrase``: the note's own words (no quote marks, no first person). A paraphrase is
  never anyone's words, so it has no speaker either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.notes.records import ParsedNote
from bot.quotes import rules
from bot.quotes.speakers import fold, leading_name, speaker_of, trailing_name


@dataclass(frozen=True, slots=True)
class Classified:
    text: str  # the quoted words, quote marks kept, commentary and attribution cut
    speaker: str | None  # the person the note names, cleaned, role apart; None: nobody
    role: str | None  # "CEO of OpenAI" from "Sam Altman, CEO of OpenAI"
    paraphrase: bool  # the note's own paraphrase: never presented as someone's words
    shape: str  # "callout" | "dash" | "attribution" | "prefix" | "plain" | "info"


@dataclass(frozen=True, slots=True)
class FoundQuote:
    section: int
    line: int
    text: str
    speaker: str | None
    role: str | None
    seconds: int | None
    moment: str
    repaired: bool
    shape: str
    paraphrase: bool


_OPEN_QUOTES = "\"“„«"
_CLOSE_QUOTES = "\"”»"
_DASHES = "–—-"
_EMPHASIS = "*_~` \t"
_NAME_WINDOW = 200  # where an attribution at the end of the words is looked for
_INLINE_WINDOW = 300  # how far from a quote mark a saying verb is looked for
_QUOTE_MARKS = re.compile(r"[\"“”«»„]")
_CALLOUT_HEAD = re.compile(r"[*_ ]{0,4}+\[!(?P<type>[A-Za-z][A-Za-z -]{0,30}+)\][+-]?"
                           r"[ \t]*+(?P<title>[^\n]{0,300}+)")
_FIRST_PERSON = re.compile(
    r"(?<![\w.])(?:" + "|".join(sorted((re.escape(w) for w in rules.FIRST_PERSON), key=len,
                                    reverse=True)) + r")(?![\w.])")
_LIST_ITEM = re.compile(r"[ \t]{0,8}+(?:[-*+•]|\d{1,3}[.)])[ \t]")
_DEFINITION = re.compile(r"[ \t]{0,8}+\*\*[^*\n]{1,80}+\*\*[ \t]{0,4}+(?::|[–—-][ \t])"
                         r"|[ \t]{0,8}+[A-Z][\w ()'-]{0,60}+:[ \t]++(?:[Tt]he|[Aa]n?)[ \t]")
_FORMULA = re.compile(r"\$[^$\n]{1,200}+\$|[=→≈≤≥∑∫√±×÷]|\^\d")
_REPORTING = re.compile(r"\b(?:" + "|".join(rules.REPORTING_VERBS) + r")\s(?:out\s)?that\b")
_ADVERBS = frozenset({"once", "famously", "later", "also", "then", "aptly", "so",
                      "memorably", "reportedly", "often", "simply", "has", "had"})


def classify(kind: str, text: str, attribution: str | None, in_code: bool, *,
             note_title: str = "", section_heading: str | None = None) -> Classified | None:
    """A blockquote as a quote, or ``None`` when it is no quote at all (an ``[!info]``
    callout holding no quoted words, a list, a formula, a definition, prose, anything in
    a code fence). ``kind``, ``text``, ``attribution`` and ``in_code`` are the parser's."""
    if in_code:
        return None
    text = text.strip()
    not_names = {fold(note_title), fold(section_heading or "")} - {""}
    if kind == "plain":
        head = _CALLOUT_HEAD.match(text)
        if head is not None:  # "**[!quote] Ada Ray**": a callout the parser did not see
            kind = head.group("type").strip().lower()
            kind = "callout" if kind in rules.QUOTE_CALLOUTS else f"callout:{kind}"
            attribution = head.group("title").strip(_EMPHASIS) or None
            text = text[head.end():].strip()
    if kind == "callout" or kind.startswith("callout:"):
        return _callout(kind, text, attribution, not_names)
    if not _has_words(text):
        return None
    if kind == "plain":
        return _plain(text, not_names)
    name, role = speaker_of(attribution, strict=kind == "prefix", not_names=not_names)
    if kind == "prefix" and name is None:
        return None  # "Question:", "Example:": a label, and what follows is no quote
    words = _clean(text)
    # the note itself puts a name under the words ("— Ada Ray"): hers, unless they speak
    # of her ("Ray argues…", "She saw…")
    paraphrase = not _is_words(words) and (name is None or _about(words, name))
    if paraphrase:
        name = role = None
    return Classified(words, name, role, paraphrase, kind)


def _callout(kind: str, body: str, title: str | None, not_names: set[str]) -> Classified | None:
    """A callout: ``[!quote]`` always holds a quote (maybe a paraphrase); any other type
    only when its body is quoted words or words that a named speaker said."""
    is_quote = kind == "callout"
    title = (title or "").strip()
    if title and fold(title) == fold(body):
        body = ""  # the header held the words themselves
    head = _CALLOUT_HEAD.match(body)
    if head is not None:  # a callout nested in the words: its title is the speaker
        title, body = head.group("title").strip(), body[head.end():].strip()
    prefix = _PREFIX.fullmatch(title)
    if prefix is not None:  # 'Ada Ray: "words"' as a title
        body, title = (prefix.group("words") + "\n" + body).strip(), prefix.group("name")
    elif title[:1] in _OPEN_QUOTES or (title and not body):
        body, title = (title + "\n" + body).strip(), ""
    body = "\n".join(line.strip().removeprefix(">").strip() for line in body.split("\n"))
    if not _has_words(body):
        return None
    named = _speaking_prefix(body.strip(), not_names)
    if named is not None:  # 'Ada Ray: "words"' opens the body: hers, whatever the title says
        title, body = named
    sure = not is_quote and named is None  # an [!info] title must show a person; a prefix does
    words, name, role = _own_attribution(body.strip(), not_names)
    if name is None:
        inline = _inline(words, not_names)
        if inline is not None:
            words, name, role = inline
    words = _clean(words)
    quoted = _is_words(words)
    if not is_quote and not quoted and name is None:
        return None  # an [!info] or [!note] of the note's own words
    if not is_quote and (_list_or_table(words) and not quoted):
        return None
    if name is None and title:
        name, role = speaker_of(title, strict=True, not_names=not_names, sure=sure)
        if name is not None and _about(words, name):
            name = role = None  # words about the person under their name, not theirs
    elif name is not None and title and " " not in name:
        full, _ = speaker_of(title, strict=True, not_names=not_names)
        if full is not None and fold(full).endswith(" " + fold(name)):
            name = full  # "- Buffett" under "Warren Buffett on Float"
    paraphrase = not quoted and (name is None or _third_person(words, name))
    if paraphrase or (role is not None and role.casefold().startswith(rules.PARAPHRASE_ROLES)):
        name = role = None
        paraphrase = True
    return Classified(words, name, role, paraphrase, "callout" if is_quote else "info")


def _speaking_prefix(body: str, not_names: set[str]) -> tuple[str, str] | None:
    """``(name, words)`` when ``body`` opens with one person's ``Name: "…"`` (not a label,
    not a dialogue of several names)."""
    prefix = _PREFIX.match(body)
    if prefix is None or any(other.group("name") != prefix.group("name")
                             for other in _PREFIX.finditer(body, prefix.end())):
        return None
    name, _ = speaker_of(prefix.group("name"), strict=True, not_names=not_names)
    return None if name is None else (prefix.group("name"), body[prefix.start("words"):])


def _about(words: str, name: str) -> bool:
    """Quoted words that speak of ``name`` ("Buffett understood…", "She saw…")."""
    head = set(re.findall(r"[^\W\d_]\w{0,40}+", words[:2000]))
    first = re.match(r"[\W]{0,4}+([^\W\d_]++)", words)
    return (first is not None and first.group(1).casefold() in rules.THIRD_PERSON) or any(
        part in head for part in name.split()[-1:])


def _third_person(words: str, name: str) -> bool:
    """Unquoted words under a person's name are the note's paraphrase when they speak of
    the person (their name, "he", "she", a reporting verb: "argues that") or of nobody
    (no "I", "we" or "you": "AMPL allows for…")."""
    head = words[:2000]
    tokens = set(re.findall(r"[^\W\d_]\w{0,40}+", head))
    folded = {t.casefold() for t in tokens}
    if folded & rules.THIRD_PERSON or _REPORTING.search(head):
        return True
    return any(part in tokens for part in name.split()[-1:]) or not (
        folded & rules.SPEAKING_PERSON)


def _plain(text: str, not_names: set[str]) -> Classified | None:
    """A plain blockquote is a quote when it is quoted words or words in the first person,
    and not a list, a table, a formula, a definition or links. ``Name: "…"`` inside it
    is a prefix quote."""
    prefix = _PREFIX.match(text)
    if prefix is not None and "\n" not in text[:prefix.end("name")] and not any(
            other.group("name") != prefix.group("name")
            for other in _PREFIX.finditer(text, prefix.end())):  # a dialogue: nobody's alone
        name, role = speaker_of(prefix.group("name"), strict=True, not_names=not_names)
        if name is not None:
            words = _clean(text[prefix.start("words"):])
            return Classified(words, name, role, False, "prefix")
    if text[:1] == "#" or _list_or_table(text) or _DEFINITION.match(text):
        return None
    words, name, role = text, None, None
    inline = _inline(text, not_names)
    if inline is not None:
        words, name, role = inline
    words = _clean(words)
    if _quoted_share(words) < rules.QUOTED_SHARE and (
            not _FIRST_PERSON.search(text[:2000]) or _FORMULA.search(text[:2000])):
        return None
    return Classified(words, name, role, False, "plain")


_PREFIX = re.compile(r"(?m:^)\**+(?P<name>[^\W\d_][^:\"“\n*]{0,80}+)\**+:\**+[ \t]*+"
                     r"(?P<words>[\"“][^\n]{0,2000}+)")


def _own_attribution(body: str, not_names: set[str]) -> tuple[str, str | None, str | None]:
    """Words that end with their own attribution: a last line ``— Name``, or
    ``"…" – Name`` at the end. Returns the words without it, the name and the role."""
    lines = body.rstrip().split("\n")
    last = lines[-1].strip().strip("*_")
    above = "\n".join(lines[:-1]).strip()
    if len(lines) > 1 and last[:1] in _DASHES and (last[:2] in ("--", "—", "–") or (
            _quoted_share(above) >= rules.QUOTED_SHARE and not _LIST_ITEM.match(lines[-2]))):
        name, role = speaker_of(last.lstrip(_DASHES + " "), strict=False, not_names=not_names)
        if name is not None:
            return above, name, role
    tail = last[-_NAME_WINDOW:]
    at, dash = max((tail.rfind(d), d) for d in (" — ", " – ", " -- ", " - ", "—", "–"))
    if at > 0:
        before = tail[:at].rstrip(" *_,")
        if before[-1:] in _CLOSE_QUOTES or (dash in (" — ", " – ") and before[-1:] in ".!?"):
            name, role = speaker_of(tail[at + len(dash):], strict=False, not_names=not_names)
            if name is not None:
                cut = len(last) - len(tail) + len(before)
                return "\n".join([*lines[:-1], last[:cut]]).strip(), name, role
    return body, None, None


def _inline(text: str, not_names: set[str]) -> tuple[str, str | None, str | None] | None:
    """A quote the note attributes with a saying verb: 'As Ada Ray said, "…"',
    '"…," noted Ada Ray', '"…," Ada Ray explains'. Returns the quoted words and the name."""
    start = -1
    for mark in _OPEN_QUOTES:
        at = text.find(mark, 0, _INLINE_WINDOW * 4)
        if at >= 0 and (start < 0 or at < start):
            start = at
    if start < 0:
        return None
    if start > 0:  # the name and the verb before the quote
        before = re.split(r"[.;!?]\s|,\s(?=[A-Z])", text[max(0, start - _INLINE_WINDOW):start])
        clause = before[-1].strip().rstrip(",:").split()
        if len(clause) >= 2 and clause[-1].casefold() in rules.SAY_VERBS:
            clause.pop()
            while clause and clause[-1].casefold() in _ADVERBS:
                clause.pop()
            name, role = speaker_of(trailing_name(clause), strict=False, not_names=not_names)
            end = _closing(text, start)
            if name is not None:
                return text[start:end + 1] if end > 0 else text[start:], name, role
        return None
    end = _closing(text, start)
    if end < 0:
        return None
    after = text[end + 1:end + 1 + _INLINE_WINDOW].lstrip(" ,")
    clause = re.split(r"[,.;:!?(—–]", after, maxsplit=1)[0].split()
    if not clause or len(clause) > 8:
        return None
    if clause[0].casefold() in rules.SAY_VERBS:
        name, role = speaker_of(leading_name(clause[1:]), strict=False, not_names=not_names)
    elif clause[-1].casefold() in rules.SAY_VERBS:
        name, role = speaker_of(" ".join(clause[:-1]), strict=False, not_names=not_names)
    else:
        return None
    return (text[:end + 1], name, role) if name is not None else None


def _closing(text: str, start: int) -> int:
    """Where the quote opened at ``start`` closes (-1: never)."""
    closers = "”»" if text[start] in "“«" else "\""
    for at in range(start + 1, min(len(text), start + 20000)):
        if text[at] in closers or (text[at] in _CLOSE_QUOTES and closers == "”»"):
            return at
    return -1


def _quoted_share(text: str) -> float:
    """The share of ``text``'s characters (white space aside) inside quote marks."""
    inside = False
    quoted = total = 0
    pos = 0
    for mark in _QUOTE_MARKS.finditer(text):
        size = _size(text, pos, mark.start())
        total += size
        quoted += size if inside else 0
        char = mark.group()
        inside = (not inside) if char == "\"" else char in "“«„"
        pos = mark.end()
    total += _size(text, pos, len(text))
    quoted += _size(text, pos, len(text)) if inside else 0
    return quoted / total if total else 0.0


def _size(text: str, start: int, stop: int) -> int:
    piece = text[start:stop]
    return len(piece) - piece.count(" ") - piece.count("\n") - piece.count("*")


def _is_words(text: str) -> bool:
    """Someone's words: quoted, or in the first person."""
    if _quoted_share(text) >= rules.QUOTED_SHARE:
        return True
    return bool(_FIRST_PERSON.search(text[:2000])) and not _FORMULA.search(text[:2000])


def _has_words(text: str) -> bool:
    return sum(c.isalpha() for c in text[:50]) >= rules.MIN_QUOTE_LETTERS


def _list_or_table(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    if all(line.lstrip().startswith("|") for line in lines):
        return True
    items = [line for line in lines if _LIST_ITEM.match(line)]
    if len(items) * 2 < len(lines):
        return False  # words with a list after them
    return not all(_quoted_share(line) >= rules.QUOTED_SHARE for line in items)


def _clean(text: str) -> str:
    """The words to show: emphasis around lines, commentary after the quoted words and
    citation debris after the last quote mark cut; quote marks kept."""
    lines = [line.strip().strip("*_").strip() for line in text.strip().split("\n")]
    text = "\n".join(lines).strip()
    if text[:1] in _OPEN_QUOTES:
        end = _closing(text, 0)
        while end > 0:
            rest = text[end + 1:].lstrip(" ,.;\n\t")
            if not rest:
                break
            if rest[:1] in _OPEN_QUOTES:  # another quoted line: keep going
                nxt = _closing(text, len(text) - len(rest))
                if nxt < 0:
                    break
                end = nxt
                continue
            inner = text[end - 1:end]
            ended = inner in ".!?…" or text[end + 1:end + 2] in (".", "!", "?")
            if rest[:1] in _DASHES or (ended and len(rest) >= rules.MIN_COMMENTARY_CHARS):
                text = text[:end + 1]
            break
    return re.sub(r"(?<=[\"”»])[ ,.;]{1,10}+$", "", text)


def extract(note: ParsedNote) -> list[FoundQuote]:
    """Every quote of a parsed note, in file order."""
    found: list[tuple[int, int, FoundQuote]] = []
    for order, quote in enumerate(note.blockquotes):
        section = note.sections[quote.section] if quote.section < len(note.sections) else None
        got = classify(quote.kind, quote.text, quote.attribution, quote.in_code,
                       note_title=note.title,
                       section_heading=section.heading if section is not None else None)
        if got is None:
            continue
        found.append((quote.line, order, FoundQuote(
            quote.section, quote.line, got.text, got.speaker, got.role, quote.seconds,
            quote.moment, quote.repaired, got.shape, got.paraphrase)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in found]


def quotes_of_text(text: str, channel: str, slug: str) -> list[FoundQuote]:
    """Parse a note's text (already decoded) and extract its quotes."""
    from bot.notes.sections import parse_note

    return extract(parse_note(text, channel, slug))
