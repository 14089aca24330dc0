"""QotdService over the real SQLite state store and a real notes cache: what /qotd set,
off, status, preview and now answer, and the scheduler's guarantees: one post per server
per local day (preview, now and the post agree), late posts on and off, shards, staggered
sends, one server's trouble never stopping another's. Crashes, unknown outcomes and
failures are in test_failures.py; a simulated year in test_year.py."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.schedule import times
from bot.schedule.errors import BadTime, BadZone, EmptyPool, NoSchedule, QotdError
from bot.schedule.records import DayStatus, PostOutcome, Shards
from bot.schedule.rotation import quote_key
from bot.state import open_state_store
from tests.schedule.helpers import world

GUILD = 1 << 22  # shard 1 of 2
OTHER = 2 << 22  # shard 0 of 2
CHANNEL = 555


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def test_set_refuses_a_bad_time_zone_or_empty_pool_with_what_to_do(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        qotd = w.service()
        with pytest.raises(BadTime, match="HH:MM"):
            await qotd.set(GUILD, channel_id=CHANNEL, post_time="9am", timezone="UTC")
        with pytest.raises(BadZone, match="America/New_York"):
            await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00",
                           timezone="America/NewYrok")
        with pytest.raises(EmptyPool) as empty:
            await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC",
                           speaker="Zebedee Nobody")
        assert "Zebedee Nobody" in str(empty.value) and "Mira Castell" in str(empty.value)
        with pytest.raises(EmptyPool) as empty:  # a speaker with no quotes in that channel
            await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC",
                           speaker="Ilse Varga", source_channel="harbour")
        assert "harbour" in str(empty.value) and "Tobias Rennard" in str(empty.value)
        with pytest.raises(EmptyPool, match="no channel"):
            await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC",
                           source_channel="nowhere")
        assert await w.store.get_schedule(GUILD) is None


async def test_status_of_a_server_without_a_schedule(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        status = await w.service().status(GUILD)
        assert status.schedule is None and status.next_post is None and status.problem is None
        with pytest.raises(NoSchedule):
            await w.service().preview(GUILD)


async def test_set_then_status_says_when_in_the_servers_zone(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 3, 7, 12)) as w:
        qotd = w.service()
        status = await qotd.set(GUILD, channel_id=CHANNEL, post_time="2:30",
                                timezone="america/new york", speaker="mira castel", by=77)
        schedule = status.schedule
        assert schedule is not None
        assert (schedule.post_time, schedule.timezone, schedule.speaker) == (
            "02:30", "America/New_York", "Mira Castell")
        assert schedule.updated_by == 77
        # the next 02:30 in New York is on the spring-forward day: when the clocks jump
        assert status.next_post == at(2026, 3, 8, 7, 0)
        assert status.next_post_local == "Sun 8 Mar 2026, 03:00 EDT"
        assert status.pool_size == 4 and status.problem is None


async def test_preview_now_and_the_post_agree_and_post_once(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        qotd = w.service()
        await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        preview = await qotd.preview(GUILD)
        assert preview.day == "2026-01-05"
        assert (await qotd.preview(GUILD)).quote == preview.quote  # the same all day
        now = await qotd.post_now(GUILD, w.sender)
        assert now.outcome == PostOutcome.POSTED and now.channel_id == CHANNEL
        assert w.sender.messages[0].text == preview.quote.text
        again = await qotd.post_now(GUILD, w.sender)
        assert again.outcome == PostOutcome.ALREADY and again.message_id == now.message_id
        w.clock.advance(hours=3)  # 09:00: the scheduled time of a day already posted
        report = await qotd.tick(w.sender)
        assert report.posted == 0
        assert len(w.sender.messages) == 1
        w.clock.advance(days=1)
        assert (await qotd.tick(w.sender)).posted == 1
        assert [m.day for m in w.sender.messages] == ["2026-01-05", "2026-01-06"]
        assert w.sender.messages[1].text != w.sender.messages[0].text


async def test_off_stops_posting_and_set_keeps_the_rotation(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        qotd = w.service()
        assert await qotd.off(GUILD) is False
        await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        before = await w.store.get_schedule(GUILD)
        assert await qotd.off(GUILD) is True
        assert await qotd.off(GUILD) is False
        w.clock.advance(days=2)
        assert (await qotd.tick(w.sender)).due == 0 and w.sender.messages == []
        with pytest.raises(NoSchedule):
            await qotd.post_now(GUILD, w.sender)
        status = await qotd.set(GUILD, channel_id=CHANNEL, post_time="10:00", timezone="UTC",
                                role_id=9)
        assert status.schedule is not None and before is not None
        assert (status.schedule.seed, status.schedule.cycle) == (before.seed, before.cycle)
        assert status.schedule.role_id == 9


async def test_a_post_missed_while_down_is_made_on_start_that_day(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        await w.service().set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        w.clock.now = at(2026, 1, 5, 15)  # the bot was down from 06:00 to 15:00
        report = await w.service(late_posts=True).tick(w.sender)
        assert report.posted == 1
        assert [(m.day, m.at) for m in w.sender.messages] == [("2026-01-05", w.clock.now)]


async def test_late_posts_off_records_the_day_missed_and_says_why(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        await w.service().set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        w.clock.now = at(2026, 1, 5, 15)
        qotd = w.service(late_posts=False)
        report = await qotd.tick(w.sender)
        assert (report.posted, report.missed) == (0, 1) and w.sender.messages == []
        day = await w.store.get_day(GUILD, "2026-01-05")
        assert day is not None and day.status == DayStatus.MISSED
        assert "qotd_late_posts" in (day.error or "")
        status = await qotd.status(GUILD)
        assert status.problem is not None and "qotd_late_posts" in status.problem
        assert status.next_post == at(2026, 1, 6, 9)
        with pytest.raises(QotdError, match="not posted"):
            await qotd.post_now(GUILD, w.sender)
        w.clock.now = at(2026, 1, 6, 9, 0, 20)  # running since: on time, posted
        assert (await qotd.tick(w.sender)).posted == 1


async def test_a_start_just_after_the_time_is_not_late(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        await w.service().set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        w.clock.now = at(2026, 1, 5, 9, 2)  # a restart of two minutes
        assert (await w.service(late_posts=False).tick(w.sender)).posted == 1


async def test_a_day_over_while_down_is_missed_and_today_posted(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        await w.service().set(GUILD, channel_id=CHANNEL, post_time="09:00",
                              timezone="Asia/Kolkata")
        w.clock.now = at(2026, 1, 7, 5)  # down for two days; 10:30 in Kolkata
        report = await w.service().tick(w.sender)
        assert (report.missed, report.posted) == (1, 1)
        assert [m.day for m in w.sender.messages] == ["2026-01-07"]
        missed = await w.store.get_day(GUILD, "2026-01-06")  # (set after the 5th's time)
        assert missed is not None and missed.status == DayStatus.MISSED
        assert "offline" in (missed.error or "")
        assert (await w.store.get_schedule(GUILD)).next_due == at(2026, 1, 8, 3, 30)  # type: ignore[union-attr]


async def test_only_the_shards_of_this_process_post(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w, \
            open_state_store(w.state_path) as second_store:
        guilds = [GUILD, OTHER, 3 << 22, 4 << 22, 5 << 22]
        for guild in guilds:
            await w.service().set(guild, channel_id=guild + 1, post_time="09:00",
                                  timezone="UTC")
        even = w.service(shards=Shards(2, (0,)))
        odd = replace(w, store=second_store).service(shards=Shards(2, (1,)))
        w.clock.now = at(2026, 1, 5, 9, 0, 30)
        reports = [await odd.tick(w.sender), await even.tick(w.sender),
                   await odd.tick(w.sender), await even.tick(w.sender)]
        assert [r.posted for r in reports] == [3, 2, 0, 0]
        shards = [(m.guild_id >> 22) % 2 for m in w.sender.messages]
        assert shards == [1, 1, 1, 0, 0]
        assert sorted(m.guild_id for m in w.sender.messages) == sorted(guilds)


async def test_the_days_posts_are_staggered_at_the_rate(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        for n in range(5):
            await w.service().set((n + 1) << 22, channel_id=n, post_time="09:00",
                                  timezone="UTC")
        w.clock.now = at(2026, 1, 5, 9)
        report = await w.service(posts_per_second=2.0).tick(w.sender)
        assert report.posted == 5
        assert w.sleeps == [0.5] * 4
        w.sleeps.clear()
        w.clock.advance(days=1)
        w.sender.script = lambda post: setattr(w.clock, "now", w.clock.now + timedelta(
            seconds=0.125))  # each send takes an eighth of a second: less to wait
        assert (await w.service(posts_per_second=2.0).tick(w.sender)).posted == 5
        assert w.sleeps == [0.375] * 4


async def test_one_servers_trouble_never_stops_the_others(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        qotd = w.service()
        await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        await qotd.set(OTHER, channel_id=CHANNEL + 1, post_time="09:00", timezone="UTC")
        broken = await w.store.get_schedule(GUILD)
        assert broken is not None  # a zone that left the zone database since it was set
        await w.store.put_schedule(replace(broken, timezone="Mars/Olympus_Mons"))
        w.clock.now = at(2026, 1, 5, 9)
        report = await qotd.tick(w.sender)
        assert (report.posted, report.failed) == (1, 1)
        assert [m.guild_id for m in w.sender.messages] == [OTHER]
        later = await w.store.get_schedule(GUILD)
        assert later is not None and later.next_due == w.clock.now + timedelta(minutes=1)


async def test_a_quote_that_left_the_notes_before_its_day_is_chosen_again(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        qotd = w.service()
        await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC",
                       speaker="Tobias Rennard")
        chosen = (await qotd.preview(GUILD)).quote
        note = w.vault / chosen.channel / f"{chosen.slug}.md"
        note.write_text(note.read_text(encoding="utf-8").replace(chosen.text, "Edited words."),
                        encoding="utf-8")
        await w.sync()
        replacement = (await qotd.preview(GUILD)).quote
        assert replacement.text != chosen.text and replacement.speaker == "Tobias Rennard"
        w.clock.now = at(2026, 1, 5, 9)
        assert (await qotd.tick(w.sender)).posted == 1
        assert [m.text for m in w.sender.messages] == [replacement.text]


async def test_the_rotation_uses_up_the_pool_before_a_repeat(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        await w.service().set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC",
                              speaker="Mira Castell")  # four quotes in two channels
        for day in range(12):
            w.clock.now = at(2026, 1, 5, 9) + timedelta(days=day)
            assert (await w.service().tick(w.sender)).posted == 1  # a new process each day
        keys = [m.quote_key for m in w.sender.messages]
        assert all(len(set(keys[n:n + 4])) == 4 for n in (0, 4, 8))
        assert all(a != b for a, b in itertools.pairwise(keys))
        pool = await w.quotes.pools.pool("Mira Castell")
        assert set(keys) == set(pool.keys)
        assert quote_key("kitchen", "bread_at_dawn", "Bread is a clock you can eat.") in keys


async def test_an_edited_and_a_deleted_quote_drop_out_of_the_rotation(tmp_path: Path) -> None:
    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        await w.service().set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        posted = []
        for day in range(3):
            w.clock.now = at(2026, 1, 5, 9) + timedelta(days=day)
            await w.service().tick(w.sender)
            posted.append(w.sender.messages[-1].text)
        lighthouse = w.vault / "harbour" / "lighthouse_keepers.md"
        text = lighthouse.read_text(encoding="utf-8")
        quotes = [q for q in ('"Fog is only weather', '"Log every ship', '"The keeper', '"You learn')
                  if not any(p.startswith(q) for p in posted)]
        edited, deleted = quotes[0], quotes[1]
        text = text.replace(edited, edited + " (edited)")
        text = "\n".join(line for line in text.splitlines() if not line.startswith(f"> {deleted}"))
        lighthouse.write_text(text, encoding="utf-8")
        await w.sync()
        for day in range(3, 20):
            w.clock.now = at(2026, 1, 5, 9) + timedelta(days=day)
            assert (await w.service().tick(w.sender)).posted == 1
        texts = [m.text for m in w.sender.messages]
        first_cycle = texts[:8]  # nine quotes, one deleted
        assert len(set(first_cycle)) == 8
        assert not any(t.startswith(deleted) for t in texts)
        assert any(t.startswith(edited) and "(edited)" in t for t in first_cycle)
        assert not any(t.startswith(edited) and "(edited)" not in t for t in texts)


async def test_zones_autocomplete(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        assert w.service().zones("london")[0] == "Europe/London"
        assert len(w.service().zones("", limit=10)) == 10


def test_the_local_day_follows_the_zone() -> None:
    assert times.local_day(at(2026, 1, 5, 23), times.zone("Asia/Tokyo")).isoformat() == "2026-01-06"


async def test_notes_still_loading_delay_the_post_without_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from bot.errors import NotesLoading

    async with world(tmp_path, at(2026, 1, 5, 6)) as w:
        qotd = w.service()
        await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        pools = w.quotes.pools

        async def loading(*args: object) -> None:
            raise NotesLoading()

        with monkeypatch.context() as patch:
            patch.setattr(pools, "pool", loading)
            w.clock.now = at(2026, 1, 5, 9)
            report = await qotd.tick(w.sender)
        assert (report.skipped, report.failed, report.posted) == (1, 0, 0)
        assert not [r for r in caplog.records if r.exc_info]
        w.clock.advance(minutes=1)
        assert (await qotd.tick(w.sender)).posted == 1
