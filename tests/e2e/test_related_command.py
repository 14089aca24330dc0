"""/related through SimCord: links out, backlinks and the episode's notes."""

from __future__ import annotations

from typing import Any


async def test_related_lists_links_backlinks_and_the_episode(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "related", "note", "quantum tun")
    result = await alice.slash(channel, "related", note=choices[0]["value"])
    embed = result.response.embeds[0]
    fields = {f.name.split(" (")[0]: f.value for f in embed.fields}
    assert "Tunneling and fusion in stars" in fields["Linked from"]
    assert "Scanning tunneling microscope" in fields["Same episode"]
