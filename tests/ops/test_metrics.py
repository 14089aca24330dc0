"""The metrics: counted only while installed, labels from fixed sets, and one registry per
Metrics (a restart in the same process, or a test, starts from zero)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops import metrics
from bot.schedule.records import PostOutcome


def _samples(counted: metrics.Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(counted.render().decode())
            for s in family.samples}


@pytest.fixture
def counted() -> Iterator[metrics.Metrics]:
    installed = metrics.Metrics()
    metrics.install(installed)
    yield installed
    metrics.install(None)


def test_nothing_is_counted_while_no_metrics_are_installed() -> None:
    assert metrics.installed() is None
    metrics.lookup("topic", 0.1, "ok")  # no error, nothing kept
    metrics.sync("ok", 1.0, 3)
    metrics.post("posted")
    fresh = metrics.Metrics()
    assert _samples(fresh).get(("notecast_posts_total", (("outcome", "posted"),))) is None


def test_each_metrics_has_its_own_registry(counted: metrics.Metrics) -> None:
    metrics.post(PostOutcome.POSTED)  # the scheduler's own values are accepted
    other = metrics.Metrics()  # (a second one does not clash with the first's names)
    assert _samples(counted)[("notecast_posts_total", (("outcome", "posted"),))] == 1
    assert ("notecast_posts_total", (("outcome", "posted"),)) not in _samples(other)


def test_label_values_stay_within_fixed_sets(counted: metrics.Metrics) -> None:
    metrics.lookup("x" * 500, 0.1, "whatever")
    metrics.sync("exploded", 0.5)
    for outcome in ("posted", "already", "failed", "unknown", "missed", "surprise"):
        metrics.post(outcome)
    samples = _samples(counted)
    assert samples[("notecast_lookups_total", (("command", "other"), ("outcome", "other")))] == 1
    assert samples[("notecast_syncs_total", (("outcome", "other"),))] == 1
    posts = {labels[0][1] for name, labels in samples if name == "notecast_posts_total"}
    assert posts == {"posted", "already", "failed", "unknown", "missed", "other"}


def test_a_sync_counts_its_changed_notes_and_its_time(counted: metrics.Metrics) -> None:
    metrics.sync("ok", 0.3, changed=5)
    metrics.sync("ok", 0.2, changed=0)
    metrics.sync("refused", 0.01)
    samples = _samples(counted)
    assert samples[("notecast_sync_changed_notes_total", ())] == 5
    assert samples[("notecast_sync_seconds_count", (("outcome", "ok"),))] == 2
    assert samples[("notecast_sync_seconds_sum", (("outcome", "ok"),))] == pytest.approx(0.5)
    assert samples[("notecast_syncs_total", (("outcome", "refused"),))] == 1
