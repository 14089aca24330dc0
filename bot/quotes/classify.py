"""Which blockquotes are someone's words, and who the note says spoke them (pure, linear)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.notes.records import ParsedNote
from bot.quotes import rules


@dataclass(frozen=True, slots=True)
class Classified:
    text: str
    speaker: str | None
    role: str | None
    paraphrase: bool
    shape: str


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


def _split_role(name: str) -> tuple[str, str | None]:
    for sep in rules.ROLE_SEPARATORS:
        head, found, tail = name.partition(sep)
        if found and head.strip():
            return head.strip(), tail.strip(" )") or None
    return name.strip(), None


def _is_person(name: str, note_title: str, heading: str | None) -> bool:
    words = name.split()
    if not 1 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    if any(w.lower().strip(".*:") in rules.LABEL_WORDS for w in words):
        return False
    folded = name.casefold()
    return folded not in (note_title.casefold(), (heading or "").casefold())


def classify(kind: str, text: str, attribution: str | None, in_code: bool, *,
             note_title: str = "", section_heading: str | None = None) -> Classified | None:
    """A blockquote as a quote, or ``None`` when it is no quote at all."""
    text = text.strip()
    if in_code or not text:
        return None
    if kind.startswith("callout:"):
        return None
    shape = kind
    quoted = text[:1] in "\"“"
    if kind == "plain":
        if not quoted:
            return None
        return Classified(text, None, None, False, "plain")
    speaker: str | None = None
    role: str | None = None
    if attribution:
        name, role = _split_role(attribution)
        if _is_person(name, note_title, section_heading):
            speaker = name
        else:
            role = None
    return Classified(text, speaker, role, not quoted and kind == "callout", shape)


def extract(note: ParsedNote) -> list[FoundQuote]:
    """Every quote of a parsed note, in file order."""
    found: list[FoundQuote] = []
    for quote in note.blockquotes:
        heading = note.sections[quote.section].heading if quote.section < len(note.sections) else None
        got = classify(quote.kind, quote.text, quote.attribution, quote.in_code,
                       note_title=note.title, section_heading=heading)
        if got is None:
            continue
        found.append(FoundQuote(quote.section, quote.line, got.text, got.speaker, got.role,
                                quote.seconds, quote.moment, quote.repaired, got.shape,
                                got.paraphrase))
    found.sort(key=lambda q: (q.line, q.section))
    return found


def quotes_of_text(text: str, channel: str, slug: str) -> list[FoundQuote]:
    """Parse a note's text and extract its quotes."""
    from bot.notes.sections import parse_note

    return extract(parse_note(text, channel, slug))
