"""Derived tables: other parts of Notecast (the search index) keep tables of their own in
the notes cache, built and updated by the cache's writer with the notes.

``NotesCache(path, derived=[SearchTables()])``. The writer calls, on a plain
:class:`sqlite3.Connection` to the file being written, in a worker thread (never on the
event loop) and inside an open transaction:

* ``build(con)`` in a cold build, after every note is written and before the new file is
  swapped in; and on the next sync (a transaction of its own) when the cache records
  another ``version`` of ``key`` than the code's (``state`` key ``derived:<key>``), even
  if no note changed;
* ``update(con, changed, removed)`` in an incremental sync that changed notes, in the same
  transaction as the notes (``changed``: ids of the notes written; ``removed``: ids of the
  notes deleted, including the old ids of notes written anew).

The callee creates and fills only its own tables (drop and create them in ``build``).

A failure is logged and never loses the notes sync: the callee's work is rolled back to a
savepoint taken just before the call and its recorded version is cleared, so the notes
commit without it. A failed ``update`` is followed at once by a ``build`` in a transaction
of its own (with a generation of its own); a failed ``build`` is tried again by the next
sync. Readers never see a generation without its derived tables when the callee succeeds:
the call happens before the generation is bumped, in the same transaction. (After a
failure they may see, for one generation, the derived tables as they were before it.)
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

from bot.cache import sql

log = logging.getLogger(__name__)


class DerivedTables(Protocol):
    key: str  # e.g. "search"
    version: int  # a change rebuilds these tables only

    def build(self, con: sqlite3.Connection) -> None: ...

    def update(self, con: sqlite3.Connection, changed: Sequence[int],
               removed: Sequence[int]) -> None: ...


def state_key(tables: DerivedTables) -> str:
    return f"derived:{tables.key}"


def recorded_versions(con: sqlite3.Connection) -> dict[str, str]:
    return dict(con.execute(sql.GET_DERIVED_STATE).fetchall())


def outdated(con: sqlite3.Connection, derived: Sequence[DerivedTables]) -> list[DerivedTables]:
    """The derived tables whose recorded version is not the code's."""
    recorded = recorded_versions(con)
    return [d for d in derived if recorded.get(state_key(d)) != str(d.version)]


def build_all(con: sqlite3.Connection, derived: Sequence[DerivedTables]) -> list[str]:
    """``build`` each, in the open transaction; returns the keys that failed."""
    return [d.key for d in derived if not _guarded(con, d, "build", partial(d.build, con))]


def update_all(con: sqlite3.Connection, derived: Sequence[DerivedTables],
               changed: Sequence[int], removed: Sequence[int]) -> list[str]:
    """``update`` each that is current (an outdated one is built instead); returns the keys
    that failed."""
    stale = {d.key for d in outdated(con, derived)}
    failed = []
    for d in derived:
        if d.key in stale:
            ok = _guarded(con, d, "build", partial(d.build, con))
        else:
            ok = _guarded(con, d, "update", partial(d.update, con, changed, removed))
        if not ok:
            failed.append(d.key)
    return failed


def _guarded(con: sqlite3.Connection, tables: DerivedTables, what: str,
             call: Callable[[], None]) -> bool:
    con.execute("SAVEPOINT derived")
    try:
        call()
    except Exception:
        log.exception("derived tables %r: %s failed; the notes are synced, and the next "
                      "sync builds them again", tables.key, what)
        con.execute("ROLLBACK TO derived")
        con.execute("RELEASE derived")
        con.execute(sql.DELETE_STATE, {"key": state_key(tables)})
        return False
    con.execute("RELEASE derived")
    con.execute(sql.SET_STATE, {"key": state_key(tables), "value": str(tables.version)})
    return True
