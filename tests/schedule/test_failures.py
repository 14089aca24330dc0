"""What the scheduler does when a post goes wrong, over the real state store: the process
killed between the claim and the send (before or after Discord made the message), a send
whose outcome is not known, a channel whose history cannot be read, refusals retried with
backoff, a streak that pauses the schedule (and /qotd set resuming it), a permanent refusal.

Behaviour after a kill (documented in bot/schedule/posting.py): the day stays ``sending``;
the next pass, at least IN_FLIGHT after the claim, looks for the post in the channel:
found, it is recorded; not found, it is sent again with the same nonce.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.schedule.posting import BACKOFF, IN_FLIGHT, NONCE_WINDOW
from bot.schedule.records import DayStatus, PostOutcome
from bot.schedule.sender import QotdPost, SendRefused
from tests.schedule.helpers import Killed, World, world

GUILD = 1 << 22
CHANNEL = 555
NINE = datetime(2026, 1, 5, 9, tzinfo=UTC)


async def scheduled(w: World) -> None:
    await w.service().set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
    w.clock.now = NINE


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_kill_between_claim_and_record_posts_exactly_once(tmp_path: Path,
                                                                  when: str) -> None:
    async with world(tmp_path, NINE - timedelta(hours=3)) as w:
        await scheduled(w)
        w.sender.kill = when  # the process dies during the send
        with pytest.raises(Killed):
            await w.service().tick(w.sender)
        day = await w.store.get_day(GUILD, "2026-01-05")
        assert day is not None and day.status == DayStatus.SENDING
        w.clock.advance(seconds=20)  # restarted at once: the claim may be another's send
        restarted = w.service()
        assert (await restarted.tick(w.sender)).posted == 0
        assert w.sender.sends == 1
        w.clock.now = NINE + IN_FLIGHT + timedelta(seconds=1)
        assert (await restarted.tick(w.sender)).posted == 1
        assert len(w.sender.messages) == 1  # found (after), or sent again (before)
        assert w.sender.finds == 1 and w.sender.sends == (2 if when == "before" else 1)
        day = await w.store.get_day(GUILD, "2026-01-05")
        assert day is not None and day.status == DayStatus.POSTED
        assert day.message_id == w.sender.messages[0].id
        schedule = await w.store.get_schedule(GUILD)
        assert schedule is not None and schedule.failures == 0  # (a crash is not a failure)
        w.clock.advance(hours=2)
        assert (await restarted.tick(w.sender)).posted == 0
        assert len(w.sender.messages) == 1


@pytest.mark.parametrize("made", [True, False])
async def test_a_send_of_unknown_outcome_is_looked_for_before_a_resend(tmp_path: Path,
                                                                       made: bool) -> None:
    async with world(tmp_path, NINE - timedelta(hours=3)) as w:
        await scheduled(w)
        qotd = w.service()

        def timeout(post: QotdPost) -> None:
            w.sender.script = None
            if made:  # Discord made the message, and the answer was lost
                w.sender.messages.append(_message(w, post))
            raise TimeoutError("no answer")

        w.sender.script = timeout
        report = await qotd.tick(w.sender)
        assert report.failed == 1
        status = await qotd.status(GUILD)
        assert status.problem is not None and "look for it" in status.problem
        w.clock.advance(seconds=30)
        assert (await qotd.tick(w.sender)).due == 0  # looked at again after a minute
        w.clock.advance(seconds=40)
        assert (await qotd.tick(w.sender)).posted == 1
        assert len(w.sender.messages) == 1 and w.sender.finds == 1
        schedule = await w.store.get_schedule(GUILD)
        assert schedule is not None and schedule.failures == 0


def _message(w: World, post: QotdPost):  # type: ignore[no-untyped-def]
    from tests.schedule.helpers import Message

    return Message(999, post.guild_id, post.channel_id, post.day, "", post.quote.text,
                   post.role_id, post.nonce, post.marker, w.clock())


async def test_a_history_that_cannot_be_read_resends_only_within_the_nonce_window(
        tmp_path: Path) -> None:
    async with world(tmp_path, NINE - timedelta(hours=3)) as w:
        await scheduled(w)
        w.sender.kill = "after"
        with pytest.raises(Killed):
            await w.service().tick(w.sender)
        w.sender.history_refused = True
        w.clock.now = NINE + IN_FLIGHT + timedelta(seconds=5)  # within Discord's nonce window
        assert (await w.service().tick(w.sender)).posted == 1
        assert len(w.sender.messages) == 1  # the resend carried the nonce: Discord dropped it
        assert w.sender.sends == 2


async def test_a_history_that_cannot_be_read_later_skips_the_day_rather_than_double_it(
        tmp_path: Path) -> None:
    async with world(tmp_path, NINE - timedelta(hours=3)) as w:
        await scheduled(w)
        w.sender.kill = "after"
        with pytest.raises(Killed):
            await w.service().tick(w.sender)
        w.sender.history_refused = True
        w.clock.now = NINE + NONCE_WINDOW + timedelta(minutes=10)
        qotd = w.service()
        report = await qotd.tick(w.sender)
        assert (report.posted, report.missed) == (0, 1)
        assert len(w.sender.messages) == 1 and w.sender.sends == 1
        day = await w.store.get_day(GUILD, "2026-01-05")
        assert day is not None and day.status == DayStatus.MISSED
        assert "cannot read" in (day.error or "")
        status = await qotd.status(GUILD)
        assert status.problem is not None and "cannot read" in status.problem
        assert status.next_post == NINE + timedelta(days=1)


async def test_refusals_are_retried_with_backoff_then_pause_and_set_resumes(
        tmp_path: Path) -> None:
    async with world(tmp_path, NINE - timedelta(hours=3)) as w:
        await scheduled(w)
        qotd = w.service(max_failures=3)

        def refuse(post: QotdPost) -> None:
            raise SendRefused("Discord refused the post (429); I will try again.")

        w.sender.script = refuse
        waits = []
        for _ in range(3):
            assert (await qotd.tick(w.sender)).failed == 1
            schedule = await w.store.get_schedule(GUILD)
            assert schedule is not None
            if schedule.next_due is not None:
                waits.append(schedule.next_due - w.clock.now)
                status = await qotd.status(GUILD)
                assert status.problem is not None and "429" in status.problem
                w.clock.now = schedule.next_due
        assert waits == [timedelta(seconds=BACKOFF[0]), timedelta(seconds=BACKOFF[1])]
        assert w.sender.sends == 3 and w.sender.messages == []
        schedule = await w.store.get_schedule(GUILD)
        assert schedule is not None and schedule.paused_reason and schedule.next_due is None
        status = await qotd.status(GUILD)
        assert status.next_post is None
        assert status.problem is not None
        assert "Paused after 3 failed tries" in status.problem and "/qotd set" in status.problem
        w.clock.advance(days=1)
        assert (await qotd.tick(w.sender)).due == 0  # paused: nothing is tried
        w.sender.script = None
        resumed = await qotd.set(GUILD, channel_id=CHANNEL, post_time="09:00", timezone="UTC")
        assert resumed.problem is None and resumed.schedule is not None
        assert resumed.schedule.failures == 0 and resumed.schedule.paused_reason is None
        w.clock.now = NINE + timedelta(days=2)
        assert (await qotd.tick(w.sender)).posted == 1


async def test_a_permanent_refusal_counts_and_says_it_needs_an_admin(tmp_path: Path) -> None:
    async with world(tmp_path, NINE - timedelta(hours=3)) as w:
        await scheduled(w)
        qotd = w.service()
        w.sender.gone_channels.add(CHANNEL)
        result = await qotd.post_now(GUILD, w.sender)
        assert result.outcome == PostOutcome.FAILED
        assert result.error is not None and result.error.startswith("Needs an admin")
        status = await qotd.status(GUILD)
        assert status.schedule is not None and status.schedule.failures == 1
        assert status.problem is not None
        assert "Needs an admin" in status.problem and "channel is gone" in status.problem
        assert "4 more" in status.problem
        today = await w.store.get_day(GUILD, "2026-01-05")
        assert today is not None and today.status == DayStatus.FAILED


async def test_retries_stop_at_the_end_of_the_day(tmp_path: Path) -> None:
    async with world(tmp_path, NINE - timedelta(hours=3)) as w:
        await w.service().set(GUILD, channel_id=CHANNEL, post_time="23:58", timezone="UTC")
        w.clock.now = datetime(2026, 1, 5, 23, 58, tzinfo=UTC)
        qotd = w.service()

        def refuse(post: QotdPost) -> None:
            raise SendRefused("Discord refused the post (500-ish); I will try again.")

        w.sender.script = refuse
        assert (await qotd.tick(w.sender)).failed == 1
        w.clock.advance(minutes=1)
        assert (await qotd.tick(w.sender)).failed == 1  # the next wait (5 min) ends past midnight
        day = await w.store.get_day(GUILD, "2026-01-05")
        assert day is not None and day.status == DayStatus.MISSED
        assert "after 2 tries: Discord refused" in (day.error or "")
        schedule = await w.store.get_schedule(GUILD)
        assert schedule is not None and schedule.failures == 2
        assert schedule.next_due == datetime(2026, 1, 6, 23, 58, tzinfo=UTC)
        w.sender.script = None
        w.clock.now = datetime(2026, 1, 6, 0, 0, 5, tzinfo=UTC)
        assert (await qotd.tick(w.sender)).due == 0  # not the next day's post, at midnight
        w.clock.now = datetime(2026, 1, 6, 23, 58, tzinfo=UTC)
        assert (await qotd.tick(w.sender)).posted == 1
