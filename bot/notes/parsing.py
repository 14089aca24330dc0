"""The note parser's public entry: pure functions from a note's text to its parts.

Nothing here touches the file system, the database or Discord. :func:`parse_note` turns
the text of one topic note into a :class:`ParsedNote`; :func:`parse_hub` reads a channel's
hub file into its episodes; :func:`parse_directory` reads ``directory.md``;
:func:`decode_note` turns raw bytes into text, or says why a file cannot be a note.

Each job lives in its own module, and every rule in them is linear in its input:

=====================  ============================================================
``decoding``           bytes to text (BOM, CRLF, invalid UTF-8, binary, empty)
``frontmatter``        the ``---`` block, ``title`` and the untrusted ``videoId``
``sections``           the lead, headings, code fences and :func:`parse_note`
``inline``             timestamp anchors, markdown links, ``<br>``: plain text
``wikilinks``          ``[[...]]`` in every shape, and no stray ``[[`` or ``]]``
``quotes``             blockquotes, callouts and who is speaking
``timestamps``         ``HH:MM:SS`` and its slips, to seconds and back
``hubs``               hub files and ``directory.md``
``names``              keys and display text (invisible marks, case, white space)
``records``            the dataclasses and named tuples the parser returns
=====================  ============================================================
"""

from __future__ import annotations

from bot.notes.decoding import decode_note
from bot.notes.frontmatter import MAX_FRONTMATTER_CHARS, split_frontmatter
from bot.notes.hubs import parse_directory, parse_hub
from bot.notes.inline import render_inline
from bot.notes.names import channel_key, clean_line, is_hub_file, slug_key, strip_invisible
from bot.notes.records import (
    Blockquote,
    HubEpisode,
    Link,
    NoteSkipped,
    ParsedHub,
    ParsedNote,
    Section,
    Timestamp,
)
from bot.notes.sections import MAX_SECTIONS, MAX_TITLE_LENGTH, parse_note
from bot.notes.timestamps import MAX_GENERATED_HOURS, format_seconds, parse_timestamp

__all__ = [
    "MAX_FRONTMATTER_CHARS",
    "MAX_GENERATED_HOURS",
    "MAX_SECTIONS",
    "MAX_TITLE_LENGTH",
    "Blockquote",
    "HubEpisode",
    "Link",
    "NoteSkipped",
    "ParsedHub",
    "ParsedNote",
    "Section",
    "Timestamp",
    "channel_key",
    "clean_line",
    "decode_note",
    "format_seconds",
    "is_hub_file",
    "parse_directory",
    "parse_hub",
    "parse_note",
    "parse_timestamp",
    "render_inline",
    "slug_key",
    "split_frontmatter",
    "strip_invisible",
]
