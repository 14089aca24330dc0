"""Raw bytes of a vault file to the text of a note, or the reason it cannot be one."""

from __future__ import annotations

from bot.notes.records import NoteSkipped


def decode_note(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text: BOM dropped, CRLF folded, invalid UTF-8 replaced (with a warning).

    Raises :class:`NoteSkipped` for an empty or binary file.
    """
    if not data.strip():
        raise NoteSkipped("empty file")
    if b"\x00" in data[:8192]:
        raise NoteSkipped("binary file (NUL bytes), not a markdown note")
    warnings: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        warnings.append(f"invalid UTF-8 at byte {exc.start}; bad bytes replaced")
        text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
        if not text.strip():
            raise NoteSkipped("empty file")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, warnings

