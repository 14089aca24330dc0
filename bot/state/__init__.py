"""The state database: what Notecast must keep (it is not derived from the vault).

* :mod:`bot.state.store`: :class:`StateStore`, the interface callers use, and
  :func:`open_state_store`;
* :mod:`bot.state.sqlite`: the SQLite backend (one file, one writer connection, WAL);
* :mod:`bot.state.migrations`: the schema, as forward-only numbered migrations;
* :mod:`bot.state.files`: proving the file is ours, creating it whole;
* :mod:`bot.state.errors`: one-line errors; none leads to the file being deleted.
"""

from bot.state.errors import (
    ForeignStateFile,
    StateError,
    StateMigrationFailed,
    StateTooNew,
    StateUnwritable,
)
from bot.state.store import WHOLE_NOTE, StateStore, SummaryKey, open_state_store

__all__ = ["WHOLE_NOTE", "ForeignStateFile", "StateError", "StateMigrationFailed", "StateStore",
           "StateTooNew", "StateUnwritable", "SummaryKey", "open_state_store"]
