"""Topic lookup: one ranking behind /topic, /search, autocomplete and related notes.

Members type what they remember: misspelt, half-finished, in their own words, or the name
of a section. :class:`TopicSearch` answers from three sources and fuses them:

* a **title index** held in memory: every title's words by stem, with prefix completion
  (``"perf"`` -> ``performance``) and typo tolerance (``"secretagouges"`` ->
  ``secretagogues``, by edit distance over the vocabulary);
* a **heading index** of the same kind over every section heading;
* **full text** (SQLite FTS5, bm25 with title and heading weighted above body text), whose
  query words are typo-corrected against the index's own vocabulary first.

A note's three scores (each 0..1) are fused as a weighted noisy-OR: agreement between
sources lifts a note, and one strong source is enough. See :class:`RankingWeights`.

User text is never FTS5 syntax here: :func:`prepare_query` reduces it to words (each one
double-quoted by :func:`match_expression`), bounded in number and length, so quotes,
``NEAR(``, ``*``, ``:`` and column filters are plain words, and a pasted wall of text costs
no more than a dozen words. Nothing in this module imports discord.

Lifecycle: ``search = TopicSearch(cache)``; every public coroutine first reloads what it
keeps in memory if ``cache.generation`` moved (the heavy part runs in a worker thread, on
its own read-only connection). :meth:`TopicSearch.autocomplete` is synchronous and never
touches the database; when the cache moved it answers from the previous snapshot and
schedules a reload.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import hashlib
import itertools
import logging
import math
import re
import sqlite3
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot import search_sql
from bot import sql as cache_sql
from bot.notes_cache import NotesCache
from bot.parsing import clean_line, strip_invisible

log = logging.getLogger(__name__)

SECTION_STRIDE = cache_sql.SECTION_STRIDE
MAX_QUERY_CHARS = 400  # of user text considered at all; the rest is dropped, not searched
MAX_TERMS = 10  # distinct words searched, at most
MAX_CORRECTED_TERMS = 4  # unknown words looked up by edit distance, at most
MAX_CHOICE_CHARS = 100  # Discord's limit for an autocomplete choice's name and value
SNIPPET_CHARS = 200
# full-text cost bounds: rows whose bm25 is computed, and doclist sizes read per query
MAX_SCORED_ROWS = 8_000
AND_DF_BUDGET = 60_000
OR_DF_BUDGET = 12_000
YOUTUBE_WATCH = "https://www.youtube.com/watch?v="

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")
_WORD = re.compile(r"[^\W_]+")
_VOWEL = re.compile(r"[aeiouy]")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^()\s]*\)")
_MD_MARKS = re.compile(r"[*`]+")
_HOSTILE_MARKS = ("\x02", "\x03")  # snippet markers: no note text holds them

_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself
yourselves s t don isn doesn didn
"""
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
    """The knobs of the ranking (tuned on ``benchmarks/relevance_set.json``).

    * ``fts_title``/``fts_heading``/``fts_body``: bm25 column weights;
    * ``title``/``heading``/``text``: each source's weight in the fusion
      ``m + agreement * (sum - m) * (1 - m)``, where ``m`` is the largest weighted source
      score and ``sum`` their total (a second source adds, but never as much as the first);
    * ``text_saturation``: the bm25 score (relative to the query's total idf) that counts as
      a full text match; ``partial_text`` scales rows that lack some of the query's words;
      ``section_decay`` weighs a note's second and third best sections;
    * ``query_power``: how steeply a title or heading loses score for each query word it
      lacks;
    * ``confident``: the fused score above which the best hit counts as a good match.
    """

    fts_title: float = 2.0
    fts_heading: float = 2.0
    fts_body: float = 1.0
    title: float = 0.95
    heading: float = 0.8
    text: float = 0.85
    agreement: float = 0.5
    text_saturation: float = 1.5
    partial_text: float = 0.6
    section_decay: float = 0.3
    query_power: float = 1.5
    confident: float = 0.45


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


