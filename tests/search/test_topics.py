"""TopicSearch (bot/search/topics.py) over the bundled sample vault and small vaults of our
own made-up notes; FullTextSearch and RelatedNotes through its delegates."""

from __future__ import annotations

import ast
import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.search import FullTextSearch, QueryTooVague, RelatedNotes, TopicSearch
from bot.search.query import match_expression, prepare_query
from bot.search.snapshot import MAX_CHOICE_CHARS
from bot.search.text import stem

HOSTILE = [
    "tunneling " * 600,  # 6,000 characters
    '"NEAR(a b)" OR title:*',
    "😀🎧🔥",
    "\u200b\u200d\u2060\ufeff",
    "?",
    "NOT AND OR ( ) * ^ : -",
    "the " * 100,
    "",
    "   ",
]


@pytest.fixture
async def search(tmp_path: Path) -> AsyncIterator[TopicSearch]:
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(SAMPLE_VAULT)
        async with TopicSearch(cache) as topics:
            yield topics


async def best_key(search: TopicSearch, query: str, channel: str | None = None) -> str | None:
    result = await search.lookup(query, channel)
    return result.best.key if result.best else None


# --------------------------------------------------------------------------- lookup


async def test_exact_title(search: TopicSearch) -> None:
    result = await search.lookup("Quantum tunneling")
    assert result.confident
    assert result.best is not None
    assert result.best.key == "curiousorbit/quantum_tunneling"
    assert result.best.why == "title"
    assert result.best.video_id == "Qm7tR2vX9pL"
    assert result.best.url == "https://www.youtube.com/watch?v=Qm7tR2vX9pL"
    assert result.best.episode_title and "Walk Through Walls" in result.best.episode_title
    assert 0.0 < result.best.score <= 1.0
    assert result.took_ms >= 0.0


@pytest.mark.parametrize(("query", "expected"), [
    ("quantm tunelling", "curiousorbit/quantum_tunneling"),  # typos
    ("biolumenescence chemestry", "curiousorbit/bioluminescence_chemistry"),
    ("sourdogh starter", "stockpotledger/sourdough_starter_as_a_business_asset"),
])
async def test_typos(search: TopicSearch, query: str, expected: str) -> None:
    result = await search.lookup(query)
    assert result.best is not None and result.best.key == expected
    assert result.confident


async def test_typo_in_a_whole_title_says_fuzzy_title(search: TopicSearch) -> None:
    result = await search.lookup("Quantm tunelling")
    assert result.best is not None and result.best.why == "fuzzy title"


@pytest.mark.parametrize(("query", "expected"), [
    ("scanning tunn", "curiousorbit/scanning_tunneling_microscope"),  # partial titles
    ("vertical migration of zoo", "curiousorbit/vertical_migration_of_zooplankton"),
    ("hiring first kit", "stockpotledger/hiring_first_kitchen_staff"),
])
async def test_partial_titles(search: TopicSearch, query: str, expected: str) -> None:
    assert await best_key(search, query) == expected


async def test_section_heading(search: TopicSearch) -> None:
    result = await search.lookup("How Likely Is It")
    assert result.best is not None
    assert result.best.key == "curiousorbit/quantum_tunneling"
    assert result.best.why == "heading"
    assert result.best.matched_section == "How Likely Is It?"
    assert result.best.section_index is not None


@pytest.mark.parametrize(("query", "expected"), [
    ("why do tiny particles get through walls", "curiousorbit/quantum_tunneling"),
    ("how much of a dish's price goes on its ingredients",
     "stockpotledger/food_cost_percentage"),
    ("which dishes to keep or drop from the menu by popularity and margin",
     "stockpotledger/menu_engineering"),
])
async def test_paraphrase(search: TopicSearch, query: str, expected: str) -> None:
    assert await best_key(search, query) == expected


async def test_person(search: TopicSearch) -> None:
    result = await search.lookup("Teodora Vance")
    assert result.best is not None and result.best.channel == "stockpotledger"


