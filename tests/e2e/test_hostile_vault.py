"""Replies built from hostile notes stay inside Discord's limits and ping nobody."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "notes"
LONG_TITLE = "A" + " very long title" * 6  # about 100 characters, the vault's maximum


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
