"""The optional summarizer: an OpenAI-compatible chat endpoint writes the summary.

``POST {base_url}/chat/completions`` (model, bearer key; none for a local Ollama or vLLM)
through aiohttp. On any failure (timeout, refused connection, HTTP error, malformed JSON,
missing fields, an empty answer, the server's daily budget used, anything unexpected) the
extractive summary is the answer, its ``summarizer`` ``extractive (fallback: <reason>)``,
and the reason is logged (never the key). After the endpoint itself failed it is left
alone for :data:`PAUSE_SECONDS`, so members do not each wait out the timeout.

* **Moments**: the prompt puts a ``[t=SECONDS]`` marker after each timestamped sentence and
  asks the model to copy it; a marker in the answer becomes ``SummarySentence.seconds``
  only when it is one of the note's own moments.
* **Text**: whole sentences, with mentions, links, invisible characters and markdown marks
  dropped (the renderer escapes what is left); whole sentences are dropped, never cut, to
  keep to :data:`SUMMARY_TEXT_LIMIT`.
* **Cache and budget** (the state database): a summary is kept by (content hash, section,
  length, model): asking again costs no request and no budget. Each server may make
  ``daily_budget`` requests per UTC day (direct messages and the command line share one).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import logging
import re
import time
import weakref
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.config import Secret
from bot.notes.text import clean_user_text
from bot.state.store import StateStore, SummaryKey
from bot.summaries.records import (
    LENGTHS,
    SUMMARY_TEXT_LIMIT,
    Summarizer,
    Summary,
    SummaryInput,
    SummarySentence,
)
from bot.summaries.sentences import split_sentences

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # of the prompt and the stored JSON: a summary of another is asked again
ASK = {"short": "two or three sentences", "medium": "about five sentences",
       "long": "about ten sentences"}
MAX_SENTENCES = {"short": 3, "medium": 6, "long": 12}
MAX_TOKENS = {"short": 300, "medium": 600, "long": 1200}
MAX_PROMPT_CHARS = 24_000  # of the note's text sent (about 6,000 tokens)
MAX_RESPONSE_BYTES = 256 * 1024
MAX_SENTENCE_CHARS = 600  # a longer "sentence" is a run-on or a list: dropped
MIN_WORDS = 3  # a shorter one ("Sure.", "everyone") is no summary line
PAUSE_SECONDS = 60.0
KEEP_SUMMARIES = timedelta(days=90)
KEEP_BUDGET_DAYS = 7
NO_GUILD = 0  # the budget of direct messages and the command line

SYSTEM = """You summarize notes about podcast and video episodes for a Discord server.
Write {ask} of plain prose, in the language of the note: no title, no preamble, no list, \
no headings, no markdown, no links, no mentions. Say what matters most: the claims, \
conclusions, advice and numbers.
Some sentences of the note end with a marker such as [t=754]: the moment of the episode \
they come from. When a sentence of yours draws on a sentence with a marker, end your \
sentence with that marker, copied exactly. Never write a marker that is not in the note."""

_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)
_MARKER = re.compile(r"\[\s*t\s*=\s*(\d{1,6})\s*s?\s*\]", re.I)
_BAD_MARKER = re.compile(r"\[\s*t\s*=[^\]\n]{0,24}\]", re.I)
_MASKED_LINK = re.compile(r"!?\[([^\[\]\n]{0,400})\]\([^()\n]{0,2000}\)")
_DROP = re.compile(
    r"<[@#][!&]?\d+>|</[\w -]{1,64}:\d+>|<t:-?\d+(?::\w)?>|<a?:\w{1,32}:\d+>"  # Discord tokens
    r"|<https?://[^>\s]*>|\bhttps?://\S+|\bwww\.\S+"  # links
    r"|\b(?:discord(?:app)?\.(?:gg|com/invite)|dsc\.gg)/\S+"  # invites
    r"|</?[a-zA-Z][^<>\n]{0,200}>"  # HTML tags
    r"|\*\*|__|~~|\|\||`+",  # markdown marks
    re.I)
_EVERYONE = re.compile(r"@+(everyone|here)\b", re.I)
_LINE_MARK = re.compile(r"^\s*(?:#{1,6}\s+|-#\s+|>+\s*|[-*+•]\s+|\d{1,3}[.)]\s+)+")
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?:[ \t]*\[\s*t\s*=[^\]\n]{0,24}\])*(?=\s|$)", re.I)
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "e.g", "i.e", "approx"})
_SPACE_BEFORE = re.compile(r"\s+([.,;:!?…])")


class LLMFailure(Exception):
    """No usable answer: ``reason`` (short: the footer), ``detail`` (the log), ``pause``
    (the endpoint itself failed, not its answer)."""

    def __init__(self, reason: str, *, detail: str = "", pause: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.detail, self.pause = reason, detail, pause


class AbstractiveSummarizer:
    """A :class:`~bot.summaries.records.Summarizer` through an OpenAI-compatible endpoint,
    with ``fallback`` (the extractive summarizer) whenever it cannot answer."""

    def __init__(self, *, base_url: str, model: str, api_key: Secret, state: StateStore,
                 fallback: Summarizer, timeout: float = 20.0, daily_budget: int = 50,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.name = f"abstractive:{model}"
        self.model = model
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.timeout = timeout
        self.daily_budget = daily_budget
        self.state = state
        self.fallback = fallback
        self._key = api_key
        self._clock, self._monotonic = clock, monotonic
        parts = urlsplit(base_url)
        self._host = parts.netloc
        self._paused_until, self._pause_reason = 0.0, ""
        self._pruned: date | None = None
        self._locks: weakref.WeakValueDictionary[SummaryKey, asyncio.Lock] = weakref.WeakValueDictionary()
        if api_key and parts.scheme == "http" and not _is_local(parts.hostname):
            log.warning("the LLM endpoint %s is plain http: its key crosses the network unencrypted",
                        self._host)

    async def summarize(self, source: SummaryInput, length: str, *,
                        guild_id: int | None = None) -> Summary:
        if length not in LENGTHS:  # (the extractive summarizer says what is wrong)
            return await self.fallback.summarize(source, length, guild_id=guild_id)
        try:
            outcome = await self._abstractive(source, length, guild_id)
        except Exception:  # anything unexpected: the member still gets a summary
            log.exception("abstractive summary of note %s failed", source.note_id)
            outcome = "internal error"
        if isinstance(outcome, Summary):
            return outcome
        summary = await self.fallback.summarize(source, length, guild_id=guild_id)
        return dataclasses.replace(summary, summarizer=f"extractive (fallback: {outcome})")

    async def _abstractive(self, source: SummaryInput, length: str,
                           guild_id: int | None) -> Summary | str:
        """The summary, or the reason there is none."""
        key = SummaryKey(source.content_hash, source.section_index, length, self.model)
        cacheable = bool(source.content_hash)  # (no hash: no key that is the note's alone)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:  # (the same summary asked twice at once is written once)
            cached = await self._cached(key, source, length) if cacheable else None
            if cached is not None:
                return cached
            if self._monotonic() < self._paused_until:
                return f"LLM unavailable: {self._pause_reason}"
            day = self._clock().astimezone(UTC).date()
            await self._prune(day)
            if await self.state.take_budget(guild_id or NO_GUILD, day, self.daily_budget) is None:
                log.info("abstractive summary of note %s: the daily budget of %s is used",
                         source.note_id, f"server {guild_id}" if guild_id else "direct messages")
                return "daily budget used"
            messages, sections = build_prompt(source, length)
            try:
                answer, finish = await self._ask(messages, length)
                sentences = answer_sentences(answer, finish, source, length)
                if not sentences:
                    raise LLMFailure("empty answer", detail="no usable sentence in the answer")
            except LLMFailure as failure:
                if failure.pause:
                    self._paused_until = self._monotonic() + PAUSE_SECONDS
                    self._pause_reason = failure.reason
                log.warning("abstractive summary of note %s by %s at %s: %s (%s); extractive instead",
                            source.note_id, self.model, self._host, failure.reason,
                            self._scrub(failure.detail) or "-")
                return failure.reason
            summary = Summary(source, length, sentences, sections, self.name)
            if cacheable:
                await self._store(key, summary)
            return summary

    # ------------------------------------------------------------------ the endpoint

    async def _ask(self, messages: list[dict[str, str]], length: str) -> tuple[str, str | None]:
        """The answer's text and finish reason, or :class:`LLMFailure`."""
        body = {"model": self.model, "messages": messages, "temperature": 0.2,
                "max_tokens": MAX_TOKENS[length], "stream": False}
        headers = {"Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key.get()}"
        try:
            async with asyncio.timeout(self.timeout), aiohttp.ClientSession() as http, \
                    http.post(self.url, json=body, headers=headers, allow_redirects=False) as response:
                status = response.status
                raw = await _read_at_most(response, MAX_RESPONSE_BYTES)
        except TimeoutError:
            raise LLMFailure(f"timeout after {self.timeout:g} s", pause=True) from None
        except aiohttp.ClientConnectorError as exc:
            raise LLMFailure("cannot connect", detail=str(exc), pause=True) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise LLMFailure("request failed", detail=f"{type(exc).__name__}: {exc}", pause=True) from None
        if status != 200:
            excerpt = raw[:300].decode("utf-8", "replace") if raw else ""
            raise LLMFailure(f"HTTP {status}", detail=excerpt, pause=True)
        if raw is None:
            raise LLMFailure("answer too large", detail=f"over {MAX_RESPONSE_BYTES} bytes")
        return parse_completion(raw)

    def _scrub(self, text: str) -> str:
        """``text`` as it may be logged: one line, short, never the key (if a server echoed it)."""
        key = self._key.get()
        return clean_user_text(text.replace(key, "********") if key else text, 300)

    # ------------------------------------------------------------------ the state database

    async def _cached(self, key: SummaryKey, source: SummaryInput, length: str) -> Summary | None:
        stored = await self.state.get_summary(key)
        if stored is None:
            return None
        try:
            data = json.loads(stored)
            if data.get("v") != CACHE_VERSION:
                return None
            found = [(str(s["text"]), s.get("t")) for s in data["sentences"]]
            known = {section.index for section in source.sections}
            sections = tuple(i for i in data["sections"] if i in known)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        moments = note_moments(source)
        sentences = _within_limits([_sentence(text, t, source, moments) for text, t in found], length)
        return Summary(source, length, sentences, sections, self.name) if sentences else None

    async def _store(self, key: SummaryKey, summary: Summary) -> None:
        data = {"v": CACHE_VERSION, "sections": summary.sections_used,
                "sentences": [{"text": s.text, "t": s.seconds} for s in summary.sentences]}
        await self.state.put_summary(key, json.dumps(data, ensure_ascii=False), self._clock())

    async def _prune(self, day: date) -> None:
        """Once a day: summaries older than :data:`KEEP_SUMMARIES` and old budgets go."""
        if self._pruned == day:
            return
        self._pruned = day
        await self.state.prune(summaries_before=self._clock() - KEEP_SUMMARIES,
                               budget_before=day - timedelta(days=KEEP_BUDGET_DAYS))


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The response's body, or ``None`` when it is longer than ``limit`` bytes."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _is_local(host: str | None) -> bool:
    try:
        return not host or host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------------- prompt and answer


def note_moments(source: SummaryInput) -> dict[int, int]:
    """The note's moments (seconds) and the section each first appears in."""
    moments: dict[int, int] = {}
    for section in source.sections:
        for _, seconds in section.moments:
            moments.setdefault(seconds, section.index)
    return moments


def build_prompt(source: SummaryInput, length: str) -> tuple[list[dict[str, str]], tuple[int, ...]]:
    """The chat messages that ask for the summary, and the sections they hold: each
    section's sentences, a ``[t=SECONDS]`` marker after each one that carries a moment,
    up to :data:`MAX_PROMPT_CHARS` (whole sentences)."""
    header = [f"Note: {source.title}", f"Episode: {source.episode_title or '-'}",
              f"Channel: {source.channel_name or source.channel}",
              "Summarize the whole note:" if source.section_index is None else "Summarize this section:"]
    blocks: list[str] = []
    used: list[int] = []
    room = MAX_PROMPT_CHARS
    for section in source.sections:
        lines = [f"## {section.heading or 'Introduction'}"]
        room -= len(lines[0]) + 1
        for sentence in split_sentences(section.text, section.moments):
            marked = sentence.text + "".join(f" [t={s}]" for s in dict.fromkeys(sentence.moments))
            if len(marked) + 1 > room:
                room = 0
                break
            lines.append(marked)
            room -= len(marked) + 1
        if len(lines) > 1:
            blocks.append("\n".join(lines))
            used.append(section.index)
        if room <= 0:
            break
    user = "\n".join(header) + "\n\n" + "\n\n".join(blocks)
    return ([{"role": "system", "content": SYSTEM.format(ask=ASK[length])},
             {"role": "user", "content": user}], tuple(used))


def parse_completion(raw: bytes) -> tuple[str, str | None]:
    """``choices[0].message.content`` and ``finish_reason`` of a chat completion."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise LLMFailure("malformed JSON", detail=raw[:200].decode("utf-8", "replace")) from None
    try:
        choice = data["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LLMFailure("malformed answer", detail="no choices[0].message.content") from None
    if isinstance(content, list):  # (content parts: [{"type": "text", "text": ...}])
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict)
                          and isinstance(p.get("text"), str))
    if not isinstance(content, str):
        raise LLMFailure("malformed answer", detail=f"content is {type(content).__name__}")
    if not content.strip():
        raise LLMFailure("empty answer")
    finish = choice.get("finish_reason") if isinstance(choice, dict) else None
    return content, finish if isinstance(finish, str) else None


def plain_line(line: str) -> str:
    """One line of an answer with nothing that could ping, link or format: mentions,
    links, invites, HTML and markdown marks dropped (``@everyone`` as ``everyone``,
    ``[label](url)`` as ``label``), invisible characters dropped, white space folded."""
    line = _MASKED_LINK.sub(r"\1", _LINE_MARK.sub("", clean_user_text(line)))
    while (shorter := _DROP.sub("", line)) != line:  # (until no removal makes a new one)
        line = shorter
    return " ".join(_EVERYONE.sub(r"\1", line).split())


def split_answer(text: str) -> list[str]:
    """The answer's sentences (each with the markers that follow it), line by line."""
    pieces: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in _END.finditer(line):
            after = line[match.end():].lstrip()
            word = line[start:match.start()].rsplit(None, 1)
            if after and (after[0].islower() or (word and word[-1].lower().strip("(\"'") in _ABBREVIATIONS
                                                 and match.group(0).startswith("."))):
                continue
            pieces.append(line[start:match.end()])
            start = match.end()
        pieces.append(line[start:])
    return [p.strip() for p in pieces if p.strip()]


def answer_sentences(answer: str, finish: str | None, source: SummaryInput,
                     length: str) -> tuple[SummarySentence, ...]:
    """The answer as summary sentences: whole, plain, each with its moment if it gave one
    of the note's own, at most :data:`MAX_SENTENCES` and :data:`SUMMARY_TEXT_LIMIT`."""
    text = _THINKING.sub("", answer)
    lines = [plain_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and lines[0].endswith(":"):  # "Here is a summary:"
        lines = lines[1:]
    pieces = split_answer("\n".join(lines))
    if finish == "length" and pieces and not _END.search(pieces[-1]):
        pieces.pop()  # cut off by the token limit: never shown half
    moments = note_moments(source)
    found: list[SummarySentence] = []
    for piece in pieces:
        marked = [int(m) for m in _MARKER.findall(piece)]
        words = _SPACE_BEFORE.sub(r"\1", " ".join(_BAD_MARKER.sub(" ", _MARKER.sub(" ", piece)).split()))
        if piece.endswith(":") or len(re.findall(r"\w+", words)) < MIN_WORDS:
            continue
        seconds = next((s for s in marked if s in moments), None)
        found.append(_sentence(words, seconds, source, moments))
    return _within_limits(found, length)


def _sentence(text: str, seconds: Any, source: SummaryInput, moments: dict[int, int]) -> SummarySentence:
    """A sentence of the summary: its moment only if it is one of the note's, its section
    that moment's (else the section asked for, or the note's first)."""
    valid = seconds if type(seconds) is int and seconds in moments else None
    fallback = source.section_index if source.section_index is not None else (
        source.sections[0].index if source.sections else 0)
    return SummarySentence(text, moments[valid] if valid is not None else fallback, valid, source.video_id)


def _within_limits(sentences: list[SummarySentence], length: str) -> tuple[SummarySentence, ...]:
    """Whole sentences only: none longer than :data:`MAX_SENTENCE_CHARS`, at most
    :data:`MAX_SENTENCES`, and no more than fit in :data:`SUMMARY_TEXT_LIMIT` in all."""
    kept: list[SummarySentence] = []
    used = 0
    for sentence in sentences:
        if not sentence.text or len(sentence.text) > MAX_SENTENCE_CHARS:
            continue
        if len(kept) == MAX_SENTENCES[length] or used + len(sentence.text) > SUMMARY_TEXT_LIMIT:
            break
        kept.append(sentence)
        used += len(sentence.text)
    return tuple(kept)