def stem(word: str) -> str:
    """A light English stem (plurals, -ed, -ing, a final e), so that ``layoffs``/``layoff``,
    ``roasting``/``roast`` and ``baking``/``bake`` meet. Not a full Porter stemmer: it only
    has to map a word and its usual variants to one key."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "i"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if not word.endswith("eed"):
        for suffix in ("ing", "ed"):
            root = word[: -len(suffix)]
            if word.endswith(suffix) and len(root) >= 3 and _VOWEL.search(root):
                word = root
                if word[-1] == word[-2] and word[-1] not in "aeiouslz":
                    word = word[:-1]
                break
    if len(word) >= 4 and word.endswith("e"):
        word = word[:-1]
    elif len(word) >= 4 and word.endswith("y"):
        word = word[:-1] + "i"
    return word


def clean_heading(heading: str) -> str:
    """A heading for display and matching: markdown links reduced to their label."""
    if "[" in heading:
        heading = _MD_LINK.sub(r"\1", heading)
    if "*" in heading or "`" in heading:
        heading = _MD_MARKS.sub("", heading)
    return clean_line(heading)


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 7 else 2


def _similarity(edits: int) -> float:
    return 1.0 - 0.15 * edits


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
                 "norm_ids", "norms", "postings", "size", "sorted_norms", "unseen_idf", "vocab")

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = n = len(texts)
        postings: dict[str, list[int]] = {}
        doc_terms: list[tuple[str, ...]] = []
        interned: dict[str, str] = {}
        norms: list[str] = []
        for doc, text in enumerate(texts):
            found = words(text)
            norms.append(" ".join(found))
            terms: list[str] = []
            for word in found:
                term = stem(word)
                term = interned.setdefault(term, term)
                if term not in terms:
                    terms.append(term)
                    postings.setdefault(term, []).append(doc)
            doc_terms.append(tuple(terms))
        self.idf = {t: math.log(1.0 + (n - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in postings.items()}
        self.unseen_idf = math.log(1.0 + (n + 0.5) / 0.5)
        idf = self.idf
        self.doc_weight = [sum(idf[t] for t in terms) or 1.0 for terms in doc_terms]
        weight = self.doc_weight
        self.postings = {t: tuple(sorted(p, key=weight.__getitem__)) for t, p in postings.items()}
        self.doc_terms = doc_terms
        self.norms = norms
        self.vocab = sorted(postings)
        self.by_len: dict[int, list[str]] = {}
        for term in self.vocab:
            self.by_len.setdefault(len(term), []).append(term)
        self.by_norm: dict[str, list[int]] = {}
        for doc, norm in enumerate(norms):
            self.by_norm.setdefault(norm, []).append(doc)
        order = sorted(range(n), key=lambda d: (norms[d], d))
        self.sorted_norms = [norms[d] for d in order]
        self.norm_ids = order
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
        """Stems within a small edit distance of ``word`` (cached)."""
        cached = self._fuzzy_cache.get(word)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if len(word) >= 4 and word.isalpha():
            edits = _max_edits(word)
            pool: list[str] = []
            for length in range(len(word) - edits, len(word) + edits + 1):
                pool.extend(self.by_len.get(length, ()))
            for term, distance, _ in process.extract(
                word, pool, scorer=OSA.distance, score_cutoff=edits, limit=8
            ):
                if distance == 1 or (distance and term[:1] == word[:1]):
                    found[term] = max(found.get(term, 0.0), _similarity(int(distance)))
        if len(self._fuzzy_cache) > 4096:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = found
        return found

    def term_matches(self, term: _QueryTerm, *, typos: bool = True) -> dict[str, float]:
        """What ``term`` matches in this index: stem -> similarity (1 = same stem)."""
        matches = {s: v for s, v in term.forms.items() if s in self.postings}
        if term.prefix and len(term.word) >= 1:
            for s, v in self.completions(term.word).items():
                if v > matches.get(s, 0.0):
                    matches[s] = v
        if typos and not any(v >= 0.95 for v in matches.values()) and not term.stop:
            for s, v in self.near(stem(term.word)).items():
                if v > matches.get(s, 0.0):
                    matches[s] = v
        return matches

    # -- texts

    def search(
        self, terms: Sequence[_QueryTerm], *, allowed: frozenset[int] | set[int] | None = None,
        limit: int = 50, cap: int = 300, typos: bool = True, norm: str = "",
        prefix_bonus: bool = False, query_power: float = 1.0,
    ) -> list[tuple[int, float, bool]]:
        """The texts that best cover the query: ``(doc, score 0..1, used a typo/prefix)``.

        A text's score is the share of the query's word weight (idf) it explains, scaled by
        the share of its own words the query explains (so "Protein" beats "Protein in
        diet" for "protein").
        """
        if not terms or not self.size:
            return []
        matches = [self.term_matches(t, typos=typos) for t in terms]
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
        sets: list[set[int]] = []
        ordered: list[tuple[int, ...] | None] = []  # a posting list, shortest text first
        for i in generators:
            posting_lists = [self.postings[s] for s in matches[i]]
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
            need = best_count if best_count <= 2 else best_count - 1
            pool = {d for d, c in counts.items() if c >= need}
        candidates: Iterable[int] = pool
        if len(pool) > cap:
            # keep the shortest texts among those matching the most words
            rare = min(range(len(sets)), key=lambda k: len(sets[k]))
            walk = ordered[rare] or sorted(sets[rare], key=self.doc_weight.__getitem__)
            chosen: list[int] = []
            for d in walk:
                if d in pool and (counts is None or counts[d] >= best_count):
                    chosen.append(d)
                    if len(chosen) >= cap:
                        break
            candidates = chosen
        idf = self.idf
        doc_terms = self.doc_terms
        doc_weight = self.doc_weight
        floor = 0.55
        scored: list[tuple[int, float, bool]] = []
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
                if best:
                    covered += weights[i] * best
                    if best < 1.0:
                        fuzzy_used = True
                    if best > explained.get(best_term, 0.0):
                        explained[best_term] = best
            q_cover = (covered / total) ** query_power
            d_cover = sum(idf[t] * v for t, v in explained.items()) / doc_weight[d]
            score = q_cover * (floor + (1.0 - floor) * d_cover)
            if prefix_bonus and norm and self.norms[d].startswith(norm):
                score = max(score, 0.8 + 0.2 * len(norm) / max(1, len(self.norms[d])))
            scored.append((d, score, fuzzy_used))
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
        self.heading_section: list[tuple[int, int, str]] = []  # (note index, idx, heading)
        self.vocabulary: dict[str, int] = {}
        self.vocab_by_len: dict[int, list[str]] = {}
        self.vocab_by_stem: dict[str, list[str]] = {}
        self.rows = 1
        self.correction_cache: dict[str, list[tuple[str, int]]] = {}

    # -- channels

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

    def make_terms(self, query: PreparedQuery, *, correct: bool = True,
                   completing: bool = False) -> list[_QueryTerm]:
        """Query words with their stems, typo corrections and full-text alternatives."""
        terms: list[_QueryTerm] = []
        budget = MAX_CORRECTED_TERMS
        last = len(query.words) - 1
        for i, word in enumerate(query.words):
            base = stem(word)
            forms = {base: 1.0}
            df = self.vocabulary.get(word, 0)
            fts_words = [word] if df else []
            for variant in self.vocab_by_stem.get(base, ())[:4]:
                if variant not in fts_words:
                    fts_words.append(variant)
            is_stop = word in STOPWORDS
            if correct and not is_stop and budget > 0 and df < 3 and len(word) >= 4:
                budget -= 1
                for fixed, edits in self.corrections(word):
                    fixed_df = self.vocabulary.get(fixed, 0)
                    if df and fixed_df < 20 * max(1, df):
                        continue
                    forms.setdefault(stem(fixed), _similarity(edits))
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
        version = con.execute(search_sql.SCHEMA_VERSION).fetchone()[0]
        if version != cache_sql.SCHEMA_VERSION:
            return snap
        for row in con.execute(search_sql.LOAD_NOTES):
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
        for channel, folder, display in con.execute(search_sql.LOAD_CHANNELS):
            snap.channel_names[channel] = clean_line(display or "") or folder or channel
        for channel, video_id, title, url in con.execute(search_sql.LOAD_EPISODES):
            snap.episodes[(channel, video_id)] = (clean_line(title), url)
            snap.episode_any.setdefault(video_id, (clean_line(title), url))
        heading_texts: list[str] = []
        heading_channel: dict[str, list[int]] = {}
        for _section_id, note_id, idx, heading in con.execute(search_sql.LOAD_HEADINGS):
            index = snap.by_id.get(note_id)
            text = clean_heading(heading)
            if index is None or not text:
                continue
            doc = len(heading_texts)
            heading_texts.append(text)
            snap.heading_section.append((index, idx, text))
            heading_channel.setdefault(snap.notes[index].channel, []).append(doc)
        snap.channel_headings = {ch: frozenset(d) for ch, d in heading_channel.items()}
        snap.rows = max(1, con.execute(search_sql.COUNT_SECTIONS).fetchone()[0])
        con.execute(search_sql.CREATE_VOCABULARY)
        for term, docs in con.execute(search_sql.LOAD_VOCABULARY):
            snap.vocabulary[term] = docs
            snap.vocab_by_len.setdefault(len(term), []).append(term)
            if term.isalpha():
                snap.vocab_by_stem.setdefault(stem(term), []).append(term)
        for forms in snap.vocab_by_stem.values():
            forms.sort(key=lambda w: -snap.vocabulary[w])
        snap.titles = _TermIndex([n.title for n in snap.notes])
        snap.headings = _TermIndex(heading_texts)
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
    score: float = 0.0


class TopicSearch:
    """The ranking service. Construct with an open :class:`NotesCache`.

    All coroutines reload the in-memory snapshot first when ``cache.generation`` moved.
    """

    def __init__(self, cache: NotesCache, *, weights: RankingWeights | None = None) -> None:
        self.cache = cache
        self.weights = weights or RankingWeights()
        self._snapshot: _Snapshot | None = None
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
            self._snapshot = snapshot

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
        memory = asyncio.to_thread(self._memory_candidates, snap, prepared, terms, channel_key)
        text_scores = await self._text_candidates(snap, terms, channel_key)
        candidates = await memory
        for index, (score, section) in text_scores.items():
            cand = candidates.get(index)
            if cand is None:
                cand = candidates[index] = _Candidate(index)
            cand.text, cand.text_section = score, section
        hits = self._fuse(snap, candidates, limit)
        confident = (bool(hits) and hits[0].score >= self.weights.confident
                     and any(not t.stop for t in terms))
        did_you_mean: list[str] = []
        if not confident:
            did_you_mean = await asyncio.to_thread(self._did_you_mean, snap, prepared, hits,
                                                   channel_key)
        return done(LookupResult(query, hits, confident, did_you_mean,
                                 truncated=prepared.truncated))

    def _memory_candidates(self, snap: _Snapshot, prepared: PreparedQuery,
                           terms: list[_QueryTerm], channel: str | None) -> dict[int, _Candidate]:
        candidates: dict[int, _Candidate] = {}
        allowed = snap.channel_notes.get(channel) if channel else None
        # a cut-off last word ("... and dra") completes in titles
        title_terms = [_QueryTerm(t.word, t.forms, t.prefix or (
            i == len(terms) - 1 and prepared.open_end and len(t.word) >= 2), t.stop,
            t.fts_words, t.fts_df) for i, t in enumerate(terms)]
        for doc, score, fuzzy_used in snap.titles.search(
            title_terms, allowed=allowed, limit=60, norm=prepared.norm, prefix_bonus=True,
            query_power=self.weights.query_power,
        ):
            candidates[doc] = _Candidate(doc, title=score, title_fuzzy=fuzzy_used)
        allowed_headings = snap.channel_headings.get(channel, frozenset()) if channel else None
        seen_notes: set[int] = set()
        for doc, score, _ in snap.headings.search(terms, allowed=allowed_headings, limit=120,
                                                  query_power=self.weights.query_power):
            index, idx, heading = snap.heading_section[doc]
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
        return candidates

    async def _text_candidates(self, snap: _Snapshot, terms: list[_QueryTerm],
                               channel: str | None) -> dict[int, tuple[float, int]]:
        """Full-text scores per note (0..1) and the best section's index.

        Two bounded queries: every word (AND; the rarest words first, while their rows stay
        few), and any of the rarer words (OR) for paraphrases that share only some words
        with a note. A row scores its bm25 relative to the query's total idf; rows that
        lack words are scaled down; a note adds its next best sections with a decay.
        """
        w = self.weights
        groups = [t for t in terms if t.fts_words and not t.stop]
        if not groups:
            groups = [t for t in terms if t.fts_words]
        if not groups:
            return {}
        groups.sort(key=lambda t: t.fts_df)
        rows = snap.rows

        def idf(df: int) -> float:
            return max(1e-6, math.log((rows - df + 0.5) / (df + 0.5)))

        full = sum(idf(t.fts_df) for t in groups) or 1.0
        chosen: list[_QueryTerm] = []
        spent = 0
        for term in groups:
            if chosen and spent + term.fts_df > AND_DF_BUDGET:
                break
            chosen.append(term)
            spent += term.fts_df
        queries: list[tuple[str, bool]] = []
        if chosen[0].fts_df <= MAX_SCORED_ROWS:
            every = len(chosen) == len(groups)
            queries.append((match_expression([t.fts_words for t in chosen], mode="and"), every))
        if len(groups) > 1:
            some: list[_QueryTerm] = []
            spent = 0
            for term in groups:
                if term.fts_df > MAX_SCORED_ROWS or spent + term.fts_df > OR_DF_BUDGET:
                    break
                some.append(term)
                spent += term.fts_df
            if len(some) > 1 or (some and len(chosen) > 1):
                queries.append((match_expression([t.fts_words for t in some], mode="or"),
                                False))
        first_id, last_id = snap.note_index_range(channel)
        allowed = snap.channel_notes.get(channel) if channel else None
        complete: set[int] = set()
        sections: dict[int, dict[int, float]] = {}
        for expression, every in queries:
            params = {"query": expression, "w_title": w.fts_title, "w_heading": w.fts_heading,
                      "w_body": w.fts_body, "first_id": first_id, "last_id": last_id,
                      "limit": 150}
            try:
                found = await self.cache.fetch_all(search_sql.FTS_RANKED, params)
            except sqlite3.Error as exc:  # a corrupt or missing index must not break /topic
                log.warning("topic search: full-text query failed: %s", exc)
                continue
            for rowid, bm25 in found:
                if every:
                    complete.add(rowid)
                note_id, section = divmod(rowid, SECTION_STRIDE)
                index = snap.by_id.get(note_id)
                if index is None or (allowed is not None and index not in allowed):
                    continue
                score = -bm25 / full
                if rowid not in complete:
                    score *= w.partial_text
                per_note = sections.setdefault(index, {})
                if score > per_note.get(section, 0.0):
                    per_note[section] = score
        best: dict[int, tuple[float, int]] = {}
        decay = w.section_decay
        for index, per_note in sections.items():
            ranked = sorted(per_note.items(), key=lambda kv: -kv[1])
            total = sum(score * decay**k for k, (_, score) in enumerate(ranked[:3]))
            best[index] = (min(1.0, total / w.text_saturation), ranked[0][0])
        return best

    def _fuse(self, snap: _Snapshot, candidates: dict[int, _Candidate],
              limit: int) -> list[TopicHit]:
        w = self.weights
        for cand in candidates.values():
            parts = (w.title * cand.title, w.heading * cand.heading, w.text * cand.text)
            top = max(parts)
            cand.score = top + w.agreement * (sum(parts) - top) * (1.0 - top)
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
        # heading_section is ordered by section id, so a note's headings are contiguous
        headings = snap.heading_section
        lo, hi = 0, len(headings)
        while lo < hi:
            mid = (lo + hi) // 2
            if (headings[mid][0], headings[mid][1]) < (index, section):
                lo = mid + 1
            else:
                hi = mid
        if lo < len(headings) and headings[lo][0] == index and headings[lo][1] == section:
            return headings[lo][2]
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
        found = process.extract(prepared.norm[:120], pool, scorer=fuzz.ratio, limit=20,
                                score_cutoff=40)
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
            first = snap.titles.norm_ids[: limit * 4]
            return self._choices(snap, [(d, None) for d in first
                                        if allowed is None or d in allowed][:limit])
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
        title_hits = titles.search(terms, allowed=allowed, limit=limit * 2, cap=150)
        weak: list[tuple[float, int, tuple[int, str] | None]] = []
        for index, score, _ in title_hits:  # every word in the title
            if score >= 0.6:
                if not add(index):
                    return self._choices(snap, picked)
            else:
                weak.append((score, index, None))
        allowed_headings = snap.channel_headings.get(channel_key, frozenset()) \
            if channel_key else None
        heading_hits = snap.headings.search(terms, allowed=allowed_headings, limit=limit * 2,
                                            cap=150)
        for doc, score, _ in heading_hits:
            index, idx, heading = snap.heading_section[doc]
            if score >= 0.6:
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
        """Sections whose text holds the query's words (typos corrected), best first.

        Every word must match; when no section has them all, sections with any of them
        are returned instead. Raises :class:`QueryTooVague` when the query has no words
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
        offset = max(0, offset)
        terms = await asyncio.to_thread(snap.make_terms, prepared)
        groups = [t for t in terms if t.fts_words and not t.stop] or [
            t for t in terms if t.fts_words]
        if not groups:
            return []
        groups.sort(key=lambda t: t.fts_df)
        chosen: list[_QueryTerm] = []
        spent = 0
        for term in groups:
            if chosen and spent + term.fts_df > 80_000:
                break
            chosen.append(term)
            spent += term.fts_df
        expressions = [match_expression([t.fts_words for t in chosen], mode="and")]
        if len(groups) > 1:
            expressions.append(match_expression([t.fts_words for t in groups[:6]], mode="or"))
        first_id, last_id = snap.note_index_range(channel_key)
        allowed = snap.channel_notes.get(channel_key) if channel_key else None
        w = self.weights
        hits: list[SearchHit] = []
        for expression in expressions:
            params = {"query": expression, "w_title": w.fts_title, "w_heading": w.fts_heading,
                      "w_body": w.fts_body, "first_id": first_id, "last_id": last_id,
                      "open": _HOSTILE_MARKS[0], "close": _HOSTILE_MARKS[1],
                      "ellipsis": "…", "tokens": 24,
                      "limit": (offset + limit) * per_note + 50, "offset": 0}
            try:
                rows = await self.cache.fetch_all(search_sql.FTS_SNIPPETS, params)
            except sqlite3.Error as exc:
                log.warning("topic search: full-text search failed: %s", exc)
                rows = []
            per: Counter[int] = Counter()
            for row in rows:
                note_id, section = divmod(row[0], SECTION_STRIDE)
                index = snap.by_id.get(note_id)
                if index is None or (allowed is not None and index not in allowed):
                    continue
                per[index] += 1
                if per[index] > per_note:
                    continue
                note = snap.notes[index]
                snippet = _snippet(row[2] or "")
                if _HOSTILE_MARKS[0] not in (row[2] or ""):
                    heading = self._heading_of(snap, index, section)
                    snippet = _mark_words(heading or note.title, prepared.words) + (
                        " — " + snippet if snippet else "")
                    snippet = _shorten(snippet, SNIPPET_CHARS)
                hits.append(SearchHit(note.note_id, note.channel, note.slug, note.title,
                                      section, self._heading_of(snap, index, section), snippet,
                                      round(-row[1], 4), note.video_id,
                                      youtube_url(note.video_id)))
            if hits:
                break
        return hits[offset : offset + limit]

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
        for row in await self.cache.fetch_all(search_sql.LINKS_OUT, {"note_id": note_id}):
            target = self._resolve_link(snap, note.channel, row[0])
            if target is None:
                if row[0] and row[0] != note.channel:
                    unresolved.append(row[0])
                continue
            if target not in seen:
                seen.add(target)
                links_out.append(ref(target))
        backlinks: list[NoteRef] = []
        for row in await self.cache.fetch_all(
            search_sql.LINKS_IN, {"slug_key": note.slug_key, "note_id": note_id}
        ):
            source = snap.by_id.get(row[0])
            if source is None:
                continue
            if self._resolve_link(snap, snap.notes[source].channel, note.slug_key) == index:
                backlinks.append(ref(source))
        backlinks.sort(key=lambda r: (r.channel != note.channel, r.channel, r.title))
        same_episode = [ref(i) for i in snap.by_video.get(note.video_id or "", ())
                        if i != index and note.video_id]
        episode_title, url = snap.episode(note)
        return Related(ref(index), links_out, backlinks, same_episode, unresolved,
                       episode_title, url)

    @staticmethod
    def _resolve_link(snap: _Snapshot, channel: str, target_key: str) -> int | None:
        same = snap.by_key.get((channel, target_key))
        candidates = snap.by_slug_key.get(target_key, ())
        for index in candidates:
            if snap.notes[index].channel == channel:
                return index
        if same is not None:
            return same
        return candidates[0] if candidates else None

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
        """Wait for a scheduled reload (for tests and shutdown)."""
        if self._pending is not None:
            with contextlib.suppress(Exception):
                await self._pending


def _snippet(text: str) -> str:
    """FTS5's snippet with its markers turned into ``**`` (and the text's own ``**`` gone)."""
    text = clean_line(text.replace("**", ""))
    text = text.replace(_HOSTILE_MARKS[0], "**").replace(_HOSTILE_MARKS[1], "**")
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
