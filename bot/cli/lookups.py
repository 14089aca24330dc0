"""``notecast stats``, ``topic``, ``search`` and ``related``: read-only lookups.

They open the cache read-only and answer from what it holds, whatever vault it was built
from: a lookup never syncs, creates or rebuilds a cache (only ``notecast index`` and the
running bot do). ``topic``, ``search`` and ``related`` print the same reply as the slash
command (through the same reply builder) or, with ``--json``, the service's result; only
the replies need discord.py (for their embeds), so ``--json`` and ``stats`` never import it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import AddCommand, CommandFailed, open_services, print_json
from bot.config import Settings

if TYPE_CHECKING:
    from bot.services import Services

ReplyBuilder = Callable[..., Awaitable[Any]]


def add_lookup_commands(add: AddCommand) -> None:
    """Register the lookup subcommands with the ``notecast`` parser."""
    stats = add("stats", "what the cache holds and which vault it was built from, without syncing",
                cmd_stats)
    stats.add_argument("--db", type=Path, help="the cache file")
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    topic = add("topic", "the note that best matches QUERY (as /topic)", cmd_topic)
    topic.add_argument("query")
    topic.add_argument("--channel", help="only notes from this channel")
    topic.add_argument("--json", action="store_true",
                       help='print {"results": [...], "took_ms": ...}, best first (up to 10)')
    topic.add_argument("--db", type=Path, help="the cache file")

    search = add("search", "full-text search (as /search)", cmd_search)
    search.add_argument("query")
    search.add_argument("--channel", help="only notes from this channel")
    search.add_argument("--limit", type=int, default=20, help="at most this many hits (--json)")
    search.add_argument("--json", action="store_true", help="print the hits as JSON")
    search.add_argument("--db", type=Path, help="the cache file")

    related = add("related", "the notes around NOTE (as /related)", cmd_related)
    related.add_argument("note", help="a title, or channel/slug")
    related.add_argument("--json", action="store_true", help="print the notes as JSON")
    related.add_argument("--db", type=Path, help="the cache file")


# --------------------------------------------------------------------------- stats

async def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cache.store import NotesCache

    async with NotesCache(settings.db, readonly=True) as cache:
        stats = await cache.stats()
    if args.json:
        print_json(stats.as_dict())
        return 0
    counts = stats.counts
    when = stats.last_sync.isoformat(timespec="seconds") if stats.last_sync else "never"
    print(f"cache {settings.db}, last sync {when}")
    print(f"built from the vault {stats.notes_dir or '(unknown)'}")
    if stats.layout:
        print(f"read as {stats.layout}")
    if stats.refused:
        print(f"last sync refused: {stats.refused}")
    print(f"{counts.notes:,} notes, {counts.channels} channels, {counts.hubs} hubs, "
          f"{counts.episodes:,} episodes, {counts.sections:,} sections, {counts.links:,} links, "
          f"{counts.timestamps:,} timestamps ({counts.repaired_timestamps:,} read as MM:SS), "
          f"{counts.blockquotes:,} blockquotes")
    print(f"{len(stats.skipped)} skipped file(s):")
    for skipped in stats.skipped:
        print(f"  {skipped.path}: {skipped.reason}")
    return 0


# --------------------------------------------------------------------------- lookups

async def _lookup(settings: Settings, args: argparse.Namespace, reply: Callable[[], ReplyBuilder],
                  options: dict[str, str], as_json: Callable[[Services], Awaitable[int]]) -> int:
    """Open the cache read-only, then print the reply that ``reply()`` builds (imported
    only then: the replies need discord.py) or, with --json, the data."""
    async with open_services(settings, readonly=True) as services:
        if args.json:
            return await as_json(services)
        return await _print_reply(reply(), services, options)


async def _print_reply(builder: ReplyBuilder, services: Services, options: dict[str, str]) -> int:
    from bot.errors import UserFacingError
    from cogs.replies import reply_to_text

    try:
        reply = await builder(services, options)
    except UserFacingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(reply_to_text(reply))
    return 0


async def cmd_topic(settings: Settings, args: argparse.Namespace) -> int:
    def reply() -> ReplyBuilder:
        from cogs.topic import topic_reply

        return topic_reply

    async def as_json(services: Services) -> int:
        result = await services.topics.lookup(args.query, args.channel, limit=10)
        print_json(result.as_dict())
        return 0

    return await _lookup(settings, args, reply, {"query": args.query, "channel": args.channel or ""},
                         as_json)


async def cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    def reply() -> ReplyBuilder:
        from cogs.search import search_reply

        return search_reply

    async def as_json(services: Services) -> int:
        from bot.search import QueryTooVague

        try:
            hits = await services.fulltext.search(args.query, args.channel, limit=args.limit)
        except (QueryTooVague, ValueError) as exc:
            raise CommandFailed(str(exc), exit_code=1) from None
        print_json({"results": [
            {"channel": h.channel, "slug": h.slug, "title": h.title, "section": h.heading,
             "snippet": h.snippet, "score": round(h.score, 4), "url": h.url}
            for h in hits]})
        return 0

    return await _lookup(settings, args, reply, {"query": args.query, "channel": args.channel or ""},
                         as_json)


async def cmd_related(settings: Settings, args: argparse.Namespace) -> int:
    def reply() -> ReplyBuilder:
        from cogs.related import related_reply

        return related_reply

    async def as_json(services: Services) -> int:
        hit = await services.topics.resolve(args.note)
        related = await services.related.related(hit.note_id) if hit is not None else None
        if related is None:
            raise CommandFailed(f"no note matches {args.note!r}", exit_code=1)

        def refs(items: Any) -> list[dict[str, str]]:
            return [{"channel": r.channel, "slug": r.slug, "title": r.title} for r in items]

        print_json({"note": refs([related.note])[0], "links_out": refs(related.links_out),
                    "backlinks": refs(related.backlinks), "same_episode": refs(related.same_episode),
                    "unresolved_links": related.unresolved_links})
        return 0

    return await _lookup(settings, args, reply, {"note": args.note}, as_json)
