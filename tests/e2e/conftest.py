"""End-to-end fixtures: the real NotecastBot, with its real services, run by SimCord.

SimCord simulates Discord in-process (no network, no token). ``simcord_bot`` builds the bot
as ``main()`` does: settings -> an open notes cache -> services -> bot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app.client import NotecastBot
from bot.cli.common import writer_cache
from bot.config import SAMPLE_VAULT, Settings
from bot.services import Services
from bot.state import open_state_store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(Settings(), notes_dir=SAMPLE_VAULT, db=tmp_path / "notecast.db",
                   resync_minutes=10)


@pytest.fixture
def start_sync() -> bool:
    """Override in a module to build a bot whose first sync has not run."""
    return True


@pytest.fixture
async def services(settings: Settings, start_sync: bool) -> AsyncIterator[Services]:
    # as the bot opens them: the cache with its derived tables, the state database beside it
    async with writer_cache(settings) as cache, open_state_store(settings.state_db_path) as state:
        built = Services.build(settings, cache, state=state)
        if start_sync:
            # the first sync, as the bot's background sync would run it; done here so that
            # no test waits on the background loop (SimCord settles after every action)
            await built.vault_sync.sync_now()
        yield built
        await built.vault_sync.stop()
        await built.quotes.aclose()
        await built.topics.aclose()


@pytest.fixture
def simcord_bot(services: Services) -> NotecastBot:
    return NotecastBot(services, start_sync=False)


@pytest.fixture
async def world(simcord_env: Any) -> AsyncIterator[tuple[Any, Any, Any, Any]]:
    """A synced bot in a guild with a text channel and a member, alice."""
    env = simcord_env
    guild = env.create_guild("Notecast HQ")
    channel = guild.create_text_channel("general")
    alice = guild.add_member(env.create_user("alice"))
    await env.bot.tree.sync()
    yield env, guild, channel, alice
    await env.bot.close()
    check_everything_posted(env, posted_something=False)  # whatever the test did


def sent_allowed_mentions(env: Any) -> list[Any]:
    """The allowed_mentions of every message the bot posted (responses, followups, sends)."""
    found = []
    for request in env.http_requests:
        body = request.json or {}
        if request.method not in ("POST", "PATCH"):
            continue
        data = body.get("data", body) if "/callback" in request.path else body
        if isinstance(data, dict) and ("content" in data or "embeds" in data):
            found.append(data.get("allowed_mentions"))
    return found


def button_states(message: Any) -> dict[str, bool]:
    """Button label -> disabled, for every button on a message."""
    return {item["label"]: bool(item.get("disabled")) for row in message.components
            for item in row["components"] if item.get("type") == 2}


def check_embed_limits(embed: Any) -> None:
    """Discord's embed limits (see discord-facts.md)."""
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert len((embed.footer.text if embed.footer else None) or "") <= 2048
    assert len((embed.author.name if embed.author else None) or "") <= 256
    for item in embed.fields:
        assert 1 <= len(item.name) <= 256 and 1 <= len(item.value) <= 1024


def posted(env: Any) -> list[dict[str, Any]]:
    """Every message body the bot posted or edited (responses, follow-ups, edits)."""
    found = []
    for request in env.http_requests:
        body = request.json or {}
        if request.method not in ("POST", "PATCH"):
            continue
        data = body.get("data", body) if "/callback" in request.path else body
        if isinstance(data, dict) and ("content" in data or "embeds" in data):
            found.append(data)
    return found


def check_everything_posted(env: Any, *, posted_something: bool = True) -> list[dict[str, Any]]:
    """Every message the bot posted: within Discord's limits, pinging nobody. Returns them."""
    bodies = posted(env)
    assert bodies or not posted_something, "the bot posted nothing"
    for body in bodies:
        assert body.get("allowed_mentions") == {"parse": []}, body
        assert len(body.get("content") or "") <= 2000
        embeds = [discord.Embed.from_dict(e) for e in body.get("embeds") or []]
        assert len(embeds) <= 10 and sum(len(e) for e in embeds) <= 6000
        for embed in embeds:
            check_embed_limits(embed)
    return bodies


def callback_types(env: Any) -> list[int]:
    """The type of each interaction callback, in order (4 message, 5 deferred, 7 update),
    autocomplete answers (8) left out."""
    types = [int((r.json or {}).get("type", 0)) for r in env.http_requests
             if r.method == "POST" and r.path.endswith("/callback")]
    return [t for t in types if t != 8]


# --------------------------------------------------------------------------- a quotes vault

def _stamp(at: str) -> str:
    return f'<a class="yt-timestamp" data-t="{at}">[{at}]</a>'