async def test_channel_filter(search: TopicSearch) -> None:
    assert await best_key(search, "food cost", "stockpotledger") == \
        "stockpotledger/food_cost_percentage"
    scoped = await search.lookup("food cost", "curiousorbit")
    assert all(hit.channel == "curiousorbit" for hit in scoped.hits)
    # a channel's display name works too
    assert await best_key(search, "food cost", "Stockpot & Ledger") == \
        "stockpotledger/food_cost_percentage"
    unknown = await search.lookup("food cost", "no such channel")
    assert unknown.hits == [] and unknown.reason == "unknown channel"


async def test_gibberish_is_not_confident_and_suggests_titles(search: TopicSearch) -> None:
    result = await search.lookup("xqzvbnmkwp")
    assert not result.confident
    assert result.did_you_mean
    # suggestions are real titles of the vault
    all_titles = {c.name.split(" — ")[0] for c in search.autocomplete("", limit=25)}
    assert set(result.did_you_mean) <= all_titles


async def test_json_shape(search: TopicSearch) -> None:
    result = await search.lookup("menu engineering")
    out = result.as_dict()
    assert set(out) >= {"results", "took_ms"}
    first = out["results"][0]
    assert set(first) == {"channel", "slug", "title", "score", "video_id", "url"}
    assert first["slug"] == "menu_engineering"


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_lookup_has_a_clear_outcome(search: TopicSearch, text: str) -> None:
    started = time.perf_counter()
    result = await search.lookup(text)
    assert time.perf_counter() - started < 1.0
    if result.reason:
        assert result.hits == [] and not result.confident
        assert result.reason in ("empty", "no words")
    if not result.hits:  # nothing found is never a confident answer
        assert not result.confident
    if len(text) > 400:
        assert result.truncated
    assert len(search.autocomplete(text)) <= 25


@pytest.mark.parametrize("text", ["😀🎧🔥", "\u200b\u200d", "?", ""])
async def test_no_words_is_a_typed_outcome(search: TopicSearch, text: str) -> None:
    result = await search.lookup(text)
    assert result.hits == [] and not result.confident
    assert result.reason in ("empty", "no words")
    with pytest.raises(QueryTooVague) as raised:
        await FullTextSearch(search.index).search(text)
    assert raised.value.reason in ("empty", "no words")
    assert str(raised.value)  # a sentence the caller can show


def test_query_words_are_never_fts_syntax() -> None:
    prepared = prepare_query('"NEAR(a b)" OR title:* AND body:"x"')
    assert prepared.words == ["near", "a", "b", "or", "title", "and", "body", "x"]
    expression = match_expression([[w] for w in prepared.words])
    assert expression.startswith('"near" AND "a"')
    assert match_expression([['say "hi"']]) == '"say ""hi"""'
    assert match_expression([["imposter", "impostor"], ["syndrome"]], mode="or") == \
        '("imposter" OR "impostor") OR "syndrome"'


def test_long_and_repetitive_queries_are_bounded() -> None:
    wall = prepare_query("word " * 3000)
    assert wall.truncated and wall.words == ["word"]
    many = prepare_query(" ".join(f"w{i}" for i in range(100)))
    assert many.truncated and len(many.words) <= 10
    assert stem("layoffs") == stem("layoff") and stem("roasting") == stem("roast")


async def test_full_text_marks_matched_words(search: TopicSearch) -> None:
    hits = await FullTextSearch(search.index).search("tunneling electron")
    assert hits
    assert all(len(hit.snippet) <= 210 for hit in hits)
    assert any("**tunneling**" in hit.snippet.lower() for hit in hits)
    assert all(hit.snippet.count("**") % 2 == 0 for hit in hits)
    scoped = await FullTextSearch(search.index).search("cost", "stockpotledger")
    assert scoped and all(hit.channel == "stockpotledger" for hit in scoped)
    # FTS5 syntax is searched as the plain words it holds, never run as syntax
    syntax = await FullTextSearch(search.index).search('"NEAR(tunneling electron)" OR title:*')
    words = await FullTextSearch(search.index).search("near tunneling electron or title")
    assert syntax and [(h.note_id, h.section_index) for h in syntax] == \
        [(h.note_id, h.section_index) for h in words]
    with pytest.raises(ValueError):
        await FullTextSearch(search.index).search("cost", "no such channel")


