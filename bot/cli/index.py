"""``notecast index``: sync the notes cache with the vault (the only command, beside the
running bot and the console, that writes the cache)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import AddCommand, ProgressBar, print_json, writer_cache
from bot.config import Settings


def add_index_command(add: AddCommand) -> None:
    index = add("index", "sync the notes cache with the vault", cmd_index,
                "A cache records the vault it was built from: syncing it with another vault, or "
                "with a vault that lost most of its notes, is refused unless asked for.")
    index.add_argument("--notes", type=Path, help="the vault folder")
    index.add_argument("--db", type=Path, help="the cache file")
    index.add_argument("--json", action="store_true", help="print one JSON object")
    index.add_argument("--rebuild", action="store_true",
                       help="build the cache anew, also from another vault than the one it records")
    index.add_argument("--allow-shrink", action="store_true",
                       help="sync even if the vault holds no notes, or fewer than half the cache's")


async def cmd_index(settings: Settings, args: argparse.Namespace) -> int:
    async with writer_cache(settings) as cache:
        # a signal cancels this task, and with it the sync: a cold build removes its side
        # file and stops its workers (see bot.cli.runner)
        report = await cache.sync(settings.notes_dir,
                                  progress=None if args.json else ProgressBar("indexing"),
                                  rebuild=args.rebuild, allow_shrink=args.allow_shrink)
    if args.json:
        print_json(report.as_dict())
        return 0
    counts = report.counts
    print(f"{counts.notes:,} notes in {counts.channels} channels ({counts.hubs} hub files, "
          f"{counts.episodes:,} episodes), {counts.sections:,} sections, {counts.links:,} links, "
          f"{counts.timestamps:,} timestamps, {counts.blockquotes:,} blockquotes")
    print(f"{report.mode} sync: {report.parsed:,} parsed, {report.unchanged:,} unchanged, "
          f"{report.removed:,} removed, {len(report.skipped):,} skipped in {report.seconds:.2f}s")
    for skipped in report.skipped[:20]:
        print(f"  skipped {skipped.path}: {skipped.reason}")
    if len(report.skipped) > 20:
        print(f"  ... and {len(report.skipped) - 20} more (notecast stats --json lists them all)")
    return 0
