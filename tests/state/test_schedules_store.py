"""The quote of the day's tables in the state store (the ``ScheduleStore`` contract): a
server's schedule kept whole, a day claimed at most once whatever races, its status moving
forward only, the due schedules found in order (never an off or paused one), and a file of
the previous version migrated with what it held."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import bot.state.sqlite
from bot.schedule.records import DayRecord, DayStatus, Schedule, Shards
from bot.state import StateStore, SummaryKey, open_state_store
from bot.state.migrations import APPLICATION_ID, MIGRATIONS

OpenStore = Callable[[], Awaitable[StateStore]]

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = "2026-03-02"
GUILD = 1_100_000_000_000_000_001
BIG = 2**63 - 1  # the largest id SQLite and PostgreSQL's BIGINT hold


def _schedule(guild_id: int = GUILD, **fields: object) -> Schedule:
    base = Schedule(guild_id=guild_id, channel_id=2_200_000_000_000_000_002, post_time="09:00",
                    timezone="Europe/Paris", next_due=T0, updated_at=T0 - timedelta(days=1))
    return replace(base, **fields)  # type: ignore[arg-type]


async def _day_in(state: StateStore, status: DayStatus | None, guild_id: int = GUILD,
                  day: str = DAY, quote_key: str = "q-first") -> None:
    """Bring ``(guild_id, day)`` to ``status`` through the store's own steps (None: no row)."""
    if status is None:
        return
    if status is DayStatus.MISSED:
        await state.record_missed(guild_id, day, "paused", T0, next_due=None, quote_key=quote_key)
        return
    await state.choose_day(guild_id, day, quote_key, 0, T0)
    if status is DayStatus.CHOSEN:
        return
    assert await state.claim_day(guild_id, day, 77, T0 + timedelta(seconds=1)) is not None
    if status is DayStatus.POSTED:
        await state.record_posted(guild_id, day, 555, T0 + timedelta(seconds=2), next_due=None)
    elif status is DayStatus.FAILED:
        await state.record_failed(guild_id, day, "Missing Access", T0 + timedelta(seconds=2),
                                  next_due=None, failures=1, paused_reason=None)
    record = await state.get_day(guild_id, day)
    assert record is not None and record.status is status


# --------------------------------------------------------------------------- schedules

async def test_a_schedule_is_kept_whole_with_snowflake_ids_and_exact_times(state_store: StateStore) -> None:
    assert await state_store.get_schedule(GUILD) is None
    kolkata = ZoneInfo("Asia/Kolkata")
    schedule = Schedule(guild_id=BIG, channel_id=BIG - 1, post_time="07:30", timezone="America/New_York",
                        speaker="Dr. Ada", source_channel="Curious Orbit", role_id=BIG - 2, enabled=True,
                        seed=BIG - 3, cycle=4, next_due=datetime(2026, 3, 2, 13, 30, 0, 123456, tzinfo=kolkata),
                        failures=2, last_error="Missing Access", paused_reason=None,
                        updated_at=datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), updated_by=BIG - 4)
    await state_store.put_schedule(schedule)
    got = await state_store.get_schedule(BIG)
    assert got == schedule
    assert got is not None and got.next_due is not None and got.next_due.utcoffset() == timedelta(0)
    assert got.guild_id == BIG and got.role_id == BIG - 2 and got.updated_by == BIG - 4


async def test_put_replaces_every_field_including_back_to_none(state_store: StateStore) -> None:
    await state_store.put_schedule(_schedule(speaker="Ada", source_channel="Orbit", role_id=9, seed=5, cycle=3,
                                             failures=4, last_error="x", paused_reason="too many failures",
                                             updated_by=8))
    plain = Schedule(guild_id=GUILD, channel_id=3, post_time="18:05", timezone="UTC", enabled=False)
    await state_store.put_schedule(plain)
    assert await state_store.get_schedule(GUILD) == plain
    assert await state_store.count_schedules() == (0, 0)


async def test_a_naive_time_is_refused_and_nothing_is_stored(state_store: StateStore) -> None:
    with pytest.raises(ValueError, match="naive"):
        await state_store.put_schedule(_schedule(next_due=datetime(2026, 3, 2, 9, 0)))
    assert await state_store.get_schedule(GUILD) is None


