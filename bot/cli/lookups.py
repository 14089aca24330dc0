"""``notecast stats``, ``topic``, ``search`` and ``related``: read-only lookups.

They open the cache read-only and answer from what it holds, whatever vault it was built
from: a lookup never syncs, creates or rebuilds a cache (only ``notecast index`` and the
running bot do). ``topic``, ``search`` and ``related`` ask the same services as the slash
commands and print their answer as terminal text (:mod:`bot.cli.show`) or, with
``--json``, the service's result. None of them imports discord.py or ``cogs`` (the console
shows the Discord form of a reply; a one-shot lookup has no use for it).

An answer that finds nothing (no note matches well, no section holds the words) is
printed and exits 1; a lookup that cannot run (a vague query, an unknown channel or note,
a note that just left the vault) is one line on stderr, exit code 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import AddCommand, CommandFailed, open_services, print_json
from bot.config import Settings
from bot.errors import UserFacingError

if TYPE_CHECKING:
    from bot.services import Services

Answer = Callable[["Services"], Awaitable[int]]
QUERY_LIMIT = 6000  # as long a text as a slash command's option takes


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
    search.add_argument("--limit", type=int, default=20, help="at most this many hits")
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

async def _lookup(settings: Settings, args: argparse.Namespace, as_text: Answer,
                  as_json: Answer) -> int:
    """Open the cache read-only, then print the answer as text or, with --json, the data."""
    async with open_services(settings, readonly=True) as services:
        if args.json:
            return await as_json(services)
        try:
            await services.require_ready()
            return await as_text(services)
        except UserFacingError as exc:  # the notes can't be read, or are loading
            raise CommandFailed(str(exc), exit_code=1) from None


def _typed(args: argparse.Namespace, name: str, limit: int = QUERY_LIMIT) -> str:
    """An argument as the slash commands take an option: no invisible or control character."""
    from bot.notes.text import clean_user_text

    return clean_user_text(getattr(args, name, None) or "", limit)


async def cmd_topic(settings: Settings, args: argparse.Namespace) -> int:
    async def as_text(services: Services) -> int:
        from bot.cli import show

        query, channel = _typed(args, "query"), _typed(args, "channel", 200) or None
        result = await services.topics.lookup(query, channel)
        failed = show.reason_message(result.reason, channel)
        if failed:
            raise CommandFailed(failed, exit_code=1)
        best = result.best
        if best is None or not result.confident:
            print(show.no_match_text(query, result))
            return 1
        card = await services.notes.card(best.note_id)
        if card is None:
            raise CommandFailed(show.NOTE_GONE, exit_code=1)
        hits = result.hits
        if len(hits) == 1:  # a channel/slug typed: its neighbours are the other matches
            neighbours = await services.topics.lookup(card.title, channel)
            hits = [best, *[h for h in neighbours.hits if h.note_id != best.note_id]]
        related = await services.related.related(best.note_id)
        print(show.topic_text(card, best, hits, related))
        return 0

    async def as_json(services: Services) -> int:
        result = await services.topics.lookup(args.query, args.channel, limit=10)
        print_json(result.as_dict())
        return 0

    return await _lookup(settings, args, as_text, as_json)


async def cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    async def as_text(services: Services) -> int:
        from bot.cli import show
        from bot.search import QueryTooVague

        query, channel = _typed(args, "query"), _typed(args, "channel", 200) or None
        try:
            hits = await services.fulltext.search(query, channel, limit=args.limit)
        except QueryTooVague as exc:
            raise CommandFailed(show.reason_message(exc.reason, channel) or str(exc),
                                exit_code=1) from None
        except ValueError:
            raise CommandFailed(show.unknown_channel(channel), exit_code=1) from None
        if not hits:
            print(show.no_hits_text(query))
            return 1
        print(show.search_text(hits))
        return 0

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

    return await _lookup(settings, args, as_text, as_json)


async def cmd_related(settings: Settings, args: argparse.Namespace) -> int:
    async def as_text(services: Services) -> int:
        from bot.cli import show

        text = _typed(args, "note")
        hit = await services.topics.resolve(text)
        if hit is None:
            result = await services.topics.lookup(text)  # why: a vague query, or no good match
            raise CommandFailed(show.reason_message(result.reason, None)
                                or show.unknown_note(text), exit_code=1)
        related = await services.related.related(hit.note_id)
        if related is None:
            raise CommandFailed(show.NOTE_GONE, exit_code=1)
        print(show.related_text(related))
        return 0

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

    return await _lookup(settings, args, as_text, as_json)