async def test_full_text_pages(search: TopicSearch) -> None:
    first = await FullTextSearch(search.index).search("the", limit=3)
    second = await FullTextSearch(search.index).search("the", limit=3, offset=3)
    assert len(first) == 3
    assert {(h.note_id, h.section_index) for h in first}.isdisjoint(
        {(h.note_id, h.section_index) for h in second})


# --------------------------------------------------------------------------- autocomplete


async def test_autocomplete_limits_and_round_trip(search: TopicSearch) -> None:
    for typed in ("t", "tun", "quantum", "the barrier", "menu eng", "", "x" * 500):
        choices = search.autocomplete(typed)
        assert len(choices) <= 25
        for choice in choices:
            assert 0 < len(choice.name) <= MAX_CHOICE_CHARS
            assert 0 < len(choice.value) <= MAX_CHOICE_CHARS
            hit = await search.resolve(choice.value)
            assert hit is not None, choice
            assert choice.value.startswith(hit.key)
            assert (await search.lookup(choice.value)).best == hit


async def test_autocomplete_heading_choice(search: TopicSearch) -> None:
    choices = search.autocomplete("the barrier")
    assert choices and "›" in choices[0].name and "#" in choices[0].value
    hit = await search.resolve(choices[0].value)
    assert hit is not None and hit.matched_section == "The Barrier Problem"


async def test_autocomplete_channel(search: TopicSearch) -> None:
    choices = search.autocomplete("", channel="curiousorbit")
    assert choices and all(c.value.startswith("curiousorbit/") for c in choices)
    assert search.autocomplete("tun", channel="nope") == []
    channels = {c.key: c for c in search.channels()}
    assert channels["curiousorbit"].name == "The Curious Orbit"
    assert channels["stockpotledger"].notes == 6


def _write_note(root: Path, channel: str, slug: str, title: str, body: str,
                video: str = "Vid00000001") -> None:
    folder = root / channel
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.md").write_text(
        f"---\ntitle: {title}\nvideoId: {video}\n---\n\nFrom: [[{channel}]] <br/>\n{body}\n",
        encoding="utf-8")


@pytest.fixture
async def tiers(tmp_path: Path) -> AsyncIterator[TopicSearch]:
    """Made-up notes where one typed word hits every tier of the autocomplete."""
    vault = tmp_path / "vault"
    _write_note(vault, "shore", "tides", "Tides", "How the sea rises and falls.")
    _write_note(vault, "shore", "tides_and_the_moon", "Tides and the moon",
                "The moon pulls the water.")
    _write_note(vault, "shore", "spring_tides_explained", "Spring tides explained",
                "When the sun and moon line up.")
    _write_note(vault, "shore", "coastal_walks", "Coastal walks",
                "Walking the coast.\n\n## Tides\n\nCheck the table before you go.")
    _write_note(vault, "shore", "lighthouses", "Lighthouses",
                "Keepers watched the tides every night from the lamp room.")
    # the same title in two channels, and twice in one channel (two episodes)
    _write_note(vault, "harbor", "tides", "Tides", "Harbor tides.", video="Vid00000002")
    _write_note(vault, "harbor", "tides_2", "Tides", "Tides again.", video="Vid00000003")
    long_slug = "a_very_long_note_name_" + "about_the_sea_" * 8
    _write_note(vault, "harbor", long_slug.strip("_"), "The longest note about the sea",
                "Long.")
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(vault)
        async with TopicSearch(cache) as topics:
            yield topics


async def test_autocomplete_tiers(tiers: TopicSearch) -> None:
    values = [c.value for c in tiers.autocomplete("tides", channel="shore")]
    assert values[:3] == [
        "shore/tides",  # exact title
        "shore/tides_and_the_moon",  # title prefix
        "shore/spring_tides_explained",  # the word elsewhere in a title
    ]
    assert values[3].startswith("shore/coastal_walks#")  # a section heading, after titles
    assert "shore/lighthouses" not in values  # body text only: not from memory


async def test_autocomplete_typos(tiers: TopicSearch) -> None:
    values = [c.value for c in tiers.autocomplete("tdies", channel="shore")]
    assert values[0] == "shore/tides"
    assert set(values[1:3]) == {"shore/tides_and_the_moon", "shore/spring_tides_explained"}
    values = [c.value for c in tiers.autocomplete("sprng tid", channel="shore")]
    assert values[0] == "shore/spring_tides_explained"