def _quote_note(title: str, video_id: str, channel: str, body: str) -> str:
    return f"---\ntitle: {title}\nvideoId: {video_id}\n---\n\nFrom: [[{channel}]] <br/>\n\n{body}"


HOSTILE_QUOTE = ("Lights @everyone <@123456789012345678> <@&42> **guide** __ships__ "
                 "[Free Nitro](https://evil.example/x) home.")


def build_quote_vault(root: Path) -> Path:
    """A made-up vault with quotes of every shape, and blockquotes that are no quotes.

    ``tidewatch`` ("Tide Watch"): ``moon_tides`` (a ``[!quote]`` callout with a person, one
    whose title is its section's heading, a dash with a role, a separate ``— Name`` line, a
    ``Name: "…"`` prefix, an unattributed quote, an ``[!info]`` callout, a list, a code
    fence), ``harbour_lights`` (seven quotes of Mara Oyelaran, one full of mentions and
    markdown, one an hour in), ``broken_link`` (a quote under a videoId that is no YouTube
    id), ``slack_water`` (no quote). ``galley`` ("The Galley"): ``knife_skills`` (two quotes
    of Tomas Reyes).
    """
    tide, galley = root / "tidewatch", root / "galley"
    tide.mkdir(parents=True)
    galley.mkdir()
    (root / "directory.md").write_text(
        "---\ntitle: Directory\n---\n- [[tidewatch | Tide Watch]]\n- [[galley | The Galley]]\n",
        encoding="utf-8")
    (tide / "tidewatch.md").write_text(
        "---\ntitle: tidewatch\n---\n"
        "### [Tides and the Moon, with Rhea Quill](https://www.youtube.com/watch?v=TiDeWaTcH01)\n"
        "- [[moon_tides | Moon tides]]\n- [[slack_water | Slack water]]\n\n"
        "### [Harbour Stories](https://www.youtube.com/watch?v=HaRbOuR0002)\n"
        "- [[harbour_lights | Harbour lights]]\n- [[broken_link | Broken link]]\n",
        encoding="utf-8")
    (galley / "galley.md").write_text(
        "---\ntitle: galley\n---\n"
        "### [Knives and Patience](https://www.youtube.com/watch?v=GaLlEyKnIf3)\n"
        "- [[knife_skills | Knife skills]]\n", encoding="utf-8")
    (tide / "moon_tides.md").write_text(_quote_note("Moon tides", "TiDeWaTcH01", "tidewatch", (
        "Tides rise and fall twice a day because the Moon pulls on the oceans "
        f"{_stamp('00:01:05')}.\n\n"
        "## The Pull of Two Bulges\n\n"
        "> [!quote] Rhea Quill\n"
        f"> \"The ocean is a clock that the Moon winds twice a day.\" {_stamp('00:03:10')}\n\n"
        "> [!quote] The Pull of Two Bulges\n"
        "> The Earth is stretched into two bulges of water, one under the Moon and one "
        "opposite it.\n\n"
        "> [!info] A number to remember\n"
        "> The Moon's pull on the sea is about twice the Sun's.\n\n"
        "## Spring and Neap\n\n"
        "> \"Spring tides have nothing to do with the season; they spring up twice a "
        "month.\" – Rhea Quill, oceanographer at the Lantern Institute "
        f"{_stamp('00:12:40')}\n\n"
        "> \"A tide table is a promise the sea mostly keeps.\"\n"
        "> — Otto Brenner\n\n"
        "Otto Brenner: \"Every harbour master reads the Moon before the weather.\" "
        f"{_stamp('00:20:05')}\n\n"
        "Question: \"Why two tides and not one?\"\n\n"
        "> \"High water waits for nobody.\"\n\n"
        f"The neap tide comes a week later {_stamp('00:25:00')}.\n\n"
        "> - first item\n> - second item\n\n"
        "```\n> \"This is code, not a quote.\" – Fake Person\n```\n")), encoding="utf-8")
    lights = ["Every lighthouse is a sentence the coast says to the sea.",
              "A keeper's first duty is to stay awake.",
              "Fog horns are the harbour clearing its throat.",
              "We painted the tower in stripes so ships could read it by day.",
              "The lens weighs more than the keeper's cottage.",
              HOSTILE_QUOTE,
              "The last keeper left, but the light never did."]
    stamps = ["00:02:00", "00:09:30", "00:17:45", "00:24:10", "00:33:00", "00:41:20",
              "1:02:03"]
    body = "The story of the harbour's lights.\n\n## Keepers\n\n" + "".join(
        f"> \"{words}\" – Mara Oyelaran {_stamp(at)}\n\n" for words, at in zip(lights, stamps,
                                                                               strict=True))
    (tide / "harbour_lights.md").write_text(
        _quote_note("Harbour lights", "HaRbOuR0002", "tidewatch", body), encoding="utf-8")
    (tide / "broken_link.md").write_text(_quote_note(
        "Broken link", "not a valid id!", "tidewatch",
        "A note whose video is unknown.\n\n## Rocks\n\n"
        f"> \"Even a broken lamp marks the rocks.\" – Ines Calder {_stamp('00:04:00')}\n"),
        encoding="utf-8")
    (tide / "slack_water.md").write_text(_quote_note(
        "Slack water", "TiDeWaTcH01", "tidewatch",
        "Slack water is the short calm between tides.\n\n## Timing\n\n"
        f"It lasts minutes, not hours {_stamp('00:30:00')}.\n"), encoding="utf-8")
    (galley / "knife_skills.md").write_text(_quote_note(
        "Knife skills", "GaLlEyKnIf3", "galley",
        "How cooks keep their fingers.\n\n## Sharpening\n\n"
        "> [!quote] Tomas Reyes\n"
        f"> \"Sharp knives are safer than dull ones.\" {_stamp('00:05:15')}\n\n"
        "## The Claw\n\n"
        f"> \"Patience is the sharpest edge.\" — Tomas Reyes {_stamp('00:11:50')}\n"),
        encoding="utf-8")
    return root


