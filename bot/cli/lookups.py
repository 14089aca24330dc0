"""``notecast topic``, ``notecast search`` and ``notecast related`` on the command line.

Each prints the same reply as the slash command (through the same reply builder) or, with
``--json``, the service's result.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.config import Settings


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


JsonBody = Callable[[Any], Awaitable[int]]


async def _run_lookup(settings: Settings, args: argparse.Namespace, builder: Any,
                      options: dict[str, str], as_json: JsonBody) -> int:
    """Sync, then print the slash command's reply (``builder``) or, with --json, the data."""
    from bot.cli.main import _with_services

    async def body(services: Any) -> int:
        return await (as_json(services) if args.json else _print_reply(builder, services, options))

    return await _with_services(settings, body, quiet=True)


async def cmd_topic(settings: Settings, args: argparse.Namespace) -> int:
    from cogs.topics import topic_reply

    async def as_json(services: Any) -> int:
        result = await services.topics.lookup(args.query, args.channel, limit=10)
        _print_json(result.as_dict())
        return 0

    return await _run_lookup(settings, args, topic_reply,
                             {"query": args.query, "channel": args.channel or ""}, as_json)


async def cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    from bot.search import QueryTooVague
    from cogs.topics import search_reply

    async def as_json(services: Any) -> int:
        try:
            hits = await services.topics.full_text(args.query, args.channel, limit=args.limit)
        except (QueryTooVague, ValueError) as exc:
            print(f"notecast: {exc}", file=sys.stderr)
            return 1
        _print_json({"results": [
            {"channel": h.channel, "slug": h.slug, "title": h.title, "section": h.heading,
             "snippet": h.snippet, "score": round(h.score, 4), "url": h.url}
            for h in hits]})
        return 0

    return await _run_lookup(settings, args, search_reply,
                             {"query": args.query, "channel": args.channel or ""}, as_json)


async def cmd_related(settings: Settings, args: argparse.Namespace) -> int:
    from cogs.topics import related_reply

    async def as_json(services: Any) -> int:
        hit = await services.topics.resolve(args.note)
        related = await services.topics.related(hit.note_id) if hit is not None else None
        if related is None:
            print(f"notecast: no note matches {args.note!r}", file=sys.stderr)
            return 1

        def refs(items: Any) -> list[dict[str, str]]:
            return [{"channel": r.channel, "slug": r.slug, "title": r.title} for r in items]

        _print_json({"note": refs([related.note])[0], "links_out": refs(related.links_out),
                     "backlinks": refs(related.backlinks), "same_episode": refs(related.same_episode),
                     "unresolved_links": related.unresolved_links})
        return 0

    return await _run_lookup(settings, args, related_reply, {"note": args.note}, as_json)


async def _print_reply(builder: Any, services: Any, options: dict[str, str]) -> int:
    from bot.errors import UserFacingError
    from cogs.replies import reply_to_text

    try:
        reply = await builder(services, options)
    except UserFacingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(reply_to_text(reply))
    return 0


def add_lookup_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Register the lookup subcommands with the ``notecast`` parser."""
    topic = add("topic", "the note that best matches QUERY (as /topic)", cmd_topic)
    topic.add_argument("query")
    topic.add_argument("--channel", help="only notes from this channel")
    topic.add_argument("--json", action="store_true",
                       help='print {"results": [...], "took_ms": ...}, best first (up to 10)')
    _vault_flags(topic)

    search = add("search", "full-text search (as /search)", cmd_search)
    search.add_argument("query")
    search.add_argument("--channel", help="only notes from this channel")
    search.add_argument("--limit", type=int, default=20, help="at most this many hits (--json)")
    search.add_argument("--json", action="store_true", help="print the hits as JSON")
    _vault_flags(search)

    related = add("related", "the notes around NOTE (as /related)", cmd_related)
    related.add_argument("note", help="a title, or channel/slug")
    related.add_argument("--json", action="store_true", help="print the notes as JSON")
    _vault_flags(related)


def _vault_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--notes", type=Path, help="the vault folder")
    parser.add_argument("--db", type=Path, help="the cache file")

