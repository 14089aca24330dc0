"""/summarize through SimCord over a made-up vault (``build_summary_vault``): a whole note
and a section with their moments, both autocompletes (the sections follow the chosen
note), the length buttons, the full section as /topic shows it, the asker's buttons, an
abstractive summarizer that cannot be reached (deferred, then the extractive fallback), a
failing summarizer, hostile options within Discord's limits, pinging nobody."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.app.tree import APOLOGY
from bot.cli.console import run_line
from bot.config import Secret, Settings
from bot.errors import UserFacingError
from bot.notes.timestamps import format_seconds, parse_timestamp
from bot.services import Services
from bot.state import open_state_store
from bot.summaries import LENGTHS
from bot.summaries.abstractive import AbstractiveSummarizer
from cogs import console_commands
from cogs.summarize import SummarizeCog
from cogs.views import VIEW_TIMEOUT
from tests.e2e.conftest import button_states, callback_types, check_everything_posted

HIDDEN = "\x00\ufeff\u202e\u202d\u2066\u2069\u200f"
VIDEO = "https://www.youtube.com/watch?v=CoMeTtAiL01"
COMET_SECTIONS = ["whole note", "Introduction", "Why Tails Point Away", "Two Kinds of Tail",
                  "Famous Comets", "Conclusion"]
MOMENT = re.compile(r"\[▶ (\d+:\d\d(?::\d\d)?)\]\((https://[^)\s]+)\)")


@pytest.fixture
def settings(summary_settings: Settings) -> Settings:
    return summary_settings


def _field(embed: Any, name: str) -> str:
    return next(f.value for f in embed.fields if f.name == name)


def _only_expected_errors(env: Any) -> None:
    for error in env.errors:
        assert isinstance(getattr(error, "original", error), UserFacingError), error


def _no_pings(env: Any, message: Any) -> None:
    stored = env.backend.get_message(message.channel_id, message.id)
    assert not stored.ping_user_ids and not stored.ping_role_ids
    assert not getattr(stored, "mention_everyone", False)


def _sentences(embed: Any) -> list[str]:
    return embed.description.split("\n\n")


def _check_moments(settings: Settings, slug: str, embed: Any) -> None:
    """Each sentence shown is one of the note's, whole, followed by a link to its own
    moment when the note gives it one (the repaired value for an impossible hour), and
    by no link when it does not."""
    note = (settings.notes_dir / "skywatch" / f"{slug}.md").read_text(encoding="utf-8")
    for shown in _sentences(embed):
        link = MOMENT.search(shown)
        words = shown[:link.start()].rstrip() if link else shown
        found = re.search(re.escape(words[:-1]) + r'(?: <a class="yt-timestamp" '
                          r'data-t="([^"]+)">[^<]*</a>)?' + re.escape(words[-1]), note)
        assert found, shown
        stamp = parse_timestamp(found.group(1)) if found.group(1) else None
        if stamp is None:
            assert link is None, shown
        else:
            assert link is not None and link.group(2) == f"{VIDEO}&t={stamp[0]}s", shown
            assert link.group(1) == format_seconds(stamp[0])


async def test_a_whole_note_summary_links_the_note_the_episode_and_its_moments(
        world: Any, settings: Settings) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "summarize", note="skywatch/comet_tails")
    assert result.acknowledged and not result.ephemeral
    (embed,) = result.response.embeds
    assert embed.title == "Comet tails" and embed.url == VIDEO
    assert embed.author.name == "Sky Watch · Comets and Meteors, with Ilse Varga"
    assert 2 <= len(_sentences(embed)) <= 3
    _check_moments(settings, "comet_tails", embed)
    assert MOMENT.search(embed.description)
    drawn = _field(embed, "Drawn from").split("\n")
    assert drawn and set(drawn) <= {f"• {h}" for h in COMET_SECTIONS[1:]}
    assert drawn == sorted(drawn, key=[f"• {h}" for h in COMET_SECTIONS].index)
    assert embed.footer.text == "Short summary of the whole note · extractive"
    assert button_states(result.response) == {"Shorter": True, "Longer": False,
                                              "Full note": False}
    check_everything_posted(env)


async def test_a_section_summary_draws_on_that_section_with_its_repaired_moment(
        world: Any, settings: Settings) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "summarize", note="skywatch/comet_tails",
                               section="two kinds of tail", length="medium")
    (embed,) = result.response.embeds
    assert _field(embed, "Drawn from") == "• Two Kinds of Tail"
    assert embed.footer.text == "Medium summary of “Two Kinds of Tail” · extractive"
    assert "dust" in embed.description and "Halley" not in embed.description
    assert f"[▶ 47:23]({VIDEO}&t=2843s)" in embed.description  # "47:23:10", repaired
    _check_moments(settings, "comet_tails", embed)
    assert button_states(result.response) == {"Shorter": False, "Longer": False,
                                              "Full section": False}
    check_everything_posted(env)


async def test_a_note_picked_with_its_section_summarizes_that_section(world: Any) -> None:
    _env, _guild, channel, alice = world
    picked = await alice.autocomplete(channel, "summarize", "note", "famous comets")
    value = next(c["value"] for c in picked if c["value"].startswith("skywatch/comet_tails"))
    embed = (await alice.slash(channel, "summarize", note=value)).response.embeds[0]
    if "#" in value:  # the section itself was offered
        assert _field(embed, "Drawn from") == "• Famous Comets"
    assert embed.title == "Comet tails"


async def test_note_autocomplete_offers_notes_like_topic(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "summarize", "note", "meteor")
    assert choices[0]["value"] == "skywatch/meteor_showers"
    assert choices[0]["name"].startswith("Meteor showers")


async def test_section_autocomplete_follows_the_chosen_note(world: Any) -> None:
    _env, _guild, channel, alice = world
    comets = await alice.autocomplete(channel, "summarize", "section", "",
                                      note="skywatch/comet_tails")
    assert [c["name"] for c in comets] == COMET_SECTIONS
    assert comets[0]["value"] == "whole note"
    meteors = await alice.autocomplete(channel, "summarize", "section", "",
                                       note="skywatch/meteor_showers")
    assert [c["name"] for c in meteors] == ["whole note", "Introduction", "Radiants",
                                            "Counting Meteors", "Summary"]
    typed = await alice.autocomplete(channel, "summarize", "section", "fam",
                                     note="skywatch/comet_tails")
    assert [c["name"] for c in typed] == ["whole note", "Famous Comets"]
    by_title = await alice.autocomplete(channel, "summarize", "section", "radi",
                                        note="Meteor showers")
    assert [c["name"] for c in by_title] == ["whole note", "Radiants"]
    # the value picked summarizes that section of that note
    embed = (await alice.slash(channel, "summarize", note="skywatch/meteor_showers",
                               section=meteors[-1]["value"])).response.embeds[0]
    assert _field(embed, "Drawn from") == "• Summary"
    assert "once a year" in embed.description


@pytest.mark.parametrize("note", [None, "", "zxqv wubble", "@everyone", "x" * 6000])
async def test_section_autocomplete_without_a_known_note_offers_the_whole_note(
        world: Any, note: str | None) -> None:
    _env, _guild, channel, alice = world
    filled = {} if note is None else {"note": note}
    choices = await alice.autocomplete(channel, "summarize", "section", "", **filled)
    assert choices == [{"name": "whole note", "value": "whole note"}]


async def test_section_autocomplete_keeps_to_25_choices_of_100_characters(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "summarize", "section", "",
                                       note="skywatch/many_sections")
    assert len(choices) == 25 and choices[0]["name"] == "whole note"
    assert any(c["name"].endswith("…") for c in choices)  # headings over 100 characters
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
    seventh = next(c for c in choices if c["name"].startswith("Part 7 "))
    embed = (await alice.slash(channel, "summarize", note="skywatch/many_sections",
                               section=seventh["value"])).response.embeds[0]
    assert _field(embed, "Drawn from").startswith("• Part 7 of the long list with a very")


@pytest.mark.parametrize("typed", ["", "x" * 6000, f"\u2066con{HIDDEN}clu", "@everyone",
                                   "**", "\x00"])
async def test_autocomplete_answers_fit_discord_whatever_is_typed(world: Any,
                                                                  typed: str) -> None:
    _env, _guild, channel, alice = world
    for option, filled in (("note", {}), ("section", {"note": "skywatch/hostile_comets"}),
                           ("section", {"note": typed})):
        choices = await alice.autocomplete(channel, "summarize", option, typed, **filled)
        assert len(choices) <= 25
        for choice in choices:
            assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
            assert not any(mark in choice["name"] for mark in HIDDEN)
            assert "\x1b" not in choice["name"]


async def test_the_length_buttons_switch_the_summary_in_place(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "summarize", note="skywatch/comet_tails")).response
    short = _sentences(message.embeds[0])
    await alice.click(message, label="Longer")
    assert message.embeds[0].footer.text.startswith("Medium summary of the whole note")
    medium = _sentences(message.embeds[0])
    assert len(medium) > len(short)
    assert button_states(message) == {"Shorter": False, "Longer": False, "Full note": False}
    await alice.click(message, label="Longer")
    assert message.embeds[0].footer.text.startswith("Long summary of the whole note")
    assert button_states(message)["Longer"] is True
    await alice.click(message, label="Shorter")
    await alice.click(message, label="Shorter")
    assert _sentences(message.embeds[0]) == short
    assert button_states(message) == {"Shorter": True, "Longer": False, "Full note": False}
    assert callback_types(env)[1:] == [6, 6, 6, 6]  # each click deferred, then edited
    check_everything_posted(env)


async def test_full_section_opens_the_section_as_topic_shows_it(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "summarize", note="skywatch/comet_tails",
                                 section="Famous Comets")).response
    summary = message.embeds[0].description
    opened = await alice.click(message, label="Full section")
    assert opened.ephemeral
    (embed,) = opened.response.embeds
    assert embed.title == "Comet tails"
    assert embed.description.startswith("**Famous Comets**\n\nHalley's comet returns")
    assert f"{VIDEO}&t=1500s" in _field(embed, "Moments in the episode")
    assert embed.footer.text == "Section 3 of 4 · skywatch/comet_tails.md"
    assert button_states(opened.response) == {"◀ Section": False, "Overview": False,
                                              "Section ▶": False, "Other matches": True}
    await alice.click(opened.response, label="Section ▶")  # /topic's own buttons work
    assert opened.response.embeds[0].description.startswith("**Conclusion**")
    assert message.embeds[0].description == summary  # the summary stays as it was
    check_everything_posted(env)


async def test_full_note_opens_the_overview_of_a_whole_note_summary(world: Any) -> None:
    _env, _guild, channel, alice = world
    message = (await alice.slash(channel, "summarize", note="skywatch/meteor_showers")).response
    opened = await alice.click(message, label="Full note")
    (embed,) = opened.response.embeds
    assert opened.ephemeral and embed.title == "Meteor showers"
    sections = _field(embed, "Sections")
    assert "1. Radiants" in sections and "3. Summary" in sections
    assert button_states(opened.response)["Overview"] is True  # it is the overview


async def test_only_the_asker_can_press_the_buttons(world: Any) -> None:
    env, guild, channel, alice = world
    bob = guild.add_member(env.create_user("bob"))
    message = (await alice.slash(channel, "summarize", note="skywatch/comet_tails")).response
    before = message.embeds[0].to_dict()
    for label in ("Longer", "Full note"):
        click = await bob.click(message, label=label)
        assert click.ephemeral and "belong to the member who asked" in click.response.content
    assert message.embeds[0].to_dict() == before


async def test_the_buttons_go_quiet_when_they_expire_even_after_full_section(
        world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "summarize", note="skywatch/comet_tails",
                                 section="Conclusion")).response
    opened = await alice.click(message, label="Full section")
    await env.advance_time(VIEW_TIMEOUT + 1)
    assert button_states(message) == {"Shorter": True, "Longer": True, "Full section": True}
    assert set(button_states(opened.response).values()) == {True}
    assert message.embeds[0].footer.text.startswith("Short summary of “Conclusion”")


async def test_the_summary_is_asked_for_the_guild_that_asks(world: Any, monkeypatch: Any) -> None:
    env, guild, channel, alice = world
    summaries = env.bot.services.summaries
    asked: list[int | None] = []
    real = summaries.summarize

    async def spy(*args: Any, guild_id: int | None = None, **kwargs: Any) -> Any:
        asked.append(guild_id)
        return await real(*args, guild_id=guild_id, **kwargs)

    monkeypatch.setattr(summaries, "summarize", spy)
    message = (await alice.slash(channel, "summarize", note="skywatch/comet_tails")).response
    await alice.click(message, label="Longer")
    assert asked == [guild.id, guild.id]


async def test_a_failing_summarizer_gets_the_apology(world: Any, monkeypatch: Any) -> None:
    env, _guild, channel, alice = world
    summaries = env.bot.services.summaries

    class Broken:
        name = "broken"

        async def summarize(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the summarizer is on fire")

    monkeypatch.setattr(summaries, "summarizer", Broken())
    result = await alice.slash(channel, "summarize", note="skywatch/comet_tails")
    assert result.ephemeral and result.response.content == APOLOGY
    assert [type(getattr(e, "original", e)) for e in env.errors] == [RuntimeError]
    env.errors.clear()


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening, then closed: nobody answers
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def unreachable_llm(world: Any, tmp_path: Path,
                          monkeypatch: Any) -> AsyncIterator[AbstractiveSummarizer]:
    """The bot's summaries written by an abstractive summarizer whose endpoint is a closed
    port on 127.0.0.1 (so it falls back to the extractive one), as the settings ask."""
    services = world[0].bot.services
    settings = replace(services.settings, summarizer="abstractive",
                       llm_base_url=f"http://127.0.0.1:{_closed_port()}/v1", llm_model="tiny")
    async with open_state_store(tmp_path / "state.db") as state:
        abstractive = AbstractiveSummarizer(
            base_url=settings.llm_base_url, model=settings.llm_model, api_key=Secret(""),
            state=state, fallback=services.summaries.summarizer, timeout=5.0)
        monkeypatch.setattr(services, "settings", settings)
        monkeypatch.setattr(services.summaries, "summarizer", abstractive)
        yield abstractive


async def test_an_unreachable_abstractive_summarizer_falls_back_deferred(
        world: Any, unreachable_llm: AbstractiveSummarizer) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "summarize", note="skywatch/comet_tails",
                               section="Conclusion")
    assert callback_types(env)[0] == 5  # "thinking…" at once, then the summary
    assert not result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Comet tails" and "weather vane" in embed.description
    assert f"[▶ 58:20]({VIDEO}&t=3500s)" in embed.description
    assert embed.footer.text == ("Short summary of “Conclusion” · "
                                 "extractive (fallback: cannot connect)")
    await alice.click(result.response, label="Longer")  # the endpoint is left alone a while
    footer = result.response.embeds[0].footer.text
    assert footer.startswith("Medium summary of “Conclusion” · extractive (fallback: ")
    check_everything_posted(env)


async def test_unknown_notes_and_sections_are_answered_privately(world: Any) -> None:
    env, _guild, channel, alice = world
    unknown = await alice.slash(channel, "summarize", note="zxqv wubble frobnitz")
    assert unknown.ephemeral and "“zxqv wubble frobnitz”" in unknown.response.content
    section = await alice.slash(channel, "summarize", note="skywatch/comet_tails",
                                section="Nowhere at all")
    assert section.ephemeral and "is not a section of" in section.response.content
    assert "Famous Comets" in section.response.content  # the sections it has
    _only_expected_errors(env)
    check_everything_posted(env)


async def test_hidden_marks_in_the_options_still_find_the_note(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "summarize", note=f"\u202eskywatch/comet{HIDDEN}_tails",
                               section=f"\u2066Conclusion{HIDDEN}")
    assert _field(result.response.embeds[0], "Drawn from") == "• Conclusion"


async def test_a_hostile_note_is_shown_safely_and_pings_nobody(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "summarize", note="skywatch/hostile_comets",
                                 length="long")).response
    embed = message.embeds[0]
    text = "\n".join([embed.title, embed.description, embed.author.name, embed.footer.text,
                      *(f.value for f in embed.fields)])
    assert "everyone" in text and "123456789012345678" in text  # shown, defused
    assert "@everyone" not in text and "@here" not in text
    assert "<@123456789012345678>" not in text and "<@&42>" not in text
    assert "\x1b" not in text and "\u202e" not in text and "\u202c" not in text
    assert "\\*\\*comets\\*\\*" in embed.title
    _no_pings(env, message)
    check_everything_posted(env)


async def test_sentences_too_long_to_show_are_left_out_whole(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "summarize", note="skywatch/long_winded",
                                 length="long")).response
    embed = message.embeds[0]
    assert len(embed.description) <= 4096
    for shown in _sentences(embed):  # each one whole, with its moment
        assert shown.startswith("A\\_b\\|c\\_d")
        assert re.search(r" end\. \[▶ \d+:\d\d\]\(https://[^)]+\)$", shown), shown[-80:]
    assert "did not fit" in embed.footer.text
    check_everything_posted(env)


async def test_a_note_without_a_valid_video_has_no_link(world: Any) -> None:
    _env, _guild, channel, alice = world
    embed = (await alice.slash(channel, "summarize", note="skywatch/no_video",
                               length="long")).response.embeds[0]
    assert embed.title == "No video" and embed.url is None
    assert "https://" not in embed.description and "▶" not in embed.description
    assert "broken lamp" in embed.description


HOSTILE = ["@everyone <@123456789012345678> <@&42> @here",
           "**bold** __u__ [x](https://evil.example)", "# heading\n> quote\n- item ||spoiler||",
           "x" * 6000, "é" * 5999 + "@", f"\u202eComet{HIDDEN} tails", "\x00",
           "\u200f\u202e\u2066"]


@pytest.mark.parametrize("option", ["note", "section"])
@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_options_get_an_answer_within_limits_pinging_nobody(
        world: Any, option: str, hostile: str) -> None:
    env, _guild, channel, alice = world
    options = {"note": "skywatch/comet_tails", option: hostile}
    result = await alice.slash(channel, "summarize", **options)
    assert result.acknowledged
    message = result.response
    text = (message.content or "") + "".join(
        (e.title or "") + (e.description or "") for e in message.embeds)
    assert "went wrong" not in text
    assert "@everyone" not in text and "<@123456789012345678>" not in text
    assert "<@&42>" not in text and "@here" not in text
    assert not any(mark in text for mark in HIDDEN)
    assert "[x](https://evil.example)" not in text and "**bold**" not in text
    check_everything_posted(env)
    _only_expected_errors(env)
    _no_pings(env, message)


async def test_the_length_option_offers_the_three_lengths(world: Any) -> None:
    env, _guild, _channel, _alice = world
    command = env.bot.tree.get_command("summarize")
    length = next(p for p in command.parameters if p.name == "length")
    assert [c.value for c in length.choices] == list(LENGTHS)
    assert SummarizeCog.__cog_app_commands__[0].name == "summarize"


async def test_the_console_offers_summarize(services: Services) -> None:
    commands = console_commands()
    assert "summarize" in commands
    text = await run_line(services, "/summarize skywatch/comet_tails section:Conclusion "
                                    "length:medium", commands)
    assert text.startswith("[Sky Watch · Comets and Meteors, with Ilse Varga]\n## Comet tails")
    assert f"[▶ 58:20]({VIDEO}&t=3500s)" in text
    assert "-- Medium summary of “Conclusion” · extractive" in text
    assert text.endswith("buttons: [Shorter] [Longer] [Full section]")
    missing = await run_line(services, "/summarize section:Conclusion", commands)
    assert missing.startswith("(only you can see this)")
