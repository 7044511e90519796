"""SQLiteRevocations: revocations in one SQLite file shared by a machine's workers."""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from .. import _clock
from ._base import BackendError, Change, Revocations

__all__ = ["SQLiteRevocations"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS revocations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    before REAL NOT NULL,
    expires REAL NOT NULL,
    made REAL NOT NULL,
    UNIQUE (kind, name)
);
CREATE INDEX IF NOT EXISTS revocations_expires ON revocations (expires);
"""


class SQLiteRevocations(Revocations):
    """Revocations in an SQLite file (WAL), shared by the processes of one machine.

    Every process polls the rows added since its last poll; expired rows
    are deleted by the pollers. Uses only :mod:`sqlite3`.

    :param path: the database file, made on first use; or an SQLite
        ``file:`` URI (``file:/path?mode=ro`` opens it read-only).
    :param options: as :class:`~signedsession.revocation.Revocations`.

    .. versionadded:: 0.2
    """

    def __init__(self, path: str | os.PathLike[str], **options: Any) -> None:
        super().__init__(**options)
        self.path = os.fspath(path)
        if not isinstance(self.path, str) or not self.path:
            raise ValueError(f"path must be a file path, got {path!r}")
        self._local = threading.local()
        self._pid = os.getpid()
        self._seq = -1

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._local.pid == os.getpid():
            return connection
        connection = sqlite3.connect(
            self.path,
            timeout=self.timeout,
            isolation_level=None,
            uri=self.path.startswith("file:"),
        )
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
        except sqlite3.OperationalError:
            # A read-only or locked file can still be read; writes fail later
            # and are queued then.
            pass
        self._local.connection = connection
        self._local.pid = os.getpid()
        return connection

    def _run(self) -> None:  # the poller thread: its own connection
        try:
            super()._run()
        finally:
            connection = getattr(self._local, "connection", None)
            if connection is not None:
                connection.close()

    def _lookup(self, session_id: str, user: str | None, created: float) -> bool:
        now = _clock.time()
        try:
            connection = self._connection()
            if connection.execute(
                "SELECT 1 FROM revocations WHERE kind = 's' AND name = ?"
                " AND expires > ?",
                (session_id, now),
            ).fetchone():
                return True
            if user is None:
                return False
            row = connection.execute(
                "SELECT before FROM revocations WHERE kind = 'u' AND name = ?"
                " AND expires > ?",
                (user, now),
            ).fetchone()
        except sqlite3.Error as exc:
            raise BackendError(f"sqlite: {exc}") from exc
        return row is not None and created < row[0]

    def _store(self, change: Change) -> None:
        try:
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                row = connection.execute(
                    "SELECT before, expires FROM revocations"
                    " WHERE kind = ? AND name = ?",
                    (change.kind, change.name),
                ).fetchone()
                before, expires = change.before, change.expires
                if row is not None:
                    before, expires = max(before, row[0]), max(expires, row[1])
                # REPLACE gives the row a new seq: the pollers see it again.
                connection.execute(
                    "INSERT OR REPLACE INTO revocations"
                    " (kind, name, before, expires, made) VALUES (?, ?, ?, ?, ?)",
                    (change.kind, change.name, before, expires, _clock.time()),
                )
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise BackendError(f"sqlite: {exc}") from exc

    def _changes(self, since: float) -> list[Change]:
        try:
            connection = self._connection()
            if self._seq < 0:
                # The first poll: the rows made within the window, newest
                # first, stopping at the first older one.
                rows = []
                cursor = connection.execute(
                    "SELECT seq, kind, name, before, expires, made"
                    " FROM revocations ORDER BY seq DESC"
                )
                top = 0
                for row in cursor:
                    top = max(top, row[0])
                    if row[5] < since:
                        break
                    rows.append(row)
                cursor.close()
                self._seq = top
            else:
                rows = connection.execute(
                    "SELECT seq, kind, name, before, expires, made"
                    " FROM revocations WHERE seq > ? ORDER BY seq",
                    (self._seq,),
                ).fetchall()
                if rows:
                    self._seq = rows[-1][0]
        except sqlite3.Error as exc:
            raise BackendError(f"sqlite: {exc}") from exc
        return [
            Change(kind, name, before, expires)
            for _, kind, name, before, expires, _ in rows
        ]

    def _purge(self, now: float) -> None:
        try:
            self._connection().execute(
                "DELETE FROM revocations WHERE expires <= ?", (now,)
            )
        except sqlite3.Error as exc:
            raise BackendError(f"sqlite: {exc}") from exc

    def _after_fork(self) -> None:
        self._local = threading.local()
        self._seq = -1

    def __repr__(self) -> str:
        return f"<SQLiteRevocations {self.path!r}>"
