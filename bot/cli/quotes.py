"""``notecast quote`` and ``notecast quotes``: quotes from the cache, read-only.

Like every lookup (:mod:`bot.cli.lookups`) they open the cache read-only and answer from
what it holds, whatever vault built it: they never sync, create or rebuild it. They ask
:class:`bot.quotes.service.QuoteService` what ``/quote`` and ``/quotes`` ask, and print the
answer as terminal text (note text cleaned by :func:`bot.cli.show.line`: no control or
format character) or, with ``--json``, as data. Every link is ``Quote.url``, built by
:func:`bot.notes.youtube.watch_url`. No discord.py, no ``cogs``.

Exit codes: 0 for an answer; 1 when nothing matched (printed, with suggestions), a note
or channel is unknown, or a note holds no quote; 2 for a cache that cannot be used (none
yet, not ours, or built before quotes were kept in it: ``notecast index`` builds them).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import AddCommand, CommandFailed, open_services, print_json
from bot.config import Settings
from bot.errors import UserFacingError

if TYPE_CHECKING:
    from bot.quotes import Quote, QuotePick
    from bot.services import Services

QUOTE_CHARS = 2000  # of a quote's words shown on a terminal
NOT_BUILT = "the cache holds no quotes yet: run `notecast index` to build them"


def add_quote_commands(add: AddCommand) -> None:
    """Register ``quote`` and ``quotes`` with the ``notecast`` parser."""
    quote = add("quote", "a random quote, by a speaker, on a topic, from a channel (as /quote)",
                cmd_quote)
    quote.add_argument("--speaker", help="who said it (typos are fine)")
    quote.add_argument("--topic", help="what it is about: words, a title, or channel/slug")
    quote.add_argument("--channel", help="only quotes from this channel")
    quote.add_argument("--json", action="store_true",
                       help='print {"quote": {...}} (or "quote": null with suggestions)')
    quote.add_argument("--db", type=Path, help="the cache file")

    quotes = add("quotes", "every quote of a note, in file order (as /quotes)", cmd_quotes)
    quotes.add_argument("--note", required=True, help="channel/slug, or a title")
    quotes.add_argument("--json", action="store_true", help='print {"quotes": [...]}')
    quotes.add_argument("--db", type=Path, help="the cache file")


# --------------------------------------------------------------------------- data

def quote_dict(quote: Quote) -> dict[str, Any]:
    """A quote as ``notecast quotes --json`` lists it."""
    return {"text": quote.text, "speaker": quote.speaker, "t": quote.seconds,
            "url": quote.url, "section": quote.section_heading, "line": quote.line}


def picked_dict(pick: QuotePick) -> dict[str, Any]:
    """``notecast quote --json``: the quote with its note, channel and episode; or
    ``"quote": null`` with suggestions."""
    quote = pick.quote
    if quote is None:
        return {"quote": None, "suggest_speakers": pick.suggest_speakers,
                "suggest_topics": pick.suggest_topics}
    return {"quote": {
        **quote_dict(quote),
        "note": {"channel": quote.channel, "slug": quote.slug, "title": quote.note_title},
        "channel": quote.channel_name or quote.channel,
        "episode": {"title": quote.episode_title, "url": quote.note_url}},
        "matches": pick.matches}


# --------------------------------------------------------------------------- text

def _words(text: str) -> list[str]:
    from bot.cli.show import INDENT, WIDTH, line

    out: list[str] = []
    for part in text.split("\n"):
        cleaned = line(part, QUOTE_CHARS)
        if cleaned:
            out += textwrap.wrap(cleaned, WIDTH, initial_indent=INDENT,
                                 subsequent_indent=INDENT, break_long_words=False,
                                 break_on_hyphens=False)
    return out


def quote_text(quote: Quote, *, with_note: bool = True) -> str:
    """A quote on a terminal: its words, who said it (only when the note names someone),
    where it is, and its moment as a link."""
    from bot.cli.show import line, moment

    out = _words(quote.text)
    if quote.speaker:
        role = f", {line(quote.role, 100)}" if quote.role else ""
        out.append(f"   — {line(quote.speaker, 100)}{role}")
    else:
        out.append("   — from the episode (the note names no speaker)")
    if with_note:
        section = f" › {line(quote.section_heading, 90)}" if quote.section_heading else ""
        out.append(f"{line(quote.note_title)}{section}")
        episode = line(quote.episode_title, 256)
        channel = line(quote.channel_name or quote.channel, 100)
        out.append(f"{channel} · {episode}" if episode else channel)
    elif quote.section_heading:
        out.append(f"   in “{line(quote.section_heading, 90)}”")
    at = moment(quote.video_id, quote.seconds)
    if at:
        nearest = " (the nearest moment in its section)" if quote.moment == "nearest" else ""
        out.append(f"{at}{nearest}")
    elif quote.url:
        out.append(quote.url)
    out.append(f"{line(quote.channel, 100)}/{line(quote.slug)}, line {quote.line}")
    return "\n".join(out)


def no_quote_text(pick: QuotePick, speaker: str, topic: str, channel: str) -> str:
    """Nothing matched: what was searched, and speakers and notes that have quotes."""
    from bot.cli.show import line, quoted

    asked = [f"{label} {quoted(value)}" for label, value
             in (("by", speaker), ("on", topic), ("in", channel)) if value]
    out = [f"No quote {' '.join(asked)}." if asked else "The notes hold no quote."]
    for label, names in (("Speakers with quotes", pick.suggest_speakers),
                         ("Notes with quotes", pick.suggest_topics)):
        shown = [line(n) for n in names]
        if any(shown):
            out += [f"{label}:", *(f"  • {n}" for n in shown if n)]
    return "\n".join(out)


# --------------------------------------------------------------------------- commands

async def _answer(settings: Settings, answer: Callable[[Services], Awaitable[int]]) -> int:
    from bot.quotes.service import QuotesNotBuilt

    async with open_services(settings, readonly=True) as services:
        try:
            await services.require_ready()
            return await answer(services)
        except QuotesNotBuilt:
            raise CommandFailed(NOT_BUILT) from None
        except UserFacingError as exc:  # the notes can't be read, or are loading
            raise CommandFailed(str(exc), exit_code=1) from None
        finally:
            await services.quotes.aclose()


def _typed(value: str | None, limit: int) -> str:
    from bot.notes.text import clean_user_text

    return clean_user_text(value or "", limit)


async def cmd_quote(settings: Settings, args: argparse.Namespace) -> int:
    speaker, topic = _typed(args.speaker, 200), _typed(args.topic, 400)
    channel = _typed(args.channel, 200)

    async def answer(services: Services) -> int:
        from bot.cli import show

        try:
            pick = await services.quotes.pick(speaker=speaker or None, topic=topic or None,
                                              channel=channel or None)
        except ValueError:
            raise CommandFailed(show.unknown_channel(channel), exit_code=1) from None
        if args.json:
            print_json(picked_dict(pick))
        elif pick.quote is None:
            print(no_quote_text(pick, speaker, topic, channel))
        else:
            print(quote_text(pick.quote))
        return 0 if pick.quote is not None else 1

    return await _answer(settings, answer)


async def cmd_quotes(settings: Settings, args: argparse.Namespace) -> int:
    note = _typed(args.note, 400)

    async def answer(services: Services) -> int:
        from bot.cli import show

        found = await services.quotes.resolve_note(note) if note else None
        if found is None:
            raise CommandFailed(show.unknown_note(note), exit_code=1)
        note_id, title = found
        quotes = await services.quotes.note_quotes(note_id)
        if args.json:
            print_json({"quotes": [quote_dict(q) for q in quotes]})
        elif not quotes:
            print(f"{show.line(title)} holds no quote.")
        else:
            out = [f"{show.line(title)}: {len(quotes)} quote{'s' if len(quotes) > 1 else ''}"]
            out += [f"\n{n}.\n{quote_text(q, with_note=False)}"
                    for n, q in enumerate(quotes, start=1)]
            print("\n".join(out))
        return 0 if quotes else 1

    return await _answer(settings, answer)
