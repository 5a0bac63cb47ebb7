"""SQLite's write-ahead log during a burst of commits (a big sweep with its worker): not copied
back into the database file by each commit, but by a thread of its own (`Checkpoints`), and
once more after the burst. Used only where the sweep takes its speed paths."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session


def sqlite_file(session: Session) -> str | None:
    """The path of the session's SQLite database file; None for another database, or SQLite in
    memory or named by a `file:` URI (which a second connection cannot simply open by path)."""
    url = session.get_bind().url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return None
    return url.database


# SQLite's own: a commit that leaves the write-ahead log over this many pages copies it back
AUTOCHECKPOINT = 1000
_deferred = threading.local()


@contextmanager
def checkpoints_deferred(bind: Engine | Connection) -> Iterator[None]:
    """While this runs, transactions begun in this thread do not copy the write-ahead log back
    into the database file when they commit (`wal_autocheckpoint=0`); a `Checkpoints` thread does
    it. Set per transaction, when it begins (`_autocheckpoint`), on whichever pooled connection
    the session holds: a connection used afterwards, by any thread, gets SQLite's default back
    when its next transaction begins. The listener that does it is added to `engine` the first
    time a burst defers on it: an engine no sweep bursts on (the web's, a serial sweep's) never
    runs it."""
    engine = bind.engine
    if not event.contains(engine, "begin", _autocheckpoint):
        event.listen(engine, "begin", _autocheckpoint)
    _deferred.depth = getattr(_deferred, "depth", 0) + 1
    try:
        yield
    finally:
        _deferred.depth -= 1


def _autocheckpoint(connection) -> None:
    """Engine "begin" listener (SQLite): the connection's autocheckpoint as this thread wants it."""
    wanted = 0 if getattr(_deferred, "depth", 0) else AUTOCHECKPOINT
    info = connection.connection.info
    if info.get("autocheckpoint", AUTOCHECKPOINT) != wanted:
        connection.connection.dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={wanted}").close()
        info["autocheckpoint"] = wanted


class Checkpoints:
    """SQLite's WAL checkpoints for a burst of commits (a big sweep): deferred, and done in a
    thread of their own.

    By default a commit that leaves the write-ahead log over 1,000 pages copies the log back into
    the database file itself. In a big tick that happened every few batches, and a page that every
    batch changes (the indexes' last pages, the items' rows, the outbox's end) was copied back again
    each time; done in this thread instead, beside the sweep, it still cost a share of the tick's
    wall time (bench/limits.md, "Figures behind the code"). So while the burst runs, its
    transactions do not copy the log back (`checkpoints_deferred`, in the sweep's thread and in its
    worker); the log grows with every message, and this thread copies it back only if it passes `limit` bytes, and once more when
    the burst is over (`close`) — without the sweep waiting for that. PASSIVE: it never blocks a
    reader or a writer; SQLite lets go of Python's lock while it copies. `start` returns None where
    there is no file (an in-memory database) or no SQLite."""

    LIMIT = 1 << 30  # the log may grow to 1 GiB during a burst

    def __init__(self, path: str, limit: int | None = None):
        self._path = path
        self._limit = self.LIMIT if limit is None else limit
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, session: Session, limit: int | None = None) -> "Checkpoints | None":
        path = sqlite_file(session)
        return cls(path, limit) if path else None

    def nudge(self) -> None:
        """After a commit: the log is copied back if it has passed the limit."""
        self._wake.set()

    def _log_size(self) -> int:
        try:
            return Path(self._path + "-wal").stat().st_size
        except OSError:
            return 0

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                # read once: a close() landing between two reads would end the thread without the
                # last copying back (seen under load); read once, it wakes the thread again instead
                stopping = self._stopping
                if stopping or self._log_size() > self._limit:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if stopping:
                    return
        except sqlite3.Error:
            return  # the next commit past SQLite's own threshold copies it back
        finally:
            connection.close()

    def close(self, wait: bool = False) -> None:
        """The burst is over: one last copying back, in the thread, which then ends (`wait`: join it)."""
        self._stopping = True
        self._wake.set()
        if wait:
            self._thread.join(timeout=60)
