"""Revocations: what every backend shares (the local set, the poller, faults).

A backend stores two kinds of entries: a revoked session id, and a user
with a moment before which that user's sessions are revoked. Each process
keeps the entries made recently (within :attr:`Revocations.keep`) in memory,
refreshed from the backend by a daemon thread every ``poll_interval``; a
cookie signed within ``check_interval`` is checked against that set only,
an older one against the backend (and then re-issued, which records the
check in the cookie's signed ``issued`` time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
import weakref
from collections import deque
from datetime import datetime
from typing import NamedTuple, Union

from .. import _clock

__all__ = [
    "CHECKED",
    "REVOKED",
    "TRUSTED",
    "UNCHECKED",
    "BackendError",
    "Change",
    "Revocations",
]

log = logging.getLogger("signedsession.revocation")

#: The cookie was signed within ``check_interval`` and is not in the local set.
TRUSTED = 0
#: The backend was asked and does not know it: re-issue the cookie.
CHECKED = 1
#: The session is revoked.
REVOKED = 2
#: The backend could not be asked (down, slow, locked).
UNCHECKED = 3

Moment = Union[float, int, datetime]

# How long a local entry outlives check_interval: the clock skew a cookie's
# issued time may carry (SessionSettings.clock_skew's default) plus slack
# for a late poll.
_KEEP_MARGIN = 60.0


class BackendError(Exception):
    """The backend could not answer or store in time (wraps the cause)."""


class Change(NamedTuple):
    """One entry as the change feed reports it."""

    #: "s" for a session id, "u" for a user.
    kind: str
    name: str
    #: For a user: sessions created before this moment are revoked.
    before: float
    #: When the entry stops mattering (Unix seconds).
    expires: float


class Revocations:
    """A store of revoked session ids and users; subclasses hold them.

    :param check_interval: seconds a cookie signed by a check stays trusted
        after a look-up in this process's set of recent revocations; older
        cookies are checked against the backend once, and re-issued.
    :param timeout: seconds a backend call may take before it counts as
        failed (the request goes on, see ``fail_closed``).
    :param fail_closed: a cookie that could not be checked is an empty
        session; by default (False) it is accepted and the failure counted.
    :param ttl: seconds an entry lives when the caller does not say (a
        revocation from the command line); the store passes the exact
        longest validity of the cookie it revokes.
    :param poll_interval: seconds between two refreshes of the local set
        (and retries of revocations the backend could not take).

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        *,
        check_interval: float = 60.0,
        timeout: float = 0.05,
        fail_closed: bool = False,
        ttl: int = 1209600,
        poll_interval: float = 0.5,
    ) -> None:
        for name, value, minimum in (
            ("check_interval", check_interval, 0.0),
            ("timeout", timeout, 0.001),
            ("ttl", ttl, 1),
            ("poll_interval", poll_interval, 0.01),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number of seconds, got {value!r}")
            if value < minimum:
                raise ValueError(f"{name} must be at least {minimum}, got {value}")
        if not isinstance(fail_closed, bool):
            raise TypeError(f"fail_closed must be True or False, got {fail_closed!r}")
        self.check_interval = float(check_interval)
        self.timeout = float(timeout)
        self.fail_closed = fail_closed
        self.ttl = int(ttl)
        self.poll_interval = float(poll_interval)
        #: Seconds an entry stays in the local set after it was made.
        self.keep = self.check_interval + _KEEP_MARGIN + 5 * self.poll_interval
        #: Backend calls that failed (checks, stores, polls) since start.
        self.errors = 0
        #: Checks answered without the backend because it failed.
        self.unchecked = 0
        # The local set: id -> when it leaves the set; user -> (before, leaves).
        self._ids: dict[str, float] = {}
        self._users: dict[str, tuple[float, float]] = {}
        self._pending: deque[Change] = deque()
        self._lock = threading.Lock()
        # Held by whoever polls or retries the queue: one at a time.
        self._poll_lock = threading.Lock()
        self._sync_attempt = float("-inf")
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._cursor: object = None
        # A local set not refreshed for _stale_after cannot vouch for a
        # recent cookie: _fresh_until is the last good poll plus that
        # (monotonic seconds).
        self._stale_after = max(3 * self.poll_interval, 0.5)
        self._fresh_until = float("-inf")
        self._last_error_log = float("-inf")
        _instances.add(self)

    # -- what subclasses provide -------------------------------------------

    def _lookup(self, session_id: str, user: str | None, created: float) -> bool:
        """Whether the backend holds a live entry refusing this session.

        :raises BackendError: the backend did not answer in time.
        """
        raise NotImplementedError

    def _store(self, change: Change) -> None:
        """Write one entry (a user's keeps the later ``before``).

        :raises BackendError: the backend did not take it.
        """
        raise NotImplementedError

    def _changes(self, since: float) -> list[Change]:
        """Entries made since the last call (the first: since ``since``).

        :raises BackendError: the backend did not answer in time.
        """
        raise NotImplementedError

    def _purge(self, now: float) -> None:
        """Drop expired entries, if the backend does not on its own."""

    def _after_fork(self) -> None:
        """Forget connections inherited from the parent process."""

    # -- the request path ----------------------------------------------------

    def check(
        self, session_id: str, user: str | None, created: float, issued: float
    ) -> int:
        """Whether a verified cookie's session is revoked.

        :returns: :data:`TRUSTED`, :data:`CHECKED` (re-issue the cookie),
            :data:`REVOKED` or :data:`UNCHECKED`.
        """
        # The common path: two dict look-ups, two clocks, no I/O.
        if session_id in self._ids:
            return REVOKED
        users = self._users
        if user is not None and user in users and created < users[user][0]:
            return REVOKED
        if _clock.time() - issued < self.check_interval:
            if time.monotonic() < self._fresh_until:
                return TRUSTED
            if self._ensure_fresh():  # polled just now: look again
                return self.check(session_id, user, created, issued)
            return self._failed("the local revocation set is stale")
        try:
            revoked = self._lookup(session_id, user, created)
        except BackendError as exc:
            return self._failed(f"check failed: {exc}")
        return REVOKED if revoked else CHECKED

    async def check_async(
        self, session_id: str, user: str | None, created: float, issued: float
    ) -> int:
        """:meth:`check` for an event loop: backend calls run in a thread."""
        if session_id in self._ids or (
            _clock.time() - issued < self.check_interval
            and time.monotonic() < self._fresh_until
        ):
            return self.check(session_id, user, created, issued)
        return await asyncio.to_thread(self.check, session_id, user, created, issued)

    def is_revoked(
        self, session_id: str, user: str | None = None, created: float = 0.0
    ) -> bool:
        """Whether the session (or its user's sessions) is revoked, asking the backend.

        :raises BackendError: the backend did not answer in time.
        """
        if session_id in self._ids:
            return True
        entry = None if user is None else self._users.get(user)
        if entry is not None and created < entry[0]:
            return True
        return self._lookup(session_id, user, created)

    async def is_revoked_async(
        self, session_id: str, user: str | None = None, created: float = 0.0
    ) -> bool:
        """:meth:`is_revoked` in a thread, for an event loop."""
        return await asyncio.to_thread(self.is_revoked, session_id, user, created)

    def _failed(self, why: str) -> int:
        self.errors += 1
        self.unchecked += 1
        now = time.monotonic()
        if now - self._last_error_log >= self.check_interval:
            self._last_error_log = now
            log.error(
                "revocation backend unavailable (%s); %s (%d unchecked so far)",
                why,
                "refusing unchecked cookies"
                if self.fail_closed
                else "accepting unchecked cookies",
                self.unchecked,
            )
        return UNCHECKED

    # -- revoking --------------------------------------------------------------

    def revoke_session(self, session_id: str, *, ttl: float | None = None) -> None:
        """Revoke one session by id, in every process within a poll interval.

        Stored now when the backend answers; otherwise queued, retried every
        ``poll_interval`` until stored (logged), and refused in this process
        meanwhile.

        :param ttl: seconds the entry must live: the longest any cookie of
            that session can still be valid; the backend's ``ttl`` if None.
        """
        if not isinstance(session_id, str) or not session_id:
            raise TypeError(f"session_id must be a non-empty str, got {session_id!r}")
        now = _clock.time()
        self._submit(Change("s", session_id, now, now + self._ttl(ttl)))

    def revoke_user(
        self,
        user: object,
        before: Moment | None = None,
        *,
        ttl: float | None = None,
    ) -> None:
        """Revoke every session of ``user`` created before ``before`` (default: now).

        ``user`` is compared as ``str(user)`` with the session's value under
        ``user_key``. Cookies carry creation times in whole seconds, so the
        default ``before`` is the end of the current second: a session
        created in this second is refused too, even if it began a moment
        after the call.
        """
        if user is None:
            raise TypeError("user must not be None")
        now = _clock.time()
        if before is None:
            moment = float(int(now) + 1)
        elif isinstance(before, datetime):
            moment = _clock.aware(before).timestamp()
        elif isinstance(before, (int, float)) and not isinstance(before, bool):
            moment = float(before)
        else:
            raise TypeError(
                f"before must be a datetime, Unix seconds or None, got {before!r}"
            )
        self._submit(Change("u", str(user), moment, now + self._ttl(ttl)))

    async def revoke_session_async(
        self, session_id: str, *, ttl: float | None = None
    ) -> None:
        """:meth:`revoke_session` in a thread, for an event loop."""
        await asyncio.to_thread(self.revoke_session, session_id, ttl=ttl)

    async def revoke_user_async(
        self, user: object, before: Moment | None = None, *, ttl: float | None = None
    ) -> None:
        """:meth:`revoke_user` in a thread, for an event loop."""
        await asyncio.to_thread(self.revoke_user, user, before, ttl=ttl)

    def retry_pending(self) -> bool:
        """Try to store the queued revocations now; whether none is left."""
        with self._poll_lock:
            try:
                self._retry_pending()
            except BackendError:
                self.errors += 1
                return False
        return True

    @property
    def pending(self) -> int:
        """Revocations waiting for the backend to come back."""
        return len(self._pending)

    def _ttl(self, ttl: float | None) -> float:
        if ttl is None:
            return float(self.ttl)
        return max(1.0, float(ttl))

    def _submit(self, change: Change) -> None:
        self._remember(change, _clock.time())
        try:
            self._store(change)
        except BackendError as exc:
            self.errors += 1
            with self._lock:
                self._pending.append(change)
            log.error(
                "revocation not stored (%s); queued, retried every %gs (%d pending)",
                exc,
                self.poll_interval,
                len(self._pending),
            )
            self._ensure_thread()

    def _remember(self, change: Change, now: float) -> None:
        leaves = min(change.expires, now + self.keep)
        with self._lock:
            if change.kind == "s":
                self._ids[change.name] = max(leaves, self._ids.get(change.name, 0.0))
            else:
                before, old_leaves = self._users.get(change.name, (0.0, 0.0))
                self._users[change.name] = (
                    max(before, change.before),
                    max(leaves, old_leaves),
                )

    # -- the poller -------------------------------------------------------------

    def _ensure_fresh(self) -> bool:
        """Start the poller if needed and poll once now; whether that worked.

        On a request's thread: at most one such attempt per poll interval
        in this process (the others count as unchecked at once), so an
        outage costs one request ``timeout``, not every request.
        """
        self._ensure_thread()
        now = time.monotonic()
        if now - self._sync_attempt < self.poll_interval:
            return False
        self._sync_attempt = now
        if not self._poll_lock.acquire(timeout=self.timeout):
            return time.monotonic() < self._fresh_until
        try:
            return self._poll_changes()
        finally:
            self._poll_lock.release()

    def _ensure_thread(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run,
                name=f"signedsession-{type(self).__name__}",
                daemon=True,
            )
            self._thread.start()

    def _run(self) -> None:
        purge_every = 60.0
        purged = time.monotonic()
        while not self._stop.wait(self.poll_interval):
            self._poll_once()
            if time.monotonic() - purged >= purge_every:
                purged = time.monotonic()
                # A failure here shows in the next poll.
                with contextlib.suppress(BackendError):
                    self._purge(_clock.time())

    def _poll_once(self) -> bool:
        with self._poll_lock:
            try:
                self._retry_pending()
            except BackendError as exc:
                self._poll_failed(exc)
                return False
            return self._poll_changes()

    def _poll_changes(self) -> bool:
        now = _clock.time()
        try:
            changes = self._changes(now - self.keep)
        except BackendError as exc:
            self._poll_failed(exc)
            return False
        for change in changes:
            self._remember(change, now)
        self.prune(now)
        self._fresh_until = time.monotonic() + self._stale_after
        return True

    def _poll_failed(self, exc: BackendError) -> None:
        self.errors += 1
        mono = time.monotonic()
        if mono - self._last_error_log >= self.check_interval:
            self._last_error_log = mono
            log.error(
                "revocation backend unavailable (%s); %d revocations pending",
                exc,
                len(self._pending),
            )

    def _retry_pending(self) -> None:
        while self._pending:
            change = self._pending[0]
            self._store(change)  # BackendError: left queued, tried again
            with self._lock:
                self._pending.popleft()
            log.warning(
                "queued revocation stored (%d still pending)", len(self._pending)
            )

    def prune(self, now: float) -> None:
        """Drop the local entries past their time (the poller does it)."""
        waiting = {change.name for change in self._pending}
        with self._lock:
            self._ids = {
                name: leaves
                for name, leaves in self._ids.items()
                if leaves > now or name in waiting
            }
            self._users = {
                name: entry
                for name, entry in self._users.items()
                if entry[1] > now or name in waiting
            }

    def close(self) -> None:
        """Stop the poller thread (it is a daemon: optional at exit)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None

    def _forked(self) -> None:
        self._thread = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._sync_attempt = float("-inf")
        self._fresh_until = float("-inf")
        self._after_fork()


_instances: weakref.WeakSet[Revocations] = weakref.WeakSet()


def _reset_after_fork() -> None:
    # Threads do not survive fork(): a worker forked from a server that
    # built its settings first starts its own poller on first use.
    for instance in list(_instances):
        instance._forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
