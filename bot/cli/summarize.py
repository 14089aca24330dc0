"""``notecast summarize``: the gist of a note or one of its sections, read-only.

Like every lookup (:mod:`bot.cli.lookups`) it opens the cache read-only and answers from
what it holds: it never syncs, creates or rebuilds it. It asks
:class:`bot.summaries.service.SummaryService` what ``/summarize`` asks and prints the
summary as terminal text (note text cleaned by :func:`bot.cli.show.line`: no control or
format character, so no escape sequence from a note) or, with ``--json``, as data:
``{"note", "section", "length", "sentences": [{"text", "t", "url"}], "summarizer"}``
(``section`` null for the whole note, ``t`` the moment in seconds or null). Every link is
``SummarySentence.url``, built by :func:`bot.notes.youtube.watch_url`. No discord.py, no
``cogs``.

Exit codes: 0 for a summary; 1 for a note or section the cache does not hold (one line);
2 for a cache that cannot be used (none yet, or not ours).
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import AddCommand, CommandFailed, open_services, print_json
from bot.config import Settings
from bot.errors import UserFacingError

if TYPE_CHECKING:
    from bot.summaries import Summary

LENGTH_CHOICES = ("short", "medium", "long")  # bot.summaries.LENGTHS, without importing it
WHOLE_NOTE = "whole note"
SENTENCE_CHARS = 3000  # a summary's sentences take at most 3,000 characters in all
REASON_CHARS = 80


def add_summarize_command(add: AddCommand) -> None:
    """Register ``summarize`` with the ``notecast`` parser."""
    command = add("summarize", "the gist of NOTE or one of its sections, with its moments "
                               "(as /summarize)", cmd_summarize)
    command.add_argument("note", help="a title, or channel/slug")
    command.add_argument("--section", help="a section's heading (default: the whole note)")
    command.add_argument("--length", choices=LENGTH_CHOICES, default="short",
                         help="short (2-3 sentences), medium (about 5), long (about 10)")
    command.add_argument("--json", action="store_true",
                         help='print {"note", "section", "length", "sentences", "summarizer"}')
    command.add_argument("--db", type=Path, help="the cache file")


# --------------------------------------------------------------------------- data

def _heading(summary: Summary) -> str | None:
    """The heading of the section summarized (``""`` for a note's introduction), or
    ``None`` for the whole note."""
    source = summary.source
    if source.section_index is None:
        return None
    section = next((s for s in source.sections if s.index == source.section_index), None)
    return section.heading if section is not None else ""


def summary_dict(summary: Summary) -> dict[str, Any]:
    """``notecast summarize --json``."""
    source = summary.source
    return {"note": f"{source.channel}/{source.slug}", "section": _heading(summary),
            "length": summary.length,
            "sentences": [{"text": s.text, "t": s.seconds, "url": s.url}
                          for s in summary.sentences],
            "summarizer": summary.summarizer}


# --------------------------------------------------------------------------- text

def summary_text(summary: Summary) -> str:
    """A summary on a terminal: the note, its channel and episode, its link, each sentence
    (wrapped) with its moment, the sections it drew on, and who made it."""
    from bot.cli.show import INDENT, WIDTH, line, moment

    source = summary.source
    heading = _heading(summary)
    scope = "whole note" if heading is None else f"“{line(heading, 90) or 'Introduction'}”"
    out = [f"{line(source.title, 256) or '(untitled)'} — {summary.length} summary of {scope}"]
    channel = line(source.channel_name or source.channel, 100)
    episode = line(source.episode_title, 256)
    out.append(f"{channel} · {episode}" if episode else channel)
    if summary.note_url:
        out.append(summary.note_url)
    for sentence in summary.sentences:
        out.append("")
        out += textwrap.wrap(line(sentence.text, SENTENCE_CHARS), WIDTH,
                             initial_indent=INDENT, subsequent_indent=INDENT,
                             break_long_words=False, break_on_hyphens=False) or [INDENT]
        at = moment(sentence.video_id, sentence.seconds)
        if at:
            out.append(f"{INDENT}▶ {at}")
    if not summary.sentences:
        out += ["", f"{INDENT}(nothing in this part of the note to summarize)"]
    used = set(summary.sections_used)
    drawn = [line(s.heading, 90) or "Introduction" for s in source.sections if s.index in used]
    out.append("")
    if drawn:
        out.append(f"Drawn from: {' · '.join(drawn)}")
    out.append(f"Summarizer: {line(summary.summarizer, REASON_CHARS + 30)}")
    return "\n".join(out)


# --------------------------------------------------------------------------- command

def _typed(value: str | None, limit: int) -> str:
    from bot.notes.text import clean_user_text

    return clean_user_text(value or "", limit)


async def cmd_summarize(settings: Settings, args: argparse.Namespace) -> int:
    note = _typed(args.note, 400)
    section = _typed(args.section, 400)
    if not section or section.casefold() == WHOLE_NOTE:
        section = ""
    if not note:
        from bot.cli import show

        raise CommandFailed(show.unknown_note(args.note or ""), exit_code=1)
    async with open_services(settings, readonly=True) as services:
        try:
            await services.require_ready()
            summary = await services.summaries.summarize(note, section or None, args.length)
        except UserFacingError as exc:  # no such note or section; the notes can't be read
            raise CommandFailed(str(exc), exit_code=1) from None
    if args.json:
        print_json(summary_dict(summary))
    else:
        print(summary_text(summary))
    return 0
