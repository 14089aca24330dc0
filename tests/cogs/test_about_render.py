"""The /about and /reload embeds hold Discord's limits and ping nobody, whatever the vault
holds: a huge layout line, hostile note titles, thousands of changed notes."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ops.about import AboutInfo
from bot.ops.reload import NoteChange, ReloadResult
from cogs.render.about import about_embed, duration, refusal_for_members, reload_embed
from tests.e2e.conftest import check_embed_limits

HOSTILE = "@everyone <@123456789012345678> **loud** [Free Nitro](https://evil.example/x) "


def _info(**changes: object) -> AboutInfo:
    values: dict[str, object] = dict(
        version="0.1.0", notes=21_189, channels=412, episodes=3_050,
        last_sync=datetime(2026, 12, 7, 8, 0, tzinfo=UTC), layout="channel folders " * 900,
        refused=None, sync_problem=False, watching="file events", resync_minutes=10.0,
        uptime=200_000.0)
    values.update(changes)
    return AboutInfo(**values)  # type: ignore[arg-type]


def test_about_fits_with_a_huge_layout_and_a_hostile_refusal() -> None:
    embed = about_embed(_info(refused=HOSTILE * 200, sync_problem=True), latency=float("inf"),
                        shard=(3, 8), notes_dir="/srv/vault")
    check_embed_limits(embed)
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Gateway latency"] == "unknown" and fields["Shard"] == "3 of 8"
    assert fields["Uptime"] == "2 d 7 h"
    assert "@everyone" not in fields["Last sync refused"]  # defused
    assert "[Free Nitro](" not in fields["Last sync refused"]  # no masked link
    assert "\\[Free Nitro\\](" in fields["Last sync refused"]


def test_reload_fits_with_thousands_of_hostile_titles() -> None:
    many = tuple(NoteChange(f"show/{n}.md", HOSTILE * 5 + str(n)) for n in range(5000))
    embed = reload_embed(ReloadResult(added=many, changed=many, removed=many, notes=21_189,
                                      seconds=13.5, mode="rebuild", skipped=40), "/srv/vault")
    check_embed_limits(embed)
    assert "**5,000** added" in embed.description
    for item in embed.fields:
        assert item.value.endswith("more") and "@everyone" not in item.value


def test_a_refusal_never_names_the_servers_folder() -> None:
    assert refusal_for_members("/srv/my vault: No such file or directory", "/srv/my vault") \
        == "the vault folder: No such file or directory; still serving the cache"
    other = refusal_for_members("cache /data/c.db was built from vault /a, not /b: pass "
                                "--rebuild to rebuild it from /b", "/b")
    assert "/a" not in other and "/data" not in other and "--rebuild" in other


def test_durations_read_well() -> None:
    assert [duration(s) for s in (5, 125, 3 * 3600 + 300, 90_000)] == \
        ["5s", "2 min", "3 h 05 min", "1 d 1 h"]
