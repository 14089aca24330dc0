"""The abstractive summarizer against a local stub of an OpenAI-compatible endpoint: its
answer when there is one (plain, whole sentences, the note's own moments), the extractive
summary with its reason on every failure, the cache, the daily budget, and the key never
shown."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Secret, Settings
from bot.state import StateStore, open_state_store
from bot.summaries import SUMMARY_TEXT_LIMIT, Summary, SummaryInput, SummarySentence
from bot.summaries.abstractive import (
    MAX_SENTENCE_CHARS,
    MAX_SENTENCES,
    PAUSE_SECONDS,
    AbstractiveSummarizer,
    plain_line,
)
from bot.summaries.choose import build_summarizer
from bot.summaries.records import InputSection
from tests.summaries.stub_llm import HOSTILE_ANSWER, LONG_ANSWER, MARKED_ANSWER, NORMAL_ANSWER, StubLLM

KEY = "sk-test-very-secret-0123456789"
MODEL = "stub-model"
VIDEO = "dQw4w9WgXcQ"


def _section(index: int, heading: str, sentences: list[tuple[str, int | None]]) -> InputSection:
    text, moments = "", []
    for sentence, seconds in sentences:
        text += sentence
        if seconds is not None:
            moments.append((len(text), seconds))  # (the note writes a moment after its sentence)
        text += " "
    return InputSection(index, heading, text.strip(), tuple(moments))


SECTIONS = (
    _section(0, "", [("The hosts open with the plan for the season.", 61),
                     ("They want one question answered by the end.", None)]),
    _section(1, "Storage", [("Storage costs fell by half after the change.", 754),
                            ("The team measured everything twice.", None)]),
    _section(2, "Advice", [("Measure first and only then optimise anything.", None)]),
)


def _source(section: int | None = None, content_hash: str = "hash-1") -> SummaryInput:
    sections = SECTIONS if section is None else (SECTIONS[section],)
    return SummaryInput(note_id=7, channel="chan", channel_name="The Channel", slug="ep",
                        title="Episode 7", video_id=VIDEO, episode_title="Seven",
                        content_hash=content_hash, sections=sections, section_index=section)


class FakeExtractive:
    """Stands in for the extractive summarizer: one fixed sentence, and a count of calls."""

    name = "extractive"

    def __init__(self) -> None:
        self.calls = 0

    async def summarize(self, source: SummaryInput, length: str, *,
                        guild_id: int | None = None) -> Summary:
        self.calls += 1
        index = source.sections[0].index
        return Summary(source, length, (SummarySentence("The extractive sentence.", index, None, VIDEO),),
                       (index,), "extractive")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def stub() -> AsyncIterator[StubLLM]:
    server = StubLLM()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def state(tmp_path: Path) -> AsyncIterator[StateStore]:
    async with open_state_store(tmp_path / "state.db") as store:
        yield store


def _summarizer(stub: StubLLM, state: StateStore, **kwargs: Any) -> AbstractiveSummarizer:
    options: dict[str, Any] = {"base_url": stub.base_url, "model": MODEL, "api_key": Secret(KEY),
                               "state": state, "fallback": FakeExtractive(), "timeout": 5.0,
                               "daily_budget": 50, **kwargs}
    return AbstractiveSummarizer(**options)


# --------------------------------------------------------------------------- a good answer

async def test_the_answer_becomes_the_summary_with_the_notes_own_moments(
        stub: StubLLM, state: StateStore) -> None:
    stub.answer = MARKED_ANSWER
    summary = await _summarizer(stub, state).summarize(_source(), "medium", guild_id=1)
    assert summary.summarizer == f"abstractive:{MODEL}"
    assert [s.text for s in summary.sentences] == [
        "The episode opens with the plan for the season.",
        "Storage costs fell by half after the change.",
        "A made-up moment should not become a link.",
        "The closing advice is to measure first."]
    assert [s.seconds for s in summary.sentences] == [61, 754, None, None]  # 999: no moment of the note
    assert [s.section_index for s in summary.sentences][:2] == [0, 1]
    assert summary.sentences[1].url == f"https://www.youtube.com/watch?v={VIDEO}&t=754s"
    assert summary.sections_used == (0, 1, 2)

    request = stub.requests[0]
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    assert request["body"]["model"] == MODEL and request["body"]["stream"] is False
    prompt = stub.prompt()
    assert "The hosts open with the plan for the season. [t=61]" in prompt
    assert "Storage costs fell by half after the change. [t=754]" in prompt
    assert "They want one question answered by the end. [t=" not in prompt  # no moment, no marker
    assert "[t=" in request["body"]["messages"][0]["content"]  # the model is told to keep them


async def test_a_section_summary_sends_that_section_only(stub: StubLLM, state: StateStore) -> None:
    summary = await _summarizer(stub, state).summarize(_source(1), "short")
    assert summary.summarizer == f"abstractive:{MODEL}"
    assert [s.text for s in summary.sentences] == NORMAL_ANSWER.replace(". ", ".\n").splitlines()
    assert {s.section_index for s in summary.sentences} == {1} and summary.sections_used == (1,)
    assert "Storage costs" in stub.prompt() and "The hosts open" not in stub.prompt()


async def test_an_endpoint_without_a_key_gets_no_authorization(stub: StubLLM, state: StateStore) -> None:
    await _summarizer(stub, state, api_key=Secret("")).summarize(_source(), "short")
    assert "Authorization" not in stub.requests[0]["headers"]


# --------------------------------------------------------------------------- failures

FAILURES = {
    "slow": "timeout after 0.3 s",
    "error": "HTTP 500",
    "malformed": "malformed JSON",
    "missing": "malformed answer",
    "empty": "empty answer",
    "redirect": "HTTP 307",
    "huge": "answer too large",
}


@pytest.mark.parametrize("mode", list(FAILURES))
async def test_each_failure_falls_back_to_the_extractive_summary_with_its_reason(
        stub: StubLLM, state: StateStore, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    stub.mode = mode
    summarizer = _summarizer(stub, state, timeout=0.3)
    started = asyncio.get_running_loop().time()
    summary = await summarizer.summarize(_source(), "short", guild_id=1)
    assert asyncio.get_running_loop().time() - started < 4.5  # (the stub would take 5 s)
    assert summary.summarizer == f"extractive (fallback: {FAILURES[mode]})"
    assert [s.text for s in summary.sentences] == ["The extractive sentence."]
    assert len(stub.requests) == 1
    assert FAILURES[mode] in caplog.text  # the reason is logged
    assert await summarizer.state.get_summary(_key(_source(), "short")) is None  # nothing cached


async def test_a_refused_connection_falls_back(state: StateStore) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    summarizer = AbstractiveSummarizer(base_url=f"http://127.0.0.1:{port}/v1", model=MODEL,
                                       api_key=Secret(KEY), state=state, fallback=FakeExtractive())
    summary = await summarizer.summarize(_source(), "short")
    assert summary.summarizer == "extractive (fallback: cannot connect)"


async def test_an_answer_with_nothing_usable_falls_back(stub: StubLLM, state: StateStore) -> None:
    stub.answer = "<@123> <@&9> @everyone https://evil.example [t=754]"
    summary = await _summarizer(stub, state).summarize(_source(), "short")
    assert summary.summarizer == "extractive (fallback: empty answer)"


async def test_after_the_endpoint_fails_it_is_left_alone_for_a_while(stub: StubLLM, state: StateStore) -> None:
    ticks = [1000.0]
    summarizer = _summarizer(stub, state, monotonic=lambda: ticks[0])
    stub.mode = "error"
    await summarizer.summarize(_source(), "short")
    stub.mode = "normal"
    paused = await summarizer.summarize(_source(), "short")
    assert paused.summarizer == "extractive (fallback: LLM unavailable: HTTP 500)"
    assert len(stub.requests) == 1  # not asked while paused
    ticks[0] += PAUSE_SECONDS + 1
    assert (await summarizer.summarize(_source(), "short")).summarizer == f"abstractive:{MODEL}"
    assert len(stub.requests) == 2


async def test_an_unexpected_error_still_gives_a_summary(stub: StubLLM, state: StateStore,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    summarizer = _summarizer(stub, state)

    async def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(state, "take_budget", broken)
    summary = await summarizer.summarize(_source(), "short")
    assert summary.summarizer == "extractive (fallback: internal error)"


# --------------------------------------------------------------------------- the cache

def _key(source: SummaryInput, length: str) -> Any:
    from bot.state import SummaryKey

    return SummaryKey(source.content_hash, source.section_index, length, MODEL)


async def test_a_summary_asked_again_costs_no_request(stub: StubLLM, state: StateStore) -> None:
    stub.answer = MARKED_ANSWER
    first = await _summarizer(stub, state).summarize(_source(), "medium", guild_id=1)
    again = await _summarizer(stub, state, daily_budget=1).summarize(_source(), "medium", guild_id=1)
    assert len(stub.requests) == 1
    assert again.sentences == first.sentences and again.summarizer == f"abstractive:{MODEL}"
    assert again.sections_used == first.sections_used
    await _summarizer(stub, state).summarize(_source(), "short", guild_id=1)  # another length
    await _summarizer(stub, state).summarize(_source(content_hash="hash-2"), "medium")  # the note changed
    await _summarizer(stub, state).summarize(_source(1), "medium")  # one section
    await _summarizer(stub, state, model="other").summarize(_source(), "medium")  # another model
    assert len(stub.requests) == 5


async def test_the_same_summary_asked_twice_at_once_is_asked_once(stub: StubLLM, state: StateStore) -> None:
    stub.mode, stub.delay = "slow", 0.2
    summarizer = _summarizer(stub, state)
    both = await asyncio.gather(*(summarizer.summarize(_source(), "short", guild_id=g) for g in (1, 2)))
    assert len(stub.requests) == 1
    assert {s.summarizer for s in both} == {f"abstractive:{MODEL}"}


async def test_a_cached_summary_survives_a_restart(stub: StubLLM, tmp_path: Path) -> None:
    for _ in range(2):
        async with open_state_store(tmp_path / "s.db") as store:
            summary = await _summarizer(stub, store).summarize(_source(), "short")
            assert summary.summarizer == f"abstractive:{MODEL}"
    assert len(stub.requests) == 1


# --------------------------------------------------------------------------- the budget

async def test_the_budget_stops_a_server_for_the_rest_of_the_utc_day(stub: StubLLM, state: StateStore) -> None:
    clock = Clock(datetime(2026, 3, 1, 23, 58, tzinfo=UTC))
    summarizer = _summarizer(stub, state, daily_budget=2, clock=clock)
    results = [await summarizer.summarize(_source(section), "short", guild_id=1) for section in (0, 1, 2)]
    assert [r.summarizer for r in results] == [f"abstractive:{MODEL}"] * 2 + [
        "extractive (fallback: daily budget used)"]
    assert len(stub.requests) == 2
    # cached ones are free, and another server has its own budget
    assert (await summarizer.summarize(_source(0), "short", guild_id=1)).summarizer == f"abstractive:{MODEL}"
    assert (await summarizer.summarize(_source(2), "short", guild_id=2)).summarizer == f"abstractive:{MODEL}"
    assert len(stub.requests) == 3
    clock.now += timedelta(minutes=3)  # 00:01 UTC the next day
    assert (await summarizer.summarize(_source(2), "medium", guild_id=1)).summarizer == f"abstractive:{MODEL}"
    assert len(stub.requests) == 4


async def test_the_day_is_the_utc_day(stub: StubLLM, state: StateStore) -> None:
    from datetime import timezone

    tokyo = timezone(timedelta(hours=9))
    clock = Clock(datetime(2026, 3, 2, 8, 0, tzinfo=tokyo))  # 23:00 UTC on March 1
    summarizer = _summarizer(stub, state, daily_budget=1, clock=clock)
    await summarizer.summarize(_source(0), "short", guild_id=1)
    clock.now = datetime(2026, 3, 2, 8, 30, tzinfo=tokyo)  # still March 1 in UTC
    assert (await summarizer.summarize(_source(1), "short", guild_id=1)).summarizer.endswith(
        "(fallback: daily budget used)")


async def test_direct_messages_share_one_budget(stub: StubLLM, state: StateStore) -> None:
    summarizer = _summarizer(stub, state, daily_budget=1)
    await summarizer.summarize(_source(0), "short", guild_id=None)
    second = await summarizer.summarize(_source(1), "short", guild_id=None)
    assert second.summarizer == "extractive (fallback: daily budget used)"


# --------------------------------------------------------------------------- the key

@pytest.mark.parametrize("mode", ["normal", "error", "echo_key", "slow"])
async def test_the_key_is_never_logged_nor_shown(stub: StubLLM, state: StateStore, mode: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    stub.mode = mode
    summary = await _summarizer(stub, state, timeout=0.3).summarize(_source(), "short")
    assert (mode == "normal") == (summary.summarizer == f"abstractive:{MODEL}")
    assert KEY not in caplog.text
    assert KEY not in repr(summary) and KEY not in summary.summarizer
    if mode == "echo_key":
        assert "HTTP 401" in caplog.text and "********" in caplog.text  # what it said, key hidden


# --------------------------------------------------------------------------- limits, text

@pytest.mark.parametrize("length", ["short", "medium", "long"])
async def test_a_long_answer_is_held_to_the_limits_in_whole_sentences(
        stub: StubLLM, state: StateStore, length: str) -> None:
    stub.answer = LONG_ANSWER
    summary = await _summarizer(stub, state).summarize(_source(), length)
    assert summary.summarizer == f"abstractive:{MODEL}"
    assert 0 < len(summary.sentences) <= MAX_SENTENCES[length]
    assert sum(len(s.text) for s in summary.sentences) <= SUMMARY_TEXT_LIMIT
    for sentence in summary.sentences:
        assert sentence.text in LONG_ANSWER and sentence.text.endswith("ends here.")
        assert len(sentence.text) <= MAX_SENTENCE_CHARS


async def test_the_sum_of_the_sentences_stays_within_the_text_limit(stub: StubLLM, state: StateStore) -> None:
    sentence = "This sentence is long on purpose, " + "and it keeps going " * 28 + "before it ends."
    assert 500 < len(sentence) <= MAX_SENTENCE_CHARS
    stub.answer = " ".join([sentence] * 12)
    summary = await _summarizer(stub, state).summarize(_source(), "long")
    assert len(summary.sentences) == SUMMARY_TEXT_LIMIT // (len(sentence))
    assert sum(len(s.text) for s in summary.sentences) <= SUMMARY_TEXT_LIMIT


async def test_a_sentence_cut_by_the_token_limit_is_dropped(stub: StubLLM, state: StateStore) -> None:
    stub.answer, stub.finish_reason = "The first point is made. The second point is cut off in the mid", "length"
    summary = await _summarizer(stub, state).summarize(_source(), "short")
    assert [s.text for s in summary.sentences] == ["The first point is made."]


async def test_mentions_links_and_markdown_come_out_plain(stub: StubLLM, state: StateStore) -> None:
    stub.answer = HOSTILE_ANSWER
    summary = await _summarizer(stub, state).summarize(_source(), "medium")
    assert summary.summarizer == f"abstractive:{MODEL}"
    text = " ".join(s.text for s in summary.sentences)
    for bad in ("@everyone", "@here", "<@", "<#", "](", "http", "evil.example", "discord.gg", "**", "`", "||"):
        assert bad not in text
    assert "everyone the guest says and were right about caching." in text
    assert "Read the full story before does." in text
    assert "Bold claims and code and spoilers stay plain here." in text


@pytest.mark.parametrize(("line", "plain"), [
    ("@\u200beveryone look", "everyone look"),  # an invisible character does not hide it
    ("<<@12>@34> and <<#5>#6> said", "and said"),  # nor one removal that makes another
    ("@**everyone** and @@here", "everyone and here"),
    ("# 1. **Headline** [label](<https://x.example>)", "Headline label"),
])
def test_plain_lines_cannot_be_made_to_ping(line: str, plain: str) -> None:
    assert plain_line(line) == plain


async def test_a_preamble_and_thinking_are_not_summary(stub: StubLLM, state: StateStore) -> None:
    stub.answer = ("<think>The user wants a summary. I will write two sentences.</think>\n"
                   "Here is a summary of the note:\n- The plan comes first.\n- Dr. Smith then measures it.")
    summary = await _summarizer(stub, state).summarize(_source(), "short")
    assert [s.text for s in summary.sentences] == ["The plan comes first.", "Dr. Smith then measures it."]


# --------------------------------------------------------------------------- choosing

async def test_the_settings_choose_the_summarizer(state: StateStore) -> None:
    extractive = FakeExtractive()
    assert build_summarizer(Settings(), state, extractive) is extractive
    settings = replace(Settings(), summarizer="abstractive", llm_base_url="http://127.0.0.1:9/v1",
                       llm_model=MODEL, llm_api_key=Secret(KEY), llm_timeout_seconds=3.0,
                       llm_daily_budget=4)
    chosen = build_summarizer(settings, state, extractive)
    assert isinstance(chosen, AbstractiveSummarizer)
    assert (chosen.url, chosen.timeout, chosen.daily_budget, chosen.fallback) == (
        "http://127.0.0.1:9/v1/chat/completions", 3.0, 4, extractive)
    with pytest.raises(ValueError, match="state database"):
        build_summarizer(settings, None, extractive)