async def test_due_schedules_earliest_first_up_to_the_limit(state_store: StateStore) -> None:
    hour = timedelta(hours=1)
    wanted = {1: T0 - 3 * hour, 2: T0 - hour, 3: T0 - 2 * hour, 4: T0, 5: T0 - 2 * hour}
    for guild_id, due in wanted.items():
        await state_store.put_schedule(_schedule(guild_id, next_due=due))
    await state_store.put_schedule(_schedule(6, next_due=T0 + timedelta(microseconds=1)))  # not yet
    await state_store.put_schedule(_schedule(7, next_due=None))
    due = await state_store.due_schedules(T0, limit=10)
    assert [s.guild_id for s in due] == [1, 3, 5, 2, 4]  # ties by server
    assert due[0] == _schedule(1, next_due=T0 - 3 * hour)
    assert [s.guild_id for s in await state_store.due_schedules(T0, limit=2)] == [1, 3]
    assert await state_store.due_schedules(T0, limit=0) == []
    assert await state_store.due_schedules(T0 - 4 * hour, limit=10) == []
    paris = T0.astimezone(ZoneInfo("Europe/Paris"))  # the same moment in another zone
    assert len(await state_store.due_schedules(paris, limit=10)) == 5


async def test_off_and_paused_schedules_are_never_due_and_counted_apart(state_store: StateStore) -> None:
    long_ago = T0 - timedelta(days=30)
    await state_store.put_schedule(_schedule(1, next_due=long_ago))
    await state_store.put_schedule(_schedule(2, next_due=long_ago, enabled=False))
    await state_store.put_schedule(_schedule(3, next_due=long_ago, paused_reason="5 failures in a row"))
    await state_store.put_schedule(_schedule(4, next_due=long_ago, enabled=False, paused_reason="x"))
    await state_store.put_schedule(_schedule(5, next_due=None))
    assert [s.guild_id for s in await state_store.due_schedules(T0, limit=10)] == [1]
    assert await state_store.count_schedules() == (2, 1)  # active 1 and 5; paused 3 (4 is off)


async def test_due_schedules_of_some_shards_only(state_store: StateStore) -> None:
    guilds = [(n << 22) | 12345 for n in range(8)] + [BIG, BIG - (1 << 22)]
    for i, guild_id in enumerate(guilds):
        await state_store.put_schedule(_schedule(guild_id, next_due=T0 - timedelta(minutes=i)))
    for shards in (Shards(4, (1, 3)), Shards(4, (0,)), Shards(3, (2,)), Shards(1, (0,)), Shards(4, (7,))):
        due = await state_store.due_schedules(T0, limit=100, shards=shards)
        expected = sorted((g for g in guilds if shards.owns(g)), key=guilds.index, reverse=True)
        assert [s.guild_id for s in due] == expected, shards
    two = await state_store.due_schedules(T0, limit=2, shards=Shards(2, (1,)))
    assert [s.guild_id for s in two] == [BIG, (7 << 22) | 12345]  # the limit counts owned ones only


async def test_set_next_due_and_start_cycle(state_store: StateStore) -> None:
    await state_store.put_schedule(_schedule(cycle=0))
    await state_store.set_next_due(GUILD, None)
    stored = await state_store.get_schedule(GUILD)
    assert stored is not None and stored.next_due is None and stored.cycle == 0
    assert await state_store.due_schedules(T0 + timedelta(days=999), limit=5) == []
    await state_store.set_next_due(GUILD, T0)
    assert [s.guild_id for s in await state_store.due_schedules(T0, limit=5)] == [GUILD]

    assert await state_store.start_cycle(GUILD, 0) == 1
    assert await state_store.start_cycle(GUILD, 0) == 1  # someone else moved it first: once only
    assert await state_store.start_cycle(GUILD, 1) == 2
    assert await state_store.start_cycle(404, 7) == 7  # no schedule: nothing moves
    assert await state_store.get_schedule(404) is None


# --------------------------------------------------------------------------- days

async def test_choose_day_fixes_the_quote_once(state_store: StateStore) -> None:
    assert await state_store.get_day(GUILD, DAY) is None
    first = await state_store.choose_day(GUILD, DAY, "q-first", 2, T0)
    assert first == DayRecord(guild_id=GUILD, day=DAY, quote_key="q-first", cycle=2, status=DayStatus.CHOSEN,
                              attempts=0, chosen_at=T0)
    again = await state_store.choose_day(GUILD, DAY, "q-other", 3, T0 + timedelta(hours=1))
    assert again == first
    assert await state_store.get_day(GUILD, DAY) == first
    other_day = await state_store.choose_day(GUILD, "2026-03-03", "q-other", 2, T0)
    assert other_day.quote_key == "q-other"


@pytest.mark.parametrize("status", [DayStatus.CHOSEN, DayStatus.FAILED])
async def test_rechoose_replaces_the_quote_of_a_day_not_yet_sent(state_store: StateStore,
                                                                 status: DayStatus) -> None:
    await _day_in(state_store, status)
    later = T0 + timedelta(hours=2)
    assert await state_store.rechoose_day(GUILD, DAY, "q-new", later) is True
    record = await state_store.get_day(GUILD, DAY)
    assert record is not None
    assert (record.quote_key, record.status, record.chosen_at) == ("q-new", status, later)


