"""/topic through SimCord: answers, autocomplete, buttons, limits."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import UserFacingError
from tests.e2e.conftest import button_states, check_embed_limits, check_everything_posted, sent_allowed_mentions


async def test_topic_answers_with_the_note_its_episode_and_sections(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="quantum tunneling")
    assert not result.ephemeral
    (embed,) = result.response.embeds
    check_embed_limits(embed)
    assert embed.title == "Quantum tunneling"
    assert embed.url == "https://www.youtube.com/watch?v=Qm7tR2vX9pL"
    assert "Why Particles Walk Through Walls" in embed.author.name
    assert "The Curious Orbit" in embed.author.name
    sections = next(f.value for f in embed.fields if f.name == "Sections")
    assert "The Barrier Problem" in sections
    assert "&t=340s" in sections  # the section's first moment, linked
    assert "curiousorbit/quantum_tunneling.md" in embed.footer.text
    assert all(m == {"parse": []} for m in sent_allowed_mentions(env))


@pytest.mark.parametrize("typed", ["quantm tunelling", "tunneling and fusion", "Barrier Problem",
                                   "why barriers leak electrons"])
async def test_topic_finds_the_note_whatever_the_member_types(world: Any, typed: str) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query=typed)
    title = result.response.embeds[0].title
    assert "unnel" in title, (typed, title)


async def test_buttons_page_through_sections_and_back(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="quantum tunneling")
    message = result.response
    assert button_states(message)["◀ Section"] is True  # nothing before the overview
    await alice.click(message, label="Section ▶")
    embed = message.embeds[0]
    assert embed.description.startswith("**The Barrier Problem**")
    assert "Section 1 of 3" in embed.footer.text
    moments = next(f.value for f in embed.fields if f.name == "Moments in the episode")
    assert "https://www.youtube.com/watch?v=Qm7tR2vX9pL&t=" in moments
    await alice.click(message, label="Section ▶")
    await alice.click(message, label="Section ▶")
    assert "Section 3 of 3" in message.embeds[0].footer.text
    assert button_states(message)["Section ▶"] is True  # the last section
    await alice.click(message, label="Overview")
    assert any(f.name == "Sections" for f in message.embeds[0].fields)


async def test_other_matches_open_another_note(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="tunneling")
    message = result.response
    first = message.embeds[0].title
    await alice.click(message, label="Other matches")
    listing = message.embeds[0]
    assert listing.title.startswith("Other matches")
    selects = [item for row in message.components for item in row["components"]
               if item.get("type") == 3]
    assert selects, "a menu lists the other notes"
    expected = listing.description.split("\n")[0]  # "**1. Title**": the first one listed
    await alice.select(message, ["0"], custom_id=selects[0]["custom_id"])
    opened = message.embeds[0]
    assert opened.title != first
    assert opened.title in expected  # the note picked, not any note
    assert any(f.name == "Sections" for f in opened.fields)  # its overview


async def test_only_the_asker_can_press_the_buttons(world: Any) -> None:
    env, guild, channel, alice = world
    bob = guild.add_member(env.create_user("bob"))
    message = (await alice.slash(channel, "topic", query="quantum tunneling")).response
    click = await bob.click(message, label="Section ▶")
    assert click.ephemeral and "belong to the member who asked" in click.response.content
    assert "Section" not in (message.embeds[0].footer.text or "")


async def test_no_match_says_so_and_suggests_titles(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="zxqv wubble frobnitz")
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "No note matches that well"


@pytest.mark.parametrize("hostile", ["🤷🤷", "\u200b\u200b", "?", "\"NEAR(a b)\" OR title:*",
                                     "sleep " * 1000])
async def test_hostile_queries_get_a_clear_answer(world: Any, hostile: str) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query=hostile)
    assert result.acknowledged
    reply = result.response
    text = reply.content or reply.embeds[0].title
    assert "went wrong" not in text
    for error in env.errors:  # only expected, member-facing errors
        assert isinstance(getattr(error, "original", error), UserFacingError)


async def test_autocomplete_ranks_titles_first_and_fits_discord(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "topic", "query", "quantum")
    assert 1 <= len(choices) <= 25
    assert choices[0]["name"].startswith("Quantum tunneling")
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
    picked = await alice.slash(channel, "topic", query=choices[0]["value"])
    assert picked.response.embeds[0].title == "Quantum tunneling"
    many = await alice.autocomplete(channel, "topic", "query", "e")
    assert len(many) <= 25
    empty = await alice.autocomplete(channel, "topic", "query", "")
    assert len(empty) <= 25


async def test_channel_option_autocompletes_display_names(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "topic", "channel", "stock")
    assert [c["value"] for c in choices] == ["stockpotledger"]
    assert choices[0]["name"].startswith("Stockpot & Ledger")
    result = await alice.slash(channel, "topic", query="tunneling", channel="stockpotledger")
    embed = result.response.embeds[0]
    assert "unnel" not in (embed.title or "") or result.ephemeral


@pytest.mark.parametrize("nonsense", ["/etc/passwd", "C:\\Users\\me\\notes.txt",
                                      "<@&123456789012345678>",
                                      "well um so like\nyou know the thing and stuff yeah"])
async def test_a_nonsense_query_gets_no_public_answer_but_the_closest_titles(
        world: Any, nonsense: str) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query=nonsense)
    assert result.ephemeral  # nobody else sees an unrelated note
    (embed,) = result.response.embeds
    assert embed.title == "No note matches that well"
    titles = next(f.value for f in embed.fields if f.name == "Did you mean")
    assert titles.startswith("• ")
    check_everything_posted(env)


async def test_an_unsure_lookup_never_shows_its_best_guess(world: Any, monkeypatch: Any) -> None:
    env, _guild, channel, alice = world
    topics = env.bot.services.topics
    real = topics.lookup

    async def unsure(query: str, channel: str | None = None, limit: int = 10) -> Any:
        found = await real("quantum tunneling", channel, limit)
        found.confident = False
        found.did_you_mean = [h.title for h in found.hits[:3]]
        return found

    monkeypatch.setattr(topics, "lookup", unsure)
    result = await alice.slash(channel, "topic", query="something vague")
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "No note matches that well"
    assert "Quantum tunneling" in next(f.value for f in embed.fields if f.name == "Did you mean")
    (menu,) = [item for row in result.response.components for item in row["components"]
               if item.get("type") == 3]
    assert menu["options"][0]["label"] == "Quantum tunneling"
    monkeypatch.setattr(topics, "lookup", real)
    await alice.select(result.response, ["0"], custom_id=menu["custom_id"])
    opened = result.response
    assert opened.ephemeral  # the note opens where the member asked, still private
    assert opened.embeds[0].title == "Quantum tunneling"
    assert "Section ▶" in button_states(opened)
