"""Topic lookup: one ranking behind /topic, /search, autocomplete and related notes.

Members type what they remember: misspelt, half-finished, in their own words, or the name
of a section. :class:`TopicSearch` answers from four sources and fuses them:

* a **title index** held in memory: every title's words by (light) stem, with prefix
  completion (``"perf"`` -> ``performance``) and typo tolerance (``"secretagouges"`` ->
  ``secretagogues``, by edit distance over the written words);
* a **heading index** of the same kind over every section heading, and a small one over
  episode titles (a note's episode as the member may remember it);
* **full text** (SQLite FTS5) whose query words are first typo-corrected against the
  index's own vocabulary: the sections that hold every word (bm25, title and heading
  weighted above body text), and the notes that hold most of the words anywhere (BM25 with
  the whole note as the document, for paraphrases whose words are spread over a note).

Each source scores a note 0..1 and the scores are fused (the strongest source, plus a share
of the second: see :class:`RankingWeights`).

User text is never FTS5 syntax here: :func:`prepare_query` reduces it to words (each one
double-quoted by :func:`match_expression`), bounded in number and length, so quotes,
``NEAR(``, ``*``, ``:`` and column filters are plain words, and a pasted wall of text costs
no more than a dozen words. Every query is bounded in the rows it reads; each SQL statement
is interrupted after :data:`QUERY_TIME_LIMIT`. Nothing in this module imports discord.

Lifecycle: ``search = TopicSearch(cache)`` (or ``async with``); every public coroutine first
reloads what it keeps in memory if ``cache.generation`` moved (built in a worker thread from
a read-only connection: about 2 s and 130 MB for a 21,000-note vault). Queries run on two
read-only connections in worker threads, never on the event loop and never inside a sync's
transaction. :meth:`TopicSearch.autocomplete` and :meth:`TopicSearch.channels` are
synchronous and memory-only; when the cache moved they answer from the previous snapshot
and schedule a reload. Call :meth:`TopicSearch.aclose` at shutdown (optional: the worker
threads end with the interpreter anyway).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import hashlib
import itertools
import json
import logging
import math
import re
import sqlite3
import threading
import time
import unicodedata
from array import array
from collections import Counter
from collections.abc import Awaitable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.cache import sql
from bot.cache.store import NotesCache
from bot.notes.parsing import clean_line, strip_invisible

log = logging.getLogger(__name__)

SECTION_STRIDE = sql.SECTION_STRIDE
MAX_QUERY_CHARS = 400  # of user text considered at all; the rest is dropped, not searched
MAX_TERMS = 10  # distinct words searched, at most
MAX_CORRECTED_TERMS = 4  # unknown words looked up by edit distance, at most
LONG_QUERY_WORDS = 6  # beyond this many words, typo tolerance is mostly switched off
MAX_POSTINGS = 12_000  # texts gathered per in-memory search, at most
AUTOCOMPLETE_POSTINGS = 4_000  # the same for each keystroke
STRONG_SHARE = 0.75  # of the typed words' weight a title/heading must match to rank as one
MAX_CHOICE_CHARS = 100  # Discord's limit for an autocomplete choice's name and value
SNIPPET_CHARS = 200
# full-text cost bounds: rows whose bm25 is computed, and doclist sizes read per query
MAX_SCORED_ROWS = 8_000  # a word in more rows than this is too common to score alone
COMMON_ROWS = 40_000  # a word in more rows than this is looked for in titles and headings
AND_DF_BUDGET = 60_000  # doclist rows read by the AND query (the rarest words first)
NOTE_DF_BUDGET = 6_000  # doclist rows read by the per-note query
READERS = 2  # read-only connections: the two full-text queries run side by side
QUERY_TIME_LIMIT = 0.5  # seconds a search statement may run before it is interrupted
VARIANT_DF = 100  # a word in fewer rows than this also searches its -ed/-ing forms
RARE_DF = 100  # ... and may be a misspelling of a neighbour as common as itself
YOUTUBE_WATCH = "https://www.youtube.com/watch?v="

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")
_WORD = re.compile(r"[^\W_]+")
_VOWEL = re.compile(r"[aeiouy]")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^()\s]*\)")
_WIKI_LINK = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
_MD_MARKS = re.compile(r"[*`]+")
_SNIPPET_MARKS = ("\x02", "\x03")  # snippet markers: no note text holds them

_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself
yourselves s t don isn doesn didn
also another anyone anything around away back cannot could every everyone everything
get gets getting got go goes going gone like lot lots make makes made making many much
one ones really say says said see seem seems someone something stuff thing things
tell thats there's way ways well whats yet even ever still whether within without vs versus
"""  # generic words of questions ("what does someone say about the way ..."): searching
# them finds everything; they still count in exact and prefix title matches
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


# --------------------------------------------------------------------------- public records


@dataclass(slots=True)
class TopicHit:
    """One note that answers a query.

    ``score`` is 0..1 (1 = the title, exactly). ``why`` says what matched best: ``"title"``,
    ``"fuzzy title"`` (by prefix or typo tolerance), ``"heading"`` or ``"text"``.
    ``matched_section``/``section_index`` name the section that matched, when one did.
    ``url`` is the episode's YouTube link (from the note's ``videoId``), or None.
    """

    note_id: int
    channel: str
    slug: str
    title: str
    video_id: str | None
    url: str | None
    episode_title: str | None
    score: float
    matched_section: str | None
    why: str
    section_index: int | None = None
    channel_name: str = ""

    @property
    def key(self) -> str:
        """``channel/slug``: what :meth:`TopicSearch.resolve` accepts back."""
        return f"{self.channel}/{self.slug}"

    def as_dict(self) -> dict[str, Any]:
        """The shape ``notecast topic QUERY --json`` prints for each result."""
        return {"channel": self.channel, "slug": self.slug, "title": self.title,
                "score": round(self.score, 4), "video_id": self.video_id, "url": self.url}


@dataclass(slots=True)
class LookupResult:
    """The answer to :meth:`TopicSearch.lookup`, best hit first.

    ``confident`` is False when nothing matches well; ``did_you_mean`` then holds the
    closest titles. ``reason`` is set when the query could not be searched at all
    (``"empty"``, ``"no words"`` (emoji, punctuation, invisible characters only),
    ``"unknown channel"``, ``"not ready"``); ``hits`` is then empty. ``truncated`` says
    the query was longer than :data:`MAX_QUERY_CHARS` or :data:`MAX_TERMS` words and only
    its start or its rarest words were searched.
    """

    query: str
    hits: list[TopicHit]
    confident: bool
    did_you_mean: list[str] = field(default_factory=list)
    took_ms: float = 0.0
    reason: str | None = None
    truncated: bool = False

    @property
    def best(self) -> TopicHit | None:
        return self.hits[0] if self.hits else None

    def as_dict(self) -> dict[str, Any]:
        """``{"results": [...], "took_ms": ...}`` for ``notecast topic --json``."""
        out: dict[str, Any] = {"results": [hit.as_dict() for hit in self.hits],
                               "took_ms": round(self.took_ms, 2)}
        if not self.confident:
            out["did_you_mean"] = list(self.did_you_mean)
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(slots=True, frozen=True)
class Choice:
    """An autocomplete choice. Both fields are at most 100 characters.

    ``value`` is ``channel/slug`` or ``channel/slug#section-index`` (shortened with a hash
    when it would not fit); :meth:`TopicSearch.resolve` and :meth:`TopicSearch.lookup`
    accept it back.
    """

    name: str
    value: str


@dataclass(slots=True)
class SearchHit:
    """A full-text hit: one section of one note, with a snippet of at most ~200 characters
    whose matched words are wrapped in ``**`` (nothing else in it is escaped)."""

    note_id: int
    channel: str
    slug: str
    title: str
    section_index: int
    heading: str | None
    snippet: str
    score: float
    video_id: str | None = None
    url: str | None = None


@dataclass(slots=True, frozen=True)
class NoteRef:
    """A note named in :class:`Related`."""

    note_id: int
    channel: str
    slug: str
    title: str


@dataclass(slots=True)
class Related:
    """The notes around one note: what it links to (resolved in its own channel first, then
    in any channel), what links to it, and the other notes of its episode."""

    note: NoteRef
    links_out: list[NoteRef]
    backlinks: list[NoteRef]
    same_episode: list[NoteRef]
    unresolved_links: list[str]
    episode_title: str | None = None
    url: str | None = None


@dataclass(slots=True, frozen=True)
class ChannelInfo:
    """A channel for the channel option: its key (what ``channel=`` takes), display name and
    number of notes."""

    key: str
    name: str
    notes: int