@pytest.fixture
def quote_vault(tmp_path: Path) -> Path:
    """:func:`build_quote_vault` in a temporary folder; a module uses it with
    ``settings = quote_settings`` (or its own ``settings`` fixture)."""
    return build_quote_vault(tmp_path / "quote_vault")


@pytest.fixture
def quote_settings(tmp_path: Path, quote_vault: Path) -> Settings:
    return replace(Settings(), notes_dir=quote_vault, db=tmp_path / "quotes.db",
                   resync_minutes=10)


# --------------------------------------------------------------------------- a summaries vault

SUMMARY_HOSTILE = ("Beware @everyone <@123456789012345678> <@&42> **loud** __claims__ "
                   "[Free Nitro](https://evil.example/x) \x1b[2J\u202eevil\u202c about comets.")


def _summary_note(title: str, video_id: str, channel: str, body: str) -> str:
    return f"---\ntitle: {title}\nvideoId: {video_id}\n---\n\nFrom: [[{channel}]] <br/>\n\n{body}"


def build_summary_vault(root: Path) -> Path:
    """A made-up vault to summarize (``skywatch``, "Sky Watch"):

    * ``comet_tails``: an introduction and four sections ("Why Tails Point Away", "Two Kinds
      of Tail", "Famous Comets", "Conclusion"), most sentences with a moment, one at an
      impossible hour (``47:23:10``, read as 47:23);
    * ``meteor_showers``: three sections, the last a "Summary";
    * ``many_sections``: 40 sections, some headings over 100 characters;
    * ``hostile_comets``: mentions, markdown, a masked link, an escape and RTL marks in the
      title, the headings and the sentences;
    * ``long_winded``: sections of very long sentences full of characters that escaping
      doubles (the limits);
    * ``no_video``: a note whose videoId is no YouTube id (no link at all).
    """
    sky = root / "skywatch"
    sky.mkdir(parents=True)
    (root / "directory.md").write_text(
        "---\ntitle: Directory\n---\n- [[skywatch | Sky Watch]]\n", encoding="utf-8")
    (sky / "skywatch.md").write_text(
        "---\ntitle: skywatch\n---\n"
        "### [Comets and Meteors, with Ilse Varga](https://www.youtube.com/watch?v=CoMeTtAiL01)\n"
        "- [[comet_tails | Comet tails]]\n- [[meteor_showers | Meteor showers]]\n"
        "- [[many_sections | Many sections]]\n- [[hostile_comets | Hostile comets]]\n"
        "- [[long_winded | Long winded]]\n- [[no_video | No video]]\n", encoding="utf-8")
    (sky / "comet_tails.md").write_text(_summary_note("Comet tails", "CoMeTtAiL01", "skywatch", (
        "A comet grows its tails only when it comes close to the Sun and its ice turns to gas "
        f"{_stamp('00:01:10')}. Astronomer Ilse Varga has chased comets for thirty years.\n\n"
        "## Why Tails Point Away\n\n"
        "A comet's tail always points away from the Sun, whichever way the comet travels "
        f"{_stamp('00:04:30')}. Sunlight and the solar wind push the gas and dust outwards. "
        "On the way out from the Sun the tail even leads the comet "
        f"{_stamp('00:06:05')}.\n\n"
        "## Two Kinds of Tail\n\n"
        "Most bright comets show two tails, one of dust and one of ions "
        f"{_stamp('00:12:40')}. The dust tail is curved and yellow because it reflects "
        "sunlight. The ion tail is straight and blue because the solar wind drags the charged "
        f"gas along its field lines {_stamp('47:23:10')}.\n\n"
        "## Famous Comets\n\n"
        "Halley's comet returns every seventy-six years and was last seen in 1986 "
        f"{_stamp('00:25:00')}. Hale-Bopp stayed visible to the naked eye for eighteen months. "
        "Comet NEOWISE surprised observers in the summer of 2020.\n\n"
        "## Conclusion\n\n"
        "A comet's tails are a weather vane for the solar wind, and they tell us how the Sun "
        f"breathes {_stamp('00:58:20')}. Look up on a dark night and you may catch one.\n")),
        encoding="utf-8")
    (sky / "meteor_showers.md").write_text(_summary_note(
        "Meteor showers", "CoMeTtAiL01", "skywatch", (
            "Meteor showers happen when the Earth crosses the dust a comet left behind "
            f"{_stamp('00:30:00')}.\n\n"
            "## Radiants\n\n"
            "All the meteors of a shower seem to come from one point, the radiant "
            f"{_stamp('00:32:15')}. The shower is named after the constellation of its radiant."
            "\n\n## Counting Meteors\n\n"
            "Observers count meteors per hour under a dark sky "
            f"{_stamp('00:36:40')}. The Perseids give about a hundred an hour in August.\n\n"
            "## Summary\n\n"
            "A meteor shower is a comet's trail meeting our atmosphere once a year "
            f"{_stamp('00:40:05')}.\n")), encoding="utf-8")
    many = "".join(
        f"## Part {n} of the long list{' with a very long heading' * 5 if n % 7 == 0 else ''}"
        f"\n\nPart {n} explains one more thing about the night sky {_stamp(f'00:{n:02d}:00')}."
        " It ends with a short remark.\n\n"
        for n in range(40))
    (sky / "many_sections.md").write_text(_summary_note(
        "Many sections", "CoMeTtAiL01", "skywatch", "A note with forty sections.\n\n" + many),
        encoding="utf-8")
    (sky / "hostile_comets.md").write_text(_summary_note(
        "Hostile @everyone **comets** <@123456789012345678>", "CoMeTtAiL01", "skywatch", (
            f"{SUMMARY_HOSTILE} {_stamp('00:02:00')}\n\n"
            "## @everyone <@&42> **Pings** \u202eRTL\n\n"
            f"{SUMMARY_HOSTILE} {_stamp('00:03:00')} Another sentence mentions @here twice "
            "@here.\n\n"
            "## Conclusion\n\n"
            f"Nothing here should ping <@123456789012345678> at all {_stamp('00:04:00')}.\n")),
        encoding="utf-8")
    # snake_case words, pipes and stars: each one escaped, so the shown text grows by half
    long_sentence = ("A_b|c_d|e_f*g " * 68) + "end"
    long_body = "".join(f"## Long part {n}\n\n" + " ".join(
        f"{long_sentence} {_stamp(f'00:{n:02d}:{s:02d}')}." for s in range(8)) + "\n\n"
        for n in range(12))
    (sky / "long_winded.md").write_text(_summary_note(
        "Long winded", "CoMeTtAiL01", "skywatch",
        f"{long_sentence} {_stamp('00:00:30')}.\n\n{long_body}"),
        encoding="utf-8")
    (sky / "no_video.md").write_text(_summary_note(
        "No video", "not a valid id!", "skywatch",
        f"A note whose video is unknown {_stamp('00:01:00')}.\n\n## Rocks\n\n"
        f"Even a broken lamp marks the rocks {_stamp('00:04:00')}. "
        "Sailors learned to read the coast.\n"), encoding="utf-8")
    return root


@pytest.fixture
def summary_vault(tmp_path: Path) -> Path:
    """:func:`build_summary_vault` in a temporary folder; a module uses it with
    ``settings = summary_settings`` (or its own ``settings`` fixture)."""
    return build_summary_vault(tmp_path / "summary_vault")


@pytest.fixture
def summary_settings(tmp_path: Path, summary_vault: Path) -> Settings:
    return replace(Settings(), notes_dir=summary_vault, db=tmp_path / "summaries.db",
                   resync_minutes=10)
