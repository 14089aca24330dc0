"""What can go wrong with the state database, as exceptions whose message is one line that
says what to do. The command line prints ``str(exc)``; the bot logs it and does not start.

The state database holds what cannot be rebuilt (summaries paid for, budgets, schedules and
their history), so none of these errors ever leads Notecast to delete, downgrade or
recreate the file: it is left exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

ADVICE = "set NOTECAST_STATE_DB (state_db) to another file"


class StateError(RuntimeError):
    """An expected problem with the state database; ``str()`` is one line for a human."""


class ForeignStateFile(StateError):
    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        super().__init__(
            f"{path} is not a Notecast state database ({what}): Notecast leaves it alone; {ADVICE}")


class StateTooNew(StateError):
    def __init__(self, path: Path, version: int, known: int) -> None:
        self.path, self.version, self.known = path, version, known
        super().__init__(
            f"the state database {path} is version {version}, newer than this Notecast "
            f"understands ({known}): run a newer Notecast, or {ADVICE}; the file was left as it is")


class EmptyStateFile(ForeignStateFile):
    """A 0-byte file at the path (``touch`` before a bind mount, say). Refused rather than
    filled: nothing proves it is meant for Notecast, and a file mounted alone would lose
    the ``-wal`` and ``-shm`` files SQLite keeps beside it, with what they hold."""

    def __init__(self, path: Path) -> None:
        self.path = path
        StateError.__init__(
            self, f"the state database {path} is an empty file: remove it (Notecast creates "
                  f"the state database itself; to mount it, mount its folder, not the file), "
                  f"or {ADVICE}")


class StateUnwritable(StateError):
    def __init__(self, path: Path, failure: str, user: str) -> None:
        self.path = path
        super().__init__(
            f"cannot write the state database {path}: {failure} (running as {user}); "
            f"give this user write access to the file and its folder, or {ADVICE} in a "
            f"folder this user can write")


class StateUnusable(StateError):
    """An SQLite error while opening the file that is not about permissions: ``hint``
    says what to do (a damaged file, another process holding it)."""

    def __init__(self, path: Path, failure: str, user: str, hint: str) -> None:
        self.path = path
        super().__init__(
            f"cannot open the state database {path}: {failure} (running as {user}); the "
            f"file was left as it is: {hint}, or {ADVICE}")


class StateMigrationFailed(StateError):
    def __init__(self, path: Path, version: int, name: str, detail: str) -> None:
        self.path, self.version = path, version
        super().__init__(
            f"the state database {path} could not be brought to version {version} ({name}): "
            f"{detail}; nothing of that step was applied and the file is as it was")