@pytest.mark.parametrize("status", [DayStatus.CHOSEN, DayStatus.FAILED])
async def test_claim_takes_a_chosen_or_failed_day_and_counts_the_attempt(state_store: StateStore,
                                                                         status: DayStatus) -> None:
    await _day_in(state_store, status)
    before = await state_store.get_day(GUILD, DAY)
    assert before is not None
    when = T0 + timedelta(minutes=5)
    claimed = await state_store.claim_day(GUILD, DAY, BIG, when)
    assert claimed == replace(before, status=DayStatus.SENDING, attempts=before.attempts + 1, claimed_at=when,
                              channel_id=BIG)
    assert await state_store.get_day(GUILD, DAY) == claimed


async def test_a_post_is_recorded_with_the_schedule(state_store: StateStore) -> None:
    await state_store.put_schedule(_schedule(failures=2, last_error="Missing Access"))
    await _day_in(state_store, DayStatus.FAILED)
    await state_store.claim_day(GUILD, DAY, 77, T0 + timedelta(minutes=10))
    tomorrow = T0 + timedelta(days=1)
    await state_store.record_posted(GUILD, DAY, BIG, T0 + timedelta(minutes=11), next_due=tomorrow)
    record = await state_store.get_day(GUILD, DAY)
    assert record is not None
    assert (record.status, record.message_id, record.posted_at, record.error, record.attempts, record.channel_id) \
        == (DayStatus.POSTED, BIG, T0 + timedelta(minutes=11), None, 2, 77)
    assert await state_store.get_schedule(GUILD) == _schedule(failures=0, last_error=None, next_due=tomorrow)


async def test_a_refused_send_is_recorded_with_the_schedule(state_store: StateStore) -> None:
    await state_store.put_schedule(_schedule(failures=4))
    await _day_in(state_store, DayStatus.SENDING)
    await state_store.record_failed(GUILD, DAY, "Missing Permissions", T0 + timedelta(seconds=3), next_due=None,
                                    failures=5, paused_reason="5 failures in a row")
    record = await state_store.get_day(GUILD, DAY)
    assert record is not None and (record.status, record.error) == (DayStatus.FAILED, "Missing Permissions")
    assert await state_store.get_schedule(GUILD) == _schedule(
        failures=5, last_error="Missing Permissions", next_due=None, paused_reason="5 failures in a row")
    assert await state_store.count_schedules() == (0, 1)


@pytest.mark.parametrize("status", [None, DayStatus.CHOSEN, DayStatus.SENDING, DayStatus.FAILED,
                                    DayStatus.MISSED])
async def test_a_day_not_posted_can_be_missed(state_store: StateStore, status: DayStatus | None) -> None:
    await state_store.put_schedule(_schedule())
    await _day_in(state_store, status)
    tomorrow = T0 + timedelta(days=1)
    await state_store.record_missed(GUILD, DAY, "the day ended", T0 + timedelta(hours=20), next_due=tomorrow,
                                    quote_key="q-kept-if-absent", cycle=6)
    record = await state_store.get_day(GUILD, DAY)
    assert record is not None and (record.status, record.error) == (DayStatus.MISSED, "the day ended")
    expected_key = "q-kept-if-absent" if status is None else "q-first"
    assert (record.quote_key, record.cycle) == (expected_key, 6 if status is None else 0)
    stored = await state_store.get_schedule(GUILD)
    assert stored is not None and stored.next_due == tomorrow


# Each step the status machine refuses, from each state it refuses it in: the day and
# the schedule are left exactly as they were.
REFUSED = [
    *[("claim", s) for s in (None, DayStatus.SENDING, DayStatus.POSTED, DayStatus.MISSED)],
    *[("rechoose", s) for s in (None, DayStatus.SENDING, DayStatus.POSTED, DayStatus.MISSED)],
    *[("posted", s) for s in (None, DayStatus.CHOSEN, DayStatus.FAILED, DayStatus.POSTED, DayStatus.MISSED)],
    *[("failed", s) for s in (None, DayStatus.CHOSEN, DayStatus.FAILED, DayStatus.POSTED, DayStatus.MISSED)],
    ("missed", DayStatus.POSTED),
]


@pytest.mark.parametrize(("step", "status"), REFUSED, ids=[f"{step}-from-{s or 'absent'}" for step, s in REFUSED])
async def test_a_status_never_moves_backward(state_store: StateStore, step: str, status: DayStatus | None) -> None:
    await _day_in(state_store, status)
    await state_store.put_schedule(_schedule(failures=1, last_error="earlier"))
    day_before, schedule_before = await state_store.get_day(GUILD, DAY), await state_store.get_schedule(GUILD)
    later, tomorrow = T0 + timedelta(hours=1), T0 + timedelta(days=1)
    if step == "claim":
        assert await state_store.claim_day(GUILD, DAY, 99, later) is None
    elif step == "rechoose":
        assert await state_store.rechoose_day(GUILD, DAY, "q-new", later) is False
    elif step == "posted":
        await state_store.record_posted(GUILD, DAY, 999, later, next_due=tomorrow)
    elif step == "failed":
        await state_store.record_failed(GUILD, DAY, "boom", later, next_due=tomorrow, failures=9,
                                        paused_reason="paused")
    else:
        await state_store.record_missed(GUILD, DAY, "the day ended", later, next_due=tomorrow, quote_key="q-x")
    assert await state_store.get_day(GUILD, DAY) == day_before
    assert await state_store.get_schedule(GUILD) == schedule_before


