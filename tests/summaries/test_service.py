"""SummaryService over the made-up notes synced into a cache: notes by value or title, sections
by heading, index or "whole note" (with their subsections), lengths, clear errors, the content
hash, the section choices, the summarizer it is given, the vault's weights, and Services."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.config import Settings
from bot.errors import NotFound, UserFacingError
from bot.search import TopicSearch
from bot.services import Services
from bot.summaries.extractive import ExtractiveSummarizer
from bot.summaries.records import Summary, SummaryInput
from bot.summaries.service import (
    NothingToSummarize,
    SummaryService,
    UnknownLength,
    UnknownNote,
    UnknownSection,
)
from bot.summaries.weights import VaultWeights
from tests.summaries.helpers import FIXTURES

CHANNEL = "fixtures"


def make_vault(root: Path) -> Path:
    folder = root / CHANNEL
    folder.mkdir(parents=True)
    for path in sorted(FIXTURES.glob("*.md")):
        if path.name != "CASES.md":
            shutil.copy(path, folder / path.name)
    return root


@asynccontextmanager
async def service(tmp_path: Path, **kwargs: object) -> AsyncIterator[SummaryService]:
    vault = make_vault(tmp_path / "vault")
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1) as cache:
        await cache.sync(vault)
    async with NotesCache(db, readonly=True) as cache, TopicSearch(cache) as topics:
        yield SummaryService(cache, topics, **kwargs)  # type: ignore[arg-type]


async def test_a_note_by_its_autocomplete_value(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        summary = await summaries.summarize("fixtures/hives")
    assert summary.summarizer == "extractive" and summary.length == "short"
    assert summary.source.title == "Urban Beekeeping Basics"
    assert summary.source.section_index is None
    assert 2 <= len(summary.sentences) <= 3
    assert summary.sentences[0].url is not None
    assert summary.sentences[0].url.startswith("https://www.youtube.com/watch?v=hIvEs0Urb01&t=")


async def test_a_note_by_a_typed_title(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        summary = await summaries.summarize("urban beekeeping basics", length="medium")
    assert summary.source.slug == "hives" and summary.length == "medium"


async def test_a_section_by_heading_in_any_case_by_value_and_whole_note(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        by_heading = await summaries.summarize("fixtures/hives", "  FORAGE and water ", "long")
        by_value = await summaries.summarize("fixtures/hives", "2", "long")
        whole = await summaries.summarize("fixtures/hives", "Whole note", "long")
        none = await summaries.summarize("fixtures/hives", "", "long")
    assert by_heading.source.section_index == 2 == by_value.source.section_index
    assert by_heading.sections_used == (2,)
    assert [s.text for s in by_heading.sentences] == [s.text for s in by_value.sentences]
    dish = next(s for s in by_heading.sentences if s.text.startswith("A shallow water dish"))
    assert dish.seconds == 312  # the repaired value, from the cache
    assert whole.source.section_index is None and none.source.section_index is None
    assert whole.sections_used == (0, 1, 2, 3, 4)  # one line per section


async def test_a_section_picked_in_the_note_option(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        summary = await summaries.summarize("fixtures/hives#4")
    assert summary.source.section_index == 4
    assert summary.sections_used == (4,)


async def test_a_unique_start_of_a_heading_names_it(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        summary = await summaries.summarize("fixtures/hives", "inspect")
    assert summary.source.section_index == 3


async def test_a_section_is_summarized_with_its_subsections(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        summary = await summaries.summarize("fixtures/sparse", "Words", "long")
    assert summary.source.section_index == 3
    assert [s.index for s in summary.source.sections] == [3, 4]
    assert [s.section_index for s in summary.sentences] == [3, 4]


async def test_the_content_hash_is_the_files(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        summary = await summaries.summarize("fixtures/hives")
    with sqlite3.connect(tmp_path / "c.db") as con:
        (digest,) = con.execute("SELECT hash FROM files WHERE path = ?",
                                ("fixtures/hives.md",)).fetchone()
    assert summary.source.content_hash == digest.hex() and len(digest) >= 16


async def test_an_unknown_note_is_a_clear_error(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        with pytest.raises(UnknownNote) as caught:
            await summaries.summarize("zzqx vvwy nothing like it")
        with pytest.raises(UnknownNote):
            await summaries.summarize("fixtures/zzqx_vvwy")
        with pytest.raises(UnknownNote):
            await summaries.summarize("   ")
    assert isinstance(caught.value, NotFound)
    assert "zzqx vvwy nothing like it" in str(caught.value)


async def test_an_unknown_section_names_the_sections_there_are(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        with pytest.raises(UnknownSection) as caught:
            await summaries.summarize("fixtures/hives", "Honey harvest")
        with pytest.raises(UnknownSection):
            await summaries.summarize("fixtures/hives", "99")
    message = str(caught.value)
    assert isinstance(caught.value, NotFound)
    assert "Honey harvest" in message and "Urban Beekeeping Basics" in message
    assert "Choosing a Site" in message and "Conclusion" in message


async def test_an_unknown_length_is_a_clear_error(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        with pytest.raises(UnknownLength) as caught:
            await summaries.summarize("fixtures/hives", length="huge")
        upper = await summaries.summarize("fixtures/hives", length="LONG")
    assert isinstance(caught.value, UserFacingError)
    assert "short, medium or long" in str(caught.value)
    assert upper.length == "long"


async def test_an_empty_section_is_a_clear_error(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        with pytest.raises(NothingToSummarize) as caught:
            await summaries.summarize("fixtures/sparse", "Empty Heading")
        with pytest.raises(NothingToSummarize):
            await summaries.summarize("fixtures/sparse", "only code")
    assert "Empty Heading" in str(caught.value) and "Sparse Note" in str(caught.value)


async def test_the_section_choices(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        hives = await summaries.sections("fixtures/hives")
        sparse = await summaries.sections("Sparse Note")
        lanterns = await summaries.sections("fixtures/headings")
        unknown = await summaries.sections("zzqx vvwy nothing like it")
    assert hives == [("whole note", ""), ("Introduction", "0"), ("Choosing a Site", "1"),
                     ("Forage and Water", "2"), ("Inspections", "3"), ("Conclusion", "4")]
    # no choice for a heading without text, nor for a section of code only
    assert sparse == [("whole note", ""), ("Introduction", "0"), ("Words", "3"),
                      ("Deeper Words", "4")]
    names = [name for name, _ in lanterns]
    assert names[:4] == ["whole note", "Introduction", "Materials", "Materials (2)"]
    assert all(1 <= len(name) <= 100 and len(value) <= 100 for name, value in lanterns)
    assert names[4].endswith("…") and len(names[4]) == 100
    assert unknown == []


async def test_every_section_choice_summarizes(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        for note in ("fixtures/hives", "fixtures/headings", "fixtures/sparse"):
            for _, value in await summaries.sections(note):
                summary = await summaries.summarize(note, value, "medium")
                assert summary.sentences


class Recording:
    name = "recording"

    def __init__(self) -> None:
        self.calls: list[tuple[SummaryInput, str, int | None]] = []

    async def summarize(self, source: SummaryInput, length: str, *,
                        guild_id: int | None = None) -> Summary:
        self.calls.append((source, length, guild_id))
        return Summary(source, length, (), (), self.name)


async def test_the_summarizer_given_is_asked_with_the_guild(tmp_path: Path) -> None:
    recording = Recording()
    async with service(tmp_path, summarizer=recording) as summaries:
        summary = await summaries.summarize("fixtures/hives", "Inspections", "medium",
                                            guild_id=42)
    assert summary.summarizer == "recording"
    ((source, length, guild),) = recording.calls
    assert (length, guild) == ("medium", 42)
    assert source.section_index == 3 and [s.heading for s in source.sections] == ["Inspections"]
    assert source.channel == CHANNEL and source.video_id == "hIvEs0Urb01"


async def test_the_default_summarizer_uses_the_vaults_weights(tmp_path: Path) -> None:
    async with service(tmp_path) as summaries:
        assert isinstance(summaries.summarizer, ExtractiveSummarizer)
        assert summaries.summarizer.weights is not None
        weights = await summaries.summarizer.weights()
    # "fixtures" and "hive" are in more of the vault's sections than "acetone"
    assert weights.rows > 10
    assert weights.idf("aceton") > weights.idf("hive")


async def test_vault_weights_follow_the_cache(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault")
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1) as cache:
        await cache.sync(vault)
        async with TopicSearch(cache) as topics:
            loader = VaultWeights(topics.index)
            first = await loader.current()
            assert await loader.current() is first  # loaded once
            extra = "\n\n".join(f"Acetone note {n} says acetone again." for n in range(30))
            (vault / CHANNEL / "acetone.md").write_text(
                f"---\ntitle: Acetone\nvideoId: aCeTone0001\n---\n\n{extra}\n", encoding="utf-8")
            await cache.sync(vault)
            await topics.refresh()
            second = await loader.current()
    assert second is not first and second.token != first.token
    assert second.idf("aceton") < first.idf("aceton")


async def test_services_build_a_summary_service(tmp_path: Path) -> None:
    settings = replace(Settings(), notes_dir=make_vault(tmp_path / "vault"), db=tmp_path / "s.db")
    async with NotesCache(settings.db, workers=1) as cache:
        services = Services.build(settings, cache)
        assert isinstance(services.summaries, SummaryService)
        assert services.summaries.topics is services.topics
        assert isinstance(services.summaries.summarizer, ExtractiveSummarizer)
        await services.topics.aclose()
