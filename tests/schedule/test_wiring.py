"""Services.qotd: built over the state database with the settings of the quote of the day
and the process's shards; absent without a state database."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT, Settings
from bot.schedule.records import Shards
from bot.services import Services
from bot.state import open_state_store


async def test_services_carry_the_scheduler_with_its_settings(tmp_path: Path) -> None:
    settings = replace(Settings(), notes_dir=SAMPLE_VAULT, db=tmp_path / "notes.db",
                       qotd_late_posts=False, qotd_max_failures=3, qotd_posts_per_second=2.0,
                       shard_count=4, shard_ids=(1, 3))
    async with NotesCache(settings.db) as cache, open_state_store(settings.state_db_path) as state:
        qotd = Services.build(settings, cache, state=state).qotd
        assert qotd is not None and qotd.store is state
        assert (qotd.late_posts, qotd.max_failures, qotd.interval) == (False, 3, 0.5)
        assert qotd.shards == Shards(4, (1, 3))
        every = Services.build(replace(settings, shard_count=2, shard_ids=None), cache,
                               state=state).qotd
        assert every is not None and every.shards == Shards(2, (0, 1))
        single = Services.build(replace(settings, shard_count=0, shard_ids=None), cache,
                                state=state).qotd
        assert single is not None and single.shards is None
        assert Services.build(settings, cache).qotd is None