async def test_used_keys_are_the_cycle_s_days_that_were_not_missed(state_store: StateStore) -> None:
    for i, status in enumerate((DayStatus.CHOSEN, DayStatus.SENDING, DayStatus.POSTED, DayStatus.FAILED,
                                DayStatus.MISSED)):
        await _day_in(state_store, status, day=f"2026-03-0{i + 1}", quote_key=f"q-{status}")
    await state_store.choose_day(GUILD, "2026-04-01", "q-next-cycle", 1, T0)
    await state_store.choose_day(GUILD + 1, "2026-03-01", "q-another-server", 0, T0)
    assert await state_store.used_keys(GUILD, 0) == {"q-chosen", "q-sending", "q-posted", "q-failed"}
    assert await state_store.used_keys(GUILD, 1) == {"q-next-cycle"}
    assert await state_store.used_keys(GUILD, 2) == set()


async def test_recent_days_newest_first(state_store: StateStore) -> None:
    for day in ("2026-03-03", "2026-02-28", "2026-03-10", "2026-03-01", "2025-12-31"):
        await state_store.choose_day(GUILD, day, f"q-{day}", 0, T0)
    await state_store.choose_day(GUILD + 1, "2026-04-01", "q-elsewhere", 0, T0)
    recent = await state_store.recent_days(GUILD, 3)
    assert [r.day for r in recent] == ["2026-03-10", "2026-03-03", "2026-03-01"]
    assert len(await state_store.recent_days(GUILD, 50)) == 5
    assert await state_store.recent_days(GUILD, 0) == []
    assert await state_store.recent_days(404, 5) == []


# --------------------------------------------------------------------------- two processes

async def test_two_processes_claiming_the_same_day_exactly_one_wins(state_backend: OpenStore) -> None:
    first, second = await state_backend(), await state_backend()
    for n in range(20):
        day = f"2026-05-{n + 1:02d}"
        chosen = await asyncio.gather(first.choose_day(GUILD, day, "q-a", 0, T0),
                                      second.choose_day(GUILD, day, "q-b", 0, T0))
        assert chosen[0] == chosen[1]  # both see the one quote that won
        claims = await asyncio.gather(first.claim_day(GUILD, day, 1, T0), second.claim_day(GUILD, day, 2, T0),
                                      first.claim_day(GUILD, day, 3, T0), second.claim_day(GUILD, day, 4, T0))
        won = [c for c in claims if c is not None]
        assert len(won) == 1, claims
        assert won[0].attempts == 1
        assert await second.get_day(GUILD, day) == won[0]


# --------------------------------------------------------------------------- the file (SQLite)

def _user_version(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        return (con.execute("PRAGMA application_id").fetchone()[0],
                con.execute("PRAGMA user_version").fetchone()[0])
    finally:
        con.close()


async def test_a_new_file_is_at_version_3(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with open_state_store(path) as state:
        assert state.version == 3
    assert _user_version(path) == (APPLICATION_ID, 3)


async def test_a_version_2_file_keeps_its_summaries_and_budgets(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.db"
    key = SummaryKey("abc123", None, "short", "llama3")
    with monkeypatch.context() as previous:  # the code before the quote of the day
        previous.setattr(bot.state.sqlite, "MIGRATIONS", MIGRATIONS[:2])
        previous.setattr(bot.state.sqlite, "LATEST", 2)
        async with open_state_store(path) as state:
            await state.put_summary(key, '{"kept": true}', T0)
            assert await state.take_budget(GUILD, T0.date(), 5) == 1
            assert await state.take_budget(GUILD, T0.date(), 5) == 2
    assert _user_version(path) == (APPLICATION_ID, 2)

    async with open_state_store(path) as state:
        assert state.version == 3
        assert await state.get_summary(key) == '{"kept": true}'
        assert await state.budget_used(GUILD, T0.date()) == 2
        await state.put_schedule(_schedule())
        assert await state.choose_day(GUILD, DAY, "q-1", 0, T0) is not None
    assert _user_version(path) == (APPLICATION_ID, 3)
    async with open_state_store(path) as state:  # and again: nothing more applied, nothing lost
        assert await state.get_schedule(GUILD) == _schedule()
        assert await state.get_summary(key) == '{"kept": true}'
