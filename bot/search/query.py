"""User text reduced to what is searched, and the FTS5 expressions built from it.

User text is never FTS5 syntax here: :func:`prepare_query` cleans it
(:func:`bot.notes.text.clean_user_text`: no NUL, byte-order mark, bidi control or zero-width
mark is searched or echoed) and reduces it to words (each one double-quoted by
:func:`match_expression`), bounded in number and length, so quotes, ``NEAR(``, ``*``, ``:``
and column filters are plain words, and a pasted wall of text costs no more than a dozen
words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.notes.text import clean_user_text
from bot.search.records import QueryTooVague
from bot.search.text import STOPWORDS, words

MAX_QUERY_CHARS = 400  # of user text considered at all; the rest is dropped, not searched
MAX_TERMS = 10  # distinct words searched, at most
MAX_CORRECTED_TERMS = 4  # unknown words looked up by edit distance, at most
LONG_QUERY_WORDS = 6  # beyond this many words, typo tolerance is mostly switched off
# full-text cost bounds: rows whose bm25 is computed, and doclist sizes read per query
MAX_SCORED_ROWS = 8_000  # a word in more rows than this is too common to score alone
COMMON_ROWS = 40_000  # a word in more rows than this is looked for in titles and headings
AND_DF_BUDGET = 60_000  # doclist rows read by the AND query (the rarest words first)
NOTE_DF_BUDGET = 6_000  # doclist rows read by the per-note query
VARIANT_DF = 100  # a word in fewer rows than this also searches its -ed/-ing forms
RARE_DF = 100  # ... and may be a misspelling of a neighbour as common as itself


def clean_query(text: str | None) -> str:
    """A member's text as it is searched and echoed: invisible and control characters
    gone, white space folded, at most :data:`MAX_QUERY_CHARS` characters."""
    return clean_user_text(text or "", limit=MAX_QUERY_CHARS)


@dataclass(slots=True)
class PreparedQuery:
    """User text reduced to what is searched: at most :data:`MAX_TERMS` distinct words.

    ``text`` is the cleaned text (what a reply may echo); ``words`` keeps the query's
    order (the last word may be a prefix still being typed when ``open_end``); ``norm`` is
    the words joined by spaces (for exact/prefix title matching); ``truncated`` says
    words or characters were dropped.
    """

    text: str
    words: list[str]
    norm: str
    open_end: bool
    truncated: bool


def prepare_query(text: str | None, *, max_terms: int = MAX_TERMS) -> PreparedQuery:
    """Reduce user text to searchable words; raise :class:`QueryTooVague` if none are left.

    The text is cleaned and capped at :data:`MAX_QUERY_CHARS`; words are deduplicated;
    when more than ``max_terms`` remain, stopwords go first and then the words that come
    later.
    """
    raw = text or ""
    open_end = bool(raw) and raw[-1:].isalnum()
    cleaned = clean_user_text(raw, limit=MAX_QUERY_CHARS + 1)
    truncated = len(cleaned) > MAX_QUERY_CHARS
    cleaned = cleaned[:MAX_QUERY_CHARS]
    if truncated:
        open_end = False
    if not cleaned:
        raise QueryTooVague("empty", "Type a few words to search for.")
    found = words(cleaned)
    if not found:
        raise QueryTooVague(
            "no words", "That has no words to search for: try a title, a name or a topic.")
    unique = list(dict.fromkeys(found))
    if len(unique) < len(found) and len(found) > max_terms:
        truncated = True
    if len(unique) > max_terms:
        truncated = True
        content = [w for w in unique if w not in STOPWORDS]
        unique = (content or unique)[:max_terms]
    return PreparedQuery(cleaned, unique, " ".join(found[: max_terms * 3]), open_end, truncated)


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def match_expression(groups: Sequence[Sequence[str]], *, mode: str = "and") -> str:
    """An FTS5 MATCH expression in which every word is a quoted string, never syntax.

    ``groups`` are alternatives for one query word (``[["imposter", "impostor"],
    ["syndrome"]]``); ``mode="and"`` needs every group, ``"or"`` any.
    """
    parts = []
    for group in groups:
        alternatives = [_quote(w) for w in dict.fromkeys(group) if w]
        if not alternatives:
            continue
        parts.append(alternatives[0] if len(alternatives) == 1
                     else "(" + " OR ".join(alternatives) + ")")
    return (" AND " if mode == "and" else " OR ").join(parts)


@dataclass(slots=True)
class QueryTerm:
    """One query word as the indexes see it."""

    word: str
    forms: dict[str, float]  # stems -> similarity, from the full-text vocabulary
    prefix: bool  # may be completed (the last word, being typed)
    stop: bool
    fts_words: list[str]  # alternatives in the full-text vocabulary
    fts_df: int  # rows that hold any of them (may exceed the rows: variants overlap)


def searchable(terms: Sequence[QueryTerm]) -> list[QueryTerm]:
    """The terms worth a full-text search, rarest first: not stopwords, not single letters
    (unless nothing else is left)."""
    found = [t for t in terms if t.fts_words and not t.stop and len(t.word) > 1]
    if not found:
        found = [t for t in terms if t.fts_words and len(t.word) > 1] or [
            t for t in terms if t.fts_words]
    return sorted(found, key=lambda t: t.fts_df)


def within_budget(terms: Sequence[QueryTerm], budget: int,
                  per_word: int | None) -> list[QueryTerm]:
    """The rarest terms whose rows, together, stay within ``budget`` (at least one term,
    unless ``per_word`` excludes even the rarest)."""
    chosen: list[QueryTerm] = []
    spent = 0
    for term in terms:
        if per_word is not None and term.fts_df > per_word:
            break
        if chosen and spent + term.fts_df > budget:
            break
        chosen.append(term)
        spent += term.fts_df
    return chosen