async def test_autocomplete_tells_same_titles_apart(tiers: TopicSearch) -> None:
    names = [c.name for c in tiers.autocomplete("Tides") if c.name.startswith("Tides —")]
    assert len(names) == 3 and len(set(names)) == 3


async def test_long_slug_value_fits_and_resolves(tiers: TopicSearch) -> None:
    choices = tiers.autocomplete("the longest note about")
    assert choices
    assert len(choices[0].value) <= MAX_CHOICE_CHARS and "~" in choices[0].value
    hit = await tiers.resolve(choices[0].value)
    assert hit is not None and hit.title == "The longest note about the sea"


# --------------------------------------------------------------------------- related


async def test_related(search: TopicSearch) -> None:
    hit = await search.resolve("curiousorbit/quantum_tunneling")
    assert hit is not None
    related = await RelatedNotes(search.index).related(hit.note_id)
    assert related is not None
    out = {ref.slug for ref in related.links_out}
    assert {"scanning_tunneling_microscope", "tunneling_and_fusion_in_stars"} <= out
    back = {ref.slug for ref in related.backlinks}
    assert "scanning_tunneling_microscope" in back
    episode = {ref.slug for ref in related.same_episode}
    assert episode == {"scanning_tunneling_microscope", "tunneling_and_fusion_in_stars"}
    assert related.url == "https://www.youtube.com/watch?v=Qm7tR2vX9pL"
    assert await RelatedNotes(search.index).related(10**9) is None


async def test_resolve_free_text_and_unknown(search: TopicSearch) -> None:
    hit = await search.resolve("menu engineering")
    assert hit is not None and hit.slug == "menu_engineering"
    assert await search.resolve("curiousorbit/no_such_note") is None
    assert await search.resolve("xqzvbnmkwp") is None


# --------------------------------------------------------------------------- lifecycle


async def test_reloads_when_the_cache_changes(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(vault)
        async with TopicSearch(cache) as topics:
            assert not (await topics.lookup("Glass sponges")).confident
            _write_note(vault, "curiousorbit", "glass_sponges", "Glass sponges",
                        "Sponges that build skeletons of silica.")
            await cache.sync(vault)
            await topics.refresh()  # what VaultSync's after_sync does
            result = await topics.lookup("Glass sponges")
            assert result.best is not None and result.best.slug == "glass_sponges"
            assert any(c.value == "curiousorbit/glass_sponges"
                       for c in topics.autocomplete("glass spo"))


async def test_not_ready_before_the_first_sync(tmp_path: Path) -> None:
    async with NotesCache(tmp_path / "c.db") as cache:
        topics = TopicSearch(cache)
        result = await topics.lookup("anything")
        assert result.reason == "not ready" and result.hits == []
        assert topics.autocomplete("anything") == []
        assert topics.channels() == []
        await topics.aclose()


async def test_lookups_do_not_hold_up_the_event_loop(search: TopicSearch) -> None:
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        for _ in range(60):
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    for text in ("why do tiny particles get through walls", "x" * 6000, "the " * 100):
        await search.lookup(text)
    await tick
    assert max(gaps) < 0.1


def test_no_search_module_imports_discord() -> None:
    package = Path(__file__).resolve().parents[2] / "bot" / "search"
    modules = sorted(package.glob("*.py"))
    assert len(modules) > 5
    for source in modules:
        imported: set[str] = set()
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
        assert "discord" not in imported, source.name


@pytest.mark.parametrize("text", ["no such note zzz", "microscope fusion", "energy"])
async def test_resolve_takes_free_text_only_when_the_lookup_is_confident(
        search: TopicSearch, text: str) -> None:
    """/related resolved any text to a note: its lookup asked for one hit, so there was never
    a runner-up to be unsure against."""
    result = await search.lookup(text)
    hit = await search.resolve(text)
    if result.confident:
        assert hit is not None and hit.key == result.best.key  # type: ignore[union-attr]
    else:
        assert hit is None
