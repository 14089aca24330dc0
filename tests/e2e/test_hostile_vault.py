"""Replies built from hostile notes stay inside Discord's limits, ping nobody, and show note
text as written: no live masked link, no raw wikilink, no link from a hostile videoId."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.e2e.conftest import check_everything_posted

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "notes"
LONG_TITLE = "A" + " very long title" * 6  # about 100 characters, the vault's maximum
HOSTILE_ID = "abc) [Free Nitro](https://evil.example/?"
# a masked link Discord would render: "[" not escaped, then "](" (the URL may be in <>)
LIVE_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
TS = '<a class="yt-timestamp" data-t="00:{m:02d}:10">[00:{m:02d}:10]</a>'


def _note(title: str, video_id: str, body: str) -> str:
    return f"---\ntitle: {title}\nvideoId: {video_id}\n---\n\nFrom: [[edge]] <br/>\n\n{body}"


def _build_vault(root: Path) -> Path:
    channel = root / "edge"
    channel.mkdir(parents=True)
    (channel / "edge.md").write_text(
        "---\ntitle: edge\n---\n### [An episode about edges](https://www.youtube.com/watch?v=fXtUr3Id0Ab)\n"
        "- [[mentions_and_markdown | Mentions and markdown]]\n- [[huge_note | Huge]]\n",
        encoding="utf-8")
    shutil.copy(FIXTURES / "mentions_and_markdown.md", channel / "mentions_and_markdown.md")
    sections = "\n".join(
        f"## Section number {n} with a rather long heading to fill the list\n\n"
        + ("Words about edges and limits. " * 200)
        + f'<a class="yt-timestamp" data-t="00:{n % 60:02d}:00">[00:{n % 60:02d}:00]</a>\n'
        for n in range(300))
    (channel / "masked_links.md").write_text(_note(
        "Masked links twice", "mAsKeDlInK1",
        "Intro with [first](https://evil.example/1) and [second](https://evil.example/2).\n\n"
        "## Where [the](https://evil.example/h) links [hide](<https://evil.example/a>)\n\n"
        "Two on a line: [one](https://evil.example/x) then [two](https://evil.example/y) "
        f"{TS.format(m=1)}\n"), encoding="utf-8")
    (channel / "hostile_video.md").write_text(_note(
        "Hostile video id", HOSTILE_ID,
        "An intro.\n\n" + "".join(f"## Hostile part {n}\n\nText {TS.format(m=n)}\n\n"
                                   for n in range(1, 4))), encoding="utf-8")
    (channel / "raw_wikilinks.md").write_text(_note(
        "Raw wikilinks everywhere", "rAwWiKiLnK1",
        "Odd links: [[a|b|c]], [[x\\|y]], [[[triple]]], [[ ]], ![[pic.png]] and [[open.\n\n"
        "## Heading with [[target | a label]]\n\nBody [[deep/path/note#Part|shown]] "
        f"{TS.format(m=2)}\n"), encoding="utf-8")
    (channel / "many_sections.md").write_text(_note(
        "Thousands of sections", "mAnYsEcTs01",
        "".join(f"## Edge part {n}\n\nedge edges edging edged {n}\n\n" for n in range(3000))),
        encoding="utf-8")
    links = " ".join(f"[[linked_note_{n} | linked note {n}]]" for n in range(400))
    (channel / "huge_note.md").write_text(
        f"---\ntitle: {LONG_TITLE}\nvideoId: fXtUr3Id0Ab\n---\n\nFrom: [[edge]] <br/>\n\n"
        f"{'Opening words. ' * 500}\n{links}\n\n{sections}", encoding="utf-8")
    return root


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(Settings(), notes_dir=_build_vault(tmp_path / "vault"), db=tmp_path / "c.db")


def _all_text(embed: Any) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or "",
             embed.author.name or ""]
    parts += [f.name + f.value for f in embed.fields]
    return "\n".join(parts)


async def test_mentions_in_notes_are_shown_not_pinged(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="mentions and markdown")
    message = result.response
    await alice.click(message, label="Section ▶")
    text = _all_text(message.embeds[0])
    assert "everyone" in text
    assert "@everyone" not in text and "@here" not in text
    assert "<@123456789012345678>" not in text and "<@&42>" not in text
    assert "\\*\\*bold\\*\\*" in text or "\\*\\*" in text  # note markdown shown literally
    backend_message = env.backend.get_message(message.channel_id, message.id)
    assert not backend_message.ping_user_ids and not backend_message.ping_role_ids


async def test_a_huge_note_fits_every_limit(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="very long title")
    message = result.response
    for _ in range(3):
        embed = message.embeds[0]
        assert len(embed) <= 6000 and len(embed.fields) <= 25
        assert len(embed.description or "") <= 4096
        assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)
        await alice.click(message, label="Section ▶")
    sections = await alice.autocomplete(channel, "topic", "query", "Section number")
    assert len(sections) <= 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in sections)


def _shown_text(env: Any) -> str:
    """Every text part of every embed and message the bot posted."""
    parts = []
    for body in check_everything_posted(env):
        parts.append(body.get("content") or "")
        for embed in body.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def _urls(env: Any) -> list[str]:
    """Every URL the bot posted: embed URLs and the targets of its masked links."""
    found = []
    for body in check_everything_posted(env):
        for embed in body.get("embeds") or []:
            found += [embed["url"]] if embed.get("url") else []
            text = " ".join([embed.get("description") or ""]
                            + [f["value"] for f in embed.get("fields") or []])
            found += re.findall(r"(?<!\\)\]\((<?[^)\s]*)\)", text)
    return found


async def test_every_masked_link_of_a_note_is_defused(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "topic", query="masked links twice")).response
    assert message.embeds[0].title == "Masked links twice"
    await alice.click(message, label="Section ▶")
    await alice.slash(channel, "search", query="two on a line")
    shown = _shown_text(env)
    assert "evil.example/y" in shown  # the second link of the line is shown...
    ours = ("[▶", "[watch](")  # the bot's own links, to validated YouTube URLs
    live = [link for link in LIVE_MASKED_LINK.findall(shown) if not link.startswith(ours)]
    assert live == [], live  # ...but none is a live, disguised link
    assert all(url.startswith("https://www.youtube.com/watch?v=") for url in _urls(env))


async def test_a_hostile_video_id_gives_no_link(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="hostile video id")
    message = result.response
    assert not result.ephemeral and message.embeds[0].title == "Hostile video id"
    assert message.embeds[0].url is None
    sections = next(f.value for f in message.embeds[0].fields if f.name == "Sections")
    assert "Hostile part 1" in sections and "Free Nitro" not in sections
    await alice.click(message, label="Section ▶")
    assert "Hostile part 1" in message.embeds[0].description
    await alice.slash(channel, "search", query="hostile part")
    await alice.slash(channel, "related", note="edge/hostile_video")
    assert "evil.example" not in str(_urls(env)) and "Free Nitro" not in _shown_text(env)
    assert all(url.startswith("https://www.youtube.com/watch?v=") for url in _urls(env))


async def test_no_raw_wikilink_reaches_the_member(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "topic", query="raw wikilinks everywhere")).response
    await alice.click(message, label="Section ▶")
    await alice.slash(channel, "search", query="odd links")
    shown = _shown_text(env)
    assert "a label" in shown
    assert "[[" not in shown.replace("\\", "") and "]]" not in shown.replace("\\", "")


async def test_a_note_with_thousands_of_sections_answers(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="thousands of sections")
    assert not result.ephemeral and result.response.embeds[0].title == "Thousands of sections"
    await alice.click(result.response, label="Section ▶")
    choices = await alice.autocomplete(channel, "topic", "query", "edge part")
    assert 1 <= len(choices) <= 25
    for query in ("edge", "edges edging", "edge part 2999"):
        found = await alice.slash(channel, "topic", query=query)
        assert "went wrong" not in str(found.response.content), query
    await alice.slash(channel, "search", query="edging")
    check_everything_posted(env)
