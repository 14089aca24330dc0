"""Every slash command is counted with its latency and outcome, through the real command
tree: ``ok``, ``refused`` (the member was told why) or ``error`` (the apology)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.errors import UserFacingError
from bot.ops import metrics


@pytest.fixture
def counted() -> Iterator[metrics.Metrics]:
    installed = metrics.Metrics()
    metrics.install(installed)
    yield installed
    metrics.install(None)


def _lookups(counted: metrics.Metrics) -> dict[tuple[str, str], float]:
    found = {}
    for family in text_string_to_metric_families(counted.render().decode()):
        for s in family.samples:
            if s.name == "notecast_lookups_total":
                found[(s.labels["command"], s.labels["outcome"])] = s.value
    return found


async def test_commands_are_counted_by_outcome(world: Any, counted: metrics.Metrics,
                                               monkeypatch: Any) -> None:
    env, _guild, channel, alice = world
    await alice.slash(channel, "stats")
    await alice.slash(channel, "topic", query="quantum tunneling")
    await alice.slash(channel, "topic", query="🙂🙂")  # vague: told why, privately

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(env.bot.services.cache, "stats", broken)
    await alice.slash(channel, "stats")  # the apology
    assert _lookups(counted) == {("stats", "ok"): 1, ("topic", "ok"): 1,
                                 ("topic", "refused"): 1, ("stats", "error"): 1}
    seconds = [s for family in text_string_to_metric_families(counted.render().decode())
               for s in family.samples if s.name == "notecast_lookup_seconds_count"]
    assert {s.labels["command"]: s.value for s in seconds} == {"stats": 2, "topic": 2}
    assert [type(getattr(e, "original", e)) for e in env.errors
            if not isinstance(getattr(e, "original", e), UserFacingError)] == [RuntimeError]
