"""Errors that carry a message meant for the member who ran a command.

The command tree's one error handler (``bot.app.client.NotecastTree.on_error``) shows the text of
a :class:`UserFacingError` as an ephemeral reply; any other exception is logged with its
traceback and the member gets a short apology instead.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An expected failure whose ``str()`` is a complete, polite sentence for the member."""


class NotesLoading(UserFacingError):
    def __init__(self) -> None:
        super().__init__(
            "I'm still loading the notes (first start after an update). "
            "Try again in a minute."
        )


class NotesUnavailable(UserFacingError):
    def __init__(self) -> None:
        super().__init__(
            "The notes can't be read right now, so I have nothing to answer from. "
            "The server admin has been told in the bot's log."
        )


class NotFound(UserFacingError):
    """Nothing matched what the member asked for."""
