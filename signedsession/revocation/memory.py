"""MemoryRevocations: revocations kept in this process only."""

from __future__ import annotations

from .. import _clock
from ._base import Change, Revocations

__all__ = ["MemoryRevocations"]


class MemoryRevocations(Revocations):
    """Revocations in this process's memory: tests and single-process servers.

    Another process (a second worker) never learns of them. Entries leave
    when they expire.

    .. versionadded:: 0.2
    """

    def __init__(self, **options: float | bool) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self._entries: dict[tuple[str, str], tuple[float, float]] = {}
        self._fresh_until = float("inf")  # the local set is the store: never stale
        self._stores = 0

    def _lookup(self, session_id: str, user: str | None, created: float) -> bool:
        now = _clock.time()
        entry = self._entries.get(("s", session_id))
        if entry is not None and entry[1] > now:
            return True
        if user is None:
            return False
        entry = self._entries.get(("u", user))
        return entry is not None and entry[1] > now and created < entry[0]

    def _store(self, change: Change) -> None:
        key = (change.kind, change.name)
        before, expires = self._entries.get(key, (0.0, 0.0))
        self._entries[key] = (
            max(before, change.before),
            max(expires, change.expires),
        )
        self._stores += 1
        if self._stores % 1024 == 0:  # no poller here: drop what expired
            now = _clock.time()
            self._purge(now)
            self.prune(now)

    def _changes(self, since: float) -> list[Change]:
        return []

    def _purge(self, now: float) -> None:
        self._entries = {
            key: entry for key, entry in self._entries.items() if entry[1] > now
        }

    def _forked(self) -> None:
        super()._forked()
        self._fresh_until = float("inf")

    def __len__(self) -> int:
        """The entries held, expired ones not yet dropped included."""
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<MemoryRevocations {len(self._entries)} entries>"