class QueryTooVague(ValueError):
    """The text holds nothing searchable (empty, emoji, punctuation, invisible characters).

    ``reason`` is ``"empty"`` or ``"no words"``; ``str(exc)`` is a sentence for the user.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(slots=True, frozen=True)
class RankingWeights:
    """The knobs of the ranking (chosen on the ``tune`` half of
    ``benchmarks/relevance_set.json`` and checked on the ``holdout`` half).

    * ``title``/``heading``/``text``/``anchor``/``episode``: each source's weight in the fusion
      ``m + agreement * n * (1 - m)``, where ``m`` and ``n`` are the largest and second
      largest weighted source scores (a second source adds, but never as much as one);
    * ``fts_title``/``fts_heading``/``fts_body``: bm25 column weights of the section query;
      ``text_saturation``: the section bm25 (relative to the query's total idf) that counts
      as a strong match; ``partial_text`` scales it when some words had to be left out;
      ``section_decay`` weighs a note's second and third best sections;
    * ``note_share``: the share of the per-note score (BM25 over whole notes) in a note's
      text score; ``note_saturation`` as ``text_saturation``; ``lead_weight``: how much
      more a word counts in a note's opening section (its summary);
    * ``query_power``: how steeply a title or heading loses score for each query word it
      lacks;
    * ``confident``: the fused score from which the best hit counts as a good match; it also
      does from ``confident_floor`` when it is ``confident_margin`` times the second's.
    """

    title: float = 0.95
    heading: float = 0.8
    text: float = 0.85
    anchor: float = 0.75
    episode: float = 0.6
    agreement: float = 0.5
    fts_title: float = 2.0
    fts_heading: float = 2.0
    fts_body: float = 1.0
    text_saturation: float = 1.5
    partial_text: float = 0.6
    section_decay: float = 0.3
    note_share: float = 0.5
    note_saturation: float = 1.0
    lead_weight: float = 2.0
    query_power: float = 1.5
    confident: float = 0.5
    confident_floor: float = 0.3
    confident_margin: float = 1.5


# --------------------------------------------------------------------------- text


def fold(text: str) -> str:
    """Text as the index sees it: invisible marks and diacritics dropped, case folded."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", strip_invisible(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", text.casefold())


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits; everything else separates)."""
    return _WORD.findall(fold(text))


def _measure(word: str) -> int:
    """Porter's m: the number of vowel-consonant sequences in ``word``."""
    m = 0
    previous_vowel = False
    for k, ch in enumerate(word):
        vowel = ch in "aeiou" or (ch == "y" and k > 0 and word[k - 1] not in "aeiou")
        if previous_vowel and not vowel:
            m += 1
        previous_vowel = vowel
    return m


def _ends_cvc(word: str) -> bool:
    if len(word) < 3 or word[-1] in "wxy":
        return False
    return word[-3] not in "aeiou" and word[-2] in "aeiouy" and word[-1] not in "aeiou"


def stem(word: str) -> str:
    """A light English stem (Porter's steps 1a-1c and 5a), so that ``layoffs``/``layoff``,
    ``roasting``/``roast``, ``baking``/``bake`` and ``ponies``/``pony`` meet. It only has
    to map a word and its usual variants to one key, for matching."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "i"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ing", "ed"):
            root = word[: -len(suffix)]
            if word.endswith(suffix) and len(root) >= 2 and _VOWEL.search(root):
                if root.endswith(("at", "bl", "iz")):
                    root += "e"
                elif len(root) >= 4 and root[-1] == root[-2] and root[-1] not in "aeiouslz":
                    root = root[:-1]
                elif _measure(root) == 1 and _ends_cvc(root):
                    root += "e"
                word = root
                break
    if len(word) > 2 and word.endswith("y") and _VOWEL.search(word[:-1]):
        word = word[:-1] + "i"
    elif word.endswith("e"):
        root = word[:-1]
        m = _measure(root)
        if m > 1 or (m == 1 and not _ends_cvc(root)):
            word = root
    return word


def clean_heading(heading: str) -> str:
    """A heading for display and matching: markdown and wiki links reduced to their label,
    emphasis marks dropped."""
    if "[" in heading:
        heading = _WIKI_LINK.sub(lambda m: (m.group(2) or m.group(1)).strip(), heading)
        heading = _MD_LINK.sub(r"\1", heading)
    if "*" in heading or "`" in heading:
        heading = _MD_MARKS.sub("", heading)
    return clean_line(heading)


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 7 else 2


def _similarity(edits: int, length: int = 6) -> float:
    """How much a word one or two edits away counts (a long word's typo is unambiguous)."""
    if edits <= 0:
        return 1.0
    return (0.9 if length >= 6 else 0.85) if edits == 1 else 0.75


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def youtube_url(video_id: str | None) -> str | None:
    if video_id and _VIDEO_ID.fullmatch(video_id):
        return YOUTUBE_WATCH + video_id
    return None


# --------------------------------------------------------------------------- queries


@dataclass(slots=True)
class PreparedQuery:
    """User text reduced to what is searched: at most :data:`MAX_TERMS` distinct words.

    ``words`` keeps the query's order (the last word may be a prefix still being typed
    when ``open_end``); ``norm`` is the words joined by spaces (for exact/prefix title
    matching); ``truncated`` says words were dropped.
    """

    text: str
    words: list[str]
    norm: str
    open_end: bool
    truncated: bool


def prepare_query(text: str, *, max_terms: int = MAX_TERMS) -> PreparedQuery:
    """Reduce user text to searchable words; raise :class:`QueryTooVague` if none are left.

    The text is capped at :data:`MAX_QUERY_CHARS`; words are deduplicated; when more than
    ``max_terms`` remain, stopwords go first and then the words that come later.
    """
    raw = text or ""
    truncated = len(raw) > MAX_QUERY_CHARS
    raw = raw[:MAX_QUERY_CHARS]
    if not raw.strip() or not strip_invisible(raw).strip():
        raise QueryTooVague("empty", "Type a few words to search for.")
    found = words(raw)
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
    open_end = not raw[-1:].isspace() and raw[-1:].isalnum() if raw else False
    return PreparedQuery(clean_line(raw), unique, " ".join(found[: max_terms * 3]), open_end,
                         truncated)


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


# --------------------------------------------------------------------------- memory index


class _TermIndex:
    """Short texts (titles, headings) by the stems of their words.

    Built once per snapshot in a worker thread; read-only afterwards, so any number of
    tasks and threads may query it. Postings are ordered shortest text first, so that a
    very common word yields its most specific texts first.
    """

    __slots__ = ("_fuzzy_cache", "by_len", "by_norm", "doc_terms", "doc_weight", "idf",
                 "norm_ids", "norms", "postings", "size", "sorted_norms", "surface",
                 "unseen_idf", "vocab")

    def __init__(self, texts: Sequence[str], *, exact: bool = False) -> None:
        """``exact``: also keep the texts' normalized forms, for exact and prefix matches
        of the whole text (titles; not worth their memory for headings)."""
        self.size = n = len(texts)
        postings: dict[str, list[int]] = {}
        doc_terms: list[tuple[str, ...]] = []
        interned: dict[str, str] = {}
        norms: list[str] = []
        surface: dict[str, str] = {}  # every written form -> its stem
        for doc, text in enumerate(texts):
            found = words(text)
            norms.append(" ".join(found))
            terms: list[str] = []
            for word in found:
                term = surface.get(word)
                if term is None:
                    term = surface[word] = stem(word)
                term = interned.setdefault(term, term)
                if term not in terms:
                    terms.append(term)
                    postings.setdefault(term, []).append(doc)
            doc_terms.append(tuple(terms))
        self.idf = {t: math.log(1.0 + (n - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in postings.items()}
        self.unseen_idf = math.log(1.0 + (n + 0.5) / 0.5)
        idf = self.idf
        self.doc_weight = array("d", (sum(idf[t] for t in terms) or 1.0 for terms in doc_terms))
        weight = self.doc_weight
        self.postings = {t: tuple(sorted(p, key=weight.__getitem__)) for t, p in postings.items()}
        self.doc_terms = doc_terms
        self.norms = norms if exact else []
        self.by_norm: dict[str, list[int]] = {}
        self.sorted_norms: list[str] = []
        self.norm_ids: list[int] = []
        if exact:
            for doc, norm in enumerate(norms):
                self.by_norm.setdefault(norm, []).append(doc)
            order = sorted(range(n), key=lambda d: (norms[d], d))
            self.sorted_norms = [norms[d] for d in order]
            self.norm_ids = order
        self.vocab = sorted(postings)
        self.surface = surface
        self.by_len: dict[int, list[str]] = {}  # written forms by length, for typos
        for form in sorted(surface):
            self.by_len.setdefault(len(form), []).append(form)
        self._fuzzy_cache: dict[str, dict[str, float]] = {}

    # -- words

    def completions(self, prefix: str, limit: int = 40, scan: int = 3000) -> dict[str, float]:
        """Vocabulary stems that start with ``prefix``, the most frequent first."""
        if not prefix:
            return {}
        start = bisect.bisect_left(self.vocab, prefix)
        found: list[str] = []
        for term in self.vocab[start : start + scan]:
            if not term.startswith(prefix):
                break
            found.append(term)
        if len(found) > limit:
            found = sorted(found, key=lambda t: -len(self.postings[t]))[:limit]
        return {t: 0.55 + 0.45 * len(prefix) / len(t) for t in found if t != prefix}

    def near(self, word: str) -> dict[str, float]:
        """Stems of the written words within a small edit distance of ``word`` (cached)."""
        cached = self._fuzzy_cache.get(word)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if len(word) >= 4 and word.isalpha():
            edits = _max_edits(word)
            pool: list[str] = []
            for length in range(len(word) - edits, len(word) + edits + 1):
                pool.extend(self.by_len.get(length, ()))
            for form, distance, _ in process.extract(
                word, pool, scorer=OSA.distance, score_cutoff=edits, limit=8
            ):
                if distance == 1 or (distance and form[:1] == word[:1]):
                    term = self.surface[form]
                    found[term] = max(found.get(term, 0.0),
                                      _similarity(int(distance), len(word)))
        if len(self._fuzzy_cache) > 4096:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = found
        return found

    def term_matches(self, term: _QueryTerm, *, typos: bool = True) -> dict[str, float]:
        """What ``term`` matches in this index: stem -> similarity (1 = same stem)."""
        matches = {s: v for s, v in term.forms.items() if s in self.postings}
        # the word being typed, or a shortened word ("perf", "mayo") that matches nothing
        if (term.prefix and term.word) or (not matches and not term.stop
                                           and len(term.word) >= 3):
            wanted = 6 if len(term.word) == 1 else 16 if len(term.word) == 2 else 40
            for s, v in self.completions(term.word, limit=wanted).items():
                if v > matches.get(s, 0.0):
                    matches[s] = v
        if typos and not any(v >= 0.95 for v in matches.values()) and not term.stop:
            for s, v in self.near(term.word).items():
                if v > matches.get(s, 0.0):
                    matches[s] = v
        return matches

    # -- texts

    def search(
        self, terms: Sequence[_QueryTerm], *, allowed: frozenset[int] | set[int] | None = None,
        limit: int = 50, cap: int = 300, typos: bool = True, norm: str = "",
        prefix_bonus: bool = False, query_power: float = 1.0,
        max_postings: int = MAX_POSTINGS,
    ) -> list[tuple[int, float, bool, float]]:
        """The texts that best cover the query: ``(doc, score 0..1, used a typo/prefix,
        share of the query's words it matches 0..1)``.

        A text's score is the share of the query's word weight (idf) it explains, scaled by
        the share of its own words the query explains (so "Protein" beats "Protein in
        diet" for "protein").
        """
        if not terms or not self.size:
            return []
        matches = [self.term_matches(t, typos=typos) for t in terms]
        prefixes = [t.word if t.prefix else "" for t in terms]
        weights = []
        for term, found in zip(terms, matches, strict=True):
            if found:
                weights.append(max(self.idf[s] * v for s, v in found.items()))
            else:
                weights.append(0.3 if term.stop else self.unseen_idf)
        total = sum(weights) or 1.0
        content = [i for i, t in enumerate(terms) if not t.stop and matches[i]]
        generators = content or [i for i in range(len(terms)) if matches[i]]
        if not generators:
            return []
        # the words with the fewest texts find the candidates; very common words are only
        # counted in (their postings would cost more than they tell)
        generators.sort(key=lambda i: sum(len(self.postings[s]) for s in matches[i]))
        spent = 0
        kept: list[int] = []
        for i in generators:
            size = sum(len(self.postings[s]) for s in matches[i])
            if kept and spent + size > max_postings:
                break
            kept.append(i)
            spent += size
        sets: list[set[int]] = []
        ordered: list[tuple[int, ...] | None] = []  # a posting list, shortest text first
        for i in kept:
            posting_lists = [self.postings[s] for s in matches[i]]
            if sum(map(len, posting_lists)) > max_postings:  # one very common word alone
                posting_lists = [p[:max_postings] for p in posting_lists]
            one = set(posting_lists[0]) if len(posting_lists) == 1 else set().union(
                *posting_lists)
            if allowed is not None:
                one &= allowed
            if one:
                sets.append(one)
                ordered.append(posting_lists[0] if len(posting_lists) == 1 else None)
        if not sets:
            return []
        counts: Counter[int] | None = None
        if len(sets) == 1:
            pool = sets[0]
            best_count = 1
        else:
            counts = Counter()
            for one in sets:
                counts.update(one)
            best_count = max(counts.values())
            pool = {d for d, c in counts.items() if c >= best_count - 1}
        candidates: Iterable[int] = pool
        if len(pool) > cap:
            # the texts that match the most words first, the shortest first among equals
            rare = min(range(len(sets)), key=lambda k: len(sets[k]))
            walk = ordered[rare] or sorted(sets[rare], key=self.doc_weight.__getitem__)
            chosen: list[int] = []
            for wanted in (best_count, best_count - 1):
                for d in walk:
                    if d in pool and (counts is None or counts[d] == wanted):
                        chosen.append(d)
                        if len(chosen) >= cap:
                            break
                if len(chosen) >= cap or counts is None:
                    break
            candidates = chosen
        idf = self.idf
        doc_terms = self.doc_terms
        doc_weight = self.doc_weight
        floor = 0.55
        scored: list[tuple[int, float, bool, float]] = []
        for d in candidates:
            dterms = doc_terms[d]
            covered = 0.0
            explained: dict[str, float] = {}
            fuzzy_used = False
            for i, found in enumerate(matches):
                best = 0.0
                best_term = ""
                for t in dterms:
                    v = found.get(t)
                    if v is not None and v > best:
                        best, best_term = v, t
                if not best and prefixes[i]:  # the word being typed, completed in this text
                    p = prefixes[i]
                    for t in dterms:
                        if t.startswith(p) and len(t) > len(p):
                            v = 0.55 + 0.45 * len(p) / len(t)
                            if v > best:
                                best, best_term = v, t
                if best:
                    covered += weights[i] * best
                    if best < 1.0:
                        fuzzy_used = True
                    if best > explained.get(best_term, 0.0):
                        explained[best_term] = best
            share = covered / total
            q_cover = share**query_power
            d_cover = sum(idf[t] * v for t, v in explained.items()) / doc_weight[d]
            score = q_cover * (floor + (1.0 - floor) * d_cover)
            if prefix_bonus and norm and self.norms and self.norms[d].startswith(norm):
                score = max(score, 0.8 + 0.2 * len(norm) / max(1, len(self.norms[d])))
            scored.append((d, score, fuzzy_used, share))
        scored.sort(key=lambda x: (-x[1], doc_weight[x[0]]))
        return scored[:limit]

    def prefixed(self, norm: str, allowed: frozenset[int] | set[int] | None,
                 limit: int) -> list[int]:
        """Texts that start with ``norm``, shortest first."""
        if not norm:
            return []
        start = bisect.bisect_left(self.sorted_norms, norm)
        found: list[int] = []
        for k in range(start, min(len(self.sorted_norms), start + 4000)):
            if not self.sorted_norms[k].startswith(norm):
                break
            d = self.norm_ids[k]
            if allowed is None or d in allowed:
                found.append(d)
        found.sort(key=lambda d: (len(self.norms[d]), self.norms[d]))
        return found[:limit]


@dataclass(slots=True)
class _QueryTerm:
    word: str
    forms: dict[str, float]  # stems -> similarity, from the full-text vocabulary
    prefix: bool  # may be completed (the last word, being typed)
    stop: bool
    fts_words: list[str]  # alternatives in the full-text vocabulary
    fts_df: int  # rows that hold any of them


# --------------------------------------------------------------------------- snapshot


@dataclass(slots=True)
class _Note:
    note_id: int
    channel: str
    slug: str
    slug_key: str
    title: str
    video_id: str | None


class _Snapshot:
    """Everything kept in memory for one cache generation (read-only once built)."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.ready = False
        self.notes: list[_Note] = []
        self.by_id: dict[int, int] = {}
        self.by_key: dict[tuple[str, str], int] = {}
        self.by_slug_key: dict[str, list[int]] = {}
        self.by_video: dict[str, list[int]] = {}
        self.by_hash: dict[str, int] = {}
        self.channel_names: dict[str, str] = {}
        self.channel_notes: dict[str, frozenset[int]] = {}
        self.channel_id_range: dict[str, tuple[int, int]] = {}
        self.channel_headings: dict[str, frozenset[int]] = {}
        self.episodes: dict[tuple[str, str], tuple[str, str]] = {}
        self.episode_any: dict[str, tuple[str, str]] = {}
        self.titles = _TermIndex([])
        self.headings = _TermIndex([])
        # per heading: note index * SECTION_STRIDE + section index (ascending), and its text
        self.heading_keys = array("q")
        self.heading_texts: list[str] = []
        self.popular: list[int] = []  # the most linked-to notes first
        self.anchor_index = _TermIndex([])
        self.anchor_notes = array("i")  # per link label: the note it names
        self.episode_index = _TermIndex([])
        self.episode_notes: list[tuple[int, ...]] = []  # per episode title: its notes
        self.vocabulary: dict[str, int] = {}
        self.vocab_by_len: dict[int, list[str]] = {}
        self.vocab_sorted: list[str] = []
        self.vocab_by_stem: dict[str, list[str]] = {}
        self.rows = 1
        self.avg_sections = 1.0
        self.correction_cache: dict[str, list[tuple[str, int]]] = {}

    # -- channels

    def heading(self, doc: int) -> tuple[int, int, str]:
        """A heading of the heading index: (note index, section index, text)."""
        index, idx = divmod(self.heading_keys[doc], SECTION_STRIDE)
        return index, idx, self.heading_texts[doc]

    def channel_key(self, channel: str | None) -> str | None:
        """A channel option (key, folder or display name) as a key; "" if unknown."""
        if channel is None or not channel.strip():
            return None
        wanted = fold(channel).strip()
        if wanted in self.channel_notes or wanted in self.channel_names:
            return wanted
        for key, name in self.channel_names.items():
            if fold(name) == wanted:
                return key
        return ""

    def display(self, channel: str) -> str:
        return self.channel_names.get(channel) or channel

    def episode(self, note: _Note) -> tuple[str | None, str | None]:
        if not note.video_id:
            return None, None
        found = self.episodes.get((note.channel, note.video_id)) or self.episode_any.get(
            note.video_id)
        if found is None:
            return None, youtube_url(note.video_id)
        return found[0], youtube_url(note.video_id)

    # -- words

    def corrections(self, word: str) -> list[tuple[str, int]]:
        """Full-text vocabulary words within a small edit distance, most frequent first."""
        cached = self.correction_cache.get(word)
        if cached is not None:
            return cached
        found: list[tuple[str, int]] = []
        if len(word) >= 4 and word.isalpha():
            edits = _max_edits(word)
            pool: list[str] = []
            for length in range(len(word) - edits, len(word) + edits + 1):
                pool.extend(self.vocab_by_len.get(length, ()))
            hits = process.extract(word, pool, scorer=OSA.distance, score_cutoff=edits,
                                   limit=12)
            distances = [int(h[1]) for h in hits if h[1] > 0]
            if distances:
                nearest = min(distances)
                found = sorted(((h[0], nearest) for h in hits if int(h[1]) == nearest),
                               key=lambda x: -self.vocabulary.get(x[0], 0))[:3]
        if len(self.correction_cache) > 8192:
            self.correction_cache.clear()
        self.correction_cache[word] = found
        return found

    def completions(self, prefix: str, limit: int = 2) -> list[tuple[str, int]]:
        """Full-text vocabulary words that start with ``prefix``, most frequent first."""
        start = bisect.bisect_left(self.vocab_sorted, prefix)
        found: list[tuple[str, int]] = []
        for term in self.vocab_sorted[start : start + 2000]:
            if not term.startswith(prefix):
                break
            if term != prefix:
                found.append((term, self.vocabulary[term]))
        found.sort(key=lambda x: -x[1])
        return found[:limit]

    def make_terms(self, query: PreparedQuery, *, correct: bool = True,
                   completing: bool = False) -> list[_QueryTerm]:
        """Query words with their stems, typo corrections and full-text alternatives."""
        terms: list[_QueryTerm] = []
        # a typo hides in a short query; a long one is pasted text, corrected sparingly
        budget = MAX_CORRECTED_TERMS if len(query.words) <= LONG_QUERY_WORDS else 1
        last = len(query.words) - 1
        for i, word in enumerate(query.words):
            base = stem(word)
            forms = {base: 1.0}
            df = self.vocabulary.get(word, 0)
            fts_words = [word] if df else []
            is_stop = word in STOPWORDS
            if not is_stop and len(word) >= 4:
                # singular/plural always; other forms (-ed, -ing) when this one is rare
                for variant in self.vocab_by_stem.get(base, ())[:4]:
                    if variant not in fts_words and (df < VARIANT_DF
                                                     or _same_but_number(word, variant)):
                        fts_words.append(variant)
            if correct and not is_stop and budget > 0 and df < RARE_DF and len(word) >= 4:
                # unknown: its nearest words; rare: also its spellings about as common
                # ("imposter"/"impostor")
                budget -= 1
                fixes = self.corrections(word)
                if not df:  # a cut-off word ("perf", "busin") completes rather than corrects
                    longer = self.completions(word)
                    best_fix = max((self.vocabulary.get(f, 0) for f, _ in fixes), default=0)
                    if longer and longer[0][1] >= 5 * best_fix:
                        fixes = []
                        for full, _ in longer:
                            forms.setdefault(stem(full), 0.8)
                            if full not in fts_words:
                                fts_words.append(full)
                for fixed, edits in fixes:
                    fixed_df = self.vocabulary.get(fixed, 0)
                    if df and (edits > 1 or len(word) < 7 or fixed[:2] != word[:2]
                               or fixed_df < max(3, df // 2)):
                        continue
                    forms.setdefault(stem(fixed), _similarity(edits, len(word)))
                    if fixed not in fts_words:
                        fts_words.append(fixed)
            terms.append(_QueryTerm(
                word, forms, prefix=completing and i == last and query.open_end,
                stop=is_stop, fts_words=fts_words,
                fts_df=sum(self.vocabulary.get(w, 0) for w in fts_words)))
        # words written apart that the vault writes together ("top down" -> "topdown")
        for a, b in itertools.pairwise(terms):
            joined = a.word + b.word
            if joined in self.vocabulary and not a.stop and not b.stop:
                for term in (a, b):
                    term.forms.setdefault(stem(joined), 0.95)
                    term.fts_words.append(joined)
                    term.fts_df += self.vocabulary[joined]
        return terms

    def note_index_range(self, channel: str | None) -> tuple[int, int]:
        if channel is None:
            return 0, (1 << 62)
        first, last = self.channel_id_range.get(channel, (0, -1))
        return first * SECTION_STRIDE, last * SECTION_STRIDE + SECTION_STRIDE - 1


def _same_but_number(a: str, b: str) -> bool:
    """``a`` and ``b`` differ only as singular and plural (``car``/``cars``,
    ``policy``/``policies``, ``box``/``boxes``)."""
    short, long = sorted((a, b), key=len)
    return (long == short + "s" or long == short + "es"
            or (short.endswith("y") and long == short[:-1] + "ies"))


def _searchable(terms: Sequence[_QueryTerm]) -> list[_QueryTerm]:
    """The terms worth a full-text search, rarest first: not stopwords, not single letters
    (unless nothing else is left)."""
    found = [t for t in terms if t.fts_words and not t.stop and len(t.word) > 1]
    if not found:
        found = [t for t in terms if t.fts_words and len(t.word) > 1] or [
            t for t in terms if t.fts_words]
    return sorted(found, key=lambda t: t.fts_df)


def _within_budget(terms: Sequence[_QueryTerm], budget: int,
                   per_word: int | None) -> list[_QueryTerm]:
    """The rarest terms whose rows, together, stay within ``budget`` (at least one term,
    unless ``per_word`` excludes even the rarest)."""
    chosen: list[_QueryTerm] = []
    spent = 0
    for term in terms:
        if per_word is not None and term.fts_df > per_word:
            break
        if chosen and spent + term.fts_df > budget:
            break
        chosen.append(term)
        spent += term.fts_df
    return chosen


def _resolve_link(snap: _Snapshot, channel: str, target_key: str) -> int | None:
    """The note a link from ``channel`` to ``target_key`` names: in the same channel if
    there is one, else the first in any channel."""
    candidates = snap.by_slug_key.get(target_key, ())
    for index in candidates:
        if snap.notes[index].channel == channel:
            return index
    same = snap.by_key.get((channel, target_key))
    if same is not None:
        return same
    return candidates[0] if candidates else None


def _value_for(note: _Note, section: int | None = None) -> str:
    suffix = "" if section is None else f"#{section}"
    value = f"{note.channel}/{note.slug}{suffix}"
    if len(value) <= MAX_CHOICE_CHARS:
        return value
    digest = _note_hash(note.channel, note.slug)
    room = MAX_CHOICE_CHARS - len(note.channel) - len(digest) - len(suffix) - 2
    return f"{note.channel}/{note.slug[: max(0, room)]}~{digest}{suffix}"


def _note_hash(channel: str, slug: str) -> str:
    return hashlib.blake2b(f"{channel}/{slug}".encode(), digest_size=5).hexdigest()


def _build_snapshot(db_path: Path, generation: int) -> _Snapshot:
    """Read the cache and build the in-memory indexes (runs in a worker thread)."""
    started = time.perf_counter()
    snap = _Snapshot(generation)
    if not db_path.exists():
        return snap
    con = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True,
                          check_same_thread=False)
    try:
        version = con.execute(sql.READ_USER_VERSION).fetchone()[0]
        if version != sql.SCHEMA_VERSION:
            return snap
        for row in con.execute(sql.LOAD_NOTES):
            note = _Note(row[0], row[1], row[2], row[3], clean_line(row[4]) or row[2], row[5])
            index = len(snap.notes)
            snap.notes.append(note)
            snap.by_id[note.note_id] = index
            snap.by_key[(note.channel, note.slug)] = index
            snap.by_slug_key.setdefault(note.slug_key, []).append(index)
            if note.video_id:
                snap.by_video.setdefault(note.video_id, []).append(index)
            snap.by_hash[_note_hash(note.channel, note.slug)] = index
        per_channel: dict[str, list[int]] = {}
        for index, note in enumerate(snap.notes):
            per_channel.setdefault(note.channel, []).append(index)
        snap.channel_notes = {ch: frozenset(ix) for ch, ix in per_channel.items()}
        snap.channel_id_range = {
            ch: (min(snap.notes[i].note_id for i in ix), max(snap.notes[i].note_id for i in ix))
            for ch, ix in per_channel.items()}
        for channel, folder, display in con.execute(sql.LOAD_CHANNELS):
            snap.channel_names[channel] = clean_line(display or "") or folder or channel
        for channel, video_id, title, url in con.execute(sql.LOAD_EPISODES):
            snap.episodes[(channel, video_id)] = (clean_line(title), url)
            snap.episode_any.setdefault(video_id, (clean_line(title), url))
        heading_channel: dict[str, list[int]] = {}
        for _section_id, note_id, idx, heading in con.execute(sql.LOAD_HEADINGS):
            found = snap.by_id.get(note_id)
            text = clean_heading(heading)
            if found is None or not text:
                continue
            index = found
            doc = len(snap.heading_texts)
            snap.heading_keys.append(index * SECTION_STRIDE + idx)
            snap.heading_texts.append(text)
            heading_channel.setdefault(snap.notes[index].channel, []).append(doc)
        snap.channel_headings = {ch: frozenset(d) for ch, d in heading_channel.items()}
        snap.rows = max(1, con.execute(sql.COUNT_SECTIONS).fetchone()[0])
        snap.avg_sections = float(con.execute(sql.AVERAGE_SECTIONS).fetchone()[0] or 1.0)
        for key, _count in con.execute(sql.INBOUND_LINKS, {"limit": 2000}):
            snap.popular.extend(snap.by_slug_key.get(key, ()))
        con.execute(sql.CREATE_VOCABULARY)
        for term, docs in con.execute(sql.LOAD_VOCABULARY):
            snap.vocabulary[term] = docs
            snap.vocab_by_len.setdefault(len(term), []).append(term)
            if term.isalpha():
                snap.vocab_by_stem.setdefault(stem(term), []).append(term)
        terms = list(snap.vocabulary)  # fts5vocab lists terms in order already
        if any(a > b for a, b in itertools.pairwise(terms)):
            terms.sort()
        snap.vocab_sorted = terms
        for forms in snap.vocab_by_stem.values():
            forms.sort(key=lambda w: -snap.vocabulary[w])
        snap.titles = _TermIndex([n.title for n in snap.notes], exact=True)
        snap.headings = _TermIndex(snap.heading_texts)
        episode_titles: list[str] = []
        for (channel, video_id), (title, _url) in snap.episodes.items():
            members = tuple(i for i in snap.by_video.get(video_id, ())
                            if snap.notes[i].channel == channel)
            if members and title:
                episode_titles.append(title)
                snap.episode_notes.append(members)
        snap.episode_index = _TermIndex(episode_titles)
        anchors: list[str] = []
        seen_anchors: set[tuple[int, str]] = set()
        for channel, target_key, label in con.execute(sql.LOAD_ANCHORS):
            target = _resolve_link(snap, channel, target_key)
            text = clean_line(label)
            if target is None or not text or len(text) > 200:
                continue
            key = fold(text)
            if (target, key) in seen_anchors or key == fold(snap.notes[target].title):
                continue
            seen_anchors.add((target, key))
            anchors.append(text)
            snap.anchor_notes.append(target)
        snap.anchor_index = _TermIndex(anchors)
        snap.ready = True
    except sqlite3.Error as exc:
        log.warning("topic search: cannot read the notes cache %s: %s", db_path, exc)
        return _Snapshot(generation)
    finally:
        con.close()
    log.info("topic search: %d notes, %d headings, %d words indexed in %.2fs",
             len(snap.notes), snap.headings.size, len(snap.vocabulary),
             time.perf_counter() - started)
    return snap


# --------------------------------------------------------------------------- readers


async def _no_rows() -> list[Any]:
    return []


class _Readers:
    """Read-only connections to the cache file for search queries, each in its own worker
    thread (the queries never run on the event loop).

    Searches then never queue behind, or see the middle of, a sync on the cache's own
    connection, and the two queries of one lookup run at the same time. A statement that
    runs longer than :data:`QUERY_TIME_LIMIT` is interrupted (the caller gets no rows, not
    a wait). The threads are ordinary executor threads: they end with the interpreter even
    if :meth:`close` was never called.
    """

    def __init__(self, path: Path, size: int) -> None:
        self._uri = path.resolve().as_uri() + "?mode=ro"
        self._executor = ThreadPoolExecutor(max_workers=size,
                                            thread_name_prefix="topic-search")
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._guard = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self._local.until = time.monotonic() + QUERY_TIME_LIMIT
            connection = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            for pragma in sql.READER_PRAGMAS:
                connection.execute(pragma)
            deadline = self._local

            def over_time() -> int:
                return 1 if time.monotonic() > deadline.until else 0

            connection.set_progress_handler(over_time, 20_000)
            self._local.connection = connection
            with self._guard:
                self._opened.append(connection)
        return connection

    def _run(self, statement: str, params: dict[str, Any]) -> list[Any]:
        connection = self._connection()
        self._local.until = time.monotonic() + QUERY_TIME_LIMIT
        return connection.execute(statement, params).fetchall()

    async def fetch_all(self, statement: str, params: dict[str, Any]) -> list[Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, statement, params)

    def _close_all(self) -> None:
        self._executor.shutdown(wait=True)
        with self._guard:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    async def close(self) -> None:
        """Let queries in flight finish, then close every connection."""
        await asyncio.to_thread(self._close_all)


# --------------------------------------------------------------------------- the service


@dataclass(slots=True)
class _Candidate:
    index: int
    title: float = 0.0
    title_fuzzy: bool = False
    heading: float = 0.0
    heading_section: tuple[int, str] | None = None
    text: float = 0.0
    text_section: int | None = None
    note: float = 0.0
    anchor: float = 0.0
    episode: float = 0.0
    score: float = 0.0


class TopicSearch:
    """The ranking service. Construct with an open :class:`NotesCache`.

    All coroutines reload the in-memory snapshot first when ``cache.generation`` moved.
    """

    def __init__(self, cache: NotesCache, *, weights: RankingWeights | None = None) -> None:
        self.cache = cache
        self.weights = weights or RankingWeights()
        self._snapshot: _Snapshot | None = None
        self._readers: _Readers | None = None
        self._lock = asyncio.Lock()
        self._pending: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ snapshot

    async def refresh(self, *, force: bool = False) -> None:
        """Load (or reload) what is kept in memory; cheap when nothing changed."""
        generation = self.cache.generation
        current = self._snapshot
        if not force and current is not None and current.generation == generation:
            return
        async with self._lock:
            current = self._snapshot
            generation = self.cache.generation
            if not force and current is not None and current.generation == generation:
                return
            snapshot = await asyncio.to_thread(_build_snapshot, self.cache.db_path, generation)
            readers = _Readers(self.cache.db_path, READERS) if snapshot.ready else None
            old, self._readers = self._readers, readers
            self._snapshot = snapshot
            if old is not None:
                await old.close()

    async def _fresh(self) -> _Snapshot:
        await self.refresh()
        assert self._snapshot is not None
        return self._snapshot

    def _current(self) -> _Snapshot | None:
        """The snapshot for synchronous callers; schedules a reload if it is stale."""
        snapshot = self._snapshot
        if snapshot is None or snapshot.generation != self.cache.generation:
            self._schedule_refresh()
        return snapshot

    def _schedule_refresh(self) -> None:
        if self._pending is not None and not self._pending.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._pending = loop.create_task(self.refresh())

    @property
    def ready(self) -> bool:
        return self._snapshot is not None and self._snapshot.ready

    # ------------------------------------------------------------------ lookup

    async def lookup(self, query: str, channel: str | None = None,
                     limit: int = 10) -> LookupResult:
        """The notes that best answer ``query``, best first (at most ``limit``, 1..50).

        ``query`` may also be an autocomplete value (``channel/slug[#section]``), which
        resolves to that note. Never raises for odd input: see :attr:`LookupResult.reason`.
        """
        started = time.perf_counter()
        limit = max(1, min(50, limit))
        snap = await self._fresh()

        def done(result: LookupResult) -> LookupResult:
            result.took_ms = (time.perf_counter() - started) * 1000
            return result

        if not snap.ready:
            return done(LookupResult(query, [], False, reason="not ready"))
        channel_key = snap.channel_key(channel)
        if channel_key == "":
            return done(LookupResult(query, [], False, reason="unknown channel"))
        direct = self._resolve_value(snap, query or "")
        if direct is not None and (channel_key is None or direct.channel == channel_key):
            return done(LookupResult(query, [direct], True))
        try:
            prepared = prepare_query(query)
        except QueryTooVague as exc:
            return done(LookupResult(query, [], False, reason=exc.reason))
        terms = await asyncio.to_thread(snap.make_terms, prepared)
        # the in-memory indexes (a worker thread) and full text (SQLite) at the same time
        memory = asyncio.ensure_future(asyncio.to_thread(
            self._memory_candidates, snap, prepared, terms, channel_key))
        try:
            text_scores = await self._text_candidates(snap, terms, channel_key)
        finally:
            candidates = await memory
        for index, (score, section, note_score) in text_scores.items():
            cand = candidates.get(index)
            if cand is None:
                cand = candidates[index] = _Candidate(index)
            cand.text, cand.text_section, cand.note = score, section, note_score
        hits = self._fuse(snap, candidates, limit)
        confident = self._confident(hits) and any(not t.stop for t in terms)
        did_you_mean: list[str] = []
        if not confident:
            did_you_mean = await asyncio.to_thread(self._did_you_mean, snap, prepared, hits,
                                                   channel_key)
        return done(LookupResult(query, hits, confident, did_you_mean,
                                 truncated=prepared.truncated))

    def _confident(self, hits: list[TopicHit]) -> bool:
        """A good match: a high score, or a fair one well clear of the runner-up."""
        if not hits:
            return False
        w = self.weights
        top = hits[0].score
        second = hits[1].score if len(hits) > 1 else 0.0
        return top >= w.confident or (top >= w.confident_floor
                                      and top >= w.confident_margin * second)

    def _memory_candidates(self, snap: _Snapshot, prepared: PreparedQuery,
                           terms: list[_QueryTerm], channel: str | None) -> dict[int, _Candidate]:
        candidates: dict[int, _Candidate] = {}
        allowed = snap.channel_notes.get(channel) if channel else None
        typos = len(terms) <= LONG_QUERY_WORDS
        # a cut-off last word ("... and dra") completes in titles
        title_terms = [_QueryTerm(t.word, t.forms, t.prefix or (
            i == len(terms) - 1 and prepared.open_end and len(t.word) >= 2), t.stop,
            t.fts_words, t.fts_df) for i, t in enumerate(terms)]
        for doc, score, fuzzy_used, _ in snap.titles.search(
            title_terms, allowed=allowed, limit=60, norm=prepared.norm, prefix_bonus=True,
            query_power=self.weights.query_power, typos=typos,
        ):
            candidates[doc] = _Candidate(doc, title=score, title_fuzzy=fuzzy_used)
        allowed_headings = snap.channel_headings.get(channel, frozenset()) if channel else None
        seen_notes: set[int] = set()
        for doc, score, _, _ in snap.headings.search(terms, allowed=allowed_headings, limit=120,
                                                  query_power=self.weights.query_power,
                                                  typos=typos):
            index, idx, heading = snap.heading(doc)
            if index in seen_notes:
                continue
            seen_notes.add(index)
            cand = candidates.get(index)
            if cand is None:
                cand = candidates[index] = _Candidate(index)
            if score > cand.heading:
                cand.heading, cand.heading_section = score, (idx, heading)
            if len(seen_notes) >= 60:
                break
        for doc, score, _, _ in snap.anchor_index.search(terms, limit=60, typos=typos,
                                                      query_power=self.weights.query_power):
            index = snap.anchor_notes[doc]
            if allowed is not None and index not in allowed:
                continue
            cand = candidates.get(index)
            if cand is None:
                cand = candidates[index] = _Candidate(index)
            cand.anchor = max(cand.anchor, score)
        for doc, score, _, _ in snap.episode_index.search(terms, limit=20, typos=typos,
                                                       query_power=self.weights.query_power):
            for index in snap.episode_notes[doc]:
                if allowed is not None and index not in allowed:
                    continue
                cand = candidates.get(index)
                if cand is None:
                    cand = candidates[index] = _Candidate(index)
                cand.episode = max(cand.episode, score)
        return candidates

    async def _text_candidates(
        self, snap: _Snapshot, terms: list[_QueryTerm], channel: str | None
    ) -> dict[int, tuple[float, int | None, float]]:
        """Full-text evidence per note: (best sections' score 0..1, best section, note score).

        Two bounded queries, run side by side on two read connections:

        * every word (AND; the rarest words first, while their rows stay few), ranked by
          bm25 with title and heading weighted: the sections that hold the whole query;
        * the rarer words scored per *note* (BM25 with a note as the document and its
          sections as its length), for paraphrases whose words are spread over a note.

        Section scores are bm25 relative to the query's total idf (scaled down when the AND
        had to leave words out); a note adds its next best sections with a decay.
        """
        w = self.weights
        groups = _searchable(terms)
        if not groups:
            return {}
        rows = snap.rows

        def idf(df: int) -> float:
            return max(1e-6, math.log((rows - df + 0.5) / (df + 0.5)))

        full = sum(idf(t.fts_df) for t in groups) or 1.0
        first_id, last_id = snap.note_index_range(channel)
        allowed = snap.channel_notes.get(channel) if channel else None
        chosen = _within_budget(groups, AND_DF_BUDGET, per_word=None)
        every = len(chosen) == len(groups)
        ranked_rows: Awaitable[list[Any]] | None = None
        if chosen[0].fts_df <= MAX_SCORED_ROWS:
            ranked_rows = self._fetch(sql.FTS_RANKED, {
                "query": match_expression([t.fts_words for t in chosen], mode="and"),
                "w_title": w.fts_title, "w_heading": w.fts_heading, "w_body": w.fts_body,
                "first_id": first_id, "last_id": last_id, "limit": 150})
        note_rows: Awaitable[list[Any]] | None = None
        checked = _within_budget(groups, NOTE_DF_BUDGET, per_word=MAX_SCORED_ROWS)
        checked = checked[: sql.MAX_NOTE_WORDS]
        if len(groups) > 1 and checked:
            params: dict[str, Any] = {
                "stride": SECTION_STRIDE, "first_id": first_id, "last_id": last_id,
                "limit": 200, "k1": 1.2, "b": 0.75, "avg_sections": snap.avg_sections,
                "lead": w.lead_weight}
            for i, term in enumerate(checked):
                params[f"t{i}"] = match_expression([term.fts_words])
                params[f"w{i}"] = idf(term.fts_df)
            note_rows = self._fetch(sql.NOTE_SCORES[len(checked) - 1], params)
        found_sections, found_notes = await asyncio.gather(ranked_rows or _no_rows(),
                                                           note_rows or _no_rows())
        sections: dict[int, dict[int, float]] = {}
        for rowid, bm25 in found_sections:
            note_id, section = divmod(rowid, SECTION_STRIDE)
            index = snap.by_id.get(note_id)
            if index is None or (allowed is not None and index not in allowed):
                continue
            score = -bm25 / full * (1.0 if every else w.partial_text)
            per_note = sections.setdefault(index, {})
            if score > per_note.get(section, 0.0):
                per_note[section] = score
        note_scores: dict[int, float] = {}
        for note_id, score, _covered in found_notes:
            index = snap.by_id.get(note_id)
            if index is None or (allowed is not None and index not in allowed):
                continue
            note_scores[index] = 1.0 - math.exp(-score / full / w.note_saturation)
        best: dict[int, tuple[float, int | None, float]] = {}
        decay = w.section_decay
        for index, per_note in sections.items():
            ranked = sorted(per_note.items(), key=lambda kv: -kv[1])
            total = sum(score * decay**k for k, (_, score) in enumerate(ranked[:3]))
            best[index] = (1.0 - math.exp(-total / w.text_saturation), ranked[0][0],
                           note_scores.get(index, 0.0))
        for index, score in note_scores.items():
            if index not in best:
                best[index] = (0.0, None, score)
        return best

    async def _fetch(self, statement: str, params: dict[str, Any]) -> list[Any]:
        """Rows of a read-only query, from a reader connection (or the cache's own, when the
        cache file was not there to read). Errors are logged and give no rows."""
        try:
            if self._readers is not None:
                return await self._readers.fetch_all(statement, params)
            return await self.cache.fetch_all(statement, params)
        except sqlite3.Error as exc:  # a corrupt or missing index must not break /topic
            log.warning("topic search: query failed: %s", exc)
            return []

    def _fuse(self, snap: _Snapshot, candidates: dict[int, _Candidate],
              limit: int) -> list[TopicHit]:
        w = self.weights
        for cand in candidates.values():
            cand.text = (1.0 - w.note_share) * cand.text + w.note_share * cand.note
            parts = (w.title * cand.title, w.heading * cand.heading, w.text * cand.text,
                     w.anchor * cand.anchor, w.episode * cand.episode)
            top, second = sorted(parts)[-1:-3:-1]
            cand.score = top + w.agreement * second * (1.0 - top)
        ranked = sorted(candidates.values(),
                        key=lambda c: (-c.score, -c.title, snap.notes[c.index].title))
        hits: list[TopicHit] = []
        for cand in ranked[:limit]:
            if cand.score <= 0.0:
                break
            contributions = {"title": w.title * cand.title, "heading": w.heading * cand.heading,
                             "text": w.text * cand.text}
            why = max(contributions, key=lambda k: contributions[k])
            section_index: int | None = None
            heading: str | None = None
            if why == "title" and cand.title_fuzzy:
                why = "fuzzy title"
            if why == "heading" and cand.heading_section is not None:
                section_index, heading = cand.heading_section
            elif why == "text" and cand.text_section is not None:
                section_index = cand.text_section
                heading = self._heading_of(snap, cand.index, section_index)
            hits.append(self._hit(snap, cand.index, round(min(1.0, cand.score), 4), why,
                                  heading, section_index))
        return hits

    @staticmethod
    def _heading_of(snap: _Snapshot, index: int, section: int) -> str | None:
        key = index * SECTION_STRIDE + section
        at = bisect.bisect_left(snap.heading_keys, key)
        if at < len(snap.heading_keys) and snap.heading_keys[at] == key:
            return snap.heading_texts[at]
        return None

    @staticmethod
    def _hit(snap: _Snapshot, index: int, score: float, why: str, heading: str | None = None,
             section_index: int | None = None) -> TopicHit:
        note = snap.notes[index]
        episode_title, url = snap.episode(note)
        return TopicHit(note.note_id, note.channel, note.slug, note.title, note.video_id, url,
                        episode_title, score, heading, why, section_index,
                        snap.display(note.channel))

    def _did_you_mean(self, snap: _Snapshot, prepared: PreparedQuery, hits: list[TopicHit],
                      channel: str | None, limit: int = 5) -> list[str]:
        titles: list[str] = [hit.title for hit in hits[:3]]
        allowed = snap.channel_notes.get(channel) if channel else None
        pool = snap.titles.norms
        found = process.extract(prepared.norm[:120], pool, scorer=fuzz.ratio, limit=20)
        for _, _, index in found:
            if allowed is not None and index not in allowed:
                continue
            titles.append(snap.notes[index].title)
        return list(dict.fromkeys(titles))[:limit]

    # ------------------------------------------------------------------ autocomplete

    def autocomplete(self, prefix: str, channel: str | None = None,
                     limit: int = 25) -> list[Choice]:
        """Choices for what is being typed, from memory only (no database, no await).

        Ranked: exact title, title prefix, titles matching every word (typos and
        unfinished last word allowed), section headings likewise ("Title › Section"),
        then weaker title and heading matches. Names carry the channel (and the episode
        when two titles in a channel are the same).
        """
        snap = self._current()
        limit = max(1, min(25, limit))
        if snap is None or not snap.ready:
            return []
        channel_key = snap.channel_key(channel)
        if channel_key == "":
            return []
        allowed = snap.channel_notes.get(channel_key) if channel_key else None
        try:
            prepared = prepare_query(prefix, max_terms=6)
        except QueryTooVague:
            if prefix and prefix.strip():
                return []
            # nothing typed yet: the most linked-to notes, then titles alphabetically
            first = itertools.chain(snap.popular, snap.titles.norm_ids)
            shown = itertools.islice(dict.fromkeys(
                d for d in first if allowed is None or d in allowed), limit)
            return self._choices(snap, [(d, None) for d in shown])
        picked: list[tuple[int, tuple[int, str] | None]] = []
        seen: set[int] = set()

        def add(index: int, section: tuple[int, str] | None = None) -> bool:
            if index in seen:
                return len(picked) < limit
            seen.add(index)
            picked.append((index, section))
            return len(picked) < limit

        titles = snap.titles
        for index in titles.by_norm.get(prepared.norm, ()):  # exact title
            if (allowed is None or index in allowed) and not add(index):
                return self._choices(snap, picked)
        for index in titles.prefixed(prepared.norm, allowed, limit):  # title prefix
            if not add(index):
                return self._choices(snap, picked)
        terms = snap.make_terms(prepared, completing=True, correct=False)
        title_hits = titles.search(terms, allowed=allowed, limit=limit * 2, cap=150,
                                   max_postings=AUTOCOMPLETE_POSTINGS)
        weak: list[tuple[float, int, tuple[int, str] | None]] = []
        for index, score, _, share in title_hits:  # every word in the title (typos allowed)
            if share >= STRONG_SHARE:
                if not add(index):
                    return self._choices(snap, picked)
            else:
                weak.append((score, index, None))
        allowed_headings = snap.channel_headings.get(channel_key, frozenset()) \
            if channel_key else None
        heading_hits = snap.headings.search(terms, allowed=allowed_headings, limit=limit * 2,
                                            cap=150, max_postings=AUTOCOMPLETE_POSTINGS)
        for doc, score, _, share in heading_hits:  # every word in a heading
            index, idx, heading = snap.heading(doc)
            if share >= STRONG_SHARE:
                if index not in seen and not add(index, (idx, heading)):
                    return self._choices(snap, picked)
            else:
                weak.append((score * 0.9, index, (idx, heading)))
        weak.sort(key=lambda x: -x[0])
        for _, index, section in weak:
            if index not in seen and not add(index, section):
                break
        return self._choices(snap, picked)

    def _choices(self, snap: _Snapshot,
                 picked: list[tuple[int, tuple[int, str] | None]]) -> list[Choice]:
        title_counts = Counter((snap.notes[i].channel, snap.notes[i].title.casefold())
                               for i, _ in picked)
        out: list[Choice] = []
        for index, section in picked:
            note = snap.notes[index]
            tail = snap.display(note.channel)
            if title_counts[(note.channel, note.title.casefold())] > 1:
                episode_title, _ = snap.episode(note)
                tail = f"{tail}: {episode_title or note.slug}"
            tail = _shorten(tail, 40)
            label = note.title if section is None else f"{note.title} › {section[1]}"
            room = MAX_CHOICE_CHARS - len(tail) - 3
            name = f"{_shorten(label, room)} — {tail}"
            value = _value_for(note, None if section is None else section[0])
            out.append(Choice(name[:MAX_CHOICE_CHARS], value))
        return out

    # ------------------------------------------------------------------ resolve

    async def resolve(self, value: str) -> TopicHit | None:
        """An autocomplete value (or a ``channel/slug`` typed by hand) back to its note; other
        text goes through :meth:`lookup` and gives its best hit when that is confident."""
        snap = await self._fresh()
        if not snap.ready:
            return None
        hit = self._resolve_value(snap, value or "")
        if hit is not None:
            return hit
        result = await self.lookup(value, limit=1)
        return result.best if result.confident else None

    def _resolve_value(self, snap: _Snapshot, value: str) -> TopicHit | None:
        value = value.strip()
        if "/" not in value or len(value) > 300 or "\n" in value:
            return None
        section: int | None = None
        head, sep, tail = value.rpartition("#")
        if sep and tail.isdigit():
            value, section = head, int(tail)
        channel, _, slug = value.partition("/")
        channel_key = fold(channel).strip()
        index = snap.by_key.get((channel_key, slug))
        if index is None and "~" in slug:
            index = snap.by_hash.get(slug.rpartition("~")[2])
            if index is not None and snap.notes[index].channel != channel_key:
                index = None
        if index is None:
            return None
        heading = self._heading_of(snap, index, section) if section is not None else None
        if section is not None and heading is None:
            section = None
        return self._hit(snap, index, 1.0, "heading" if heading else "title", heading, section)

    # ------------------------------------------------------------------ full text

    async def full_text(self, query: str, channel: str | None = None, limit: int = 50,
                        offset: int = 0, per_note: int = 3) -> list[SearchHit]:
        """Sections whose text holds the query's words (typos corrected), best first, at
        most ``per_note`` sections of one note; ``offset``/``limit`` page through them.

        Every word must match; when no section has them all, sections with any of the
        rarer words are returned instead. A word in most of the vault is only looked for
        in titles and headings. Raises :class:`QueryTooVague` when the query has no words
        and ``ValueError`` for an unknown channel.
        """
        snap = await self._fresh()
        if not snap.ready:
            return []
        channel_key = snap.channel_key(channel)
        if channel_key == "":
            raise ValueError(f"unknown channel: {channel}")
        prepared = prepare_query(query)
        limit = max(1, min(100, limit))
        offset = max(0, min(1000, offset))
        terms = await asyncio.to_thread(snap.make_terms, prepared)
        groups = _searchable(terms)
        if not groups:
            return []
        chosen = _within_budget(groups, AND_DF_BUDGET, per_word=None)
        every = match_expression([t.fts_words for t in chosen], mode="and")
        if chosen[0].fts_df > COMMON_ROWS:  # only very common words: titles and headings
            every = "{title heading} : (" + every + ")"
        expressions = [every]
        some = _within_budget(groups, NOTE_DF_BUDGET * 2, per_word=MAX_SCORED_ROWS)
        if len(groups) > 1 and len(some) > 1:
            expressions.append(match_expression([t.fts_words for t in some], mode="or"))
        first_id, last_id = snap.note_index_range(channel_key)
        allowed = snap.channel_notes.get(channel_key) if channel_key else None
        w = self.weights
        wanted = offset + limit
        for expression in expressions:
            ranked = await self._fetch(sql.FTS_RANKED, {
                "query": expression, "w_title": w.fts_title, "w_heading": w.fts_heading,
                "w_body": w.fts_body, "first_id": first_id, "last_id": last_id,
                "limit": wanted * per_note + 50})
            picked: list[tuple[int, int, int, float]] = []  # rowid, note index, section, score
            per: Counter[int] = Counter()
            for rowid, bm25 in ranked:
                note_id, section = divmod(rowid, SECTION_STRIDE)
                index = snap.by_id.get(note_id)
                if index is None or (allowed is not None and index not in allowed):
                    continue
                per[index] += 1
                if per[index] <= per_note:
                    picked.append((rowid, index, section, -bm25))
            picked = picked[offset:wanted]
            if not picked:
                continue
            snippets = dict(await self._fetch(sql.FTS_SNIPPETS, {
                "query": expression, "ids": json.dumps([p[0] for p in picked]),
                "open": _SNIPPET_MARKS[0], "close": _SNIPPET_MARKS[1], "ellipsis": "…",
                "tokens": 24}))
            hits: list[SearchHit] = []
            for rowid, index, section, score in picked:
                note = snap.notes[index]
                heading = self._heading_of(snap, index, section)
                raw = snippets.get(rowid) or ""
                snippet = _snippet(raw)
                if _SNIPPET_MARKS[0] not in raw:  # the words matched the title or heading
                    lead = _mark_words(heading or note.title, prepared.words)
                    snippet = _shorten(f"{lead} — {snippet}" if snippet else lead,
                                       SNIPPET_CHARS)
                hits.append(SearchHit(note.note_id, note.channel, note.slug, note.title,
                                      section, heading, snippet, round(score, 4),
                                      note.video_id, youtube_url(note.video_id)))
            return hits
        return []

    # ------------------------------------------------------------------ related

    async def related(self, note_id: int) -> Related | None:
        """Links out (same channel first, then any), backlinks and same-episode notes."""
        snap = await self._fresh()
        index = snap.by_id.get(note_id)
        if index is None:
            return None
        note = snap.notes[index]

        def ref(i: int) -> NoteRef:
            n = snap.notes[i]
            return NoteRef(n.note_id, n.channel, n.slug, n.title)

        links_out: list[NoteRef] = []
        unresolved: list[str] = []
        seen: set[int] = {index}
        for row in await self._fetch(sql.LINKS_OUT, {"note_id": note_id}):
            target = _resolve_link(snap, note.channel, row[0])
            if target is None:
                if row[0] and row[0] != note.channel:
                    unresolved.append(row[0])
                continue
            if target not in seen:
                seen.add(target)
                links_out.append(ref(target))
        backlinks: list[NoteRef] = []
        for row in await self._fetch(
            sql.LINKS_IN, {"slug_key": note.slug_key, "note_id": note_id}
        ):
            source = snap.by_id.get(row[0])
            if source is None:
                continue
            if _resolve_link(snap, snap.notes[source].channel, note.slug_key) == index:
                backlinks.append(ref(source))
        backlinks.sort(key=lambda r: (r.channel != note.channel, r.channel, r.title))
        same_episode = [ref(i) for i in snap.by_video.get(note.video_id or "", ())
                        if i != index and note.video_id]
        episode_title, url = snap.episode(note)
        return Related(ref(index), links_out, backlinks, same_episode, unresolved,
                       episode_title, url)

    # ------------------------------------------------------------------ channels

    def channels(self) -> list[ChannelInfo]:
        """Every channel with notes, by display name (from memory)."""
        snap = self._current()
        if snap is None or not snap.ready:
            return []
        out = [ChannelInfo(key, snap.display(key), len(notes))
               for key, notes in snap.channel_notes.items()]
        out.sort(key=lambda c: (c.name.casefold(), c.key))
        return out

    async def aclose(self) -> None:
        """Wait for a scheduled reload and close the reader connections (call before the
        cache closes, e.g. in the cog's ``cog_unload``)."""
        if self._pending is not None:
            with contextlib.suppress(Exception):
                await self._pending
        async with self._lock:
            readers, self._readers = self._readers, None
            self._snapshot = None
        if readers is not None:
            await readers.close()

    async def __aenter__(self) -> TopicSearch:
        await self.refresh()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _snippet(text: str) -> str:
    """FTS5's snippet with its markers turned into ``**`` (and the text's own ``**`` gone)."""
    text = clean_line(text.replace("**", ""))
    text = text.replace(_SNIPPET_MARKS[0], "**").replace(_SNIPPET_MARKS[1], "**")
    if len(text) > SNIPPET_CHARS:
        cut = text[: SNIPPET_CHARS - 1]
        if cut.count("**") % 2:
            cut = cut[: cut.rfind("**")]
        text = cut.rstrip() + "…"
    return text


def _mark_words(text: str, query_words: Sequence[str]) -> str:
    """``text`` with the query's words wrapped in ``**`` (for title/heading-only hits)."""
    wanted = {stem(w) for w in query_words}

    def mark(match: re.Match[str]) -> str:
        word = match.group(0)
        return f"**{word}**" if stem(fold(word)) in wanted else word

    return _WORD.sub(mark, text.replace("**", ""))
