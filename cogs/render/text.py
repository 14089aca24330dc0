"""Text made safe to post: note text shown as written, member text cleaned and shown as typed.

Discord renders markdown in message content, embed titles, descriptions and field names
and values. Note text (titles, headings, snippets, channel and episode names) and anything
a member typed is shown *literally*: every markdown character is escaped, every masked link
``[text](url)`` (however many on a line, ``[text](<url>)`` too) loses its brackets' meaning,
a raw ``[[wikilink]]`` shows its label (:func:`bot.notes.text.unwikilink`), and mentions
never ping or resolve. Every function here is one linear pass over its input.
"""

from __future__ import annotations

import re

from bot.notes.text import clean_user_text, clip, unwikilink

CHOICE_LIMIT = 100

# one pass: a bare URL (kept as written: escaping inside it would change the address), a
# markdown character (escaped), or a line's leading block marker (escaped)
_TOKEN = re.compile(
    r"(?P<url>https?://[^\s\[\]<>()`|\\]+)"
    r"|(?P<char>[\\*_~|`\[\]])"
    r"|^(?P<indent>[ \t]*)(?:(?P<block>>|#{1,6}(?=[ \t])|-#|[-+](?=[ \t]))"
    r"|(?P<number>\d{1,9})(?P<dot>[.)])(?=[ \t]))",
    re.MULTILINE,
)
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#|/|t:|a?:)")
# control characters but newline and tab (C0, DEL, C1): nothing a reader sees, and an
# escape sequence would drive the terminal of whoever reads a reply in the console
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")


def _escape(match: re.Match[str]) -> str:
    if match.group("url") is not None:
        return match.group("url")
    if match.group("char") is not None:
        return "\\" + match.group("char")
    if match.group("number") is not None:
        return f"{match.group('indent')}{match.group('number')}\\{match.group('dot')}"
    return f"{match.group('indent')}\\{match.group('block')}"


def escape_markdown(text: str) -> str:
    """Every markdown character and line-start marker escaped; bare URLs kept as written."""
    return _TOKEN.sub(_escape, text)


def neutralise_mentions(text: str) -> str:
    """``@everyone``, ``<@123>``, ``<@&9>``, ``<#77>``, ``</cmd:1>``, ``<t:0>`` and custom emoji
    shown as written, never as a ping, a mention, a command or a timestamp."""
    return _MENTION.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)


def safe_text(text: str) -> str:
    """Note text made safe to post: control characters dropped, wikilinks as their labels,
    markdown and masked links escaped, mentions defused, white space kept."""
    return neutralise_mentions(escape_markdown(unwikilink(_CONTROL.sub("", text))))


def member_text(text: str, limit: int) -> str:
    """What a member typed, to echo back: invisible and control characters dropped
    (:func:`bot.notes.text.clean_user_text`), at most ``limit`` characters, then escaped."""
    return safe_text(clip(clean_user_text(text, limit * 2), limit))


def safe_clip(text: str, limit: int) -> str:
    """Note text escaped and cut to ``limit``: cut first (escaping at most doubles it), so a
    huge section costs no more than its shown part."""
    return clip(safe_text(clip(text, limit * 2)), limit)


def plain(text: str, limit: int) -> str:
    """Text for a place Discord shows without markdown (author name, footer, select option,
    choice name): one line, invisible characters dropped, no raw wikilinks."""
    return clip(clean_user_text(unwikilink(text)), limit)


def choice_text(text: str) -> str:
    """An autocomplete choice name: 1-100 characters, one line, nothing invisible."""
    return plain(text, CHOICE_LIMIT) or "?"


def join_within(items: list[str], limit: int, sep: str = "\n", total: int | None = None) -> str:
    """Join whole items while they fit in ``limit`` characters, then say how many are left
    (of ``total``, when ``items`` are only the first of them)."""
    out: list[str] = []
    used = 0
    count = max(len(items), total or 0)
    for n, item in enumerate(items):
        remaining = count - n
        tail = f"… and {remaining} more"
        cost = len(item) + (len(sep) if out else 0)
        room = limit - (len(sep) + len(tail) if remaining > 1 else 0)
        if used + cost > room:
            out.append(tail)
            break
        out.append(item)
        used += cost
    else:
        if count > len(items):  # every item given fitted, but there were more
            out.append(f"… and {count - len(items)} more")
    return sep.join(out)
