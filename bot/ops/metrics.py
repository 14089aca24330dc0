"""What the bot did, counted for Prometheus: lookups, syncs and scheduled posts.

The metrics are kept with the maintained ``prometheus_client`` library, in a registry of
their own, and served in Prometheus' text format by :mod:`bot.ops.server` at ``/metrics``
when ``metrics`` is on. Its cost was measured before choosing it (``benchmarks/ops.py``):
importing it takes 11-22 ms once discord.py and aiohttp are loaded (medians on a busy 2-core
machine; 73 ms on its own), it is pure Python with no dependency, and it is imported only
when metrics are on, never by a command-line lookup. Counting a lookup (a counter and a
histogram) takes about 9 µs; rendering ``/metrics`` about 0.3 ms.

Code that counts something calls the module's functions: :func:`lookup` (the command
tree), :func:`sync` (``VaultSync``), :func:`post` (the quote of the day's scheduler or
cog). They do nothing while no :class:`Metrics` is installed (metrics off, the command
line, most tests). Label values are fixed sets or the bot's own command names: a value
from outside the set is counted as ``other``, so no input can grow the series without end.

* ``notecast_lookups_total{command, outcome}``: slash commands answered; ``outcome`` is
  ``ok``, ``refused`` (the member was told why: nothing found, a cooldown, a permission)
  or ``error`` (a bug: the member got the apology);
* ``notecast_lookup_seconds{command}``: how long a command took, until its reply was sent;
* ``notecast_syncs_total{outcome}``, ``notecast_sync_seconds{outcome}``: syncs of the vault,
  ``ok``, ``refused`` (the vault is missing, emptied or another one) or ``failed``;
* ``notecast_sync_changed_notes_total``: notes added, changed or removed by syncs;
* ``notecast_last_sync_success_timestamp_seconds``: when a sync last succeeded (Unix time);
* ``notecast_posts_total{outcome}``: quote-of-the-day posts: ``posted``, ``already``,
  ``failed``, ``unknown``, ``missed``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

log = logging.getLogger(__name__)

LOOKUP_OUTCOMES = frozenset({"ok", "refused", "error"})
SYNC_OUTCOMES = frozenset({"ok", "refused", "failed"})
POST_OUTCOMES = frozenset({"posted", "already", "failed", "unknown", "missed"})
OTHER = "other"
COMMAND_NAME_LIMIT = 64  # a command's qualified name ("qotd set") is far shorter
LOOKUP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SYNC_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def _label(value: object, allowed: frozenset[str]) -> str:
    text = str(value)
    return text if text in allowed else OTHER


class Metrics:
    """The bot's metrics, in a registry of their own (one per :class:`Metrics`)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry: CollectorRegistry = CollectorRegistry()
        registry = self.registry
        self.lookups = Counter("notecast_lookups", "Slash commands answered, by outcome",
                               ["command", "outcome"], registry=registry)
        self.lookup_seconds = Histogram(
            "notecast_lookup_seconds", "Time from a slash command's arrival to its reply",
            ["command"], buckets=LOOKUP_BUCKETS, registry=registry)
        self.syncs = Counter("notecast_syncs", "Syncs of the notes cache with the vault",
                             ["outcome"], registry=registry)
        self.sync_seconds = Histogram("notecast_sync_seconds", "How long a sync took",
                                      ["outcome"], buckets=SYNC_BUCKETS, registry=registry)
        self.sync_changed = Counter("notecast_sync_changed_notes",
                                    "Notes added, changed or removed by syncs", registry=registry)
        self.last_success = Gauge("notecast_last_sync_success_timestamp_seconds",
                                  "When a sync last succeeded (Unix time)", registry=registry)
        self.posts = Counter("notecast_posts", "Quote-of-the-day posts, by outcome",
                             ["outcome"], registry=registry)

    def lookup(self, command: str, seconds: float, outcome: str) -> None:
        name = command if 0 < len(command) <= COMMAND_NAME_LIMIT else OTHER
        self.lookups.labels(command=name, outcome=_label(outcome, LOOKUP_OUTCOMES)).inc()
        self.lookup_seconds.labels(command=name).observe(max(0.0, seconds))

    def sync(self, outcome: str, seconds: float, changed: int = 0) -> None:
        label = _label(outcome, SYNC_OUTCOMES)
        self.syncs.labels(outcome=label).inc()
        self.sync_seconds.labels(outcome=label).observe(max(0.0, seconds))
        if changed > 0:
            self.sync_changed.inc(changed)
        if label == "ok":
            self.last_success.set(time.time())

    def post(self, outcome: str) -> None:
        self.posts.labels(outcome=_label(outcome, POST_OUTCOMES)).inc()

    def render(self) -> bytes:
        """Every metric in Prometheus' text format (version 0.0.4)."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_installed: list[Metrics] = []  # the process's metrics, when on (filled by install())


def install(metrics: Metrics | None) -> None:
    """Make ``metrics`` the one the module's functions record into (``None``: none)."""
    _installed[:] = [metrics] if metrics is not None else []


def installed() -> Metrics | None:
    return _installed[0] if _installed else None


def lookup(command: str, seconds: float, outcome: str) -> None:
    """A slash command was answered (``ok``, ``refused`` or ``error``) in ``seconds``."""
    for metrics in _installed:
        metrics.lookup(command, seconds, outcome)


def sync(outcome: str, seconds: float, changed: int = 0) -> None:
    """A sync ended: ``ok`` (``changed`` notes added, changed or removed), ``refused`` or
    ``failed``."""
    for metrics in _installed:
        metrics.sync(outcome, seconds, changed)


def post(outcome: str) -> None:
    """A quote-of-the-day post ended: ``posted``, ``already``, ``failed``, ``unknown`` or
    ``missed`` (:class:`bot.schedule.records.PostOutcome` values are accepted as they are)."""
    for metrics in _installed:
        metrics.post(outcome)
